//! `yanglao bench province`: a province of many counties on PostgreSQL or a Citus cluster, taken
//! through a month the way its counties would: each county imports its register and a year of
//! contributions, the month's awards and payroll run with their checks, each payroll is exported
//! and its bank's return imported, and the evaluation measures the year. Every step is timed with
//! the peak memory of the process during it (docs/BENCHMARKS.md keeps the figures).

use serde::Serialize;
use std::io::Write;
use std::path::Path;
use std::time::Instant;
use yanglao_domain::bank::with_luhn_digit;
use yanglao_domain::{CitizenId, Month};
use yanglao_ops::imports::table::Upload;
use yanglao_ops::register::{contributions, persons};
use yanglao_ops::{Ctx, OpsError, Result};
use yanglao_store::{Db, Param};
use yanglao_testdata::{person_name, BANKS, POLICY_FILE};

/// One step: what it handled and what it cost.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub step: &'static str,
    pub rows: u64,
    pub seconds: f64,
    pub rows_per_s: f64,
    /// The process's peak resident memory during the step.
    pub peak_rss_mib: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProvinceFigures {
    pub backend: &'static str,
    pub counties: usize,
    pub recipients: usize,
    pub contributors: usize,
    pub steps: Vec<Step>,
    /// A bare bulk load of as many rows as the payroll's lines, measured after the run.
    pub bare_copy_s: f64,
    /// The payroll's run (with its checks) over the bare load.
    pub payroll_ratio: f64,
    pub lines: i64,
    pub total_fen: i64,
    pub database_mib: f64,
}

/// The `k`-th county of the benchmark's province: ten counties to a city, in cities whose codes
/// (1421–1499) no real Shanxi city has.
pub fn county_code(k: usize) -> String {
    format!("14{:02}{:02}", 21 + k / 10, 1 + k % 10)
}

/// The `i`-th person of county `code`: recipients born 1935–1954, contributors 1965–1984.
fn person_id(code: &str, i: usize, recipient: bool) -> CitizenId {
    let base =
        chrono::NaiveDate::from_ymd_opt(if recipient { 1935 } else { 1965 }, 1, 1).expect("valid");
    let date = base + chrono::Duration::days((i % 7_300) as i64);
    CitizenId::from_body(&format!(
        "{code}{}{:03}",
        date.format("%Y%m%d"),
        (i / 7_300) % 1000
    ))
    .expect("generated ids are valid")
}

/// Resets the process's peak memory, so that the next reading is the next step's own.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn io(e: std::io::Error) -> OpsError {
    OpsError::rule(
        "E-BENCH-IO",
        format!("无法写入基准测试文件：{}", yanglao_domain::io_error_zh(&e)),
    )
}

/// Each county's register file (its recipients, then its contributors) and its contribution file
/// of `year` (every contributor at the lowest tier but one in six).
fn write_county_files(
    dir: &Path,
    k: usize,
    recipients: usize,
    contributors: usize,
    year: i32,
) -> Result<(std::path::PathBuf, std::path::PathBuf)> {
    let code = county_code(k);
    let (p, c) = (
        dir.join(format!("{code}-参保人员.csv")),
        dir.join(format!("{code}-缴费.csv")),
    );
    let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&p).map_err(io)?);
    writeln!(
        w,
        "身份证号,姓名,县区代码,联系电话,开户银行,银行账号,基本养老保险参保"
    )
    .map_err(io)?;
    let person = |i: usize| k * (recipients + contributors) + i;
    for i in 0..recipients + contributors {
        let id = if i < recipients {
            person_id(&code, i, true)
        } else {
            person_id(&code, i - recipients, false)
        };
        let g = person(i);
        writeln!(
            w,
            "{id},{},{code},139{:08},{},{},是",
            person_name(g),
            g % 100_000_000,
            BANKS[g % BANKS.len()],
            with_luhn_digit(&format!("622848{g:012}"))
        )
        .map_err(io)?;
    }
    w.flush().map_err(io)?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&c).map_err(io)?);
    writeln!(w, "身份证号,姓名,缴费年度,缴费金额(元),缴费日期,票据号").map_err(io)?;
    for j in 0..contributors {
        let date = chrono::NaiveDate::from_ymd_opt(year, 3, 1).expect("valid")
            + chrono::Duration::days((j % 200) as i64);
        writeln!(
            w,
            "{},{},{year},{},{date},PJ{code}{j:09}",
            person_id(&code, j, false),
            person_name(person(recipients + j)),
            if j % 6 == 5 { 500 } else { 200 },
        )
        .map_err(io)?;
    }
    w.flush().map_err(io)?;
    Ok((p, c))
}

/// Runs the province benchmark on a fresh database at `url`: `recipients` and `contributors` in
/// all, spread evenly over `counties` counties.
pub fn run_province(
    backend: &'static str,
    url: &str,
    counties: usize,
    recipients: usize,
    contributors: usize,
    dir: &Path,
    progress: &dyn Fn(&str, u64, u64),
) -> Result<ProvinceFigures> {
    let (per_r, per_c) = (recipients / counties, contributors / counties);
    let mut db = Db::open(url)?;
    db.migrate()?;
    add_counties(&mut db, counties)?;
    let mut ctx = Ctx::with_policy_source(db, crate::context::BUNDLED_POLICY.0, POLICY_FILE)?;
    let year = 2023;
    let month = Month::parse("2023-12").expect("valid");
    let mut steps = Vec::new();
    let mut step = |name: &'static str, rows: u64, started: Instant| {
        let seconds = started.elapsed().as_secs_f64();
        tracing::info!("{name}：{rows} 行，{seconds:.1} 秒");
        steps.push(Step {
            step: name,
            rows,
            seconds,
            rows_per_s: rows as f64 / seconds.max(1e-9),
            peak_rss_mib: crate::bench_run::peak_rss_mib(),
        });
        reset_peak();
        seconds
    };

    // Each county imports its own register and its year of contributions, as counties do.
    let files = dir.join(format!("{backend}-files"));
    std::fs::create_dir_all(&files).map_err(io)?;
    let mut paths = Vec::new();
    for k in 0..counties {
        progress("生成各县文件", k as u64, counties as u64);
        paths.push(write_county_files(&files, k, per_r, per_c, year)?);
    }
    reset_peak();
    let t = Instant::now();
    for (k, (p, _)) in paths.iter().enumerate() {
        progress("各县导入参保人员", k as u64, counties as u64);
        let o = persons::import(&mut ctx, &Upload::read(p)?, false)?;
        if !o.ok() {
            return Err(failed("参保人员导入", &o));
        }
    }
    ctx.db.analyze(&["persons"])?;
    step("register", ((per_r + per_c) * counties) as u64, t);
    let t = Instant::now();
    for (k, (_, c)) in paths.iter().enumerate() {
        progress("各县导入缴费", k as u64, counties as u64);
        let o = contributions::import(&mut ctx, &Upload::read(c)?, false)?;
        if !o.ok() {
            return Err(failed("缴费导入", &o));
        }
    }
    ctx.db
        .analyze(&["account_movements", "journal_entries", "journal_lines"])?;
    step("contributions", (per_c * counties) as u64, t);

    progress("待遇核定", 0, 1);
    let t = Instant::now();
    let awarded = yanglao_ops::payroll::awards::run(&mut ctx, month, None)?.awarded;
    ctx.db.analyze(&["awards"])?;
    step("awards", awarded as u64, t);

    progress("本月发放（含检查）", 0, 1);
    ctx.db.checkpoint()?;
    let t = Instant::now();
    let run = yanglao_ops::payroll::run(
        &mut ctx,
        month,
        None,
        yanglao_ops::payroll::Kind::Regular,
        &|label, i, n| progress(label, i, n),
    )?;
    let lines: i64 = run.payrolls.iter().map(|p| p.lines).sum();
    let total_fen: i64 = run.payrolls.iter().map(|p| p.total_fen).sum();
    let payroll_s = step("payroll", lines as u64, t);
    let bare_copy_s = crate::bench_run::bare_insert(&mut ctx.db, lines as usize, month)?;
    ctx.db.batch("DROP TABLE bench_bare_lines")?;
    reset_peak();

    let maker = ctx.actor.clone();
    yanglao_ops::users::act_as_reviewer_of_all(&mut ctx, "bench-checker")?;
    for p in &run.payrolls {
        yanglao_ops::payroll::approve(&mut ctx, p.id)?;
    }
    ctx.actor = maker;
    let out = dir.join(format!("{backend}-exports"));
    let t = Instant::now();
    let bank_files = export_all(&mut ctx, &run.payrolls, &out, progress)?;
    step("export", lines as u64, t);

    // The banks' returns, written before the step so that only their import is timed.
    let paid = chrono::NaiveDate::from_ymd_opt(2023, 12, 10).expect("valid");
    let returns = write_bank_returns(&bank_files, paid)?;
    reset_peak();
    let t = Instant::now();
    for (k, r) in returns.iter().enumerate() {
        progress("导入银行回盘", k as u64, returns.len() as u64);
        let o = yanglao_ops::payroll::bank_return::import(
            &mut ctx,
            &Upload::read(Path::new(r))?,
            false,
        )?;
        if !o.ok() {
            return Err(failed("银行回盘导入", &o));
        }
    }
    step("bank_return", lines as u64, t);

    progress("评价测算", 0, 1);
    ctx.db.analyze(&[
        "payroll_lines",
        "payrolls",
        "journal_entries",
        "journal_lines",
    ])?;
    let t = Instant::now();
    yanglao_ops::evaluation::measure(&mut ctx, year)?;
    step("evaluation", ((per_r + per_c) * counties) as u64, t);

    // On a cluster the data is on the workers: the size of every shard and reference copy.
    let size_sql = if yanglao_store::citus::is_coordinator(&mut ctx.db)? {
        "SELECT CAST(COALESCE(SUM(citus_total_relation_size(table_name)), 0) AS BIGINT) FROM citus_tables"
    } else {
        "SELECT pg_database_size(current_database())"
    };
    let database_mib = ctx.db.transaction(|tx| tx.scalar_i64(size_sql, &[]))? as f64 / 1048576.0;
    Ok(ProvinceFigures {
        backend,
        counties,
        recipients: per_r * counties,
        contributors: per_c * counties,
        steps,
        bare_copy_s,
        payroll_ratio: payroll_s / bare_copy_s,
        lines,
        total_fen,
        database_mib,
    })
}

/// Every payroll exported into `out` (its plan and its bank file): the bank files.
fn export_all(
    ctx: &mut Ctx,
    payrolls: &[yanglao_ops::payroll::Summary],
    out: &Path,
    progress: &dyn Fn(&str, u64, u64),
) -> Result<Vec<String>> {
    let mut bank_files = Vec::new();
    for (k, p) in payrolls.iter().enumerate() {
        progress("导出", k as u64, payrolls.len() as u64);
        let e = yanglao_ops::payroll::export::export(
            ctx,
            p.id,
            &mut yanglao_ops::files::FolderSink::new(out),
            &|_, _| {},
        )?;
        bank_files.extend(e.files.into_iter().filter(|f| f.contains("银行代发")));
    }
    Ok(bank_files)
}

/// The province's counties in the register of regions, ten to a city.
fn add_counties(db: &mut Db, counties: usize) -> Result<()> {
    db.transaction(|tx| -> Result<()> {
        for k in 0..counties {
            let code = county_code(k);
            let city = format!("{}00", &code[..4]);
            if k % 10 == 0 {
                tx.exec(
                    "INSERT INTO regions (code, name, level, parent) VALUES ($1, $2, 'city', '140000')",
                    &[Param::Text(&city), Param::Text(&format!("基准市{}", k / 10 + 1))],
                )?;
            }
            tx.exec(
                "INSERT INTO regions (code, name, level, parent) VALUES ($1, $2, 'county', $3)",
                &[
                    Param::Text(&code),
                    Param::Text(&format!("基准县{}", k + 1)),
                    Param::Text(&city),
                ],
            )?;
        }
        Ok(())
    })
}

/// Each bank file's return (every line paid on `paid`), written beside it: their paths.
fn write_bank_returns(bank_files: &[String], paid: chrono::NaiveDate) -> Result<Vec<String>> {
    bank_files
        .iter()
        .map(|f| {
            let bytes = std::fs::read(f).map_err(io)?;
            let path = format!("{f}.回盘.csv");
            std::fs::write(&path, yanglao_demo::run::bank_return(&bytes, paid)).map_err(io)?;
            Ok(path)
        })
        .collect()
}

fn failed(what: &str, o: &yanglao_ops::ImportOutcome) -> OpsError {
    OpsError::rule(
        "E-BENCH-IMPORT",
        format!(
            "基准测试{what}失败：{} 条错误，首条：{:?}",
            o.errors.len(),
            o.errors.first()
        ),
    )
}

/// The command's arguments.
pub struct Args<'a> {
    pub recipients: usize,
    pub contributors: usize,
    pub counties: usize,
    pub pg: Option<&'a str>,
    pub citus: Option<&'a str>,
    pub citus_workers: &'a [String],
    pub dir: Option<&'a Path>,
    pub backend: Option<&'a str>,
}

/// `yanglao bench province`: each backend given in a process of its own (so that each peak
/// memory figure is its own), then the figures side by side with the cluster's ratio to
/// PostgreSQL.
pub fn bench(cli: &crate::context::Global, a: &Args<'_>) -> crate::context::Res {
    use crate::context::err;
    let dir = a.dir.map_or_else(
        || std::env::temp_dir().join(format!("yanglao-bench-province-{}", std::process::id())),
        Path::to_path_buf,
    );
    std::fs::create_dir_all(&dir).map_err(|e| err("E-IO", yanglao_domain::io_error_zh(&e)))?;
    if let Some(b) = a.backend {
        let bar = crate::payroll_cli::progress_bar(cli, "基准测试");
        let progress = |label: &str, i: u64, n: u64| bar.update(Some(label), i, n);
        let (backend, scratch): (&'static str, yanglao_store::Scratch) = match b {
            "postgres" => (
                "postgres",
                yanglao_store::Scratch::Pg(yanglao_store::ScratchPg::create(
                    a.pg.ok_or_else(|| err("E-BENCH-NO-PG", "未指定 PostgreSQL 服务器（--pg）"))?,
                    "yanglao_bench_province",
                )?),
            ),
            "citus" => (
                "citus",
                yanglao_store::Scratch::Citus(yanglao_store::ScratchCitus::with_shards(
                    a.citus.ok_or_else(|| {
                        err("E-BENCH-NO-CITUS", "未指定 Citus 协调节点（--citus）")
                    })?,
                    a.citus_workers,
                    "yanglao_bench_province",
                    32,
                )?),
            ),
            other => return Err(err("E-BENCH-BACKEND", format!("未知的数据库类型“{other}”"))),
        };
        let f = run_province(
            backend,
            scratch.url(),
            a.counties,
            a.recipients,
            a.contributors,
            &dir,
            &progress,
        )?;
        bar.finish_and_clear();
        crate::output::json(&f);
        return Ok(0);
    }
    let mut backends = Vec::new();
    if a.pg.is_some() {
        backends.push("postgres");
    }
    if a.citus.is_some() {
        backends.push("citus");
    }
    if backends.is_empty() {
        return Err(err(
            "E-BENCH-NO-PG",
            "全省基准测试需要 PostgreSQL（--pg）或 Citus 集群（--citus 与 --citus-workers）",
        ));
    }
    let mut results: Vec<serde_json::Value> = Vec::new();
    for b in backends {
        if !cli.json {
            println!(
                "测量 {b}：{} 个县区，待遇领取 {} 人，缴费 {} 人……",
                a.counties, a.recipients, a.contributors
            );
        }
        let mut cmd = std::process::Command::new(
            std::env::current_exe().map_err(|e| err("E-IO", yanglao_domain::io_error_zh(&e)))?,
        );
        cmd.args(["--json", "bench", "province", "--backend", b])
            .args(["--recipients", &a.recipients.to_string()])
            .args(["--contributors", &a.contributors.to_string()])
            .args(["--counties", &a.counties.to_string()])
            .arg("--dir")
            .arg(&dir);
        if let Some(u) = a.pg {
            cmd.args(["--pg", u]);
        }
        if let Some(u) = a.citus {
            cmd.args(["--citus", u, "--citus-workers", &a.citus_workers.join(",")]);
        }
        let o = cmd
            .stderr(std::process::Stdio::inherit())
            .output()
            .map_err(|e| err("E-IO", yanglao_domain::io_error_zh(&e)))?;
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).map_err(|e| {
            err(
                "E-BENCH-PROVINCE",
                format!(
                    "{b} 基准测试失败：{e}；{}",
                    String::from_utf8_lossy(&o.stdout)
                ),
            )
        })?;
        if !o.status.success() || v.get("ok") == Some(&serde_json::Value::Bool(false)) {
            return Err(err("E-BENCH-PROVINCE", format!("{b} 基准测试失败：{v}")));
        }
        results.push(v);
    }
    if cli.json {
        crate::output::json(&results);
        return Ok(0);
    }
    let names = [
        ("register", "各县导入参保人员"),
        ("contributions", "各县导入缴费"),
        ("awards", "待遇核定"),
        ("payroll", "当月发放（含检查）"),
        ("export", "导出"),
        ("bank_return", "银行回盘"),
        ("evaluation", "评价测算"),
    ];
    for v in &results {
        println!(
            "{}：发放 {} 行，同量裸写入 {:.1} 秒，发放/裸写入 {:.2}；数据 {:.0} MiB",
            v["backend"].as_str().unwrap_or(""),
            v["lines"],
            v["bare_copy_s"].as_f64().unwrap_or(0.0),
            v["payroll_ratio"].as_f64().unwrap_or(0.0),
            v["database_mib"].as_f64().unwrap_or(0.0)
        );
        for s in v["steps"].as_array().into_iter().flatten() {
            let key = s["step"].as_str().unwrap_or("");
            let label = names.iter().find(|n| n.0 == key).map_or(key, |n| n.1);
            let other = results
                .first()
                .filter(|f| f["backend"] != v["backend"])
                .and_then(|f| f["steps"].as_array())
                .and_then(|st| st.iter().find(|x| x["step"] == s["step"]))
                .and_then(|x| x["seconds"].as_f64());
            println!(
                "  {label:<12} {:>10} 行 {:>8.1} 秒 {:>10.0} 行/秒 峰值内存 {:>6.0} MiB{}",
                s["rows"],
                s["seconds"].as_f64().unwrap_or(0.0),
                s["rows_per_s"].as_f64().unwrap_or(0.0),
                s["peak_rss_mib"].as_f64().unwrap_or(0.0),
                other.map_or(String::new(), |o| format!(
                    "（PostgreSQL 的 {:.2} 倍）",
                    s["seconds"].as_f64().unwrap_or(0.0) / o.max(1e-9)
                ))
            );
        }
    }
    Ok(0)
}
