//! `quickstart` (the bundled small example, run end to end) and `bench import`.

use crate::bench_run as bench;
use crate::context::{open, CliError, Global, BUNDLED_POLICY};
use crate::output;
use std::path::Path;

const EXAMPLES: &[(&str, &str)] = &[
    ("persons.csv", include_str!("../../../examples/persons.csv")),
    (
        "hardship.csv",
        include_str!("../../../examples/hardship.csv"),
    ),
    (
        "contributions-2021.csv",
        include_str!("../../../examples/contributions-2021.csv"),
    ),
    (
        "contributions-2022.csv",
        include_str!("../../../examples/contributions-2022.csv"),
    ),
    (
        "contributions-2023.csv",
        include_str!("../../../examples/contributions-2023.csv"),
    ),
];

type ImportFn = fn(
    &mut yanglao_ops::Ctx,
    &yanglao_ops::imports::table::Upload,
    bool,
) -> yanglao_ops::Result<yanglao_ops::ImportOutcome>;

fn io(e: std::io::Error) -> CliError {
    CliError {
        code: "E-IO".into(),
        message: format!("文件读写失败：{}", yanglao_domain::io_error_zh(&e)),
    }
}

pub fn run(cli: &Global, out: &Path) -> Result<i32, CliError> {
    std::fs::create_dir_all(out).map_err(io)?;
    for (name, text) in EXAMPLES {
        std::fs::write(out.join(name), text).map_err(io)?;
    }
    let mut ctx = open(cli)?;
    let say = |s: String| {
        if !cli.json {
            println!("{s}");
        }
    };
    say(format!(
        "示例文件已写入 {}；数据库：{}",
        out.display(),
        ctx.db.display_url()
    ));
    if ctx.policy.is_empty() {
        let (source, file) = BUNDLED_POLICY;
        let actor = ctx.who();
        let l = ctx
            .db
            .transaction(|tx| yanglao_ops::policy::load(tx, source, file, None, &actor))?;
        ctx.reload_policy()?;
        say(format!(
            "数据库中没有政策参数，已载入系统自带的示意参数“{}”为第 {} 版（自 {} 起适用）",
            l.name, l.version, l.applies_from
        ));
    }
    let Some(imports) = import_examples(cli, &mut ctx, out, &say)? else {
        return Ok(1);
    };
    let mut gov = Vec::new();
    let mut interest = Vec::new();
    for year in 2021..=2023 {
        let g = yanglao_ops::register::govpay::run(&mut ctx, year, None, None)?;
        say(format!(
            "{year} 年政府代缴：新增 {} 人，{}",
            g.persons,
            output::yuan(g.amount_fen)
        ));
        gov.push(g);
        let i = yanglao_ops::register::interest::credit(&mut ctx, year, None)?;
        let total: i64 = i.counties.iter().map(|c| c.total_fen).sum();
        say(format!("{year} 年记账利息：{}", output::yuan(total)));
        interest.push(i);
    }
    // January 2024: award benefits, run the payroll, approve it as a second person, export it.
    let month = yanglao_domain::Month::parse("2024-01").expect("valid month");
    let (awards, run, exported) = first_payroll(&mut ctx, month, out, &say)?;
    ctx.actor = yanglao_ops::Actor::system();
    let verify = ctx.db.read_transaction(yanglao_ops::ledger::verify)?;
    say(format!(
        "账务核对：{}（{} 张凭证，{} 条个人账户明细）",
        if verify.ok {
            "全部通过"
        } else {
            "发现问题"
        },
        verify.entries,
        verify.movements
    ));
    say(format!("下一步可试：yanglao account show 140322196908081190；yanglao payroll status --month {month}；发放文件在 {}", out.join("发放").display()));
    if cli.json {
        output::json(&serde_json::json!({
            "imports": imports, "gov_pay": gov, "interest": interest, "awards": awards,
            "payrolls": run.payrolls, "exports": exported, "verify": verify,
        }));
    }
    Ok(if verify.ok { 0 } else { 1 })
}

/// Imports the example files in order; `None` when one of them has errors (they are printed).
fn import_examples(
    cli: &Global,
    ctx: &mut yanglao_ops::Ctx,
    out: &Path,
    say: &dyn Fn(String),
) -> Result<Option<Vec<yanglao_ops::imports::problems::ImportOutcome>>, CliError> {
    let mut imports = Vec::new();
    let steps: [(&str, ImportFn); 5] = [
        ("persons.csv", yanglao_ops::register::persons::import),
        ("hardship.csv", yanglao_ops::register::hardship::import),
        (
            "contributions-2021.csv",
            yanglao_ops::register::contributions::import,
        ),
        (
            "contributions-2022.csv",
            yanglao_ops::register::contributions::import,
        ),
        (
            "contributions-2023.csv",
            yanglao_ops::register::contributions::import,
        ),
    ];
    for (name, f) in steps {
        let mut o = f(ctx, &crate::context::upload(&out.join(name))?, false)?;
        output::write_error_report(&out.join(name), &mut o);
        say(format!(
            "导入 {name}：{}",
            if o.already_imported {
                "此前已导入，跳过".to_string()
            } else {
                format!(
                    "新增 {} 行，跳过 {} 行，错误 {} 处",
                    o.posted,
                    o.skipped,
                    o.errors.len()
                )
            }
        ));
        if !o.ok() {
            if !cli.json {
                output::import(&o);
            }
            return Ok(None);
        }
        imports.push(o);
    }
    Ok(Some(imports))
}

/// The month's awards and payroll, approved by a reviewer other than its maker, and exported.
type FirstPayroll = (
    yanglao_ops::payroll::awards::AwardsOutcome,
    yanglao_ops::payroll::RunOutcome,
    Vec<yanglao_ops::payroll::export::ExportOutcome>,
);

fn first_payroll(
    ctx: &mut yanglao_ops::Ctx,
    month: yanglao_domain::Month,
    out: &Path,
    say: &dyn Fn(String),
) -> Result<FirstPayroll, CliError> {
    let awards = yanglao_ops::payroll::awards::run(ctx, month, None)?;
    say(format!("{month} 待遇核定：新增 {} 人", awards.awarded));
    let maker = ctx.who();
    let run = yanglao_ops::payroll::run(
        ctx,
        month,
        None,
        yanglao_ops::payroll::Kind::Regular,
        &|_, _, _| {},
    )?;
    yanglao_ops::users::act_as_reviewer_of_all(ctx, "复核员")?;
    let mut exported = Vec::new();
    for p in &run.payrolls {
        if p.status == "draft" {
            yanglao_ops::payroll::approve(ctx, p.id)?;
        }
        let e = yanglao_ops::payroll::export::export(
            ctx,
            p.id,
            &mut yanglao_ops::files::FolderSink::new(&out.join("发放")),
            &|_, _| {},
        )?;
        say(format!(
            "{month} 待遇发放：{} {} 人 {}（{} 生成，复核员审核），已导出 {} 个文件",
            p.county,
            p.lines,
            output::yuan(p.total_fen),
            output::who(&maker),
            e.files.len()
        ));
        exported.push(e);
    }
    Ok((awards, run, exported))
}

pub fn bench(
    cli: &Global,
    rows: usize,
    pg: Option<&str>,
    dir: Option<&Path>,
) -> Result<i32, CliError> {
    let policy = BUNDLED_POLICY.0;
    let tmp;
    let dir = match dir {
        Some(d) => {
            std::fs::create_dir_all(d).map_err(io)?;
            d.to_path_buf()
        }
        None => {
            tmp = std::env::temp_dir().join(format!("yanglao-bench-{}", std::process::id()));
            std::fs::create_dir_all(&tmp).map_err(io)?;
            tmp
        }
    };
    let persons = dir.join("bench-persons.csv");
    let contributions = dir.join("bench-contributions.csv");
    let t = std::time::Instant::now();
    yanglao_testdata::write_persons_csv(&persons, rows).map_err(io)?;
    yanglao_testdata::write_contributions_csv(&contributions, rows, 2023, 42).map_err(io)?;
    let gen_s = t.elapsed().as_secs_f64();
    if !cli.json {
        println!(
            "已生成 {rows} 行缴费及对应人员（{gen_s:.2} 秒）：{}",
            dir.display()
        );
    }
    let db_path = dir.join("bench.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db_path.display()));
    }
    let sqlite = bench::run_backend(
        "sqlite",
        &format!("sqlite://{}", db_path.display()),
        policy,
        &persons,
        &contributions,
        rows,
    )?;
    let postgres = match pg {
        Some(url) => {
            let scratch = yanglao_store::ScratchPg::create(url, "yanglao_bench")?;
            Some(bench::run_backend(
                "postgres",
                &scratch.url,
                policy,
                &persons,
                &contributions,
                rows,
            )?)
        }
        None => None,
    };
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let details: Vec<&bench::BackendFigures> = [Some(&sqlite), postgres.as_ref()]
        .into_iter()
        .flatten()
        .collect();
    if cli.json {
        output::json(&serde_json::json!({
            "rows": rows,
            "sqlite_rows_per_s": sqlite.contributions_rows_per_s.round(),
            "postgres_rows_per_s": postgres.as_ref().map(|p| p.contributions_rows_per_s.round()),
            "cores": cores,
            "details": details,
        }));
    } else {
        for f in &details {
            println!(
                "{:<9} 缴费导入 {} 行 {:.2} 秒 = {:.0} 行/秒（含读取、校验、补贴计算与记账）；人员导入 {:.2} 秒 = {:.0} 行/秒",
                f.backend, f.rows, f.contributions_seconds, f.contributions_rows_per_s, f.persons_seconds, f.persons_rows_per_s
            );
        }
        if postgres.is_none() {
            println!(
                "未测 PostgreSQL：用 --pg postgres://… 或环境变量 YANGLAO_BENCH_PG 指定服务器。"
            );
        }
    }
    Ok(0)
}

pub fn bench_payroll(
    cli: &Global,
    n: usize,
    pg: Option<&str>,
    dir: Option<&Path>,
    backend: Option<&str>,
) -> Result<i32, CliError> {
    let policy = BUNDLED_POLICY.0;
    let dir = match dir {
        Some(d) => d.to_path_buf(),
        None => std::env::temp_dir().join(format!("yanglao-bench-payroll-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir).map_err(io)?;
    let bar = crate::payroll_cli::progress_bar(cli, "基准测试");
    let progress = |label: &str, i: u64, total: u64| {
        bar.update(Some(label), i, total);
    };
    match backend {
        Some("sqlite") => {
            let db_path = dir.join("bench-payroll.db");
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", db_path.display()));
            }
            let f = bench::run_payroll_bench(
                "sqlite",
                &format!("sqlite://{}", db_path.display()),
                policy,
                n,
                &dir.join("sqlite-exports"),
                &progress,
            )?;
            bar.finish_and_clear();
            output::json(&f);
            Ok(0)
        }
        Some("postgres") => {
            let url = pg.ok_or_else(|| CliError {
                code: "E-BENCH-NO-PG".into(),
                message: "未指定 PostgreSQL 服务器（--pg）".into(),
            })?;
            let scratch = yanglao_store::ScratchPg::create(url, "yanglao_bench")?;
            let f = bench::run_payroll_bench(
                "postgres",
                &scratch.url,
                policy,
                n,
                &dir.join("postgres-exports"),
                &progress,
            )?;
            bar.finish_and_clear();
            output::json(&f);
            Ok(0)
        }
        Some(other) => Err(CliError {
            code: "E-BENCH-BACKEND".into(),
            message: format!("未知的数据库类型“{other}”"),
        }),
        None => {
            // Each backend in its own process, so that each peak memory figure is its own.
            let mut results = Vec::new();
            let mut backends = vec!["sqlite"];
            if pg.is_some() {
                backends.push("postgres");
            }
            for b in backends {
                if !cli.json {
                    println!("测量 {b}：{n} 名领取人员……");
                }
                let v = payroll_bench_process(b, n, &dir, pg)?;
                results.push(v);
            }
            if cli.json {
                output::json(&results);
            } else {
                for v in &results {
                    println!(
                        "{:<9} {} 人：发放（含检查）{:.2} 秒，导出 {:.2} 秒，同量裸插入 {:.2} 秒，比值 {:.2}，峰值内存 {:.0} MiB",
                        v["backend"].as_str().unwrap_or(""),
                        v["recipients"],
                        v["payroll_s"].as_f64().unwrap_or(0.0),
                        v["export_s"].as_f64().unwrap_or(0.0),
                        v["bare_insert_s"].as_f64().unwrap_or(0.0),
                        v["ratio"].as_f64().unwrap_or(0.0),
                        v["peak_rss_mib"].as_f64().unwrap_or(0.0)
                    );
                }
            }
            Ok(0)
        }
    }
}

/// One backend's payroll benchmark in a process of its own, so that its peak memory is its own.
fn payroll_bench_process(
    b: &str,
    n: usize,
    dir: &Path,
    pg: Option<&str>,
) -> Result<serde_json::Value, CliError> {
    let mut cmd = std::process::Command::new(std::env::current_exe().map_err(io)?);
    cmd.args([
        "--json",
        "bench",
        "payroll",
        "--recipients",
        &n.to_string(),
        "--backend",
        b,
        "--dir",
    ])
    .arg(dir);
    if let Some(url) = pg {
        cmd.args(["--pg", url]);
    }
    let o = cmd.output().map_err(io)?;
    let text = String::from_utf8_lossy(&o.stdout);
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| CliError {
        code: "E-BENCH-PAYROLL".into(),
        message: format!(
            "{b} 基准测试失败：{e}；{}{}",
            text,
            String::from_utf8_lossy(&o.stderr)
        ),
    })?;
    if !o.status.success() || v.get("ok") == Some(&serde_json::Value::Bool(false)) {
        return Err(CliError {
            code: "E-BENCH-PAYROLL".into(),
            message: format!("{b} 基准测试失败：{v}"),
        });
    }
    Ok(v)
}
