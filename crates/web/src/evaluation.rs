//! The evaluation pages (绩效评价): every indicator of the framework with its rule, target, the
//! measured value and how it was scored; the evaluator's worksheet edited in the page (a score
//! and a deduction per indicator, each with its reason and evidence, kept in the database with
//! its history); the total and grade; the worksheet template and the report's downloads (Word,
//! HTML, xlsx).

use crate::auth::Signed;
use crate::errors::WebError;
use crate::pages::{render, Chrome};
use crate::state::State;
use askama::Template;
use axum::extract::{Path, Query, State as AxState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::sync::Arc;
use yanglao_ops::evaluation::{self, judgements};

type Shared = AxState<Arc<State>>;

#[derive(Deserialize, Default)]
pub struct YearQuery {
    pub year: Option<String>,
    pub saved: Option<String>,
}

fn year_of(y: Option<&str>) -> Result<i32, WebError> {
    crate::pages::year_param(y, crate::pages::this_year() - 1)
        .map_err(|e| WebError::new(StatusCode::UNPROCESSABLE_ENTITY, "E-YEAR", e))
}

fn fmt2(d: rust_decimal::Decimal) -> String {
    format!("{:.2}", yanglao_eval::round2(d))
}

pub struct LevelRow {
    pub code: String,
    pub name: String,
    pub points: String,
    pub score: String,
    pub rate: String,
}

pub struct JudgementView {
    pub points: String,
    pub reason: String,
    pub evidence: String,
    pub by: String,
}

pub struct IndicatorRow {
    pub code: String,
    pub name: String,
    pub group: String,
    pub points: String,
    pub rule: String,
    pub target: String,
    pub actual: String,
    pub score: String,
    pub basis: String,
    pub source: String,
    pub may_score: bool,
    pub may_deduct: bool,
    pub score_j: Option<JudgementView>,
    pub deduction_j: Option<JudgementView>,
}

#[derive(Template)]
#[template(path = "evaluation.html")]
struct EvaluationPage {
    chrome: Chrome,
    year: i32,
    framework: String,
    total: String,
    grade: String,
    complete: bool,
    unscored: usize,
    levels: Vec<LevelRow>,
    indicators: Vec<IndicatorRow>,
    /// The year's surveys: scope, questionnaires, and each rate with its 95% interval.
    surveys: Vec<(String, u64, String, String, String)>,
    saved: Option<String>,
    error: Option<String>,
}

async fn evaluation_page(
    state: &Arc<State>,
    signed: &Signed,
    year: i32,
    saved: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let cached = state
        .evaluations
        .lock()
        .ok()
        .and_then(|m| m.get(&year).cloned());
    let (o, stored, version) = state
        .with_ctx(
            signed.actor(),
            signed.from.address.to_string(),
            move |ctx| {
                ctx.actor.require(yanglao_ops::Action::Evaluation)?;
                let version = ctx.db.read_transaction(|tx| tx.version())?;
                let o = match cached {
                    Some((v, o)) if v == version => o,
                    _ => {
                        let fw = evaluation::default_framework()?;
                        Arc::new(judgements::preview(ctx, year, fw)?)
                    }
                };
                let s = judgements::current(ctx, year)?;
                let r = evaluation::survey::rates(ctx, year)?;
                Ok((o, (s, r), version))
            },
        )
        .await?;
    if let Ok(mut m) = state.evaluations.lock() {
        m.insert(year, (version, o.clone()));
    }
    let (stored, rates) = stored;
    let rate = |r: &Option<evaluation::survey::SurveyRate>| {
        r.as_ref().map_or("—".to_string(), |r| {
            format!(
                "{:.2}%（{}/{}；95% 区间 {:.2}%–{:.2}%）",
                r.rate_pct, r.yes, r.answers, r.ci_low_pct, r.ci_high_pct
            )
        })
    };
    let surveys = rates
        .iter()
        .map(|(k, r)| {
            (
                if k.is_empty() {
                    "全市".to_string()
                } else {
                    yanglao_ops::access::county_label(k)
                },
                r.questionnaires,
                rate(&r.policy_awareness),
                rate(&r.contributor_satisfaction),
                rate(&r.recipient_satisfaction),
            )
        })
        .collect();
    let e = &o.evaluation;
    let view = |code: &str, slot: &str| {
        stored
            .iter()
            .find(|j| j.code == code && j.slot == slot)
            .map(|j| JudgementView {
                points: j.points.clone(),
                reason: j.reason.clone(),
                evidence: j.evidence.clone(),
                by: format!(
                    "{}，{}",
                    j.saved_by,
                    j.saved_at.chars().take(10).collect::<String>()
                ),
            })
    };
    let indicators = e
        .indicators
        .iter()
        .map(|i| IndicatorRow {
            code: i.code.clone(),
            name: i.name.clone(),
            group: i
                .parent
                .as_deref()
                .and_then(|p| o.framework.get(p))
                .map(|g| format!("{} {}", g.code, g.name))
                .unwrap_or_default(),
            points: fmt2(i.points),
            rule: i.rule.to_string(),
            target: i.target.clone(),
            actual: i.actual.clone(),
            score: i.score.map_or("未评分".into(), fmt2),
            basis: i.basis.clone(),
            source: i.source.to_string(),
            may_score: i.rule == "评价人判断" || i.source == "无" || i.source == "工作底稿",
            may_deduct: i.rule == "扣分制" || i.rule == "评价人判断",
            score_j: view(&i.code, "score"),
            deduction_j: view(&i.code, "deduction"),
        })
        .collect();
    let page = EvaluationPage {
        chrome: Chrome::of(signed),
        year,
        framework: e.framework.clone(),
        total: fmt2(e.total),
        grade: e.grade.to_string(),
        complete: e.unscored.is_empty(),
        unscored: e.unscored.len(),
        levels: e
            .levels
            .values()
            .map(|l| LevelRow {
                code: l.code.clone(),
                name: l.name.clone(),
                points: fmt2(l.points),
                score: fmt2(l.score),
                rate: format!("{}%", fmt2(l.rate_pct)),
            })
            .collect(),
        indicators,
        surveys,
        saved,
        error,
    };
    Ok((status, render(&page)?).into_response())
}

/// The year's evaluation with the stored worksheet.
pub async fn page(
    AxState(state): Shared,
    signed: Signed,
    Query(q): Query<YearQuery>,
) -> Result<Response, WebError> {
    let year = year_of(q.year.as_deref())?;
    let saved = q
        .saved
        .filter(|c| !c.is_empty())
        .map(|c| format!("指标 {c} 的评价已保存，并记入审计日志。"));
    evaluation_page(&state, &signed, year, saved, None, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct JudgementForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub slot: String,
    #[serde(default)]
    pub points: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub evidence: String,
}

/// Saves one judgement (an empty 分值 takes it back); a refusal comes back with its message.
pub async fn save(
    AxState(state): Shared,
    signed: Signed,
    Path(year): Path<i32>,
    axum::Form(f): axum::Form<JudgementForm>,
) -> Result<Response, WebError> {
    signed.check_form(&f.csrf)?;
    let year = year_of(Some(&year.to_string()))?;
    let code = f.code.trim().to_string();
    let c = code.clone();
    let r = state
        .with_ctx(
            signed.actor(),
            signed.from.address.to_string(),
            move |ctx| {
                let fw = evaluation::default_framework()?;
                let slot = if f.slot == "deduction" {
                    yanglao_eval::WorksheetKind::Deduction
                } else {
                    yanglao_eval::WorksheetKind::Score
                };
                Ok(judgements::save(
                    ctx,
                    &fw,
                    &judgements::Save {
                        year,
                        code: &c,
                        slot,
                        points: Some(f.points.as_str()),
                        reason: &f.reason,
                        evidence: &f.evidence,
                    },
                )?)
            },
        )
        .await;
    match r {
        Ok(_) => Ok(Redirect::to(&format!(
            "/evaluation?year={year}&saved={}#{}",
            urlencode(&code),
            urlencode(&code)
        ))
        .into_response()),
        Err(e) if e.status == StatusCode::FORBIDDEN || e.status.is_server_error() => Err(e),
        Err(e) => {
            let msg = format!("指标 {code}：{}（{}）", e.message, e.code);
            evaluation_page(
                &state,
                &signed,
                year,
                None,
                Some(msg),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub struct HistoryRow {
    pub at: String,
    pub slot: &'static str,
    pub points: String,
    pub reason: String,
    pub evidence: String,
    pub by: String,
}

#[derive(Template)]
#[template(path = "judgement_history.html")]
struct HistoryPage {
    chrome: Chrome,
    year: i32,
    code: String,
    name: String,
    rows: Vec<HistoryRow>,
}

/// Every save of one indicator's judgements, newest first.
pub async fn history(
    AxState(state): Shared,
    signed: Signed,
    Path((year, code)): Path<(i32, String)>,
) -> Result<Response, WebError> {
    let c = code.clone();
    let (rows, name) = state
        .with_ctx(
            signed.actor(),
            signed.from.address.to_string(),
            move |ctx| {
                ctx.actor.require(yanglao_ops::Action::Evaluation)?;
                let fw = evaluation::default_framework()?;
                let name = fw.get(&c).map(|i| i.name.clone()).unwrap_or_default();
                Ok((judgements::history(ctx, year, &c)?, name))
            },
        )
        .await?;
    let page = HistoryPage {
        chrome: Chrome::of(&signed),
        year,
        code,
        name,
        rows: rows
            .iter()
            .map(|j| HistoryRow {
                at: crate::imports::local_stamp(&j.saved_at),
                slot: if j.slot == "score" {
                    "评分"
                } else {
                    "扣分"
                },
                points: if j.kind == "cleared" {
                    "（撤回）".into()
                } else {
                    j.points.clone()
                },
                reason: j.reason.clone(),
                evidence: j.evidence.clone(),
                by: j.saved_by.clone(),
            })
            .collect(),
    };
    Ok(render(&page)?.into_response())
}

/// The worksheet template of the year (xlsx), with what the data measured beside each line.
pub async fn worksheet(
    AxState(state): Shared,
    signed: Signed,
    Query(q): Query<YearQuery>,
) -> Result<Response, WebError> {
    let year = year_of(q.year.as_deref())?;
    let name = format!("评价工作底稿-{year}.xlsx");
    let n = name.clone();
    let bytes = state
        .with_ctx(
            signed.actor(),
            signed.from.address.to_string(),
            move |ctx| {
                ctx.actor.require(yanglao_ops::Action::Evaluation)?;
                let fw = evaluation::default_framework()?;
                let m = evaluation::measure(ctx, year)?;
                let mut sink = yanglao_ops::files::MemorySink::default();
                evaluation::write_worksheet_template(&fw, &m, &mut sink, &n)?;
                Ok(sink.files.pop().map(|f| f.1).unwrap_or_default())
            },
        )
        .await?;
    Ok(crate::api::download(bytes, crate::api::XLSX, &name))
}

#[derive(Deserialize)]
pub struct ReportForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub format: String,
}

/// The report of the year with the stored worksheet: Word, HTML or the xlsx annex. Generating it
/// scores the year, which the audit log records.
pub async fn report(
    AxState(state): Shared,
    signed: Signed,
    Path(year): Path<i32>,
    axum::Form(f): axum::Form<ReportForm>,
) -> Result<Response, WebError> {
    signed.check_form(&f.csrf)?;
    let year = year_of(Some(&year.to_string()))?;
    let (suffix, media) = match f.format.as_str() {
        "html" => (".html", "text/html; charset=utf-8"),
        "xlsx" => ("附表.xlsx", crate::api::XLSX),
        "pdf" => (".pdf", "application/pdf"),
        _ => (
            ".docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    };
    let files = state
        .with_ctx(
            signed.actor(),
            signed.from.address.to_string(),
            move |ctx| {
                let fw = evaluation::default_framework()?;
                let mut sink = yanglao_ops::files::MemorySink::default();
                yanglao_report::generate(
                    ctx,
                    year,
                    fw,
                    yanglao_report::Worksheet::Stored,
                    &mut sink,
                )
                .map_err(|e| match e {
                    yanglao_report::GenerateError::Ops(e) => WebError::from(e),
                    yanglao_report::GenerateError::Report(
                        r @ yanglao_report::ReportError::Inconsistent(_),
                    ) => WebError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "E-REPORT-INCONSISTENT",
                        r.to_string(),
                    ),
                    yanglao_report::GenerateError::Report(r) => WebError::new(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "E-REPORT-WRITE",
                        r.to_string(),
                    ),
                })?;
                Ok(sink.files)
            },
        )
        .await?;
    let (name, bytes) = files
        .into_iter()
        .find(|(n, _)| n.ends_with(suffix))
        .ok_or_else(|| {
            if suffix == ".pdf" {
                WebError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "E-REPORT-NO-FONT",
                    "服务器上没有中文字体，无法生成 PDF：请管理员安装中文字体（如 fonts-noto-cjk），或下载 Word 版本。",
                )
            } else {
                WebError::internal("报告文件缺失")
            }
        })?;
    Ok(crate::api::download(bytes, media, &name))
}

/// A field of the particulars' form: the field, its value, who saved it last.
pub struct ParticularRow {
    pub key: &'static str,
    pub label: &'static str,
    pub help: &'static str,
    pub multiline: bool,
    pub value: String,
    pub saved: String,
    /// The part of the report it belongs to, shown once above its first field.
    pub part: &'static str,
}

#[derive(Template)]
#[template(path = "particulars.html")]
struct ParticularsPage {
    chrome: Chrome,
    year: i32,
    rows: Vec<ParticularRow>,
    notice: Option<String>,
    error: Option<String>,
}

fn part_zh(part: &str) -> &'static str {
    match part {
        "cover" => "封面与评价工作",
        "opening" => "开篇与绩效目标",
        "method" => "评价方法",
        "conclusion" => "评价结论",
        "cause" | "rectification" => "问题的原因与整改",
        "advice" => "政策建议",
        "notes" => "报告说明",
        _ => "",
    }
}

async fn particulars_page(
    state: &Arc<State>,
    signed: &Signed,
    year: i32,
    typed: Option<std::collections::BTreeMap<String, String>>,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, WebError> {
    use yanglao_ops::evaluation::particulars as p;
    let (now, latest) = state
        .with_ctx(
            signed.actor(),
            signed.from.address.to_string(),
            move |ctx| Ok((p::current(ctx, year)?, p::latest(ctx, year)?)),
        )
        .await?;
    let mut last_part = "";
    let rows = p::FIELDS
        .iter()
        .map(|f| {
            let heading = part_zh(f.part);
            let shown = if heading != last_part { heading } else { "" };
            last_part = heading;
            ParticularRow {
                key: f.key,
                label: f.label,
                help: f.help,
                multiline: f.multiline,
                value: typed
                    .as_ref()
                    .and_then(|t| t.get(f.key).cloned())
                    .or_else(|| now.get(f.key).cloned())
                    .unwrap_or_default(),
                saved: latest
                    .get(f.key)
                    .map(|s| {
                        format!(
                            "{} 于 {} 保存",
                            s.saved_by,
                            crate::imports::local_stamp(&s.saved_at)
                        )
                    })
                    .unwrap_or_default(),
                part: shown,
            }
        })
        .collect();
    let page = ParticularsPage {
        chrome: Chrome::of(signed),
        year,
        rows,
        notice,
        error,
    };
    crate::pages::page_response(&page, page.error.is_some())
}

/// The evaluation's particulars and the evaluator's texts, in a form.
pub async fn particulars(
    AxState(state): Shared,
    signed: Signed,
    Path(year): Path<i32>,
    Query(q): Query<YearQuery>,
) -> Result<Response, WebError> {
    let year = year_of(Some(&year.to_string()))?;
    let notice = q
        .saved
        .map(|n| format!("已保存 {n} 项变更，并记入审计日志；生成报告时照录。"));
    particulars_page(&state, &signed, year, None, notice, None).await
}

/// Saves the form's fields that changed; a refusal comes back with what was typed.
pub async fn save_particulars(
    AxState(state): Shared,
    signed: Signed,
    Path(year): Path<i32>,
    body: axum::body::Bytes,
) -> Result<Response, WebError> {
    let mut typed = std::collections::BTreeMap::new();
    let mut csrf = String::new();
    for (k, v) in form_urlencoded::parse(&body) {
        if k == "csrf" {
            csrf = v.into_owned();
        } else if let Some(key) = k.strip_prefix("f.") {
            typed.insert(key.to_string(), v.into_owned());
        }
    }
    signed.check_form(&csrf)?;
    let year = year_of(Some(&year.to_string()))?;
    let values = typed.clone();
    let r = state
        .with_ctx(
            signed.actor(),
            signed.from.address.to_string(),
            move |ctx| {
                let pairs: Vec<(&str, &str)> = values
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                Ok(yanglao_ops::evaluation::particulars::save(
                    ctx, year, &pairs,
                )?)
            },
        )
        .await;
    match r {
        Ok(changed) => Ok(Redirect::to(&format!(
            "/evaluation/{year}/particulars?saved={}",
            changed.len()
        ))
        .into_response()),
        Err(e) if e.status == StatusCode::FORBIDDEN || e.status.is_server_error() => Err(e),
        Err(e) => {
            let msg = format!("{}（{}）；未保存任何一项", e.message, e.code);
            particulars_page(&state, &signed, year, Some(typed), None, Some(msg)).await
        }
    }
}
