//! What every command shares: the global options, opening the database as the acting account,
//! reading a named file for an import, the error a command ends with, and parsing dates. The
//! area files (`payroll_cli.rs`, `deaths_cli.rs`, …) use this; `cli.rs` dispatches to them and
//! nothing imports back from it.

use chrono::NaiveDate;
use clap::Args;
use yanglao_ops::{Ctx, OpsError};
use yanglao_policy::PolicySet;
use yanglao_store::Db;

/// The options every command takes.
#[derive(Args)]
pub struct Global {
    /// 数据库地址：sqlite://文件路径（默认）或 postgres://用户@主机:端口/数据库名
    #[arg(
        long,
        global = true,
        env = "YANGLAO_DB",
        hide_env_values = true,
        value_name = "URL",
        default_value = "sqlite://yanglao.db"
    )]
    pub db: String,
    /// 以此账号办理（须为已启用的账号，其角色和县区决定可办理的业务；不指定时为服务器上的系统账号）
    #[arg(
        long = "by",
        global = true,
        env = "YANGLAO_USER",
        hide_env_values = true,
        value_name = "USER"
    )]
    pub by: Option<String>,
    /// 以 JSON 格式输出，供程序读取
    #[arg(long, global = true)]
    pub json: bool,
    /// 在标准错误输出更多运行日志
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

/// A failure with its stable code.
pub struct CliError {
    pub code: String,
    pub message: String,
}

impl From<OpsError> for CliError {
    fn from(e: OpsError) -> Self {
        let code = e.code();
        let message = match &e {
            OpsError::Rule { message, .. } => message.clone(),
            OpsError::File(f) => format!("文件 {}：{}", f.file, f.message),
            // The store's messages begin with their code, which is printed beside them once.
            other => {
                let text = other.to_string();
                text.strip_prefix(&format!("[{code}] "))
                    .map(str::to_string)
                    .unwrap_or(text)
            }
        };
        CliError {
            code: code.to_string(),
            message,
        }
    }
}

impl From<yanglao_store::StoreError> for CliError {
    fn from(e: yanglao_store::StoreError) -> Self {
        OpsError::from(e).into()
    }
}

impl From<yanglao_policy::PolicyLoadError> for CliError {
    fn from(e: yanglao_policy::PolicyLoadError) -> Self {
        CliError {
            code: e.code().to_string(),
            message: e.to_string(),
        }
    }
}

pub(crate) fn err(code: &str, message: impl Into<String>) -> CliError {
    CliError {
        code: code.to_string(),
        message: message.into(),
    }
}

pub(crate) type Res = Result<i32, CliError>;

/// The source of the bundled illustrative supplementary policy and its file name (benchmarks
/// and `init --illustrative-policy`).
pub(crate) const BUNDLED_POLICY: (&str, &str) = (
    yanglao_policy::SHANXI_SUPPLEMENTARY,
    "policies/shanxi-supplementary.toml",
);

/// The supplementary policy the simulator starts from: the database's latest version when the
/// database exists and holds one, else the bundled illustrative file.
pub(crate) fn stored_or_bundled_policy(cli: &Global) -> Result<PolicySet, CliError> {
    let exists = match cli.db.strip_prefix("sqlite://") {
        Some(path) => std::path::Path::new(path).exists(),
        None => true,
    };
    if exists {
        let ctx = open(cli)?;
        if let Some(v) = ctx.policy.latest() {
            return Ok(v.set.clone());
        }
    }
    Ok(yanglao_policy::default_supplementary())
}

/// A file named on the command line, read for an import.
pub(crate) fn upload(
    path: &std::path::Path,
) -> Result<yanglao_ops::imports::table::Upload, CliError> {
    Ok(yanglao_ops::imports::table::Upload::read(path).map_err(OpsError::from)?)
}

/// Where a file named on the command line goes: a [`yanglao_ops::files::FolderSink`] on its
/// folder, and its name there.
pub(crate) fn file_sink(
    path: &std::path::Path,
) -> Result<(yanglao_ops::files::FolderSink, String), CliError> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| err("E-IO", format!("输出文件路径无效：{}", path.display())))?;
    let dir = path.parent().unwrap_or(std::path::Path::new(""));
    Ok((yanglao_ops::files::FolderSink::new(dir), name.to_string()))
}

pub(crate) fn open(cli: &Global) -> Result<Ctx, CliError> {
    let mut db = Db::open(&cli.db)?;
    let applied = db.migrate()?;
    if !applied.is_empty() {
        tracing::info!("数据库 {} 已升级到结构版本 {:?}", db.display_url(), applied);
    }
    // The named account (refused when unknown or disabled), else the system account.
    Ok(match &cli.by {
        Some(name) => Ctx::open_as(db, name)?,
        None => Ctx::system(db)?,
    })
}

pub(crate) fn parse_date_or_today(d: Option<&str>) -> Result<NaiveDate, CliError> {
    match d {
        Some(d) => yanglao_domain::parse_date(d).map_err(|e| err(e.code, e.message)),
        None => Ok(chrono::Local::now().date_naive()),
    }
}

/// An optional date argument, as YYYY-MM-DD.
pub(crate) fn parse_opt_date(d: Option<&str>, arg: &str) -> Result<Option<NaiveDate>, CliError> {
    d.map(|d| {
        yanglao_domain::parse_date(d).map_err(|e| err(e.code, format!("{arg}：{}", e.message)))
    })
    .transpose()
}

pub(crate) fn parse_month(s: &str) -> Result<yanglao_domain::Month, CliError> {
    yanglao_domain::Month::parse(s).map_err(|e| err(e.code, e.message))
}
