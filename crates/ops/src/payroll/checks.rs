//! Before money moves: the anomalies of a draft (`payroll check`), the lines no longer payable
//! taken out (`payroll refresh`), and the approval by a second account (`payroll approve`).

use super::*;
use crate::access::Action;
use crate::register::index::FastMap;
use crate::{audit, Ctx, OpsError, Result};
use chrono::NaiveDate;

use yanglao_domain::{age_on, bank::luhn_ok, Month};
use yanglao_store::{Param, Tx};

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
pub(crate) struct CheckRow<'a> {
    pub(crate) line_no: i64,
    pub(crate) person_id: i64,
    pub(crate) birth: NaiveDate,
    pub(crate) bank_account: &'a str,
    pub(crate) monthly_fen: i64,
    pub(crate) prev_monthly_fen: Option<i64>,
    /// A termination recorded for the person: date and reason.
    pub(crate) terminated: Option<(NaiveDate, Option<String>)>,
    /// A death record for the person still waiting in the review queue, or only a village report.
    pub(crate) death_note: Option<String>,
    /// A suspension in force for the payroll's month: date and reason.
    pub(crate) suspended: Option<(NaiveDate, Option<String>)>,
    /// Left out as not certified when the register is looked at now.
    pub(crate) uncertified: bool,
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
pub(crate) type Found = (&'static str, Option<i64>, Option<i64>, String);

/// Death records that stop no payment yet: a match waiting for review, or a village report not yet
/// confirmed by an official source.
pub(crate) fn death_notes(tx: &mut Tx<'_>, county: &str) -> Result<FastMap<i64, String>> {
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
pub(crate) fn find_anomalies(rows: &[CheckRow], month: Month, threshold_pct: i64) -> Vec<Found> {
    let at = month.last_day();
    let mut out = Vec::new();
    let mut by_account: FastMap<&str, Vec<(i64, i64)>> =
        FastMap::with_capacity_and_hasher(rows.len(), Default::default());
    for r in rows {
        by_account
            .entry(r.bank_account)
            .or_default()
            .push((r.line_no, r.person_id));
        line_anomalies(r, at, threshold_pct, &mut out);
    }
    shared_accounts(by_account, &mut out);
    out
}

/// The anomalies of one line: its amount changed, its account failing its check, its person
/// over 100, with a death record, suspended, uncertified or terminated.
fn line_anomalies(r: &CheckRow, at: NaiveDate, threshold_pct: i64, out: &mut Vec<Found>) {
    let mut found = |code: &'static str, message: String| {
        out.push((code, Some(r.line_no), Some(r.person_id), message));
    };
    if let Some(prev) = r.prev_monthly_fen {
        if (r.monthly_fen - prev).abs() * 100 > prev * threshold_pct {
            found(
                "A-AMOUNT-CHANGED",
                format!(
                    "月发放额由 {} 元变为 {} 元，变动超过 {threshold_pct}%",
                    yanglao_domain::format_yuan(prev),
                    yanglao_domain::format_yuan(r.monthly_fen)
                ),
            );
        }
    }
    if !r.bank_account.bytes().all(|b| b.is_ascii_digit()) || !luhn_ok(r.bank_account) {
        found("A-ACCOUNT-CHECK", "银行账号未通过校验，请核实".into());
    }
    let age = age_on(r.birth, at);
    if age > 100 {
        found("A-OVER-100", format!("领取人已 {age} 岁，请核实生存状态"));
    }
    if let Some(note) = &r.death_note {
        found("A-DEATH-RECORD", note.clone());
    }
    if let Some((d, reason)) = &r.suspended {
        found(
            "A-SUSPENDED",
            format!(
                "已于 {d} 暂停发放（{}），仍在发放名单中",
                reason.clone().unwrap_or_default()
            ),
        );
    }
    if r.uncertified {
        found("A-UNCERTIFIED", "未按期完成资格认证，本月应暂不发放".into());
    }
    if let Some((d, reason)) = &r.terminated {
        found(
            if is_death(reason.as_deref()) {
                "A-DECEASED"
            } else {
                "A-TERMINATED"
            },
            format!(
                "已于 {d} 终止（{}），仍在发放名单中",
                reason.clone().unwrap_or_default()
            ),
        );
    }
}

/// One anomaly for each person sharing an account, naming the others' lines (accounts in order).
fn shared_accounts(by_account: FastMap<&str, Vec<(i64, i64)>>, out: &mut Vec<Found>) {
    let mut shared: Vec<(&str, Vec<(i64, i64)>)> = by_account
        .into_iter()
        .filter(|(_, v)| v.len() > 1)
        .collect();
    shared.sort();
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
}

/// The checks of a payroll against the register as it is now: every line's person looked at
/// again (decisions in force for the month, deaths confirmed or awaiting review, certification).
/// A termination makes a line unpayable when it takes effect before the line's last month: the
/// month of a death (or a transfer) is still paid, as the run pays it.
pub(crate) fn check_in(
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
    let (loaded, starts) = load_lines_to_check(tx, &s, id, prev_id)?;
    let notes = death_notes(tx, &s.county)?;
    let suspensions = suspension_dates(tx, &s, &decided)?;
    let rows: Vec<CheckRow> = loaded
        .iter()
        .map(|l| CheckRow {
            line_no: l.line_no,
            person_id: l.person_id,
            birth: l.birth,
            bank_account: &l.account,
            monthly_fen: l.monthly_fen,
            prev_monthly_fen: l.prev_monthly_fen,
            terminated: l.terminated.clone(),
            death_note: notes.get(&l.person_id).cloned(),
            suspended: decided
                .get(&l.person_id)
                .filter(|(st, _)| st == "suspended")
                .map(|(_, reason)| (suspended_on(&suspensions, l.person_id), reason.clone())),
            // A supplementary payroll re-issues months already certified for.
            uncertified: s.kind == "regular"
                && sp.as_ref().is_some_and(|sp| {
                    starts.get(&l.person_id).is_some_and(|start| {
                        crate::deaths::certification::uncertified(
                            sp,
                            s.month,
                            *start,
                            certified.get(&l.person_id).copied(),
                        )
                    })
                }),
        })
        .collect();
    let found = find_anomalies(&rows, s.month, threshold_pct);
    with_citizen_ids(tx, &s.county, found)
}

/// A payroll line as the checks against the register read it.
struct LineToCheck {
    line_no: i64,
    person_id: i64,
    birth: NaiveDate,
    account: String,
    monthly_fen: i64,
    prev_monthly_fen: Option<i64>,
    /// A termination taking effect before the line's last month: date and reason.
    terminated: Option<(NaiveDate, Option<String>)>,
}

/// A payroll's lines in line order, with last month's amount (regular payrolls only) and any
/// termination; and each person's award start.
fn load_lines_to_check(
    tx: &mut Tx<'_>,
    s: &Summary,
    id: i64,
    prev_id: Option<i64>,
) -> Result<(Vec<LineToCheck>, FastMap<i64, Month>)> {
    let mut loaded = Vec::new();
    let mut starts: FastMap<i64, Month> = FastMap::default();
    tx.for_each_ref(
        "SELECT l.line_no, l.person_id, p.birth_date, l.bank_account, l.total_fen / l.months, prev.total_fen / prev.months,
                (SELECT e.effective_date FROM person_events e WHERE e.county = $2 AND e.person_id = l.person_id AND e.status = 'terminated'
                   AND e.effective_date < l.to_month ORDER BY e.effective_date, e.event_id LIMIT 1),
                (SELECT e.reason FROM person_events e WHERE e.county = $2 AND e.person_id = l.person_id AND e.status = 'terminated'
                   AND e.effective_date < l.to_month ORDER BY e.effective_date, e.event_id LIMIT 1),
                a.start_month
         FROM payroll_lines l
         JOIN persons p ON p.county = l.county AND p.person_id = l.person_id
         JOIN awards a ON a.county = l.county AND a.award_id = l.award_id
         LEFT JOIN payroll_lines prev ON prev.payroll_id = $3 AND prev.person_id = l.person_id AND prev.county = l.county
                                      AND prev.to_month = $4
         WHERE l.payroll_id = $1 AND l.county = $2",
        &[Param::Int(id), Param::Text(&s.county), // No last payroll: an id none has (a NULL would leave the join without its county, which
        // a Citus cluster cannot route to one shard).
        Param::Int(prev_id.unwrap_or(-1)), Param::Date(s.month.prev().first_day())],
        |r| {
            let reason = r.opt_str(7)?.unwrap_or("");
            starts.insert(r.i64(1)?, Month::of(r.date(8)?));
            loaded.push(LineToCheck {
                line_no: r.i64(0)?,
                person_id: r.i64(1)?,
                birth: r.date(2)?,
                account: r.str(3)?.to_string(),
                monthly_fen: r.i64(4)?,
                // A supplementary payroll re-issues old months: no month-on-month comparison.
                prev_monthly_fen: if s.kind == "regular" { r.opt_i64(5)? } else { None },
                terminated: r.opt_date(6)?.map(|d| (d, (!reason.is_empty()).then(|| reason.to_string()))),
            });
            Ok(())
        },
    )?;
    loaded.sort_unstable_by_key(|l| l.line_no);
    Ok((loaded, starts))
}

/// The date of each suspension in force in the payroll's month (read only if someone is
/// suspended).
fn suspension_dates(
    tx: &mut Tx<'_>,
    s: &Summary,
    decided: &FastMap<i64, (String, Option<String>)>,
) -> Result<FastMap<i64, NaiveDate>> {
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
    Ok(suspensions)
}

/// The anomalies found, each with its person's citizen id masked.
fn with_citizen_ids(tx: &mut Tx<'_>, county: &str, found: Vec<Found>) -> Result<Vec<Anomaly>> {
    let mut out = Vec::with_capacity(found.len());
    for (code, line_no, person_id, message) in found {
        let citizen_id = match person_id {
            Some(p) => tx
                .query_opt(
                    "SELECT citizen_id FROM persons WHERE county = $1 AND person_id = $2",
                    &[Param::Text(county), Param::Int(p)],
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

pub(crate) fn suspended_on(suspensions: &FastMap<i64, NaiveDate>, person_id: i64) -> NaiveDate {
    suspensions
        .get(&person_id)
        .copied()
        .unwrap_or(NaiveDate::MIN)
}

/// The lines of a payroll no longer payable, as an error that names each person and reason.
pub(crate) fn refuse_unpayable(id: i64, anomalies: &[Anomaly], doing: &str) -> Result<()> {
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
                    "removed": removed.iter().map(|a| serde_json::json!({"line_no": a.line_no, "code": a.code, "citizen_id": crate::ledger::masked_id(&a.citizen_id)})).collect::<Vec<_>>(),
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
