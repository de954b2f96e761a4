//! `yanglao evaluate` and `import survey`: the performance evaluation, wiring and printing.

use clap::Subcommand;
use std::path::{Path, PathBuf};

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use yanglao_eval::fmt2;

use crate::context::{open, CliError, Global};
use crate::output;

pub struct EvaluateArgs<'a> {
    pub year: i32,
    pub framework: Option<&'a Path>,
    pub worksheet: Option<&'a Path>,
    pub worksheet_template: Option<&'a PathBuf>,
}

/// The grade of a complete evaluation; one with indicators left unscored has none.
fn grade_of(e: &yanglao_eval::Evaluation) -> Option<&'static str> {
    e.unscored.is_empty().then_some(e.grade)
}

/// The grade as printed: `等级“良”`, or that the evaluation is not complete.
fn grade_zh(e: &yanglao_eval::Evaluation) -> String {
    match grade_of(e) {
        Some(g) => format!("等级“{g}”"),
        None => format!(
            "评价未完成（{} 项指标未评分），不评定等级",
            e.unscored.len()
        ),
    }
}

fn num(d: Decimal) -> f64 {
    yanglao_eval::round2(d).to_f64().unwrap_or(0.0)
}

pub fn framework(path: Option<&Path>) -> Result<yanglao_eval::Framework, CliError> {
    Ok(match path {
        Some(p) => yanglao_ops::evaluation::load_framework(p)?,
        None => yanglao_ops::evaluation::default_framework()?,
    })
}

pub fn evaluate(cli: &Global, a: EvaluateArgs<'_>) -> Result<i32, CliError> {
    let fw = framework(a.framework)?;
    let mut ctx = open(cli)?;
    if let Some(out) = a.worksheet_template {
        let m = yanglao_ops::evaluation::measure(&mut ctx, a.year)?;
        let (mut sink, name) = crate::context::file_sink(out)?;
        let file = yanglao_ops::evaluation::write_worksheet_template(&fw, &m, &mut sink, &name)?;
        if cli.json {
            output::json(&serde_json::json!({"worksheet_template": file}));
        } else {
            println!(
                "已写出评价工作底稿模板：{file}（填写“类型”“分值”“理由”“证据”后用 --worksheet 读入）"
            );
        }
        return Ok(0);
    }
    let sheet = a.worksheet.map(crate::context::upload).transpose()?;
    let o = yanglao_ops::evaluation::evaluate(&mut ctx, a.year, fw, sheet.as_ref())?;
    let e = &o.evaluation;
    if cli.json {
        output::json(&o.to_json(a.year));
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
        if e.unscored.is_empty() {
            println!("总分 {} 分，等级“{}”。", fmt2(e.total), e.grade);
        } else {
            println!(
                "评价未完成：{} 项指标未评分（{}），已评分指标合计 {} 分，不评定等级。",
                e.unscored.len(),
                e.unscored.join("、"),
                fmt2(e.total)
            );
            println!("数据指标缺数据的请补充导入，判断类指标请在评价工作底稿中评分并写明理由（--worksheet）。");
        }
    }
    Ok(0)
}

pub fn enrolment(cli: &Global, from: i32, to: i32) -> Result<i32, CliError> {
    let mut ctx = open(cli)?;
    let list = yanglao_ops::evaluation::enrolment::analyse(&mut ctx, from, to)?;
    if cli.json {
        output::json(&list);
        return Ok(0);
    }
    for a in &list {
        println!("{} 年参保缴费变动：", a.year);
        println!(
            "  {:<10}{:>10}{:>10}{:>10}{:>10}",
            "县区", "缴费人数", "新参保", "恢复缴费", "断缴"
        );
        for (c, x) in &a.by_county {
            let name = if c.is_empty() {
                "全市".to_string()
            } else {
                yanglao_domain::county_name(c).unwrap_or(c).to_string()
            };
            println!(
                "  {:<10}{:>10}{:>10}{:>10}{:>10}",
                name, x.contributors, x.new, x.returning, x.lapsed
            );
        }
        if let Some(r) = a.lapse_reasons.get("") {
            let parts: Vec<String> = yanglao_ops::evaluation::enrolment::LAPSE_REASONS
                .iter()
                .filter_map(|(k, zh)| r.get(*k).map(|n| format!("{zh} {n} 人")))
                .collect();
            println!("  断缴原因：{}", parts.join("；"));
        }
        if let Some(s) = a.lowest_tier_share_pct {
            println!("  自行缴费人员中最低档次占比 {s:.2}%");
        }
    }
    Ok(0)
}

pub fn outreach(
    cli: &Global,
    year: i32,
    filter: &yanglao_ops::evaluation::enrolment::OutreachFilter,
    out: &Path,
) -> Result<i32, CliError> {
    let mut ctx = open(cli)?;
    let (mut sink, name) = crate::context::file_sink(out)?;
    let o = yanglao_ops::evaluation::enrolment::outreach_filtered(
        &mut ctx, year, filter, &mut sink, &name,
    )?;
    let total: i64 = o.by_county.values().sum();
    if cli.json {
        output::json(
            &serde_json::json!({"year": year, "file": o.file, "total": total, "by_county": o.by_county}),
        );
    } else {
        println!(
            "{year} 年参加基本养老保险但未缴纳补充养老保险的人员 {total} 人，名单：{}",
            o.file
        );
        for (c, n) in &o.by_county {
            println!(
                "  {c} {}：{n} 人",
                yanglao_domain::county_name(c).unwrap_or("")
            );
        }
    }
    Ok(0)
}

/// A report failure as a CLI error with its code.
pub fn generate_error(e: yanglao_report::GenerateError) -> CliError {
    match e {
        yanglao_report::GenerateError::Ops(e) => e.into(),
        yanglao_report::GenerateError::Report(r @ yanglao_report::ReportError::Inconsistent(_)) => {
            crate::context::err("E-REPORT-INCONSISTENT", r.to_string())
        }
        yanglao_report::GenerateError::Report(r) => {
            crate::context::err("E-REPORT-WRITE", r.to_string())
        }
    }
}

pub fn report(
    cli: &Global,
    year: i32,
    out: &Path,
    framework_file: Option<&Path>,
    worksheet: Option<&Path>,
) -> Result<i32, CliError> {
    let fw = framework(framework_file)?;
    let mut ctx = open(cli)?;
    let sheet = worksheet.map(crate::context::upload).transpose()?;
    let mut sink = yanglao_ops::files::FolderSink::new(out);
    let g = yanglao_report::generate(
        &mut ctx,
        year,
        fw,
        yanglao_report::Worksheet::file(sheet.as_ref()),
        &mut sink,
    )
    .map_err(generate_error)?;
    let e = &g.outcome.evaluation;
    if cli.json {
        output::json(&serde_json::json!({
            "year": year, "files": g.files, "notes": g.notes, "total": num(e.total), "grade": grade_of(e), "complete": e.unscored.is_empty(),
            "unscored": e.unscored, "findings": g.findings.iter().map(|f| f.title.clone()).collect::<Vec<_>>(),
        }));
    } else {
        println!(
            "{year} 年绩效评价报告：总分 {} 分，{}；发现问题 {} 项。",
            fmt2(e.total),
            grade_zh(e),
            g.findings.len()
        );
        for f in &g.files {
            println!("  {f}");
        }
        for n in &g.notes {
            println!("{n}");
        }
    }
    Ok(0)
}

/// The figures of one backend in `bench evaluate`.
#[derive(serde::Serialize)]
struct BenchFigures {
    backend: &'static str,
    city: yanglao_testdata::EvaluationCity,
    evaluate_s: f64,
    report_s: f64,
    total: f64,
    grade: &'static str,
    peak_rss_mib: f64,
}

pub fn bench(
    cli: &Global,
    people: usize,
    pg: Option<&str>,
    dir: Option<&Path>,
) -> Result<i32, CliError> {
    let policy = crate::context::BUNDLED_POLICY.0;
    let dir = dir.map_or_else(
        || std::env::temp_dir().join(format!("yanglao-bench-evaluate-{}", std::process::id())),
        Path::to_path_buf,
    );
    std::fs::create_dir_all(&dir)
        .map_err(|e| crate::context::err("E-IO", yanglao_domain::io_error_zh(&e)))?;
    let bar = crate::payroll_cli::progress_bar(cli, "基准测试");
    let progress = |label: &str, i: u64, n: u64| {
        bar.update(Some(label), i, n);
    };
    let mut results = Vec::new();
    let sqlite = dir.join("bench-evaluate.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", sqlite.display()));
    }
    let scratch = match pg {
        Some(url) => Some(yanglao_store::ScratchPg::create(url, "yanglao_bench_eval")?),
        None => None,
    };
    let mut targets = vec![("sqlite", format!("sqlite://{}", sqlite.display()))];
    if let Some(s) = &scratch {
        targets.push(("postgres", s.url.clone()));
    }
    for (backend, url) in targets {
        let (mut ctx, city) = yanglao_testdata::setup_evaluation_city(
            &url,
            policy,
            people,
            &dir.join(backend),
            &progress,
        )?;
        progress("评价", 0, 1);
        let fw = framework(None)?;
        let t = std::time::Instant::now();
        let o = yanglao_ops::evaluation::evaluate(&mut ctx, 2023, fw.clone(), None)?;
        let evaluate_s = t.elapsed().as_secs_f64();
        progress("生成报告", 0, 1);
        let t = std::time::Instant::now();
        yanglao_report::generate(
            &mut ctx,
            2023,
            fw,
            yanglao_report::Worksheet::None,
            &mut yanglao_ops::files::FolderSink::new(&dir.join(format!("{backend}-report"))),
        )
        .map_err(generate_error)?;
        // The report evaluates again: its time is the whole report less one evaluation.
        let report_s = (t.elapsed().as_secs_f64() - evaluate_s).max(0.0);
        results.push(BenchFigures {
            backend,
            city,
            evaluate_s,
            report_s,
            total: num(o.evaluation.total),
            grade: o.evaluation.grade,
            peak_rss_mib: crate::bench_run::peak_rss_mib(),
        });
    }
    bar.finish_and_clear();
    if cli.json {
        output::json(&results);
    } else {
        for r in &results {
            println!(
                "{:<9} 参保 {} 人（领取待遇 {} 人，2023 年缴费 {} 人，发放明细 {} 条；准备 {:.1} 秒）：评价 {:.2} 秒，生成报告 {:.2} 秒；总分 {:.2}（{}）；峰值内存 {:.0} MiB",
                r.backend, r.city.insured, r.city.recipients, r.city.contributors[2], r.city.payroll_lines, r.city.setup_s, r.evaluate_s, r.report_s, r.total, r.grade, r.peak_rss_mib
            );
        }
    }
    Ok(0)
}

pub fn demo(
    cli: &Global,
    out: &Path,
    scale: f64,
    seed: u64,
    verify: bool,
) -> Result<i32, CliError> {
    let mut ctx = open(cli)?;
    let bar = crate::payroll_cli::progress_bar(cli, "示例");
    let progress = |label: &str, i: u64, n: u64| {
        bar.update(Some(label), i, n);
    };
    let s = yanglao_demo::run(
        &mut ctx,
        &yanglao_demo::Options {
            dir: out.to_path_buf(),
            scale,
            seed,
        },
        &progress,
    )
    .map_err(|e| match e {
        yanglao_demo::DemoError::Ops(e) => e.into(),
        yanglao_demo::DemoError::Report(e) => generate_error(e),
    })?;
    bar.finish_and_clear();
    let failed: Vec<&yanglao_demo::verify::Check> = s.checks.iter().filter(|c| !c.ok).collect();
    let e = &s.generated.outcome.evaluation;
    if cli.json {
        output::json(&serde_json::json!({
            "scale": scale, "seed": seed, "seconds": s.seconds, "counts": s.counts,
            "fund": {"brought_forward_fen": s.statement.brought_forward_fen, "income_fen": s.statement.income_fen, "expenditure_fen": s.statement.expenditure_fen, "closing_fen": s.statement.closing_fen},
            "total": num(e.total), "grade": grade_of(e), "files": s.generated.files, "checks": s.checks, "failed": failed.len(),
        }));
    } else {
        let wy = yanglao_domain::format_wan_yuan;
        println!("示例：阳泉市 2021–2023 年城乡居民补充养老保险（规模 {scale}，种子 {seed}），用时 {:.1} 秒", s.seconds);
        println!(
            "  参保人员 {} 人；缴费 {} / {} / {} 笔；发放批次 {} 个、明细 {} 条；死亡 {} 人；追回 {} 笔；银行结息 {} 笔",
            s.counts.persons, s.counts.contributions[0], s.counts.contributions[1], s.counts.contributions[2], s.counts.payrolls, s.counts.payment_lines, s.counts.deaths, s.counts.recovery_steps, s.counts.interest_credits
        );
        println!(
            "  2023 年基金：上年结余 {} 万元，本年收入 {} 万元，本年支出 {} 万元，年末滚存结余 {} 万元",
            wy(s.statement.brought_forward_fen), wy(s.statement.income_fen), wy(s.statement.expenditure_fen), wy(s.statement.closing_fen)
        );
        println!(
            "  2023 年绩效评价：总分 {} 分，{}",
            fmt2(e.total),
            grade_zh(e)
        );
        for f in &s.generated.files {
            println!("  报告：{f}");
        }
        for n in &s.generated.notes {
            println!("  {n}");
        }
        println!(
            "  与报告公布数字核对：{} 项一致，{} 项不一致",
            s.checks.len() - failed.len(),
            failed.len()
        );
        if verify || !failed.is_empty() {
            for c in &s.checks {
                println!(
                    "    {} {}：报告 {}，系统 {}{}",
                    if c.ok { "✓" } else { "✗" },
                    c.figure,
                    c.published,
                    c.ours,
                    if c.note.is_empty() {
                        String::new()
                    } else {
                        format!("（{}）", c.note)
                    }
                );
            }
        }
    }
    Ok(if verify && !failed.is_empty() { 1 } else { 0 })
}

#[derive(Subcommand)]
pub enum OutreachCmd {
    /// 写出某年度的动员名单（xlsx），含年龄与最后缴费年度
    List {
        /// 年度
        #[arg(long, value_parser = crate::values::year, value_name = "YYYY")]
        year: i32,
        /// 县区代码（默认：全部县区）
        #[arg(long, value_name = "CODE")]
        county: Option<String>,
        /// 1 月 1 日的年龄下限（含）
        #[arg(long, value_name = "AGE")]
        age_from: Option<i32>,
        /// 1 月 1 日的年龄上限（含）
        #[arg(long, value_name = "AGE")]
        age_to: Option<i32>,
        /// 乡镇（街道）或村（社区）名称中的文字
        #[arg(long, value_name = "TEXT")]
        place: Option<String>,
        /// 写出的 xlsx 文件
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

/// `yanglao particulars`: sets the year's particulars from a file and `--set` (in that order),
/// then shows them all.
pub fn particulars(
    cli: &Global,
    year: i32,
    file: Option<&Path>,
    set: &[String],
) -> Result<i32, CliError> {
    use yanglao_ops::evaluation::particulars as p;
    let mut values: Vec<(String, String)> = Vec::new();
    if let Some(f) = file {
        let upload =
            yanglao_ops::imports::table::Upload::read(f).map_err(yanglao_ops::OpsError::from)?;
        values.extend(p::read_file(&upload)?);
    }
    for s in set {
        let (k, v) = s.split_once('=').ok_or_else(|| CliError {
            code: "E-ARG-VALUE".into(),
            message: format!("--set 应写作“项目=内容”，而不是“{s}”"),
        })?;
        values.push((k.to_string(), v.to_string()));
    }
    let mut ctx = open(cli)?;
    let pairs: Vec<(&str, &str)> = values
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let changed = if pairs.is_empty() {
        Vec::new()
    } else {
        p::save(&mut ctx, year, &pairs)?
    };
    let now = p::current(&mut ctx, year)?;
    if cli.json {
        output::json(&serde_json::json!({"year": year, "changed": changed, "particulars": now}));
    } else {
        if !pairs.is_empty() {
            println!("已保存 {} 项变更。", changed.len());
        }
        for f in p::FIELDS {
            match now.get(f.key) {
                Some(v) => println!("{}：{}", f.label, v.replace('\n', "\n    ")),
                None => println!("{}：（未填写）", f.label),
            }
        }
    }
    Ok(0)
}
