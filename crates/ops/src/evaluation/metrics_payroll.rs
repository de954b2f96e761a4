//! The metrics read from the payroll: timeliness against the 15th, accuracy of the amounts, and
//! completeness of the payments.

use super::*;
use crate::Result;
use chrono::{Datelike, NaiveDate};
use std::collections::BTreeMap;
use yanglao_domain::Month;
use yanglao_store::{Param, Tx};

/// Regular payrolls of the year's months paid after the 15th, or not paid by then.
pub(crate) fn timeliness(
    tx: &mut Tx<'_>,
    year: i32,
    today: NaiveDate,
    out: &mut Measured,
) -> Result<()> {
    let mut paid: BTreeMap<(String, Month), Option<NaiveDate>> = BTreeMap::new();
    let jan = Month::parse(&format!("{year}-01")).expect("valid");
    let dec = Month::parse(&format!("{year}-12")).expect("valid");
    tx.for_each_ref(
        "SELECT county, month, paid_date FROM payrolls WHERE kind = 'regular' AND seq = 1 AND month >= $1 AND month <= $2",
        &[Param::Date(jan.first_day()), Param::Date(dec.first_day())],
        |r| {
            paid.insert((r.str(0)?.to_string(), Month::of(r.date(1)?)), r.opt_date(2)?);
            Ok(())
        },
    )?;
    // Counties with anyone in pay that year are expected to pay every month from their first.
    let mut first: BTreeMap<String, Month> = BTreeMap::new();
    for (c, m) in paid.keys() {
        let e = first.entry(c.clone()).or_insert(*m);
        *e = (*e).min(*m);
    }
    let mut late = Vec::new();
    let mut months = 0;
    for (c, start) in &first {
        let mut m = *start;
        let (mut county_months, before) = (0, late.len());
        while m <= dec && m.deadline() < today {
            months += 1;
            county_months += 1;
            let name = name_of(&out.counties, c).to_string();
            match paid.get(&(c.clone(), m)).copied().flatten() {
                Some(d) if d <= m.deadline() => {}
                Some(d) => {
                    late.push(format!("{name} {m} 于 {} 月 {} 日发放", d.month(), d.day()));
                    out.late_months
                        .entry(c.clone())
                        .or_default()
                        .push(format!("{m}"));
                }
                None => {
                    late.push(format!("{name} {m} 未在 15 日前发放"));
                    out.late_months
                        .entry(c.clone())
                        .or_default()
                        .push(format!("{m}"));
                }
            }
            m = m.next();
        }
        let list = late[before..].to_vec();
        out.put(
            c,
            "late_payroll_months",
            items(
                list,
                "个月",
                format!("{county_months} 个月中晚于 15 日发放或未发放的月份"),
            ),
        );
    }
    out.city.insert(
        "late_payroll_months".into(),
        if months == 0 {
            no_data(format!("{year} 年没有正常发放批次"))
        } else {
            items(
                late,
                "个县区月",
                format!(
                    "{months} 个县区月的正常发放中，银行发放日晚于当月 15 日或截至 15 日尚未发放的"
                ),
            )
        },
    );
    Ok(())
}

/// Collection and subsidy completeness: what arrived in the fund's bank against what was booked.
/// Payment accuracy: the share of the year's paid benefits that were not paid after a death.
pub(crate) fn accuracy(tx: &mut Tx<'_>, year: i32, out: &mut Measured) -> Result<()> {
    let jan = Month::parse(&format!("{year}-01"))
        .expect("valid")
        .first_day();
    let dec = Month::parse(&format!("{year}-12"))
        .expect("valid")
        .first_day();
    // County → (lines paid, fen paid, overpaid lines, fen overpaid).
    let mut by: BTreeMap<String, (i64, i64, i64, i64)> = BTreeMap::new();
    for r in tx.query(
        "SELECT l.county, COUNT(*), CAST(COALESCE(SUM(l.total_fen), 0) AS BIGINT) FROM payroll_lines l JOIN payrolls p ON p.county = l.county AND p.payroll_id = l.payroll_id
         WHERE l.status = 'paid' AND p.month >= $1 AND p.month <= $2 GROUP BY l.county",
        &[Param::Date(jan), Param::Date(dec)],
    )? {
        let e = by.entry(r.str(0)?).or_default();
        e.0 = r.i64(1)?;
        e.1 = r.i64(2)?;
    }
    for r in tx.query(
        "SELECT o.county, COUNT(*), CAST(COALESCE(SUM(o.total_fen), 0) AS BIGINT) FROM overpayments o JOIN payrolls p ON p.county = o.county AND p.payroll_id = o.payroll_id
         WHERE p.month >= $1 AND p.month <= $2 GROUP BY o.county",
        &[Param::Date(jan), Param::Date(dec)],
    )? {
        let e = by.entry(r.str(0)?).or_default();
        e.2 = r.i64(1)?;
        e.3 = r.i64(2)?;
    }
    let yuan = yanglao_domain::format_yuan;
    let note = |lines: i64, paid: i64, n_over: i64, over: i64| {
        format!("（{year} 年各月发放并已到账的待遇 {} 元 − 其中死亡后多发 {} 元（{n_over} 笔））÷ {} 元（{lines} 笔）", yuan(paid), yuan(over), yuan(paid))
    };
    let none = format!("{year} 年没有已到账的待遇发放");
    let mut all = (0, 0, 0, 0);
    for (c, (lines, paid, n_over, over)) in &by {
        out.put(
            c,
            "payment_accuracy_pct",
            rate_of(
                paid - over,
                *paid,
                note(*lines, *paid, *n_over, *over),
                &none,
            ),
        );
        all = (all.0 + lines, all.1 + paid, all.2 + n_over, all.3 + over);
    }
    out.city.insert(
        "payment_accuracy_pct".into(),
        rate_of(
            all.1 - all.3,
            all.1,
            note(all.0, all.1, all.2, all.3),
            &none,
        ),
    );
    Ok(())
}

pub(crate) fn completeness(tx: &mut Tx<'_>, year: i32, out: &mut Measured) -> Result<()> {
    let mut arrived: BTreeMap<String, i64> = BTreeMap::new();
    for r in tx.query("SELECT kind, CAST(SUM(amount_fen) AS BIGINT) FROM fund_arrivals WHERE year = $1 GROUP BY kind", &[Param::Int(year.into())])? {
        arrived.insert(r.str(0)?, r.i64(1)?);
    }
    let r = tx.query_one(
        "SELECT CAST(COALESCE(SUM(personal_fen), 0) AS BIGINT), CAST(COALESCE(SUM(gov_paid_fen), 0) AS BIGINT),
                CAST(COALESCE(SUM(subsidy_province_fen + subsidy_city_fen + subsidy_county_fen), 0) AS BIGINT)
         FROM account_movements WHERE kind IN ('self', 'gov_paid') AND year = $1",
        &[Param::Int(year.into())],
    )?;
    let (personal, gov, entry) = (r.i64(0)?, r.i64(1)?, r.i64(2)?);
    let jan = Month::parse(&format!("{year}-01")).expect("valid");
    let dec = Month::parse(&format!("{year}-12")).expect("valid");
    let r = tx.query_one(
        "SELECT CAST(COALESCE(SUM(l.exit_province_fen + l.exit_city_fen + l.exit_county_fen), 0) AS BIGINT)
         FROM payroll_lines l JOIN payrolls p ON p.county = l.county AND p.payroll_id = l.payroll_id
         WHERE l.status = 'paid' AND p.month >= $1 AND p.month <= $2",
        &[Param::Date(jan.first_day()), Param::Date(dec.first_day())],
    )?;
    let exit = r.i64(0)?;
    let yuan = yanglao_domain::format_wan_yuan;
    let a = |k: &str| arrived.get(k).copied().unwrap_or(0);
    out.city.insert(
        "collection_completeness_pct".into(),
        if arrived.is_empty() {
            no_data(format!("没有登记 {year} 年的财政资金到账"))
        } else {
            let collected = personal + a("gov_paid").min(gov);
            match pct(collected, personal + gov) {
                Some(p) => measured(
                    p,
                    pct_text(p),
                    format!("（个人缴费 {} 万元 + 已到账政府代缴 {} 万元）÷（个人缴费 + 应代缴 {} 万元）", yuan(personal), yuan(a("gov_paid").min(gov)), yuan(gov)),
                ),
                None => no_data(format!("{year} 年度没有应征收的保费")),
            }
        },
    );
    out.city.insert(
        "subsidy_completeness_pct".into(),
        if arrived.is_empty() {
            no_data(format!("没有登记 {year} 年的财政资金到账"))
        } else {
            let due = entry + exit;
            let got = a("entry").min(entry) + a("exit").min(exit);
            match pct(got, due) {
                Some(p) => measured(
                    p,
                    pct_text(p),
                    format!(
                        "已到账补贴（入口补 {} 万元、出口补 {} 万元，各以应拨为限）÷ 应拨补贴（计入个人账户的入口补 {} 万元 + 已发放待遇中的出口补 {} 万元）",
                        yuan(a("entry").min(entry)),
                        yuan(a("exit").min(exit)),
                        yuan(entry),
                        yuan(exit)
                    ),
                ),
                None => no_data(format!("{year} 年没有应拨的补贴")),
            }
        },
    );
    Ok(())
}
