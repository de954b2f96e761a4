//! What goes wrong with a user's file, said in Chinese with a stable code, and the row-level
//! report written beside the file.

use serde::Serialize;

/// One problem in one cell (or row) of an input file.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Problem {
    /// The row number a person sees (header = 1; CSV: the line number).
    pub row: usize,
    /// Column letter and header, e.g. `A 身份证号`; empty when the whole row is concerned.
    pub column: String,
    pub value: String,
    pub code: &'static str,
    pub message: String,
}

/// A problem with the file as a whole (unreadable, empty, missing columns…).
#[derive(Debug, Clone, Serialize, PartialEq, thiserror::Error)]
#[error("[{code}] 文件 {file}：{message}")]
pub struct FileError {
    pub file: String,
    pub code: &'static str,
    pub message: String,
}

impl FileError {
    pub fn new(file: &str, code: &'static str, message: impl Into<String>) -> FileError {
        FileError {
            file: file.to_string(),
            code,
            message: message.into(),
        }
    }
}

/// The result of one import, printed and (with `--json`) emitted as JSON.
#[derive(Debug, Clone, Serialize, Default)]
pub struct ImportOutcome {
    pub kind: &'static str,
    pub file: String,
    pub dry_run: bool,
    /// Data rows read.
    pub rows: usize,
    /// Rows posted (new records).
    pub posted: usize,
    /// Rows that changed an existing record (persons, hardship end dates).
    pub updated: usize,
    /// Rows already imported earlier, posted nothing.
    pub skipped: usize,
    /// The whole file had been imported before (same content): nothing was read into the books.
    pub already_imported: bool,
    /// A register file whose content was imported before (it is compared row by row again).
    #[serde(skip)]
    pub seen_before: Option<i64>,
    pub import_id: Option<i64>,
    pub errors: Vec<Problem>,
    pub warnings: Vec<Problem>,
    /// The xlsx row-level report written beside the file when there were errors.
    pub error_report: Option<String>,
    /// What the import did beyond its rows (e.g. deaths applied, review items, recovery cases).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
}

/// Every kind of import (`ImportOutcome::kind`, `imports.kind`) with the name a person reads.
pub const IMPORT_KINDS: &[(&str, &str)] = &[
    ("persons", "人员登记"),
    ("contributions", "缴费"),
    ("hardship", "困难群体认定"),
    ("certifications", "资格认证"),
    ("bank-agreements", "存款协议"),
    ("bank-statement", "银行对账单"),
    ("budget", "预算"),
    ("fund-arrivals", "资金到位"),
    ("survey", "问卷调查"),
    ("bank-return", "银行回盘"),
    ("deaths", "死亡信息"),
];

/// The name of an import kind as a person reads it.
pub fn import_kind_zh(kind: &str) -> &str {
    IMPORT_KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or(kind, |(_, zh)| zh)
}

impl ImportOutcome {
    pub fn new(kind: &'static str, file: &str, dry_run: bool) -> ImportOutcome {
        debug_assert!(
            IMPORT_KINDS.iter().any(|(k, _)| *k == kind),
            "import kind {kind} has no Chinese name in IMPORT_KINDS"
        );
        ImportOutcome {
            kind,
            file: file.to_string(),
            dry_run,
            ..Default::default()
        }
    }

    pub fn ok(&self) -> bool {
        self.errors.is_empty()
    }
}

/// At most this many problems are written to a report; the count of the rest is noted.
const MAX_REPORTED: usize = 200_000;

/// The error report of an import as an xlsx workbook (错误 and, when there are any, 警告 sheets):
/// the interface writes it beside the file (the command line) or offers it for download.
pub fn error_report_xlsx(
    errors: &[Problem],
    warnings: &[Problem],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    for (title, list) in [("错误", errors), ("警告", warnings)] {
        if title == "警告" && list.is_empty() {
            continue;
        }
        let ws = wb.add_worksheet();
        ws.set_name(title)?;
        for (c, h) in ["行号", "列", "值", "规则代码", "说明"].iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, &bold)?;
        }
        ws.set_column_width(1, 16)?;
        ws.set_column_width(2, 22)?;
        ws.set_column_width(3, 26)?;
        ws.set_column_width(4, 70)?;
        for (i, p) in list.iter().take(MAX_REPORTED).enumerate() {
            let r = (i + 1) as u32;
            ws.write_number(r, 0, p.row as f64)?;
            ws.write_string(r, 1, &p.column)?;
            ws.write_string(r, 2, &p.value)?;
            ws.write_string(r, 3, p.code)?;
            ws.write_string(r, 4, &p.message)?;
        }
        if list.len() > MAX_REPORTED {
            let r = (MAX_REPORTED + 1) as u32;
            ws.write_string(r, 4, format!("另有 {} 条未列出", list.len() - MAX_REPORTED))?;
        }
        ws.set_freeze_panes(1, 0)?;
    }
    wb.save_to_buffer()
}

/// A workbook writer's failure, in Chinese (the writer's own messages are English): the system's
/// reason for a file that cannot be written, else what kind of content was refused.
pub fn xlsx_error_zh(e: &rust_xlsxwriter::XlsxError) -> String {
    use rust_xlsxwriter::XlsxError as X;
    match e {
        X::IoError(io) => yanglao_domain::io_error_zh(io),
        X::ZipError(_) => "xlsx 文件压缩失败".to_string(),
        X::SheetnameLengthExceeded(_)
        | X::SheetnameCannotBeBlank(_)
        | X::SheetnameContainsInvalidCharacter(_)
        | X::SheetnameStartsOrEndsWithApostrophe(_)
        | X::SheetnameReused(_) => "工作表名称无效".to_string(),
        X::RowColumnLimitError => "超出工作表的行数或列数上限".to_string(),
        X::MaxStringLengthExceeded => "单元格文本超过 32767 个字符".to_string(),
        _ => "xlsx 文件生成失败".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_import_kind_has_a_chinese_name() {
        for (kind, zh) in IMPORT_KINDS {
            assert_eq!(import_kind_zh(kind), *zh);
            assert!(!zh.chars().any(|c| c.is_ascii_alphabetic()), "{kind}: {zh}");
        }
        let mut kinds: Vec<&str> = IMPORT_KINDS.iter().map(|(k, _)| *k).collect();
        kinds.sort_unstable();
        kinds.dedup();
        assert_eq!(kinds.len(), IMPORT_KINDS.len(), "each kind once");
    }
}
