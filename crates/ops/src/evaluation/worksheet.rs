//! The evaluator's worksheet (reading it, writing its template), the framework, and the
//! evaluation that scores the measured metrics with the worksheet's judgements.

use super::*;
use crate::access::Action;
use crate::{Ctx, OpsError, Result};
use rust_decimal::Decimal;

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

/// Writes a worksheet template as the xlsx file `name` of `sink`: every leaf the evaluator may
/// score or deduct from, with what the data measured beside it. Returns where the sink put it.
pub fn write_worksheet_template(
    fw: &yanglao_eval::Framework,
    m: &Measured,
    sink: &mut dyn crate::files::FileSink,
    name: &str,
) -> Result<String> {
    let bytes = worksheet_template_xlsx(fw, m, name)?;
    sink.put(name, &mut |w| {
        w.write_all(&bytes).map_err(crate::files::write_error)
    })
}

/// The worksheet template as the bytes of an xlsx workbook (`name` is for messages).
fn worksheet_template_xlsx(
    fw: &yanglao_eval::Framework,
    m: &Measured,
    name: &str,
) -> Result<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let x = |e: rust_xlsxwriter::XlsxError| {
        OpsError::rule(
            "E-EXPORT-WRITE",
            format!(
                "无法写入 {name}：{}",
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
    wb.save_to_buffer().map_err(x)
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

/// A value as the JSON answers give it: rounded to two decimals.
fn num(d: rust_decimal::Decimal) -> f64 {
    use rust_decimal::prelude::ToPrimitive;
    yanglao_eval::round2(d).to_f64().unwrap_or(0.0)
}

impl Outcome {
    /// The evaluation as the command line's `--json` and the API answer it: total and grade (none
    /// while indicators are unscored), levels, groups, every indicator with its rule, target,
    /// result and basis, and the measured values of the city and of each county.
    pub fn to_json(&self, year: i32) -> serde_json::Value {
        let o = self;
        let e = &o.evaluation;
        let grade_of = |e: &yanglao_eval::Evaluation| e.unscored.is_empty().then_some(e.grade);
        let levels: serde_json::Map<String, serde_json::Value> = e
                .levels
                .iter()
                .map(|(k, l)| (k.clone(), serde_json::json!({"name": l.name, "points": num(l.points), "score": num(l.score), "rate_pct": num(l.rate_pct), "unscored": l.unscored})))
                .collect();
        let groups: serde_json::Map<String, serde_json::Value> = e
                .groups
                .iter()
                .map(|(k, l)| (k.clone(), serde_json::json!({"name": l.name, "points": num(l.points), "score": num(l.score)})))
                .collect();
        let indicators: Vec<serde_json::Value> = e
                .indicators
                .iter()
                .map(|i| {
                    serde_json::json!({
                        "code": i.code, "name": i.name, "parent": i.parent, "points": num(i.points), "target": i.target,
                        "actual": i.actual, "score": i.score.map(num), "basis": i.basis, "rule": i.rule, "source": i.source,
                    })
                })
                .collect();
        let metrics: serde_json::Map<String, serde_json::Value> = o
                .measured
                .city
                .iter()
                .map(|(k, m)| (k.clone(), serde_json::json!({"value": m.value.map(num), "display": m.display, "note": m.note, "items": m.items})))
                .collect();
        let by_county: serde_json::Map<String, serde_json::Value> = o
                .measured
                .by_county
                .iter()
                .map(|(c, ms)| {
                    let v: serde_json::Map<String, serde_json::Value> =
                        ms.iter().map(|(k, m)| (k.clone(), serde_json::json!({"value": m.value.map(num), "display": m.display, "note": m.note, "items": m.items}))).collect();
                    (c.clone(), serde_json::Value::Object(v))
                })
                .collect();
        serde_json::json!({
            "year": year, "framework": e.framework, "metrics_by_county": by_county, "total": num(e.total), "grade": grade_of(e), "complete": e.unscored.is_empty(),
            "unscored": e.unscored, "levels": levels, "groups": groups, "indicators": indicators, "metrics": metrics,
        })
    }
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
/// The framework shipped with the binary: the 2023 Yangquan evaluation's (table 2-1).
pub const DEFAULT_FRAMEWORK: &str = include_str!("../../../../frameworks/yangquan-2023.toml");

/// The shipped framework, read.
pub fn default_framework() -> Result<yanglao_eval::Framework> {
    framework_from_text(
        DEFAULT_FRAMEWORK,
        "内置指标体系 frameworks/yangquan-2023.toml",
    )
}

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
    score_measured(ctx, year, framework, measured, sheet, sha)
}

/// Scores the year with the worksheet lines given (from a file, or stored in the database).
pub fn score_with(
    ctx: &mut Ctx,
    year: i32,
    framework: yanglao_eval::Framework,
    sheet: Vec<yanglao_eval::WorksheetEntry>,
    sha: Option<String>,
) -> Result<Outcome> {
    ctx.actor.require(Action::Evaluation)?;
    let measured = measure(ctx, year)?;
    score_measured(ctx, year, framework, measured, sheet, sha)
}

fn score_measured(
    ctx: &mut Ctx,
    year: i32,
    framework: yanglao_eval::Framework,
    measured: Measured,
    sheet: Vec<yanglao_eval::WorksheetEntry>,
    sha: Option<String>,
) -> Result<Outcome> {
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
