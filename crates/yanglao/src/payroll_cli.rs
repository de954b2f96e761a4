//! `yanglao awards …` and `payroll …`: wiring and printing.

use crate::context::{open, parse_month, CliError, Global, Res};
use clap::Subcommand;
use std::path::PathBuf;

use crate::output;
use yanglao_domain::county_name;
use yanglao_ops::payroll::{self, status_zh, Kind, Summary};

/// Progress on stderr (crate::progress): a bar at a terminal, a line every few seconds elsewhere,
/// nothing for programs (`--json`).
pub fn progress_bar(cli: &Global, label: &str) -> crate::progress::Progress {
    crate::progress::Progress::new(cli.json, label)
}

fn print_summary(s: &Summary) {
    let excluded: Vec<String> = s
        .excluded
        .iter()
        .map(|(reason, n)| {
            let label = match reason.as_str() {
                "suspended" => "暂停",
                "deceased" => "死亡",
                "terminated" => "终止",
                "uncertified" => "未认证",
                "no_bank_account" => "无银行账号",
                other => other,
            };
            format!("{label} {n} 人")
        })
        .collect();
    println!(
        "  批次 {}：{} {} {} {}{}，{} 人，合计 {}，状态 {}，生成 {}{}{}",
        s.id,
        s.county,
        county_name(&s.county).unwrap_or(""),
        s.month,
        if s.kind == "regular" {
            "正常发放"
        } else {
            "补发"
        },
        if s.kind == "regular" {
            String::new()
        } else {
            format!("第 {} 次", s.seq)
        },
        s.lines,
        output::yuan(s.total_fen),
        status_zh(&s.status),
        output::who(&s.run_by),
        s.approved_by
            .as_deref()
            .map(|a| format!("，审核 {}", output::who(a)))
            .unwrap_or_default(),
        if excluded.is_empty() {
            String::new()
        } else {
            format!("；未纳入：{}", excluded.join("，"))
        }
    );
}

// Long because: one short arm per subcommand, a flat dispatch.
pub fn run(cli: &Global, cmd: &PayrollCmd) -> Result<i32, CliError> {
    let mut ctx = open(cli)?;
    match cmd {
        PayrollCmd::Run {
            month,
            county,
            supplementary,
        } => payroll_run(cli, &mut ctx, month, county.as_deref(), *supplementary),
        PayrollCmd::Lines {
            id,
            status,
            text,
            page,
        } => crate::lists_cli::lines(cli, *id, status.as_deref(), text.as_deref(), page),
        PayrollCmd::List { month } => {
            let month = month.as_deref().map(parse_month).transpose()?;
            let list = payroll::list(&mut ctx, month)?;
            if cli.json {
                output::json(&list);
            } else {
                if list.is_empty() {
                    println!("没有发放批次。");
                }
                for s in &list {
                    print_summary(s);
                }
            }
            Ok(0)
        }
        PayrollCmd::Check { id, threshold_pct } => {
            let anomalies = payroll::check(&mut ctx, *id, *threshold_pct)?;
            if cli.json {
                output::json(&anomalies);
            } else {
                println!("发放批次 {id} 审核前检查：{} 项异常。", anomalies.len());
                for a in &anomalies {
                    println!(
                        "  [{}] {}{} {}",
                        a.code,
                        a.line_no.map(|l| format!("第 {l} 笔 ")).unwrap_or_default(),
                        a.citizen_id,
                        a.message
                    );
                }
            }
            Ok(0)
        }
        PayrollCmd::Approve { id } => {
            let s = payroll::approve(&mut ctx, *id)?;
            if cli.json {
                output::json(&s);
            } else {
                println!("发放批次 {id} 已审核。");
                print_summary(&s);
            }
            Ok(0)
        }
        PayrollCmd::Refresh { id } => {
            let r = payroll::refresh(&mut ctx, *id)?;
            print_refresh(cli, *id, &r);
            Ok(0)
        }
        PayrollCmd::Export { id, out } => {
            let bar = progress_bar(cli, "导出发放计划表");
            let o = yanglao_ops::payroll::export::export(
                &mut ctx,
                *id,
                &mut yanglao_ops::files::FolderSink::new(out),
                &|i, n| bar.update(None, i, n),
            )?;
            bar.finish_and_clear();
            if cli.json {
                output::json(&o);
            } else {
                println!(
                    "发放批次 {id}：{} 笔，合计 {}，已导出：",
                    o.lines,
                    output::yuan(o.total_fen)
                );
                for f in &o.files {
                    println!("  {f}");
                }
            }
            Ok(0)
        }
        PayrollCmd::Status { month } => {
            let month = parse_month(month)?;
            let today = chrono::Local::now().date_naive();
            let list = payroll::status(&mut ctx, month, today)?;
            if cli.json {
                output::json(&list);
            } else {
                println!("{month} 待遇发放进度（发放期限 {}）：", month.deadline());
                for c in &list {
                    let when = match c.paid_date {
                        Some(d) => format!("于 {d} 发放{}", if c.late { "，逾期" } else { "" }),
                        None if c.days_left >= 0 => format!("距期限还有 {} 天", c.days_left),
                        None => format!("已超过期限 {} 天", -c.days_left),
                    };
                    println!(
                        "  {} {}：{}，{when}",
                        c.county,
                        county_name(&c.county).unwrap_or(""),
                        status_zh(&c.state)
                    );
                }
            }
            Ok(0)
        }
    }
}

#[derive(Subcommand)]
pub enum PayrollCmd {
    /// 发放批次的明细（分页；可按状态、姓名或身份证号筛选）
    Lines {
        /// 发放批次编号
        id: i64,
        /// 状态：待回盘、已发放或发放失败
        #[arg(long, value_name = "STATUS")]
        status: Option<String>,
        /// 姓名或身份证号中含有的文字
        #[arg(long, value_name = "TEXT")]
        text: Option<String>,
        #[command(flatten)]
        page: crate::lists_cli::PageArgs,
    },
    /// 按县区生成该月的发放批次草稿（已有时报告现有批次）
    Run {
        /// 月份
        #[arg(long, value_name = "YYYY-MM")]
        month: String,
        /// 县区代码（默认：全部县区）
        #[arg(long, value_name = "CODE")]
        county: Option<String>,
        /// 补发银行回盘失败的支付
        #[arg(long)]
        supplementary: bool,
    },
    /// 列出发放批次
    List {
        /// 只列此月份
        #[arg(long, value_name = "YYYY-MM")]
        month: Option<String>,
    },
    /// 审核前检查：列出需要查看的异常
    Check {
        /// 发放批次编号
        id: i64,
        /// 月待遇变化超过此百分比的予以列出
        #[arg(long, value_name = "PCT", default_value_t = 20)]
        threshold_pct: i64,
    },
    /// 审核发放批次草稿（须由生成人以外的人审核，用 --by 指明）；仍有不可发放的明细时拒绝
    Approve {
        /// 发放批次编号
        id: i64,
    },
    /// 把不再可发放的明细（暂停发放、终止、死亡、死亡记录待审核、逾期未资格认证）移出草稿或已审核的批次；已审核的批次退回草稿
    Refresh {
        /// 发放批次编号
        id: i64,
    },
    /// 写出发放计划表（xlsx）和每家银行一个代发文件
    Export {
        /// 发放批次编号
        id: i64,
        /// 写入的目录
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// 各县区该月的发放状态与距 15 日的剩余天数
    Status {
        /// 月份
        #[arg(long, value_name = "YYYY-MM")]
        month: String,
    },
}
#[derive(Subcommand)]
pub enum AwardsCmd {
    /// 为截至该月新符合领取条件的每个人核定待遇
    Run {
        /// 月份
        #[arg(long, value_name = "YYYY-MM")]
        month: String,
        /// 县区代码（默认：全部县区）
        #[arg(long, value_name = "CODE")]
        county: Option<String>,
    },
}

pub fn awards(cli: &Global, cmd: &AwardsCmd) -> Res {
    match cmd {
        AwardsCmd::Run { month, county } => awards_run(cli, month, county.as_deref()),
    }
}

fn awards_run(cli: &Global, month: &str, county: Option<&str>) -> Res {
    let month = parse_month(month)?;
    let mut ctx = open(cli)?;
    let o = yanglao_ops::payroll::awards::run(&mut ctx, month, county)?;
    if cli.json {
        output::json(&o);
    } else {
        println!("{month} 待遇核定：新增 {} 人。", o.awarded);
        for c in &o.counties {
            println!(
                "  {} {}：核定 {} 人，月待遇合计 {}；已到领取年龄但缴费年限不足 {} 人",
                c.county,
                county_name(&c.county).unwrap_or(""),
                c.awarded,
                output::yuan(c.monthly_fen),
                c.insufficient_years
            );
        }
    }
    Ok(0)
}

fn payroll_run(
    cli: &Global,
    ctx: &mut yanglao_ops::Ctx,
    month: &str,
    county: Option<&str>,
    supplementary: bool,
) -> Res {
    let month = parse_month(month)?;
    let kind = if supplementary {
        Kind::Supplementary
    } else {
        Kind::Regular
    };
    let bar = progress_bar(cli, "生成发放批次");
    let o = payroll::run(ctx, month, county, kind, &|c, i, n| {
        let label = (!c.is_empty()).then(|| format!("生成发放批次 {c}"));
        bar.update(label.as_deref(), i, n);
    })?;
    bar.finish_and_clear();
    if cli.json {
        output::json(&o);
    } else {
        println!(
            "{month} {}：",
            if supplementary {
                "补发"
            } else {
                "待遇发放"
            }
        );
        if o.payrolls.is_empty() {
            println!(
                "  没有需要{}的人员。",
                if supplementary { "补发" } else { "发放" }
            );
        }
        for s in &o.payrolls {
            print_summary(s);
            if s.existed {
                println!("    （此批次此前已生成，本次未重复生成）");
            } else if let Some(n) = o.anomalies.get(&s.id) {
                println!(
                    "    审核前检查：{n} 项异常，运行 yanglao payroll check {} 查看",
                    s.id
                );
            }
        }
    }
    Ok(0)
}

fn print_refresh(cli: &Global, id: i64, r: &yanglao_ops::payroll::Refreshed) {
    if cli.json {
        output::json(r);
    } else {
        if r.removed.is_empty() {
            println!("发放批次 {id} 的每一笔都仍应发放，未作改动。");
        } else {
            println!(
                "发放批次 {id} 已移出 {} 笔不应再发放的待遇：",
                r.removed.len()
            );
            for a in &r.removed {
                println!(
                    "  第 {} 笔 {} [{}] {}",
                    a.line_no.unwrap_or_default(),
                    a.citizen_id,
                    a.code,
                    a.message
                );
            }
            if r.back_to_draft {
                println!("批次已退回草稿，须重新审核。");
            }
        }
        print_summary(&r.summary);
    }
}
