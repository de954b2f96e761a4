//! Life tables (生命表): yearly probabilities of dying by age and sex, read from a CSV file
//! (docs/formats/mortality.md).

use std::path::Path;

use serde::Serialize;

use crate::{Result, SimError};

/// Sex, which decides the mortality column and the employee scheme's retirement age.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    pub fn parse(s: &str) -> Option<Sex> {
        match s.trim() {
            "M" | "m" | "male" | "男" => Some(Sex::Male),
            "F" | "f" | "female" | "女" => Some(Sex::Female),
            _ => None,
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Sex::Male => "男",
            Sex::Female => "女",
        }
    }
}

/// A life table: q(x), the probability that someone alive at exact age x dies before x + 1,
/// for consecutive ages from `first_age`. Everyone alive at the end of the table dies within
/// its last year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mortality {
    /// The title line of the file (without `#`), or the file name.
    pub title: String,
    pub first_age: u32,
    pub male: Vec<f64>,
    pub female: Vec<f64>,
}

/// The illustrative table shipped with the system (`mortality/illustrative.csv`).
pub const ILLUSTRATIVE: &str = include_str!("../../../mortality/illustrative.csv");

impl Mortality {
    /// The shipped illustrative table.
    pub fn illustrative() -> Mortality {
        Mortality::parse(ILLUSTRATIVE, "mortality/illustrative.csv")
            .expect("shipped table is valid")
    }

    pub fn load(path: &Path) -> Result<Mortality> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            SimError::new(
                "E-SIM-MORTALITY-IO",
                format!("无法读取生命表文件 {}：{e}", path.display()),
            )
        })?;
        Mortality::parse(&text, &path.display().to_string())
    }

    /// Parses the CSV: optional comment lines starting with `#` (the first is the title), the header `年龄,男,女`, then one
    /// row per age. Every problem names the file, row and column.
    pub fn parse(text: &str, file: &str) -> Result<Mortality> {
        let text = text.trim_start_matches('\u{feff}');
        let bad = |row: usize, col: &str, msg: String| {
            SimError::new(
                "E-SIM-MORTALITY-INVALID",
                format!("生命表 {file} 第 {row} 行“{col}”列：{msg}"),
            )
        };
        let mut title = None;
        let mut body = Vec::new();
        let mut leading = true;
        for (i, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if leading && line.starts_with('#') {
                // The first comment line is the title; further ones are notes.
                title.get_or_insert_with(|| line.trim_start_matches('#').trim().to_string());
                continue;
            }
            leading = false;
            if line.trim().is_empty() {
                continue;
            }
            body.push((i + 1, line));
        }
        let Some((header_row, header)) = body.first().copied() else {
            return Err(SimError::new(
                "E-SIM-MORTALITY-INVALID",
                format!("生命表 {file} 是空文件"),
            ));
        };
        let cols: Vec<&str> = header.split(',').map(str::trim).collect();
        if cols != ["年龄", "男", "女"] {
            return Err(SimError::new(
                "E-SIM-MORTALITY-INVALID",
                format!("生命表 {file} 第 {header_row} 行：表头应为“年龄,男,女”，实际为“{header}”"),
            ));
        }
        let mut first_age = None;
        let mut male = Vec::new();
        let mut female = Vec::new();
        for &(row, line) in &body[1..] {
            let cells: Vec<&str> = line.split(',').map(str::trim).collect();
            if cells.len() != 3 {
                return Err(bad(
                    row,
                    "年龄",
                    format!("应有 3 列，实际 {} 列", cells.len()),
                ));
            }
            let age: u32 = cells[0]
                .parse()
                .map_err(|_| bad(row, "年龄", format!("“{}”不是整数年龄", cells[0])))?;
            let expected = first_age.map_or(age, |f: u32| f + male.len() as u32);
            if age != expected {
                return Err(bad(
                    row,
                    "年龄",
                    format!("年龄应连续递增，此处应为 {expected}，实际为 {age}"),
                ));
            }
            first_age.get_or_insert(age);
            for (col, cell, out) in [("男", cells[1], &mut male), ("女", cells[2], &mut female)] {
                let q: f64 = cell.parse().map_err(|_| {
                    bad(
                        row,
                        col,
                        format!("“{cell}”不是数字（年死亡概率，0 到 1 之间的小数）"),
                    )
                })?;
                if !(0.0..=1.0).contains(&q) || q.is_nan() {
                    return Err(bad(row, col, format!("年死亡概率 {cell} 应在 0 到 1 之间")));
                }
                out.push(q);
            }
        }
        let Some(first_age) = first_age else {
            return Err(SimError::new(
                "E-SIM-MORTALITY-INVALID",
                format!("生命表 {file} 没有数据行"),
            ));
        };
        Ok(Mortality {
            title: title.unwrap_or_else(|| file.to_string()),
            first_age,
            male,
            female,
        })
    }

    /// The last age of the table (everyone alive at it dies within that year).
    pub fn last_age(&self) -> u32 {
        self.first_age + self.male.len() as u32 - 1
    }

    /// q(age) for a sex; 1 beyond the table's end. Ages below the table are an error of the caller.
    pub fn q(&self, sex: Sex, age: u32) -> f64 {
        if age >= self.last_age() {
            return 1.0;
        }
        let col = match sex {
            Sex::Male => &self.male,
            Sex::Female => &self.female,
        };
        col.get(age.saturating_sub(self.first_age) as usize)
            .copied()
            .unwrap_or(1.0)
    }

    /// Probability of being alive `months` months after exact age `from_age` (deaths spread
    /// evenly in time within a year of age: constant force of mortality).
    pub fn survival(&self, sex: Sex, from_age: u32, months: u32) -> f64 {
        let mut s = 1.0;
        let years = months / 12;
        for a in from_age..from_age + years {
            s *= 1.0 - self.q(sex, a);
        }
        let part = months % 12;
        if part > 0 {
            s *= (1.0 - self.q(sex, from_age + years)).powf(f64::from(part) / 12.0);
        }
        s
    }

    /// Complete life expectancy at exact age `age`, in years.
    pub fn expectancy(&self, sex: Sex, age: u32) -> f64 {
        let mut total = 0.0;
        let mut alive = 1.0;
        for a in age..=self.last_age() {
            let q = self.q(sex, a);
            total += alive * (1.0 - q / 2.0);
            alive *= 1.0 - q;
        }
        total
    }

    /// Checks the table covers `age` (a simulation starting at it).
    pub fn covers(&self, age: u32) -> Result<()> {
        if age < self.first_age || age > self.last_age() {
            return Err(SimError::new(
                "E-SIM-MORTALITY-RANGE",
                format!(
                    "生命表“{}”只有 {}–{} 岁，不含 {age} 岁",
                    self.title,
                    self.first_age,
                    self.last_age()
                ),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_table_is_plausible() {
        let t = Mortality::illustrative();
        assert!(t.title.contains("示意"));
        assert_eq!((t.first_age, t.last_age()), (0, 105));
        let (m, f) = (t.expectancy(Sex::Male, 0), t.expectancy(Sex::Female, 0));
        assert!(
            (72.0..77.0).contains(&m) && (79.0..84.0).contains(&f),
            "{m} {f}"
        );
        assert!(t.expectancy(Sex::Male, 60) > 15.0);
        // Survival multiplies year by year.
        let s = t.survival(Sex::Male, 60, 24);
        assert!((s - (1.0 - t.q(Sex::Male, 60)) * (1.0 - t.q(Sex::Male, 61))).abs() < 1e-12);
        assert_eq!(t.survival(Sex::Female, 50, 0), 1.0);
        assert_eq!(t.q(Sex::Male, 105), 1.0);
    }

    #[test]
    fn bad_tables_name_row_and_column() {
        let e = Mortality::parse("年龄,男,女\n60,0.01,0.005\n62,0.02,0.01\n", "t.csv").unwrap_err();
        assert_eq!(e.code, "E-SIM-MORTALITY-INVALID");
        assert!(
            e.message.contains("第 3 行") && e.message.contains("应为 61"),
            "{}",
            e.message
        );
        let e = Mortality::parse("年龄,男,女\n60,0.01,1.5\n", "t.csv").unwrap_err();
        assert!(
            e.message.contains("“女”列") && e.message.contains("0 到 1"),
            "{}",
            e.message
        );
        let e = Mortality::parse("age,m,f\n60,0.01,0.5\n", "t.csv").unwrap_err();
        assert!(e.message.contains("表头"), "{}", e.message);
        let t = Mortality::parse("# 测试表\n年龄,男,女\n60,0.5,0.25\n61,1,1\n", "t.csv").unwrap();
        assert_eq!(t.title, "测试表");
        assert_eq!(t.survival(Sex::Male, 60, 12), 0.5);
        assert!((t.survival(Sex::Female, 60, 6) - 0.75f64.sqrt()).abs() < 1e-12);
    }
}
