//! `awards run --month M` (待遇核定): everyone who has reached benefit age before month M with
//! enough contribution years (or under the policy's transitional rules) and has no award yet gets
//! one: a start month (the month after the benefit-age birthday, not before the scheme's launch)
//! and a monthly amount by component, fixed at the award: the individual-account pension (the
//! balance ÷ the annuity divisor), the exit subsidy by level, and any raised subsidy of a
//! qualifying group. A `receiving` decision is recorded for each. Nothing is posted to the ledger
//! at award: money moves when the bank confirms a payment (docs/LEDGER.md).

use crate::access::Action;
use crate::register::index::FastMap;
use crate::{audit, Ctx, OpsError, Result};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use std::collections::BTreeMap;
use yanglao_domain::Month;
use yanglao_policy::{
    benefit_qualification, monthly_benefit, reaches_age_on, Qualification, QualificationBasis,
};
use yanglao_store::{ColType, Param, Tx};

#[derive(Debug, Clone, Serialize)]
pub struct CountyAwards {
    pub county: String,
    pub awarded: usize,
    pub monthly_fen: i64,
    /// Reached benefit age without the contribution years required (they may back-pay).
    pub insufficient_years: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct AwardsOutcome {
    pub month: Month,
    pub awarded: usize,
    pub counties: Vec<CountyAwards>,
}

/// The columns an award row is inserted with.
pub const AWARD_COLUMNS: [(&str, ColType); 19] = [
    ("award_id", ColType::Int),
    ("county", ColType::Text),
    ("person_id", ColType::Int),
    ("start_month", ColType::Date),
    ("basis", ColType::Text),
    ("contribution_years", ColType::Int),
    ("balance_at_award_fen", ColType::Int),
    ("account_pension_fen", ColType::Int),
    ("exit_province_fen", ColType::Int),
    ("exit_city_fen", ColType::Int),
    ("exit_county_fen", ColType::Int),
    ("raised_province_fen", ColType::Int),
    ("raised_city_fen", ColType::Int),
    ("raised_county_fen", ColType::Int),
    ("monthly_fen", ColType::Int),
    ("awarded_for_month", ColType::Date),
    ("created_by", ColType::Text),
    ("created_at", ColType::Timestamp),
    ("policy_version", ColType::Int),
];

struct NewAward {
    award_id: i64,
    county: String,
    person_id: i64,
    start: Month,
    basis: &'static str,
    years: i64,
    balance_fen: i64,
    b: yanglao_policy::MonthlyBenefit,
}

/// Checks that a month is one the scheme can act on: not before its launch, not after this month.
pub fn check_month(ctx: &Ctx, month: Month, today: NaiveDate) -> Result<()> {
    let launch = ctx.policy.earliest_date().unwrap_or(NaiveDate::MIN);
    if month < Month::of(launch) {
        return Err(OpsError::rule(
            "E-MONTH-BEFORE-SCHEME",
            format!("{month} 早于制度启动（{}）", Month::of(launch)),
        ));
    }
    if month > Month::of(today) {
        return Err(OpsError::rule(
            "E-MONTH-FUTURE",
            format!("{month} 晚于本月（{}）", Month::of(today)),
        ));
    }
    Ok(())
}

fn basis_code(b: QualificationBasis) -> &'static str {
    match b {
        QualificationBasis::Regular => "regular",
        QualificationBasis::TransitionalElderly => "transitional_elderly",
        QualificationBasis::TransitionalReducedYears => "transitional_reduced_years",
    }
}

/// Contribution years and balance of the people of `county` born on or before `born_by` without
/// an award (found through the birth-date index; their movements through the person index).
fn years_and_balances(
    tx: &mut Tx<'_>,
    born_by: NaiveDate,
    county: &str,
) -> Result<FastMap<i64, (i64, i64)>> {
    let mut map: FastMap<i64, (i64, i64)> = FastMap::default();
    tx.for_each_ref(
        "SELECT m.person_id, COUNT(DISTINCT CASE WHEN m.kind IN ('self', 'gov_paid') THEN m.year END),
                CAST(SUM(m.personal_fen + m.subsidy_province_fen + m.subsidy_city_fen + m.subsidy_county_fen + m.gov_paid_fen + m.interest_fen) AS BIGINT)
         FROM account_movements m
         WHERE m.county = $2
           AND m.person_id IN (SELECT p.person_id FROM persons p WHERE p.county = $2 AND p.birth_date <= $1
                                 AND NOT EXISTS (SELECT 1 FROM awards a WHERE a.county = $2 AND a.person_id = p.person_id))
         GROUP BY m.person_id",
        &[Param::Date(born_by), Param::Text(county)],
        |r| {
            map.insert(r.i64(0)?, (r.i64(1)?, r.i64(2)?));
            Ok(())
        },
    )?;
    Ok(map)
}

/// Awards everyone who qualifies by `month` (in one county, or in every county of the actor)
/// and has no award yet; see the module's documentation.
pub fn run(ctx: &mut Ctx, month: Month, county: Option<&str>) -> Result<AwardsOutcome> {
    ctx.actor.require(Action::Payroll)?;
    if let Some(c) = county {
        ctx.actor.require_county(Action::Payroll, c)?;
    }
    let today = chrono::Local::now().date_naive();
    check_month(ctx, month, today)?;
    let actor = ctx.who();
    let scope = ctx.actor.clone();
    let policy = &ctx.policy;
    let on = month.first_day();
    policy.require()?;
    let version = policy
        .version_on(on)
        .map_err(|e| OpsError::rule(e.code(), e.to_string()))?
        .version;
    ctx.db
        .transaction(|tx| -> Result<AwardsOutcome> {
            tx.lock_for_writing()?;
            if let Some(c) = county {
                if !crate::known_counties(tx)?.contains_key(c) {
                    return Err(OpsError::rule(
                        "E-REGION-UNKNOWN",
                        format!("县区代码“{c}”不是本系统登记的县区"),
                    ));
                }
            }
            let born_by = oldest_birth_date_of_age(tx, policy, on)?;
            // County by county: what is held in memory is one county's (a province's ten
            // million candidates at once took 2 GiB), and on a cluster each read is one shard's.
            let counties: Vec<String> = match county {
                Some(c) => vec![c.to_string()],
                None => crate::known_counties(tx)?
                    .into_keys()
                    .filter(|c| scope.covers(c))
                    .collect(),
            };
            let mut out = AwardsOutcome {
                month,
                awarded: 0,
                counties: Vec::new(),
            };
            for c in &counties {
                let books = AwardBooks {
                    terminated: terminations_in(tx, c)?,
                    years_balances: years_and_balances(tx, born_by, c)?,
                    raised_members: hardship_members_on(tx, on, c)?,
                };
                let candidates = candidates(tx, born_by, c)?;
                let (mut new, per_county) = decide_awards(policy, month, &books, candidates)?;
                write_awards(tx, &mut new, month, &actor, version)?;
                out.awarded += new.len();
                out.counties.extend(per_county.into_values());
            }
            if out.awarded > 0 {
                audit(
                    tx,
                    &actor,
                    "awards.run",
                    &serde_json::to_value(&out).unwrap_or_default(),
                )?;
            }
            Ok(out)
        })
        .and_then(|out| {
            if out.awarded >= crate::LARGE_LOAD_ROWS {
                ctx.db.analyze(&["awards", "person_events"])?;
            }
            Ok(out)
        })
}

/// Only people old enough can qualify: the latest birth date of the lowest benefit age of any
/// county on `on` (no one younger is read).
fn oldest_birth_date_of_age(
    tx: &mut Tx<'_>,
    policy: &crate::policy::PolicyBook,
    on: NaiveDate,
) -> Result<NaiveDate> {
    let mut youngest_age = i32::MAX;
    for c in crate::known_counties(tx)?.keys() {
        let sp = policy
            .supplementary(c, on)
            .map_err(|e| OpsError::rule(e.code(), e.to_string()))?;
        youngest_age = youngest_age.min(sp.benefit_age as i32);
    }
    Ok(NaiveDate::from_ymd_opt(on.year() - youngest_age, on.month(), 1).unwrap_or(on))
}

/// The termination date of every terminated person of `county`.
fn terminations_in(tx: &mut Tx<'_>, county: &str) -> Result<FastMap<i64, NaiveDate>> {
    let mut map = FastMap::default();
    for r in tx.query(
        "SELECT person_id, MIN(effective_date) FROM person_events WHERE county = $1 AND status = 'terminated' GROUP BY person_id",
        &[Param::Text(county)],
    )? {
        map.insert(r.i64(0)?, r.date(1)?);
    }
    Ok(map)
}

/// The hardship groups each person of `county` belongs to on `on`.
fn hardship_members_on(
    tx: &mut Tx<'_>,
    on: NaiveDate,
    county: &str,
) -> Result<FastMap<i64, Vec<String>>> {
    let mut raised_members: FastMap<i64, Vec<String>> = FastMap::default();
    for r in tx.query(
        "SELECT person_id, category FROM hardship_memberships WHERE county = $2 AND start_date <= $1 AND (end_date IS NULL OR end_date >= $1)",
        &[Param::Date(on), Param::Text(county)],
    )? {
        raised_members.entry(r.i64(0)?).or_default().push(r.str(1)?);
    }
    Ok(raised_members)
}

/// The persons of `county` in the basic scheme born by `born_by` without an award: (person,
/// county, birth date), by person.
fn candidates(
    tx: &mut Tx<'_>,
    born_by: NaiveDate,
    county: &str,
) -> Result<Vec<(i64, String, NaiveDate)>> {
    let mut candidates = Vec::new();
    tx.for_each_ref(
        "SELECT p.person_id, p.birth_date FROM persons p
         WHERE p.county = $2 AND p.basic_enrolled AND p.birth_date <= $1
           AND NOT EXISTS (SELECT 1 FROM awards a WHERE a.county = $2 AND a.person_id = p.person_id)
         ORDER BY p.person_id",
        &[Param::Date(born_by), Param::Text(county)],
        |r| {
            candidates.push((r.i64(0)?, county.to_string(), r.date(1)?));
            Ok(())
        },
    )?;
    Ok(candidates)
}

/// What the books say of the candidates.
struct AwardBooks {
    terminated: FastMap<i64, NaiveDate>,
    /// Contribution years and balance by person.
    years_balances: FastMap<i64, (i64, i64)>,
    raised_members: FastMap<i64, Vec<String>>,
}

/// The awards of the candidates who qualify by `month`, and the figures by county (awards, and
/// those of age without enough contribution years).
fn decide_awards(
    policy: &crate::policy::PolicyBook,
    month: Month,
    books: &AwardBooks,
    candidates: Vec<(i64, String, NaiveDate)>,
) -> Result<(Vec<NewAward>, BTreeMap<String, CountyAwards>)> {
    let on = month.first_day();
    let mut params: BTreeMap<String, yanglao_policy::SupplementaryParams> = BTreeMap::new();
    let mut new = Vec::new();
    let mut per_county: BTreeMap<String, CountyAwards> = BTreeMap::new();
    for (person_id, c, birth) in candidates {
        if books.terminated.get(&person_id).is_some_and(|t| *t <= on) {
            continue;
        }
        if !params.contains_key(&c) {
            let sp = policy
                .supplementary(&c, on)
                .map_err(|e| OpsError::rule(e.code(), e.to_string()))?;
            params.insert(c.clone(), sp);
        }
        let sp = &params[&c];
        let reaches = reaches_age_on(birth, sp.benefit_age);
        let start = Month::of(reaches).next().max(Month::of(sp.launch_date));
        if start > month {
            continue;
        }
        let (years, balance) = books
            .years_balances
            .get(&person_id)
            .copied()
            .unwrap_or((0, 0));
        let entry = per_county.entry(c.clone()).or_insert_with(|| CountyAwards {
            county: c.clone(),
            awarded: 0,
            monthly_fen: 0,
            insufficient_years: 0,
        });
        match benefit_qualification(sp, birth, years as u32, on) {
            Qualification::Qualified { basis, .. } => {
                let raised = books.raised_members.get(&person_id).is_some_and(|cats| {
                    cats.iter()
                        .any(|cat| sp.raised_subsidy_groups.contains(cat))
                });
                let b = monthly_benefit(sp, balance, years as u32, raised);
                entry.awarded += 1;
                entry.monthly_fen += b.total_fen;
                new.push(NewAward {
                    award_id: 0,
                    county: c,
                    person_id,
                    start,
                    basis: basis_code(basis),
                    years,
                    balance_fen: balance,
                    b,
                });
            }
            Qualification::InsufficientYears { .. } => entry.insufficient_years += 1,
            Qualification::NotYetOfAge { .. } => {}
        }
    }
    Ok((new, per_county))
}

/// Numbers and writes the awards, with a `receiving` decision for each from its start.
fn write_awards(
    tx: &mut Tx<'_>,
    new: &mut [NewAward],
    month: Month,
    actor: &str,
    version: i64,
) -> Result<()> {
    let first = tx.allocate_ids("award", new.len() as i64)?;
    for (i, a) in new.iter_mut().enumerate() {
        a.award_id = first + i as i64;
    }
    let now = yanglao_store::now();
    let month_day = month.first_day();
    tx.insert_many("awards", &AWARD_COLUMNS, new, |a, row| {
        row.extend([
            Param::Int(a.award_id),
            Param::Text(&a.county),
            Param::Int(a.person_id),
            Param::Date(a.start.first_day()),
            Param::Text(a.basis),
            Param::Int(a.years),
            Param::Int(a.balance_fen),
            Param::Int(a.b.account_pension_fen),
            Param::Int(a.b.exit_subsidy.province_fen),
            Param::Int(a.b.exit_subsidy.city_fen),
            Param::Int(a.b.exit_subsidy.county_fen),
            Param::Int(a.b.raised_subsidy.province_fen),
            Param::Int(a.b.raised_subsidy.city_fen),
            Param::Int(a.b.raised_subsidy.county_fen),
            Param::Int(a.b.total_fen),
            Param::Date(month_day),
            Param::Text(actor),
            Param::Timestamp(now),
            Param::Int(version),
        ])
    })?;
    let first_event = tx.allocate_ids("person_event", new.len() as i64)?;
    let items: Vec<(i64, &NewAward)> = (first_event..).zip(new.iter()).collect();
    tx.insert_many(
        "person_events",
        &[
            ("county", ColType::Text),
            ("event_id", ColType::Int),
            ("person_id", ColType::Int),
            ("status", ColType::Text),
            ("reason", ColType::Text),
            ("effective_date", ColType::Date),
            ("recorded_by", ColType::Text),
            ("recorded_at", ColType::Timestamp),
        ],
        &items,
        |(id, a), row| {
            row.extend([
                Param::Text(&a.county),
                Param::Int(*id),
                Param::Int(a.person_id),
                Param::Text("receiving"),
                Param::Text("待遇核定"),
                Param::Date(a.start.first_day()),
                Param::Text(actor),
                Param::Timestamp(now),
            ])
        },
    )?;
    Ok(())
}
