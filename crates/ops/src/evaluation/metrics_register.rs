//! The metrics read from the register: contributors and their trend, coverage of the eligible,
//! the hardship groups' government-paid contributions, and subsidy compliance.

use super::*;
use crate::register::index::FastMap;
use crate::Result;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};
use yanglao_domain::Month;
use yanglao_eval::Measurement;
use yanglao_store::{Param, Tx};

pub(crate) fn name_of<'a>(counties: &'a BTreeMap<String, String>, code: &'a str) -> &'a str {
    counties.get(code).map_or(code, String::as_str)
}

/// Contributors of the year and the two before, and their trend, for the city and each county.
pub(crate) fn contributors(tx: &mut Tx<'_>, year: i32, out: &mut Measured) -> Result<()> {
    count_contributors(tx, year, out)?;
    let counted_years: BTreeSet<i32> = out
        .contributors
        .iter()
        .filter(|(_, m)| !m.is_empty())
        .map(|(y, _)| *y)
        .collect();
    city_contributors(out, year, &counted_years);
    county_contributors(out, year);
    counties_falling(out, year, &counted_years);
    Ok(())
}

/// Distinct contributors per county (and the city, keyed "") and year, with who paid, for
/// `year` and the two years before.
fn count_contributors(tx: &mut Tx<'_>, year: i32, out: &mut Measured) -> Result<()> {
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
    Ok(())
}

/// The contributors of a county (the city: "") in year `y` (0 if none).
fn contributors_of(out: &Measured, y: i32, c: &str) -> i64 {
    out.contributors
        .get(&y)
        .and_then(|m| m.get(c))
        .map_or(0, |x| x.total)
}

/// The city's contributors and their change on the year before.
fn city_contributors(out: &mut Measured, year: i32, counted_years: &BTreeSet<i32>) {
    let counted = |y: i32| counted_years.contains(&y);
    let now = contributors_of(out, year, "");
    let before = contributors_of(out, year - 1, "");
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
}

/// Each county's contributors and their change on the year before.
fn county_contributors(out: &mut Measured, year: i32) {
    let per: Vec<(String, i64, i64)> = out
        .counties
        .keys()
        .map(|c| {
            (
                c.clone(),
                contributors_of(out, year, c),
                contributors_of(out, year - 1, c),
            )
        })
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
}

/// The counties whose contributors fell by over 5% on the year, and those that fell over two
/// years.
fn counties_falling(out: &mut Measured, year: i32, counted_years: &BTreeSet<i32>) {
    let counted = |y: i32| counted_years.contains(&y);
    let mut fell5 = Vec::new();
    let mut fell2 = Vec::new();
    for (code, name) in &out.counties {
        let (a, b, c) = (
            contributors_of(out, year, code),
            contributors_of(out, year - 1, code),
            contributors_of(out, year - 2, code),
        );
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
}

/// Months of a line's span `[from, to]` that fall in `year`.
pub(crate) fn months_in_year(from: Month, to: Month, year: i32) -> i64 {
    let a = from.max(Month::parse(&format!("{year}-01")).expect("valid"));
    let b = to.min(Month::parse(&format!("{year}-12")).expect("valid"));
    if b < a {
        0
    } else {
        i64::from(a.until(b)) + 1
    }
}

/// 应补尽补 for recipients: person-months due in the year against person-months paid.
pub(crate) fn coverage(
    tx: &mut Tx<'_>,
    year: i32,
    today: NaiveDate,
    out: &mut Measured,
) -> Result<()> {
    let last = Month::of(today).min(Month::parse(&format!("{year}-12")).expect("valid"));
    let ends = benefit_ends(tx)?;
    let due = months_due(tx, year, last, &ends)?;
    let paid = months_paid(tx, year, out)?;
    coverage_figures(out, year, last, &due, &paid);
    Ok(())
}

/// The month each person's benefit ends: the month of their death or termination.
fn benefit_ends(tx: &mut Tx<'_>) -> Result<FastMap<i64, Month>> {
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
    Ok(ends)
}

/// Who was due, and for how many months of `year` up to `last`: awards, cut at the month of
/// death or termination. Person → (county, months).
fn months_due(
    tx: &mut Tx<'_>,
    year: i32,
    last: Month,
    ends: &FastMap<i64, Month>,
) -> Result<FastMap<i64, (String, i64)>> {
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
    Ok(due)
}

/// The months of `year` paid to each person; counts the payments and recipients of the year
/// into `out` on the way.
fn months_paid(tx: &mut Tx<'_>, year: i32, out: &mut Measured) -> Result<FastMap<i64, i64>> {
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
                *out.payment_lines.entry(c.to_string()).or_default() += 1;
                *out.payment_lines.entry(String::new()).or_default() += 1;
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
    Ok(paid)
}

/// The coverage of each county and of the city, with the number of people short by county.
fn coverage_figures(
    out: &mut Measured,
    year: i32,
    last: Month,
    due: &FastMap<i64, (String, i64)>,
    paid: &FastMap<i64, i64>,
) {
    let (mut due_total, mut covered, mut short_people) = (0i64, 0i64, 0i64);
    let mut short_by_county: BTreeMap<String, i64> = BTreeMap::new();
    let mut per_county: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for (p, (county, n)) in due {
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
}

/// 应补尽补 for hardship groups: members below benefit age whose group the government pays for,
/// with a government-paid contribution for the year.
pub(crate) fn hardship(
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
        "SELECT h.person_id, h.county, h.category, p.birth_date FROM hardship_memberships h JOIN persons p ON p.county = h.county AND p.person_id = h.person_id
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
pub(crate) fn subsidy_compliance(
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
