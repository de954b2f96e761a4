//! `yanglao person list`, `payroll lines`, `audit log` and `audit imports`: the paged lists the
//! staff pages show, on the command line (wiring and printing).

use crate::context::{open, CliError, Global};
use crate::output;
use clap::{Args, Subcommand};
use serde::Serialize;
use yanglao_ops::reads::{self, Filter, Page, PageRequest};

/// Which page of a list.
#[derive(Args, Clone)]
pub struct PageArgs {
    /// 页码（从 1 起）
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub page: i64,
    /// 每页条数（1 至 500）
    #[arg(long = "per-page", default_value_t = 50, value_name = "N")]
    pub per_page: i64,
}

impl PageArgs {
    fn request(&self) -> PageRequest {
        PageRequest {
            page: self.page,
            per_page: self.per_page,
        }
    }
}

#[derive(Subcommand)]
pub enum AuditCmd {
    /// 审计日志（新的在前）：市级管理员查看全部，其他账号查看自己的记录
    Log {
        /// 操作（部分匹配，如 payroll.）
        #[arg(long, value_name = "ACTION")]
        action: Option<String>,
        /// 账号或内容中含有的文字
        #[arg(long, value_name = "TEXT")]
        text: Option<String>,
        /// 办理账号
        #[arg(long, value_name = "USER")]
        account: Option<String>,
        /// 涉及的县区代码
        #[arg(long, value_name = "CODE")]
        county: Option<String>,
        /// 起始日期（含）
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: Option<String>,
        /// 截止日期（含）
        #[arg(long, value_name = "YYYY-MM-DD")]
        to: Option<String>,
        /// 不列出，把筛选出的记录导出到此 xlsx 文件
        #[arg(long, value_name = "FILE")]
        xlsx: Option<std::path::PathBuf>,
        #[command(flatten)]
        page: PageArgs,
    },
    /// 导入记录（新的在前）：县区账号查看自己导入的文件
    Imports {
        /// 导入类型（如 persons、contributions、bank-return）
        #[arg(long, value_name = "KIND")]
        kind: Option<String>,
        /// 文件名或账号中含有的文字
        #[arg(long, value_name = "TEXT")]
        text: Option<String>,
        #[command(flatten)]
        page: PageArgs,
    },
}

fn footer<T: Serialize>(p: &Page<T>) {
    println!(
        "第 {} 页，共 {} 页，{} 条（每页 {} 条）",
        p.page,
        p.pages.max(1),
        p.total,
        p.per_page
    );
}

/// `person list`.
pub fn people(
    cli: &Global,
    county: Option<&str>,
    status: Option<&str>,
    text: Option<&str>,
    page: &PageArgs,
) -> Result<i32, CliError> {
    let mut ctx = open(cli)?;
    let f = Filter {
        county: county.map(str::to_string),
        status: status.map(str::to_string),
        text: text.map(str::to_string),
        ..Filter::default()
    };
    let p = reads::people(&mut ctx, &f, page.request())?;
    if cli.json {
        output::json(&p);
        return Ok(0);
    }
    for i in &p.items {
        println!(
            "  {} {} {} {} {}{}",
            i.county,
            yanglao_domain::county_name(&i.county).unwrap_or(""),
            i.citizen_id,
            i.name,
            i.birth_date,
            i.status
                .as_deref()
                .map(|s| {
                    let zh = yanglao_ops::register::status::Decision::parse(s)
                        .map_or(s, |d| d.label_zh());
                    format!("（{zh}）")
                })
                .unwrap_or_default()
        );
    }
    footer(&p);
    Ok(0)
}

/// `payroll lines ID`.
pub fn lines(
    cli: &Global,
    id: i64,
    status: Option<&str>,
    text: Option<&str>,
    page: &PageArgs,
) -> Result<i32, CliError> {
    let mut ctx = open(cli)?;
    // The status as the help says it (待回盘、已发放、发放失败), or its code.
    let status = status.map(|s| {
        match s.trim() {
            "待回盘" => "pending",
            "已发放" => "paid",
            "发放失败" | "失败" => "failed",
            other => other,
        }
        .to_string()
    });
    let f = Filter {
        status,
        text: text.map(str::to_string),
        ..Filter::default()
    };
    let p = reads::payroll_lines(&mut ctx, id, &f, page.request())?;
    if cli.json {
        output::json(&p);
        return Ok(0);
    }
    for l in &p.items {
        println!(
            "  {:>6} {} {} {} 至 {}（{} 个月） {} {} {}{}",
            l.line_no,
            l.citizen_id,
            l.name,
            l.from_month,
            l.to_month,
            l.months,
            output::yuan(l.total_fen),
            l.bank_name,
            yanglao_ops::payroll::line_status_zh(&l.status),
            l.fail_reason
                .as_deref()
                .map(|r| format!("：{r}"))
                .unwrap_or_default()
        );
    }
    footer(&p);
    Ok(0)
}

pub fn audit(cli: &Global, cmd: &AuditCmd) -> Result<i32, CliError> {
    let mut ctx = open(cli)?;
    match cmd {
        AuditCmd::Log {
            action,
            text,
            account,
            county,
            from,
            to,
            xlsx,
            page,
        } => {
            let f = Filter {
                status: action.clone(),
                text: text.clone(),
                account: account.clone(),
                county: county.clone(),
                from: crate::context::parse_opt_date(from.as_deref(), "--from")?,
                to: crate::context::parse_opt_date(to.as_deref(), "--to")?,
                ..Filter::default()
            };
            if let Some(path) = xlsx {
                let (bytes, n) = reads::audit_workbook(&mut ctx, &f)?;
                std::fs::write(path, bytes).map_err(|e| {
                    crate::context::err(
                        "E-IO",
                        format!(
                            "无法写入 {}：{}",
                            path.display(),
                            yanglao_domain::io_error_zh(&e)
                        ),
                    )
                })?;
                if cli.json {
                    output::json(
                        &serde_json::json!({"file": path.display().to_string(), "entries": n}),
                    );
                } else {
                    println!("已导出 {n} 条审计记录：{}", path.display());
                }
                return Ok(0);
            }
            let p = reads::audit_log(&mut ctx, &f, page.request())?;
            if cli.json {
                output::json(&p);
                return Ok(0);
            }
            for a in &p.items {
                println!(
                    "  #{} {} {} {}（{}） {}",
                    a.audit_id,
                    a.at,
                    output::who(&a.actor),
                    a.action,
                    a.address,
                    a.detail
                );
            }
            footer(&p);
        }
        AuditCmd::Imports { kind, text, page } => {
            let f = Filter {
                status: kind.clone(),
                text: text.clone(),
                ..Filter::default()
            };
            let p = reads::imports(&mut ctx, &f, page.request())?;
            if cli.json {
                output::json(&p);
                return Ok(0);
            }
            for i in &p.items {
                println!(
                    "  #{} {} {} {}：{} 行，新增 {}，跳过 {}（{}，{}）",
                    i.import_id,
                    i.imported_at,
                    yanglao_ops::imports::problems::import_kind_zh(&i.kind),
                    i.file_name,
                    i.row_count,
                    i.posted,
                    i.skipped,
                    output::who(&i.imported_by),
                    i.kind
                );
            }
            footer(&p);
        }
    }
    Ok(0)
}
