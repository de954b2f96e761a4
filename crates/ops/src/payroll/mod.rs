//! The monthly benefit payroll (待遇发放): a draft per county and month built in one transaction
//! (so a crash leaves either no payroll or a complete one), checked, approved by someone other than
//! its maker, exported to the banks, and closed by their returns.
//!
//! A regular payroll pays every recipient in pay one line for the month — the first line of a new
//! award also pays the months since the award started. People left out are listed with the reason.
//! A supplementary payroll re-issues the lines the banks returned as failed.

pub mod awards;
pub mod bank_return;
pub mod export;

use crate::access::{Action, Actor};
use crate::register::index::FastMap;
use crate::{audit, Ctx, OpsError, Result};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;
use yanglao_domain::{age_on, bank::luhn_ok, Month};
use yanglao_store::{ColType, Param, Tx};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Regular,
    Supplementary,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Regular => "regular",
            Kind::Supplementary => "supplementary",
        }
    }
}

/// A payroll as listed.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub id: i64,
    pub county: String,
    pub month: Month,
    pub kind: String,
    pub seq: i64,
    pub status: String,
    pub lines: i64,
    pub total_fen: i64,
    pub run_by: String,
    /// The maker's account (None: made before accounts were kept).
    pub run_by_user: Option<i64>,
    pub approved_by: Option<String>,
    pub paid_date: Option<NaiveDate>,
    /// People left out, by reason.
    pub excluded: BTreeMap<String, i64>,
    /// The run found this payroll already made and changed nothing.
    pub existed: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunOutcome {
    pub month: Month,
    pub kind: Kind,
    pub payrolls: Vec<Summary>,
    /// Anomalies found by the checks, per payroll id.
    pub anomalies: BTreeMap<i64, usize>,
}

/// An award in pay, with its person's bank details.
struct AwardRow {
    award_id: i64,
    person_id: i64,
    start: Month,
    pension_fen: i64,
    exit: [i64; 3],
    /// Shared: a county has a handful of banks and a payroll up to millions of lines.
    bank_name: std::sync::Arc<str>,
    bank_account: String,
    birth: NaiveDate,
}

/// One line about to be written.
struct NewLine {
    line_no: i64,
    person_id: i64,
    award_id: i64,
    from: Month,
    to: Month,
    months: i64,
    account_fen: i64,
    from_pool_fen: i64,
    exit: [i64; 3],
    total_fen: i64,
    /// Shared: a county has a handful of banks and a payroll up to millions of lines.
    bank_name: std::sync::Arc<str>,
    bank_account: String,
    reissue_of: Option<(i64, i64)>,
}

/// The columns a payroll line is inserted with.
pub const LINE_COLUMNS: [(&str, ColType); 22] = [
    ("county", ColType::Text),
    ("payroll_id", ColType::Int),
    ("line_no", ColType::Int),
    ("person_id", ColType::Int),
    ("award_id", ColType::Int),
    ("month", ColType::Date),
    ("from_month", ColType::Date),
    ("to_month", ColType::Date),
    ("months", ColType::Int),
    ("account_pension_fen", ColType::Int),
    ("account_from_pool_fen", ColType::Int),
    ("exit_province_fen", ColType::Int),
    ("exit_city_fen", ColType::Int),
    ("exit_county_fen", ColType::Int),
    ("total_fen", ColType::Int),
    ("bank_name", ColType::Text),
    ("bank_account", ColType::Text),
    ("status", ColType::Text),
    ("paid_date", ColType::Date),
    ("fail_reason", ColType::Text),
    ("reissue_of_payroll", ColType::Int),
    ("reissue_of_line", ColType::Int),
];

/// The decision in force for each person of a county at a date: (status, reason).
/// The decision in force for each person of a county for a payroll month: (status, reason).
/// A termination (death, transfer) takes effect from the month after its date — the month of a
/// death is still paid — and once in force nothing later overrides it; suspensions and the other
/// decisions take effect in the month of their date.
fn decisions(
    tx: &mut Tx<'_>,
    county: &str,
    month: Month,
) -> Result<FastMap<i64, (String, Option<String>)>> {
    let mut map: FastMap<i64, (String, Option<String>)> = FastMap::default();
    tx.for_each_ref(
        "SELECT person_id, status, reason, effective_date FROM person_events WHERE county = $1 AND effective_date <= $2
           AND person_id IN (SELECT person_id FROM person_events WHERE county = $1 AND status IN ('suspended', 'resumed', 'terminated'))
         ORDER BY person_id, effective_date, event_id",
        &[Param::Text(county), Param::Date(month.last_day())],
        |r| {
            let status = r.str(1)?;
            if status == "terminated" && r.date(3)? >= month.first_day() {
                return Ok(());
            }
            let person = r.i64(0)?;
            if map.get(&person).is_some_and(|(s, _)| s == "terminated") {
                return Ok(());
            }
            let reason = r.opt_str(2)?.unwrap_or("");
            map.insert(person, (status.to_string(), (!reason.is_empty()).then(|| reason.to_string())));
            Ok(())
        },
    )?;
    Ok(map)
}

fn is_death(reason: Option<&str>) -> bool {
    reason.is_some_and(|r| r.contains('死') || r.contains("去世") || r.contains("身故"))
}

/// What remains of each person's individual account once every payment already drawn up is paid.
fn remaining_balances(tx: &mut Tx<'_>, county: &str) -> Result<FastMap<i64, i64>> {
    let mut map: FastMap<i64, i64> = FastMap::default();
    tx.for_each_ref(
        "SELECT m.person_id, CAST(SUM(m.personal_fen + m.subsidy_province_fen + m.subsidy_city_fen + m.subsidy_county_fen + m.gov_paid_fen + m.interest_fen) AS BIGINT)
         FROM account_movements m
         WHERE m.county = $1 AND m.person_id IN (SELECT a.person_id FROM awards a WHERE a.county = $1 AND a.account_pension_fen > 0)
         GROUP BY m.person_id",
        &[Param::Text(county)],
        |r| {
            map.insert(r.i64(0)?, r.i64(1)?);
            Ok(())
        },
    )?;
    // Lines drawn up and not yet posted: pending ones (only in payrolls not yet paid), and failed
    // ones not re-issued yet (found through their own index).
    for sql in [
        "SELECT l.person_id, CAST(SUM(l.account_pension_fen - l.account_from_pool_fen) AS BIGINT) FROM payroll_lines l
         WHERE l.payroll_id IN (SELECT p.payroll_id FROM payrolls p WHERE p.county = $1 AND p.status <> 'paid')
           AND l.status = 'pending' AND l.account_pension_fen > l.account_from_pool_fen
         GROUP BY l.person_id",
        "SELECT l.person_id, CAST(SUM(l.account_pension_fen - l.account_from_pool_fen) AS BIGINT) FROM payroll_lines l
         WHERE l.county = $1 AND l.status = 'failed' AND l.account_pension_fen > l.account_from_pool_fen AND NOT EXISTS (
             SELECT 1 FROM payroll_lines r WHERE r.county = l.county AND r.reissue_of_payroll = l.payroll_id AND r.reissue_of_line = l.line_no)
         GROUP BY l.person_id",
    ] {
        tx.for_each_ref(sql, &[Param::Text(county)], |r| {
            *map.entry(r.i64(0)?).or_default() -= r.i64(1)?;
            Ok(())
        })?;
    }
    Ok(map)
}

/// Builds (or finds) the payrolls of a month, county by county, each in its own transaction.
pub fn run(
    ctx: &mut Ctx,
    month: Month,
    county: Option<&str>,
    kind: Kind,
    progress: &dyn Fn(&str, u64, u64),
) -> Result<RunOutcome> {
    ctx.actor.require(Action::Payroll)?;
    if let Some(c) = county {
        ctx.actor.require_county(Action::Payroll, c)?;
    }
    ctx.policy.require()?;
    crate::payroll::awards::check_month(ctx, month, chrono::Local::now().date_naive())?;
    let counties: Vec<String> = ctx
        .db
        .transaction(|tx| -> Result<_> { Ok(crate::known_counties(tx)?.into_keys().collect()) })?;
    if let Some(c) = county {
        if !counties.iter().any(|x| x == c) {
            return Err(OpsError::rule(
                "E-REGION-UNKNOWN",
                format!("县区代码“{c}”不是本系统登记的县区"),
            ));
        }
    }
    let mut out = RunOutcome {
        month,
        kind,
        payrolls: Vec::new(),
        anomalies: BTreeMap::new(),
    };
    // Without a county: every county the actor acts in.
    let targets: Vec<&String> = counties
        .iter()
        .filter(|c| county.is_none_or(|x| x == c.as_str()) && ctx.actor.covers(c))
        .collect();
    let total = targets.len() as u64;
    // A regular run of several counties works out the next county on a second connection while
    // it writes the current one (the machine's second core); each county is still written in a
    // transaction of its own, from data checked unchanged under the write lock.
    let reader = match kind {
        Kind::Regular if targets.len() > 1 => ctx.db.reopen_for_reading()?,
        _ => None,
    };
    let record = |out: &mut RunOutcome, made: Made| {
        if let Some((s, anomalies)) = made {
            if let Some(n) = anomalies {
                out.anomalies.insert(s.id, n);
            }
            out.payrolls.push(s);
        }
    };
    match reader {
        Some(mut reader) => {
            let policy = ctx.policy.clone();
            std::thread::scope(|scope| -> Result<()> {
                // Rendezvous: at most two counties' lines in memory, the one being written and the
                // next, prepared meanwhile.
                let (send, receive) = std::sync::mpsc::sync_channel::<Option<Prefetched>>(0);
                let (names, policy_ref) = (&targets, &policy);
                scope.spawn(move || {
                    for c in names {
                        if send
                            .send(prefetch(&mut reader, policy_ref, c, month))
                            .is_err()
                        {
                            break;
                        }
                    }
                });
                let mut own: Vec<i64> = Vec::new();
                for (i, c) in names.iter().enumerate() {
                    progress(c, i as u64, total);
                    let prefetched = receive.recv().ok().flatten();
                    let before = ctx.db.last_version();
                    let made = run_regular(ctx, month, c, prefetched, &own);
                    if let Some(v) = ctx.db.last_version().filter(|v| Some(*v) != before) {
                        own.push(v);
                    }
                    // Returning early drops the receiver, which stops the preparing thread.
                    record(&mut out, made?);
                }
                Ok(())
            })?;
        }
        None => {
            for (i, c) in targets.iter().enumerate() {
                progress(c, i as u64, total);
                let made = match kind {
                    Kind::Regular => run_regular(ctx, month, c, None, &[])?,
                    Kind::Supplementary => run_supplementary(ctx, month, c)?,
                };
                record(&mut out, made);
            }
        }
    }
    progress("", total, total);
    Ok(out)
}

/// Which payroll: county, month, kind and sequence number.
struct Key<'a> {
    county: &'a str,
    month: Month,
    kind: Kind,
    seq: i64,
}

fn insert_payroll(
    tx: &mut Tx<'_>,
    key: Key<'_>,
    lines: &[NewLine],
    exclusions: &[(i64, &'static str)],
    actor: &Actor,
) -> Result<i64> {
    let Key {
        county,
        month,
        kind,
        seq,
    } = key;
    let id = tx.allocate_ids("payroll", 1)?;
    let total: i64 = lines.iter().map(|l| l.total_fen).sum();
    tx.exec(
        &format!(
            "INSERT INTO payrolls (county, payroll_id, month, kind, seq, status, line_count, total_fen, run_by, run_at, policy_version, run_by_user)
             VALUES ($1, $2, $3, $4, $5, 'draft', $6, $7, $8, $9, {}, $10)",
            crate::policy::version_on_sql(3)
        ),
        &[
            Param::Text(county), Param::Int(id), Param::Date(month.first_day()), Param::Text(kind.as_str()), Param::Int(seq),
            Param::Int(lines.len() as i64), Param::Int(total), Param::Text(&actor.name), Param::Timestamp(yanglao_store::now()),
            Param::Int(actor.user_id),
        ],
    )?;
    let month_day = month.first_day();
    tx.insert_many("payroll_lines", &LINE_COLUMNS, lines, |l, row| {
        row.extend([
            Param::Text(county),
            Param::Int(id),
            Param::Int(l.line_no),
            Param::Int(l.person_id),
            Param::Int(l.award_id),
            Param::Date(month_day),
            Param::Date(l.from.first_day()),
            Param::Date(l.to.first_day()),
            Param::Int(l.months),
            Param::Int(l.account_fen),
            Param::Int(l.from_pool_fen),
            Param::Int(l.exit[0]),
            Param::Int(l.exit[1]),
            Param::Int(l.exit[2]),
            Param::Int(l.total_fen),
            Param::Text(&l.bank_name),
            Param::Text(&l.bank_account),
            Param::Text("pending"),
            Param::Null,
            Param::Null,
            Param::from(l.reissue_of.map(|r| r.0)),
            Param::from(l.reissue_of.map(|r| r.1)),
        ])
    })?;
    tx.insert_many(
        "payroll_exclusions",
        &[
            ("county", ColType::Text),
            ("payroll_id", ColType::Int),
            ("person_id", ColType::Int),
            ("reason", ColType::Text),
        ],
        exclusions,
        |(pid, reason), row| {
            row.extend([
                Param::Text(county),
                Param::Int(id),
                Param::Int(*pid),
                Param::Text(reason),
            ])
        },
    )?;
    audit(
        tx,
        &actor.name,
        "payroll.run",
        &serde_json::json!({"payroll_id": id, "county": county, "month": month, "kind": kind, "lines": lines.len(), "total_fen": total}),
    )?;
    Ok(id)
}

/// A new payroll's summary and its anomaly count; `None` for the count when it existed already.
type Made = Option<(Summary, Option<usize>)>;

/// A county's regular payroll worked out and checked, not yet written.
struct Prepared {
    lines: Vec<NewLine>,
    exclusions: Vec<(i64, &'static str)>,
    anomalies: usize,
}

/// Work prepared ahead from a snapshot, with the database's change counter at that snapshot.
struct Prefetched {
    county: String,
    version: i64,
    prepared: Prepared,
}

/// Works out a county's regular payroll for a month from what `tx` sees: who is paid and how
/// much, who is left out and why, and the anomalies the checks find. Reads only.
fn prepare_regular(
    tx: &mut Tx<'_>,
    sp: &yanglao_policy::SupplementaryParams,
    county: &str,
    month: Month,
) -> Result<Prepared> {
    let stop_when_exhausted = sp.account_exhausted == "stop";
    let t0 = std::time::Instant::now();
    let decisions = decisions(tx, county, month)?;
    let certified = if sp.certification_required_from.is_some() {
        crate::deaths::certification::last_certified(tx, county, month.last_day())?
    } else {
        FastMap::default()
    };
    // Last month's regular payroll, read in key order: who was paid through last month, and
    // how much a month (for the amount check).
    let mut prev: FastMap<i64, i64> = FastMap::default();
    if let Some(prev_id) = find(tx, county, month.prev(), Kind::Regular, 1)? {
        // Sized once from the payroll's own count: a table grown by doubling touches every new
        // page twice (a county's payroll is a few hundred thousand lines).
        let count = tx.scalar_i64(
            "SELECT line_count FROM payrolls WHERE payroll_id = $1",
            &[Param::Int(prev_id)],
        )?;
        prev.reserve(usize::try_from(count).unwrap_or(0));
        // By the payroll alone: its id fixes the county (with the county as well, PostgreSQL's
        // planner takes the two conditions for independent and expects a fifth of the rows).
        tx.for_each_bulk(
            "SELECT person_id, total_fen / months FROM payroll_lines WHERE payroll_id = $1",
            &[Param::Int(prev_id)],
            &[ColType::Int, ColType::Int],
            |r| {
                prev.insert(r.i64(0)?, r.i64(1)?);
                Ok(())
            },
        )?;
    }
    // About as many awards as last month's lines.
    let mut awards = Vec::with_capacity(prev.len() + prev.len() / 16 + 1024);
    let mut banks = crate::register::index::SharedNames::default();
    tx.for_each_bulk(
        "SELECT a.award_id, a.person_id, a.start_month, a.account_pension_fen,
                a.exit_province_fen + a.raised_province_fen, a.exit_city_fen + a.raised_city_fen, a.exit_county_fen + a.raised_county_fen,
                p.bank_name, p.bank_account, p.birth_date
         FROM awards a JOIN persons p ON p.county = a.county AND p.person_id = a.person_id
         WHERE a.county = $1 AND a.start_month <= $2",
        &[Param::Text(county), Param::Date(month.first_day())],
        &[
            ColType::Int, ColType::Int, ColType::Date, ColType::Int, ColType::Int, ColType::Int, ColType::Int,
            ColType::Text, ColType::Text, ColType::Date,
        ],
        |r| {
            awards.push(AwardRow {
                award_id: r.i64(0)?,
                person_id: r.i64(1)?,
                start: Month::of(r.date(2)?),
                pension_fen: r.i64(3)?,
                exit: [r.i64(4)?, r.i64(5)?, r.i64(6)?],
                // A person without a bank account is left out below as `no_bank_account`.
                bank_name: banks.get(r.opt_str(7)?.unwrap_or("")),
                bank_account: r.opt_str(8)?.unwrap_or("").to_string(),
                birth: r.date(9)?,
            });
            Ok(())
        },
    )?;
    // Lines in the order of their key, payroll and person (sorted here: in the database the sort
    // can spill to disk); each line then goes at the end of the key's index.
    awards.sort_unstable_by_key(|a| a.person_id);
    // The month each person is paid through: last month for those in last month's payroll;
    // looked up for the others (new awards, people excluded last month).
    // People terminated or suspended are left out below without it: not looked up.
    // (person, award start) of those.
    let missing: Vec<(i64, Month)> = awards
        .iter()
        .filter(|a| {
            !prev.contains_key(&a.person_id)
                && !decisions
                    .get(&a.person_id)
                    .is_some_and(|(s, _)| s == "terminated" || s == "suspended")
        })
        .map(|a| (a.person_id, a.start))
        .collect();
    let mut paid_through: FastMap<i64, Month> = FastMap::default();
    if missing.len() * 10 > awards.len() {
        // Many to look up (the first payroll, or a month skipped): one pass over the lines.
        tx.for_each_ref(
            "SELECT person_id, MAX(to_month) FROM payroll_lines
             WHERE payroll_id IN (SELECT payroll_id FROM payrolls WHERE county = $1) AND county = $1 GROUP BY person_id",
            &[Param::Text(county)],
            |r| {
                paid_through.insert(r.i64(0)?, Month::of(r.date(1)?));
                Ok(())
            },
        )?;
    } else {
        for (p, start) in missing {
            // Step back month by month to the award's start: the person's line in each of the
            // month's payrolls (a key seek each). A line cut back at a death ends before its month.
            let mut m = month.prev().prev();
            while m >= start {
                let found = tx.query_opt(
                "SELECT MAX(to_month) FROM payroll_lines
                 WHERE payroll_id IN (SELECT payroll_id FROM payrolls WHERE county = $1 AND month = $2) AND person_id = $3 AND county = $1",
                &[Param::Text(county), Param::Date(m.first_day()), Param::Int(p)],
            )?;
                if let Some(to) = found.map(|r| r.opt_date(0)).transpose()?.flatten() {
                    paid_through.insert(p, Month::of(to));
                    break;
                }
                m = m.prev();
            }
        }
    }
    let mut remaining = if awards.iter().any(|a| a.pension_fen > 0) {
        remaining_balances(tx, county)?
    } else {
        FastMap::default()
    };
    tracing::info!("{county} 载入待遇与上月发放 {:?}", t0.elapsed());
    let death_notes = death_notes(tx, county)?;
    let mut meta = Vec::with_capacity(awards.len());
    let mut lines = Vec::with_capacity(awards.len());
    let mut exclusions: Vec<(i64, &'static str)> = Vec::new();
    for a in awards {
        let person_id = a.person_id;
        match decisions.get(&person_id) {
            Some((s, reason)) if s == "terminated" => {
                exclusions.push((
                    person_id,
                    if is_death(reason.as_deref()) {
                        "deceased"
                    } else {
                        "terminated"
                    },
                ));
                continue;
            }
            Some((s, _)) if s == "suspended" => {
                exclusions.push((person_id, "suspended"));
                continue;
            }
            _ => {}
        }
        if crate::deaths::certification::uncertified(
            sp,
            month,
            a.start,
            certified.get(&person_id).copied(),
        ) {
            exclusions.push((person_id, "uncertified"));
            continue;
        }
        if a.bank_account.is_empty() {
            exclusions.push((person_id, "no_bank_account"));
            continue;
        }
        let last = if prev.contains_key(&person_id) {
            Some(month.prev())
        } else {
            paid_through.get(&person_id).copied()
        };
        let from = last.map_or(a.start, |m| m.next()).max(a.start);
        if from > month {
            continue;
        }
        let months = i64::from(from.until(month) + 1);
        let pension = a.pension_fen * months;
        let (account_total, from_pool_fen) = if pension > 0 {
            let left = remaining.entry(person_id).or_default();
            let account_fen = pension.min((*left).max(0));
            *left -= account_fen;
            if stop_when_exhausted {
                (account_fen, 0)
            } else {
                (pension, pension - account_fen)
            }
        } else {
            (0, 0)
        };
        let exit = a.exit.map(|e| e * months);
        let total_fen = account_total + exit.iter().sum::<i64>();
        if total_fen <= 0 {
            continue;
        }
        let line_no = lines.len() as i64 + 1;
        meta.push((a.birth, prev.get(&person_id).copied()));
        lines.push(NewLine {
            line_no,
            person_id,
            award_id: a.award_id,
            from,
            to: month,
            months,
            account_fen: account_total,
            from_pool_fen,
            exit,
            total_fen,
            bank_name: a.bank_name,
            bank_account: a.bank_account,
            reissue_of: None,
        });
    }
    let checks: Vec<CheckRow> = lines
        .iter()
        .zip(meta)
        .map(|(l, (birth, prev_monthly_fen))| CheckRow {
            line_no: l.line_no,
            person_id: l.person_id,
            birth,
            bank_account: &l.bank_account,
            monthly_fen: l.total_fen / l.months,
            prev_monthly_fen,
            terminated: None,
            death_note: death_notes.get(&l.person_id).cloned(),
            suspended: None,
            uncertified: false,
        })
        .collect();
    tracing::info!("{county} 计算 {} 笔 {:?}", lines.len(), t0.elapsed());
    let anomalies = find_anomalies(&checks, month, DEFAULT_THRESHOLD_PCT).len();
    tracing::info!("{county} 检查 {:?}", t0.elapsed());
    Ok(Prepared {
        lines,
        exclusions,
        anomalies,
    })
}

/// Prepares a county's payroll on a connection of its own, from one snapshot, while the caller
/// writes another county's. `None` when the payroll exists already or anything goes wrong (the
/// writer then works it out itself).
fn prefetch(
    db: &mut yanglao_store::Db,
    policy: &crate::policy::PolicyBook,
    county: &str,
    month: Month,
) -> Option<Prefetched> {
    let sp = policy.supplementary(county, month.first_day()).ok()?;
    let result = db.read_transaction(|tx| -> Result<Option<Prefetched>> {
        let version = tx.version()?;
        if find(tx, county, month, Kind::Regular, 1)?.is_some() {
            return Ok(None);
        }
        Ok(Some(Prefetched {
            county: county.to_string(),
            version,
            prepared: prepare_regular(tx, &sp, county, month)?,
        }))
    });
    match result {
        Ok(p) => p,
        Err(e) => {
            tracing::info!("{county} 预先计算未成功（{e}），改为在写入时计算");
            None
        }
    }
}

/// Whether nothing but this run's own commits (`own`: the change counter each of them wrote)
/// has changed the database since `version`.
fn unchanged_since(tx: &mut Tx<'_>, version: i64, own: &[i64]) -> Result<bool> {
    let now = tx.version()?;
    Ok(now >= version && (version + 1..=now).all(|v| own.contains(&v)))
}

fn run_regular(
    ctx: &mut Ctx,
    month: Month,
    county: &str,
    prefetched: Option<Prefetched>,
    own: &[i64],
) -> Result<Made> {
    let actor = ctx.actor.clone();
    let sp = ctx
        .policy
        .supplementary(county, month.first_day())
        .map_err(|e| OpsError::rule(e.code(), e.to_string()))?;
    let sp = &sp;
    ctx.db.transaction(|tx| -> Result<Made> {
        tx.lock_for_writing()?;
        if let Some(id) = find(tx, county, month, Kind::Regular, 1)? {
            return Ok(Some((summary(tx, id, true)?, None)));
        }
        if let Some(later) = tx.query_opt(
            "SELECT month FROM payrolls WHERE county = $1 AND kind = 'regular' AND month > $2 ORDER BY month DESC LIMIT 1",
            &[Param::Text(county), Param::Date(month.first_day())],
        )? {
            return Err(OpsError::rule(
                "E-PAYROLL-OUT-OF-ORDER",
                format!("{county} 已有 {} 的发放批次：正常发放须按月份顺序生成，不能补生成更早的月份（欠发月份会在下次发放中补发）", Month::of(later.date(0)?)),
            ));
        }
        let t0 = std::time::Instant::now();
        // Work prepared ahead is used only if nothing but this run has written since its snapshot.
        let prepared = match prefetched.filter(|p| p.county == county) {
            Some(p) if unchanged_since(tx, p.version, own)? => p.prepared,
            Some(_) => {
                tracing::info!("{county} 预先计算后数据已变动，重新计算");
                prepare_regular(tx, sp, county, month)?
            }
            None => prepare_regular(tx, sp, county, month)?,
        };
        let Prepared { lines, exclusions, anomalies } = prepared;
        if lines.is_empty() && exclusions.is_empty() {
            return Ok(None);
        }
        let id = insert_payroll(tx, Key { county, month, kind: Kind::Regular, seq: 1 }, &lines, &exclusions, &actor)?;
        tracing::info!("{county} 写入 {:?}", t0.elapsed());
        Ok(Some((summary(tx, id, false)?, Some(anomalies))))
    })
}

fn run_supplementary(ctx: &mut Ctx, month: Month, county: &str) -> Result<Made> {
    let actor = ctx.actor.clone();
    let book = ctx.policy.clone();
    ctx.db.transaction(|tx| -> Result<Made> {
        tx.lock_for_writing()?;
        // Failed lines of this month's payrolls not yet re-issued, with today's bank details.
        let rows = tx.query(
            "SELECT l.payroll_id, l.line_no, l.person_id, l.award_id, l.from_month, l.to_month, l.months, l.account_pension_fen,
                    l.account_from_pool_fen, l.exit_province_fen, l.exit_city_fen, l.exit_county_fen, l.total_fen, p.bank_name, p.bank_account
             FROM payroll_lines l JOIN persons p ON p.county = l.county AND p.person_id = l.person_id
             WHERE l.county = $1 AND l.month = $2 AND l.status = 'failed'
               AND NOT EXISTS (SELECT 1 FROM payroll_lines r WHERE r.county = l.county AND r.reissue_of_payroll = l.payroll_id AND r.reissue_of_line = l.line_no)
             ORDER BY l.person_id, l.payroll_id",
            &[Param::Text(county), Param::Date(month.first_day())],
        )?;
        if rows.is_empty() {
            return Ok(None);
        }
        let decisions = decisions(tx, county, month)?;
        let mut banks = crate::register::index::SharedNames::default();
        let mut lines = Vec::new();
        let mut exclusions = Vec::new();
        for r in rows {
            let person_id = r.i64(2)?;
            if let Some((s, reason)) = decisions.get(&person_id).filter(|(s, _)| s == "terminated" || s == "suspended") {
                exclusions.push((person_id, if s == "suspended" { "suspended" } else if is_death(reason.as_deref()) { "deceased" } else { "terminated" }));
                continue;
            }
            let bank_account = r.opt_str(14)?.unwrap_or_default();
            if bank_account.is_empty() {
                exclusions.push((person_id, "no_bank_account"));
                continue;
            }
            // A payroll pays a person once (its lines are keyed by payroll and person). One
            // failed line a person at a time is what re-issuing leaves; should there ever be a
            // second, it stays on the failed list for the next supplementary run.
            if lines.last().is_some_and(|l: &NewLine| l.person_id == person_id) {
                continue;
            }
            lines.push(NewLine {
                line_no: lines.len() as i64 + 1,
                person_id,
                award_id: r.i64(3)?,
                from: Month::of(r.date(4)?),
                to: Month::of(r.date(5)?),
                months: r.i64(6)?,
                account_fen: r.i64(7)?,
                from_pool_fen: r.i64(8)?,
                exit: [r.i64(9)?, r.i64(10)?, r.i64(11)?],
                total_fen: r.i64(12)?,
                bank_name: banks.get(&r.opt_str(13)?.unwrap_or_default()),
                bank_account,
                reissue_of: Some((r.i64(0)?, r.i64(1)?)),
            });
        }
        if lines.is_empty() {
            // Nobody left to pay: no empty payroll (those left out stay on the failed list).
            return Ok(None);
        }
        let seq = tx.scalar_i64(
            "SELECT CAST(COALESCE(MAX(seq), 0) + 1 AS BIGINT) FROM payrolls WHERE county = $1 AND month = $2 AND kind = 'supplementary'",
            &[Param::Text(county), Param::Date(month.first_day())],
        )?;
        let id = insert_payroll(tx, Key { county, month, kind: Kind::Supplementary, seq }, &lines, &exclusions, &actor)?;
        let anomalies = check_in(tx, &book, id, DEFAULT_THRESHOLD_PCT)?.len();
        Ok(Some((summary(tx, id, false)?, Some(anomalies))))
    })
}

fn find(tx: &mut Tx<'_>, county: &str, month: Month, kind: Kind, seq: i64) -> Result<Option<i64>> {
    Ok(tx
        .query_opt(
            "SELECT payroll_id FROM payrolls WHERE county = $1 AND month = $2 AND kind = $3 AND seq = $4",
            &[Param::Text(county), Param::Date(month.first_day()), Param::Text(kind.as_str()), Param::Int(seq)],
        )?
        .map(|r| r.i64(0))
        .transpose()?)
}

const SUMMARY_SELECT: &str = "SELECT payroll_id, county, month, kind, seq, status, line_count, total_fen, run_by, approved_by, paid_date, run_by_user FROM payrolls";

fn summary_of(r: &yanglao_store::Row) -> Result<Summary> {
    Ok(Summary {
        id: r.i64(0)?,
        county: r.str(1)?,
        month: Month::of(r.date(2)?),
        kind: r.str(3)?,
        seq: r.i64(4)?,
        status: r.str(5)?,
        lines: r.i64(6)?,
        total_fen: r.i64(7)?,
        run_by: r.str(8)?,
        run_by_user: r.opt_i64(11)?,
        approved_by: r.opt_str(9)?,
        paid_date: r.opt_date(10)?,
        excluded: BTreeMap::new(),
        existed: false,
    })
}

/// A payroll's summary, with its exclusions counted by reason.
pub fn summary(tx: &mut Tx<'_>, id: i64, existed: bool) -> Result<Summary> {
    let r = tx
        .query_opt(
            &format!("{SUMMARY_SELECT} WHERE payroll_id = $1"),
            &[Param::Int(id)],
        )?
        .ok_or_else(|| {
            OpsError::rule("E-PAYROLL-NOT-FOUND", format!("没有编号为 {id} 的发放批次"))
        })?;
    let mut s = summary_of(&r)?;
    s.existed = existed;
    for r in tx.query(
        "SELECT reason, COUNT(*) FROM payroll_exclusions WHERE payroll_id = $1 GROUP BY reason ORDER BY reason",
        &[Param::Int(id)],
    )? {
        s.excluded.insert(r.str(0)?, r.i64(1)?);
    }
    Ok(s)
}

/// Payrolls, newest month first, optionally of one month.
pub fn list(ctx: &mut Ctx, month: Option<Month>) -> Result<Vec<Summary>> {
    ctx.actor.require(Action::Read)?;
    let actor = ctx.actor.clone();
    ctx.db.transaction(|tx| -> Result<Vec<Summary>> {
        let mut params = Vec::new();
        let scope = actor.scope_sql("county", &mut params);
        let month_day = month.map(|m| m.first_day());
        let month_filter = match month_day {
            Some(d) => {
                params.push(Param::Date(d));
                format!(" AND month = ${}", params.len())
            }
            None => String::new(),
        };
        let rows = tx.query(
            &format!("{SUMMARY_SELECT} WHERE {scope}{month_filter} ORDER BY month DESC, county, kind, seq"),
            &params,
        )?;
        let mut list: Vec<Summary> = rows.iter().map(summary_of).collect::<Result<_>>()?;
        let mut excluded: FastMap<i64, BTreeMap<String, i64>> = FastMap::default();
        for r in tx.query("SELECT payroll_id, reason, COUNT(*) FROM payroll_exclusions GROUP BY payroll_id, reason", &[])? {
            excluded.entry(r.i64(0)?).or_default().insert(r.str(1)?, r.i64(2)?);
        }
        for s in &mut list {
            if let Some(e) = excluded.remove(&s.id) {
                s.excluded = e;
            }
        }
        Ok(list)
    })
}

/// Something in a draft that a person should look at before approving it.
#[derive(Debug, Clone, Serialize)]
pub struct Anomaly {
    pub code: &'static str,
    pub line_no: Option<i64>,
    pub citizen_id: String,
    pub message: String,
}

/// `payroll check`: the anomalies of a payroll. `threshold_pct`: a monthly amount that changed by
/// more than this percentage from the person's previous month is reported.
pub fn check(ctx: &mut Ctx, id: i64, threshold_pct: i64) -> Result<Vec<Anomaly>> {
    let book = ctx.policy.clone();
    let actor = ctx.actor.clone();
    ctx.db.read_transaction(|tx| {
        summary_in_scope(tx, &actor, id, false)?;
        check_in(tx, &book, id, threshold_pct)
    })
}

/// The threshold of the amount-change check when `payroll run` checks its drafts.
pub const DEFAULT_THRESHOLD_PCT: i64 = 20;

/// What the checks need of a line.
struct CheckRow<'a> {
    line_no: i64,
    person_id: i64,
    birth: NaiveDate,
    bank_account: &'a str,
    monthly_fen: i64,
    prev_monthly_fen: Option<i64>,
    /// A termination recorded for the person: date and reason.
    terminated: Option<(NaiveDate, Option<String>)>,
    /// A death record for the person still waiting in the review queue, or only a village report.
    death_note: Option<String>,
    /// A suspension in force for the payroll's month: date and reason.
    suspended: Option<(NaiveDate, Option<String>)>,
    /// Left out as not certified when the register is looked at now.
    uncertified: bool,
}

/// Anomalies that make a line no longer payable: approval and export refuse a payroll that has
/// any (`payroll refresh` takes such lines out of the draft).
pub const UNPAYABLE: [&str; 5] = [
    "A-SUSPENDED",
    "A-TERMINATED",
    "A-DECEASED",
    "A-DEATH-RECORD",
    "A-UNCERTIFIED",
];

/// An anomaly before the citizen ID is looked up: code, line, person, message.
type Found = (&'static str, Option<i64>, Option<i64>, String);

/// Death records that stop no payment yet: a match waiting for review, or a village report not yet
/// confirmed by an official source.
fn death_notes(tx: &mut Tx<'_>, county: &str) -> Result<FastMap<i64, String>> {
    let mut map = FastMap::default();
    tx.for_each_ref(
        "SELECT person_id, death_date, source, match_status FROM death_records
         WHERE person_county = $1 AND (match_status = 'review' OR (source = 'village' AND match_status = 'matched'))",
        &[Param::Text(county)],
        |r| {
            let note = if r.str(3)? == "review" {
                format!("有待审核的死亡记录（{}，死亡日期 {}）", crate::deaths::source_zh(r.str(2)?), r.date(1)?)
            } else {
                format!("村报去世（死亡日期 {}），待官方确认", r.date(1)?)
            };
            map.insert(r.i64(0)?, note);
            Ok(())
        },
    )?;
    Ok(map)
}

/// The checks before approval, over a payroll's lines in memory (`payroll run` has them at hand;
/// `payroll check` loads them).
fn find_anomalies(rows: &[CheckRow], month: Month, threshold_pct: i64) -> Vec<Found> {
    let at = month.last_day();
    let mut out = Vec::new();
    let mut by_account: FastMap<&str, Vec<(i64, i64)>> =
        FastMap::with_capacity_and_hasher(rows.len(), Default::default());
    for r in rows {
        by_account
            .entry(r.bank_account)
            .or_default()
            .push((r.line_no, r.person_id));
        if let Some(prev) = r.prev_monthly_fen {
            if (r.monthly_fen - prev).abs() * 100 > prev * threshold_pct {
                out.push((
                    "A-AMOUNT-CHANGED",
                    Some(r.line_no),
                    Some(r.person_id),
                    format!(
                        "月发放额由 {} 元变为 {} 元，变动超过 {threshold_pct}%",
                        yanglao_domain::format_yuan(prev),
                        yanglao_domain::format_yuan(r.monthly_fen)
                    ),
                ));
            }
        }
        if !r.bank_account.bytes().all(|b| b.is_ascii_digit()) || !luhn_ok(r.bank_account) {
            out.push((
                "A-ACCOUNT-CHECK",
                Some(r.line_no),
                Some(r.person_id),
                "银行账号未通过校验，请核实".into(),
            ));
        }
        let age = age_on(r.birth, at);
        if age > 100 {
            out.push((
                "A-OVER-100",
                Some(r.line_no),
                Some(r.person_id),
                format!("领取人已 {age} 岁，请核实生存状态"),
            ));
        }
        if let Some(note) = &r.death_note {
            out.push((
                "A-DEATH-RECORD",
                Some(r.line_no),
                Some(r.person_id),
                note.clone(),
            ));
        }
        if let Some((d, reason)) = &r.suspended {
            out.push((
                "A-SUSPENDED",
                Some(r.line_no),
                Some(r.person_id),
                format!(
                    "已于 {d} 暂停发放（{}），仍在发放名单中",
                    reason.clone().unwrap_or_default()
                ),
            ));
        }
        if r.uncertified {
            out.push((
                "A-UNCERTIFIED",
                Some(r.line_no),
                Some(r.person_id),
                "未按期完成资格认证，本月应暂不发放".into(),
            ));
        }
        if let Some((d, reason)) = &r.terminated {
            out.push((
                if is_death(reason.as_deref()) {
                    "A-DECEASED"
                } else {
                    "A-TERMINATED"
                },
                Some(r.line_no),
                Some(r.person_id),
                format!(
                    "已于 {d} 终止（{}），仍在发放名单中",
                    reason.clone().unwrap_or_default()
                ),
            ));
        }
    }
    let mut shared: Vec<(&str, Vec<(i64, i64)>)> = by_account
        .into_iter()
        .filter(|(_, v)| v.len() > 1)
        .collect();
    shared.sort();
    // One anomaly for each person sharing an account, naming the others' lines.
    for (account, holders) in shared {
        let masked = yanglao_domain::BankAccount::parse(account)
            .map_or(account.to_string(), |(a, _)| a.masked());
        let lines: Vec<String> = holders.iter().map(|(l, _)| l.to_string()).collect();
        for (line_no, person_id) in &holders {
            out.push((
                "A-SHARED-ACCOUNT",
                Some(*line_no),
                Some(*person_id),
                format!(
                    "银行账号 {masked} 由 {} 人共用（第 {} 行）",
                    holders.len(),
                    lines.join("、")
                ),
            ));
        }
    }
    out
}

/// The checks of a payroll against the register as it is now: every line's person looked at
/// again (decisions in force for the month, deaths confirmed or awaiting review, certification).
/// A termination makes a line unpayable when it takes effect before the line's last month: the
/// month of a death (or a transfer) is still paid, as the run pays it.
fn check_in(
    tx: &mut Tx<'_>,
    book: &crate::policy::PolicyBook,
    id: i64,
    threshold_pct: i64,
) -> Result<Vec<Anomaly>> {
    let s = summary(tx, id, false)?;
    // Last month's regular payroll, for the month-on-month comparison.
    let prev_id = find(tx, &s.county, s.month.prev(), Kind::Regular, 1)?;
    let decided = decisions(tx, &s.county, s.month)?;
    let sp = book.supplementary(&s.county, s.month.first_day()).ok();
    let certified = match &sp {
        Some(sp) if sp.certification_required_from.is_some() => {
            crate::deaths::certification::last_certified(tx, &s.county, s.month.last_day())?
        }
        _ => FastMap::default(),
    };
    let mut loaded = Vec::new();
    let mut starts: FastMap<i64, Month> = FastMap::default();
    tx.for_each_ref(
        "SELECT l.line_no, l.person_id, p.birth_date, l.bank_account, l.total_fen / l.months, prev.total_fen / prev.months,
                (SELECT e.effective_date FROM person_events e WHERE e.county = l.county AND e.person_id = l.person_id AND e.status = 'terminated'
                   AND e.effective_date < l.to_month ORDER BY e.effective_date, e.event_id LIMIT 1),
                (SELECT e.reason FROM person_events e WHERE e.county = l.county AND e.person_id = l.person_id AND e.status = 'terminated'
                   AND e.effective_date < l.to_month ORDER BY e.effective_date, e.event_id LIMIT 1),
                a.start_month
         FROM payroll_lines l
         JOIN persons p ON p.county = l.county AND p.person_id = l.person_id
         JOIN awards a ON a.county = l.county AND a.award_id = l.award_id
         LEFT JOIN payroll_lines prev ON prev.payroll_id = $3 AND prev.person_id = l.person_id AND prev.county = l.county
                                      AND prev.to_month = $4
         WHERE l.payroll_id = $1 AND l.county = $2",
        &[Param::Int(id), Param::Text(&s.county), Param::from(prev_id), Param::Date(s.month.prev().first_day())],
        |r| {
            let reason = r.opt_str(7)?.unwrap_or("");
            starts.insert(r.i64(1)?, Month::of(r.date(8)?));
            loaded.push((
                r.i64(0)?,
                r.i64(1)?,
                r.date(2)?,
                r.str(3)?.to_string(),
                r.i64(4)?,
                // A supplementary payroll re-issues old months: no month-on-month comparison.
                if s.kind == "regular" { r.opt_i64(5)? } else { None },
                r.opt_date(6)?.map(|d| (d, (!reason.is_empty()).then(|| reason.to_string()))),
            ));
            Ok(())
        },
    )?;
    loaded.sort_unstable_by_key(|l| l.0);
    let notes = death_notes(tx, &s.county)?;
    let mut suspensions: FastMap<i64, NaiveDate> = FastMap::default();
    if decided.values().any(|(st, _)| st == "suspended") {
        tx.for_each_ref(
            "SELECT person_id, MAX(effective_date) FROM person_events WHERE county = $1 AND status = 'suspended' AND effective_date <= $2 GROUP BY person_id",
            &[Param::Text(&s.county), Param::Date(s.month.last_day())],
            |r| {
                suspensions.insert(r.i64(0)?, r.date(1)?);
                Ok(())
            },
        )?;
    }
    let rows: Vec<CheckRow> = loaded
        .iter()
        .map(
            |(line_no, person_id, birth, account, monthly_fen, prev_monthly_fen, terminated)| {
                CheckRow {
                    line_no: *line_no,
                    person_id: *person_id,
                    birth: *birth,
                    bank_account: account,
                    monthly_fen: *monthly_fen,
                    prev_monthly_fen: *prev_monthly_fen,
                    terminated: terminated.clone(),
                    death_note: notes.get(person_id).cloned(),
                    suspended: decided
                        .get(person_id)
                        .filter(|(st, _)| st == "suspended")
                        .map(|(_, reason)| {
                            (suspended_on(&suspensions, *person_id), reason.clone())
                        }),
                    // A supplementary payroll re-issues months already certified for.
                    uncertified: s.kind == "regular"
                        && sp.as_ref().is_some_and(|sp| {
                            starts.get(person_id).is_some_and(|start| {
                                crate::deaths::certification::uncertified(
                                    sp,
                                    s.month,
                                    *start,
                                    certified.get(person_id).copied(),
                                )
                            })
                        }),
                }
            },
        )
        .collect();
    let found = find_anomalies(&rows, s.month, threshold_pct);
    let mut out = Vec::with_capacity(found.len());
    for (code, line_no, person_id, message) in found {
        let citizen_id = match person_id {
            Some(p) => tx
                .query_opt(
                    "SELECT citizen_id FROM persons WHERE county = $1 AND person_id = $2",
                    &[Param::Text(&s.county), Param::Int(p)],
                )?
                .map(|r| r.str(0))
                .transpose()?
                .map(|c| crate::ledger::masked_id(&c))
                .unwrap_or_default(),
            None => String::new(),
        };
        out.push(Anomaly {
            code,
            line_no,
            citizen_id,
            message,
        });
    }
    Ok(out)
}

fn suspended_on(suspensions: &FastMap<i64, NaiveDate>, person_id: i64) -> NaiveDate {
    suspensions
        .get(&person_id)
        .copied()
        .unwrap_or(NaiveDate::MIN)
}

/// The lines of a payroll no longer payable, as an error that names each person and reason.
fn refuse_unpayable(id: i64, anomalies: &[Anomaly], doing: &str) -> Result<()> {
    let unpayable: Vec<&Anomaly> = anomalies
        .iter()
        .filter(|a| UNPAYABLE.contains(&a.code))
        .collect();
    if unpayable.is_empty() {
        return Ok(());
    }
    let mut list: Vec<String> = unpayable
        .iter()
        .take(20)
        .map(|a| {
            format!(
                "第 {} 行 {} [{}] {}",
                a.line_no.unwrap_or_default(),
                a.citizen_id,
                a.code,
                a.message
            )
        })
        .collect();
    if unpayable.len() > 20 {
        list.push(format!("……共 {} 笔", unpayable.len()));
    }
    Err(OpsError::rule(
        "E-PAYROLL-UNPAYABLE",
        format!(
            "发放批次 {id} 有 {} 笔已不应发放，不能{doing}：\n  {}\n请经办人运行“yanglao payroll refresh {id}”把这些人员移出批次（已审核的批次退回草稿），再重新审核",
            unpayable.len(),
            list.join("\n  ")
        ),
    ))
}

/// What `payroll refresh` did.
#[derive(Debug, Clone, Serialize)]
pub struct Refreshed {
    pub summary: Summary,
    /// The lines taken out, with the anomaly that made each unpayable.
    pub removed: Vec<Anomaly>,
    /// True when the payroll was approved and went back to draft.
    pub back_to_draft: bool,
}

/// `payroll refresh`: takes the lines no longer payable out of a draft or approved payroll
/// (recorded as exclusions with their reason); an approved payroll goes back to draft, to be
/// approved again. Nothing exported is touched.
pub fn refresh(ctx: &mut Ctx, id: i64) -> Result<Refreshed> {
    ctx.actor.require(Action::Payroll)?;
    let who = ctx.actor.clone();
    let actor = ctx.who();
    let book = ctx.policy.clone();
    ctx.db.transaction(|tx| -> Result<Refreshed> {
        tx.lock_for_writing()?;
        let s = summary_in_scope(tx, &who, id, false)?;
        who.require_county(Action::Payroll, &s.county)?;
        if s.status != "draft" && s.status != "approved" {
            return Err(OpsError::rule(
                "E-PAYROLL-NOT-DRAFT",
                format!("发放批次 {id} 状态为“{}”：已导出的批次不能再改动", status_zh(&s.status)),
            ));
        }
        let anomalies = check_in(tx, &book, id, DEFAULT_THRESHOLD_PCT)?;
        let mut removed = Vec::new();
        let mut taken: std::collections::BTreeSet<i64> = Default::default();
        for a in anomalies.into_iter().filter(|a| UNPAYABLE.contains(&a.code)) {
            let Some(line_no) = a.line_no else { continue };
            if !taken.insert(line_no) {
                continue;
            }
            let r = tx.query_one(
                "SELECT person_id, total_fen FROM payroll_lines WHERE payroll_id = $1 AND county = $2 AND line_no = $3",
                &[Param::Int(id), Param::Text(&s.county), Param::Int(line_no)],
            )?;
            let (person_id, total) = (r.i64(0)?, r.i64(1)?);
            tx.exec(
                "DELETE FROM payroll_lines WHERE county = $1 AND payroll_id = $2 AND person_id = $3",
                &[Param::Text(&s.county), Param::Int(id), Param::Int(person_id)],
            )?;
            tx.exec(
                "UPDATE payrolls SET line_count = line_count - 1, total_fen = total_fen - $3 WHERE county = $1 AND payroll_id = $2",
                &[Param::Text(&s.county), Param::Int(id), Param::Int(total)],
            )?;
            let reason = match a.code {
                "A-SUSPENDED" => "suspended",
                "A-TERMINATED" => "terminated",
                "A-DECEASED" => "deceased",
                "A-UNCERTIFIED" => "uncertified",
                _ => "death_record",
            };
            tx.exec(
                "INSERT INTO payroll_exclusions (county, payroll_id, person_id, reason) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                &[Param::Text(&s.county), Param::Int(id), Param::Int(person_id), Param::Text(reason)],
            )?;
            removed.push(a);
        }
        let back_to_draft = s.status == "approved" && !removed.is_empty();
        if back_to_draft {
            tx.exec(
                "UPDATE payrolls SET status = 'draft', approved_by = NULL, approved_at = NULL WHERE payroll_id = $1 AND county = $2",
                &[Param::Int(id), Param::Text(&s.county)],
            )?;
        }
        if !removed.is_empty() {
            audit(
                tx,
                &actor,
                "payroll.refresh",
                &serde_json::json!({
                    "payroll_id": id, "back_to_draft": back_to_draft,
                    "removed": removed.iter().map(|a| serde_json::json!({"line_no": a.line_no, "code": a.code, "citizen_id": a.citizen_id})).collect::<Vec<_>>(),
                }),
            )?;
        }
        Ok(Refreshed {
            summary: summary(tx, id, false)?,
            removed,
            back_to_draft,
        })
    })
}

/// Refuses to export an approved payroll with lines no longer payable (checked in the export's
/// own transaction).
pub(crate) fn check_payable(
    tx: &mut Tx<'_>,
    book: &crate::policy::PolicyBook,
    id: i64,
) -> Result<()> {
    let anomalies = check_in(tx, book, id, DEFAULT_THRESHOLD_PCT)?;
    refuse_unpayable(id, &anomalies, "导出（审核后人员状态有变）")
}

/// `payroll approve`: by someone other than its maker; only a draft.
pub fn approve(ctx: &mut Ctx, id: i64) -> Result<Summary> {
    ctx.actor.require(Action::ApprovePayroll)?;
    let actor = ctx.actor.clone();
    let book = ctx.policy.clone();
    ctx.db.transaction(|tx| -> Result<Summary> {
        tx.lock_for_writing()?;
        let s = summary_in_scope(tx, &actor, id, false)?;
        actor.require_county(Action::ApprovePayroll, &s.county)?;
        if s.status != "draft" {
            return Err(OpsError::rule("E-PAYROLL-NOT-DRAFT", format!("发放批次 {id} 状态为“{}”，只能审核草稿", status_zh(&s.status))));
        }
        // Maker-checker compares accounts (by name only for payrolls made before accounts).
        let same = match s.run_by_user {
            Some(maker) => maker == actor.user_id,
            None => s.run_by == actor.name,
        };
        if same {
            return Err(OpsError::rule("E-PAYROLL-SAME-USER", format!("发放批次 {id} 由账号 {} 生成，须由另一个审核员账号审核（经办与复核分离）", s.run_by)));
        }
        // Every line against the register as it is now: a line no longer payable is refused.
        let anomalies = check_in(tx, &book, id, DEFAULT_THRESHOLD_PCT)?;
        refuse_unpayable(id, &anomalies, "审核")?;
        tx.exec(
            "UPDATE payrolls SET status = 'approved', approved_by = $2, approved_at = $3, approved_by_user = $5 WHERE payroll_id = $1 AND county = $4",
            &[Param::Int(id), Param::Text(&actor.name), Param::Timestamp(yanglao_store::now()), Param::Text(&s.county), Param::Int(actor.user_id)],
        )?;
        audit(tx, &actor.name, "payroll.approve", &serde_json::json!({"payroll_id": id}))?;
        summary(tx, id, false)
    })
}

/// A payroll's summary when the actor may read its county (E-ACCESS-COUNTY otherwise).
pub fn summary_in_scope(tx: &mut Tx<'_>, actor: &Actor, id: i64, existed: bool) -> Result<Summary> {
    let s = summary(tx, id, existed)?;
    actor.require_county(Action::Read, &s.county)?;
    Ok(s)
}

/// A payment line's status in Chinese.
pub fn line_status_zh(s: &str) -> &str {
    match s {
        "pending" => "待回盘",
        "paid" => "已发放",
        "failed" => "发放失败",
        other => other,
    }
}

pub fn status_zh(s: &str) -> &str {
    match s {
        "draft" => "草稿",
        "approved" => "已审核",
        "exported" => "已导出",
        "paid" => "已发放",
        "not_started" => "未生成",
        other => other,
    }
}

/// One county's state for a month (`payroll status`).
#[derive(Debug, Clone, Serialize)]
pub struct CountyStatus {
    pub county: String,
    pub state: String,
    pub payroll_id: Option<i64>,
    pub paid_date: Option<NaiveDate>,
    pub deadline: NaiveDate,
    /// Days from today to the 15th (negative once it has passed).
    pub days_left: i64,
    pub late: bool,
}

pub fn status(ctx: &mut Ctx, month: Month, today: NaiveDate) -> Result<Vec<CountyStatus>> {
    ctx.actor.require(Action::Read)?;
    let actor = ctx.actor.clone();
    ctx.db.transaction(|tx| -> Result<Vec<CountyStatus>> {
        let counties = crate::known_counties(tx)?;
        let mut out = Vec::new();
        for c in actor.counties_of(counties.keys()) {
            let p = tx.query_opt(
                "SELECT payroll_id, status, paid_date FROM payrolls WHERE county = $1 AND month = $2 AND kind = 'regular' AND seq = 1",
                &[Param::Text(c), Param::Date(month.first_day())],
            )?;
            let (payroll_id, state, paid_date) = match p {
                Some(r) => (Some(r.i64(0)?), r.str(1)?, r.opt_date(2)?),
                None => (None, "not_started".to_string(), None),
            };
            let deadline = month.deadline();
            let late = match paid_date {
                Some(d) => d > deadline,
                None => today > deadline,
            };
            out.push(CountyStatus { county: c.clone(), state, payroll_id, paid_date, deadline, days_left: (deadline - today).num_days(), late });
        }
        Ok(out)
    })
}

#[cfg(test)]
mod pipeline_tests {
    use super::*;

    const COUNTIES: [&str; 5] = ["140302", "140303", "140311", "140321", "140322"];

    fn ctx(tag: &str) -> (Ctx, std::path::PathBuf) {
        let dir =
            std::env::temp_dir().join(format!("yanglao-pipeline-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut db =
            yanglao_store::Db::open(&format!("sqlite://{}", dir.join("t.db").display())).unwrap();
        db.migrate().unwrap();
        let mut ctx = Ctx::with_policy_source(
            db,
            yanglao_policy::SHANXI_SUPPLEMENTARY,
            "shanxi-supplementary.toml",
        )
        .unwrap();
        // Ten recipients in each county, through the register and the awards.
        let mut csv = crate::register::persons::COLUMNS.join(",");
        for i in 0..50u32 {
            let county = COUNTIES[i as usize % 5];
            let id =
                yanglao_domain::CitizenId::from_body(&format!("{county}19400101{i:03}")).unwrap();
            let account = yanglao_domain::bank::with_luhn_digit(&format!("622848{i:012}"));
            csv.push_str(&format!(
                "\n{},领取人{i},{county},13903530000,中国农业银行,{account},是",
                id.as_str()
            ));
        }
        let upload = crate::imports::table::Upload::new("p.csv", csv.into_bytes());
        assert!(crate::register::persons::import(&mut ctx, &upload, false)
            .unwrap()
            .ok());
        crate::payroll::awards::run(&mut ctx, Month::parse("2023-01").unwrap(), None).unwrap();
        run(
            &mut ctx,
            Month::parse("2023-01").unwrap(),
            None,
            Kind::Regular,
            &|_, _, _| {},
        )
        .unwrap();
        (ctx, dir)
    }

    /// Work prepared from a snapshot is used only if nothing but the run itself wrote since: a
    /// decision recorded in between (by anyone else) makes the writer work the county out again.
    #[test]
    fn prepared_work_is_redone_when_the_data_moved_under_it() {
        let (mut ctx, dir) = ctx("moved");
        let feb = Month::parse("2023-02").unwrap();
        let county = COUNTIES[0];
        let mut reader = ctx.db.reopen().unwrap().expect("a file database");
        let pre = prefetch(&mut reader, &ctx.policy, county, feb).expect("prepared");
        let prepared_lines = pre.prepared.lines.len();
        assert_eq!(prepared_lines, 10);
        // Someone else (another connection) suspends a recipient of that county after the snapshot.
        let mut other = ctx.db.reopen().unwrap().unwrap();
        other
            .transaction(|tx| -> Result<()> {
                let person = tx.scalar_i64("SELECT MIN(person_id) FROM awards WHERE county = $1", &[Param::Text(county)])?;
                tx.exec(
                    "INSERT INTO person_events (county, event_id, person_id, status, reason, effective_date, recorded_by, recorded_at)
                     VALUES ($1, 999999, $2, 'suspended', '核查', $3, 'other', $4)",
                    &[Param::Text(county), Param::Int(person), Param::Date(feb.first_day()), Param::Timestamp(yanglao_store::now())],
                )?;
                Ok(())
            })
            .unwrap();
        let made = run_regular(&mut ctx, feb, county, Some(pre), &[])
            .unwrap()
            .unwrap();
        assert_eq!(
            made.0.lines as usize,
            prepared_lines - 1,
            "the suspension is seen"
        );

        // With only the run's own commits in between, the prepared work stands.
        let county_b = COUNTIES[1];
        let pre_b = prefetch(&mut reader, &ctx.policy, county_b, feb).expect("prepared");
        let county_c = COUNTIES[2];
        let pre_c = prefetch(&mut reader, &ctx.policy, county_c, feb).expect("prepared");
        let before = ctx.db.last_version();
        run_regular(&mut ctx, feb, county_b, Some(pre_b), &[]).unwrap();
        let own = ctx
            .db
            .last_version()
            .filter(|v| Some(*v) != before)
            .expect("a commit");
        let ok = ctx
            .db
            .transaction(|tx| unchanged_since(tx, pre_c.version, &[own]))
            .unwrap();
        let not_ok = ctx
            .db
            .transaction(|tx| unchanged_since(tx, pre_c.version, &[]))
            .unwrap();
        assert!(ok && !not_ok);
        let _ = std::fs::remove_dir_all(dir);
    }

    /// The pipelined run and the one-county-at-a-time run give the same payrolls.
    #[test]
    fn pipelined_and_sequential_runs_agree() {
        let (mut a, dir_a) = ctx("pipelined");
        let (mut b, dir_b) = ctx("sequential");
        let feb = Month::parse("2023-02").unwrap();
        let all = run(&mut a, feb, None, Kind::Regular, &|_, _, _| {}).unwrap();
        let mut one_by_one = Vec::new();
        for c in COUNTIES {
            one_by_one.extend(
                run(&mut b, feb, Some(c), Kind::Regular, &|_, _, _| {})
                    .unwrap()
                    .payrolls,
            );
        }
        let key = |s: &Summary| (s.county.clone(), s.lines, s.total_fen);
        assert_eq!(
            all.payrolls.iter().map(key).collect::<Vec<_>>(),
            one_by_one.iter().map(key).collect::<Vec<_>>()
        );
        assert_eq!(all.payrolls.len(), 5);
        let _ = (
            std::fs::remove_dir_all(dir_a),
            std::fs::remove_dir_all(dir_b),
        );
    }
}
