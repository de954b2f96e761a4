//! Reading the tables users hand us: xlsx / xls / ods through calamine, CSV in UTF-8 or GBK.
//! Every cell becomes text; numbers and dates are normalised so that later checks see what a person
//! would read in the cell.

use crate::imports::problems::{FileError, Problem};
use calamine::{Data, Reader};
use std::path::Path;

/// At most this many data rows in one file (a limit on everything).
pub const MAX_ROWS: usize = 5_000_000;
/// Files larger than this are refused before reading.
pub const MAX_FILE_BYTES: u64 = 2 * 1024 * 1024 * 1024;
/// A zipped workbook (xlsx, xlsb, ods) may hold at most this many times its own size once
/// unpacked (a register or a collection file unpacks to 5–15 times its size)...
pub const MAX_INFLATION: u64 = 100;
/// ...or this much, whichever is more (small files compress better).
pub const MIN_INFLATED_BYTES: u64 = 256 * 1024 * 1024;
/// And never more than this.
pub const MAX_INFLATED_BYTES: u64 = 8 * 1024 * 1024 * 1024;

/// A zipped workbook that unpacks far beyond its size (a "zip bomb") is refused from its
/// directory, before anything is unpacked (E-FILE-INFLATED). The sizes the directory declares
/// bind: the zip reader fails an entry that unpacks to more than its declared size.
pub fn check_inflation(file_name: &str, bytes: &[u8]) -> Result<(), FileError> {
    if !bytes.starts_with(b"PK") {
        return Ok(());
    }
    let Ok(archive) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else {
        // Not a readable archive: the workbook reader says what is wrong with it.
        return Ok(());
    };
    let mut archive = archive;
    let declared: u128 = match archive.decompressed_size() {
        Some(n) => n,
        None => {
            let mut n = 0u128;
            for i in 0..archive.len() {
                if let Ok(f) = archive.by_index_raw(i) {
                    n += u128::from(f.size());
                }
            }
            n
        }
    };
    let limit = (bytes.len() as u64)
        .saturating_mul(MAX_INFLATION)
        .clamp(MIN_INFLATED_BYTES, MAX_INFLATED_BYTES);
    if declared > u128::from(limit) {
        return Err(FileError::new(
            file_name,
            "E-FILE-INFLATED",
            format!(
                "文件 {} 字节，解压后达 {} 字节，超过允许的 {} 字节：不是正常的电子表格（可能是恶意构造的压缩文件），未读取",
                bytes.len(),
                declared,
                limit
            ),
        ));
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellKind {
    Text,
    /// The spreadsheet stored a number (an 18-digit ID stored so has already lost digits).
    Number,
    Date,
    Empty,
}

#[derive(Debug, Clone)]
pub struct Cell {
    pub text: String,
    pub kind: CellKind,
}

/// A file's header and data rows. `row_no` is the row number a person sees in the spreadsheet
/// (the header is row 1) or the line number of a CSV file.
#[derive(Debug)]
pub struct Table {
    pub file_name: String,
    pub sha256: String,
    pub headers: Vec<String>,
    pub rows: Vec<(usize, Vec<Cell>)>,
    /// The workbook counts its date serials from 1904 (an option of Excel for Mac workbooks).
    pub date_1904: bool,
}

/// Where each required column sits in a table.
pub struct Columns {
    pub index: Vec<usize>,
    /// As [`Table::date_1904`].
    pub date_1904: bool,
}

impl Table {
    /// Where an optional column sits, by header name (None: the file does not have it).
    pub fn optional_column(&self, name: &str) -> Option<usize> {
        self.headers
            .iter()
            .position(|h| normalise_header(h) == name)
    }

    /// Finds the required columns by header name (any order; extra columns ignored).
    pub fn columns(&self, required: &[&str]) -> Result<Columns, FileError> {
        let mut index = Vec::with_capacity(required.len());
        let mut missing = Vec::new();
        for name in required {
            match self
                .headers
                .iter()
                .position(|h| normalise_header(h) == *name)
            {
                Some(i) => index.push(i),
                None => missing.push(*name),
            }
        }
        if missing.is_empty() {
            Ok(Columns {
                index,
                date_1904: self.date_1904,
            })
        } else {
            Err(FileError::new(
                &self.file_name,
                "E-FILE-MISSING-COLUMN",
                format!(
                    "缺少必需的列：{}（表头为：{}）",
                    missing.join("、"),
                    self.headers.join("、")
                ),
            ))
        }
    }
}

impl Table {
    /// Problems any cell can have, whatever its column: control characters (which the databases
    /// treat differently), and numbers of 16 digits or more that the spreadsheet stored as numbers
    /// and so rounded. `skip` lists columns checked more specifically by the import.
    pub fn cell_problems(&self, skip: &[usize]) -> Vec<Problem> {
        let mut out = Vec::new();
        for (row, cells) in &self.rows {
            for (i, c) in cells.iter().enumerate() {
                if skip.contains(&i) || c.kind == CellKind::Empty {
                    continue;
                }
                let column = || {
                    format!(
                        "{} {}",
                        column_letter(i),
                        self.headers.get(i).map_or("", |h| h.trim())
                    )
                };
                if has_control_char(&c.text) {
                    out.push(Problem {
                        row: *row,
                        column: column(),
                        value: c.text.escape_debug().to_string(),
                        code: "E-CELL-CONTROL-CHAR",
                        message: "单元格含有换行、制表符等控制字符，请删除后重新导入".into(),
                    });
                } else if c.kind == CellKind::Number
                    && c.text.bytes().filter(u8::is_ascii_digit).count() >= 16
                {
                    out.push(Problem {
                        row: *row,
                        column: column(),
                        value: c.text.clone(),
                        code: "E-CELL-NUMBER-PRECISION",
                        message: "单元格为数字格式，超过 15 位的数字已被 Excel 截断，请将该列设为文本后重新录入".into(),
                    });
                }
            }
        }
        out
    }
}

impl Columns {
    /// A yuan amount cell in fen that must be positive (`positive`) or at least not negative; `what`
    /// names it in the message.
    pub fn amount_fen(
        &self,
        row: &[Cell],
        k: usize,
        positive: bool,
        what: &str,
    ) -> Result<i64, yanglao_domain::Invalid> {
        let a = yanglao_domain::parse_yuan_to_fen(self.cell(row, k))?;
        match (positive, a) {
            (true, a) if a <= 0 => Err(yanglao_domain::Invalid::new(
                "E-AMOUNT-NOT-POSITIVE",
                format!("{what}必须大于零"),
            )),
            (false, a) if a < 0 => Err(yanglao_domain::Invalid::new(
                "E-AMOUNT-NEGATIVE",
                format!("{what}不能为负"),
            )),
            _ => Ok(a),
        }
    }

    /// A date cell that may not lie after `today`; `future` is the code and message when it does.
    pub fn past_date(
        &self,
        row: &[Cell],
        k: usize,
        today: chrono::NaiveDate,
        future: (&'static str, &str),
    ) -> Result<chrono::NaiveDate, yanglao_domain::Invalid> {
        let d = self.date(row, k)?;
        if d > today {
            return Err(yanglao_domain::Invalid::new(future.0, future.1));
        }
        Ok(d)
    }

    /// A date cell: a real spreadsheet date, a date serial typed into a General cell, or text.
    pub fn date(
        &self,
        row: &[Cell],
        k: usize,
    ) -> Result<chrono::NaiveDate, yanglao_domain::Invalid> {
        let text = self.cell(row, k);
        if self.kind(row, k) == CellKind::Number {
            if let Ok(serial) = text.parse::<i64>() {
                // The spreadsheet's own reckoning (its 1900 leap-year quirk below serial 61, and
                // the 1904 date system), not a fixed epoch.
                if (1..=80_000).contains(&serial) {
                    let dt = calamine::ExcelDateTime::new(
                        serial as f64,
                        calamine::ExcelDateTimeType::DateTime,
                        self.date_1904,
                    );
                    if let Some(t) = dt.as_datetime() {
                        return Ok(t.date());
                    }
                }
            }
        }
        yanglao_domain::parse_date(text)
    }

    /// The cell of required column `k` in a row (empty if the row is short).
    pub fn cell<'r>(&self, row: &'r [Cell], k: usize) -> &'r str {
        row.get(self.index[k]).map_or("", |c| c.text.as_str())
    }
    pub fn kind(&self, row: &[Cell], k: usize) -> CellKind {
        row.get(self.index[k]).map_or(CellKind::Empty, |c| c.kind)
    }
    /// The spreadsheet column letter of required column `k` (A, B, … AA).
    pub fn letter(&self, k: usize) -> String {
        column_letter(self.index[k])
    }
}

pub fn column_letter(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).expect("ascii")
}

fn normalise_header(h: &str) -> String {
    h.trim()
        .replace(['（'], "(")
        .replace(['）'], ")")
        .replace([' ', '\u{3000}', '\u{feff}'], "")
}

/// A file handed to an import: its name (as the user knows it; its extension says its format)
/// and its bytes. The command line reads it from a path, the web from an upload.
#[derive(Debug, Clone)]
pub struct Upload {
    pub name: String,
    pub bytes: Vec<u8>,
}

impl Upload {
    pub fn new(name: impl Into<String>, bytes: Vec<u8>) -> Upload {
        Upload {
            name: name.into(),
            bytes,
        }
    }

    /// Reads a file: refused when it cannot be opened (E-FILE-NOT-FOUND) or is larger than
    /// [`MAX_FILE_BYTES`] (E-FILE-TOO-LARGE, before anything is read).
    pub fn read(path: &Path) -> Result<Upload, FileError> {
        let name = path.display().to_string();
        let meta = std::fs::metadata(path).map_err(|e| {
            FileError::new(
                &name,
                "E-FILE-NOT-FOUND",
                format!("无法打开文件：{}", yanglao_domain::io_error_zh(&e)),
            )
        })?;
        if meta.len() > MAX_FILE_BYTES {
            return Err(FileError::new(
                &name,
                "E-FILE-TOO-LARGE",
                format!(
                    "文件大小 {} 字节，超过上限 {} 字节",
                    meta.len(),
                    MAX_FILE_BYTES
                ),
            ));
        }
        let bytes = std::fs::read(path).map_err(|e| {
            FileError::new(
                &name,
                "E-FILE-NOT-FOUND",
                format!("无法读取文件：{}", yanglao_domain::io_error_zh(&e)),
            )
        })?;
        Ok(Upload { name, bytes })
    }
}

/// Reads a table from a file, choosing the reader by extension.
pub fn read_table(upload: &Upload) -> Result<Table, FileError> {
    let file_name = upload.name.clone();
    let bytes: &[u8] = &upload.bytes;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(FileError::new(
            &file_name,
            "E-FILE-TOO-LARGE",
            format!(
                "文件大小 {} 字节，超过上限 {} 字节",
                bytes.len(),
                MAX_FILE_BYTES
            ),
        ));
    }
    if bytes.is_empty() {
        return Err(FileError::new(&file_name, "E-FILE-EMPTY", "文件为空"));
    }
    let sha256 = sha256_hex(bytes);
    let ext = Path::new(&upload.name)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut date_1904 = false;
    check_inflation(&file_name, bytes)?;
    let (headers, rows) = match ext.as_str() {
        "xlsx" | "xlsm" => read_xlsx(&file_name, bytes, &mut date_1904)?,
        "xls" | "xlsb" | "ods" => read_workbook(&file_name, bytes, &mut date_1904)?,
        "csv" | "txt" => read_csv(&file_name, bytes)?,
        _ => {
            return Err(FileError::new(
                &file_name,
                "E-FILE-TYPE",
                format!("不支持的文件类型“.{ext}”：请使用 xlsx、xls、ods 或 csv"),
            ))
        }
    };
    if headers.iter().all(|h| h.trim().is_empty()) {
        return Err(FileError::new(&file_name, "E-FILE-EMPTY", "文件没有表头行"));
    }
    if let Some((first, second, name)) = duplicate_header(&headers) {
        return Err(FileError::new(
            &file_name,
            "E-FILE-DUP-HEADER",
            format!(
                "表头“{name}”出现两次（第 {} 列和第 {} 列）：无法确定取哪一列，请删除或改名其中一列",
                column_letter(first),
                column_letter(second)
            ),
        ));
    }
    if rows.is_empty() {
        return Err(FileError::new(
            &file_name,
            "E-FILE-EMPTY",
            "文件只有表头，没有数据行",
        ));
    }
    if rows.len() > MAX_ROWS {
        return Err(FileError::new(
            &file_name,
            "E-FILE-TOO-MANY-ROWS",
            format!(
                "数据行数 {} 超过单个文件上限 {}，请分文件导入",
                rows.len(),
                MAX_ROWS
            ),
        ));
    }
    Ok(Table {
        file_name,
        sha256,
        headers,
        rows,
        date_1904,
    })
}

type Parsed = (Vec<String>, Vec<(usize, Vec<Cell>)>);

/// The first header that appears twice (once normalised, empty headers aside): both positions and
/// the header as written.
fn duplicate_header(headers: &[String]) -> Option<(usize, usize, String)> {
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        let key = normalise_header(h);
        if key.is_empty() {
            continue;
        }
        if let Some(&first) = seen.get(&key) {
            return Some((first, i, h.trim().to_string()));
        }
        seen.insert(key, i);
    }
    None
}

/// A spreadsheet reader's failure, in Chinese (the reader's own messages are English).
fn spreadsheet_error_zh(e: &calamine::Error) -> String {
    match e {
        calamine::Error::Io(io) => yanglao_domain::io_error_zh(io),
        calamine::Error::Msg(_) => {
            "无法识别文件格式（不是 xlsx、xls 或 ods 电子表格，或文件已损坏、被截断）".to_string()
        }
        calamine::Error::Xlsx(_) => "xlsx 文件的内部结构损坏或不完整（可能被截断）".to_string(),
        calamine::Error::Xlsb(_) => "xlsb 文件的内部结构损坏或不完整（可能被截断）".to_string(),
        calamine::Error::Xls(_) => "xls 文件的内部结构损坏或不完整（可能被截断）".to_string(),
        calamine::Error::Ods(_) => "ods 文件的内部结构损坏或不完整（可能被截断）".to_string(),
        _ => "电子表格的内容无法解析".to_string(),
    }
}

fn unreadable_workbook(file_name: &str, e: String) -> FileError {
    FileError::new(
        file_name,
        "E-FILE-UNREADABLE",
        format!("无法读取电子表格：{e}"),
    )
}

/// The widest table read (columns A to ALL): wider is not a register or a collection file, and a
/// row as wide as a sheet (16,384 columns) repeated over a million rows would not fit in memory.
pub const MAX_COLUMNS: u32 = 1000;

/// An xlsx workbook's first sheet, read cell by cell: only the cells present are kept, so a sheet
/// whose few cells lie far apart (A1 and XFD1048576) costs what its cells cost, not the rectangle
/// between them. A file that is not an xlsx after all (an xls renamed) goes to the general reader.
fn read_xlsx(file_name: &str, bytes: &[u8], date_1904: &mut bool) -> Result<Parsed, FileError> {
    let unreadable = |e: String| unreadable_workbook(file_name, e);
    if !bytes.starts_with(b"PK") {
        return read_workbook(file_name, bytes, date_1904);
    }
    let sparse = library_guarded(
        || -> Result<std::collections::BTreeMap<u32, Vec<(u32, Cell)>>, FileError> {
            let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes))
                .map_err(|e| unreadable(spreadsheet_error_zh(&calamine::Error::Xlsx(e))))?;
            *date_1904 = wb.has_1904_epoch();
            let Some(name) = wb.sheet_names().first().cloned() else {
                return Err(FileError::new(
                    file_name,
                    "E-FILE-EMPTY",
                    "工作簿中没有工作表",
                ));
            };
            let mut reader = wb
                .worksheet_cells_reader(&name)
                .map_err(|e| unreadable(spreadsheet_error_zh(&calamine::Error::Xlsx(e))))?;
            let mut rows: std::collections::BTreeMap<u32, Vec<(u32, Cell)>> = Default::default();
            while let Some(c) = reader
                .next_cell()
                .map_err(|e| unreadable(spreadsheet_error_zh(&calamine::Error::Xlsx(e))))?
            {
                let (r, col) = c.get_position();
                let cell = cell_of(&Data::from(c.get_value().clone()));
                if cell.kind == CellKind::Empty {
                    continue;
                }
                if col >= MAX_COLUMNS {
                    return Err(FileError::new(
                        file_name,
                        "E-FILE-TOO-WIDE",
                        format!(
                        "第 {} 行第 {} 列有内容：表格最多 {MAX_COLUMNS} 列，请只保留需要导入的列",
                        r + 1,
                        col + 1
                    ),
                    ));
                }
                rows.entry(r).or_default().push((col, cell));
            }
            Ok(rows)
        },
    )
    .unwrap_or_else(|| Err(unreadable("内容超出读取范围（如单元格地址过大）".into())))?;
    // Every row as wide as the widest, in sheet coordinates (column A is index 0).
    let width = sparse
        .values()
        .flat_map(|r| r.iter().map(|(c, _)| *c as usize + 1))
        .max()
        .unwrap_or(0);
    let dense = |cells: Vec<(u32, Cell)>| {
        let mut row: Vec<Cell> = std::iter::repeat_with(|| Cell {
            text: String::new(),
            kind: CellKind::Empty,
        })
        .take(width)
        .collect();
        for (c, cell) in cells {
            row[c as usize] = cell;
        }
        row
    };
    let mut it = sparse.into_iter();
    let Some((_, header)) = it.next() else {
        return Err(FileError::new(file_name, "E-FILE-EMPTY", "工作表为空"));
    };
    let header = dense(header).into_iter().map(|c| c.text).collect();
    let rows = it
        .map(|(r, cells)| (r as usize + 1, dense(cells)))
        .collect();
    Ok((header, rows))
}

fn read_workbook(file_name: &str, bytes: &[u8], date_1904: &mut bool) -> Result<Parsed, FileError> {
    let unreadable = |e: String| unreadable_workbook(file_name, e);
    let range = library_guarded(|| {
        let mut wb = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes))
            .map_err(|e| unreadable(spreadsheet_error_zh(&e)))?;
        // Date cells carry their workbook's date system; serials typed into General cells need
        // it too. (An OpenDocument sheet stores dates as dates, never as serials.)
        if let calamine::Sheets::Xls(x) = &wb {
            *date_1904 = x.has_1904_epoch();
        }
        wb.worksheet_range_at(0)
            .ok_or_else(|| FileError::new(file_name, "E-FILE-EMPTY", "工作簿中没有工作表"))?
            .map_err(|e| unreadable(spreadsheet_error_zh(&e)))
    })
    .unwrap_or_else(|| Err(unreadable("内容超出读取范围（如单元格地址过大）".into())))?;
    // The used range may start below row 1 or right of column A: keep sheet coordinates.
    let (start_row, start_col) = range
        .start()
        .map_or((0, 0), |(r, c)| (r as usize, c as usize));
    let pad = || {
        std::iter::repeat_with(|| Cell {
            text: String::new(),
            kind: CellKind::Empty,
        })
        .take(start_col)
    };
    let mut it = range.rows();
    let header = match it.next() {
        Some(h) => pad()
            .map(|c| c.text)
            .chain(h.iter().map(|c| cell_of(c).text))
            .collect(),
        None => return Err(FileError::new(file_name, "E-FILE-EMPTY", "工作表为空")),
    };
    let mut rows = Vec::new();
    for (i, r) in it.enumerate() {
        let cells: Vec<Cell> = pad().chain(r.iter().map(cell_of)).collect();
        if cells.iter().all(|c| c.kind == CellKind::Empty) {
            continue;
        }
        rows.push((start_row + i + 2, cells));
    }
    Ok((header, rows))
}

thread_local! {
    static IN_LIBRARY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs the spreadsheet library on a user's file: `None` if it panicked. The library parses
/// untrusted bytes, and some corrupt files make it panic (a cell address such as
/// `AAAAAAAAAAAAAAAA2` overflows its arithmetic); that is the file's error, not the end of the
/// program. The panic's own message (English, from the library) is not printed: the caller reports
/// the file as unreadable. Panics elsewhere, and on other threads, print as before.
fn library_guarded<T>(f: impl FnOnce() -> T) -> Option<T> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !IN_LIBRARY.with(|q| q.get()) {
                previous(info);
            }
        }));
    });
    IN_LIBRARY.with(|q| q.set(true));
    let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    IN_LIBRARY.with(|q| q.set(false));
    out.ok()
}

fn cell_of(d: &Data) -> Cell {
    let (text, kind) = match d {
        Data::Empty => (String::new(), CellKind::Empty),
        Data::String(s) => (s.trim().to_string(), CellKind::Text),
        Data::Int(i) => (i.to_string(), CellKind::Number),
        Data::Float(f) => (number_text(*f), CellKind::Number),
        Data::Bool(b) => (if *b { "是" } else { "否" }.to_string(), CellKind::Text),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(t) => (t.date().format("%Y-%m-%d").to_string(), CellKind::Date),
            None => (dt.to_string(), CellKind::Text),
        },
        Data::DateTimeIso(s) => (s.chars().take(10).collect(), CellKind::Date),
        Data::DurationIso(s) => (s.clone(), CellKind::Text),
        Data::Error(e) => (format!("#{e:?}"), CellKind::Text),
    };
    let kind = if text.is_empty() {
        CellKind::Empty
    } else {
        kind
    };
    Cell { text, kind }
}

/// Shortest faithful text of a spreadsheet number: 200 → "200", 200.5 → "200.5".
fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e17 {
        return format!("{}", f as i64);
    }
    // 200.00000000000003 from a formula is 200 to the fen; keep other numbers as they are.
    let cents = (f * 100.0).round();
    if (f * 100.0 - cents).abs() < 1e-6 && cents.abs() < 1e15 {
        let c = cents as i64;
        let text = format!(
            "{}{}.{:02}",
            if c < 0 { "-" } else { "" },
            c.abs() / 100,
            c.abs() % 100
        );
        return text.trim_end_matches('0').trim_end_matches('.').to_string();
    }
    format!("{f}")
}

/// A CSV reader's failure, in Chinese.
fn csv_error_zh(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Io(io) => yanglao_domain::io_error_zh(io),
        csv::ErrorKind::Utf8 { .. } => "含有无效的 UTF-8 字符".to_string(),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("本行有 {len} 个字段，应为 {expected_len} 个")
        }
        _ => "内容无法解析".to_string(),
    }
}

fn read_csv(file_name: &str, bytes: &[u8]) -> Result<Parsed, FileError> {
    let text = decode_text(bytes).map_err(|(line, msg)| {
        FileError::new(file_name, "E-FILE-ENCODING", format!("第 {line} 行：{msg}"))
    })?;
    if let Some(line) = unclosed_quote_line(&text) {
        return Err(FileError::new(
            file_name,
            "E-FILE-UNREADABLE",
            format!("第 {line} 行的引号没有闭合（文件可能被截断或格式错误）"),
        ));
    }
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = rdr.records();
    let header: Vec<String> = match records.next() {
        Some(Ok(r)) => r.iter().map(|s| s.trim().to_string()).collect(),
        Some(Err(e)) => {
            return Err(FileError::new(
                file_name,
                "E-FILE-UNREADABLE",
                format!("CSV 表头无法解析：{}", csv_error_zh(&e)),
            ))
        }
        None => return Err(FileError::new(file_name, "E-FILE-EMPTY", "文件为空")),
    };
    let mut rows = Vec::new();
    let mut lines = LineCounter::new(text.as_bytes());
    for rec in records {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| lines.line_at(p.byte() as usize));
            FileError::new(
                file_name,
                "E-FILE-UNREADABLE",
                format!(
                    "第 {line} 行 CSV 格式错误（引号不配对或文件被截断）：{}",
                    csv_error_zh(&e)
                ),
            )
        })?;
        let line = rec
            .position()
            .map_or(0, |p| lines.line_at(p.byte() as usize));
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        rows.push((
            line,
            rec.iter()
                .map(|f| {
                    let t = f.trim();
                    Cell {
                        text: t.to_string(),
                        kind: if t.is_empty() {
                            CellKind::Empty
                        } else {
                            CellKind::Text
                        },
                    }
                })
                .collect(),
        ));
    }
    Ok((header, rows))
}

/// The line a person sees a CSV record start on. The parser's own line count is one short after
/// a blank line and for CRLF line ends (it counts the record from where the skipped terminators
/// began), so lines are counted here from the record's byte offset: a line ends at LF, CRLF or a
/// lone CR, as the parser ends records. Offsets must come in increasing order.
struct LineCounter<'t> {
    text: &'t [u8],
    pos: usize,
    line: usize,
}

impl<'t> LineCounter<'t> {
    fn new(text: &'t [u8]) -> Self {
        LineCounter {
            text,
            pos: 0,
            line: 1,
        }
    }

    fn line_at(&mut self, byte: usize) -> usize {
        let mut start = byte.min(self.text.len());
        // The record itself starts after any line ends the parser skipped.
        while matches!(self.text.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        if start < self.pos {
            return self.line;
        }
        for (i, &b) in self.text[self.pos..start].iter().enumerate() {
            let next = self.text.get(self.pos + i + 1);
            if b == b'\n' || (b == b'\r' && next != Some(&b'\n')) {
                self.line += 1;
            }
        }
        self.pos = start;
        self.line
    }
}

/// Whether text holds a C0 or C1 control character (checked on bytes: this runs on every cell).
fn has_control_char(text: &str) -> bool {
    let b = text.as_bytes();
    // Fast path: no byte below 0x20, no DEL and no 0xC2 (the lead byte of U+0080–U+00BF).
    if !b.iter().any(|&c| c < 0x20 || c == 0x7F || c == 0xC2) {
        return false;
    }
    text.chars().any(char::is_control)
}

/// The line on which a double quote opens that is never closed, if any.
fn unclosed_quote_line(text: &str) -> Option<usize> {
    let (mut line, mut open_at, mut in_quote) = (1, 0, false);
    for b in text.bytes() {
        match b {
            b'"' => {
                in_quote = !in_quote;
                if in_quote {
                    open_at = line;
                }
            }
            b'\n' => line += 1,
            _ => {}
        }
    }
    in_quote.then_some(open_at)
}

/// UTF-8 (with or without BOM) when it is valid UTF-8, otherwise GBK (GB18030), as Excel writes it
/// on Chinese Windows. A file that is neither — bytes that are not GBK, or UTF-8 text that turns into
/// something else part-way — is refused with the line where it goes wrong, never decoded with
/// replacement characters.
pub fn decode_text(bytes: &[u8]) -> Result<std::borrow::Cow<'_, str>, (usize, String)> {
    let b = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let line_at = |pos: usize| b[..pos].iter().filter(|&&c| c == b'\n').count() + 1;
    match std::str::from_utf8(b) {
        Ok(s) => Ok(std::borrow::Cow::Borrowed(s)),
        Err(e) => {
            let valid = &b[..e.valid_up_to()];
            if !valid.is_ascii() {
                return Err((
                    line_at(e.valid_up_to()),
                    "文件编码混杂：前面是 UTF-8，此处不是 UTF-8，请统一另存为 UTF-8 或 GBK"
                        .to_string(),
                ));
            }
            match encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(b) {
                Some(s) => Ok(std::borrow::Cow::Owned(s.into_owned())),
                None => {
                    let mut pos = 0;
                    for line in b.split(|&c| c == b'\n') {
                        if encoding_rs::GB18030
                            .decode_without_bom_handling_and_without_replacement(line)
                            .is_none()
                        {
                            break;
                        }
                        pos += line.len() + 1;
                    }
                    Err((
                        line_at(pos.min(b.len())),
                        "含有既不是 UTF-8 也不是 GBK 的字符，无法识别文件编码，请另存为 UTF-8 或 GBK".to_string(),
                    ))
                }
            }
        }
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    let d = sha2::Sha256::digest(bytes);
    d.iter().map(|b| format!("{b:02x}")).collect()
}

impl Problem {
    /// A problem in a cell of required column `k`.
    pub fn at(
        row: usize,
        cols: &Columns,
        table: &Table,
        k: usize,
        value: &str,
        code: &'static str,
        message: String,
    ) -> Problem {
        Problem {
            row,
            column: format!("{} {}", cols.letter(k), table.headers[cols.index[k]].trim()),
            value: value.to_string(),
            code,
            message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_serials_count_as_the_spreadsheet_counts() {
        let date = |serial: &str, date_1904: bool| {
            let cols = Columns {
                index: vec![0],
                date_1904,
            };
            let row = [Cell {
                text: serial.to_string(),
                kind: CellKind::Number,
            }];
            cols.date(&row, 0).unwrap().to_string()
        };
        // Below serial 61 the 1900 system counts a 29 February 1900 that never was.
        assert_eq!(date("1", false), "1900-01-01");
        assert_eq!(date("59", false), "1900-02-28");
        assert_eq!(date("61", false), "1900-03-01");
        assert_eq!(date("45000", false), "2023-03-15");
        // The 1904 system counts from 1 January 1904.
        assert_eq!(date("1", true), "1904-01-02");
        assert_eq!(date("43538", true), "2023-03-15");
    }

    #[test]
    fn control_characters() {
        assert!(has_control_char("a\nb"));
        assert!(has_control_char("李\u{0}"));
        assert!(has_control_char("x\u{85}"));
        assert!(!has_control_char("王秀英 Ü"));
    }

    #[test]
    fn spreadsheet_numbers() {
        assert_eq!(number_text(200.0), "200");
        assert_eq!(number_text(200.00000000000003), "200");
        assert_eq!(number_text(200.5), "200.5");
        assert_eq!(number_text(0.125), "0.125");
    }

    #[test]
    fn letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
    }

    #[test]
    fn unclosed_quotes_are_found() {
        assert_eq!(unclosed_quote_line("a,b\n\"x,\"\"y\"\n"), None);
        assert_eq!(unclosed_quote_line("a,b\n1,2\n\"3,4\n"), Some(3));
    }

    #[test]
    fn gbk_is_detected() {
        let (gbk, _, _) = encoding_rs::GBK.encode("身份证号,姓名\n");
        assert_eq!(decode_text(&gbk).unwrap(), "身份证号,姓名\n");
        assert_eq!(decode_text("\u{feff}姓名".as_bytes()).unwrap(), "姓名");
        // GBK with a stray Windows-1252 byte on line 2: refused, with its line.
        let mut bad = gbk.to_vec();
        bad.extend_from_slice(b"O\x92,x\n");
        assert_eq!(decode_text(&bad).unwrap_err().0, 2);
        // UTF-8 header, GBK data: a mixed file.
        let mut mixed = "身份证号,姓名\n".as_bytes().to_vec();
        mixed.extend_from_slice(&encoding_rs::GBK.encode("王芳").0);
        assert_eq!(decode_text(&mixed).unwrap_err().0, 2);
    }

    /// Row numbers are the lines a person sees, whatever ends the lines: Excel on Windows writes
    /// CRLF. (The CSV parser's own line count put every CRLF row one line too high, the first data
    /// row on the header's line 1.)
    #[test]
    fn csv_row_numbers_are_lines_with_any_line_ending() {
        let dir = std::env::temp_dir().join(format!("yanglao-table-lines-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text) in [
            ("lf.csv", "a,b\n1,2\n\n\"3\n4\",5\n6,7\n"),
            ("crlf.csv", "a,b\r\n1,2\r\n\r\n\"3\r\n4\",5\r\n6,7\r\n"),
            (
                "bom-crlf.csv",
                "\u{feff}a,b\r\n1,2\r\n\r\n\"3\r\n4\",5\r\n6,7",
            ),
            ("cr.csv", "a,b\r1,2\r\r\"3\r4\",5\r6,7\r"),
        ] {
            let path = dir.join(name);
            std::fs::write(&path, text).unwrap();
            let t = read_table(&Upload::read(&path).unwrap()).unwrap();
            let lines: Vec<usize> = t.rows.iter().map(|(n, _)| *n).collect();
            assert_eq!(lines, [2, 4, 6], "{name}");
            let quoted = &t.rows[1].1[0].text;
            assert!(
                quoted.starts_with('3') && quoted.ends_with('4'),
                "{name}: {quoted:?}"
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// An xlsx of the given sheet XML (the smallest package the spreadsheet reader opens).
    fn xlsx_with_sheet(path: &Path, sheet: &str) {
        use std::io::Write;
        let mut z = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
        let o = zip::write::SimpleFileOptions::default();
        let ns = "http://schemas.openxmlformats.org";
        for (name, body) in [
            (
                "[Content_Types].xml",
                format!(
                    r#"<?xml version="1.0"?><Types xmlns="{ns}/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#
                ),
            ),
            (
                "_rels/.rels",
                format!(
                    r#"<?xml version="1.0"?><Relationships xmlns="{ns}/package/2006/relationships"><Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
                ),
            ),
            (
                "xl/workbook.xml",
                format!(
                    r#"<?xml version="1.0"?><workbook xmlns="{ns}/spreadsheetml/2006/main" xmlns:r="{ns}/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#
                ),
            ),
            (
                "xl/_rels/workbook.xml.rels",
                format!(
                    r#"<?xml version="1.0"?><Relationships xmlns="{ns}/package/2006/relationships"><Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#
                ),
            ),
            (
                "xl/worksheets/sheet1.xml",
                format!(
                    r#"<?xml version="1.0"?><worksheet xmlns="{ns}/spreadsheetml/2006/main"><sheetData>{sheet}</sheetData></worksheet>"#
                ),
            ),
        ] {
            z.start_file(name, o).unwrap();
            z.write_all(body.as_bytes()).unwrap();
        }
        z.finish().unwrap();
    }

    /// A cell address past what the spreadsheet library counts in (found by fuzzing: it overflowed
    /// inside the library and ended the program) is the file's error, like any corrupt workbook.
    #[test]
    fn an_impossible_cell_address_is_an_unreadable_file() {
        let dir = std::env::temp_dir().join(format!("yanglao-table-cells-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let cell =
            |r: &str, v: &str| format!(r#"<c r="{r}" t="inlineStr"><is><t>{v}</t></is></c>"#);
        for (name, bad) in [
            ("column.xlsx", "AAAAAAAAAAAAAAAA2"),
            ("row.xlsx", "A99999999999"),
        ] {
            let path = dir.join(name);
            let sheet = format!(
                r#"<row r="1">{}</row><row r="2">{}</row>"#,
                cell("A1", "姓名"),
                cell(bad, "王芳")
            );
            xlsx_with_sheet(&path, &sheet);
            let e = read_table(&Upload::read(&path).unwrap()).unwrap_err();
            assert_eq!(e.code, "E-FILE-UNREADABLE", "{name}: {e:?}");
        }
        // The same package with a sound address reads.
        let path = dir.join("sound.xlsx");
        let sheet = format!(
            r#"<row r="1">{}</row><row r="2">{}</row>"#,
            cell("A1", "姓名"),
            cell("A2", "王芳")
        );
        xlsx_with_sheet(&path, &sheet);
        assert_eq!(
            read_table(&Upload::read(&path).unwrap()).unwrap().rows[0].1[0].text,
            "王芳"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn headers_are_matched_loosely() {
        assert_eq!(normalise_header(" 缴费金额（元） "), "缴费金额(元)");
    }
}
