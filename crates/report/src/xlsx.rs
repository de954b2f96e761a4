//! The annex: every table of the report as a sheet of its own, numbers as numbers.

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::doc::Doc;

/// How a cell's number is shown.
#[derive(Debug, Clone, PartialEq)]
enum Shown {
    /// A percentage (the number is the fraction).
    Pct,
    /// With this many decimals, thousands grouped when the text grouped them, and the unit the
    /// text gave after it.
    Plain {
        decimals: usize,
        grouped: bool,
        unit: String,
    },
}

/// Units a cell may give after its number ("1105 人", "72.88 个月").
const UNITS: &[&str] = &[
    "万元", "个月", "人次", "元", "人", "分", "个", "笔", "岁", "户",
];

/// A cell's number, when the text is one ("85.76", "98.40%", "4,534.36", "1105 人", "−4.12%").
fn number(s: &str) -> Option<(f64, Shown)> {
    let t = s.trim().replace('\u{2212}', "-");
    if let Some(p) = t.strip_suffix('%') {
        // Through a decimal, so that 98.40% is 0.984 and not 0.9840000000000001.
        use rust_decimal::prelude::ToPrimitive;
        return p
            .trim()
            .parse::<rust_decimal::Decimal>()
            .ok()
            .and_then(|v| (v / rust_decimal::Decimal::from(100)).to_f64())
            .map(|v| (v, Shown::Pct));
    }
    let (body, unit) = UNITS
        .iter()
        .find_map(|u| {
            t.strip_suffix(u)
                .map(|b| (b.trim_end().to_string(), u.to_string()))
        })
        .unwrap_or((t.clone(), String::new()));
    if body.starts_with('0') && body.len() > 1 && !body.starts_with("0.") {
        return None; // codes such as 011 keep their text
    }
    if body.len() == 6 && body.chars().all(|c| c.is_ascii_digit()) {
        return None; // county codes such as 140302
    }
    let grouped = body.contains(',');
    if grouped
        && !body.split('.').next().is_some_and(|int| {
            let int = int.trim_start_matches('-');
            int.split(',').enumerate().all(|(k, g)| {
                (if k == 0 {
                    (1..=3).contains(&g.len())
                } else {
                    g.len() == 3
                }) && g.chars().all(|c| c.is_ascii_digit())
            })
        })
    {
        return None;
    }
    let plain = body.replace(',', "");
    let decimals = plain.split_once('.').map_or(0, |(_, f)| f.len());
    plain
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && !plain.contains(['e', 'E', '+']))
        .map(|v| {
            (
                v,
                Shown::Plain {
                    decimals,
                    grouped,
                    unit,
                },
            )
        })
}

/// The number format of a shown number.
fn format_of(shown: &Shown) -> String {
    match shown {
        Shown::Pct => "0.00%".into(),
        Shown::Plain {
            decimals,
            grouped,
            unit,
        } => {
            let mut f = if *grouped {
                "#,##0".to_string()
            } else {
                "0".to_string()
            };
            if *decimals > 0 {
                f.push('.');
                f.push_str(&"0".repeat(*decimals));
            }
            if !unit.is_empty() {
                f.push_str(&format!("\" {unit}\""));
            }
            f
        }
    }
}

/// How wide a text is, in character widths of the sheet's font (a CJK character is two).
fn text_width(s: &str) -> f64 {
    s.chars()
        .map(|c| if c.is_ascii() { 1.1 } else { 2.0 })
        .sum()
}

/// A sheet name Excel accepts: at most 31 characters, none of `[]:*?/\`, unique in the book.
fn sheet_name(id: &str, used: &mut Vec<String>) -> String {
    let mut base: String = id
        .chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(28)
        .collect();
    if base.is_empty() {
        base = "表".into();
    }
    let mut name = base.clone();
    let mut k = 2;
    while used.contains(&name) {
        name = format!("{base}-{k}");
        k += 1;
    }
    used.push(name.clone());
    name
}

/// Writes the annex as an xlsx workbook into `out`.
pub fn write(doc: &Doc, out: &mut dyn std::io::Write) -> Result<(), XlsxError> {
    out.write_all(&to_bytes(doc)?).map_err(XlsxError::IoError)
}

/// The annex as the bytes of an xlsx workbook: the report's tables, then its detail lists, each
/// a sheet that prints on A4 one page wide (landscape when it is wide), its header repeated.
pub fn to_bytes(doc: &Doc) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let mut used = Vec::new();
    let mut formats: std::collections::BTreeMap<String, Format> = Default::default();
    for t in doc.tables().chain(doc.details.iter()) {
        sheet(&mut wb, t, &mut used, &mut formats)?;
    }
    if used.is_empty() {
        wb.add_worksheet().write_string(0, 0, "本报告没有表格")?;
    }
    wb.save_to_buffer()
}

fn sheet(
    wb: &mut Workbook,
    t: &crate::doc::Table,
    used: &mut Vec<String>,
    formats: &mut std::collections::BTreeMap<String, Format>,
) -> Result<(), XlsxError> {
    let title = Format::new().set_bold().set_font_size(12);
    let border = || {
        Format::new()
            .set_border(rust_xlsxwriter::FormatBorder::Thin)
            .set_align(rust_xlsxwriter::FormatAlign::VerticalCenter)
    };
    let head = border()
        .set_bold()
        .set_text_wrap()
        .set_align(rust_xlsxwriter::FormatAlign::Center);
    let cell = border().set_text_wrap();
    let merged = border()
        .set_text_wrap()
        .set_align(rust_xlsxwriter::FormatAlign::Center);
    let ws = wb.add_worksheet();
    ws.set_name(sheet_name(&t.id, used))?;
    ws.write_string_with_format(0, 0, format!("{} {}", t.id, t.title), &title)?;
    // Column widths in proportion to the report's, about 100 characters across.
    let total: u32 = t.widths.iter().sum::<u32>().max(1);
    let widths: Vec<f64> = (0..t.header.len())
        .map(|c| {
            let w = f64::from(t.widths.get(c).copied().unwrap_or(8));
            (w / f64::from(total) * 110.0).clamp(6.0, 60.0)
        })
        .collect();
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    // A row is as tall as its most wrapped cell (15 points a line).
    let height = |cells: &[String]| -> f64 {
        let lines = cells
            .iter()
            .enumerate()
            .map(|(c, v)| {
                (text_width(v) / (widths.get(c).copied().unwrap_or(8.0) - 1.0))
                    .ceil()
                    .max(1.0)
            })
            .fold(1.0, f64::max);
        15.0 * lines.min(12.0) + 2.0
    };
    for (c, h) in t.header.iter().enumerate() {
        ws.write_string_with_format(1, c as u16, h, &head)?;
    }
    ws.set_row_height(1, height(&t.header))?;
    let spans = t.spans();
    for (i, r) in t.rows.iter().enumerate() {
        let row = (i + 2) as u32;
        for (c, v) in r.iter().enumerate() {
            match spans[i].get(c).copied() {
                Some(0) => continue,
                Some(n) if n > 1 => {
                    ws.merge_range(row, c as u16, row + n as u32 - 1, c as u16, v, &merged)?;
                    continue;
                }
                _ => {}
            }
            let c = c as u16;
            match number(v) {
                Some((x, shown)) => {
                    let key = format_of(&shown);
                    let f = formats
                        .entry(key.clone())
                        .or_insert_with(|| border().set_num_format(&key));
                    ws.write_number_with_format(row, c, x, f)?
                }
                None => ws.write_string_with_format(row, c, v, &cell)?,
            };
        }
        ws.set_row_height(row, height(r))?;
    }
    ws.set_freeze_panes(2, 0)?;
    ws.set_paper_size(9);
    if t.header.len() >= 7 {
        ws.set_landscape();
    }
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(1, 1)?;
    ws.set_print_center_horizontally(true);
    ws.set_header(format!("&C{} {}", t.id, t.title));
    ws.set_footer("&C第 &P 页，共 &N 页");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_codes() {
        let plain = |decimals, grouped, unit: &str| Shown::Plain {
            decimals,
            grouped,
            unit: unit.into(),
        };
        assert_eq!(number("85.76"), Some((85.76, plain(2, false, ""))));
        assert_eq!(number("98.40%"), Some((0.984, Shown::Pct)));
        assert_eq!(number("\u{2212}4.12%"), Some((-0.0412, Shown::Pct)));
        assert_eq!(number("1105 人"), Some((1105.0, plain(0, false, "人"))));
        assert_eq!(number("72.88 个月"), Some((72.88, plain(2, false, "个月"))));
        assert_eq!(number("10,500.00"), Some((10500.0, plain(2, true, ""))));
        assert_eq!(number("1,2,3"), None);
        assert_eq!(number("2023-02"), None);
        assert_eq!(format_of(&plain(2, true, "元")), "#,##0.00\" 元\"");
        assert_eq!(number("140302"), None);
        assert_eq!(number("011"), None);
        assert_eq!(number("良"), None);
        let mut used = Vec::new();
        assert_eq!(sheet_name("表 1-1", &mut used), "表 1-1");
        assert_eq!(sheet_name("表 1-1", &mut used), "表 1-1-2");
        assert_eq!(sheet_name("a/b", &mut used), "ab");
    }
}
