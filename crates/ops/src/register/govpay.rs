//! `contributions gov-pay`: the county pays the contribution (the policy's government-paid tier)
//! of everyone in a government-paid hardship group during the year. Running it again pays only
//! those not yet paid for that year.

use crate::access::Action;
use crate::register::contributions::{post_contributions, ValidContribution};
use crate::register::hardship::{load_memberships, Membership};
use crate::register::index::FastMap;
use crate::register::persons::{load_register, Registered};
use crate::{audit, Ctx, OpsError, Result};
use chrono::Datelike;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use yanglao_domain::age_on;
use yanglao_policy::LevelAmounts;
use yanglao_store::{jan1, Param};

#[derive(Debug, Clone, Serialize)]
pub struct CountyGovPay {
    pub county: String,
    /// Newly paid by this run.
    pub persons: usize,
    pub amount_fen: i64,
    pub entry_subsidy_fen: i64,
    /// Already paid for the year before this run.
    pub already_paid: usize,
    pub entry_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GovPayOutcome {
    pub year: i32,
    pub counties: Vec<CountyGovPay>,
    pub persons: usize,
    pub amount_fen: i64,
}

/// Government-paid contributions of `year`, paid on `on` (default: 31 December of the year; a year
/// not yet over needs its payment date).
pub fn run(
    ctx: &mut Ctx,
    year: i32,
    county: Option<&str>,
    on: Option<NaiveDate>,
) -> Result<GovPayOutcome> {
    ctx.actor.require(Action::Register)?;
    if let Some(c) = county {
        ctx.actor.require_county(Action::Register, c)?;
    }
    let scope = ctx.actor.clone();
    ctx.policy.require()?;
    let paid_date = payment_date(year, on)?;
    let actor = ctx.who();
    let policy = &ctx.policy;
    ctx.db.transaction(|tx| -> Result<_> {
        tx.lock_for_writing()?;
        let last_credited = crate::register::interest::last_credited(tx)?;
        if let Some(c) = county {
            if !crate::known_counties(tx)?.contains_key(c) {
                return Err(OpsError::rule(
                    "E-REGION-UNKNOWN",
                    format!("县区代码“{c}”不是本系统登记的县区"),
                ));
            }
        }
        let register = load_register(tx, None)?;
        let due = Due {
            year,
            paid_date,
            policy,
            memberships: load_memberships(tx)?,
            paid: paid_for_year(tx, year)?,
            terminated: crate::register::contributions::terminations(tx)?,
            last_credited,
        };
        let mut rows = Vec::new();
        let mut already: BTreeMap<String, usize> = BTreeMap::new();
        let mut people: Vec<_> = register
            .values()
            .filter(|p| county.is_none_or(|c| p.row.county == c) && scope.covers(&p.row.county))
            .collect();
        people.sort_by_key(|p| p.person_id);
        for p in people {
            match due.contribution(p)? {
                Decision::NotDue => {}
                Decision::AlreadyPaid => *already.entry(p.row.county.clone()).or_default() += 1,
                Decision::Pay(c) => rows.push(c),
            }
        }
        let entries = post_contributions(
            tx,
            &rows,
            "gov_paid",
            None,
            &actor,
            &format!("{year} 年政府代缴"),
        )?;
        let out = GovPayOutcome {
            year,
            persons: rows.len(),
            amount_fen: rows.iter().map(|r| r.amount_fen).sum(),
            counties: by_county(&rows, &entries, already),
        };
        if !rows.is_empty() {
            audit(
                tx,
                &actor,
                "contributions.gov_pay",
                &serde_json::to_value(&out).unwrap_or_default(),
            )?;
        }
        Ok(out)
    })
}

/// The payment date of `year`'s contributions: `on`, or 31 December; within the year and not in
/// the future (a year not yet begun cannot be paid).
fn payment_date(year: i32, on: Option<NaiveDate>) -> Result<NaiveDate> {
    let year_start = jan1(year);
    let year_end = NaiveDate::from_ymd_opt(year, 12, 31).expect("valid");
    let today = crate::register::persons::today();
    if year_start > today {
        return Err(OpsError::rule(
            "E-GOVPAY-FUTURE-YEAR",
            format!("{year} 年尚未开始，不能代缴"),
        ));
    }
    let paid_date = on.unwrap_or(year_end);
    if paid_date > today {
        return Err(OpsError::rule(
            "E-DATE-FUTURE",
            format!(
                "代缴日期 {paid_date} 晚于今天：{year} 年尚未结束，请用 --date 指明实际代缴日期"
            ),
        ));
    }
    if paid_date.year() != year {
        return Err(OpsError::rule(
            "E-GOVPAY-DATE-YEAR",
            format!("代缴日期 {paid_date} 不在 {year} 年内"),
        ));
    }
    Ok(paid_date)
}

/// The persons already government-paid for `year`.
fn paid_for_year(tx: &mut yanglao_store::Tx<'_>, year: i32) -> Result<HashSet<i64>> {
    let mut paid: HashSet<i64> = HashSet::new();
    tx.for_each(
        "SELECT person_id FROM account_movements WHERE kind = 'gov_paid' AND year = $1",
        &[Param::Int(year.into())],
        |r| {
            paid.insert(r.i64(0)?);
            Ok(())
        },
    )?;
    Ok(paid)
}

/// What decides who is due a government-paid contribution of a year.
struct Due<'a> {
    year: i32,
    paid_date: NaiveDate,
    policy: &'a crate::policy::PolicyBook,
    memberships: HashMap<i64, Vec<Membership>>,
    paid: HashSet<i64>,
    terminated: FastMap<i64, NaiveDate>,
    /// The last year credited with interest, by county.
    last_credited: FastMap<u32, i32>,
}

/// Whether a person is due a government-paid contribution.
enum Decision {
    NotDue,
    AlreadyPaid,
    Pay(ValidContribution<'static>),
}

impl Due<'_> {
    /// A person is due if in the basic scheme, in a government-paid group during the year, not
    /// terminated by its start and under the benefit age then; an error if the payment would
    /// change interest already credited.
    fn contribution(&self, p: &Registered) -> Result<Decision> {
        let year = self.year;
        let year_start = jan1(year);
        let year_end = NaiveDate::from_ymd_opt(year, 12, 31).expect("valid");
        let Some(ms) = self.memberships.get(&p.person_id) else {
            return Ok(Decision::NotDue);
        };
        let sp = self
            .policy
            .supplementary(&p.row.county, year_start)
            .map_err(|e| {
                OpsError::rule(
                    "E-CONTRIB-YEAR-OUT-OF-POLICY",
                    format!("{year} 年不在政策参数的有效期内：{e}"),
                )
            })?;
        let active: Vec<&str> = ms
            .iter()
            .filter(|m| m.start <= year_end && m.end.is_none_or(|e| e >= year_start))
            .map(|m| m.category.as_str())
            .collect();
        if !p.row.basic_enrolled
            || !yanglao_policy::qualifies_for_government_paid(&sp, &active)
            || self
                .terminated
                .get(&p.person_id)
                .is_some_and(|t| *t <= year_start)
        {
            return Ok(Decision::NotDue);
        }
        let (id, _) = yanglao_domain::CitizenId::parse(&p.row.citizen_id)
            .map_err(|e| OpsError::rule(e.code, e.message))?;
        if age_on(id.birth_date(), year_start) >= sp.benefit_age as i32 {
            return Ok(Decision::NotDue);
        }
        if self.paid.contains(&p.person_id) {
            return Ok(Decision::AlreadyPaid);
        }
        let paid_date = self.paid_date;
        if crate::register::interest::changes_credited_interest(
            self.last_credited
                .get(&crate::register::index::county_key(&p.row.county))
                .copied(),
            paid_date,
        ) {
            return Err(OpsError::rule(
                "E-GOVPAY-AFTER-INTEREST",
                format!("{} 已为 {year} 年之后的年度计息，{year} 年的代缴会改变已记账的利息，不能补代缴", p.row.county),
            ));
        }
        let subsidy = if sp.government_paid_entry_subsidy {
            yanglao_policy::entry_subsidy(&sp, sp.government_paid_tier_fen).unwrap_or_default()
        } else {
            LevelAmounts::default()
        };
        Ok(Decision::Pay(ValidContribution {
            person_id: p.person_id,
            county: crate::register::index::county_key(&p.row.county),
            year,
            amount_fen: sp.government_paid_tier_fen,
            subsidy,
            paid_date,
            receipt_no: format!("GOV-{year}-{}", p.person_id).into(),
        }))
    }
}

/// The run's figures by county: those newly paid (with their entries) and those already paid.
fn by_county(
    rows: &[ValidContribution<'_>],
    entries: &BTreeMap<String, i64>,
    already: BTreeMap<String, usize>,
) -> Vec<CountyGovPay> {
    let mut counties: BTreeMap<String, CountyGovPay> = BTreeMap::new();
    for r in rows {
        let code = format!("{:06}", r.county);
        let c = counties
            .entry(code.clone())
            .or_insert_with(|| CountyGovPay {
                county: code.clone(),
                persons: 0,
                amount_fen: 0,
                entry_subsidy_fen: 0,
                already_paid: 0,
                entry_id: entries.get(&code).copied(),
            });
        c.persons += 1;
        c.amount_fen += r.amount_fen;
        c.entry_subsidy_fen += r.subsidy.total_fen();
    }
    for (c, n) in already {
        counties
            .entry(c.clone())
            .or_insert_with(|| CountyGovPay {
                county: c,
                persons: 0,
                amount_fen: 0,
                entry_subsidy_fen: 0,
                already_paid: 0,
                entry_id: None,
            })
            .already_paid = n;
    }
    counties.into_values().collect()
}
