//! The annex: every table of the report as a sheet of its own, numbers as numbers.

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::doc::Doc;

/// A cell's number, when the text is one ("85.76", "98.40%", "4534.36").
fn number(s: &str) -> Option<(f64, bool)> {
    let t = s.trim();
    if let Some(p) = t.strip_suffix('%') {
        // Through a decimal, so that 98.40% is 0.984 and not 0.9840000000000001.
        use rust_decimal::prelude::ToPrimitive;
        return p
            .trim()
            .parse::<rust_decimal::Decimal>()
            .ok()
            .and_then(|v| (v / rust_decimal::Decimal::from(100)).to_f64())
            .map(|v| (v, true));
    }
    if t.starts_with('0') && t.len() > 1 && !t.starts_with("0.") {
        return None; // codes such as 140302 keep their text
    }
    if t.len() == 6 && t.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    t.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .map(|v| (v, false))
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

/// The annex as the bytes of an xlsx workbook.
pub fn to_bytes(doc: &Doc) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let title = Format::new().set_bold().set_font_size(12);
    let head = Format::new()
        .set_bold()
        .set_border(rust_xlsxwriter::FormatBorder::Thin)
        .set_text_wrap();
    let cell = Format::new()
        .set_border(rust_xlsxwriter::FormatBorder::Thin)
        .set_text_wrap();
    let num = Format::new()
        .set_border(rust_xlsxwriter::FormatBorder::Thin)
        .set_num_format("0.00");
    let pct = Format::new()
        .set_border(rust_xlsxwriter::FormatBorder::Thin)
        .set_num_format("0.00%");
    let int = Format::new()
        .set_border(rust_xlsxwriter::FormatBorder::Thin)
        .set_num_format("0");
    let mut used = Vec::new();
    for t in doc.tables() {
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(&t.id, &mut used))?;
        ws.write_string_with_format(0, 0, format!("{} {}", t.id, t.title), &title)?;
        for (c, h) in t.header.iter().enumerate() {
            ws.write_string_with_format(1, c as u16, h, &head)?;
            let w = t.widths.get(c).copied().unwrap_or(10).clamp(6, 60);
            ws.set_column_width(c as u16, f64::from(w) * 1.6)?;
        }
        let spans = t.spans();
        for (i, r) in t.rows.iter().enumerate() {
            let row = (i + 2) as u32;
            for (c, v) in r.iter().enumerate() {
                match spans[i].get(c).copied() {
                    Some(0) => continue,
                    Some(n) if n > 1 => {
                        ws.merge_range(row, c as u16, row + n as u32 - 1, c as u16, v, &cell)?;
                        continue;
                    }
                    _ => {}
                }
                let c = c as u16;
                match number(v) {
                    Some((x, true)) => ws.write_number_with_format(row, c, x, &pct)?,
                    Some((x, false)) if v.contains('.') => {
                        ws.write_number_with_format(row, c, x, &num)?
                    }
                    Some((x, false)) => ws.write_number_with_format(row, c, x, &int)?,
                    None => ws.write_string_with_format(row, c, v, &cell)?,
                };
            }
        }
        ws.set_freeze_panes(2, 0)?;
    }
    if used.is_empty() {
        wb.add_worksheet().write_string(0, 0, "本报告没有表格")?;
    }
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_codes() {
        assert_eq!(number("85.76"), Some((85.76, false)));
        assert_eq!(number("98.40%"), Some((0.984, true)));
        assert_eq!(number("140302"), None);
        assert_eq!(number("011"), None);
        assert_eq!(number("良"), None);
        let mut used = Vec::new();
        assert_eq!(sheet_name("表 1-1", &mut used), "表 1-1");
        assert_eq!(sheet_name("表 1-1", &mut used), "表 1-1-2");
        assert_eq!(sheet_name("a/b", &mut used), "ab");
    }
}
