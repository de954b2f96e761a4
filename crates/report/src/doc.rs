//! The document model every writer reads, and the registry that keeps the text's figures and the
//! tables' figures the same.

use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// The report's title (cover and first page).
    Title(String),
    /// A centred line under the title.
    Centered(String),
    Heading {
        level: u8,
        text: String,
    },
    Para(String),
    Table(Table),
    /// A chart with its caption (图 5-1 …); its figures are in a table of the report too.
    Chart(crate::chart::Chart),
    PageBreak,
    /// The cover's lines: label and value (主管部门：…).
    CoverLines(Vec<(String, String)>),
    /// The cover's date, at its foot.
    CoverDate(String),
    /// The end of the cover: the body starts on a new page, numbered from 1.
    EndOfCover,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// "表 1-1", also the sheet's name in the annex.
    pub id: String,
    pub title: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Relative column widths.
    pub widths: Vec<u32>,
    /// How many leading columns group the rows (一级、二级指标): a run of rows with the same
    /// values in these columns (and those left of them) is one merged cell, as the source's
    /// tables are laid out.
    pub grouped: usize,
}

impl Table {
    /// For each cell of a grouped column: how many rows it spans (1 for a cell of its own; 0 for
    /// a cell inside the run of the one above, which is not drawn).
    pub fn spans(&self) -> Vec<Vec<usize>> {
        let n = self.rows.len();
        let mut out = vec![vec![1usize; self.grouped]; n];
        for k in 0..self.grouped {
            let same = |a: usize, b: usize| {
                (0..=k).all(|j| self.rows[a].get(j) == self.rows[b].get(j))
                    && !self.rows[a].get(k).is_none_or(|v| v.is_empty())
            };
            let mut r = 0;
            while r < n {
                let mut end = r + 1;
                while end < n && same(r, end) {
                    end += 1;
                }
                out[r][k] = end - r;
                for row in out.iter_mut().take(end).skip(r + 1) {
                    row[k] = 0;
                }
                r = end;
            }
        }
        out
    }
}

/// A document and its figures: every number the text states and every number a table shows are
/// registered under a key, and [`Doc::inconsistencies`] lists any key whose text and table
/// values differ.
#[derive(Debug, Default)]
pub struct Doc {
    pub title: String,
    pub blocks: Vec<Block>,
    /// Detail lists that only the xlsx annex carries (明细): too long for the text.
    pub details: Vec<Table>,
    text_figures: BTreeMap<String, String>,
    table_figures: BTreeMap<String, String>,
    problems: Vec<String>,
}

impl Doc {
    pub fn new(title: &str) -> Doc {
        Doc {
            title: title.to_string(),
            ..Default::default()
        }
    }

    /// A figure stated in the text; returns it for the sentence.
    pub fn fig(&mut self, key: &str, value: impl Into<String>) -> String {
        let value = value.into();
        Self::register(
            &mut self.text_figures,
            &mut self.problems,
            "正文",
            key,
            &value,
        );
        value
    }

    /// A figure shown in a table cell; returns it for the cell.
    pub fn cell(&mut self, key: &str, value: impl Into<String>) -> String {
        let value = value.into();
        Self::register(
            &mut self.table_figures,
            &mut self.problems,
            "表格",
            key,
            &value,
        );
        value
    }

    fn register(
        map: &mut BTreeMap<String, String>,
        problems: &mut Vec<String>,
        place: &str,
        key: &str,
        value: &str,
    ) {
        match map.get(key) {
            Some(v) if v != value => {
                problems.push(format!("{place}中“{key}”出现两个不同的数：{v} 与 {value}"))
            }
            Some(_) => {}
            None => {
                map.insert(key.to_string(), value.to_string());
            }
        }
    }

    /// Records a failed check (totals that do not add up, duplicate codes…).
    pub fn problem(&mut self, message: String) {
        self.problems.push(message);
    }

    pub fn heading(&mut self, level: u8, text: impl Into<String>) {
        self.blocks.push(Block::Heading {
            level,
            text: text.into(),
        });
    }
    pub fn para(&mut self, text: impl Into<String>) {
        self.blocks.push(Block::Para(text.into()));
    }
    pub fn table(&mut self, t: Table) {
        self.blocks.push(Block::Table(t));
    }
    /// A chart, if it has anything to draw.
    pub fn chart(&mut self, c: crate::chart::Chart) {
        if c.drawable() {
            self.blocks.push(Block::Chart(c));
        }
    }

    pub fn charts(&self) -> impl Iterator<Item = &crate::chart::Chart> {
        self.blocks.iter().filter_map(|b| match b {
            Block::Chart(c) => Some(c),
            _ => None,
        })
    }

    /// Everything that disagrees: the same figure stated two ways, a text figure that differs
    /// from its table, a table id used twice, and the problems recorded while building.
    pub fn inconsistencies(&self) -> Vec<String> {
        let mut out = self.problems.clone();
        for (k, v) in &self.text_figures {
            if let Some(t) = self.table_figures.get(k) {
                if t != v {
                    out.push(format!("“{k}”正文为 {v}，表格为 {t}"));
                }
            }
        }
        let mut ids: BTreeMap<&str, usize> = BTreeMap::new();
        for b in &self.blocks {
            if let Block::Table(t) = b {
                *ids.entry(t.id.as_str()).or_default() += 1;
                if t.rows.iter().any(|r| r.len() != t.header.len()) {
                    out.push(format!("{} 有行的列数与表头不符", t.id));
                }
            }
        }
        for c in self.charts() {
            *ids.entry(c.id.as_str()).or_default() += 1;
            if c.series.iter().any(|(_, v)| v.len() != c.categories.len()) {
                out.push(format!("{} 有系列的数据个数与类别不符", c.id));
            }
        }
        for (id, n) in ids {
            if n > 1 {
                out.push(format!("表号 {id} 使用了 {n} 次"));
            }
        }
        out
    }

    pub fn tables(&self) -> impl Iterator<Item = &Table> {
        self.blocks.iter().filter_map(|b| match b {
            Block::Table(t) => Some(t),
            _ => None,
        })
    }
}

/// Text as it is set: a hyphen used as a minus sign (before a digit, after neither a letter nor a
/// digit: "-4.12%", not "2023-02" or "E-YEAR") becomes the minus sign U+2212, which a line never
/// breaks after.
pub fn typeset(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('-') {
        return std::borrow::Cow::Borrowed(text);
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 2);
    for (k, &c) in chars.iter().enumerate() {
        let before = k.checked_sub(1).map(|j| chars[j]);
        let after = chars.get(k + 1);
        if c == '-'
            && after.is_some_and(|a| a.is_ascii_digit())
            && !before.is_some_and(|b| b.is_alphanumeric() || b == '.')
        {
            out.push('\u{2212}');
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouped_columns_merge_runs_of_the_same_values() {
        let row = |a: &str, b: &str, c: &str| vec![a.to_string(), b.to_string(), c.to_string()];
        let t = Table {
            id: "表".into(),
            title: String::new(),
            header: vec!["一级".into(), "二级".into(), "三级".into()],
            rows: vec![
                row("产出", "数量", "C11"),
                row("产出", "数量", "C12"),
                row("产出", "质量", "C21"),
                row("效益", "质量", "D11"),
                row("", "", "合计"),
                row("", "", "x"),
            ],
            widths: vec![1, 1, 1],
            grouped: 2,
        };
        assert_eq!(
            t.spans(),
            vec![
                vec![3, 2],
                vec![0, 0],
                vec![0, 1],
                vec![1, 1],
                vec![1, 1],
                vec![1, 1]
            ]
        );
    }

    #[test]
    fn a_minus_sign_is_set_as_one_and_a_hyphen_stays() {
        assert_eq!(typeset("变动 -22.69%"), "变动 \u{2212}22.69%");
        assert_eq!(typeset("（-4.12%）"), "（\u{2212}4.12%）");
        assert_eq!(typeset("-5"), "\u{2212}5");
        for same in ["2023-02", "E-YEAR", "表 1-1", "A-1", "无"] {
            assert_eq!(typeset(same), same);
        }
    }

    #[test]
    fn a_text_figure_that_differs_from_its_table_is_caught() {
        let mut d = Doc::new("测试");
        d.fig("total", "85.76");
        d.cell("total", "85.76");
        assert!(d.inconsistencies().is_empty());
        d.cell("rate", "78.94%");
        d.fig("rate", "78.92%");
        let p = d.inconsistencies();
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].contains("78.92%") && p[0].contains("78.94%"), "{p:?}");
        d.fig("total", "85.67");
        assert_eq!(d.inconsistencies().len(), 2);
    }

    #[test]
    fn table_ids_are_unique_and_rows_fit_the_header() {
        let mut d = Doc::new("测试");
        let t = Table {
            id: "表 1".into(),
            title: "t".into(),
            header: vec!["a".into(), "b".into()],
            rows: vec![vec!["1".into()]],
            widths: vec![1, 1],
            grouped: 0,
        };
        d.table(t.clone());
        d.table(t);
        let p = d.inconsistencies();
        assert!(p.iter().any(|x| x.contains("使用了 2 次")), "{p:?}");
        assert!(p.iter().any(|x| x.contains("列数")), "{p:?}");
    }
}
