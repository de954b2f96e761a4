//! `import survey`: the evaluation's questionnaires (满意度及政策知晓度调查), one row each, and the
//! rates they give — policy awareness and satisfaction, with sample size and 95% interval, by
//! county and for the city.

use std::collections::BTreeMap;

use serde::Serialize;
use yanglao_store::{ColType, Param, Tx};

use crate::access::Action;
use crate::imports::problems::{ImportOutcome, Problem};
use crate::imports::table::{read_table, Upload};
use crate::register::persons::{begin_import, finish, record_import};
use crate::{audit, Ctx, OpsError, Result};
use chrono::NaiveDate;

pub const COLUMNS: [&str; 6] = [
    "问卷编号",
    "年度",
    "县区代码",
    "受访者类型",
    "是否知晓政策",
    "满意度",
];
const NO: usize = 0;
const YEAR: usize = 1;
const COUNTY: usize = 2;
const TYPE: usize = 3;
const AWARE: usize = 4;
const SATISFACTION: usize = 5;

/// The five answers to the satisfaction question, best first; the first two count as satisfied.
pub const SATISFACTION_SCALE: [&str; 5] = ["非常满意", "满意", "一般", "不满意", "非常不满意"];

fn respondent(s: &str) -> Option<&'static str> {
    match s.trim() {
        "参保缴费人员" | "缴费人员" | "参保人员" => Some("contributor"),
        "待遇领取人员" | "领取人员" => Some("recipient"),
        _ => None,
    }
}

fn aware(s: &str) -> Option<Option<i64>> {
    match s.trim() {
        "" => Some(None),
        "是" | "知晓" => Some(Some(1)),
        "否" | "不知晓" => Some(Some(0)),
        _ => None,
    }
}

fn satisfaction(s: &str) -> Option<Option<i64>> {
    let s = s.trim();
    if s.is_empty() {
        return Some(None);
    }
    SATISFACTION_SCALE
        .iter()
        .position(|x| *x == s)
        .map(|i| Some(i as i64 + 1))
}

/// A questionnaire: year, county, number.
type Key = (i64, String, String);
/// Its respondent type, awareness and satisfaction.
type Answers = (String, Option<i64>, Option<i64>);

pub fn import(ctx: &mut Ctx, upload: &Upload, dry_run: bool) -> Result<ImportOutcome> {
    ctx.actor.require(Action::Evaluation)?;
    let table = read_table(upload)?;
    let cols = table.columns(&COLUMNS)?;
    let mut out = ImportOutcome::new("survey", &table.file_name, dry_run);
    out.rows = table.rows.len();
    let actor = ctx.who();
    let this_year = chrono::Datelike::year(&chrono::Local::now().date_naive());
    ctx.db.transaction(|tx| -> Result<()> {
        if !begin_import(tx, &mut out, &table, "survey", &[])? {
            return Ok(());
        }
        let counties = crate::known_counties(tx)?;
        let mut existing: BTreeMap<Key, Answers> = BTreeMap::new();
        for r in tx.query("SELECT year, county, questionnaire, respondent, aware, satisfaction FROM survey_responses", &[])? {
            existing.insert((r.i64(0)?, r.str(1)?, r.str(2)?), (r.str(3)?, r.opt_i64(4)?, r.opt_i64(5)?));
        }
        let mut seen: BTreeMap<Key, usize> = BTreeMap::new();
        let mut new = Vec::new();
        for (row_no, cells) in &table.rows {
            let row_no = *row_no;
            let before = out.errors.len();
            let mut err = |k: usize, v: &str, code: &'static str, msg: String| out.errors.push(Problem::at(row_no, &cols, &table, k, v, code, msg));
            let no = cols.cell(cells, NO).trim().to_string();
            if no.is_empty() {
                err(NO, "", "E-SURVEY-NO-EMPTY", "问卷编号为空".into());
            }
            let year_raw = cols.cell(cells, YEAR);
            let year = year_raw.trim().trim_end_matches('年').parse::<i64>().ok().filter(|y| (2000..=i64::from(this_year)).contains(y));
            if year.is_none() {
                err(YEAR, year_raw, "E-SURVEY-YEAR", format!("年度应为 2000 至 {this_year} 之间的四位年份"));
            }
            let county = cols.cell(cells, COUNTY).trim().to_string();
            if !counties.contains_key(&county) {
                err(COUNTY, &county, "E-REGION-UNKNOWN", format!("县区代码“{county}”不是本系统登记的县区"));
            }
            let type_raw = cols.cell(cells, TYPE);
            let who = respondent(type_raw);
            if who.is_none() {
                err(TYPE, type_raw, "E-SURVEY-RESPONDENT", "受访者类型应为“参保缴费人员”或“待遇领取人员”".into());
            }
            let aware_raw = cols.cell(cells, AWARE);
            let a = aware(aware_raw);
            if a.is_none() {
                err(AWARE, aware_raw, "E-SURVEY-ANSWER", "是否知晓政策应填“是”或“否”（未作答留空）".into());
            }
            let sat_raw = cols.cell(cells, SATISFACTION);
            let s = satisfaction(sat_raw);
            if s.is_none() {
                err(SATISFACTION, sat_raw, "E-SURVEY-ANSWER", format!("满意度应为 {} 之一（未作答留空）", SATISFACTION_SCALE.join("、")));
            }
            if out.errors.len() > before {
                continue;
            }
            let (Some(year), Some(who), Some(a), Some(s)) = (year, who, a, s) else { continue };
            let key = (year, county.clone(), no.clone());
            if let Some(first) = seen.insert(key.clone(), row_no) {
                out.errors.push(Problem::at(row_no, &cols, &table, NO, &no, "E-SURVEY-DUPLICATE", format!("同一年度、县区的问卷编号在文件中重复（首次在第 {first} 行）")));
                continue;
            }
            match existing.get(&key) {
                Some(old) if *old == (who.to_string(), a, s) => {
                    out.skipped += 1;
                    continue;
                }
                Some(_) => {
                    out.errors.push(Problem::at(row_no, &cols, &table, NO, &no, "E-SURVEY-CONFLICT", "此问卷编号已导入，但内容与本行不同".into()));
                    continue;
                }
                None => {}
            }
            new.push((year, county, no, who, a, s));
        }
        if !out.errors.is_empty() || dry_run {
            return Ok(());
        }
        let import_id = record_import(tx, "survey", &table, &actor, new.len(), out.skipped)?;
        out.import_id = Some(import_id);
        tx.insert_many(
            "survey_responses",
            &[
                ("year", ColType::Int), ("county", ColType::Text), ("questionnaire", ColType::Text), ("respondent", ColType::Text),
                ("aware", ColType::Int), ("satisfaction", ColType::Int), ("import_id", ColType::Int),
            ],
            &new,
            |(y, c, n, w, a, s), b| b.extend([Param::Int(*y), Param::Text(c), Param::Text(n), Param::Text(w), Param::from(*a), Param::from(*s), Param::Int(import_id)]),
        )?;
        out.posted = new.len();
        audit(tx, &actor, "import.survey", &serde_json::json!({"import_id": import_id, "file": table.file_name, "new": out.posted, "skipped": out.skipped}))?;
        Ok(())
    })?;
    finish(&mut out);
    Ok(out)
}

/// A survey rate: yes-answers among answers, with its 95% interval (percent). The city's is the
/// counties' rates weighted by their size (`weighted`), its interval the stratified one.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SurveyRate {
    pub yes: u64,
    pub answers: u64,
    pub rate_pct: f64,
    pub ci_low_pct: f64,
    pub ci_high_pct: f64,
    pub weighted: bool,
}

fn survey_rate(yes: u64, n: u64) -> Option<SurveyRate> {
    yanglao_eval::stats::rate(yes, n).map(|r| SurveyRate {
        yes,
        answers: n,
        rate_pct: r.rate_pct,
        ci_low_pct: r.low_pct,
        ci_high_pct: r.high_pct,
        weighted: false,
    })
}

/// The city's rate from the counties' (yes, answers, size): each county's rate weighted by its
/// size among the counties that answered, with the stratified 95% interval
/// (variance Σ w² p (1 − p) ÷ n). Without sizes, the answers pooled.
pub fn weighted_rate(strata: &[(u64, u64, i64)]) -> Option<SurveyRate> {
    let answered: Vec<&(u64, u64, i64)> = strata.iter().filter(|s| s.1 > 0).collect();
    let (yes, n) = answered.iter().fold((0, 0), |(y, n), s| (y + s.0, n + s.1));
    let size: i64 = answered.iter().map(|s| s.2.max(0)).sum();
    if n == 0 {
        return None;
    }
    if size == 0 || answered.len() < 2 {
        return survey_rate(yes, n);
    }
    let (mut p, mut var) = (0.0, 0.0);
    for (y, k, w) in answered {
        let w = (*w).max(0) as f64 / size as f64;
        let pc = *y as f64 / *k as f64;
        p += w * pc;
        var += w * w * pc * (1.0 - pc) / *k as f64;
    }
    let half = yanglao_eval::stats::Z95 * var.sqrt();
    Some(SurveyRate {
        yes,
        answers: n,
        rate_pct: p * 100.0,
        ci_low_pct: (p - half).max(0.0) * 100.0,
        ci_high_pct: (p + half).min(1.0) * 100.0,
        weighted: true,
    })
}

/// The three rates the evaluation reads, for one county or the city.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct SurveyRates {
    /// Everyone asked about the policy (contributors and recipients).
    pub policy_awareness: Option<SurveyRate>,
    pub contributor_satisfaction: Option<SurveyRate>,
    pub recipient_satisfaction: Option<SurveyRate>,
    pub questionnaires: u64,
}

#[derive(Default, Clone, Copy)]
struct Tally {
    aware: (u64, u64),
    contributor: (u64, u64),
    recipient: (u64, u64),
    n: u64,
}

/// How much each county counts in the city's rates: its contributors of the year (for the
/// contributors' satisfaction), its recipients paid in the year (for the recipients'), both
/// (for the awareness of the policy).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Weights {
    pub contributors: BTreeMap<String, i64>,
    pub recipients: BTreeMap<String, i64>,
}

/// The counties' sizes in `year`, as the evaluation counts them.
pub fn weights(ctx: &mut Ctx, year: i32) -> Result<Weights> {
    ctx.db.read_transaction(|tx| weights_in(tx, year))
}

/// [`weights`] within a transaction the caller holds.
pub fn weights_in(tx: &mut Tx<'_>, year: i32) -> Result<Weights> {
    let mut w = Weights::default();
    for r in tx.query(
        "SELECT county, COUNT(DISTINCT person_id) FROM account_movements WHERE kind IN ('self', 'gov_paid') AND year = $1 GROUP BY county",
        &[Param::Int(year.into())],
    )? {
        w.contributors.insert(r.str(0)?.to_string(), r.i64(1)?);
    }
    let jan = NaiveDate::from_ymd_opt(year, 1, 1)
        .ok_or_else(|| OpsError::rule("E-YEAR", format!("年度 {year} 无效")))?;
    let dec = NaiveDate::from_ymd_opt(year, 12, 1).expect("valid");
    for r in tx.query(
        "SELECT county, COUNT(DISTINCT person_id) FROM payroll_lines WHERE status = 'paid' AND to_month >= $1 AND from_month <= $2 GROUP BY county",
        &[Param::Date(jan), Param::Date(dec)],
    )? {
        w.recipients.insert(r.str(0)?.to_string(), r.i64(1)?);
    }
    Ok(w)
}

/// Rates by county (keyed by code) and for the city (key `""`, the counties weighted by their
/// size).
pub fn rates(ctx: &mut Ctx, year: i32) -> Result<BTreeMap<String, SurveyRates>> {
    ctx.db.read_transaction(|tx| {
        let w = weights_in(tx, year)?;
        rates_in(tx, year, &w)
    })
}

/// [`rates`] within a transaction the caller holds, with the counties' sizes given.
pub fn rates_in(tx: &mut Tx<'_>, year: i32, w: &Weights) -> Result<BTreeMap<String, SurveyRates>> {
    let mut t: BTreeMap<String, Tally> = BTreeMap::new();
    tx.for_each_ref(
        "SELECT county, respondent, aware, satisfaction FROM survey_responses WHERE year = $1",
        &[Param::Int(year.into())],
        |r| {
            let x = t.entry(r.str(0)?.to_string()).or_default();
            let who = r.str(1)?;
            let (a, s) = (r.opt_i64(2)?, r.opt_i64(3)?);
            x.n += 1;
            if let Some(a) = a {
                x.aware.1 += 1;
                x.aware.0 += u64::from(a == 1);
            }
            if let Some(s) = s {
                let slot = if who == "contributor" {
                    &mut x.contributor
                } else {
                    &mut x.recipient
                };
                slot.1 += 1;
                slot.0 += u64::from(s <= 2);
            }
            Ok(())
        },
    )?;
    let size = |m: &BTreeMap<String, i64>, c: &str| m.get(c).copied().unwrap_or(0);
    let strata = |f: &dyn Fn(&String, &Tally) -> (u64, u64, i64)| -> Vec<(u64, u64, i64)> {
        t.iter().map(|(c, x)| f(c, x)).collect()
    };
    let city = SurveyRates {
        policy_awareness: weighted_rate(&strata(&|c, x| {
            (
                x.aware.0,
                x.aware.1,
                size(&w.contributors, c) + size(&w.recipients, c),
            )
        })),
        contributor_satisfaction: weighted_rate(&strata(&|c, x| {
            (x.contributor.0, x.contributor.1, size(&w.contributors, c))
        })),
        recipient_satisfaction: weighted_rate(&strata(&|c, x| {
            (x.recipient.0, x.recipient.1, size(&w.recipients, c))
        })),
        questionnaires: t.values().map(|x| x.n).sum(),
    };
    let mut out: BTreeMap<String, SurveyRates> = t
        .into_iter()
        .map(|(k, x)| {
            (
                k,
                SurveyRates {
                    policy_awareness: survey_rate(x.aware.0, x.aware.1),
                    contributor_satisfaction: survey_rate(x.contributor.0, x.contributor.1),
                    recipient_satisfaction: survey_rate(x.recipient.0, x.recipient.1),
                    questionnaires: x.n,
                },
            )
        })
        .collect();
    if city.questionnaires > 0 {
        out.insert(String::new(), city);
    }
    Ok(out)
}

#[cfg(test)]
mod weighting {
    use super::*;

    #[test]
    fn the_city_rate_weights_each_county_by_its_size() {
        // 90% of 100 answers in a county of 1,000; 60% of 100 in one of 3,000: 67.5%, not the
        // pooled 75%.
        let r = weighted_rate(&[(90, 100, 1_000), (60, 100, 3_000)]).unwrap();
        assert!((r.rate_pct - 67.5).abs() < 1e-9, "{r:?}");
        assert!(r.weighted && r.answers == 200 && r.yes == 150);
        let half = 1.96 * (0.0625 * 0.09 / 100.0 + 0.5625 * 0.24 / 100.0f64).sqrt() * 100.0;
        assert!((r.ci_high_pct - 67.5 - half).abs() < 0.01, "{r:?}");
        assert!((67.5 - r.ci_low_pct - half).abs() < 0.01, "{r:?}");
        // One county, or no sizes: the answers pooled.
        let one = weighted_rate(&[(90, 100, 1_000), (0, 0, 3_000)]).unwrap();
        assert!(!one.weighted && (one.rate_pct - 90.0).abs() < 1e-9);
        let pooled = weighted_rate(&[(90, 100, 0), (60, 100, 0)]).unwrap();
        assert!((pooled.rate_pct - 75.0).abs() < 1e-9);
        assert!(weighted_rate(&[(0, 0, 5)]).is_none());
    }
}
