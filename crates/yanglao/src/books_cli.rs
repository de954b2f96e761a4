//! `yanglao ledger …`, `fund …` and `budget …`: the books, wiring and printing.

use crate::context::{open, CliError, Global, Res};
use clap::Subcommand;
use std::path::PathBuf;

use crate::output;
use yanglao_domain::county_name;

pub fn fund(cli: &Global, cmd: &FundCmd) -> Result<i32, CliError> {
    match cmd {
        FundCmd::InterestCheck { year } => {
            let mut ctx = open(cli)?;
            let list = yanglao_ops::books::bank::interest_check(&mut ctx, *year)?;
            if cli.json {
                output::json(&list);
            } else {
                let total: i64 = list.iter().map(|s| s.shortfall_fen).sum();
                println!(
                    "{year} 年银行结息核对：{} 笔少计利息，合计 {}",
                    list.len(),
                    output::yuan(total)
                );
                for s in &list {
                    println!(
                        "  {} {} {} {} 至 {}：约定 {}%，实际 {}%，应计 {}，实计 {}，少计 {}",
                        s.county,
                        county_name(&s.county).unwrap_or(""),
                        s.bank,
                        s.period_start,
                        s.period_end,
                        s.agreed_rate,
                        s.applied_rate,
                        output::yuan(s.expected_fen),
                        output::yuan(s.credited_fen),
                        output::yuan(s.shortfall_fen)
                    );
                }
            }
            Ok(0)
        }
        FundCmd::Statement { year, county, out } => {
            let mut ctx = open(cli)?;
            let st = yanglao_ops::books::fund::statement(&mut ctx, *year, county.as_deref())?;
            if let Some(path) = out {
                let (mut sink, name) = crate::context::file_sink(path)?;
                yanglao_ops::books::fund::write_xlsx(&st, &mut sink, &name)?;
            }
            if cli.json {
                output::json(&st);
            } else {
                let w = yanglao_domain::format_wan_yuan;
                println!(
                    "{} 年基金收支（{}，万元）：",
                    year,
                    county.as_deref().unwrap_or("全部县区")
                );
                println!(
                    "  上年结余 {}；本年收入 {}；本年支出 {}；本年结余 {}；年末滚存结余 {}",
                    w(st.brought_forward_fen),
                    w(st.income_fen),
                    w(st.expenditure_fen),
                    w(st.surplus_fen),
                    w(st.closing_fen)
                );
                let i = &st.income;
                println!(
                    "  收入：个人缴费 {}，缴费补贴 省 {} 市 {} 县 {}，政府代缴 {}，出口补贴 省 {} 市 {} 县 {}，利息 {}",
                    w(i.personal_contributions_fen), w(i.entry_subsidy.province_fen), w(i.entry_subsidy.city_fen), w(i.entry_subsidy.county_fen),
                    w(i.government_paid_fen), w(i.exit_subsidy.province_fen), w(i.exit_subsidy.city_fen), w(i.exit_subsidy.county_fen), w(i.interest_fen)
                );
                let e = &st.expenditure;
                println!(
                    "  支出：个人账户养老金 {}，出口补贴 {}，多发转应收 {}，多发抵扣 {}，核销 {}，支付继承人 {}",
                    w(e.account_pension_fen), w(e.exit_subsidy_fen), w(-e.overpayments_reclassified_fen), w(e.overpayments_offset_fen),
                    w(e.overpayments_written_off_fen), w(e.paid_to_heirs_fen)
                );
                if let Some(m) = st.months_of_expenditure {
                    println!(
                        "  可持续性：年末滚存结余可支付 {m:.1} 个月的支出{}",
                        st.years_at_trend
                            .map(|y| format!("；按本年赤字可维持 {y:.1} 年"))
                            .unwrap_or_default()
                    );
                }
                if let Some(p) = out {
                    println!("  已写入 {}", p.display());
                }
            }
            Ok(0)
        }
    }
}

pub fn budget(cli: &Global, cmd: &BudgetCmd) -> Result<i32, CliError> {
    match cmd {
        BudgetCmd::Execution { year, threshold } => {
            let mut ctx = open(cli)?;
            let ex = yanglao_ops::books::budget::execution(&mut ctx, *year, *threshold)?;
            if cli.json {
                output::json(&ex);
            } else {
                let w = yanglao_domain::format_wan_yuan;
                let pct =
                    |r: Option<f64>| r.map_or("—".to_string(), |r| format!("{:.2}%", r * 100.0));
                println!("{year} 年财政补助预算执行（万元）：");
                for l in &ex.lines {
                    println!(
                        "  {}：预算 {}，到位 {}（{}），支出 {}，执行率 {}{}",
                        yanglao_ops::books::budget::label(&l.level, &l.kind),
                        w(l.budget_fen),
                        w(l.arrived_fen),
                        pct(l.arrival_rate),
                        w(l.spent_fen),
                        pct(l.execution_rate),
                        match l.flag.as_str() {
                            "over" => "（超预算）",
                            "under" => "（执行不足）",
                            _ => "",
                        }
                    );
                }
                let t = &ex.total;
                println!(
                    "  合计：预算 {}，到位 {}（{}），支出 {}，执行率 {}",
                    w(t.budget_fen),
                    w(t.arrived_fen),
                    pct(t.arrival_rate),
                    w(t.spent_fen),
                    pct(t.execution_rate)
                );
            }
            Ok(0)
        }
    }
}

#[derive(Subcommand)]
pub enum BudgetCmd {
    /// 按级次和类别列出预算、到位与支出，以及执行率和到位率
    Execution {
        /// 年度
        #[arg(long, value_parser = crate::values::year, value_name = "YYYY")]
        year: i32,
        /// 执行率低于此比例的行予以标出
        #[arg(long, value_name = "RATE", default_value_t = 0.9)]
        threshold: f64,
    },
}

#[derive(Subcommand)]
pub enum FundCmd {
    /// 该年度低于存款协议约定的每笔银行结息
    InterestCheck {
        /// 年度
        #[arg(long, value_parser = crate::values::year, value_name = "YYYY")]
        year: i32,
    },
    /// 由账簿生成年度基金收支表：上年结余、分类收入与支出、本年结余与年末滚存结余
    Statement {
        /// 年度
        #[arg(long, value_parser = crate::values::year, value_name = "YYYY")]
        year: i32,
        /// 县区代码（默认：全市）
        #[arg(long, value_name = "CODE")]
        county: Option<String>,
        /// 同时写出此 xlsx 工作簿
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}
#[derive(Subcommand)]
pub enum LedgerCmd {
    /// 核对账簿的每条规则（借贷平衡、个人账户与基金相符等）；有违反时以非零状态退出
    Verify,
}

pub fn ledger(cli: &Global, cmd: &LedgerCmd) -> Res {
    match cmd {
        LedgerCmd::Verify => ledger_verify(cli),
    }
}

fn ledger_verify(cli: &Global) -> Res {
    let mut ctx = open(cli)?;
    let r = ctx.db.read_transaction(yanglao_ops::ledger::verify)?;
    if cli.json {
        output::json(&r);
    } else {
        println!(
            "账务核对：{} 张凭证，{} 条分录，{} 条个人账户明细。",
            r.entries, r.lines, r.movements
        );
        for c in &r.checks {
            println!("  检查：{c}");
        }
        for (county, fen) in &r.fund_by_county {
            println!(
                "  {county} {}：基金资产 {}",
                county_name(county).unwrap_or(""),
                output::yuan(*fen)
            );
        }
        if r.ok {
            println!("全部通过。");
        } else {
            for b in &r.breaches {
                println!("  违反 [{}] {}：{}", b.code, b.county, b.message);
            }
            println!("发现 {} 处问题。", r.breaches.len());
        }
    }
    Ok(if r.ok { 0 } else { 1 })
}
