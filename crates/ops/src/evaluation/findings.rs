//! The findings the report states: each problem the books show, with its figures.

use super::*;
use crate::{Ctx, Result};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;

// ---------------------------------------------------------------------------------------------
// Findings
// ---------------------------------------------------------------------------------------------

/// A problem the data shows, with its figures: the report's "存在的问题" are made of these.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Finding {
    /// `interest`, `overpayment`, `contributors`, `late_payroll` or `budget`.
    pub kind: &'static str,
    pub title: String,
    /// Sentences with the figures.
    pub detail: Vec<String>,
    /// What the report recommends for it.
    pub recommendation: String,
    /// The figures its sentences state that the report states elsewhere too (key, value as
    /// written), for the report's check that one figure has one value.
    pub figures: Vec<(String, String)>,
}

/// The findings of a year, from the books (after [`measure`]).
pub fn findings(ctx: &mut Ctx, m: &Measured) -> Result<Vec<Finding>> {
    let mut out = Vec::new();
    out.extend(interest_finding(m));
    out.extend(overpayment_finding(ctx, m)?);
    out.extend(contributors_finding(m));
    out.extend(late_payroll_finding(m));
    out.extend(budget_finding(ctx, m)?);
    Ok(out)
}

/// Interest below the agreements.
fn interest_finding(m: &Measured) -> Option<Finding> {
    let year = m.year;
    let yuan = yanglao_domain::format_yuan;
    let shortfalls = m.shortfalls.as_ref().filter(|s| !s.is_empty())?;
    let mut by: BTreeMap<String, (i64, Vec<String>)> = BTreeMap::new();
    for s in shortfalls {
        let e = by.entry(s.county.clone()).or_default();
        e.0 += s.shortfall_fen;
        e.1.push(format!(
            "{} 至 {} 按 {:.2}% 计息（协议约定 {:.2}%），少计 {} 元",
            s.period_start,
            s.period_end,
            s.applied_rate,
            s.agreed_rate,
            yuan(s.shortfall_fen)
        ));
    }
    let total: i64 = shortfalls.iter().map(|s| s.shortfall_fen).sum();
    let mut detail = vec![format!(
        "按银行协议约定的优惠利率核对 {year} 年利息入账，{} 个县区的基金专户共少计利息 {} 元（{} 笔）。",
        by.len(),
        yuan(total),
        shortfalls.len()
    )];
    for (c, (fen, lines)) in &by {
        detail.push(format!(
            "{}：少计 {} 元；{}。",
            name_of(&m.counties, c),
            yuan(*fen),
            lines.join("；")
        ));
    }
    Some(Finding {
        kind: "interest",
        title: "基金保值增值运行管理不到位".into(),
        detail,
        recommendation: "与开户银行逐户核对协议利率，限期补回少计利息；每次结息后用系统按协议利率复核，发现差额当月追回，并将利率执行情况纳入对银行的年度考核。".into(),
        figures: Vec::new(),
    })
}

/// Overpayments after death and their recovery.
fn overpayment_finding(ctx: &mut Ctx, m: &Measured) -> Result<Option<Finding>> {
    let year = m.year;
    let yuan = yanglao_domain::format_yuan;
    let figures = crate::deaths::figures(ctx, Some(year))?;
    let cases: i64 = figures.iter().map(|f| f.cases_opened).sum();
    if cases <= 0 {
        return Ok(None);
    }
    let over: i64 = figures.iter().map(|f| f.overpaid_fen).sum();
    let rec: i64 = figures.iter().map(|f| f.recovered_fen).sum();
    let outstanding: i64 = figures.iter().map(|f| f.outstanding_fen).sum();
    let stopped: i64 = figures.iter().map(|f| f.payments_stopped).sum();
    let mut detail = vec![format!(
        "{year} 年死亡人员中有 {cases} 人在死亡后仍被发放待遇，多发 {} 元，已追回 {} 元，尚未追回 {} 元；另有 {stopped} 人次的待遇因死亡信息及时比对而在发放前停止。",
        yuan(over),
        yuan(rec),
        yuan(outstanding)
    )];
    // The recovery rate the evaluation scores (appendix 1) counts every case opened by the
    // year's end, not only the year's deaths: said so, with its figures.
    if let Some(r) = m.city.get("recovery_rate_pct") {
        detail.push(format!(
            "按截至 {year} 年底累计立案的全部多领冒领案件计算，追回率为 {}（{}；见附表 1）。",
            r.display,
            r.note.trim_end_matches('。')
        ));
    }
    for f in figures.iter().filter(|f| f.cases_opened > 0) {
        detail.push(format!(
            "{}：{} 人，多发 {} 元，已追回 {} 元，未追回 {} 元。",
            name_of(&m.counties, &f.county),
            f.cases_opened,
            yuan(f.overpaid_fen),
            yuan(f.recovered_fen),
            yuan(f.outstanding_fen)
        ));
    }
    Ok(Some(Finding {
        kind: "overpayment",
        title: "多领冒领养老金时有发生，待遇追回难度大".into(),
        detail,
        recommendation: "每次发放前比对公安、民政、卫健死亡信息及村（居）去世人员月报；对未追回的案件按银行协助划扣、冲抵个人账户可继承余额、家属退还、移交执法的顺序推进，并严格落实年度资格认证。".into(),
        figures: m
            .city
            .get("recovery_rate_pct")
            .map(|r| ("metric.recovery_rate_pct".to_string(), r.display.clone()))
            .into_iter()
            .collect(),
    }))
}

/// Contributors falling over two years.
fn contributors_finding(m: &Measured) -> Option<Finding> {
    let year = m.year;
    let get = |y: i32, c: &str| {
        m.contributors
            .get(&y)
            .and_then(|x| x.get(c))
            .map_or(0, |x| x.total)
    };
    let now = get(year, "");
    let first = get(year - 2, "");
    if !(first > 0 && now < first) {
        return None;
    }
    let mut detail = vec![format!(
        "{}–{year} 年缴费人数依次为 {}、{}、{}，{year} 年较 {} 年减少 {}（{}）。",
        year - 2,
        persons_text(first),
        persons_text(get(year - 1, "")),
        persons_text(now),
        year - 2,
        persons_text(first - now),
        pct_text(Decimal::from(first - now) * Decimal::from(100) / Decimal::from(first))
    )];
    if let Some(c11) = m.city.get("contributors").and_then(|x| x.value) {
        detail.push(format!(
            "{year} 年缴费人数 {}。",
            persons_text(c11.try_into().unwrap_or(0))
        ));
    }
    for (c, name) in &m.counties {
        let (a, b) = (get(year, c), get(year - 2, c));
        if b > 0 && a < b {
            detail.push(format!(
                "{name}：{} 减至 {}，减少 {}。",
                persons_text(b),
                persons_text(a),
                pct_text(Decimal::from(b - a) * Decimal::from(100) / Decimal::from(b))
            ));
        }
    }
    Some(Finding {
        kind: "contributors",
        title: "参保缴费人数逐年减少".into(),
        detail,
        figures: (0..3)
            .map(|k| {
                let y = year - 2 + k;
                (format!("contributors.{y}"), persons_text(get(y, "")))
            })
            .collect(),
        recommendation: "以已参加基本养老保险但未缴纳补充养老保险的人员为重点（见动员名单），逐村逐户宣传“基本险 + 补充险”的长期收益，鼓励有条件的居民选择较高档次。".into(),
    })
}

/// Late payrolls.
fn late_payroll_finding(m: &Measured) -> Option<Finding> {
    let year = m.year;
    let late: usize = m.late_months.values().map(Vec::len).sum();
    if late == 0 {
        return None;
    }
    let mut detail = vec![format!(
        "{year} 年共有 {late} 个县区月的待遇晚于当月 15 日发放（或截至 15 日尚未发放）。"
    )];
    for (c, months) in &m.late_months {
        detail.push(format!(
            "{}：{} 个月（{}）。",
            name_of(&m.counties, c),
            months.len(),
            months.join("、")
        ));
    }
    let on_time: Vec<&str> = m
        .counties
        .iter()
        .filter(|(c, _)| !m.late_months.contains_key(*c))
        .map(|(_, n)| n.as_str())
        .collect();
    if !on_time.is_empty() {
        detail.push(format!("{} 各月均按时发放。", on_time.join("、")));
    }
    Some(Finding {
        kind: "late_payroll",
        title: "养老金待遇发放不及时".into(),
        detail,
        recommendation: "每月 10 日前完成死亡信息比对与资格认证核查，提前生成发放批次并完成复核审批；在工作台按县区跟踪当月发放进度与剩余天数，确保 15 日前发放到账。".into(),
        figures: vec![("metric.late_payroll_months".into(), format!("{late} 个县区月"))],
    })
}

/// Budget lines out of range.
fn budget_finding(ctx: &mut Ctx, m: &Measured) -> Result<Option<Finding>> {
    let year = m.year;
    let wan_yuan = yanglao_domain::format_wan_yuan;
    let e = match &m.execution {
        Some(e) => e.clone(),
        None => crate::books::budget::execution(ctx, year, 0.9)?,
    };
    let flagged: Vec<&crate::books::budget::ExecutionLine> =
        e.lines.iter().filter(|l| !l.flag.is_empty()).collect();
    if flagged.is_empty() {
        return Ok(None);
    }
    let mut detail = vec![format!(
        "{year} 年 {} 个预算科目的执行超出合理范围（超预算，或执行率低于 90%）。",
        flagged.len()
    )];
    for l in flagged {
        detail.push(format!(
            "{}：预算 {} 万元，实际支出 {} 万元，执行率 {}，{}。",
            crate::books::budget::label(&l.level, &l.kind),
            wan_yuan(l.budget_fen),
            wan_yuan(l.spent_fen),
            l.execution_rate
                .map_or("—".into(), |r| pct_text(dec(r * 100.0))),
            if l.flag == "over" {
                "超出预算"
            } else {
                "执行偏低"
            }
        ));
    }
    Ok(Some(Finding {
        kind: "budget",
        title: "部分预算科目执行偏离预算".into(),
        detail,
        recommendation: "按参保缴费人数、待遇领取人数和补贴标准测算各级补助预算，年中根据执行进度及时调整，超预算支出须先履行调整程序。".into(),
        figures: Vec::new(),
    }))
}
