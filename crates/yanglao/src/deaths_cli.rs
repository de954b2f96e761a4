//! `yanglao deaths …`, `recovery …` and `inheritance …`: wiring and printing.

use crate::context::{err, open, CliError, Global};
use clap::Subcommand;

use crate::output;
use yanglao_domain::county_name;

pub fn deaths(cli: &Global, cmd: &DeathsCmd) -> Result<i32, CliError> {
    match cmd {
        DeathsCmd::Disagreements => {
            let mut ctx = open(cli)?;
            let list = yanglao_ops::deaths::disagreements(&mut ctx)?;
            if cli.json {
                output::json(&list);
            } else {
                println!(
                    "各来源死亡日期不一致：{} 人（采用官方来源中最早的日期）",
                    list.len()
                );
                for d in &list {
                    println!(
                        "  {} {}：采用 {}（{}）",
                        d.county,
                        d.citizen_id,
                        d.death_date,
                        yanglao_ops::deaths::source_zh(&d.source)
                    );
                    for r in &d.records {
                        println!(
                            "    {} {} {}",
                            yanglao_ops::deaths::source_zh(r["source"].as_str().unwrap_or("")),
                            r["source_ref"].as_str().unwrap_or(""),
                            r["date"].as_str().unwrap_or("")
                        );
                    }
                }
            }
            Ok(0)
        }
        DeathsCmd::Review {
            confirm,
            reject,
            date,
            reason,
        } => {
            let date = crate::context::parse_opt_date(date.as_deref(), "--date")?;
            let mut ctx = open(cli)?;
            match (confirm, reject) {
                (Some(id), _) | (_, Some(id)) => {
                    let (message, applied) = yanglao_ops::deaths::review_decide(
                        &mut ctx,
                        *id,
                        confirm.is_some(),
                        date,
                        reason.as_deref(),
                    )?;
                    if cli.json {
                        output::json(&serde_json::json!({"message": message, "applied": applied}));
                    } else {
                        println!("{message}");
                        if let Some(a) = applied {
                            println!(
                                "  死亡日期 {}，多发待遇 {}，从草稿中移除 {} 笔",
                                a.death_date.map(|d| d.to_string()).unwrap_or_default(),
                                output::yuan(a.overpaid_fen),
                                a.draft_lines_dropped
                            );
                        }
                    }
                }
                _ => {
                    let items = yanglao_ops::deaths::review_list(&mut ctx)?;
                    if cli.json {
                        output::json(&items);
                    } else {
                        println!(
                            "待审核的死亡记录：{} 条（按姓名、出生日期、县区匹配，须人工确认）",
                            items.len()
                        );
                        for i in &items {
                            println!(
                                "  #{} {} {} 死亡日期 {}（{}，编号 {}）→ 候选 {} {}，匹配分 {}",
                                i.record_id,
                                i.name,
                                if i.citizen_id_raw.is_empty() {
                                    "（无身份证号）"
                                } else {
                                    &i.citizen_id_raw
                                },
                                i.death_date,
                                yanglao_ops::deaths::source_zh(&i.source),
                                i.source_ref,
                                yanglao_ops::ledger::masked_id(&i.candidate_citizen_id),
                                i.candidate_county,
                                i.score
                            );
                        }
                    }
                }
            }
            Ok(0)
        }
    }
}

// Long because: one short arm per subcommand, a flat dispatch.
pub fn recovery(cli: &Global, cmd: &RecoveryCmd) -> Result<i32, CliError> {
    match cmd {
        RecoveryCmd::Record {
            case_id,
            channel,
            amount,
            date,
            note,
        } => {
            let amount =
                yanglao_domain::parse_yuan_to_fen(amount).map_err(|e| err(e.code, e.message))?;
            let date = required_date(date.as_deref())?;
            let mut ctx = open(cli)?;
            let s = yanglao_ops::deaths::recovery::record(
                &mut ctx,
                *case_id,
                channel,
                amount,
                date,
                note.as_deref(),
            )?;
            if cli.json {
                output::json(&s);
            } else {
                println!(
                    "追回案件 {case_id}：{} {}，未追回余额 {}（{}）",
                    yanglao_ops::deaths::recovery::channel_zh(&s.channel),
                    output::yuan(s.amount_fen),
                    output::yuan(s.outstanding_fen),
                    if s.status == "closed" {
                        "已结案"
                    } else {
                        "在办"
                    }
                );
            }
            Ok(0)
        }
        RecoveryCmd::Show { case_id } => {
            let mut ctx = open(cli)?;
            let h = yanglao_ops::deaths::recovery::show(&mut ctx, *case_id)?;
            print_case(cli, &h);
            Ok(0)
        }
        RecoveryCmd::Figures { year } => {
            let mut ctx = open(cli)?;
            let f = yanglao_ops::deaths::figures(&mut ctx, *year)?;
            if cli.json {
                output::json(&f);
            } else {
                println!("多领冒领追回情况（按县区、年度）：");
                for x in &f {
                    println!(
                        "  {} {} {} 年：立案 {} 件，多发 {}，追回 {}，核销 {}，未追回 {}；发放前拦截 {} 笔 {}",
                        x.county,
                        county_name(&x.county).unwrap_or(""),
                        x.year,
                        x.cases_opened,
                        output::yuan(x.overpaid_fen),
                        output::yuan(x.recovered_fen),
                        output::yuan(x.written_off_fen),
                        output::yuan(x.outstanding_fen),
                        x.payments_stopped,
                        output::yuan(x.payments_stopped_fen)
                    );
                }
            }
            Ok(0)
        }
        RecoveryCmd::List {
            status,
            county,
            year,
        } => {
            let mut ctx = open(cli)?;
            let cases = yanglao_ops::deaths::recovery_list(
                &mut ctx,
                status.as_deref(),
                county.as_deref(),
                *year,
            )?;
            if cli.json {
                output::json(&cases);
            } else {
                println!("多领冒领追回案件：{} 件", cases.len());
                for c in &cases {
                    println!(
                        "  #{} {} {} 死亡 {}：多发 {}，已追回 {}，核销 {}，未追回 {}（{}）",
                        c.case_id,
                        c.county,
                        c.citizen_id,
                        c.death_date,
                        output::yuan(c.overpaid_fen),
                        output::yuan(c.recovered_fen),
                        output::yuan(c.written_off_fen),
                        output::yuan(c.outstanding_fen),
                        if c.status == "open" {
                            "在办"
                        } else {
                            "已结"
                        }
                    );
                }
            }
            Ok(0)
        }
    }
}

pub fn inheritance(cli: &Global, cmd: &InheritanceCmd) -> Result<i32, CliError> {
    match cmd {
        InheritanceCmd::Pay {
            citizen_id,
            heir_name,
            heir_id,
            heir_bank,
            heir_account,
            date,
        } => {
            let date = required_date(date.as_deref())?;
            let mut ctx = open(cli)?;
            let i = yanglao_ops::deaths::inheritance::pay_inheritance(
                &mut ctx,
                citizen_id,
                heir_name,
                heir_id,
                heir_bank,
                heir_account,
                date,
            )?;
            if cli.json {
                output::json(&i);
            } else {
                println!(
                    "{} 的个人账户：抵扣多发待遇 {}，支付继承人 {} {}",
                    i.citizen_id,
                    output::yuan(i.offset_fen),
                    i.heir_name,
                    output::yuan(i.paid_fen)
                );
                if i.arrears_months > 0 {
                    println!(
                        "生前应发未发的出口补贴 {} 个月（{} 至 {}）{}，一并支付继承人",
                        i.arrears_months,
                        i.arrears_from.as_deref().unwrap_or(""),
                        i.arrears_to.as_deref().unwrap_or(""),
                        output::yuan(i.arrears_fen)
                    );
                }
            }
            Ok(0)
        }
    }
}

/// A date the command must be given: the business date of what it posts.
fn required_date(d: Option<&str>) -> Result<chrono::NaiveDate, CliError> {
    crate::context::parse_opt_date(d, "--date")?.ok_or_else(|| {
        err(
            "E-DATE-REQUIRED",
            "请用 --date YYYY-MM-DD 指明业务发生的日期（记账日期取业务日期，不取电脑的当前日期）",
        )
    })
}

/// The months a payment line paid after the death, and how long after it they were: a line paid
/// through `line_to` with its last `months` months after the death month (`2023-02（死亡后第 1
/// 个月）`, `2023-02至2023-04（死亡后第 1 至 3 个月）`).
fn overpaid_months(death: chrono::NaiveDate, line_to: chrono::NaiveDate, months: i64) -> String {
    use yanglao_domain::Month;
    let death = Month::of(death);
    let last = Month::of(line_to);
    let first = last.plus(1 - months.max(1) as i32);
    let (a, b) = (death.until(first), death.until(last));
    if first == last {
        format!("{last}（死亡后第 {b} 个月）")
    } else {
        format!("{first}至{last}（死亡后第 {a} 至 {b} 个月）")
    }
}

#[cfg(test)]
mod tests {
    use super::overpaid_months;
    use chrono::NaiveDate;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn each_overpaid_line_says_its_own_months_after_the_death() {
        let death = d("2023-01-10");
        assert_eq!(
            overpaid_months(death, d("2023-02-01"), 1),
            "2023-02（死亡后第 1 个月）"
        );
        assert_eq!(
            overpaid_months(death, d("2023-03-01"), 1),
            "2023-03（死亡后第 2 个月）"
        );
        // Back pay through April of which February to April came after the death.
        assert_eq!(
            overpaid_months(death, d("2023-04-01"), 3),
            "2023-02至2023-04（死亡后第 1 至 3 个月）"
        );
    }
}

#[derive(Subcommand)]
pub enum DeathsCmd {
    /// 各来源死亡日期不一致的死亡：现行日期与每条记录
    Disagreements,
    /// 按姓名、出生日期和县区匹配、待人工审核的死亡记录；确认或驳回其中一条
    Review {
        /// 确认此编号的记录
        #[arg(long, value_name = "ID", conflicts_with = "reject")]
        confirm: Option<i64>,
        /// 驳回此编号的记录
        #[arg(long, value_name = "ID")]
        reject: Option<i64>,
        /// 决定日期（确认时必填）：死亡的各项后果记于此日
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<String>,
        /// 审核理由（驳回时必填；确认时可写核实情况），记入死亡记录与审计日志
        #[arg(long, value_name = "TEXT")]
        reason: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum InheritanceCmd {
    /// 把去世人员的个人账户余额及生前应发未发的出口补贴支付给继承人（先抵扣多发待遇）
    Pay {
        /// 去世人员的身份证号
        citizen_id: String,
        /// 继承人姓名
        #[arg(long, value_name = "NAME")]
        heir_name: String,
        /// 继承人身份证号
        #[arg(long, value_name = "ID")]
        heir_id: String,
        /// 继承人开户银行
        #[arg(long, value_name = "BANK")]
        heir_bank: String,
        /// 继承人银行账号
        #[arg(long, value_name = "ACCOUNT")]
        heir_account: String,
        /// 支付日期（必填）：凭证日期
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum RecoveryCmd {
    /// 一个追回案件：多发明细与每一步追回的日期和说明
    Show {
        /// 追回案件编号
        case_id: i64,
    },
    /// 绩效评价所需数字：按县区和年度统计案件、多发、已追回与未追回金额，以及发放前拦截的对去世人员的支付
    Figures {
        /// 只统计此年度
        #[arg(long, value_parser = crate::values::year, value_name = "YYYY")]
        year: Option<i32>,
    },
    /// 记录一步追回：bank-deduction（银行协助划扣）、offset（个人账户余额抵扣）、family-refund（家属退还）、enforcement（移交执法追缴）或 write-off（核销）
    Record {
        /// 追回案件编号
        case_id: i64,
        /// 追回方式（见上）
        #[arg(long)]
        channel: String,
        /// 金额（元）
        #[arg(long, value_name = "YUAN")]
        amount: String,
        /// 款项追回的日期（必填）：凭证日期
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<String>,
        /// 说明
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
    },
    /// 多领冒领追回案件
    List {
        /// 案件状态：open（在办）或 closed（已结）
        #[arg(long)]
        status: Option<String>,
        /// 县区代码
        #[arg(long, value_name = "CODE")]
        county: Option<String>,
        /// 年度
        #[arg(long, value_parser = crate::values::year, value_name = "YYYY")]
        year: Option<i32>,
    },
}

fn print_case(cli: &Global, h: &yanglao_ops::deaths::recovery::CaseHistory) {
    if cli.json {
        output::json(h);
    } else {
        let c = &h.case;
        println!(
            "追回案件 #{} {} {}，死亡 {}，立案 {}：多发 {}，已追回 {}，核销 {}，未追回 {}",
            c.case_id,
            c.county,
            c.citizen_id,
            c.death_date,
            c.opened_on,
            output::yuan(c.overpaid_fen),
            output::yuan(c.recovered_fen),
            output::yuan(c.written_off_fen),
            output::yuan(c.outstanding_fen)
        );
        for o in &h.overpayments {
            let to = o["line_to"]
                .as_str()
                .and_then(|d| d.parse::<chrono::NaiveDate>().ok());
            let months = o["months_after_death"].as_i64().unwrap_or(0);
            println!(
                "  多发：批次 {} 第 {} 笔，{}，{}",
                o["payroll_id"],
                o["line_no"],
                to.map(|to| overpaid_months(c.death_date, to, months))
                    .unwrap_or_default(),
                output::yuan(o["total_fen"].as_i64().unwrap_or(0))
            );
        }
        for st in &h.steps {
            println!(
                "  {}：{} {}{}（{}）",
                st["date"].as_str().unwrap_or(""),
                yanglao_ops::deaths::recovery::channel_zh(st["channel"].as_str().unwrap_or("")),
                output::yuan(st["amount_fen"].as_i64().unwrap_or(0)),
                st["note"]
                    .as_str()
                    .map(|n| format!("，{n}"))
                    .unwrap_or_default(),
                output::who(st["recorded_by"].as_str().unwrap_or(""))
            );
        }
    }
}
