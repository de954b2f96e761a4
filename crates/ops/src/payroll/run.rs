//! The monthly run: who is payable, the lines each county's payroll holds (regular and
//! supplementary), worked out ahead on a second connection and written in one transaction per
//! county.

use super::*;
use crate::access::Actor;
use crate::register::index::FastMap;
use crate::{audit, Ctx, OpsError, Result};
use chrono::NaiveDate;
use std::collections::BTreeMap;
use yanglao_domain::Month;
use yanglao_store::{ColType, Param, Tx};

/// An award in pay, with its person's bank details.
pub(crate) struct AwardRow {
    pub(crate) award_id: i64,
    pub(crate) person_id: i64,
    pub(crate) start: Month,
    pub(crate) pension_fen: i64,
    pub(crate) exit: [i64; 3],
    /// Shared: a county has a handful of banks and a payroll up to millions of lines.
    pub(crate) bank_name: std::sync::Arc<str>,
    pub(crate) bank_account: String,
    pub(crate) birth: NaiveDate,
}

/// One line about to be written.
pub(crate) struct NewLine {
    pub(crate) line_no: i64,
    pub(crate) person_id: i64,
    pub(crate) award_id: i64,
    pub(crate) from: Month,
    pub(crate) to: Month,
    pub(crate) months: i64,
    pub(crate) account_fen: i64,
    pub(crate) from_pool_fen: i64,
    pub(crate) exit: [i64; 3],
    pub(crate) total_fen: i64,
    /// Shared: a county has a handful of banks and a payroll up to millions of lines.
    pub(crate) bank_name: std::sync::Arc<str>,
    pub(crate) bank_account: String,
    pub(crate) reissue_of: Option<(i64, i64)>,
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

/// The decision in force for each person of a county for a payroll month: (status, reason).
/// A termination (death, transfer) takes effect from the month after its date — the month of a
/// death is still paid — and once in force nothing later overrides it; suspensions and the other
/// decisions take effect in the month of their date.
pub(crate) fn decisions(
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

pub(crate) fn is_death(reason: Option<&str>) -> bool {
    reason.is_some_and(|r| r.contains('死') || r.contains("去世") || r.contains("身故"))
}

/// What remains of each person's individual account once every payment already drawn up is paid.
pub(crate) fn remaining_balances(tx: &mut Tx<'_>, county: &str) -> Result<FastMap<i64, i64>> {
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
pub(crate) struct Key<'a> {
    pub(crate) county: &'a str,
    pub(crate) month: Month,
    pub(crate) kind: Kind,
    pub(crate) seq: i64,
}

pub(crate) fn insert_payroll(
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
    // The version in force read first: a distributed database takes no subquery inside VALUES.
    let version = tx
        .query_one(
            &format!("SELECT {}", crate::policy::version_on_sql(1)),
            &[Param::Date(month.first_day())],
        )?
        .opt_i64(0)?;
    tx.exec(
        "INSERT INTO payrolls (county, payroll_id, month, kind, seq, status, line_count, total_fen, run_by, run_at, policy_version, run_by_user)
         VALUES ($1, $2, $3, $4, $5, 'draft', $6, $7, $8, $9, $10, $11)",
        &[
            Param::Text(county), Param::Int(id), Param::Date(month.first_day()), Param::Text(kind.as_str()), Param::Int(seq),
            Param::Int(lines.len() as i64), Param::Int(total), Param::Text(&actor.name), Param::Timestamp(yanglao_store::now()),
            version.map_or(Param::Null, Param::Int), Param::Int(actor.user_id),
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
pub(crate) type Made = Option<(Summary, Option<usize>)>;

/// A county's regular payroll worked out and checked, not yet written.
pub(crate) struct Prepared {
    pub(crate) lines: Vec<NewLine>,
    pub(crate) exclusions: Vec<(i64, &'static str)>,
    pub(crate) anomalies: usize,
}

/// Work prepared ahead from a snapshot, with the database's change counter at that snapshot.
pub(crate) struct Prefetched {
    pub(crate) county: String,
    pub(crate) version: i64,
    pub(crate) prepared: Prepared,
}

/// Works out a county's regular payroll for a month from what `tx` sees: who is paid and how
/// much, who is left out and why, and the anomalies the checks find. Reads only.
pub(crate) fn prepare_regular(
    tx: &mut Tx<'_>,
    sp: &yanglao_policy::SupplementaryParams,
    county: &str,
    month: Month,
) -> Result<Prepared> {
    let t0 = std::time::Instant::now();
    let decisions = decisions(tx, county, month)?;
    let certified = if sp.certification_required_from.is_some() {
        crate::deaths::certification::last_certified(tx, county, month.last_day())?
    } else {
        FastMap::default()
    };
    let prev = last_month_amounts(tx, county, month)?;
    let awards = awards_in_pay(tx, county, month, prev.len())?;
    let paid_through = paid_through(tx, county, month, &awards, &prev, &decisions)?;
    let remaining = if awards.iter().any(|a| a.pension_fen > 0) {
        remaining_balances(tx, county)?
    } else {
        FastMap::default()
    };
    tracing::info!("{county} 载入待遇与上月发放 {:?}", t0.elapsed());
    let death_notes = death_notes(tx, county)?;
    let mut work = RegularLines {
        sp,
        stop_when_exhausted: sp.account_exhausted == "stop",
        month,
        decisions: &decisions,
        certified: &certified,
        prev: &prev,
        paid_through: &paid_through,
        remaining,
        lines: Vec::with_capacity(awards.len()),
        meta: Vec::with_capacity(awards.len()),
        exclusions: Vec::new(),
    };
    for a in awards {
        work.add(a);
    }
    let RegularLines {
        lines,
        meta,
        exclusions,
        ..
    } = work;
    tracing::info!("{county} 计算 {} 笔 {:?}", lines.len(), t0.elapsed());
    let anomalies = count_anomalies(&lines, meta, &death_notes, month);
    tracing::info!("{county} 检查 {:?}", t0.elapsed());
    Ok(Prepared {
        lines,
        exclusions,
        anomalies,
    })
}

/// Last month's regular payroll, read in key order: who was paid through last month, and how
/// much a month (for the amount check).
fn last_month_amounts(tx: &mut Tx<'_>, county: &str, month: Month) -> Result<FastMap<i64, i64>> {
    let mut prev: FastMap<i64, i64> = FastMap::default();
    if let Some(prev_id) = find(tx, county, month.prev(), Kind::Regular, 1)? {
        // Sized once from the payroll's own count: a table grown by doubling touches every new
        // page twice (a county's payroll is a few hundred thousand lines).
        let count = tx.scalar_i64(
            "SELECT line_count FROM payrolls WHERE payroll_id = $1 AND county = $2",
            &[Param::Int(prev_id), Param::Text(county)],
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
    Ok(prev)
}

/// The county's awards started by `month`, with their persons' bank details, sorted by person.
/// `prev_lines` (last month's line count) sizes the list.
fn awards_in_pay(
    tx: &mut Tx<'_>,
    county: &str,
    month: Month,
    prev_lines: usize,
) -> Result<Vec<AwardRow>> {
    // About as many awards as last month's lines.
    let mut awards = Vec::with_capacity(prev_lines + prev_lines / 16 + 1024);
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
                // A person without a bank account is left out as `no_bank_account`.
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
    Ok(awards)
}

/// The month each person is paid through, for those not in last month's payroll (whose month
/// is last month): new awards, people excluded last month. People terminated or suspended are
/// left out without it: not looked up.
fn paid_through(
    tx: &mut Tx<'_>,
    county: &str,
    month: Month,
    awards: &[AwardRow],
    prev: &FastMap<i64, i64>,
    decisions: &FastMap<i64, (String, Option<String>)>,
) -> Result<FastMap<i64, Month>> {
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
            if let Some(to) = last_paid_month(tx, county, month, p, start)? {
                paid_through.insert(p, to);
            }
        }
    }
    Ok(paid_through)
}

/// The month a person was last paid through, stepping back month by month from two months
/// before `month` to the award's start: the person's line in each of the month's payrolls (a
/// key seek each). A line cut back at a death ends before its month.
fn last_paid_month(
    tx: &mut Tx<'_>,
    county: &str,
    month: Month,
    p: i64,
    start: Month,
) -> Result<Option<Month>> {
    let mut m = month.prev().prev();
    while m >= start {
        let found = tx.query_opt(
        "SELECT MAX(to_month) FROM payroll_lines
         WHERE payroll_id IN (SELECT payroll_id FROM payrolls WHERE county = $1 AND month = $2) AND person_id = $3 AND county = $1",
        &[Param::Text(county), Param::Date(m.first_day()), Param::Int(p)],
    )?;
        if let Some(to) = found.map(|r| r.opt_date(0)).transpose()?.flatten() {
            return Ok(Some(Month::of(to)));
        }
        m = m.prev();
    }
    Ok(None)
}

/// A regular payroll's lines being worked out award by award, with what the checks need.
struct RegularLines<'a> {
    sp: &'a yanglao_policy::SupplementaryParams,
    /// The policy stops the account pension once the account is exhausted.
    stop_when_exhausted: bool,
    month: Month,
    decisions: &'a FastMap<i64, (String, Option<String>)>,
    certified: &'a FastMap<i64, NaiveDate>,
    prev: &'a FastMap<i64, i64>,
    paid_through: &'a FastMap<i64, Month>,
    /// What is left in each individual account, drawn down line by line.
    remaining: FastMap<i64, i64>,
    lines: Vec<NewLine>,
    /// Per line: the birth date and last month's monthly amount.
    meta: Vec<(NaiveDate, Option<i64>)>,
    exclusions: Vec<(i64, &'static str)>,
}

impl RegularLines<'_> {
    /// Adds an award's line, or its exclusion; nothing if there is nothing to pay.
    fn add(&mut self, a: AwardRow) {
        let person_id = a.person_id;
        if let Some(reason) = self.exclusion(&a) {
            self.exclusions.push((person_id, reason));
            return;
        }
        let month = self.month;
        let last = if self.prev.contains_key(&person_id) {
            Some(month.prev())
        } else {
            self.paid_through.get(&person_id).copied()
        };
        let from = last.map_or(a.start, |m| m.next()).max(a.start);
        if from > month {
            return;
        }
        let months = i64::from(from.until(month) + 1);
        let (account_total, from_pool_fen) =
            self.account_pension(person_id, a.pension_fen * months);
        let exit = a.exit.map(|e| e * months);
        let total_fen = account_total + exit.iter().sum::<i64>();
        if total_fen <= 0 {
            return;
        }
        let line_no = self.lines.len() as i64 + 1;
        self.meta
            .push((a.birth, self.prev.get(&person_id).copied()));
        self.lines.push(NewLine {
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

    /// Why an award is left out of the month's payroll, if it is.
    fn exclusion(&self, a: &AwardRow) -> Option<&'static str> {
        let person_id = a.person_id;
        match self.decisions.get(&person_id) {
            Some((s, reason)) if s == "terminated" => {
                return Some(if is_death(reason.as_deref()) {
                    "deceased"
                } else {
                    "terminated"
                });
            }
            Some((s, _)) if s == "suspended" => return Some("suspended"),
            _ => {}
        }
        if crate::deaths::certification::uncertified(
            self.sp,
            self.month,
            a.start,
            self.certified.get(&person_id).copied(),
        ) {
            return Some("uncertified");
        }
        if a.bank_account.is_empty() {
            return Some("no_bank_account");
        }
        None
    }

    /// The account pension paid for `pension` due, and the part of it the pool pays once the
    /// account is exhausted (nothing of it if the policy stops payment then).
    fn account_pension(&mut self, person_id: i64, pension: i64) -> (i64, i64) {
        if pension <= 0 {
            return (0, 0);
        }
        let left = self.remaining.entry(person_id).or_default();
        let account_fen = pension.min((*left).max(0));
        *left -= account_fen;
        if self.stop_when_exhausted {
            (account_fen, 0)
        } else {
            (pension, pension - account_fen)
        }
    }
}

/// The number of anomalies the checks find in a regular payroll's lines.
fn count_anomalies(
    lines: &[NewLine],
    meta: Vec<(NaiveDate, Option<i64>)>,
    death_notes: &FastMap<i64, String>,
    month: Month,
) -> usize {
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
    find_anomalies(&checks, month, DEFAULT_THRESHOLD_PCT).len()
}

/// Prepares a county's payroll on a connection of its own, from one snapshot, while the caller
/// writes another county's. `None` when the payroll exists already or anything goes wrong (the
/// writer then works it out itself).
pub(crate) fn prefetch(
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
pub(crate) fn unchanged_since(tx: &mut Tx<'_>, version: i64, own: &[i64]) -> Result<bool> {
    let now = tx.version()?;
    Ok(now >= version && (version + 1..=now).all(|v| own.contains(&v)))
}

pub(crate) fn run_regular(
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

pub(crate) fn run_supplementary(ctx: &mut Ctx, month: Month, county: &str) -> Result<Made> {
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
               AND NOT EXISTS (SELECT 1 FROM payroll_lines r WHERE r.county = $1 AND r.reissue_of_payroll = l.payroll_id AND r.reissue_of_line = l.line_no)
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

pub(crate) fn find(
    tx: &mut Tx<'_>,
    county: &str,
    month: Month,
    kind: Kind,
    seq: i64,
) -> Result<Option<i64>> {
    Ok(tx
        .query_opt(
            "SELECT payroll_id FROM payrolls WHERE county = $1 AND month = $2 AND kind = $3 AND seq = $4",
            &[Param::Text(county), Param::Date(month.first_day()), Param::Text(kind.as_str()), Param::Int(seq)],
        )?
        .map(|r| r.i64(0))
        .transpose()?)
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
