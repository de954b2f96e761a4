//! The benchmarks' timing (`yanglao bench …`): each times use cases on data from
//! `yanglao-testdata` in a fresh database and reports its figures.

use chrono::NaiveDate;
use serde::Serialize;
use std::io::Write;
use std::path::Path;
use std::time::Instant;
use yanglao_domain::bank::with_luhn_digit;
use yanglao_ops::imports::table::Upload;
use yanglao_ops::register::{contributions, persons};
use yanglao_ops::{Ctx, OpsError, Result};
use yanglao_store::Db;
use yanglao_testdata::{person_name, recipient_id, setup_recipients, BANKS, COUNTIES, POLICY_FILE};

#[derive(Debug, Clone, Serialize)]
pub struct BackendFigures {
    pub backend: &'static str,
    pub rows: usize,
    pub persons_seconds: f64,
    pub persons_rows_per_s: f64,
    pub contributions_seconds: f64,
    pub contributions_rows_per_s: f64,
}

/// Imports the generated files into a freshly created database and times both imports.
pub fn run_backend(
    backend: &'static str,
    url: &str,
    policy_source: &str,
    persons_file: &Path,
    contributions_file: &Path,
    rows: usize,
) -> Result<BackendFigures> {
    let mut db = Db::open(url)?;
    db.migrate()?;
    let mut ctx = Ctx::with_policy_source(db, policy_source, POLICY_FILE)?;
    let t = Instant::now();
    let p = persons::import(&mut ctx, &Upload::read(persons_file)?, false)?;
    let persons_seconds = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let c = contributions::import(&mut ctx, &Upload::read(contributions_file)?, false)?;
    let contributions_seconds = t.elapsed().as_secs_f64();
    if !p.ok() || !c.ok() || c.posted != rows {
        return Err(OpsError::rule(
            "E-BENCH-IMPORT",
            format!(
                "基准测试数据导入失败：人员错误 {} 条，缴费错误 {} 条，入账 {} 行",
                p.errors.len(),
                c.errors.len(),
                c.posted
            ),
        ));
    }
    Ok(BackendFigures {
        backend,
        rows,
        persons_seconds,
        persons_rows_per_s: rows as f64 / persons_seconds,
        contributions_seconds,
        contributions_rows_per_s: rows as f64 / contributions_seconds,
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct PayrollFigures {
    pub backend: &'static str,
    pub recipients: usize,
    pub setup_s: f64,
    pub payroll_s: f64,
    pub export_s: f64,
    pub bare_insert_s: f64,
    pub ratio: f64,
    pub peak_rss_mib: f64,
    pub lines: i64,
    pub total_fen: i64,
}

/// The process's peak resident memory (VmHWM), in MiB.
pub fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

/// Times one month's payroll run with its checks, and its exports, against a bare bulk insert of
/// as many payment rows, on a fresh database at `url`.
pub fn run_payroll_bench(
    backend: &'static str,
    url: &str,
    policy_source: &str,
    n: usize,
    out_dir: &Path,
    progress: &dyn Fn(&str, u64, u64),
) -> Result<PayrollFigures> {
    use yanglao_domain::Month;
    let mut db = Db::open(url)?;
    db.migrate()?;
    let mut ctx = Ctx::with_policy_source(db, policy_source, POLICY_FILE)?;
    let book = ctx.policy.clone();
    let t = Instant::now();
    setup_recipients(&mut ctx.db, &book, n, &|i, total| {
        progress("生成领取人员", i, total)
    })?;
    let previous = Month::parse("2023-01").expect("valid");
    yanglao_ops::payroll::run(
        &mut ctx,
        previous,
        None,
        yanglao_ops::payroll::Kind::Regular,
        &|_, i, total| progress("上月发放", i, total),
    )?;
    // A month passes between two payrolls: the maintenance that follows a large write (statistics,
    // the visibility map, writing out the log) is done by then, not during the next month's run.
    ctx.db
        .analyze(&["payrolls", "payroll_lines", "payroll_exclusions"])?;
    ctx.db.checkpoint()?;
    let setup_s = t.elapsed().as_secs_f64();
    tracing::info!("准备完毕，内存峰值 {:.0} MiB", peak_rss_mib());

    let month = previous.next();
    let t = Instant::now();
    let run = yanglao_ops::payroll::run(
        &mut ctx,
        month,
        None,
        yanglao_ops::payroll::Kind::Regular,
        &|_, i, total| progress("本月发放（含检查）", i, total),
    )?;
    let payroll_s = t.elapsed().as_secs_f64();
    tracing::info!("发放完毕，内存峰值 {:.0} MiB", peak_rss_mib());

    let lines: i64 = run.payrolls.iter().map(|p| p.lines).sum();
    let total_fen: i64 = run.payrolls.iter().map(|p| p.total_fen).sum();
    let bare_insert_s = bare_insert(&mut ctx.db, lines as usize, month)?;

    yanglao_ops::users::act_as_reviewer_of_all(&mut ctx, "bench-checker")?;
    for p in &run.payrolls {
        yanglao_ops::payroll::approve(&mut ctx, p.id)?;
    }
    let t = Instant::now();
    for p in &run.payrolls {
        yanglao_ops::payroll::export::export(
            &mut ctx,
            p.id,
            &mut yanglao_ops::files::FolderSink::new(out_dir),
            &|i, total| progress("导出", i, total),
        )?;
    }
    let export_s = t.elapsed().as_secs_f64();
    tracing::info!("导出完毕，内存峰值 {:.0} MiB", peak_rss_mib());

    Ok(PayrollFigures {
        backend,
        recipients: n,
        setup_s,
        payroll_s,
        export_s,
        bare_insert_s,
        ratio: payroll_s / bare_insert_s,
        peak_rss_mib: peak_rss_mib(),
        lines,
        total_fen,
    })
}

/// The bare insert: as many rows of the same shape as the payroll's lines into a table without
/// keys, the yardstick the payroll's time is stated against.
pub(crate) fn bare_insert(db: &mut Db, lines: usize, month: yanglao_domain::Month) -> Result<f64> {
    // Called right after the run so that both are measured on the machine in the same state (its
    // speed drifts by a fifth from one minute to the next).
    let bare_sql = "CREATE TABLE bench_bare_lines (county TEXT, payroll_id BIGINT, line_no BIGINT, person_id BIGINT, award_id BIGINT,
        month DATE, from_month DATE, to_month DATE, months BIGINT, account_pension_fen BIGINT, account_from_pool_fen BIGINT,
        exit_province_fen BIGINT, exit_city_fen BIGINT, exit_county_fen BIGINT, total_fen BIGINT, bank_name TEXT, bank_account TEXT,
        status TEXT, paid_date DATE, fail_reason TEXT, reissue_of_payroll BIGINT, reissue_of_line BIGINT)";
    db.batch(bare_sql)?;
    // On a cluster the lines it stands for are spread over the workers: so are these.
    if yanglao_store::citus::is_coordinator(db)? {
        db.batch("SELECT create_distributed_table('bench_bare_lines', 'county')")?;
    }
    // It starts from the same settled state as the run: the run's writes are written out first.
    db.checkpoint()?;
    let rows: Vec<usize> = (0..lines).collect();
    let accounts: Vec<String> = (0..BANKS.len())
        .map(|i| with_luhn_digit(&format!("622848{:012}", i)))
        .collect();
    let d = month.first_day();
    let t = Instant::now();
    db.transaction(|tx| -> Result<()> {
        use yanglao_store::Param;
        let cols = yanglao_ops::payroll::LINE_COLUMNS;
        for chunk in rows.chunks(500_000) {
            tx.insert_many("bench_bare_lines", &cols, chunk, |i, b| {
                let i64v = *i as i64;
                b.extend([
                    Param::Text(COUNTIES[i % 5]),
                    Param::Int(1),
                    Param::Int(i64v),
                    Param::Int(i64v),
                    Param::Int(i64v),
                    Param::Date(d),
                    Param::Date(d),
                    Param::Date(d),
                    Param::Int(1),
                    Param::Int(0),
                    Param::Int(0),
                    Param::Int(1000),
                    Param::Int(200),
                    Param::Int(800),
                    Param::Int(2000),
                    Param::Text(BANKS[i % BANKS.len()]),
                    Param::Text(&accounts[i % BANKS.len()]),
                    Param::Text("pending"),
                    Param::Null,
                    Param::Null,
                    Param::Null,
                    Param::Null,
                ])
            })?;
        }
        Ok(())
    })?;
    Ok(t.elapsed().as_secs_f64())
}

#[derive(Debug, Clone, Serialize)]
pub struct DeathFigures {
    pub backend: &'static str,
    pub people: usize,
    pub records: usize,
    pub setup_s: f64,
    /// Reading, validating and matching every record (`--dry-run`: nothing written).
    pub matching_s: f64,
    /// The whole import: matching, then every death applied (terminations, overpayment checks).
    pub import_s: f64,
    pub matched: i64,
    pub peak_rss_mib: f64,
}

/// Times matching `records` death records (valid IDs of registered people) against `people`
/// people, and the whole import with the deaths applied.
pub fn run_deaths_bench(
    url: &str,
    policy_source: &str,
    people: usize,
    records: usize,
    dir: &Path,
    progress: &dyn Fn(&str, u64, u64),
) -> Result<DeathFigures> {
    let mut db = Db::open(url)?;
    db.migrate()?;
    let mut ctx = Ctx::with_policy_source(db, policy_source, POLICY_FILE)?;
    let book = ctx.policy.clone();
    let t = Instant::now();
    setup_recipients(&mut ctx.db, &book, people, &|i, n| {
        progress("生成人员", i, n)
    })?;
    let setup_s = t.elapsed().as_secs_f64();
    let path = dir.join("bench-deaths.csv");
    {
        let mut w = std::io::BufWriter::new(
            std::fs::File::create(&path).map_err(|e| OpsError::rule("E-IO", e.to_string()))?,
        );
        let io = |e: std::io::Error| OpsError::rule("E-IO", e.to_string());
        writeln!(w, "身份证号,姓名,死亡日期,来源编号").map_err(io)?;
        let step = (people / records.max(1)).max(1);
        for k in 0..records.min(people) {
            let i = k * step;
            writeln!(
                w,
                "{},{},2023-{:02}-{:02},GA{:09}",
                recipient_id(i),
                person_name(i),
                1 + k % 12,
                1 + k % 28,
                k
            )
            .map_err(io)?;
        }
        w.flush().map_err(io)?;
    }
    // The records are of 2023; the file is processed at the start of 2024.
    let processed_on = NaiveDate::from_ymd_opt(2024, 1, 10).expect("valid");
    let t = Instant::now();
    let dry = yanglao_ops::deaths::import(
        &mut ctx,
        &Upload::read(&path)?,
        yanglao_ops::deaths::Source::Police,
        true,
        Some(processed_on),
    )?;
    let matching_s = t.elapsed().as_secs_f64();
    if !dry.ok() {
        return Err(OpsError::rule(
            "E-BENCH-DEATHS",
            format!("生成的死亡记录未通过校验：{:?}", dry.errors.first()),
        ));
    }
    let t = Instant::now();
    let o = yanglao_ops::deaths::import(
        &mut ctx,
        &Upload::read(&path)?,
        yanglao_ops::deaths::Source::Police,
        false,
        Some(processed_on),
    )?;
    let import_s = t.elapsed().as_secs_f64();
    let matched = o
        .details
        .as_ref()
        .and_then(|d| d["matched"].as_i64())
        .unwrap_or(0);
    Ok(DeathFigures {
        backend: "sqlite",
        people,
        records,
        setup_s,
        matching_s,
        import_s,
        matched,
        peak_rss_mib: peak_rss_mib(),
    })
}
