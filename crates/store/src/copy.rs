//! PostgreSQL's binary `COPY` in both directions, encoded and decoded here: bulk inserts as one
//! byte stream written straight from the parameters, and large reads as one byte stream instead of
//! a protocol row object per row, decoded by the column types the caller declares.

use crate::value::Param;
use crate::{ColType, Result, StoreError};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use std::io::Read;

/// Writes the parameters into the statement as literals (`COPY` takes no parameters). `None` —
/// the caller then reads the ordinary way — when that cannot be done safely: a parameter that
/// cannot be written as a plain literal (text holding a backslash or a NUL, a date outside years
/// 1–9999), or a statement with anything but plain single-quoted strings in which a `$` or a quote
/// could mean something else (comments, quoted identifiers, escape or dollar-quoted strings).
pub(crate) fn inline_params(sql: &str, params: &[Param<'_>]) -> Option<String> {
    if ["\"", "--", "/*", "\\"].iter().any(|m| sql.contains(m)) {
        return None;
    }
    let mut out = String::with_capacity(sql.len() + 16 * params.len());
    let mut chars = sql.chars().peekable();
    let mut in_str = false;
    // The two characters before the current one, to tell an escape string (E'…') from a word
    // ending in E before a closing quote.
    let (mut before, mut last) = (' ', ' ');
    while let Some(c) = chars.next() {
        if c == '\'' {
            let word = |x: char| x.is_alphanumeric() || x == '_' || x == '\'';
            if !in_str && matches!(last, 'E' | 'e') && !word(before) {
                return None;
            }
            in_str = !in_str;
        }
        (before, last) = (last, c);
        if c == '$' && !in_str {
            let mut n = 0usize;
            let mut digits = 0;
            while let Some(d) = chars.peek().and_then(|d| d.to_digit(10)) {
                n = n * 10 + d as usize;
                digits += 1;
                chars.next();
                if digits > 4 {
                    return None;
                }
            }
            if digits == 0 {
                return None; // a `$` that is not a parameter: dollar quoting
            }
            out.push_str(&literal(params.get(n.checked_sub(1)?)?)?);
        } else {
            out.push(c);
        }
    }
    (!in_str).then_some(out)
}

/// A parameter as a literal that the server types from its context, as it types a bound
/// parameter (an integer in parentheses, a quoted string); dates and times say their type.
fn literal(p: &Param<'_>) -> Option<String> {
    let year_ok = |y: i32| (1..=9999).contains(&y);
    Some(match p {
        Param::Null => "NULL".into(),
        Param::Int(v) => format!("({v})"),
        Param::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
        Param::Text(s) => {
            if s.contains(['\\', '\0']) {
                return None;
            }
            format!("'{}'", s.replace('\'', "''"))
        }
        Param::Date(d) if year_ok(d.year()) => {
            format!("CAST('{}' AS DATE)", d.format("%Y-%m-%d"))
        }
        Param::Timestamp(t) if year_ok(t.year()) => format!(
            "CAST('{}' AS TIMESTAMPTZ)",
            t.format("%Y-%m-%dT%H:%M:%S%.6fZ")
        ),
        Param::Date(_) | Param::Timestamp(_) => return None,
    })
}

/// A failed read or write of a copy stream: the server's error when the stream carried one (the
/// driver wraps it in an I/O error), with its code and detail kept.
pub(crate) fn stream_error(e: std::io::Error) -> StoreError {
    if !e
        .get_ref()
        .is_some_and(|inner| inner.is::<postgres::Error>())
    {
        return bad(e.to_string());
    }
    match e
        .into_inner()
        .map(|inner| inner.downcast::<postgres::Error>())
    {
        Some(Ok(pg)) => StoreError::Postgres(*pg),
        _ => bad("数据流中断"),
    }
}

/// `COPY (…) TO STDOUT` of `sql` with its columns cast to `types`, so that each column's binary
/// form is known.
pub(crate) fn copy_statement(inlined: &str, types: &[ColType]) -> String {
    let names: Vec<String> = (1..=types.len()).map(|i| format!("c{i}")).collect();
    let casts: Vec<String> = types
        .iter()
        .zip(&names)
        .map(|(t, n)| format!("CAST(q.{n} AS {})", sql_type(*t)))
        .collect();
    format!(
        "COPY (SELECT {} FROM ({inlined}) AS q({})) TO STDOUT (FORMAT binary)",
        casts.join(", "),
        names.join(", ")
    )
}

fn sql_type(t: ColType) -> &'static str {
    match t {
        ColType::Int => "BIGINT",
        ColType::Text => "TEXT",
        ColType::Bool => "BOOLEAN",
        ColType::Date => "DATE",
        ColType::Timestamp => "TIMESTAMPTZ",
    }
}

/// The stream's header: signature, flags, no extension.
pub(crate) fn write_header(out: &mut Vec<u8>) {
    out.extend_from_slice(SIGNATURE);
    out.extend_from_slice(&0u32.to_be_bytes());
    out.extend_from_slice(&0u32.to_be_bytes());
}

/// The stream's end marker.
pub(crate) fn write_trailer(out: &mut Vec<u8>) {
    out.extend_from_slice(&(-1i16).to_be_bytes());
}

/// Appends one field in the binary form of the column's type; a parameter of another kind than
/// the column is an error here rather than a misread column on the server.
pub(crate) fn write_field(out: &mut Vec<u8>, p: &Param<'_>, ty: ColType) -> Result<()> {
    fn sized(out: &mut Vec<u8>, bytes: &[u8]) {
        out.extend_from_slice(&(bytes.len() as i32).to_be_bytes());
        out.extend_from_slice(bytes);
    }
    match (p, ty) {
        (Param::Null, _) => out.extend_from_slice(&(-1i32).to_be_bytes()),
        (Param::Int(v), ColType::Int) => sized(out, &v.to_be_bytes()),
        (Param::Text(s), ColType::Text) => {
            let len = i32::try_from(s.len()).map_err(|_| bad("文本过长"))?;
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(s.as_bytes());
        }
        (Param::Bool(b), ColType::Bool) => sized(out, &[u8::from(*b)]),
        (Param::Date(d), ColType::Date) => {
            let days = d.num_days_from_ce() - PG_EPOCH_DAYS_FROM_CE;
            sized(out, &days.to_be_bytes());
        }
        (Param::Timestamp(t), ColType::Timestamp) => {
            let micros = (*t - pg_epoch())
                .num_microseconds()
                .ok_or_else(|| bad("时间超出范围"))?;
            sized(out, &micros.to_be_bytes());
        }
        (p, ty) => {
            return Err(StoreError::Value(format!("参数 {p:?} 不能写入 {ty:?} 列")));
        }
    }
    Ok(())
}

fn pg_epoch() -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(2000, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .expect("valid")
        .and_utc()
}

/// One row of a binary copy: its fields' bytes, and the declared types.
pub struct CopiedRow<'t> {
    types: &'t [ColType],
    buf: Vec<u8>,
    /// (start in `buf`, length); a negative length is NULL.
    fields: Vec<(usize, i32)>,
}

const SIGNATURE: &[u8; 11] = b"PGCOPY\n\xff\r\n\0";

fn bad(msg: impl Into<String>) -> StoreError {
    StoreError::Value(format!("批量读取数据格式有误：{}", msg.into()))
}

/// Days from 0001-01-01 to 2000-01-01, PostgreSQL's epoch for dates.
const PG_EPOCH_DAYS_FROM_CE: i32 = 730_120;

impl<'t> CopiedRow<'t> {
    pub(crate) fn new(types: &'t [ColType]) -> Self {
        CopiedRow {
            types,
            buf: Vec::with_capacity(256),
            fields: Vec::with_capacity(types.len()),
        }
    }

    /// Reads the stream's header.
    pub(crate) fn read_header(r: &mut impl Read) -> Result<()> {
        let mut head = [0u8; 19];
        r.read_exact(&mut head).map_err(stream_error)?;
        if &head[..11] != SIGNATURE {
            return Err(bad("文件头不符"));
        }
        let ext = u32::from_be_bytes([head[15], head[16], head[17], head[18]]);
        std::io::copy(&mut r.take(u64::from(ext)), &mut std::io::sink()).map_err(stream_error)?;
        Ok(())
    }

    /// Reads the next row; `false` at the end of the stream. A row usually arrives whole (the
    /// server sends one message per row) and is taken from the reader's buffer in one piece.
    pub(crate) fn next_row(&mut self, r: &mut impl std::io::BufRead) -> Result<bool> {
        let chunk = r.fill_buf().map_err(stream_error)?;
        match self.parse_whole(chunk)? {
            Some((used, more)) => {
                r.consume(used);
                Ok(more)
            }
            None => self.read_next(r),
        }
    }

    /// The row at the start of `chunk` if it is all there: (bytes used, whether it was a row
    /// rather than the end marker).
    fn parse_whole(&mut self, chunk: &[u8]) -> Result<Option<(usize, bool)>> {
        let Some(head) = chunk.get(..2) else {
            return Ok(None);
        };
        if !self.begin_row(i16::from_be_bytes([head[0], head[1]]))? {
            return Ok(Some((2, false)));
        }
        let mut at = 2;
        for _ in 0..self.types.len() {
            let Some(b) = chunk.get(at..at + 4) else {
                return Ok(None);
            };
            let len = i32::from_be_bytes([b[0], b[1], b[2], b[3]]);
            at += 4;
            let n = len.max(0) as usize;
            let Some(bytes) = chunk.get(at..at + n) else {
                return Ok(None);
            };
            self.fields.push((self.buf.len(), len));
            self.buf.extend_from_slice(bytes);
            at += n;
        }
        Ok(Some((at, true)))
    }

    /// Starts a row of `count` fields: `false` for the end marker, an error for a row of another
    /// width than declared.
    fn begin_row(&mut self, count: i16) -> Result<bool> {
        if count == -1 {
            return Ok(false);
        }
        if count as usize != self.types.len() {
            return Err(bad(format!(
                "行有 {count} 列，应为 {} 列",
                self.types.len()
            )));
        }
        self.buf.clear();
        self.fields.clear();
        Ok(true)
    }

    /// Reads the next row field by field, across message boundaries.
    fn read_next(&mut self, r: &mut impl Read) -> Result<bool> {
        let mut b2 = [0u8; 2];
        r.read_exact(&mut b2).map_err(stream_error)?;
        if !self.begin_row(i16::from_be_bytes(b2))? {
            return Ok(false);
        }
        for _ in 0..self.types.len() {
            let mut b4 = [0u8; 4];
            r.read_exact(&mut b4).map_err(stream_error)?;
            let len = i32::from_be_bytes(b4);
            let start = self.buf.len();
            if len > 0 {
                self.buf.resize(start + len as usize, 0);
                r.read_exact(&mut self.buf[start..]).map_err(stream_error)?;
            }
            self.fields.push((start, len));
        }
        Ok(true)
    }

    /// A field's bytes, checked against the type the caller expects; `None` for NULL.
    fn field(&self, i: usize, want: ColType) -> Result<Option<&[u8]>> {
        let ty = self
            .types
            .get(i)
            .ok_or_else(|| StoreError::Value(format!("列 {i} 不存在")))?;
        if *ty != want {
            return Err(StoreError::Value(format!(
                "列 {i} 声明为 {ty:?}，按 {want:?} 读取"
            )));
        }
        let (start, len) = self.fields[i];
        Ok((len >= 0).then(|| &self.buf[start..start + len as usize]))
    }

    fn fixed<const N: usize>(&self, i: usize, want: ColType) -> Result<Option<[u8; N]>> {
        match self.field(i, want)? {
            None => Ok(None),
            Some(b) => b
                .try_into()
                .map(Some)
                .map_err(|_| bad(format!("列 {i} 长度 {}", b.len()))),
        }
    }

    pub fn opt_i64(&self, i: usize) -> Result<Option<i64>> {
        Ok(self.fixed::<8>(i, ColType::Int)?.map(i64::from_be_bytes))
    }
    pub fn opt_str(&self, i: usize) -> Result<Option<&str>> {
        self.field(i, ColType::Text)?
            .map(|b| std::str::from_utf8(b).map_err(|e| bad(e.to_string())))
            .transpose()
    }
    pub fn opt_bool(&self, i: usize) -> Result<Option<bool>> {
        Ok(self.fixed::<1>(i, ColType::Bool)?.map(|b| b[0] != 0))
    }
    pub fn opt_date(&self, i: usize) -> Result<Option<NaiveDate>> {
        self.fixed::<4>(i, ColType::Date)?
            .map(|b| {
                i32::from_be_bytes(b)
                    .checked_add(PG_EPOCH_DAYS_FROM_CE)
                    .and_then(NaiveDate::from_num_days_from_ce_opt)
                    .ok_or_else(|| bad(format!("列 {i} 日期超出范围")))
            })
            .transpose()
    }
    pub fn opt_timestamp(&self, i: usize) -> Result<Option<DateTime<Utc>>> {
        self.fixed::<8>(i, ColType::Timestamp)?
            .map(|b| {
                pg_epoch()
                    .checked_add_signed(chrono::Duration::microseconds(i64::from_be_bytes(b)))
                    .ok_or_else(|| bad(format!("列 {i} 时间超出范围")))
            })
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_become_literals_outside_strings() {
        let d = NaiveDate::from_ymd_opt(2023, 2, 1).unwrap();
        let sql = "SELECT '$1', x FROM t WHERE a = $1 AND b <= $2 AND c = $10 AND d = $3";
        let mut params = vec![Param::Text("14'03"), Param::Date(d), Param::Int(-5)];
        params.extend(std::iter::repeat_n(Param::Null, 6));
        params.push(Param::Bool(true));
        assert_eq!(
            inline_params(sql, &params).unwrap(),
            "SELECT '$1', x FROM t WHERE a = '14''03' AND b <= CAST('2023-02-01' AS DATE) \
             AND c = TRUE AND d = (-5)"
        );
        // What cannot be written safely is refused, and so is a missing parameter.
        assert!(inline_params("SELECT $1", &[Param::Text("a\\b")]).is_none());
        assert!(inline_params("SELECT $2", &[Param::Int(1)]).is_none());
        assert!(inline_params("SELECT $0", &[Param::Int(1)]).is_none());
        assert!(inline_params("SELECT $123456", &[Param::Int(1)]).is_none());
        let far = NaiveDate::from_ymd_opt(10_000, 1, 1).unwrap();
        assert!(inline_params("SELECT $1", &[Param::Date(far)]).is_none());
        // A word ending in E before a quote is not an escape string.
        assert_eq!(
            inline_params(
                "SELECT 1 FROM t WHERE s = 'DONE' AND n = $1",
                &[Param::Int(7)]
            )
            .unwrap(),
            "SELECT 1 FROM t WHERE s = 'DONE' AND n = (7)"
        );
        // So are statements where a quote or a `$` could mean something else than it seems.
        for sql in [
            "SELECT x FROM t -- it's\nWHERE a = $1",
            "SELECT x FROM t /* it's */ WHERE a = $1",
            "SELECT \"it's\" FROM t WHERE a = $1",
            "SELECT E'it\\'s' FROM t WHERE a = $1",
            "SELECT $$it's$$ FROM t WHERE a = $1",
            "SELECT 'unclosed FROM t WHERE a = $1",
        ] {
            assert!(inline_params(sql, &[Param::Int(1)]).is_none(), "{sql}");
        }
    }

    #[test]
    fn rows_are_decoded_by_their_declared_types() {
        let types = [ColType::Int, ColType::Text, ColType::Date, ColType::Bool];
        let mut stream = SIGNATURE.to_vec();
        stream.extend(0u32.to_be_bytes());
        stream.extend(0u32.to_be_bytes());
        stream.extend(4i16.to_be_bytes());
        stream.extend(8i32.to_be_bytes());
        stream.extend((-42i64).to_be_bytes());
        stream.extend(6i32.to_be_bytes());
        stream.extend("阳泉".as_bytes());
        stream.extend(4i32.to_be_bytes());
        stream.extend(8432i32.to_be_bytes()); // 2023-02-01
        stream.extend((-1i32).to_be_bytes());
        stream.extend((-1i16).to_be_bytes());
        // Whole rows from one buffer, and rows split over reads (a reader handing out 3 bytes at
        // a time) give the same values.
        let mut r = &stream[..];
        CopiedRow::read_header(&mut r).unwrap();
        let mut row = CopiedRow::new(&types);
        assert!(row.next_row(&mut r).unwrap());
        let whole: Vec<u8> = row.buf.clone();
        assert!(!row.next_row(&mut r).unwrap());
        let mut r = std::io::BufReader::with_capacity(3, &stream[..]);
        CopiedRow::read_header(&mut r).unwrap();
        assert!(row.next_row(&mut r).unwrap());
        assert_eq!(row.buf, whole);
        assert_eq!(row.opt_i64(0).unwrap(), Some(-42));
        assert_eq!(row.opt_str(1).unwrap(), Some("阳泉"));
        assert_eq!(
            row.opt_date(2).unwrap(),
            NaiveDate::from_ymd_opt(2023, 2, 1)
        );
        assert_eq!(row.opt_bool(3).unwrap(), None);
        // A column read as another type than declared is an error, not a misreading.
        assert!(row.opt_i64(1).is_err());
        assert!(row.opt_date(0).is_err());
        assert!(!row.next_row(&mut r).unwrap());
    }
}
