//! Storage for Yanglao: one small SQL interface over embedded SQLite (default) and PostgreSQL.
//!
//! Use cases are written once against [`Tx`]: statements use PostgreSQL's `$1` placeholders (rewritten
//! to `?1` for SQLite), every integer column is a 64-bit integer, dates are `DATE` in PostgreSQL and
//! ISO text in SQLite. Bulk loads go through [`Tx::insert_many`]: one cached prepared statement in one
//! transaction on SQLite, binary `COPY` on PostgreSQL. Each backend has its own migrations.

pub mod citus;
mod copy;
mod migrate;
mod row_ref;
pub mod tls;
mod value;

pub use row_ref::RowRef;
pub use value::{Param, Row, Value};

use chrono::{DateTime, NaiveDate, Utc};
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("[E-DB-URL] 数据库地址“{0}”无法识别：应以 sqlite:// 或 postgres:// 开头")]
    BadUrl(String),
    /// A `postgres://` address the PostgreSQL library cannot parse.
    #[error("[E-DB-URL] 数据库地址“{url}”无法解析：应为 postgres://用户:密码@主机:端口/数据库名（详情：{detail}）")]
    BadPgUrl { url: String, detail: String },
    /// A TLS setting of a `postgres://` address that cannot be used (`sslmode`, `sslrootcert`).
    #[error("[E-DB-TLS] {0}")]
    Tls(String),
    /// The database could not be opened or reached: the address (password hidden) and why.
    #[error("[{}] 无法打开数据库 {url}：{}", .error.code(), .error.message())]
    Open { url: String, error: Box<StoreError> },
    #[error("[{}] {}", sqlite_failure(.0).0, sqlite_message(.0))]
    Sqlite(#[from] rusqlite::Error),
    #[error("[{}] {}", pg_failure(.0).0, pg_message(.0))]
    Postgres(#[from] postgres::Error),
    #[error("[E-DB-VALUE] 数据库取值错误：{0}")]
    Value(String),
    /// `init --distributed` on a database without the Citus extension.
    #[error("[E-DB-NOT-CITUS] 该数据库没有 Citus 扩展：--distributed 只用于 Citus 集群的协调节点（先 CREATE EXTENSION citus 并加入工作节点）")]
    NotCitus,
    /// A column read as a value that must be present holds NULL: the reader uses an `opt_`
    /// accessor where NULL is legitimate, so this is a defect, never a silent 0 or "".
    #[error("[E-DB-NULL] 数据库取值错误：第 {column} 列为空（NULL），此处应为{wanted}")]
    Null { column: usize, wanted: &'static str },
    #[error(
        "[E-DB-SCHEMA] 数据库结构版本 {found} 高于本程序支持的版本 {supported}，请升级 yanglao"
    )]
    SchemaTooNew { found: i64, supported: i64 },
    #[error("[E-DB-MIGRATION] 数据库迁移失败：{0}")]
    Migration(String),
}

/// The common failures of SQLite as a person reads them, with their code; `None` for the rest
/// (E-DB-SQLITE, with the library's text).
fn sqlite_common(e: &rusqlite::Error) -> Option<(&'static str, &'static str)> {
    use rusqlite::ErrorCode as C;
    Some(match e.sqlite_error_code()? {
        C::DatabaseBusy | C::DatabaseLocked => (
            "E-DB-BUSY",
            "数据库正被其他程序使用，等待后仍未释放：请稍后重试",
        ),
        C::ReadOnly => (
            "E-DB-READONLY",
            "数据库只读，无法写入：请检查数据库文件及其所在目录的写权限",
        ),
        C::DiskFull => (
            "E-DB-FULL",
            "磁盘已满，无法写入数据库（未完成的操作已撤销）：请释放磁盘空间后重试",
        ),
        C::CannotOpen | C::PermissionDenied => (
            "E-DB-OPEN",
            "无法打开数据库文件：请检查路径与目录是否存在、是否有读写权限",
        ),
        C::NotADatabase => ("E-DB-NOT-DB", "此文件不是 SQLite 数据库，或已损坏"),
        C::DatabaseCorrupt => ("E-DB-CORRUPT", "数据库文件已损坏"),
        C::SystemIoFailure => (
            "E-DB-IO",
            "读写数据库文件时发生输入输出错误（磁盘或文件系统故障）",
        ),
        _ => return None,
    })
}

fn sqlite_failure(e: &rusqlite::Error) -> (&'static str, &'static str) {
    sqlite_common(e).unwrap_or(("E-DB-SQLITE", "SQLite 数据库错误"))
}

fn sqlite_message(e: &rusqlite::Error) -> String {
    match sqlite_common(e) {
        Some((_, zh)) => format!("{zh}（详情：{e}）"),
        None => format!("SQLite 数据库错误：{e}"),
    }
}

/// The common failures of PostgreSQL (and of reaching it) as a person reads them, with their
/// code; `None` for the rest (E-DB-POSTGRES, with the server's text).
fn pg_common(e: &postgres::Error) -> Option<(&'static str, &'static str)> {
    const CONNECT: &str = "E-DB-CONNECT";
    if let Some(d) = e.as_db_error() {
        let code = d.code().code();
        return Some(match code {
            "28P01" | "28000" => (
                "E-DB-AUTH",
                "数据库服务器拒绝登录：用户名或密码错误，或该用户无权连接",
            ),
            "3D000" => ("E-DB-MISSING", "数据库服务器上没有这个数据库：请先创建它"),
            "42501" => ("E-DB-PERMISSION", "该数据库用户没有所需的权限"),
            "53100" => (
                "E-DB-FULL",
                "数据库服务器磁盘已满（未完成的操作已撤销）：请释放空间后重试",
            ),
            "25006" => ("E-DB-READONLY", "数据库服务器处于只读状态，无法写入"),
            "55P03" | "40P01" | "40001" => (
                "E-DB-BUSY",
                "数据正被其他连接锁定或同时修改（未完成的操作已撤销）：请稍后重试",
            ),
            "53300" => (CONNECT, "数据库服务器的连接数已满：请稍后重试"),
            "57P01" | "57P02" | "57P03" => (CONNECT, "数据库服务器正在关闭或启动，暂时无法使用"),
            c if c.starts_with("08") => (CONNECT, "与数据库服务器的连接出错"),
            _ => return None,
        });
    }
    if e.is_closed() {
        return Some((CONNECT, "与数据库服务器的连接已断开"));
    }
    if e.to_string().starts_with("error performing TLS handshake") {
        return Some(("E-DB-TLS", tls::handshake_zh(&pg_detail(e))));
    }
    let io = std::error::Error::source(e).and_then(|s| s.downcast_ref::<std::io::Error>());
    if let Some(io) = io {
        use std::io::ErrorKind as K;
        return Some(match io.kind() {
            K::ConnectionRefused => (
                CONNECT,
                "无法连接数据库服务器：连接被拒绝（服务器未运行，或主机、端口有误）",
            ),
            K::TimedOut => (CONNECT, "无法连接数据库服务器：连接超时"),
            _ => (CONNECT, "无法连接数据库服务器：请检查主机、端口与网络"),
        });
    }
    if e.to_string().contains("password missing") {
        return Some((
            "E-DB-AUTH",
            "数据库服务器要求密码，而数据库地址中没有给出（postgres://用户:密码@主机/数据库名）",
        ));
    }
    None
}

fn pg_failure(e: &postgres::Error) -> (&'static str, &'static str) {
    pg_common(e).unwrap_or(("E-DB-POSTGRES", "PostgreSQL 数据库错误"))
}

fn pg_message(e: &postgres::Error) -> String {
    match pg_common(e) {
        Some((_, zh)) => format!("{zh}（详情：{}）", pg_detail(e)),
        None => format!("PostgreSQL 数据库错误：{}", pg_detail(e)),
    }
}

/// The server's own message, detail and constraint (a bare `postgres::Error` prints only "db error").
fn pg_detail(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(d) => {
            let mut s = format!("{}（{}）", d.message(), d.code().code());
            if let Some(detail) = d.detail() {
                s.push_str(&format!("；{detail}"));
            }
            if let Some(c) = d.constraint() {
                s.push_str(&format!("；约束 {c}"));
            }
            s
        }
        // The cause too: the library's own text is only "error connecting to server".
        None => match std::error::Error::source(e) {
            Some(cause) => format!("{e}: {cause}"),
            None => e.to_string(),
        },
    }
}

impl StoreError {
    /// The stable code of this error (also shown in its message).
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::BadUrl(_) | StoreError::BadPgUrl { .. } => "E-DB-URL",
            StoreError::Tls(_) => "E-DB-TLS",
            StoreError::Open { error, .. } => error.code(),
            StoreError::Sqlite(e) => sqlite_failure(e).0,
            StoreError::Postgres(e) => pg_failure(e).0,
            StoreError::Value(_) => "E-DB-VALUE",
            StoreError::NotCitus => "E-DB-NOT-CITUS",
            StoreError::Null { .. } => "E-DB-NULL",
            StoreError::SchemaTooNew { .. } => "E-DB-SCHEMA",
            StoreError::Migration(_) => "E-DB-MIGRATION",
        }
    }

    /// The message without its code.
    pub fn message(&self) -> String {
        let text = self.to_string();
        match text.strip_prefix(&format!("[{}] ", self.code())) {
            Some(m) => m.to_string(),
            None => text,
        }
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Column types for bulk inserts (PostgreSQL's binary COPY needs them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    Int,
    Text,
    Bool,
    Date,
    Timestamp,
}

enum Conn {
    Sqlite(rusqlite::Connection),
    Postgres(Box<postgres::Client>),
}

/// An open database.
pub struct Db {
    conn: Conn,
    url_for_display: String,
    /// The URL it was opened with, to open another connection to the same database.
    url: String,
    /// Whether the schema has the change counter (`db_version`, migration 0008): known once
    /// `migrate` has run.
    versioned: bool,
    /// The change counter written by this connection's last committed write transaction.
    last_version: Option<i64>,
}

/// Whether every host of a PostgreSQL address is this machine (a socket or a loopback address).
fn on_this_host(config: &postgres::Config) -> bool {
    use postgres::config::Host;
    config.get_hosts().iter().all(|h| match h {
        Host::Tcp(name) => {
            name == "localhost"
                || name
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|a| a.is_loopback())
        }
        Host::Unix(_) => true,
    })
}

impl Db {
    /// Opens `sqlite://PATH`, `sqlite::memory:` or `postgres://…` (also `postgresql://`).
    pub fn open(url: &str) -> Result<Db> {
        let conn = Db::connect(url).map_err(|e| match e {
            e @ (StoreError::BadUrl(_) | StoreError::BadPgUrl { .. } | StoreError::Tls(_)) => e,
            e => StoreError::Open {
                url: redact(url),
                error: Box::new(e),
            },
        })?;
        Ok(Db {
            conn,
            url_for_display: redact(url),
            url: url.to_string(),
            versioned: false,
            last_version: None,
        })
    }

    fn connect(url: &str) -> Result<Conn> {
        Ok(if let Some(rest) = url.strip_prefix("sqlite:") {
            let path = rest.trim_start_matches("//");
            let c = if path == ":memory:" || path.is_empty() {
                rusqlite::Connection::open_in_memory()?
            } else {
                let p = PathBuf::from(path);
                if let Some(dir) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
                    let _ = std::fs::create_dir_all(dir);
                }
                rusqlite::Connection::open(p)?
            };
            c.execute_batch(
                "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;
                 PRAGMA busy_timeout=10000; PRAGMA cache_size=-262144; PRAGMA temp_store=MEMORY;",
            )?;
            Conn::Sqlite(c)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let (rest, tls) = tls::split(url)?;
            let mut config: postgres::Config =
                rest.parse()
                    .map_err(|e: postgres::Error| StoreError::BadPgUrl {
                        url: redact(url),
                        detail: e.to_string(),
                    })?;
            config.ssl_mode(tls::library_mode(tls.mode));
            if tls.mode == tls::Mode::Unset && !on_this_host(&config) {
                tracing::warn!(
                    "与另一台主机上的数据库服务器之间的连接未加密：请在数据库地址中加上 sslmode=verify-full（或 require）"
                );
            }
            let mut c = match tls::connector(&tls)? {
                Some(connector) => config.connect(connector)?,
                None => config.connect(postgres::NoTls)?,
            };
            c.batch_execute("SET client_min_messages = warning")?;
            Conn::Postgres(Box::new(c))
        } else {
            return Err(StoreError::BadUrl(redact(url)));
        })
    }

    pub fn backend(&self) -> Backend {
        match self.conn {
            Conn::Sqlite(_) => Backend::Sqlite,
            Conn::Postgres(_) => Backend::Postgres,
        }
    }

    /// The URL with any password hidden, for logs and messages.
    pub fn display_url(&self) -> &str {
        &self.url_for_display
    }

    /// Creates or upgrades the schema; returns the migrations applied now.
    pub fn migrate(&mut self) -> Result<Vec<i64>> {
        let applied = migrate::run(self, None)?;
        self.versioned = true;
        Ok(applied)
    }

    /// Creates or upgrades the schema only up to migration `version`: for upgrade tests, which
    /// fill an older schema and then migrate the rest of the way.
    pub fn migrate_to(&mut self, version: i64) -> Result<Vec<i64>> {
        let applied = migrate::run(self, Some(version))?;
        self.versioned = version >= 8;
        Ok(applied)
    }

    /// Another connection to the same database (already migrated); `None` for an in-memory
    /// SQLite database, which another connection would not see.
    pub fn reopen(&self) -> Result<Option<Db>> {
        if let Conn::Sqlite(c) = &self.conn {
            if c.path().is_none_or(str::is_empty) {
                return Ok(None);
            }
        }
        let mut db = Db::open(&self.url)?;
        db.versioned = self.versioned;
        Ok(Some(db))
    }

    /// Like [`Db::reopen`], for a connection that only reads alongside this one: on SQLite with a
    /// smaller page cache (the operating system caches the file for both).
    pub fn reopen_for_reading(&self) -> Result<Option<Db>> {
        let Some(mut db) = self.reopen()? else {
            return Ok(None);
        };
        if let Conn::Sqlite(c) = &mut db.conn {
            c.execute_batch("PRAGMA cache_size=-65536;")?;
        }
        Ok(Some(db))
    }

    /// The change counter written by this connection's last committed write transaction.
    pub fn last_version(&self) -> Option<i64> {
        self.last_version
    }

    /// Runs `f` in a read-only transaction over one consistent snapshot, without taking the write
    /// lock (a writer on another connection goes on meanwhile). Nothing `f` does is kept.
    pub fn read_transaction<T, E>(
        &mut self,
        f: impl FnOnce(&mut Tx<'_>) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E>
    where
        E: From<StoreError>,
    {
        let mut tx = match &mut self.conn {
            Conn::Sqlite(c) => Tx::Sqlite(
                c.transaction_with_behavior(rusqlite::TransactionBehavior::Deferred)
                    .map_err(StoreError::from)?,
            ),
            Conn::Postgres(c) => Tx::Postgres(
                c.build_transaction()
                    .isolation_level(postgres::IsolationLevel::RepeatableRead)
                    .read_only(true)
                    .start()
                    .map_err(StoreError::from)?,
            ),
        };
        // SQLite takes its snapshot at the first read.
        let out = f(&mut tx)?;
        match tx {
            Tx::Sqlite(t) => t.rollback().map_err(StoreError::from)?,
            Tx::Postgres(t) => t.rollback().map_err(StoreError::from)?,
        }
        Ok(out)
    }

    /// Runs `f` in one transaction: committed if it returns `Ok`, rolled back otherwise.
    /// (Within [`bookkeeping`], its writes leave the change counter where it was.)
    pub fn transaction<T, E>(
        &mut self,
        f: impl FnOnce(&mut Tx<'_>) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E>
    where
        E: From<StoreError>,
    {
        let changes_before = match &self.conn {
            Conn::Sqlite(c) => c.total_changes(),
            Conn::Postgres(_) => 0,
        };
        let mut tx = match &mut self.conn {
            // IMMEDIATE: take the write lock at the start, so that what a job validates cannot
            // change under it before it writes.
            Conn::Sqlite(c) => Tx::Sqlite(
                c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                    .map_err(StoreError::from)?,
            ),
            Conn::Postgres(c) => Tx::Postgres(c.transaction().map_err(StoreError::from)?),
        };
        let out = f(&mut tx)?;
        // A transaction that wrote anything advances the change counter, so that work prepared
        // from an earlier snapshot can tell whether the data moved under it.
        let mut version = None;
        if self.versioned && !BOOKKEEPING.with(|b| b.get()) {
            let wrote = match &mut tx {
                Tx::Sqlite(t) => t.total_changes() != changes_before,
                Tx::Postgres(t) => t
                    .query_one("SELECT pg_current_xact_id_if_assigned() IS NOT NULL", &[])
                    .map_err(StoreError::from)?
                    .get::<_, bool>(0),
            };
            if wrote {
                version = Some(tx.scalar_i64(
                    "UPDATE db_version SET n = n + 1 WHERE id = 1 RETURNING n",
                    &[],
                )?);
            }
        }
        match tx {
            Tx::Sqlite(t) => t.commit().map_err(StoreError::from)?,
            Tx::Postgres(t) => t.commit().map_err(StoreError::from)?,
        }
        if version.is_some() {
            self.last_version = version;
        }
        Ok(out)
    }

    /// After a large load, refreshes PostgreSQL's planner statistics of `tables` and marks their
    /// new pages all-visible (autovacuum would do both only later: a plan made for empty tables
    /// can be orders of magnitude slower, and an index-only scan of pages not yet marked visits
    /// the table after all). SQLite plans from its indexes and needs nothing.
    pub fn analyze(&mut self, tables: &[&str]) -> Result<()> {
        if let Conn::Postgres(c) = &mut self.conn {
            c.batch_execute(&format!("VACUUM (ANALYZE) {}", tables.join(", ")))?;
        }
        Ok(())
    }

    /// Writes out what the database holds only in its log (PostgreSQL: `CHECKPOINT`, which needs
    /// a superuser or the `pg_checkpoint` role; without the right this does nothing. SQLite: the
    /// write-ahead log is copied into the database file). For benchmarks, so that a timed step does
    /// not pay for the writes of the step before it.
    pub fn checkpoint(&mut self) -> Result<()> {
        match &mut self.conn {
            Conn::Sqlite(c) => c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?,
            Conn::Postgres(c) => {
                if let Err(e) = c.batch_execute("CHECKPOINT") {
                    tracing::info!("未能执行 CHECKPOINT（{e}），跳过");
                }
            }
        }
        Ok(())
    }

    /// Runs statements outside a transaction (schema work).
    pub fn batch(&mut self, sql: &str) -> Result<()> {
        match &mut self.conn {
            Conn::Sqlite(c) => c.execute_batch(sql)?,
            Conn::Postgres(c) => c.batch_execute(sql)?,
        }
        Ok(())
    }
}

fn redact(url: &str) -> String {
    // postgres://user:secret@host → postgres://user:***@host
    if let Some((scheme, rest)) = url.split_once("://") {
        if let Some((cred, host)) = rest.split_once('@') {
            if let Some((user, _)) = cred.split_once(':') {
                return format!("{scheme}://{user}:***@{host}");
            }
        }
    }
    url.to_string()
}

/// A transaction on either backend.
pub enum Tx<'c> {
    Sqlite(rusqlite::Transaction<'c>),
    Postgres(postgres::Transaction<'c>),
}

impl Tx<'_> {
    pub fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(_) => Backend::Sqlite,
            Tx::Postgres(_) => Backend::Postgres,
        }
    }

    /// Serialises jobs that validate and then write (imports, runs): on PostgreSQL a transaction-level
    /// advisory lock, held until commit; on SQLite the IMMEDIATE transaction already does it.
    /// Call it first, before the reads that the validation depends on.
    pub fn lock_for_writing(&mut self) -> Result<()> {
        if let Tx::Postgres(t) = self {
            t.batch_execute("SELECT pg_advisory_xact_lock(7477223)")?;
        }
        Ok(())
    }

    /// The database's change counter: advanced by every committed transaction that wrote
    /// something (migration 0008).
    pub fn version(&mut self) -> Result<i64> {
        self.scalar_i64("SELECT n FROM db_version WHERE id = 1", &[])
    }

    /// Executes one statement; returns the rows affected.
    pub fn exec(&mut self, sql: &str, params: &[Param<'_>]) -> Result<u64> {
        match self {
            Tx::Sqlite(t) => {
                let mut st = t.prepare_cached(&value::sqlite_sql(sql))?;
                Ok(st.execute(rusqlite::params_from_iter(params.iter()))? as u64)
            }
            Tx::Postgres(t) => {
                let refs = value::pg_refs(params);
                Ok(t.execute(sql, &refs)?)
            }
        }
    }

    /// Runs a query and collects its rows.
    pub fn query(&mut self, sql: &str, params: &[Param<'_>]) -> Result<Vec<Row>> {
        let mut out = Vec::new();
        self.for_each(sql, params, |r| {
            out.push(r);
            Ok(())
        })?;
        Ok(out)
    }

    /// Streams a query's rows through `f` without collecting them.
    pub fn for_each(
        &mut self,
        sql: &str,
        params: &[Param<'_>],
        mut f: impl FnMut(Row) -> Result<()>,
    ) -> Result<()> {
        match self {
            Tx::Sqlite(t) => {
                let mut st = t.prepare_cached(&value::sqlite_sql(sql))?;
                let n = st.column_count();
                let mut rows = st.query(rusqlite::params_from_iter(params.iter()))?;
                while let Some(r) = rows.next()? {
                    f(value::sqlite_row(r, n)?)?;
                }
            }
            Tx::Postgres(t) => {
                let refs = value::pg_refs(params);
                let it = t.query_raw(sql, refs.iter().copied())?;
                use postgres::fallible_iterator::FallibleIterator;
                let mut it = it;
                while let Some(r) = it.next()? {
                    f(value::pg_row(&r)?)?;
                }
            }
        }
        Ok(())
    }

    /// Streams a query's rows through `f` as borrowed rows: no allocation per row, for the large
    /// reads of bulk jobs.
    pub fn for_each_ref(
        &mut self,
        sql: &str,
        params: &[Param<'_>],
        mut f: impl FnMut(&RowRef<'_>) -> Result<()>,
    ) -> Result<()> {
        match self {
            Tx::Sqlite(t) => {
                let mut st = t.prepare_cached(&value::sqlite_sql(sql))?;
                let mut rows = st.query(rusqlite::params_from_iter(params.iter()))?;
                while let Some(r) = rows.next()? {
                    f(&RowRef::Sqlite(r))?;
                }
            }
            Tx::Postgres(t) => {
                let refs = value::pg_refs(params);
                use postgres::fallible_iterator::FallibleIterator;
                let mut it = t.query_raw(sql, refs.iter().copied())?;
                while let Some(r) = it.next()? {
                    f(&RowRef::Postgres(&r))?;
                }
            }
        }
        Ok(())
    }

    /// Streams a large read through `f` like `for_each_ref`, with each column's type declared in
    /// `types` (the accessors check it). On PostgreSQL the rows come as one binary `COPY` stream,
    /// several times cheaper to decode than protocol rows. `COPY` takes no parameters, so they are
    /// written into the statement as literals; where that cannot be done safely
    /// (`copy::inline_params`) the read goes the ordinary way.
    pub fn for_each_bulk(
        &mut self,
        sql: &str,
        params: &[Param<'_>],
        types: &[ColType],
        mut f: impl FnMut(&RowRef<'_>) -> Result<()>,
    ) -> Result<()> {
        let inlined = match self {
            Tx::Postgres(_) => copy::inline_params(sql, params),
            Tx::Sqlite(_) => None,
        };
        match (self, inlined) {
            (Tx::Postgres(t), Some(inlined)) => {
                let mut reader = t.copy_out(&copy::copy_statement(&inlined, types))?;
                copy::CopiedRow::read_header(&mut reader)?;
                let mut row = copy::CopiedRow::new(types);
                while row.next_row(&mut reader)? {
                    f(&RowRef::Copied(&row))?;
                }
                Ok(())
            }
            (tx, _) => tx.for_each_ref(sql, params, f),
        }
    }

    pub fn query_opt(&mut self, sql: &str, params: &[Param<'_>]) -> Result<Option<Row>> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    pub fn query_one(&mut self, sql: &str, params: &[Param<'_>]) -> Result<Row> {
        self.query_opt(sql, params)?
            .ok_or_else(|| StoreError::Value(format!("查询无结果：{sql}")))
    }

    /// A single integer (e.g. `SELECT COUNT(*)`, `SELECT COALESCE(MAX(id),0)`).
    pub fn scalar_i64(&mut self, sql: &str, params: &[Param<'_>]) -> Result<i64> {
        self.query_one(sql, params)?.i64(0)
    }

    /// Reserves `n` consecutive ids of the named sequence and returns the first. Works the same on
    /// both backends; on PostgreSQL the counter row stays locked until the transaction ends.
    pub fn allocate_ids(&mut self, name: &str, n: i64) -> Result<i64> {
        self.exec(
            "INSERT INTO id_counters (name, next_id) VALUES ($1, 1) ON CONFLICT (name) DO NOTHING",
            &[Param::Text(name)],
        )?;
        let next = self.scalar_i64(
            "UPDATE id_counters SET next_id = next_id + $2 WHERE name = $1 RETURNING next_id",
            &[Param::Text(name), Param::Int(n)],
        )?;
        Ok(next - n)
    }

    /// Inserts many rows: `fill` writes one item's values, in `columns` order, into the buffer.
    pub fn insert_many<'a, T>(
        &mut self,
        table: &str,
        columns: &[(&str, ColType)],
        items: &'a [T],
        mut fill: impl FnMut(&'a T, &mut Vec<Param<'a>>),
    ) -> Result<u64> {
        if items.is_empty() {
            return Ok(0);
        }
        let names: Vec<&str> = columns.iter().map(|c| c.0).collect();
        let mut buf: Vec<Param<'a>> = Vec::with_capacity(columns.len());
        match self {
            Tx::Sqlite(t) => {
                // Many rows per statement: one step of the virtual machine inserts a whole batch.
                let ncol = columns.len();
                let batch = (SQLITE_BATCH_PARAMS / ncol).clamp(1, 64);
                let sql_for = |rows: usize| {
                    let tuples: Vec<String> = (0..rows)
                        .map(|r| {
                            let p: Vec<String> =
                                (1..=ncol).map(|c| format!("?{}", r * ncol + c)).collect();
                            format!("({})", p.join(", "))
                        })
                        .collect();
                    format!(
                        "INSERT INTO {table} ({}) VALUES {}",
                        names.join(", "),
                        tuples.join(", ")
                    )
                };
                let mut chunks = items.chunks_exact(batch);
                if items.len() >= batch {
                    let mut st = t.prepare_cached(&sql_for(batch))?;
                    for chunk in &mut chunks {
                        for (r, item) in chunk.iter().enumerate() {
                            buf.clear();
                            fill(item, &mut buf);
                            check_width(table, buf.len(), ncol)?;
                            for (c, p) in buf.iter().enumerate() {
                                value::bind_sqlite(&mut st, r * ncol + c + 1, p)?;
                            }
                        }
                        st.raw_execute()?;
                    }
                }
                let rest = chunks.remainder();
                if !rest.is_empty() {
                    let mut st = t.prepare_cached(&sql_for(1))?;
                    for item in rest {
                        buf.clear();
                        fill(item, &mut buf);
                        check_width(table, buf.len(), ncol)?;
                        for (c, p) in buf.iter().enumerate() {
                            value::bind_sqlite(&mut st, c + 1, p)?;
                        }
                        st.raw_execute()?;
                    }
                }
            }
            Tx::Postgres(t) => {
                // Binary COPY, encoded here straight from the parameters and sent in large chunks.
                use std::io::Write;
                const CHUNK: usize = 256 * 1024;
                let mut w = t.copy_in(&format!(
                    "COPY {table} ({}) FROM STDIN BINARY",
                    names.join(", ")
                ))?;
                let mut out: Vec<u8> = Vec::with_capacity(CHUNK + 4096);
                copy::write_header(&mut out);
                let ncol =
                    i16::try_from(columns.len()).map_err(|_| StoreError::Value("列过多".into()))?;
                for item in items {
                    buf.clear();
                    fill(item, &mut buf);
                    check_width(table, buf.len(), columns.len())?;
                    out.extend_from_slice(&ncol.to_be_bytes());
                    for (p, (_, ty)) in buf.iter().zip(columns) {
                        copy::write_field(&mut out, p, *ty)?;
                    }
                    if out.len() >= CHUNK {
                        w.write_all(&out).map_err(copy::stream_error)?;
                        out.clear();
                    }
                }
                copy::write_trailer(&mut out);
                w.write_all(&out).map_err(copy::stream_error)?;
                w.finish()?;
            }
        }
        Ok(items.len() as u64)
    }
}

/// A row of a bulk insert gives one value per column, in every build: a short row would shift
/// the next row's values into its columns.
fn check_width(table: &str, given: usize, columns: usize) -> Result<()> {
    if given == columns {
        Ok(())
    } else {
        Err(StoreError::Value(format!(
            "{table}：一行给出 {given} 个值，应为 {columns} 个"
        )))
    }
}

/// At most this many parameters in one multi-row insert (SQLite allows 32,766).
const SQLITE_BATCH_PARAMS: usize = 1_500;

thread_local! {
    /// Set while [`bookkeeping`] runs.
    static BOOKKEEPING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with its write transactions left out of the change counter: the server's own
/// bookkeeping (sign-ins, sessions, their audit entries), which no figure depends on, so that a
/// page's figures prepared from the data stay valid while people sign in and out.
pub fn bookkeeping<T>(f: impl FnOnce() -> T) -> T {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            let previous = self.0;
            BOOKKEEPING.with(|b| b.set(previous));
        }
    }
    let _reset = Reset(BOOKKEEPING.with(|b| b.replace(true)));
    f()
}

/// Now, for `created_at` columns.
pub fn now() -> DateTime<Utc> {
    Utc::now()
}

/// The first day of a year.
pub fn jan1(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 1, 1).expect("valid year")
}

/// The same PostgreSQL URL pointing at another database (`postgres://u@h:5432/test?x=y` with
/// `other` → `postgres://u@h:5432/other?x=y`).
pub fn pg_url_with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{}", &base[..path_start], database);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// A scratch PostgreSQL database, created on a server and dropped when this value is dropped.
/// Used by tests and benchmarks so that runs never see each other's data.
pub struct ScratchPg {
    admin_url: String,
    pub name: String,
    pub url: String,
}

impl ScratchPg {
    pub fn create(admin_url: &str, prefix: &str) -> Result<ScratchPg> {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!(
            "{prefix}_{}_{}_{nanos}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let mut admin = Db::open(admin_url)?;
        admin.batch(&format!("CREATE DATABASE {name}"))?;
        Ok(ScratchPg {
            admin_url: admin_url.to_string(),
            url: pg_url_with_database(admin_url, &name),
            name,
        })
    }
}

impl Drop for ScratchPg {
    fn drop(&mut self) {
        // For investigation (query plans after a benchmark): YANGLAO_KEEP_SCRATCH=1 keeps it.
        if std::env::var_os("YANGLAO_KEEP_SCRATCH").is_some() {
            tracing::warn!("保留临时数据库 {}（YANGLAO_KEEP_SCRATCH）", self.name);
            return;
        }
        if let Ok(mut admin) = Db::open(&self.admin_url) {
            let _ = admin.batch(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// A scratch database on a Citus cluster for a test: made on the coordinator and on every
/// worker, with the extension in each and the workers added; dropped everywhere afterwards.
pub struct ScratchCitus {
    nodes: Vec<String>,
    pub name: String,
    pub url: String,
}

impl ScratchCitus {
    /// `coordinator`: an administrative URL of the coordinator (database `postgres`);
    /// `workers`: each worker as `host:port` (same user, trust authentication).
    pub fn create(coordinator: &str, workers: &[String], prefix: &str) -> Result<ScratchCitus> {
        // Four shards rather than Citus's 32: a test's database is made in a second or two, and
        // five counties still fall on both workers.
        ScratchCitus::with_shards(coordinator, workers, prefix, 4)
    }

    /// Like [`ScratchCitus::create`], with `shards` shards per distributed table (a benchmark's
    /// province of many counties takes Citus's usual 32).
    pub fn with_shards(
        coordinator: &str,
        workers: &[String],
        prefix: &str,
        shards: u32,
    ) -> Result<ScratchCitus> {
        let scratch = ScratchPg::create(coordinator, prefix)?;
        let name = scratch.name.clone();
        std::mem::forget(scratch);
        let user = coordinator
            .split_once("://")
            .and_then(|(_, r)| r.split_once('@'))
            .map_or("postgres", |(u, _)| {
                u.split(':').next().unwrap_or("postgres")
            });
        let mut nodes = vec![coordinator.to_string()];
        nodes.extend(
            workers
                .iter()
                .map(|w| format!("postgres://{user}@{w}/postgres")),
        );
        let out = ScratchCitus {
            url: pg_url_with_database(coordinator, &name),
            nodes,
            name,
        };
        for node in &out.nodes[1..] {
            Db::open(node)?.batch(&format!("CREATE DATABASE {}", out.name))?;
        }
        for node in &out.nodes {
            Db::open(&pg_url_with_database(node, &out.name))?
                .batch("SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS citus")?;
        }
        let mut db = Db::open(&out.url)?;
        db.batch(&format!(
            "ALTER DATABASE {} SET citus.shard_count = {shards}",
            out.name
        ))?;
        let host_port = |u: &str| -> (String, u16) {
            let rest = u.split_once('@').map_or(u, |x| x.1);
            let hp = rest.split('/').next().unwrap_or(rest);
            let (h, p) = hp.rsplit_once(':').unwrap_or((hp, "5432"));
            (h.to_string(), p.parse().unwrap_or(5432))
        };
        // Adding a node brings the roles to it, in catalogs all of a server's databases share:
        // two scratch databases adding nodes at once collide ("tuple concurrently updated"), so
        // they take turns under a lock in the coordinator's administrative database.
        let mut admin = Db::open(coordinator)?;
        admin.batch("SELECT pg_advisory_lock(7477225)")?;
        let (h, p) = host_port(coordinator);
        let added = db
            .batch(&format!("SELECT citus_set_coordinator_host('{h}', {p})"))
            .and_then(|()| {
                workers.iter().try_for_each(|w| {
                    let (h, p) = host_port(w);
                    db.batch(&format!("SELECT citus_add_node('{h}', {p})"))
                })
            });
        admin.batch("SELECT pg_advisory_unlock(7477225)")?;
        added?;
        Ok(out)
    }
}

impl Drop for ScratchCitus {
    fn drop(&mut self) {
        if std::env::var_os("YANGLAO_KEEP_SCRATCH").is_some() {
            return;
        }
        for node in &self.nodes {
            if let Ok(mut admin) = Db::open(node) {
                let _ = admin.batch(&format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    self.name
                ));
            }
        }
    }
}

/// A scratch database on one of the test servers, dropped with this value.
pub enum Scratch {
    Pg(ScratchPg),
    Citus(ScratchCitus),
}

impl Scratch {
    pub fn url(&self) -> &str {
        match self {
            Scratch::Pg(s) => &s.url,
            Scratch::Citus(s) => &s.url,
        }
    }
}

/// The Citus cluster the tests run on, from `YANGLAO_TEST_CITUS_URL` (the coordinator's
/// administrative URL) and `YANGLAO_TEST_CITUS_WORKERS` (its workers, `host:port,…`); `None`,
/// said loudly on stderr, when it is not given, and a panic then if `YANGLAO_REQUIRE_CITUS=1`.
pub fn test_citus() -> Option<(String, Vec<String>)> {
    use std::io::Write;
    static WARN: std::sync::Once = std::sync::Once::new();
    let Some(url) = std::env::var("YANGLAO_TEST_CITUS_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        assert!(
            std::env::var("YANGLAO_REQUIRE_CITUS").map_or(true, |v| v != "1"),
            "YANGLAO_REQUIRE_CITUS=1 but YANGLAO_TEST_CITUS_URL is not set: the Citus tests cannot run"
        );
        WARN.call_once(|| {
            let _ = std::io::stderr().write_all(
                b"\n*** Citus tests DID NOT RUN (YANGLAO_TEST_CITUS_URL unset; ../shared/vendor/citus/build-and-start.sh starts a cluster, .ci/run sets it) ***\n",
            );
        });
        return None;
    };
    let workers = std::env::var("YANGLAO_TEST_CITUS_WORKERS")
        .unwrap_or_default()
        .split(',')
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    Some((url, workers))
}

/// Scratch databases on the servers the tests are given, each labelled: `postgres` when
/// `YANGLAO_TEST_PG_URL` names a server and `citus` when [`test_citus`] names a cluster (its
/// schema is distributed as it is created: [`Db::migrate`]). A server that is given but cannot be
/// reached fails the test.
pub fn test_servers(prefix: &str) -> Vec<(&'static str, Scratch)> {
    let mut out = Vec::new();
    if let Some(admin) = std::env::var("YANGLAO_TEST_PG_URL")
        .ok()
        .filter(|u| !u.is_empty())
    {
        let pg = ScratchPg::create(&admin, prefix)
            .expect("the PostgreSQL server for tests (YANGLAO_TEST_PG_URL) must be reachable");
        out.push(("postgres", Scratch::Pg(pg)));
    }
    if let Some((coordinator, workers)) = test_citus() {
        let c = ScratchCitus::create(&coordinator, &workers, &format!("{prefix}_c"))
            .expect("the Citus cluster for tests (YANGLAO_TEST_CITUS_URL) must be reachable");
        out.push(("citus", Scratch::Citus(c)));
    }
    out
}

#[cfg(test)]
mod url_tests {
    use super::pg_url_with_database;

    #[test]
    fn replaces_the_database() {
        assert_eq!(
            pg_url_with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            pg_url_with_database("postgresql://u:p@h/db?sslmode=disable", "y"),
            "postgresql://u:p@h/y?sslmode=disable"
        );
        assert_eq!(pg_url_with_database("postgres://h", "z"), "postgres://h/z");
    }
}

/// The databases a store test runs on: in-memory SQLite, and a scratch database on each server
/// [`test_servers`] is given (kept alive by the second value, dropped with it).
#[cfg(test)]
fn test_urls(prefix: &str) -> (Vec<String>, Vec<(&'static str, Scratch)>) {
    let mut urls = vec!["sqlite://:memory:".to_string()];
    let scratch = test_servers(prefix);
    urls.extend(scratch.iter().map(|(_, s)| s.url().to_string()));
    (urls, scratch)
}

#[cfg(test)]
mod insert_many_tests {
    use super::*;

    /// Every row comes back once, whatever the batch boundaries, on SQLite and (when a server is
    /// given) PostgreSQL.
    #[test]
    fn bulk_inserts_keep_every_row() {
        let (urls, _scratch) = test_urls("yanglao_store_test");
        for url in urls {
            let mut db = Db::open(&url).expect("open");
            db.batch("CREATE TABLE t (n BIGINT PRIMARY KEY, label TEXT NOT NULL, d DATE NOT NULL, x BIGINT)")
                .expect("table");
            let mut next = 0usize;
            for size in [0usize, 1, 63, 64, 65, 130, 1000] {
                let items: Vec<usize> = (next..next + size).collect();
                next += size;
                let labels: Vec<String> = items.iter().map(|i| format!("行{i}")).collect();
                let n = db
                    .transaction(|tx| -> Result<u64> {
                        tx.insert_many(
                            "t",
                            &[
                                ("n", ColType::Int),
                                ("label", ColType::Text),
                                ("d", ColType::Date),
                                ("x", ColType::Int),
                            ],
                            &items,
                            |i, row| {
                                let d = chrono::NaiveDate::from_ymd_opt(2023, 1, 1).unwrap()
                                    + chrono::Days::new(*i as u64 % 400);
                                row.extend([
                                    Param::Int(*i as i64),
                                    Param::Text(&labels[*i - items[0]]),
                                    Param::Date(d),
                                    if i % 2 == 0 {
                                        Param::Null
                                    } else {
                                        Param::Int(-(*i as i64))
                                    },
                                ])
                            },
                        )
                    })
                    .expect("insert");
                assert_eq!(n, size as u64, "{url}");
            }
            let rows = db
                .transaction(|tx| -> Result<Vec<Row>> {
                    tx.query("SELECT n, label, d, x FROM t ORDER BY n", &[])
                })
                .expect("read");
            assert_eq!(rows.len(), next, "{url}");
            for (i, r) in rows.iter().enumerate() {
                assert_eq!(r.i64(0).unwrap(), i as i64);
                assert_eq!(r.str(1).unwrap(), format!("行{i}"));
                let d = chrono::NaiveDate::from_ymd_opt(2023, 1, 1).unwrap()
                    + chrono::Days::new(i as u64 % 400);
                assert_eq!(r.date(2).unwrap(), d, "{url}");
                assert_eq!(
                    r.opt_i64(3).unwrap(),
                    (i % 2 == 1).then_some(-(i as i64)),
                    "{url}"
                );
            }
        }
    }
}

#[cfg(test)]
mod insert_kinds_tests {
    use super::*;

    /// Every kind of value goes into a bulk insert and comes back unchanged (read both the
    /// ordinary way and in bulk); on PostgreSQL a value of the wrong kind for its column is
    /// refused with nothing written.
    #[test]
    fn every_kind_of_value_round_trips() {
        let (urls, _scratch) = test_urls("yanglao_store_kinds");
        let at = chrono::DateTime::parse_from_rfc3339("2023-02-15T08:30:01.123456Z")
            .unwrap()
            .with_timezone(&Utc);
        let cols = [
            ("n", ColType::Int),
            ("flag", ColType::Bool),
            ("at", ColType::Timestamp),
            ("d", ColType::Date),
            ("label", ColType::Text),
        ];
        let dates = [
            NaiveDate::from_ymd_opt(1899, 12, 31).unwrap(),
            NaiveDate::from_ymd_opt(2000, 1, 1).unwrap(),
            NaiveDate::from_ymd_opt(2023, 2, 28).unwrap(),
        ];
        for url in urls {
            let mut db = Db::open(&url).expect("open");
            db.batch("CREATE TABLE k (n BIGINT, flag BOOLEAN, at TIMESTAMPTZ, d DATE, label TEXT)")
                .expect("table");
            let items: Vec<i64> = vec![i64::MIN, -1, 0, 1, i64::MAX];
            db.transaction(|tx| {
                tx.insert_many("k", &cols, &items, |n, row| {
                    let i = items.iter().position(|x| x == n).unwrap();
                    row.extend([
                        Param::Int(*n),
                        if i == 2 {
                            Param::Null
                        } else {
                            Param::Bool(i % 2 == 0)
                        },
                        Param::Timestamp(at + chrono::Duration::seconds(i as i64)),
                        Param::Date(dates[i % 3]),
                        Param::Text(if i == 1 { "" } else { "阳泉 'x' \\ 县" }),
                    ])
                })
            })
            .expect("insert");
            let rows = db
                .transaction(|tx| tx.query("SELECT n, flag, at, d, label FROM k ORDER BY n", &[]))
                .expect("read");
            assert_eq!(rows.len(), 5, "{url}");
            for (i, r) in rows.iter().enumerate() {
                assert_eq!(r.i64(0).unwrap(), items[i], "{url}");
                assert_eq!(r.date(3).unwrap(), dates[i % 3], "{url}");
                assert_eq!(
                    r.str(4).unwrap(),
                    if i == 1 { "" } else { "阳泉 'x' \\ 县" },
                    "{url}"
                );
            }
            let flags: Vec<Option<bool>> = db
                .transaction(|tx| -> Result<Vec<Option<bool>>> {
                    let mut v = Vec::new();
                    tx.for_each_bulk(
                        "SELECT flag FROM k ORDER BY n",
                        &[],
                        &[ColType::Bool],
                        |r| {
                            v.push(match r {
                                RowRef::Sqlite(s) => s.get::<_, Option<bool>>(0)?,
                                RowRef::Copied(c) => c.opt_bool(0)?,
                                RowRef::Postgres(p) => p.try_get::<_, Option<bool>>(0)?,
                            });
                            Ok(())
                        },
                    )?;
                    Ok(v)
                })
                .expect("flags");
            assert_eq!(
                flags,
                vec![Some(true), Some(false), None, Some(false), Some(true)],
                "{url}"
            );
            if url.starts_with("postgres") {
                let stamps: Vec<Option<chrono::DateTime<Utc>>> = db
                    .transaction(|tx| -> Result<Vec<_>> {
                        let mut v = Vec::new();
                        tx.for_each_bulk(
                            "SELECT at FROM k ORDER BY n",
                            &[],
                            &[ColType::Timestamp],
                            |r| {
                                if let RowRef::Copied(c) = r {
                                    v.push(c.opt_timestamp(0)?);
                                }
                                Ok(())
                            },
                        )?;
                        Ok(v)
                    })
                    .expect("stamps");
                let want: Vec<_> = (0..5)
                    .map(|i| Some(at + chrono::Duration::seconds(i)))
                    .collect();
                assert_eq!(stamps, want, "{url}");
            }
            if url.starts_with("sqlite") {
                continue; // SQLite stores what it is given in any column.
            }
            let wrong = db.transaction(|tx| {
                tx.insert_many("k", &cols, &[1i64], |_, row| {
                    row.extend([
                        Param::Text("1"),
                        Param::Null,
                        Param::Null,
                        Param::Null,
                        Param::Null,
                    ])
                })
            });
            assert!(wrong.is_err(), "{url}");
            let n = db
                .transaction(|tx| tx.scalar_i64("SELECT COUNT(*) FROM k", &[]))
                .expect("count");
            assert_eq!(n, 5, "{url}");
        }
    }
}

#[cfg(test)]
mod bulk_read_tests {
    use super::*;

    /// A bulk read gives what an ordinary read gives, NULLs and awkward text included, whether
    /// it goes through COPY or (a parameter with a backslash) the ordinary way.
    #[test]
    fn bulk_reads_agree_with_ordinary_reads() {
        let (urls, _scratch) = test_urls("yanglao_store_bulk");
        type Seen = (
            i64,
            Option<i64>,
            Option<String>,
            Option<chrono::NaiveDate>,
            bool,
        );
        for url in urls {
            let mut db = Db::open(&url).expect("open");
            db.batch(
                "CREATE TABLE t (n BIGINT PRIMARY KEY, small INTEGER, label TEXT, d DATE, flag BOOLEAN NOT NULL, grp TEXT NOT NULL)",
            )
            .expect("table");
            db.transaction(|tx| -> Result<()> {
                for i in 0..300i64 {
                    let label = match i % 4 {
                        0 => format!("县{i}'s \\ \t\n"),
                        1 => String::new(),
                        _ => format!("行{i}"),
                    };
                    tx.exec(
                        "INSERT INTO t (n, small, label, d, flag, grp) VALUES ($1, $2, $3, $4, $5, $6)",
                        &[
                            Param::Int(i),
                            if i % 3 == 0 { Param::Null } else { Param::Int(i - 150) },
                            if i % 5 == 0 { Param::Null } else { Param::Text(&label) },
                            if i % 7 == 0 {
                                Param::Null
                            } else {
                                Param::Date(chrono::NaiveDate::from_ymd_opt(1899, 12, 31).unwrap() + chrono::Days::new(i as u64 * 97))
                            },
                            Param::Bool(i % 2 == 0),
                            Param::Text(if i % 2 == 0 { "a\\b" } else { "a'b" }),
                        ],
                    )?;
                }
                Ok(())
            })
            .expect("fill");
            let types = [
                ColType::Int,
                ColType::Int,
                ColType::Text,
                ColType::Date,
                ColType::Bool,
            ];
            let sql =
                "SELECT n, small * 2, label, d, flag FROM t WHERE grp = $1 AND n >= $2 ORDER BY n";
            for grp in ["a\\b", "a'b"] {
                let read = |bulk: bool, db: &mut Db| -> Vec<Seen> {
                    db.transaction(|tx| -> Result<Vec<Seen>> {
                        let mut out = Vec::new();
                        let each = |r: &RowRef<'_>| -> Result<()> {
                            out.push((
                                r.i64(0)?,
                                r.opt_i64(1)?,
                                // NULL labels are NULL, not empty text.
                                r.opt_str(2)?.map(str::to_string),
                                r.opt_date(3)?,
                                r.bool(4)?,
                            ));
                            Ok(())
                        };
                        let params = [Param::Text(grp), Param::Int(-1)];
                        if bulk {
                            tx.for_each_bulk(sql, &params, &types, each)?;
                        } else {
                            tx.for_each_ref(sql, &params, each)?;
                        }
                        Ok(out)
                    })
                    .expect("read")
                };
                let ordinary = read(false, &mut db);
                assert_eq!(ordinary.len(), 150, "{url}");
                assert_eq!(read(true, &mut db), ordinary, "{url} {grp}");
            }
            // A server error in the middle of the stream keeps its code and message.
            if url.starts_with("postgres") {
                let err = db
                    .transaction(|tx| -> Result<()> {
                        tx.for_each_bulk(
                            "SELECT n / (n - 200) FROM t WHERE n >= $1 ORDER BY n",
                            &[Param::Int(0)],
                            &[ColType::Int],
                            |_| Ok(()),
                        )
                    })
                    .expect_err("division by zero");
                let text = err.to_string();
                assert!(
                    text.contains("E-DB-POSTGRES") && text.contains("22012"),
                    "{text}"
                );
            }
            // A column read as another type than declared is refused.
            let wrong = db.transaction(|tx| -> Result<()> {
                tx.for_each_bulk(
                    "SELECT n, label FROM t WHERE n = $1",
                    &[Param::Int(1)],
                    &[ColType::Int, ColType::Text],
                    |r| r.i64(1).map(|_| ()),
                )
            });
            if url.starts_with("postgres") {
                assert!(wrong.is_err(), "{url}");
            }
        }
    }
}

#[cfg(test)]
mod upgrade_tests {
    use super::*;

    /// Migration 9 re-keys payment lines by payroll and person: lines written under the old key
    /// survive the upgrade whole, and a second line for a person in one payroll is refused after.
    #[test]
    fn payment_lines_survive_the_rekeying() {
        // Not on a cluster: a cluster begins at the current schema (an older single-server
        // database is upgraded on PostgreSQL, then distributed with its rows by `init --distributed`).
        let (mut urls, scratch) = test_urls("yanglao_upgrade_test");
        urls.retain(|u| !scratch.iter().any(|(l, s)| *l == "citus" && s.url() == u));
        let insert = "INSERT INTO payroll_lines (county, payroll_id, line_no, person_id, award_id, month, from_month, to_month, months,
                account_pension_fen, account_from_pool_fen, exit_province_fen, exit_city_fen, exit_county_fen, total_fen,
                bank_name, bank_account, status)
             VALUES ($1, $2, $3, $4, $5, $6, $6, $6, 1, 0, 0, 100, 20, 80, 200, '银行', '6228480000000000001', 'pending')";
        for url in urls {
            let mut db = Db::open(&url).expect("open");
            assert_eq!(db.migrate_to(8).expect("old schema").len(), 8, "{url}");
            let month = chrono::NaiveDate::from_ymd_opt(2023, 2, 1).unwrap();
            // Old line numbers ran in award order, not person order.
            let old = [(1, 1, 30), (1, 2, 10), (1, 3, 20), (2, 1, 10)];
            db.transaction(|tx| -> Result<()> {
                for (payroll, line, person) in old {
                    tx.exec(
                        insert,
                        &[
                            Param::Text("140302"),
                            Param::Int(payroll),
                            Param::Int(line),
                            Param::Int(person),
                            Param::Int(person + 1000),
                            Param::Date(month),
                        ],
                    )?;
                }
                Ok(())
            })
            .expect("old lines");
            assert_eq!(
                db.migrate().expect("upgrade"),
                (9..=crate::migrate::latest()).collect::<Vec<i64>>(),
                "{url}"
            );
            let rows = db
                .transaction(|tx| -> Result<Vec<Row>> {
                    tx.query(
                        "SELECT payroll_id, line_no, person_id FROM payroll_lines ORDER BY payroll_id, line_no",
                        &[],
                    )
                })
                .expect("read");
            let got: Vec<(i64, i64, i64)> = rows
                .iter()
                .map(|r| (r.i64(0).unwrap(), r.i64(1).unwrap(), r.i64(2).unwrap()))
                .collect();
            assert_eq!(got, old.to_vec(), "{url}");
            let second = db.transaction(|tx| -> Result<u64> {
                tx.exec(
                    insert,
                    &[
                        Param::Text("140302"),
                        Param::Int(1),
                        Param::Int(4),
                        Param::Int(10),
                        Param::Int(1010),
                        Param::Date(month),
                    ],
                )
            });
            assert!(
                second.is_err(),
                "{url}: a second line for a person in one payroll"
            );
        }
    }
}

#[cfg(test)]
mod strict_reads_tests {
    use super::*;

    fn sqlite_file(tag: &str) -> (String, PathBuf) {
        let dir = std::env::temp_dir().join(format!("yanglao-store-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        (format!("sqlite://{}", dir.join("t.db").display()), dir)
    }

    /// NULL is never read as 0 or "": the plain accessors refuse it with E-DB-NULL, the `opt_`
    /// ones give `None`, row by row and streaming alike.
    #[test]
    fn null_is_an_error_unless_asked_for_as_optional() {
        let (urls, _scratch) = test_urls("yanglao_store_null");
        for url in urls {
            let mut db = Db::open(&url).expect("open");
            db.batch("CREATE TABLE n (a BIGINT, b TEXT)")
                .expect("table");
            db.transaction(|tx| tx.exec("INSERT INTO n (a, b) VALUES (NULL, NULL)", &[]))
                .expect("insert");
            let rows = db
                .transaction(|tx| tx.query("SELECT a, b FROM n", &[]))
                .expect("read");
            let r = &rows[0];
            assert_eq!(r.i64(0).unwrap_err().code(), "E-DB-NULL", "{url}");
            assert_eq!(r.str(1).unwrap_err().code(), "E-DB-NULL", "{url}");
            assert_eq!(r.opt_i64(0).unwrap(), None, "{url}");
            assert_eq!(r.opt_str(1).unwrap(), None, "{url}");
            let mut seen = 0;
            db.transaction(|tx| {
                tx.for_each_ref("SELECT a, b FROM n", &[], |r| {
                    assert_eq!(r.i64(0).unwrap_err().code(), "E-DB-NULL");
                    assert_eq!(r.str(1).unwrap_err().code(), "E-DB-NULL");
                    assert_eq!(r.opt_i64(0)?, None);
                    assert_eq!(r.opt_str(1)?, None);
                    seen += 1;
                    Ok(())
                })
            })
            .expect("stream");
            assert_eq!(seen, 1, "{url}");
            let e = db
                .transaction(|tx| tx.scalar_i64("SELECT MAX(a) FROM n", &[]))
                .unwrap_err();
            assert_eq!(e.code(), "E-DB-NULL", "{url}: an empty aggregate is no 0");
            assert!(e.to_string().contains("NULL"), "{e}");
        }
    }

    /// A row of a bulk insert with too few or too many values is refused in every build, on both
    /// backends, and nothing is written.
    #[test]
    fn a_bulk_row_of_the_wrong_width_is_refused() {
        let (urls, _scratch) = test_urls("yanglao_store_width");
        for url in urls {
            let mut db = Db::open(&url).expect("open");
            db.batch("CREATE TABLE w (a BIGINT, b TEXT)")
                .expect("table");
            for width in [1usize, 3] {
                let items: Vec<i64> = (0..200).collect();
                let e = db
                    .transaction(|tx| {
                        tx.insert_many(
                            "w",
                            &[("a", ColType::Int), ("b", ColType::Text)],
                            &items,
                            |n, row| {
                                row.push(Param::Int(*n));
                                // The last row is the wrong width.
                                if *n == 199 {
                                    row.extend(std::iter::repeat_n(Param::Text("x"), width - 1));
                                } else {
                                    row.push(Param::Text("x"));
                                }
                            },
                        )
                    })
                    .expect_err("wrong width");
                assert!(e.to_string().contains("应为 2 个"), "{url}: {e}");
            }
            let n = db
                .transaction(|tx| tx.scalar_i64("SELECT COUNT(*) FROM w", &[]))
                .unwrap();
            assert_eq!(n, 0, "{url}");
        }
    }

    /// A read transaction sees one snapshot: what another connection commits meanwhile is not
    /// seen until it ends; on SQLite it reads while another connection holds the write lock.
    #[test]
    fn a_read_transaction_is_one_snapshot_and_takes_no_write_lock() {
        let (mut urls, _scratch) = test_urls("yanglao_store_snapshot");
        let (file, dir) = sqlite_file("snapshot");
        urls[0] = file;
        for url in urls {
            let mut a = Db::open(&url).expect("open");
            a.batch("CREATE TABLE s (n BIGINT)").expect("table");
            let mut b = Db::open(&url).expect("open second");
            let count = |tx: &mut Tx<'_>| tx.scalar_i64("SELECT COUNT(*) FROM s", &[]);
            let (before, after) = a
                .read_transaction(|tx| -> Result<(i64, i64)> {
                    let before = count(tx)?;
                    b.transaction(|w| w.exec("INSERT INTO s (n) VALUES (1)", &[]))?;
                    Ok((before, count(tx)?))
                })
                .expect("snapshot");
            assert_eq!((before, after), (0, 0), "{url}");
            assert_eq!(a.read_transaction(count).unwrap(), 1, "{url}");
            if url.starts_with("sqlite") {
                // Another connection holds the write lock: reads go on.
                b.transaction(|_w| -> Result<()> {
                    let mut c = Db::open(&url)?;
                    assert_eq!(c.read_transaction(count)?, 1);
                    Ok(())
                })
                .expect("read beside a writer");
            }
        }
        let _ = std::fs::remove_dir_all(dir);
    }

    /// `migrate` releases its advisory lock on PostgreSQL when it fails, so the next command
    /// does not wait for ever; and on a current schema it takes no write lock (SQLite).
    #[test]
    fn migrate_releases_its_lock_on_error_and_reads_a_current_schema() {
        let (file, dir) = sqlite_file("migrate");
        let mut db = Db::open(&file).expect("open");
        db.migrate().expect("migrate");
        let mut writer = Db::open(&file).expect("writer");
        writer
            .transaction(|_w| -> Result<()> {
                let mut other = Db::open(&file)?;
                assert_eq!(other.migrate()?, Vec::<i64>::new());
                Ok(())
            })
            .expect("migrate beside a writer");
        let _ = std::fs::remove_dir_all(dir);

        let Some(admin) = std::env::var("YANGLAO_TEST_PG_URL").ok() else {
            return;
        };
        let scratch = ScratchPg::create(&admin, "yanglao_store_lock").expect("scratch");
        let mut db = Db::open(&scratch.url).expect("open");
        // A type of the table's name makes creating the migrations table fail.
        db.batch("CREATE TYPE schema_migrations AS (x INT)")
            .expect("type");
        assert!(db.migrate().is_err());
        let mut other = Db::open(&scratch.url).expect("other");
        let free = other
            .transaction(|tx| {
                tx.query("SELECT pg_try_advisory_lock(7477221)", &[])
                    .map(|r| r[0].bool(0))
            })
            .expect("try lock")
            .expect("bool");
        assert!(free, "the advisory lock was released");
        other
            .batch("SELECT pg_advisory_unlock(7477221)")
            .expect("unlock");
    }
}

#[cfg(test)]
mod failure_message_tests {
    use super::*;

    /// The message of an error that must be one of the common failures: its code, a Chinese
    /// sentence first and the library's text only as the detail after it.
    fn common(e: &StoreError, code: &str, says: &str) -> String {
        assert_eq!(e.code(), code, "{e}");
        let text = e.to_string();
        assert!(text.starts_with(&format!("[{code}] ")), "{text}");
        assert!(text.contains(says), "{text}");
        let (sentence, detail) = text
            .split_once("（详情：")
            .unwrap_or_else(|| panic!("no detail: {text}"));
        assert!(!detail.is_empty(), "{text}");
        // What a person reads before the detail: no words of the library (addresses and paths
        // aside).
        let words: Vec<&str> = sentence[code.len() + 2..]
            .split(|c: char| c.is_whitespace() || !c.is_ascii())
            .filter(|t| !t.contains('/') && !t.contains('@'))
            .flat_map(|t| t.split(|c: char| !c.is_ascii_alphabetic()))
            .filter(|w| w.len() > 1 && !["SQLite", "PostgreSQL"].contains(w))
            .collect();
        assert!(
            words.is_empty(),
            "English outside the detail: {words:?} in {text}"
        );
        text
    }

    fn scratch_dir(tag: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("yanglao-store-fail-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn sqlite_failures_are_said_in_chinese() {
        let dir = scratch_dir("sqlite");
        // A directory that cannot be made: its parent is a file.
        std::fs::write(dir.join("file"), "x").unwrap();
        let url = format!(
            "sqlite://{}",
            dir.join("file").join("sub").join("t.db").display()
        );
        let e = Db::open(&url).err().expect("no database under a file");
        let text = common(&e, "E-DB-OPEN", "无法打开数据库文件");
        assert!(
            text.contains(&dir.join("file").display().to_string()),
            "{text}"
        );

        // A file that is no database.
        std::fs::write(
            dir.join("notes.db"),
            "这不是数据库，只是一段文字。".repeat(40),
        )
        .unwrap();
        let e = Db::open(&format!("sqlite://{}", dir.join("notes.db").display()))
            .err()
            .expect("not a database");
        common(&e, "E-DB-NOT-DB", "不是 SQLite 数据库");

        // A database another connection is writing to, for longer than this one waits.
        let file = format!("sqlite://{}", dir.join("t.db").display());
        let mut a = Db::open(&file).expect("open");
        a.batch("CREATE TABLE t (n BIGINT)").expect("table");
        let mut b = Db::open(&file).expect("open second");
        if let Conn::Sqlite(c) = &b.conn {
            c.busy_timeout(std::time::Duration::ZERO).unwrap();
        }
        let busy = a
            .transaction(|w| -> Result<StoreError> {
                w.exec("INSERT INTO t (n) VALUES (1)", &[])?;
                Ok(
                    b.transaction(|w| w.exec("INSERT INTO t (n) VALUES (2)", &[]))
                        .expect_err("the write lock is taken"),
                )
            })
            .expect("first writer");
        common(&busy, "E-DB-BUSY", "请稍后重试");

        // A connection that may only read.
        b.batch("PRAGMA query_only = ON").unwrap();
        let e = b
            .transaction(|w| w.exec("INSERT INTO t (n) VALUES (3)", &[]))
            .expect_err("read only");
        common(&e, "E-DB-READONLY", "数据库只读");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn unusable_addresses_are_refused_in_chinese_without_their_password() {
        let e = Db::open("mysql://user:s3cret@host/db")
            .err()
            .expect("unknown scheme");
        assert_eq!(e.code(), "E-DB-URL");
        assert!(!e.to_string().contains("s3cret"), "{e}");
        let e = Db::open("postgres://user:s3cret@host:notaport/db")
            .err()
            .expect("bad port");
        let text = common(&e, "E-DB-URL", "无法解析");
        assert!(!text.contains("s3cret"), "{text}");
    }

    /// Nothing listens on port 1: the connection is refused.
    #[test]
    fn a_closed_port_is_said_in_chinese() {
        let e = Db::open("postgres://postgres:s3cret@127.0.0.1:1/test")
            .err()
            .expect("nothing listens on port 1");
        let text = common(&e, "E-DB-CONNECT", "连接被拒绝");
        assert!(
            text.contains("无法打开数据库 postgres://postgres:***@127.0.0.1:1/test"),
            "{text}"
        );
        assert!(!text.contains("s3cret"), "{text}");
    }

    #[test]
    fn postgres_refusals_are_said_in_chinese() {
        let Some(admin) = std::env::var("YANGLAO_TEST_PG_URL").ok() else {
            return;
        };
        let e = Db::open(&pg_url_with_database(&admin, "yanglao_no_such_database"))
            .err()
            .expect("no such database");
        common(&e, "E-DB-MISSING", "没有这个数据库");
        let (scheme, rest) = admin.split_once("://").unwrap();
        let host = rest.split_once('@').map_or(rest, |(_, h)| h);
        let e = Db::open(&format!("{scheme}://yanglao_no_such_role@{host}"))
            .err()
            .expect("no such role");
        common(&e, "E-DB-AUTH", "拒绝登录");
        let scratch = ScratchPg::create(&admin, "yanglao_store_ro").expect("scratch");
        let mut db = Db::open(&scratch.url).expect("open");
        db.batch("SET default_transaction_read_only = on").unwrap();
        let e = db
            .batch("CREATE TABLE t (n BIGINT)")
            .expect_err("read only");
        common(&e, "E-DB-READONLY", "只读");
    }
}

#[cfg(test)]
mod tls_connection_tests {
    use super::*;

    /// The server's TLS as the test authority set it up (`.ci/pg-tls`): its address with the
    /// host written as `host`, and the folder of the certificates.
    fn server(host: &str) -> Option<(String, String)> {
        let url = std::env::var("YANGLAO_TEST_PG_URL").ok();
        let dir = std::env::var("YANGLAO_TEST_PG_TLS").ok();
        match (url, dir) {
            (Some(url), Some(dir)) => Some((url.replace("127.0.0.1", host), dir)),
            _ => {
                use std::io::Write;
                let _ = std::io::stderr().write_all(
                    b"\n*** PostgreSQL TLS tests DID NOT RUN (YANGLAO_TEST_PG_URL or YANGLAO_TEST_PG_TLS unset; .ci/pg-tls sets up the server) ***\n",
                );
                None
            }
        }
    }

    fn with(url: &str, params: &str) -> String {
        format!("{url}{}{params}", if url.contains('?') { '&' } else { '?' })
    }

    fn encrypted(db: &mut Db) -> bool {
        let Conn::Postgres(c) = &mut db.conn else {
            panic!("PostgreSQL")
        };
        c.query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .unwrap()
        .get(0)
    }

    #[test]
    fn each_sslmode_encrypts_and_checks_as_it_says() {
        let Some((by_name, dir)) = server("localhost") else {
            return;
        };
        let (by_ip, _) = server("127.0.0.1").unwrap();
        let ca = format!("sslrootcert={dir}/ca.crt");
        let other = format!("sslrootcert={dir}/other-ca.crt");

        let mut plain = Db::open(&by_ip).unwrap();
        assert!(!encrypted(&mut plain), "no sslmode: plain, as before");
        let mut d = Db::open(&with(&by_ip, "sslmode=disable")).unwrap();
        assert!(!encrypted(&mut d));
        for mode in ["sslmode=prefer", "sslmode=require"] {
            let mut d = Db::open(&with(&by_ip, mode)).unwrap();
            assert!(encrypted(&mut d), "{mode}");
        }
        // The server's certificate names localhost, from the test authority.
        let mut d = Db::open(&with(&by_name, &format!("sslmode=verify-full&{ca}"))).unwrap();
        assert!(encrypted(&mut d));
        let mut d = Db::open(&with(&by_ip, &format!("sslmode=verify-ca&{ca}"))).unwrap();
        assert!(encrypted(&mut d), "verify-ca does not check the name");

        let refused = |url: String, says: &str| {
            let e = Db::open(&url).err().expect("refused");
            assert_eq!(e.code(), "E-DB-TLS", "{url}: {e}");
            assert!(e.to_string().contains(says), "{url}: {e}");
            assert!(!e.to_string().contains("password"), "{e}");
        };
        refused(
            with(&by_ip, &format!("sslmode=verify-full&{ca}")),
            "主机名不符",
        );
        refused(
            with(&by_name, &format!("sslmode=verify-full&{other}")),
            "不是由 sslrootcert 中的机构签发",
        );
        refused(
            with(&by_name, &format!("sslmode=verify-ca&{other}")),
            "不是由 sslrootcert 中的机构签发",
        );
        // `require` with a root certificate checks the chain, as PostgreSQL's own client does.
        refused(
            with(&by_name, &format!("sslmode=require&{other}")),
            "不是由 sslrootcert 中的机构签发",
        );
        refused(
            with(
                &by_name,
                "sslmode=verify-full&sslrootcert=/nonexistent/ca.pem",
            ),
            "文件不存在",
        );
        // Other parameters of the address still reach the library.
        let mut d = Db::open(&with(
            &by_name,
            &format!("application_name=yanglao_tls&sslmode=verify-full&{ca}"),
        ))
        .unwrap();
        let Conn::Postgres(c) = &mut d.conn else {
            unreachable!()
        };
        let name: String = c.query_one("SHOW application_name", &[]).unwrap().get(0);
        assert_eq!(name, "yanglao_tls");
    }
}
