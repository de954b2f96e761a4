//! `yanglao init` and `yanglao policy …`: the database's structure and the policy versions it
//! keeps.

use crate::context::{err, open, Global, Res, BUNDLED_POLICY};
use crate::output;
use chrono::NaiveDate;
use clap::Subcommand;
use std::path::PathBuf;
use yanglao_ops::OpsError;
use yanglao_store::Db;

#[derive(Subcommand)]
pub enum PolicyCmd {
    /// 检查政策参数文件，列出每个问题及其行号（不载入）
    Check {
        /// 政策参数文件（TOML）
        file: PathBuf,
    },
    /// 把政策参数文件作为一个新版本存入数据库，自某日起适用
    Load {
        /// 政策参数文件（TOML）
        file: PathBuf,
        /// 适用起始日期。第 1 版默认取文件中最早的完整日期，并适用于此前的一切业务；此后的新版本必须给出，且须晚于每笔已入账的业务
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: Option<String>,
    },
    /// 显示某地区在某日适用的政策参数（取自数据库）
    Show {
        /// 地区代码（6 位行政区划代码）
        #[arg(long, value_name = "CODE")]
        region: String,
        /// 日期
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: String,
    },
    /// 数据库中的每一版政策参数：适用日期、内容摘要、载入人与载入时间
    History,
}

pub fn policy(cli: &Global, cmd: &PolicyCmd) -> Res {
    match cmd {
        PolicyCmd::Check { file } => policy_check(cli, file),
        PolicyCmd::Load { file, from } => policy_load(cli, file, from.as_deref()),
        PolicyCmd::History => policy_history(cli),
        PolicyCmd::Show { region, date } => policy_show(cli, region, date),
    }
}

pub fn init(cli: &Global, illustrative_policy: bool, distributed: bool) -> Res {
    let mut db = Db::open(&cli.db)?;
    // On a Citus coordinator the schema is distributed as it is created; `--distributed` insists
    // on a coordinator (and distributes what an interrupted run left local).
    let applied = db.migrate()?;
    let distribution = if distributed || yanglao_store::citus::is_coordinator(&mut db)? {
        Some(yanglao_store::citus::distribute(&mut db)?)
    } else {
        None
    };
    let mut loaded = None;
    if illustrative_policy {
        let actor = "system";
        loaded = db.transaction(|tx| {
            if yanglao_ops::policy::PolicyBook::read(tx)?.is_empty() {
                let (source, file) = BUNDLED_POLICY;
                Ok::<_, OpsError>(Some(yanglao_ops::policy::load(
                    tx, source, file, None, actor,
                )?))
            } else {
                Ok(None)
            }
        })?;
    }
    if cli.json {
        output::json(
            &serde_json::json!({"ok": true, "db": db.display_url(), "applied_migrations": applied, "policy_loaded": loaded,
                "distributed": distribution.as_ref().map(|d| &d.distributed), "reference": distribution.as_ref().map(|d| &d.reference),
                "unkept_keys": distribution.as_ref().map(|d| &d.unkept_keys)}),
        );
    } else {
        if applied.is_empty() {
            println!("数据库 {} 已是最新结构，无需迁移。", db.display_url());
        } else {
            println!(
                "数据库 {} 已创建或升级（迁移 {}）。",
                db.display_url(),
                applied
                    .iter()
                    .map(|v| v.to_string())
                    .collect::<Vec<_>>()
                    .join("、")
            );
        }
        match &loaded {
            Some(l) => println!(
                "已载入系统自带的示意政策参数“{}”为第 {} 版，自 {} 起适用。",
                l.name, l.version, l.applies_from
            ),
            None if illustrative_policy => {
                println!("数据库中已有政策参数，未载入示意参数（用 yanglao policy history 查看）。")
            }
            None => {}
        }
    }
    Ok(0)
}

fn policy_show(cli: &Global, region: &str, date: &str) -> Res {
    let ctx = open(cli)?;
    let date = NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .map_err(|_| err("E-DATE-FORMAT", format!("日期“{date}”应为 YYYY-MM-DD")))?;
    let version = ctx
        .policy
        .version_on(date)
        .map_err(|e| err(e.code(), e.to_string()))?;
    let params = version
        .set
        .supplementary(region, date)
        .map_err(|e| err(e.code(), e.to_string()))?;
    let v = serde_json::to_value(&params).map_err(|e| err("E-INTERNAL", e.to_string()))?;
    if cli.json {
        output::json(&serde_json::json!({"version": version.info(), "params": v}));
    } else {
        println!(
            "第 {} 版政策参数“{}”（{}，自 {} 起适用，{} 于 {} 载入）{} 在 {date} 的参数：",
            version.version,
            version.name,
            if version.illustrative {
                "示意参数"
            } else {
                "正式参数"
            },
            version.applies_from,
            version.loaded_by,
            version.loaded_at,
            region
        );
        if let serde_json::Value::Object(m) = &v {
            for (k, val) in m {
                println!("  {k} = {val}");
            }
        }
    }
    Ok(0)
}

fn policy_check(cli: &Global, file: &PathBuf) -> Res {
    let source = std::fs::read_to_string(file).map_err(|e| {
        err(
            "E-POLICY-IO",
            format!(
                "无法读取 {}：{}",
                file.display(),
                yanglao_domain::io_error_zh(&e)
            ),
        )
    })?;
    let problems = yanglao_policy::check_str(&source);
    let errors = problems
        .iter()
        .filter(|p| p.severity == yanglao_policy::Severity::Error)
        .count();
    if cli.json {
        output::json(
            &serde_json::json!({"file": file.display().to_string(), "ok": errors == 0, "problems": problems}),
        );
    } else {
        for p in &problems {
            println!("{}:{}", file.display(), p);
        }
        if errors == 0 {
            println!(
                "{}：检查通过（{} 条警告）。",
                file.display(),
                problems.len()
            );
        } else {
            println!(
                "{}：{} 处错误，{} 条警告。",
                file.display(),
                errors,
                problems.len() - errors
            );
        }
    }
    Ok(if errors == 0 { 0 } else { 1 })
}

fn policy_load(cli: &Global, file: &PathBuf, from: Option<&str>) -> Res {
    let source = std::fs::read_to_string(file).map_err(|e| {
        err(
            "E-POLICY-IO",
            format!("无法读取政策参数文件 {}：{}", file.display(), io_zh(&e)),
        )
    })?;
    let from = from
        .map(|d| {
            yanglao_domain::parse_date(d).map_err(|e| err(e.code, format!("--from：{}", e.message)))
        })
        .transpose()?;
    let mut ctx = open(cli)?;
    let name = file.display().to_string();
    let o = yanglao_ops::policy::load_version(&mut ctx, &source, &name, from)?;
    if cli.json {
        output::json(&o);
    } else {
        for w in &o.warnings {
            println!("{w}");
        }
        if o.already_loaded {
            println!(
                "{name} 与现行第 {} 版政策参数内容相同，未重复载入。",
                o.version
            );
        } else {
            println!(
                "已载入 {name} 为第 {} 版政策参数“{}”（{}），自 {} 起适用；此后的记账与核定都按它执行。",
                o.version,
                o.name,
                if o.illustrative { "示意参数" } else { "正式参数" },
                o.applies_from
            );
        }
    }
    Ok(0)
}

fn policy_history(cli: &Global) -> Res {
    let ctx = open(cli)?;
    let versions: Vec<yanglao_ops::policy::VersionInfo> =
        ctx.policy.versions().iter().map(|v| v.info()).collect();
    if cli.json {
        output::json(&versions);
    } else if versions.is_empty() {
        println!("数据库中没有政策参数：请用 yanglao policy load 文件 载入。");
    } else {
        println!("版本  适用日期     名称  类别  内容摘要(SHA-256)  载入人  载入时间  文件");
        for v in &versions {
            println!(
                "{:>4}  {}  {}  {}  {}…  {}  {}  {}",
                v.version,
                v.applies_from,
                v.name,
                if v.illustrative {
                    "示意参数"
                } else {
                    "正式参数"
                },
                &v.sha256[..16],
                v.loaded_by,
                v.loaded_at,
                v.file_name
            );
        }
    }
    Ok(0)
}

/// A file error as a user reads it.
fn io_zh(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "文件不存在".into(),
        std::io::ErrorKind::PermissionDenied => "没有读取权限".into(),
        std::io::ErrorKind::InvalidData => "不是 UTF-8 编码的文本".into(),
        _ => format!(
            "读取失败（系统错误 {}）",
            e.raw_os_error().unwrap_or_default()
        ),
    }
}
