//! The evaluation's measurements: every indicator the data can answer, per county and for the
//! city, each with its formula and figures (docs/EVALUATION.md lists them). Scoring itself is in
//! the `eval` crate; this module reads the books.

pub mod enrolment;
pub mod survey;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::Serialize;
use yanglao_domain::Month;
use yanglao_eval::Measurement;
use yanglao_store::{Param, Tx};

use crate::access::Action;
use crate::register::index::FastMap;
use crate::{Ctx, OpsError, Result};

/// The metrics a framework may name.
pub const METRICS: [&str; 20] = [
    "contributors",
    "contributors_change_pct",
    "counties_fell_over_5pct",
    "counties_fell_over_2y",
    "benefit_coverage_pct",
    "hardship_coverage_pct",
    "subsidy_mismatches",
    "payment_accuracy_pct",
    "late_payroll_months",
    "collection_completeness_pct",
    "subsidy_completeness_pct",
    "budget_execution_pct",
    "funds_in_place_pct",
    "fund_deviation_pct",
    "interest_shortfalls",
    "recovery_rate_pct",
    "fund_months_of_expenditure",
    "policy_awareness_pct",
    "contributor_satisfaction_pct",
    "recipient_satisfaction_pct",
];

#[cfg(test)]
mod metric_names {
    #[test]
    fn every_metric_has_a_chinese_name() {
        for k in super::METRICS {
            let zh = super::metric_zh(k);
            assert!(zh != k && !zh.contains('_'), "{k}");
        }
    }
}

/// The Chinese name of a metric, as a report or a screen shows it (the key stays in the data).
pub fn metric_zh(key: &str) -> &str {
    match key {
        "contributors" => "参保缴费人数",
        "contributors_change_pct" => "缴费人数同比变动率",
        "counties_fell_over_5pct" => "缴费人数同比降幅超过 5% 的县区数",
        "counties_fell_over_2y" => "近三年缴费人数减少的县区数",
        "benefit_coverage_pct" => "待遇领取人员应补尽补率",
        "hardship_coverage_pct" => "困难群体应补尽补率",
        "subsidy_mismatches" => "补贴标准不符笔数",
        "payment_accuracy_pct" => "发放对象资金支付准确率",
        "late_payroll_months" => "晚于 15 日发放的县区月数",
        "collection_completeness_pct" => "基金征收足额率",
        "subsidy_completeness_pct" => "补贴足额发放率",
        "budget_execution_pct" => "预算执行率",
        "funds_in_place_pct" => "资金到位率",
        "fund_deviation_pct" => "基金收支偏差率",
        "interest_shortfalls" => "少计利息的基金专户数",
        "recovery_rate_pct" => "多领冒领追回率",
        "fund_months_of_expenditure" => "年末滚存结余可支付月数",
        "policy_awareness_pct" => "政策知晓率",
        "contributor_satisfaction_pct" => "参保人员满意度",
        "recipient_satisfaction_pct" => "待遇领取人员满意度",
        other => other,
    }
}

/// A count of persons as the report prints it: "11.73万人" from ten thousand up, else "236 人".
pub fn persons_text(n: i64) -> String {
    if n.abs() >= 10_000 {
        format!("{}人", wan(n))
    } else {
        format!("{n} 人")
    }
}

/// "11.73万" from a count (two decimals, half up).
pub fn wan(n: i64) -> String {
    let h = (n.abs() + 50) / 100;
    format!(
        "{}{}.{:02}万",
        if n < 0 { "-" } else { "" },
        h / 100,
        h % 100
    )
}

fn dec(x: f64) -> Decimal {
    Decimal::try_from(x).unwrap_or_default()
}

fn pct(part: i64, whole: i64) -> Option<Decimal> {
    (whole != 0).then(|| Decimal::from(part) * Decimal::from(100) / Decimal::from(whole))
}

fn pct_text(d: Decimal) -> String {
    format!("{}%", yanglao_eval::fmt2(d))
}

fn measured(value: Decimal, display: String, note: String) -> Measurement {
    Measurement {
        value: Some(value),
        display,
        items: Vec::new(),
        note,
    }
}

fn no_data(note: impl Into<String>) -> Measurement {
    Measurement {
        value: None,
        display: "无数据".into(),
        items: Vec::new(),
        note: note.into(),
    }
}

fn items(list: Vec<String>, unit: &str, note: String) -> Measurement {
    Measurement {
        value: Some(Decimal::from(list.len() as i64)),
        display: format!("{} {unit}", list.len()),
        items: list,
        note,
    }
}

/// Contributors of one county and year, by kind.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Contributors {
    pub total: i64,
    pub self_paid: i64,
    pub government_paid: i64,
    /// Government-paid people who also paid a tier themselves.
    pub both: i64,
}

/// Everything measured for a year: the metrics for scoring, and the figures the report prints.
#[derive(Debug, Clone, Serialize)]
pub struct Measured {
    pub year: i32,
    pub counties: BTreeMap<String, String>,
    /// Metric → the city's measurement.
    #[serde(skip)]
    pub city: BTreeMap<String, Measurement>,
    /// Year → county → contributors (county `""`: the city).
    pub contributors: BTreeMap<i32, BTreeMap<String, Contributors>>,
    /// County → persons paid a benefit in the year (`""`: the city).
    pub recipients: BTreeMap<String, i64>,
    /// County → payments made in the year (人次): each component (account pension, exit subsidy) of a paid line.
    pub payments: BTreeMap<String, i64>,
    /// County → months paid after the 15th (or not paid by then).
    pub late_months: BTreeMap<String, Vec<String>>,
    /// County → metric → the county's measurement, for the metrics measured county by county.
    #[serde(skip)]
    pub by_county: BTreeMap<String, BTreeMap<String, Measurement>>,
    /// The books read on the way, for the findings and the report: the fund's statement, the
    /// budget's execution, and the interest shortfalls (`None` without bank agreements).
    #[serde(skip)]
    pub statement: Option<crate::books::fund::Statement>,
    #[serde(skip)]
    pub execution: Option<crate::books::budget::Execution>,
    #[serde(skip)]
    pub shortfalls: Option<Vec<crate::books::bank::Shortfall>>,
}

impl Measured {
    fn put(&mut self, county: &str, metric: &str, m: Measurement) {
        self.by_county
            .entry(county.to_string())
            .or_default()
            .insert(metric.to_string(), m);
    }
}

/// A rate measurement (`part ÷ whole`), or no data when `whole` is zero.
fn rate_of(part: i64, whole: i64, note: String, none: &str) -> Measurement {
    match pct(part, whole) {
        Some(p) => measured(p, pct_text(p), note),
        None => no_data(none),
    }
}

/// Distinct persons paid (bank-confirmed) a benefit for a month of `year`.
pub fn measure_recipients(ctx: &mut Ctx, year: i32) -> Result<i64> {
    ctx.actor.require(Action::Evaluation)?;
    let jan = Month::parse(&format!("{year}-01"))
        .map_err(|_| OpsError::rule("E-YEAR", format!("年度 {year} 无效")))?;
    let dec = Month::parse(&format!("{year}-12")).expect("valid");
    ctx.db.transaction(|tx| -> Result<i64> {
        Ok(tx.scalar_i64(
            "SELECT COUNT(DISTINCT person_id) FROM payroll_lines WHERE status = 'paid' AND to_month >= $1 AND from_month <= $2",
            &[Param::Date(jan.first_day()), Param::Date(dec.first_day())],
        )?)
    })
}

/// Measures every metric for `year`.
pub fn measure(ctx: &mut Ctx, year: i32) -> Result<Measured> {
    ctx.actor.require(Action::Evaluation)?;
    NaiveDate::from_ymd_opt(year, 1, 1)
        .ok_or_else(|| OpsError::rule("E-YEAR", format!("年度 {year} 无效")))?;
    let today = chrono::Local::now().date_naive();
    if year > today.year() {
        return Err(OpsError::rule(
            "E-EVAL-YEAR-FUTURE",
            format!("{year} 年尚未开始，不能评价"),
        ));
    }
    let t0 = std::time::Instant::now();
    let policy = ctx.policy.clone();
    // Every measurement from one snapshot of the books, taking no write lock: figures that are
    // compared with each other (the statement and the payments, say) come from the same moment.
    ctx.db.read_transaction(|tx| -> Result<Measured> {
        let counties = crate::known_counties(tx)?;
        let mut out = Measured {
            year,
            counties: counties.clone(),
            city: BTreeMap::new(),
            contributors: BTreeMap::new(),
            recipients: BTreeMap::new(),
            payments: BTreeMap::new(),
            late_months: BTreeMap::new(),
            by_county: BTreeMap::new(),
            statement: None,
            execution: None,
            shortfalls: None,
        };
        contributors(tx, year, &mut out)?;
        tracing::info!("缴费人数 {:?}", t0.elapsed());
        coverage(tx, year, today, &mut out)?;
        tracing::info!("应补尽补与发放 {:?}", t0.elapsed());
        hardship(tx, year, &policy, &mut out)?;
        subsidy_compliance(tx, year, &policy, &mut out)?;
        tracing::info!("补贴合规 {:?}", t0.elapsed());
        timeliness(tx, year, today, &mut out)?;
        completeness(tx, year, &mut out)?;
        accuracy(tx, year, &mut out)?;
        let mut m = out;
        measure_books(tx, year, &mut m)?;
        tracing::info!("全部指标 {:?}", t0.elapsed());
        Ok(m)
    })
}

/// The measurements of the budget, the bank's interest, recovery, the fund statement and the
/// surveys, within the snapshot of [`measure`].
fn measure_books(tx: &mut Tx<'_>, year: i32, m: &mut Measured) -> Result<()> {
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

fn name_of<'a>(counties: &'a BTreeMap<String, String>, code: &'a str) -> &'a str {
    counties.get(code).map_or(code, String::as_str)
}

fn contributors(tx: &mut Tx<'_>, year: i32, out: &mut Measured) -> Result<()> {
    // Distinct contributors per county and year, with who paid.
    for y in year - 2..=year {
        let mut by: BTreeMap<String, Contributors> = BTreeMap::new();
        tx.for_each_ref(
            "SELECT county, person_id, MAX(CASE WHEN kind = 'self' THEN 1 ELSE 0 END), MAX(CASE WHEN kind = 'gov_paid' THEN 1 ELSE 0 END)
             FROM account_movements WHERE kind IN ('self', 'gov_paid') AND year = $1 GROUP BY county, person_id",
            &[Param::Int(y.into())],
            |r| {
                let (s, g) = (r.i64(2)? == 1, r.i64(3)? == 1);
                for key in [r.str(0)?, ""] {
                    let c = by.entry(key.to_string()).or_default();
                    c.total += 1;
                    c.self_paid += i64::from(s);
                    c.government_paid += i64::from(g);
                    c.both += i64::from(s && g);
                }
                Ok(())
            },
        )?;
        out.contributors.insert(y, by);
    }
    let get = |y: i32, c: &str| {
        out.contributors
            .get(&y)
            .and_then(|m| m.get(c))
            .map_or(0, |x| x.total)
    };
    let now = get(year, "");
    let counted_years: BTreeSet<i32> = out
        .contributors
        .iter()
        .filter(|(_, m)| !m.is_empty())
        .map(|(y, _)| *y)
        .collect();
    let counted = |y: i32| counted_years.contains(&y);
    let city = &mut out.city;
    city.insert(
        "contributors".into(),
        if counted(year) {
            measured(
                Decimal::from(now),
                persons_text(now),
                format!("{year} 年度有个人缴费或政府代缴记录的人数（同一人只计一次）：{now} 人"),
            )
        } else {
            no_data(format!("{year} 年度没有任何缴费记录"))
        },
    );
    let before = get(year - 1, "");
    city.insert(
        "contributors_change_pct".into(),
        match pct(now - before, before) {
            Some(p) if counted(year) => measured(
                p,
                pct_text(p),
                format!(
                    "（{year} 年 {now} 人 − {} 年 {before} 人）÷ {before} 人",
                    year - 1
                ),
            ),
            _ => no_data(format!("{} 年没有缴费人数，无法计算变动率", year - 1)),
        },
    );
    let per: Vec<(String, i64, i64)> = out
        .counties
        .keys()
        .map(|c| (c.clone(), get(year, c), get(year - 1, c)))
        .collect();
    for (c, a, b) in per {
        out.put(
            &c,
            "contributors",
            measured(
                Decimal::from(a),
                persons_text(a),
                format!("{year} 年度缴费人数 {a} 人"),
            ),
        );
        out.put(
            &c,
            "contributors_change_pct",
            rate_of(a - b, b, format!("（{a} − {b}）÷ {b}"), "上年没有缴费人数"),
        );
    }
    let get = |y: i32, c: &str| {
        out.contributors
            .get(&y)
            .and_then(|m| m.get(c))
            .map_or(0, |x| x.total)
    };
    let mut fell5 = Vec::new();
    let mut fell2 = Vec::new();
    for (code, name) in &out.counties {
        let (a, b, c) = (get(year, code), get(year - 1, code), get(year - 2, code));
        if let Some(p) = pct(a - b, b) {
            if p < Decimal::from(-5) {
                fell5.push(format!("{name} {}（{b} → {a} 人）", pct_text(p)));
            }
        }
        if c > 0 && a < c {
            fell2.push(format!(
                "{name} {} 至 {year} 年减少 {} 人（{c} → {a} 人）",
                year - 2,
                c - a
            ));
        }
    }
    let city = &mut out.city;
    city.insert(
        "counties_fell_over_5pct".into(),
        if counted(year - 1) {
            items(
                fell5,
                "个县区",
                "各县区缴费人数同比变动率低于 −5% 的县区".into(),
            )
        } else {
            no_data(format!("{} 年没有缴费记录", year - 1))
        },
    );
    city.insert(
        "counties_fell_over_2y".into(),
        if counted(year - 2) {
            items(
                fell2,
                "个县区",
                format!("{} 至 {year} 年缴费人数减少的县区", year - 2),
            )
        } else {
            no_data(format!("{} 年没有缴费记录，无法比较三年变化", year - 2))
        },
    );
    Ok(())
}

/// Months of a line's span `[from, to]` that fall in `year`.
fn months_in_year(from: Month, to: Month, year: i32) -> i64 {
    let a = from.max(Month::parse(&format!("{year}-01")).expect("valid"));
    let b = to.min(Month::parse(&format!("{year}-12")).expect("valid"));
    if b < a {
        0
    } else {
        i64::from(a.until(b)) + 1
    }
}

/// 应补尽补 for recipients: person-months due in the year against person-months paid.
fn coverage(tx: &mut Tx<'_>, year: i32, today: NaiveDate, out: &mut Measured) -> Result<()> {
    let last = Month::of(today).min(Month::parse(&format!("{year}-12")).expect("valid"));
    // Who was due, and from/until when: awards, cut at the month of death or termination.
    let mut ends: FastMap<i64, Month> = FastMap::default();
    tx.for_each_ref(
        "SELECT person_id, MIN(effective_date) FROM person_events WHERE status = 'terminated' GROUP BY person_id",
        &[],
        |r| {
            ends.insert(r.i64(0)?, Month::of(r.date(1)?));
            Ok(())
        },
    )?;
    tx.for_each_ref("SELECT person_id, death_date FROM deaths", &[], |r| {
        let m = Month::of(r.date(1)?);
        let e = ends.entry(r.i64(0)?).or_insert(m);
        *e = (*e).min(m);
        Ok(())
    })?;
    let mut due: FastMap<i64, (String, i64)> = FastMap::default();
    tx.for_each_ref(
        "SELECT person_id, county, start_month FROM awards",
        &[],
        |r| {
            let p = r.i64(0)?;
            let end = ends.get(&p).copied().unwrap_or(last).min(last);
            let n = months_in_year(Month::of(r.date(2)?), end, year);
            if n > 0 {
                due.insert(p, (r.str(1)?.to_string(), n));
            }
            Ok(())
        },
    )?;
    let mut paid: FastMap<i64, i64> = FastMap::default();
    let mut recipients: BTreeMap<String, BTreeSet<i64>> = BTreeMap::new();
    let jan = Month::parse(&format!("{year}-01")).expect("valid");
    tx.for_each_ref(
        "SELECT l.county, l.person_id, l.from_month, l.to_month,
                CASE WHEN l.account_pension_fen > 0 THEN 1 ELSE 0 END + CASE WHEN l.exit_province_fen + l.exit_city_fen + l.exit_county_fen > 0 THEN 1 ELSE 0 END
         FROM payroll_lines l WHERE l.status = 'paid' AND l.to_month >= $1",
        &[Param::Date(jan.first_day())],
        |r| {
            let n = months_in_year(Month::of(r.date(2)?), Month::of(r.date(3)?), year);
            if n > 0 {
                let p = r.i64(1)?;
                *paid.entry(p).or_default() += n;
                let c = r.str(0)?;
                // A payment (人次) is a component paid: the account pension and the exit
                // subsidy of one line are two.
                let components = r.i64(4)?;
                *out.payments.entry(c.to_string()).or_default() += components;
                *out.payments.entry(String::new()).or_default() += components;
                recipients.entry(c.to_string()).or_default().insert(p);
            }
            Ok(())
        },
    )?;
    let mut all = 0;
    for (c, set) in &recipients {
        out.recipients.insert(c.clone(), set.len() as i64);
        all += set.len() as i64;
    }
    out.recipients.insert(String::new(), all);
    let (mut due_total, mut covered, mut short_people) = (0i64, 0i64, 0i64);
    let mut short_by_county: BTreeMap<String, i64> = BTreeMap::new();
    let mut per_county: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for (p, (county, n)) in &due {
        let got = paid.get(p).copied().unwrap_or(0).min(*n);
        due_total += n;
        covered += got;
        let c = per_county.entry(county.clone()).or_default();
        c.0 += got;
        c.1 += n;
        if got < *n {
            short_people += 1;
            *short_by_county.entry(county.clone()).or_default() += 1;
        }
    }
    for (c, (got, n)) in per_county {
        out.put(
            &c,
            "benefit_coverage_pct",
            rate_of(
                got,
                n,
                format!("已发放人月 {got} ÷ 应发人月 {n}"),
                "没有应发待遇的人员",
            ),
        );
    }
    out.city.insert(
        "benefit_coverage_pct".into(),
        match pct(covered, due_total) {
            Some(p) => {
                let shorts: Vec<String> = short_by_county.iter().map(|(c, n)| format!("{} {n} 人", name_of(&out.counties, c))).collect();
                let mut m = measured(
                    p,
                    pct_text(p),
                    format!(
                        "已发放（银行回盘成功）的待遇人月 {covered} ÷ 应发人月 {due_total}（核定待遇起始月至死亡或终止当月，截至 {last}）；{short_people} 人未足额{}",
                        if shorts.is_empty() { String::new() } else { format!("：{}", shorts.join("、")) }
                    ),
                );
                m.items = shorts;
                m
            }
            None => no_data(format!("{year} 年没有应发待遇的人员")),
        },
    );
    Ok(())
}

/// 应补尽补 for hardship groups: members below benefit age whose group the government pays for,
/// with a government-paid contribution for the year.
fn hardship(
    tx: &mut Tx<'_>,
    year: i32,
    policy: &crate::policy::PolicyBook,
    out: &mut Measured,
) -> Result<()> {
    let jan1 = NaiveDate::from_ymd_opt(year, 1, 1).expect("valid");
    let dec31 = NaiveDate::from_ymd_opt(year, 12, 31).expect("valid");
    let mut paid: FastMap<i64, ()> = FastMap::default();
    tx.for_each_ref(
        "SELECT person_id FROM account_movements WHERE kind = 'gov_paid' AND year = $1",
        &[Param::Int(year.into())],
        |r| {
            paid.insert(r.i64(0)?, ());
            Ok(())
        },
    )?;
    let mut ended: FastMap<i64, NaiveDate> = FastMap::default();
    tx.for_each_ref("SELECT person_id, MIN(effective_date) FROM person_events WHERE status = 'terminated' GROUP BY person_id", &[], |r| {
        ended.insert(r.i64(0)?, r.date(1)?);
        Ok(())
    })?;
    let mut members: BTreeMap<i64, String> = BTreeMap::new();
    let mut any = false;
    tx.for_each_ref(
        "SELECT h.person_id, h.county, h.category, p.birth_date FROM hardship_memberships h JOIN persons p ON p.person_id = h.person_id
         WHERE h.start_date <= $1 AND (h.end_date IS NULL OR h.end_date >= $2)",
        &[Param::Date(dec31), Param::Date(jan1)],
        |r| {
            any = true;
            let (p, county) = (r.i64(0)?, r.str(1)?);
            let Ok(sp) = policy.supplementary(county, jan1) else { return Ok(()) };
            let qualifies = yanglao_policy::qualifies_for_government_paid(&sp, &[r.str(2)?]);
            let under_age = yanglao_domain::age_on(r.date(3)?, jan1) < sp.benefit_age as i32;
            let alive = ended.get(&p).is_none_or(|d| *d > jan1);
            if qualifies && under_age && alive {
                members.insert(p, county.to_string());
            }
            Ok(())
        },
    )?;
    let n = members.len() as i64;
    let missing: BTreeMap<&str, i64> = members.iter().filter(|(p, _)| !paid.contains_key(p)).fold(
        BTreeMap::new(),
        |mut m, (_, c)| {
            *m.entry(c.as_str()).or_default() += 1;
            m
        },
    );
    let covered = n - missing.values().sum::<i64>();
    let mut per_county: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for (p, c) in &members {
        let e = per_county.entry(c.clone()).or_default();
        e.0 += i64::from(paid.contains_key(p));
        e.1 += 1;
    }
    for (c, (got, k)) in per_county {
        out.put(
            &c,
            "hardship_coverage_pct",
            rate_of(
                got,
                k,
                format!("已代缴 {got} 人 ÷ 应代缴 {k} 人"),
                "没有应代缴人员",
            ),
        );
    }
    let list: Vec<String> = missing
        .iter()
        .map(|(c, k)| format!("{} {k} 人未代缴", name_of(&out.counties, c)))
        .collect();
    out.city.insert(
        "hardship_coverage_pct".into(),
        match pct(covered, n) {
            Some(p) => {
                let mut m = measured(p, pct_text(p), format!("{year} 年有政府代缴记录的困难群体人数 {covered} ÷ 应代缴人数 {n}（在册、未达待遇领取年龄、属政策规定的代缴群体）"));
                m.items = list;
                m
            }
            None if any => no_data(format!("{year} 年在册困难群体中没有应由政府代缴的人员")),
            None => no_data("没有导入困难群体名册"),
        },
    );
    Ok(())
}

/// Every posted entry subsidy of the year against the policy's amount for its tier.
fn subsidy_compliance(
    tx: &mut Tx<'_>,
    year: i32,
    policy: &crate::policy::PolicyBook,
    out: &mut Measured,
) -> Result<()> {
    let mut cache = crate::register::contributions::ParamCache::new(policy);
    let mut checked = 0i64;
    let mut wrong: Vec<String> = Vec::new();
    let mut wrong_n = 0i64;
    let mut per_county: BTreeMap<u32, (i64, i64)> = BTreeMap::new();
    tx.for_each_ref(
        "SELECT county, person_id, kind, personal_fen + gov_paid_fen, subsidy_province_fen, subsidy_city_fen, subsidy_county_fen, reference
         FROM account_movements WHERE kind IN ('self', 'gov_paid') AND year = $1",
        &[Param::Int(year.into())],
        |r| {
            checked += 1;
            let county = crate::register::index::county_key(r.str(0)?);
            let amount = r.i64(3)?;
            let expected = if r.str(2)? == "self" {
                cache.entry_subsidy(county, year, amount)
            } else {
                match cache.get(county, year) {
                    Ok(sp) if sp.government_paid_entry_subsidy => yanglao_policy::entry_subsidy(sp, sp.government_paid_tier_fen),
                    Ok(_) => Some(yanglao_policy::LevelAmounts::default()),
                    Err(_) => None,
                }
            };
            let got = (r.i64(4)?, r.i64(5)?, r.i64(6)?);
            let tally = per_county.entry(county).or_default();
            tally.0 += 1;
            if expected.map(|e| (e.province_fen, e.city_fen, e.county_fen)) != Some(got) {
                tally.1 += 1;
                wrong_n += 1;
                if wrong.len() < 50 {
                    wrong.push(format!("票据 {}：补贴 {}/{}/{} 分", r.str(7)?, got.0, got.1, got.2));
                }
            }
            Ok(())
        },
    )?;
    for (c, (k, w)) in per_county {
        out.put(
            &format!("{c:06}"),
            "subsidy_mismatches",
            Measurement {
                value: Some(Decimal::from(w)),
                display: if w == 0 {
                    "合规".into()
                } else {
                    format!("{w} 笔不符")
                },
                items: Vec::new(),
                note: format!("核对 {k} 笔，不符 {w} 笔"),
            },
        );
    }
    out.city.insert(
        "subsidy_mismatches".into(),
        if checked == 0 {
            no_data(format!("{year} 年度没有缴费记录可核对"))
        } else {
            Measurement {
                value: Some(Decimal::from(wrong_n)),
                display: if wrong_n == 0 { "合规".into() } else { format!("{wrong_n} 笔不符") },
                items: wrong,
                note: format!("逐笔核对 {checked} 笔缴费的入口补贴（省、市、县三级）与政策参数规定的档次补贴，不符 {wrong_n} 笔"),
            }
        },
    );
    Ok(())
}

/// Regular payrolls of the year's months paid after the 15th, or not paid by then.
fn timeliness(tx: &mut Tx<'_>, year: i32, today: NaiveDate, out: &mut Measured) -> Result<()> {
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
fn accuracy(tx: &mut Tx<'_>, year: i32, out: &mut Measured) -> Result<()> {
    let jan = Month::parse(&format!("{year}-01"))
        .expect("valid")
        .first_day();
    let dec = Month::parse(&format!("{year}-12"))
        .expect("valid")
        .first_day();
    // County → (lines paid, fen paid, overpaid lines, fen overpaid).
    let mut by: BTreeMap<String, (i64, i64, i64, i64)> = BTreeMap::new();
    for r in tx.query(
        "SELECT l.county, COUNT(*), CAST(COALESCE(SUM(l.total_fen), 0) AS BIGINT) FROM payroll_lines l JOIN payrolls p ON p.payroll_id = l.payroll_id
         WHERE l.status = 'paid' AND p.month >= $1 AND p.month <= $2 GROUP BY l.county",
        &[Param::Date(jan), Param::Date(dec)],
    )? {
        let e = by.entry(r.str(0)?).or_default();
        e.0 = r.i64(1)?;
        e.1 = r.i64(2)?;
    }
    for r in tx.query(
        "SELECT o.county, COUNT(*), CAST(COALESCE(SUM(o.total_fen), 0) AS BIGINT) FROM overpayments o JOIN payrolls p ON p.payroll_id = o.payroll_id
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

fn completeness(tx: &mut Tx<'_>, year: i32, out: &mut Measured) -> Result<()> {
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
         FROM payroll_lines l JOIN payrolls p ON p.payroll_id = l.payroll_id
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

fn budget_metrics(tx: &mut Tx<'_>, year: i32, m: &mut Measured) -> Result<()> {
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

fn interest_metrics(tx: &mut Tx<'_>, year: i32, m: &mut Measured) -> Result<()> {
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

fn recovery_metric(tx: &mut Tx<'_>, year: i32, m: &mut Measured) -> Result<()> {
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

fn survey_metrics(tx: &mut Tx<'_>, year: i32, m: &mut Measured) -> Result<()> {
    let rates = crate::evaluation::survey::rates_in(tx, year)?;
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

// ---------------------------------------------------------------------------------------------
// The worksheet and the evaluation
// ---------------------------------------------------------------------------------------------

pub const WORKSHEET_COLUMNS: [&str; 5] = ["指标代码", "类型", "分值", "理由", "证据"];

/// Reads the evaluator's worksheet (xlsx or csv): one judgement or deduction a row. Rows whose
/// 类型 and 分值 are both empty (the template's unfilled lines) are skipped.
pub fn read_worksheet(
    upload: &crate::imports::table::Upload,
) -> Result<(
    String,
    Vec<yanglao_eval::WorksheetEntry>,
    Vec<crate::Problem>,
)> {
    use yanglao_eval::{WorksheetEntry, WorksheetKind};
    let table = crate::imports::table::read_table(upload)?;
    let cols = table.columns(&WORKSHEET_COLUMNS)?;
    let mut entries = Vec::new();
    let mut problems = table.cell_problems(&[]);
    for (row_no, cells) in &table.rows {
        let mut err = |k: usize, v: &str, code: &'static str, msg: String| {
            problems.push(crate::Problem::at(*row_no, &cols, &table, k, v, code, msg))
        };
        let (kind_raw, points_raw) = (cols.cell(cells, 1).trim(), cols.cell(cells, 2).trim());
        if kind_raw.is_empty() && points_raw.is_empty() {
            continue;
        }
        let kind = match kind_raw {
            "评分" | "得分" => Some(WorksheetKind::Score),
            "扣分" => Some(WorksheetKind::Deduction),
            _ => {
                err(
                    1,
                    kind_raw,
                    "E-WORKSHEET-KIND",
                    "类型应为“评分”或“扣分”".into(),
                );
                None
            }
        };
        let points = points_raw
            .parse::<Decimal>()
            .ok()
            .filter(|p| *p >= Decimal::ZERO && p.scale() <= 2);
        if points.is_none() {
            err(
                2,
                points_raw,
                "E-WORKSHEET-POINTS",
                "分值应为不小于 0 的数，最多两位小数".into(),
            );
        }
        if let (Some(kind), Some(points)) = (kind, points) {
            entries.push(WorksheetEntry {
                code: cols.cell(cells, 0).trim().to_string(),
                kind,
                points,
                reason: cols.cell(cells, 3).trim().to_string(),
                evidence: cols.cell(cells, 4).trim().to_string(),
                row: *row_no,
            });
        }
    }
    Ok((table.sha256.clone(), entries, problems))
}

/// Writes a worksheet template: every leaf the evaluator may score or deduct from, with what
/// the data measured beside it.
pub fn write_worksheet_template(
    fw: &yanglao_eval::Framework,
    m: &Measured,
    path: &std::path::Path,
) -> Result<()> {
    use rust_xlsxwriter::{Format, Workbook};
    let x = |e: rust_xlsxwriter::XlsxError| {
        OpsError::rule(
            "E-EXPORT-WRITE",
            format!(
                "无法写入 {}：{}",
                path.display(),
                crate::imports::problems::xlsx_error_zh(&e)
            ),
        )
    };
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("评价工作底稿").map_err(x)?;
    let bold = Format::new().set_bold();
    let headers = [
        "指标代码",
        "指标名称",
        "满分",
        "计分规则",
        "数据完成值",
        "类型",
        "分值",
        "理由",
        "证据",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)
            .map_err(x)?;
    }
    let mut r = 1u32;
    for ind in fw.leaves() {
        let rule = ind.rule.as_ref().expect("leaves have rules");
        let data = ind.metric.as_ref().and_then(|k| m.city.get(k));
        let open = match rule {
            yanglao_eval::Rule::Judgement | yanglao_eval::Rule::Deductions { .. } => true,
            _ => data.is_none_or(|d| d.value.is_none()),
        };
        if !open {
            continue;
        }
        ws.write_string(r, 0, &ind.code).map_err(x)?;
        ws.write_string(r, 1, &ind.name).map_err(x)?;
        ws.write_number(r, 2, ind.points.to_string().parse::<f64>().unwrap_or(0.0))
            .map_err(x)?;
        ws.write_string(r, 3, rule.name_zh()).map_err(x)?;
        ws.write_string(r, 4, data.map_or("", |d| d.display.as_str()))
            .map_err(x)?;
        r += 1;
    }
    for (c, w) in [(1u16, 24.0), (3, 12.0), (4, 16.0), (7, 50.0), (8, 24.0)] {
        ws.set_column_width(c, w).map_err(x)?;
    }
    ws.set_freeze_panes(1, 0).map_err(x)?;
    wb.save(path).map_err(x)
}

/// The evaluation of a year: the framework, what was measured, and the scores.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub framework: yanglao_eval::Framework,
    pub measured: Measured,
    pub evaluation: yanglao_eval::Evaluation,
    /// Worksheet lines used.
    pub worksheet_entries: usize,
}

/// The city the register belongs to (its `regions` entry of level city), for titles.
pub fn city_name(ctx: &mut Ctx) -> Result<String> {
    ctx.db.transaction(|tx| -> Result<String> {
        Ok(tx
            .query_opt(
                "SELECT name FROM regions WHERE level = 'city' ORDER BY code LIMIT 1",
                &[],
            )?
            .map(|r| r.str(0))
            .transpose()?
            .unwrap_or_else(|| "本市".to_string()))
    })
}

/// Reads and checks a framework file against the metric catalogue.
pub fn load_framework(path: &std::path::Path) -> Result<yanglao_eval::Framework> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        OpsError::rule(
            "E-FRAMEWORK-READ",
            format!(
                "无法读取指标体系文件 {}：{}",
                path.display(),
                yanglao_domain::io_error_zh(&e)
            ),
        )
    })?;
    framework_from_text(&text, &path.display().to_string())
}

/// Checks a framework's text (`label` names it in messages).
pub fn framework_from_text(text: &str, label: &str) -> Result<yanglao_eval::Framework> {
    yanglao_eval::Framework::parse(text, &METRICS).map_err(|problems| {
        let lines: Vec<String> = problems.iter().map(|p| format!("{label}：{p}")).collect();
        OpsError::rule(
            "E-FRAMEWORK-INVALID",
            format!(
                "指标体系文件有 {} 处错误：\n{}",
                problems.len(),
                lines.join("\n")
            ),
        )
    })
}

/// Measures, checks the worksheet, scores. Nothing is written but the audit record.
pub fn evaluate(
    ctx: &mut Ctx,
    year: i32,
    framework: yanglao_eval::Framework,
    worksheet: Option<&crate::imports::table::Upload>,
) -> Result<Outcome> {
    ctx.actor.require(Action::Evaluation)?;
    let measured = measure(ctx, year)?;
    let (sha, sheet) = match worksheet {
        None => (None, Vec::new()),
        Some(upload) => {
            let (sha, sheet, mut problems) = read_worksheet(upload)?;
            let file = std::path::Path::new(&upload.name)
                .file_name()
                .map_or_else(String::new, |f| f.to_string_lossy().into_owned());
            for p in yanglao_eval::score::check_worksheet(&framework, &sheet, &measured.city) {
                problems.push(crate::Problem {
                    row: p.row,
                    column: String::new(),
                    value: String::new(),
                    code: p.code,
                    message: p.message,
                });
            }
            if !problems.is_empty() {
                problems.sort_by_key(|p| p.row);
                let lines: Vec<String> = problems
                    .iter()
                    .map(|p| {
                        format!(
                            "{file} 第 {} 行 {}[{}] {}",
                            p.row,
                            if p.column.is_empty() {
                                String::new()
                            } else {
                                format!("“{}”列 ", p.column)
                            },
                            p.code,
                            p.message
                        )
                    })
                    .collect();
                return Err(OpsError::rule(
                    "E-WORKSHEET-INVALID",
                    format!(
                        "评价工作底稿有 {} 处错误，未评分：\n{}",
                        problems.len(),
                        lines.join("\n")
                    ),
                ));
            }
            (Some(sha), sheet)
        }
    };
    let evaluation = yanglao_eval::score(&framework, &measured.city, &sheet);
    let actor = ctx.who();
    ctx.db.transaction(|tx| {
        crate::audit(
            tx,
            &actor,
            "evaluate",
            &serde_json::json!({"year": year, "framework": framework.name, "worksheet_sha256": sha, "total": evaluation.total.to_string(), "grade": evaluation.grade, "unscored": evaluation.unscored}),
        )
    })?;
    Ok(Outcome {
        framework,
        measured,
        evaluation,
        worksheet_entries: sheet.len(),
    })
}

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
}

/// The findings of a year, from the books (after [`measure`]).
pub fn findings(ctx: &mut Ctx, m: &Measured) -> Result<Vec<Finding>> {
    let year = m.year;
    let yuan = yanglao_domain::format_yuan;
    let wan_yuan = yanglao_domain::format_wan_yuan;
    let mut out = Vec::new();
    // Interest below the agreements.
    if let Some(shortfalls) = &m.shortfalls {
        if !shortfalls.is_empty() {
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
            out.push(Finding {
                kind: "interest",
                title: "基金保值增值运行管理不到位".into(),
                detail,
                recommendation: "与开户银行逐户核对协议利率，限期补回少计利息；每次结息后用系统按协议利率复核，发现差额当月追回，并将利率执行情况纳入对银行的年度考核。".into(),
            });
        }
    }
    // Overpayments after death and their recovery.
    let figures = crate::deaths::figures(ctx, Some(year))?;
    let cases: i64 = figures.iter().map(|f| f.cases_opened).sum();
    if cases > 0 {
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
        out.push(Finding {
            kind: "overpayment",
            title: "多领冒领养老金时有发生，待遇追回难度大".into(),
            detail,
            recommendation: "每次发放前比对公安、民政、卫健死亡信息及村（居）去世人员月报；对未追回的案件按银行协助划扣、冲抵个人账户可继承余额、家属退还、移交执法的顺序推进，并严格落实年度资格认证。".into(),
        });
    }
    // Contributors falling.
    let get = |y: i32, c: &str| {
        m.contributors
            .get(&y)
            .and_then(|x| x.get(c))
            .map_or(0, |x| x.total)
    };
    let now = get(year, "");
    let first = get(year - 2, "");
    if first > 0 && now < first {
        let mut detail = vec![format!(
            "{}–{year} 年缴费人数依次为 {}、{}、{}，{} 年来减少 {}（{}）。",
            year - 2,
            persons_text(first),
            persons_text(get(year - 1, "")),
            persons_text(now),
            2,
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
        out.push(Finding {
            kind: "contributors",
            title: "参保缴费人数逐年减少".into(),
            detail,
            recommendation: "以已参加基本养老保险但未缴纳补充养老保险的人员为重点（见动员名单），逐村逐户宣传“基本险 + 补充险”的长期收益，鼓励有条件的居民选择较高档次。".into(),
        });
    }
    // Late payrolls.
    let late: usize = m.late_months.values().map(Vec::len).sum();
    if late > 0 {
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
        out.push(Finding {
            kind: "late_payroll",
            title: "养老金待遇发放不及时".into(),
            detail,
            recommendation: "每月 10 日前完成死亡信息比对与资格认证核查，提前生成发放批次并完成复核审批；用系统的发放期限看板跟踪各县区进度，确保 15 日前发放到账。".into(),
        });
    }
    // Budget lines out of range.
    let e = match &m.execution {
        Some(e) => e.clone(),
        None => crate::books::budget::execution(ctx, year, 0.9)?,
    };
    let flagged: Vec<&crate::books::budget::ExecutionLine> =
        e.lines.iter().filter(|l| !l.flag.is_empty()).collect();
    if !flagged.is_empty() {
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
        out.push(Finding {
            kind: "budget",
            title: "部分预算科目执行偏离预算".into(),
            detail,
            recommendation: "按参保缴费人数、待遇领取人数和补贴标准测算各级补助预算，年中根据执行进度及时调整，超预算支出须先履行调整程序。".into(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn persons_print_as_the_report_prints_them() {
        assert_eq!(persons_text(117_300), "11.73万人");
        assert_eq!(persons_text(148_649), "14.86万人");
        assert_eq!(persons_text(148_650), "14.87万人");
        assert_eq!(persons_text(9_999), "9999 人");
    }

    #[test]
    fn months_of_a_line_in_a_year() {
        let m = |s: &str| Month::parse(s).unwrap();
        assert_eq!(months_in_year(m("2022-11"), m("2023-02"), 2023), 2);
        assert_eq!(months_in_year(m("2023-03"), m("2023-03"), 2023), 1);
        assert_eq!(months_in_year(m("2021-01"), m("2024-06"), 2023), 12);
        assert_eq!(months_in_year(m("2024-01"), m("2024-02"), 2023), 0);
    }
}
