//! A fingerprint of a whole database, to show that something left it unchanged: every user
//! table's row count and a checksum of its content in primary-key order, read through
//! `yanglao_store::Db` in one snapshot, on SQLite and PostgreSQL alike.
//!
//! Use: `mod fingerprint;` in a test, then `Fingerprint::of(&mut db)` before and after; compare
//! with `==`, and `diff` names the tables that changed.

#![allow(dead_code)]

use std::collections::BTreeMap;
use yanglao_store::{Backend, Db, Param, StoreError, Tx};

/// One table: its rows and a 64-bit FNV-1a checksum of their text in key order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TablePrint {
    pub rows: u64,
    pub checksum: u64,
}

/// Every user table of a database, by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint(pub BTreeMap<String, TablePrint>);

/// The tables of a database and the query that reads each one's rows as text: read once, it
/// makes each later fingerprint of the same schema a query per table (PostgreSQL's catalogue
/// views are slow to ask).
#[derive(Debug, Clone)]
pub struct Layout(Vec<(String, String)>);

impl Layout {
    pub fn of(db: &mut Db) -> Layout {
        let backend = db.backend();
        db.read_transaction(|tx| -> Result<Layout, StoreError> {
            let mut out = Vec::new();
            for table in tables(tx, backend)? {
                let (columns, key) = columns(tx, backend, &table)?;
                let sql = row_text_query(backend, &table, &columns, &key);
                out.push((table, sql));
            }
            Ok(Layout(out))
        })
        .expect("layout of the database")
    }
}

impl Fingerprint {
    /// Reads every user table of `db` in one read transaction.
    pub fn of(db: &mut Db) -> Fingerprint {
        let layout = Layout::of(db);
        Fingerprint::with(db, &layout)
    }

    /// As [`Fingerprint::of`], for a database whose tables are those of `layout`.
    pub fn with(db: &mut Db, layout: &Layout) -> Fingerprint {
        db.read_transaction(|tx| -> Result<Fingerprint, StoreError> {
            let mut out = BTreeMap::new();
            for (table, sql) in &layout.0 {
                let mut print = TablePrint {
                    rows: 0,
                    checksum: FNV_OFFSET,
                };
                tx.for_each_ref(sql, &[], |r| {
                    // A NULL row text cannot happen (quote() and row casts never give NULL), but
                    // an empty string would hash the same as nothing: count rows separately.
                    let text = r.str(0)?;
                    print.rows += 1;
                    print.checksum = fnv(print.checksum, text.as_bytes());
                    print.checksum = fnv(print.checksum, b"\n");
                    Ok(())
                })?;
                out.insert(table.clone(), print);
            }
            Ok(Fingerprint(out))
        })
        .expect("fingerprint of the database")
    }

    /// The tables whose row count or content differs between `self` (before) and `after`.
    pub fn diff(&self, after: &Fingerprint) -> Vec<String> {
        let mut names: Vec<&String> = self.0.keys().chain(after.0.keys()).collect();
        names.sort();
        names.dedup();
        names
            .into_iter()
            .filter_map(|n| match (self.0.get(n), after.0.get(n)) {
                (Some(a), Some(b)) if a == b => None,
                (Some(a), Some(b)) if a.rows == b.rows => {
                    Some(format!("{n}: {} rows, content changed", a.rows))
                }
                (Some(a), Some(b)) => Some(format!("{n}: {} → {} rows", a.rows, b.rows)),
                (None, Some(_)) => Some(format!("{n}: table added")),
                (Some(_), None) => Some(format!("{n}: table removed")),
                (None, None) => None,
            })
            .collect()
    }

    /// Rows over all tables.
    pub fn total_rows(&self) -> u64 {
        self.0.values().map(|t| t.rows).sum()
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

fn fnv(mut h: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(FNV_PRIME);
    }
    h
}

fn tables(tx: &mut Tx<'_>, backend: Backend) -> Result<Vec<String>, StoreError> {
    let sql = match backend {
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        }
        Backend::Postgres => {
            "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"
        }
    };
    tx.query(sql, &[])?.iter().map(|r| r.str(0)).collect()
}

/// A table's columns in their order, and its primary-key columns in key order.
fn columns(
    tx: &mut Tx<'_>,
    backend: Backend,
    table: &str,
) -> Result<(Vec<String>, Vec<String>), StoreError> {
    match backend {
        Backend::Sqlite => {
            let rows = tx.query(
                "SELECT name, pk FROM pragma_table_info($1) ORDER BY cid",
                &[Param::Text(table)],
            )?;
            let mut cols = Vec::new();
            let mut key = Vec::new();
            for r in &rows {
                cols.push(r.str(0)?);
                if r.i64(1)? > 0 {
                    key.push((r.i64(1)?, r.str(0)?));
                }
            }
            key.sort();
            Ok((cols, key.into_iter().map(|(_, c)| c).collect()))
        }
        Backend::Postgres => {
            let cols = tx
                .query(
                    "SELECT column_name::text FROM information_schema.columns
                     WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
                    &[Param::Text(table)],
                )?
                .iter()
                .map(|r| r.str(0))
                .collect::<Result<Vec<_>, _>>()?;
            let key = tx
                .query(
                    "SELECT a.attname::text FROM pg_index i
                     JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
                     WHERE i.indrelid = ($1::text)::regclass AND i.indisprimary
                     ORDER BY array_position(i.indkey::int2[], a.attnum)",
                    &[Param::Text(table)],
                )?
                .iter()
                .map(|r| r.str(0))
                .collect::<Result<Vec<_>, _>>()?;
            Ok((cols, key))
        }
    }
}

/// A query giving each row of `table` as one text, in primary-key order (whole-row order for a
/// table without a key).
fn row_text_query(backend: Backend, table: &str, columns: &[String], key: &[String]) -> String {
    let quoted = |c: &str| format!("\"{}\"", c.replace('"', "\"\""));
    let order = if key.is_empty() {
        "1".to_string()
    } else {
        key.iter()
            .map(|k| format!("t.{}", quoted(k)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match backend {
        Backend::Sqlite => {
            let text = columns
                .iter()
                .map(|c| format!("quote(t.{})", quoted(c)))
                .collect::<Vec<_>>()
                .join(" || ',' || ");
            format!("SELECT {text} FROM {} t ORDER BY {order}", quoted(table))
        }
        Backend::Postgres => {
            format!("SELECT t::text FROM {} t ORDER BY {order}", quoted(table))
        }
    }
}
