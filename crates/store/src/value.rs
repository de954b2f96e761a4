//! Values crossing the store boundary: borrowed parameters in, owned values out.

use crate::{Result, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use postgres::types::{to_sql_checked, IsNull, ToSql, Type};

/// A statement parameter.
#[derive(Debug, Clone, Copy)]
pub enum Param<'a> {
    Null,
    Int(i64),
    Text(&'a str),
    Bool(bool),
    Date(NaiveDate),
    Timestamp(DateTime<Utc>),
}

impl<'a> From<i64> for Param<'a> {
    fn from(v: i64) -> Self {
        Param::Int(v)
    }
}
impl<'a> From<&'a str> for Param<'a> {
    fn from(v: &'a str) -> Self {
        Param::Text(v)
    }
}
impl<'a> From<&'a String> for Param<'a> {
    fn from(v: &'a String) -> Self {
        Param::Text(v)
    }
}
impl<'a> From<bool> for Param<'a> {
    fn from(v: bool) -> Self {
        Param::Bool(v)
    }
}
impl<'a> From<NaiveDate> for Param<'a> {
    fn from(v: NaiveDate) -> Self {
        Param::Date(v)
    }
}
impl<'a, T: Into<Param<'a>>> From<Option<T>> for Param<'a> {
    fn from(v: Option<T>) -> Self {
        v.map_or(Param::Null, Into::into)
    }
}

pub(crate) fn null(column: usize, wanted: &'static str) -> StoreError {
    StoreError::Null { column, wanted }
}

/// An owned value read from a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
    Bool(bool),
    Date(NaiveDate),
    Timestamp(DateTime<Utc>),
    Real(f64),
}

/// One result row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row(pub Vec<Value>);

impl Row {
    fn at(&self, i: usize) -> Result<&Value> {
        self.0
            .get(i)
            .ok_or_else(|| StoreError::Value(format!("列 {i} 不存在")))
    }
    pub fn is_null(&self, i: usize) -> bool {
        matches!(self.0.get(i), Some(Value::Null) | None)
    }
    pub fn i64(&self, i: usize) -> Result<i64> {
        match self.at(i)? {
            Value::Int(v) => Ok(*v),
            Value::Bool(b) => Ok(i64::from(*b)),
            Value::Null => Err(null(i, "整数")),
            v => Err(StoreError::Value(format!("列 {i} 不是整数：{v:?}"))),
        }
    }
    pub fn opt_i64(&self, i: usize) -> Result<Option<i64>> {
        if self.is_null(i) {
            Ok(None)
        } else {
            self.i64(i).map(Some)
        }
    }
    pub fn str(&self, i: usize) -> Result<String> {
        match self.at(i)? {
            Value::Text(s) => Ok(s.clone()),
            Value::Null => Err(null(i, "文本")),
            Value::Int(v) => Ok(v.to_string()),
            Value::Date(d) => Ok(d.to_string()),
            Value::Timestamp(t) => Ok(t.to_rfc3339()),
            v => Err(StoreError::Value(format!("列 {i} 不是文本：{v:?}"))),
        }
    }
    pub fn opt_str(&self, i: usize) -> Result<Option<String>> {
        if self.is_null(i) {
            Ok(None)
        } else {
            self.str(i).map(Some)
        }
    }
    pub fn bool(&self, i: usize) -> Result<bool> {
        match self.at(i)? {
            Value::Bool(b) => Ok(*b),
            Value::Int(v) => Ok(*v != 0),
            v => Err(StoreError::Value(format!("列 {i} 不是布尔值：{v:?}"))),
        }
    }
    pub fn date(&self, i: usize) -> Result<NaiveDate> {
        match self.at(i)? {
            Value::Date(d) => Ok(*d),
            Value::Text(s) => {
                parse_iso_date(s).ok_or_else(|| StoreError::Value(format!("列 {i} 不是日期：{s}")))
            }
            v => Err(StoreError::Value(format!("列 {i} 不是日期：{v:?}"))),
        }
    }
    pub fn opt_date(&self, i: usize) -> Result<Option<NaiveDate>> {
        if self.is_null(i) {
            Ok(None)
        } else {
            self.date(i).map(Some)
        }
    }
}

/// `YYYY-MM-DD…` as SQLite stores dates (bulk reads parse millions of them: no format parser).
pub(crate) fn parse_iso_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| {
        b[r].iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)
}

/// Rewrites `$1` placeholders to SQLite's `?1`.
pub(crate) fn sqlite_sql(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    let mut in_str = false;
    while let Some(c) = chars.next() {
        if c == '\'' {
            in_str = !in_str;
        }
        if c == '$' && !in_str && chars.peek().is_some_and(|n| n.is_ascii_digit()) {
            out.push('?');
        } else {
            out.push(c);
        }
    }
    out
}

impl rusqlite::ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, Value as V, ValueRef};
        Ok(match self {
            Param::Null => ToSqlOutput::Owned(V::Null),
            Param::Int(v) => ToSqlOutput::Owned(V::Integer(*v)),
            Param::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Param::Bool(b) => ToSqlOutput::Owned(V::Integer(i64::from(*b))),
            Param::Date(d) => ToSqlOutput::Owned(V::Text(iso_date(*d))),
            Param::Timestamp(t) => ToSqlOutput::Owned(V::Text(timestamp_text(*t))),
        })
    }
}

/// RFC 3339 UTC text of a timestamp; bulk inserts stamp every row with the same instant, so the
/// last one formatted is kept.
pub(crate) fn timestamp_text(t: DateTime<Utc>) -> String {
    thread_local! {
        static LAST: std::cell::RefCell<Option<(DateTime<Utc>, String)>> = const { std::cell::RefCell::new(None) };
    }
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        match &*last {
            Some((at, text)) if *at == t => text.clone(),
            _ => {
                let text = t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();
                *last = Some((t, text.clone()));
                text
            }
        }
    })
}

/// `YYYY-MM-DD` without going through the general formatter (this is on the bulk-insert path).
pub(crate) fn iso_date(d: NaiveDate) -> String {
    match iso_date_bytes(d) {
        Some(b) => String::from_utf8_lossy(&b).into_owned(),
        None => d.format("%Y-%m-%d").to_string(),
    }
}

/// The ten ASCII bytes of `YYYY-MM-DD`, for years 0 to 9999.
pub(crate) fn iso_date_bytes(d: NaiveDate) -> Option<[u8; 10]> {
    use chrono::Datelike;
    let (y, m, day) = (d.year(), d.month(), d.day());
    if !(0..=9999).contains(&y) {
        return None;
    }
    let y = y as u32;
    let digit = |x: u32| b'0' + x as u8;
    Some([
        digit(y / 1000),
        digit(y / 100 % 10),
        digit(y / 10 % 10),
        digit(y % 10),
        b'-',
        digit(m / 10),
        digit(m % 10),
        b'-',
        digit(day / 10),
        digit(day % 10),
    ])
}

/// Binds one parameter of a bulk insert; dates are formatted on the stack (SQLite copies them).
pub(crate) fn bind_sqlite(
    st: &mut rusqlite::CachedStatement<'_>,
    index: usize,
    p: &Param<'_>,
) -> rusqlite::Result<()> {
    if let Param::Date(d) = p {
        if let Some(b) = iso_date_bytes(*d) {
            let text = std::str::from_utf8(&b).expect("ASCII digits");
            return st.raw_bind_parameter(index, text);
        }
    }
    st.raw_bind_parameter(index, p)
}

pub(crate) fn sqlite_row(r: &rusqlite::Row<'_>, n: usize) -> Result<Row> {
    use rusqlite::types::ValueRef;
    let mut v = Vec::with_capacity(n);
    for i in 0..n {
        v.push(match r.get_ref(i)? {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(x) => Value::Int(x),
            ValueRef::Real(x) => Value::Real(x),
            ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
            ValueRef::Blob(_) => return Err(StoreError::Value("不支持二进制列".into())),
        });
    }
    Ok(Row(v))
}

impl ToSql for Param<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Param::Null => Ok(IsNull::Yes),
            Param::Int(v) => match *ty {
                Type::INT4 => i32::try_from(*v)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*v)?.to_sql(ty, out),
                _ => v.to_sql(ty, out),
            },
            Param::Text(s) => s.to_sql(ty, out),
            Param::Bool(b) => b.to_sql(ty, out),
            Param::Date(d) => d.to_sql(ty, out),
            Param::Timestamp(t) => t.to_sql(ty, out),
        }
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// An integer column of any width (SMALLINT and INTEGER columns, and expressions PostgreSQL
/// types as INTEGER, read as i64).
pub(crate) fn pg_int(
    r: &postgres::Row,
    i: usize,
) -> std::result::Result<Option<i64>, postgres::Error> {
    match *r.columns()[i].type_() {
        Type::INT2 => Ok(r.try_get::<_, Option<i16>>(i)?.map(i64::from)),
        Type::INT4 => Ok(r.try_get::<_, Option<i32>>(i)?.map(i64::from)),
        _ => r.try_get::<_, Option<i64>>(i),
    }
}

pub(crate) fn pg_refs<'p>(params: &'p [Param<'_>]) -> Vec<&'p (dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

pub(crate) fn pg_row(r: &postgres::Row) -> Result<Row> {
    let mut v = Vec::with_capacity(r.len());
    for (i, col) in r.columns().iter().enumerate() {
        let ty = col.type_();
        let val = match *ty {
            Type::INT8 => r.try_get::<_, Option<i64>>(i)?.map(Value::Int),
            Type::INT4 => r
                .try_get::<_, Option<i32>>(i)?
                .map(|x| Value::Int(x.into())),
            Type::INT2 => r
                .try_get::<_, Option<i16>>(i)?
                .map(|x| Value::Int(x.into())),
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => {
                r.try_get::<_, Option<String>>(i)?.map(Value::Text)
            }
            Type::BOOL => r.try_get::<_, Option<bool>>(i)?.map(Value::Bool),
            Type::DATE => r.try_get::<_, Option<NaiveDate>>(i)?.map(Value::Date),
            Type::TIMESTAMPTZ => r
                .try_get::<_, Option<DateTime<Utc>>>(i)?
                .map(Value::Timestamp),
            Type::FLOAT8 => r.try_get::<_, Option<f64>>(i)?.map(Value::Real),
            _ => {
                return Err(StoreError::Value(format!(
                    "列 {} 的类型 {ty} 不受支持（请在 SQL 中 CAST 为 BIGINT 或 TEXT）",
                    col.name()
                )))
            }
        };
        v.push(val.unwrap_or(Value::Null));
    }
    Ok(Row(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_date_parsing() {
        assert_eq!(
            parse_iso_date("2023-03-05"),
            NaiveDate::from_ymd_opt(2023, 3, 5)
        );
        assert_eq!(
            parse_iso_date("2023-03-05T10:00:00Z"),
            NaiveDate::from_ymd_opt(2023, 3, 5)
        );
        assert_eq!(parse_iso_date("2023-02-30"), None);
        assert_eq!(parse_iso_date("2023/03/05"), None);
    }

    #[test]
    fn iso_dates() {
        let d = NaiveDate::from_ymd_opt(2023, 3, 5).unwrap();
        assert_eq!(iso_date(d), "2023-03-05");
        assert_eq!(
            iso_date(NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()),
            "1949-12-31"
        );
    }

    #[test]
    fn placeholders_are_rewritten_outside_strings() {
        assert_eq!(
            sqlite_sql("SELECT a FROM t WHERE b = $1 AND c = '$2' AND d = $10"),
            "SELECT a FROM t WHERE b = ?1 AND c = '$2' AND d = ?10"
        );
    }
}
