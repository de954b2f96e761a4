//! The borrowed row of a streaming read, over the three row kinds the backends give: SQLite's,
//! PostgreSQL's and a binary copy's (`copy.rs`). Kept apart from `value.rs` so that the values
//! know nothing of the copy format and the copy format only uses the values.

use crate::copy::CopiedRow;
use crate::value::{null, parse_iso_date, pg_int};
use crate::{Result, StoreError};
use chrono::NaiveDate;

/// A borrowed row of a streaming read. Integers must be BIGINT (or INTEGER in SQLite); booleans
/// BOOLEAN (0/1 in SQLite).
pub enum RowRef<'r> {
    Sqlite(&'r rusqlite::Row<'r>),
    Postgres(&'r postgres::Row),
    /// A row of a binary copy (`Tx::for_each_bulk`).
    Copied(&'r CopiedRow<'r>),
}

impl RowRef<'_> {
    pub fn opt_i64(&self, i: usize) -> Result<Option<i64>> {
        Ok(match self {
            RowRef::Sqlite(r) => r.get::<_, Option<i64>>(i)?,
            RowRef::Postgres(r) => pg_int(r, i)?,
            RowRef::Copied(r) => r.opt_i64(i)?,
        })
    }
    pub fn i64(&self, i: usize) -> Result<i64> {
        self.opt_i64(i)?.ok_or_else(|| null(i, "整数"))
    }
    pub fn opt_str(&self, i: usize) -> Result<Option<&str>> {
        Ok(match self {
            RowRef::Sqlite(r) => match r.get_ref(i)? {
                rusqlite::types::ValueRef::Text(t) => {
                    Some(std::str::from_utf8(t).map_err(|e| StoreError::Value(e.to_string()))?)
                }
                rusqlite::types::ValueRef::Null => None,
                v => return Err(StoreError::Value(format!("列 {i} 不是文本：{v:?}"))),
            },
            RowRef::Postgres(r) => r.try_get::<_, Option<&str>>(i)?,
            RowRef::Copied(r) => r.opt_str(i)?,
        })
    }
    pub fn str(&self, i: usize) -> Result<&str> {
        self.opt_str(i)?.ok_or_else(|| null(i, "文本"))
    }
    pub fn bool(&self, i: usize) -> Result<bool> {
        Ok(match self {
            RowRef::Sqlite(r) => r.get::<_, i64>(i)? != 0,
            RowRef::Postgres(r) => r.try_get::<_, bool>(i)?,
            RowRef::Copied(r) => r
                .opt_bool(i)?
                .ok_or_else(|| StoreError::Value(format!("列 {i} 为空，应为布尔值")))?,
        })
    }
    pub fn opt_date(&self, i: usize) -> Result<Option<NaiveDate>> {
        match self {
            RowRef::Sqlite(r) if matches!(r.get_ref(i)?, rusqlite::types::ValueRef::Null) => {
                Ok(None)
            }
            RowRef::Sqlite(_) => self.date(i).map(Some),
            RowRef::Postgres(r) => Ok(r.try_get::<_, Option<NaiveDate>>(i)?),
            RowRef::Copied(r) => r.opt_date(i),
        }
    }
    pub fn date(&self, i: usize) -> Result<NaiveDate> {
        match self {
            RowRef::Sqlite(_) => {
                let s = self.str(i)?;
                parse_iso_date(s).ok_or_else(|| StoreError::Value(format!("列 {i} 不是日期：{s}")))
            }
            RowRef::Postgres(r) => Ok(r.try_get::<_, NaiveDate>(i)?),
            RowRef::Copied(r) => r
                .opt_date(i)?
                .ok_or_else(|| StoreError::Value(format!("列 {i} 为空，应为日期"))),
        }
    }
}
