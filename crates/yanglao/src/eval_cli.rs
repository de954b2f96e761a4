//! `yanglao evaluate` and `import survey`: the performance evaluation, wiring and printing.

use std::path::{Path, PathBuf};

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use yanglao_eval::fmt2;

use crate::cli::{open, Cli, CliError};
use crate::output;

/// The framework shipped with the binary: the 2023 Yangquan evaluation's (table 2-1).
pub const DEFAULT_FRAMEWORK: &str = include_str!("../../../frameworks/yangquan-2023.toml");

pub struct EvaluateArgs<'a> {
    pub year: i32,
    pub framework: Option<&'a Path>,
    pub worksheet: Option<&'a Path>,
    pub worksheet_template: Option<&'a PathBuf>,
}

fn num(d: Decimal) -> f64 {
    yanglao_eval::round2(d).to_f64().unwrap_or(0.0)
}

pub fn framework(path: Option<&Path>) -> Result<yanglao_eval::Framework, CliError> {
    Ok(match path {
        Some(p) => yanglao_ops::evaluation::load_framework(p)?,
        None => yanglao_ops::evaluation::framework_from_text(
            DEFAULT_FRAMEWORK,
            "内置指标体系 frameworks/yangquan-2023.toml",
        )?,
    })
}

pub fn evaluate(cli: &Cli, a: EvaluateArgs<'_>) -> Result<i32, CliError> {
    let fw = framework(a.framework)?;
    let mut ctx = open(cli)?;
    if let Some(out) = a.worksheet_template {
        let m = yanglao_ops::evaluation::measure(&mut ctx, a.year)?;
        yanglao_ops::evaluation::write_worksheet_template(&fw, &m, out)?;
        if cli.json {
            output::json(&serde_json::json!({"worksheet_template": out}));
        } else {
            println!(
                "已写出评价工作底稿模板：{}（填写“类型”“分值”“理由”“证据”后用 --worksheet 读入）",
                out.display()
            );
        }
        return Ok(0);
    }
    let o = yanglao_ops::evaluation::evaluate(&mut ctx, a.year, fw, a.worksheet)?;
    let e = &o.evaluation;
    if cli.json {
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
        output::json(&serde_json::json!({
            "year": a.year, "framework": e.framework, "total": num(e.total), "grade": e.grade, "complete": e.unscored.is_empty(),
            "unscored": e.unscored, "levels": levels, "groups": groups, "indicators": indicators, "metrics": metrics,
        }));
    } else {
        println!("{} 年度绩效评价（{}）", a.year, e.framework);
        println!(
            "{:<6}{:<22}{:>6}  {:<14}{:<18}{:>7}",
            "代码", "指标", "分值", "目标值", "完成值", "得分"
        );
        for i in &e.indicators {
            println!(
                "{:<6}{:<22}{:>6}  {:<14}{:<18}{:>7}",
                i.code,
                i.name,
                fmt2(i.points),
                i.target,
                i.actual.chars().take(16).collect::<String>(),
                i.score.map_or("未评分".to_string(), fmt2)
            );
        }
        println!();
        for l in e.levels.values() {
            println!(
                "  {} {}：{} / {} 分（得分率 {}%）",
                l.code,
                l.name,
                fmt2(l.score),
                fmt2(l.points),
                fmt2(l.rate_pct)
            );
        }
        println!("总分 {} 分，等级“{}”。", fmt2(e.total), e.grade);
        if !e.unscored.is_empty() {
            println!(
                "注意：{} 项指标未评分（{}），按 0 分计入总分；数据指标缺数据的请补充导入，判断类指标请在评价工作底稿中评分并写明理由（--worksheet）。",
                e.unscored.len(),
                e.unscored.join("、")
            );
        }
    }
    Ok(0)
}
