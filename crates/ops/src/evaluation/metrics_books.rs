//! The metrics read from the fund's books: the statement, the budget and its execution, bank
//! interest, the recovery of overpayments, and the survey.

use super::*;
use crate::Result;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use yanglao_store::{Param, Tx};

/// The measurements of the budget, the bank's interest, recovery, the fund statement and the
/// surveys, within the snapshot of [`measure`].
pub(crate) fn measure_books(tx: &mut Tx<'_>, year: i32, m: &mut Measured) -> Result<()> {
    budget_metrics(tx, year, m)?;
    interest_metrics(tx, year, m)?;
    recovery_metric(tx, year, m)?;
    let statement = crate::books::fund::statement_in(tx, year, None)?;
    m.city.insert(
        "fund_months_of_expenditure".into(),
        match statement.months_of_expenditure {
            Some(months) => measured(
                dec(months).round_dp(2),
                format!("{months:.2} 个月"),
                format!(
                    "年末滚存结余 {} 万元 ÷ 本年月均支出（{} 万元 ÷ 12）",
                    yanglao_domain::format_wan_yuan(statement.closing_fen),
                    yanglao_domain::format_wan_yuan(statement.expenditure_fen)
                ),
            ),
            None => no_data(format!("{year} 年基金没有支出，无法折算可支付月数")),
        },
    );
    m.statement = Some(statement);
    for c in m.counties.keys().cloned().collect::<Vec<_>>() {
        let s = crate::books::fund::statement_in(tx, year, Some(&c))?;
        let v = match s.months_of_expenditure {
            Some(months) => measured(
                dec(months).round_dp(2),
                format!("{months:.2} 个月"),
                format!(
                    "年末滚存结余 {} 万元 ÷ 月均支出",
                    yanglao_domain::format_wan_yuan(s.closing_fen)
                ),
            ),
            None => no_data("本年没有支出"),
        };
        m.put(&c, "fund_months_of_expenditure", v);
    }
    survey_metrics(tx, year, m)?;
    Ok(())
}

pub(crate) fn budget_metrics(tx: &mut Tx<'_>, year: i32, m: &mut Measured) -> Result<()> {
    let e = crate::books::budget::execution_in(tx, year, 0.9)?;
    m.execution = Some(e.clone());
    let yuan = yanglao_domain::format_wan_yuan;
    let t = &e.total;
    if t.budget_fen == 0 {
        for k in [
            "budget_execution_pct",
            "funds_in_place_pct",
            "fund_deviation_pct",
        ] {
            m.city.insert(
                k.into(),
                no_data(format!("没有导入 {year} 年的财政补助预算")),
            );
        }
        return Ok(());
    }
    let exec = pct(t.spent_fen, t.budget_fen).expect("budget > 0");
    m.city.insert(
        "budget_execution_pct".into(),
        measured(
            exec,
            pct_text(exec),
            format!(
                "实际支出 {} 万元 ÷ 预算 {} 万元",
                yuan(t.spent_fen),
                yuan(t.budget_fen)
            ),
        ),
    );
    let arr = pct(t.arrived_fen, t.budget_fen).expect("budget > 0");
    m.city.insert(
        "funds_in_place_pct".into(),
        measured(
            arr,
            pct_text(arr),
            format!(
                "到账资金 {} 万元 ÷ 预算（计划）{} 万元",
                yuan(t.arrived_fen),
                yuan(t.budget_fen)
            ),
        ),
    );
    let dev: i64 = e
        .lines
        .iter()
        .map(|l| (l.spent_fen - l.budget_fen).abs())
        .sum();
    let d = pct(dev, t.budget_fen).expect("budget > 0");
    let over: Vec<String> = e
        .lines
        .iter()
        .filter(|l| l.spent_fen != l.budget_fen)
        .map(|l| {
            format!(
                "{} 预算 {} 万元、支出 {} 万元",
                crate::books::budget::label(&l.level, &l.kind),
                yuan(l.budget_fen),
                yuan(l.spent_fen)
            )
        })
        .collect();
    let mut mm = measured(
        d,
        pct_text(d),
        format!(
            "各预算科目 |实际支出 − 预算| 之和 {} 万元 ÷ 预算合计 {} 万元",
            yuan(dev),
            yuan(t.budget_fen)
        ),
    );
    mm.items = over;
    m.city.insert("fund_deviation_pct".into(), mm);
    Ok(())
}

pub(crate) fn interest_metrics(tx: &mut Tx<'_>, year: i32, m: &mut Measured) -> Result<()> {
    let agreements = tx.scalar_i64("SELECT COUNT(*) FROM bank_agreements", &[])?;
    if agreements == 0 {
        m.city.insert(
            "interest_shortfalls".into(),
            no_data("没有登记基金专户的银行协议，无法核对利息"),
        );
        return Ok(());
    }
    let shortfalls = crate::books::bank::interest_check_in(tx, year)?;
    m.shortfalls = Some(shortfalls.clone());
    // One item per fund account short of interest (however many credits fell short).
    // (county, bank, account) → (shortfall, credits short, agreed rate, lowest applied rate).
    type Short = (i64, usize, f64, f64);
    let mut by: BTreeMap<(String, String, String), Short> = BTreeMap::new();
    for s in &shortfalls {
        let e = by
            .entry((s.county.clone(), s.bank.clone(), s.account.clone()))
            .or_insert((0, 0, s.agreed_rate, s.applied_rate));
        e.0 += s.shortfall_fen;
        e.1 += 1;
        e.3 = e.3.min(s.applied_rate);
    }
    let list: Vec<String> = by
        .iter()
        .map(|((county, bank, _), (fen, n, agreed, applied))| {
            format!(
                "{} {}：{n} 次结息低于协议（约定 {agreed:.2}%，实际最低 {applied:.2}%），少计 {} 元",
                name_of(&m.counties, county),
                bank,
                yanglao_domain::format_yuan(*fen)
            )
        })
        .collect();
    m.city.insert(
        "interest_shortfalls".into(),
        items(
            list,
            "个专户少计利息",
            format!("按银行协议约定利率逐笔核对 {year} 年的利息入账，按专户汇总"),
        ),
    );
    Ok(())
}

pub(crate) fn recovery_metric(tx: &mut Tx<'_>, year: i32, m: &mut Measured) -> Result<()> {
    let rows = {
        tx.query(
            "SELECT county, COUNT(*), CAST(COALESCE(SUM(overpaid_fen), 0) AS BIGINT), CAST(COALESCE(SUM(recovered_fen), 0) AS BIGINT), CAST(COALESCE(SUM(written_off_fen), 0) AS BIGINT)
             FROM recovery_cases WHERE opened_on <= $1 GROUP BY county",
            &[Param::Date(NaiveDate::from_ymd_opt(year, 12, 31).expect("valid"))],
        )?
    };
    let yuan = yanglao_domain::format_yuan;
    let measure = |n: i64, over: i64, rec: i64, off: i64| {
        match pct(rec, over) {
        Some(p) => measured(p, pct_text(p), format!("截至 {year} 年底立案的 {n} 件多领冒领中，已追回 {} 元 ÷ 多发 {} 元（另核销 {} 元）", yuan(rec), yuan(over), yuan(off))),
        None => measured(Decimal::from(100), "无多发".into(), format!("截至 {year} 年底没有多领冒领案件")),
    }
    };
    let mut all = (0, 0, 0, 0);
    for r in rows {
        let (n, over, rec, off) = (r.i64(1)?, r.i64(2)?, r.i64(3)?, r.i64(4)?);
        m.put(&r.str(0)?, "recovery_rate_pct", measure(n, over, rec, off));
        all = (all.0 + n, all.1 + over, all.2 + rec, all.3 + off);
    }
    m.city.insert(
        "recovery_rate_pct".into(),
        measure(all.0, all.1, all.2, all.3),
    );
    Ok(())
}

pub(crate) fn survey_metrics(tx: &mut Tx<'_>, year: i32, m: &mut Measured) -> Result<()> {
    // The counties weigh in the city's rates by the sizes measured already.
    let weights = crate::evaluation::survey::Weights {
        contributors: m
            .contributors
            .get(&year)
            .map(|by| {
                by.iter()
                    .filter(|(c, _)| !c.is_empty())
                    .map(|(c, n)| (c.clone(), n.total))
                    .collect()
            })
            .unwrap_or_default(),
        recipients: m
            .recipients
            .iter()
            .filter(|(c, _)| !c.is_empty())
            .map(|(c, n)| (c.clone(), *n))
            .collect(),
    };
    let rates = crate::evaluation::survey::rates_in(tx, year, &weights)?;
    m.surveys = rates.clone();
    let what = [
        (
            "policy_awareness_pct",
            "回答政策知晓问题的受访者中回答“是”的比例",
        ),
        (
            "contributor_satisfaction_pct",
            "参保缴费人员中回答“非常满意”或“满意”的比例",
        ),
        (
            "recipient_satisfaction_pct",
            "待遇领取人员中回答“非常满意”或“满意”的比例",
        ),
    ];
    let mut scopes: Vec<String> = m.counties.keys().cloned().collect();
    scopes.push(String::new());
    for scope in scopes {
        let s = rates.get(&scope).cloned().unwrap_or_default();
        for ((key, what), rate) in what.iter().zip([
            s.policy_awareness,
            s.contributor_satisfaction,
            s.recipient_satisfaction,
        ]) {
            let v = match rate {
                Some(r) if r.weighted => measured(
                    yanglao_eval::round2(dec(r.rate_pct)),
                    format!("{:.2}%", r.rate_pct),
                    format!(
                        "{what}：各县（区）比率按其{}加权（共 {} 份），95% 置信区间 {:.2}% 至 {:.2}%",
                        match *key {
                            "contributor_satisfaction_pct" => "参保缴费人数",
                            "recipient_satisfaction_pct" => "待遇领取人数",
                            _ => "参保缴费与待遇领取人数",
                        },
                        r.answers, r.ci_low_pct, r.ci_high_pct
                    ),
                ),
                Some(r) => measured(
                    yanglao_eval::round2(dec(r.rate_pct)),
                    format!("{:.2}%", r.rate_pct),
                    format!(
                        "{what}：{} ÷ {} 份，95% 置信区间 {:.2}% 至 {:.2}%",
                        r.yes, r.answers, r.ci_low_pct, r.ci_high_pct
                    ),
                ),
                None => no_data(format!("没有导入 {year} 年的问卷，或问卷中没有该题的回答")),
            };
            if scope.is_empty() {
                m.city.insert((*key).into(), v);
            } else {
                m.put(&scope, key, v);
            }
        }
    }
    Ok(())
}
