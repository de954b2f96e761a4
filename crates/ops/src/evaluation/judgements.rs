//! The evaluator's worksheet kept in the database, as the pages edit it: for each indicator, the
//! evaluator's score (judgement indicators, or data indicators without data) and a deduction,
//! each with its reason and evidence. Every save is a new row (the history); the current
//! judgement of an indicator is its latest. Scoring from the stored worksheet is the same as
//! scoring from the worksheet file with the same lines.

use super::*;
use rust_decimal::Decimal;
use yanglao_eval::{WorksheetEntry, WorksheetKind};

/// The longest reason or evidence a judgement takes.
pub const TEXT_MAX_CHARS: usize = 2000;

/// One saved judgement (or its clearing).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Judgement {
    pub judgement_id: i64,
    pub year: i32,
    pub code: String,
    /// `score` or `deduction`; `cleared` takes the slot's judgement back.
    pub kind: String,
    /// Which of the indicator's two judgements this is: `score` or `deduction`.
    pub slot: String,
    pub points: String,
    pub reason: String,
    pub evidence: String,
    pub saved_by: String,
    pub saved_at: String,
}

const COLUMNS: &str =
    "judgement_id, year, code, kind, slot, points, reason, evidence, saved_by, saved_at";

fn judgement_of(r: &yanglao_store::Row) -> Result<Judgement> {
    Ok(Judgement {
        judgement_id: r.i64(0)?,
        year: r.i64(1)? as i32,
        code: r.str(2)?,
        kind: r.str(3)?,
        slot: r.str(4)?,
        points: r.str(5)?,
        reason: r.str(6)?,
        evidence: r.str(7)?,
        saved_by: r.str(8)?,
        saved_at: r.str(9)?,
    })
}

/// Every saved row of the year, oldest first.
fn all_rows(tx: &mut yanglao_store::Tx<'_>, year: i32) -> Result<Vec<Judgement>> {
    tx.query(
        &format!(
            "SELECT {COLUMNS} FROM evaluation_judgements WHERE year = $1 ORDER BY judgement_id"
        ),
        &[Param::Int(i64::from(year))],
    )?
    .iter()
    .map(judgement_of)
    .collect()
}

/// The current judgements of the year: the latest of each indicator's slot, unless cleared.
pub fn current(ctx: &mut Ctx, year: i32) -> Result<Vec<Judgement>> {
    ctx.actor.require(Action::Read)?;
    let rows = ctx.db.read_transaction(|tx| all_rows(tx, year))?;
    Ok(latest(rows))
}

fn latest(rows: Vec<Judgement>) -> Vec<Judgement> {
    let mut by: BTreeMap<(String, String), Judgement> = BTreeMap::new();
    for j in rows {
        by.insert((j.code.clone(), j.slot.clone()), j);
    }
    by.into_values().filter(|j| j.kind != "cleared").collect()
}

/// Every save of one indicator in the year, newest first.
pub fn history(ctx: &mut Ctx, year: i32, code: &str) -> Result<Vec<Judgement>> {
    ctx.actor.require(Action::Read)?;
    let mut rows = ctx.db.read_transaction(|tx| all_rows(tx, year))?;
    rows.retain(|j| j.code == code);
    rows.reverse();
    Ok(rows)
}

/// The stored worksheet as the scoring reads it.
pub fn entries(judgements: &[Judgement]) -> Vec<WorksheetEntry> {
    judgements
        .iter()
        .enumerate()
        .filter_map(|(i, j)| {
            Some(WorksheetEntry {
                code: j.code.clone(),
                kind: match j.kind.as_str() {
                    "score" => WorksheetKind::Score,
                    "deduction" => WorksheetKind::Deduction,
                    _ => return None,
                },
                points: j.points.parse().ok()?,
                reason: j.reason.clone(),
                evidence: j.evidence.clone(),
                row: i + 2,
            })
        })
        .collect()
}

/// What a save asks: an indicator's score or deduction (`points` None clears it).
pub struct Save<'a> {
    pub year: i32,
    pub code: &'a str,
    pub slot: WorksheetKind,
    pub points: Option<&'a str>,
    pub reason: &'a str,
    pub evidence: &'a str,
}

/// Saves one judgement, checked as a worksheet line with the year's others (the indicator is a
/// leaf of the framework, the points within its range, a reason for a deduction); audited with
/// what it replaced.
pub fn save(ctx: &mut Ctx, fw: &yanglao_eval::Framework, s: &Save<'_>) -> Result<Judgement> {
    ctx.actor.require(Action::Evaluation)?;
    let slot = match s.slot {
        WorksheetKind::Score => "score",
        WorksheetKind::Deduction => "deduction",
    };
    for (what, text) in [("理由", s.reason), ("证据", s.evidence)] {
        if text.chars().count() > TEXT_MAX_CHARS {
            return Err(OpsError::rule(
                "E-WORKSHEET-TEXT",
                format!("{what}过长：最多 {TEXT_MAX_CHARS} 个字"),
            ));
        }
    }
    let points = match s.points.map(str::trim).filter(|p| !p.is_empty()) {
        None => None,
        Some(p) => Some(
            p.parse::<Decimal>()
                .ok()
                .filter(|d| *d >= Decimal::ZERO && d.scale() <= 2)
                .ok_or_else(|| {
                    OpsError::rule(
                        "E-WORKSHEET-POINTS",
                        format!("分值“{p}”应为不小于 0 的数，最多两位小数"),
                    )
                })?,
        ),
    };
    if fw.get(s.code).filter(|i| fw.is_leaf(&i.code)).is_none() {
        return Err(OpsError::rule(
            "E-WORKSHEET-CODE",
            format!("指标代码“{}”不是本指标体系的末级指标", s.code),
        ));
    }
    let measured = measure(ctx, s.year)?;
    let actor = ctx.who();
    ctx.db.transaction(|tx| -> Result<Judgement> {
        tx.lock_for_writing()?;
        let now = current_in(tx, s.year)?;
        let before = now
            .iter()
            .find(|j| j.code == s.code && j.slot == slot)
            .cloned();
        if let Some(p) = points {
            // The year's worksheet with this line in place of the slot's current one.
            let mut sheet: Vec<WorksheetEntry> = entries(
                &now.iter()
                    .filter(|j| !(j.code == s.code && j.slot == slot))
                    .cloned()
                    .collect::<Vec<_>>(),
            );
            sheet.push(WorksheetEntry {
                code: s.code.to_string(),
                kind: s.slot,
                points: p,
                reason: s.reason.trim().to_string(),
                evidence: s.evidence.trim().to_string(),
                row: 1,
            });
            if let Some(problem) = yanglao_eval::score::check_worksheet(fw, &sheet, &measured.city)
                .into_iter()
                .find(|p| p.row == 1)
            {
                return Err(OpsError::rule(problem.code, problem.message));
            }
        } else if before.is_none() {
            return Err(OpsError::rule(
                "E-WORKSHEET-POINTS",
                format!("指标 {} 没有可撤回的{}：请填写分值", s.code, if slot == "score" { "评分" } else { "扣分" }),
            ));
        }
        let id = tx.allocate_ids("judgement", 1)?;
        let kind = if points.is_some() { slot } else { "cleared" };
        let points_text = points.map(|p| p.to_string()).unwrap_or_default();
        tx.exec(
            &format!("INSERT INTO evaluation_judgements ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"),
            &[
                Param::Int(id),
                Param::Int(i64::from(s.year)),
                Param::Text(s.code),
                Param::Text(kind),
                Param::Text(slot),
                Param::Text(&points_text),
                Param::Text(s.reason.trim()),
                Param::Text(s.evidence.trim()),
                Param::Text(&actor),
                Param::Timestamp(yanglao_store::now()),
            ],
        )?;
        let r = tx.query_one(
            &format!("SELECT {COLUMNS} FROM evaluation_judgements WHERE judgement_id = $1"),
            &[Param::Int(id)],
        )?;
        let saved = judgement_of(&r)?;
        crate::audit(
            tx,
            &actor,
            "evaluation.judgement",
            &serde_json::json!({
                "year": s.year, "code": s.code, "slot": slot,
                "before": before.as_ref().map(|b| serde_json::json!({"points": b.points, "reason": b.reason, "evidence": b.evidence})),
                "after": points.map(|p| serde_json::json!({"points": p.to_string(), "reason": s.reason.trim(), "evidence": s.evidence.trim()})),
            }),
        )?;
        Ok(saved)
    })
}

fn current_in(tx: &mut yanglao_store::Tx<'_>, year: i32) -> Result<Vec<Judgement>> {
    Ok(latest(all_rows(tx, year)?))
}

/// Scores the year with the worksheet stored in the database.
pub fn evaluate_stored(
    ctx: &mut Ctx,
    year: i32,
    framework: yanglao_eval::Framework,
) -> Result<Outcome> {
    ctx.actor.require(Action::Evaluation)?;
    let stored = ctx.db.read_transaction(|tx| current_in(tx, year))?;
    score_with(ctx, year, framework, entries(&stored), None)
}

/// The year's scores with the stored worksheet, for a page to show (a reading: not audited, as
/// the scoring that a report or an export records is).
pub fn preview(ctx: &mut Ctx, year: i32, framework: yanglao_eval::Framework) -> Result<Outcome> {
    ctx.actor.require(Action::Evaluation)?;
    let stored = ctx.db.read_transaction(|tx| current_in(tx, year))?;
    let measured = measure(ctx, year)?;
    let sheet = entries(&stored);
    let evaluation = yanglao_eval::score(&framework, &measured.city, &sheet);
    Ok(Outcome {
        framework,
        measured,
        evaluation,
        worksheet_entries: sheet.len(),
    })
}
