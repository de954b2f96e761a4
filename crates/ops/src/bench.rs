//! `bench import`: generates N valid contribution rows with their persons, imports both into a
//! fresh database and measures rows per second. The generators are also used by the tests.

use crate::imports::table::Upload;
use crate::{register::contributions, register::persons, Ctx, OpsError, Result};
use chrono::{Duration, NaiveDate};
use serde::Serialize;
use std::io::Write;
use std::path::Path;
use std::time::Instant;
use yanglao_domain::bank::with_luhn_digit;
use yanglao_domain::CitizenId;
use yanglao_store::Db;

/// The name the benchmarks store their policy under (the bundled illustrative file's).
const POLICY_FILE: &str = "shanxi-supplementary.toml";

pub const COUNTIES: [&str; 5] = ["140302", "140303", "140311", "140321", "140322"];
const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "郭", "贾", "梁", "韩", "武", "乔",
];
const GIVEN: &[&str] = &[
    "秀英", "桂兰", "建国", "国强", "丽", "伟", "芳", "军", "红梅", "志刚", "淑珍", "海燕", "俊",
    "玉兰", "文", "晓东",
];
const BANKS: &[&str] = &[
    "中国农业银行",
    "中国邮政储蓄银行",
    "山西农村信用社",
    "中国工商银行",
    "中国建设银行",
];

/// A small deterministic generator (xorshift64*), so a seed always gives the same data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    /// A day from `from` to `to`, both included.
    pub fn date(&mut self, from: NaiveDate, to: NaiveDate) -> NaiveDate {
        let days = (to - from).num_days().max(0) as u64;
        from + Duration::days(self.below(days + 1) as i64)
    }
    /// Shuffles in place (Fisher–Yates).
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            v.swap(i, j);
        }
    }
}

/// The i-th synthetic person's citizen ID (unique for i below 73 million): born 1963–2002.
pub fn citizen_id(i: usize) -> CitizenId {
    let county = COUNTIES[i % COUNTIES.len()];
    let base = NaiveDate::from_ymd_opt(1963, 1, 1).expect("valid");
    let date = base + Duration::days(((i / 5) % 14_600) as i64);
    let seq = (i / 5 / 14_600) % 1000;
    CitizenId::from_body(&format!("{county}{}{seq:03}", date.format("%Y%m%d")))
        .expect("generated ids are valid")
}

pub fn person_name(i: usize) -> String {
    format!(
        "{}{}",
        SURNAMES[i % SURNAMES.len()],
        GIVEN[(i / SURNAMES.len()) % GIVEN.len()]
    )
}

/// Writes a person file of `n` basic-scheme members (CSV, UTF-8).
pub fn write_persons_csv(path: &Path, n: usize) -> std::io::Result<()> {
    let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    writeln!(
        w,
        "身份证号,姓名,县区代码,联系电话,开户银行,银行账号,基本养老保险参保"
    )?;
    for i in 0..n {
        let id = citizen_id(i);
        let account = with_luhn_digit(&format!("622848{:012}", i));
        writeln!(
            w,
            "{},{},{},139{:08},{},{},是",
            id,
            person_name(i),
            &COUNTIES[i % COUNTIES.len()],
            i % 100_000_000,
            BANKS[i % BANKS.len()],
            account
        )?;
    }
    w.flush()
}

/// Writes `n` contributions of `year` for persons 0..n, 82.71% at the lowest tier (CSV, UTF-8).
pub fn write_contributions_csv(path: &Path, n: usize, year: i32, seed: u64) -> std::io::Result<()> {
    let mut rng = Rng::new(seed);
    let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    writeln!(w, "身份证号,姓名,缴费年度,缴费金额(元),缴费日期,票据号")?;
    let start = NaiveDate::from_ymd_opt(year, 3, 1).expect("valid");
    for i in 0..n {
        let r = rng.below(10_000);
        let tier = match r {
            0..=8270 => 200,
            8271..=9300 => 500,
            9301..=9800 => 1000,
            9801..=9950 => 2000,
            _ => 5000,
        };
        let date = start + Duration::days((i % 200) as i64);
        writeln!(
            w,
            "{},{},{year},{tier},{},PJ{year}{:09}",
            citizen_id(i),
            person_name(i),
            date,
            i
        )?;
    }
    w.flush()
}

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

/// The i-th synthetic recipient's citizen ID (unique for i below 36 million): born 1935–1954, so
/// over benefit age when the scheme began.
pub fn recipient_id(i: usize) -> CitizenId {
    let county = COUNTIES[i % COUNTIES.len()];
    let base = NaiveDate::from_ymd_opt(1935, 1, 1).expect("valid");
    let date = base + Duration::days(((i / 5) % 7_300) as i64);
    let seq = (i / 5 / 7_300) % 1000;
    CitizenId::from_body(&format!("{county}{}{seq:03}", date.format("%Y%m%d")))
        .expect("generated ids are valid")
}

/// Puts `n` recipients straight into the register and the awards (bulk, in chunks, to keep memory
/// flat at any N): persons over benefit age at launch, with bank accounts, awarded from the launch
/// month under the transitional rule. For benchmarks and crash tests only — real awards go through
/// `awards run`.
pub fn setup_recipients(
    db: &mut Db,
    policy: &crate::policy::PolicyBook,
    n: usize,
    progress: &dyn Fn(u64, u64),
) -> Result<()> {
    use yanglao_store::Param;
    const CHUNK: usize = 200_000;
    let launch = policy.earliest_date().unwrap_or(NaiveDate::MIN);
    let version = policy.require()?.version;
    let now = yanglao_store::now();
    let mut done = 0;
    while done < n {
        let end = (done + CHUNK).min(n);
        let rows: Vec<(i64, CitizenId, String, String)> = (done..end)
            .map(|i| {
                (
                    i as i64 + 1,
                    recipient_id(i),
                    person_name(i),
                    with_luhn_digit(&format!("622848{:012}", i)),
                )
            })
            .collect();
        db.transaction(|tx| -> Result<()> {
            let first_person = tx.allocate_ids("person", rows.len() as i64)?;
            let first_award = tx.allocate_ids("award", rows.len() as i64)?;
            let mut params = std::collections::BTreeMap::new();
            for c in COUNTIES {
                let sp = policy
                    .supplementary(c, launch)
                    .map_err(|e| OpsError::rule(e.code(), e.to_string()))?;
                params.insert(c, yanglao_policy::monthly_benefit(&sp, 0, 0, false));
            }
            tx.insert_many(
                "persons",
                &crate::register::persons::PERSON_COLUMNS,
                &rows,
                |(i, id, name, account), b| {
                    let k = (*i - 1) as usize;
                    b.extend([
                        Param::Int(first_person + k as i64 - done as i64),
                        Param::Text(COUNTIES[k % 5]),
                        Param::Text(id.as_str()),
                        Param::Text(name),
                        Param::Date(id.birth_date()),
                        Param::Text(id.sex().code()),
                        Param::Null,
                        Param::Text(BANKS[k % BANKS.len()]),
                        Param::Text(account),
                        Param::Bool(true),
                        Param::Null,
                        Param::Timestamp(now),
                    ])
                },
            )?;
            let start = yanglao_domain::Month::of(launch).first_day();
            tx.insert_many(
                "awards",
                &crate::payroll::awards::AWARD_COLUMNS,
                &rows,
                |(i, _, _, _), b| {
                    let k = (*i - 1) as usize;
                    let m = &params[COUNTIES[k % 5]];
                    b.extend([
                        Param::Int(first_award + k as i64 - done as i64),
                        Param::Text(COUNTIES[k % 5]),
                        Param::Int(first_person + k as i64 - done as i64),
                        Param::Date(start),
                        Param::Text("transitional_elderly"),
                        Param::Int(0),
                        Param::Int(0),
                        Param::Int(0),
                        Param::Int(m.exit_subsidy.province_fen),
                        Param::Int(m.exit_subsidy.city_fen),
                        Param::Int(m.exit_subsidy.county_fen),
                        Param::Int(0),
                        Param::Int(0),
                        Param::Int(0),
                        Param::Int(m.total_fen),
                        Param::Date(start),
                        Param::Text("bench"),
                        Param::Timestamp(now),
                        Param::Int(version),
                    ])
                },
            )?;
            Ok(())
        })?;
        done = end;
        progress(done as u64, n as u64);
    }
    // As the imports and awards it stands for do after a large load.
    db.analyze(&["persons", "awards", "person_events", "account_movements"])?;
    Ok(())
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
    crate::payroll::run(
        &mut ctx,
        previous,
        None,
        crate::payroll::Kind::Regular,
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
    let run = crate::payroll::run(
        &mut ctx,
        month,
        None,
        crate::payroll::Kind::Regular,
        &|_, i, total| progress("本月发放（含检查）", i, total),
    )?;
    let payroll_s = t.elapsed().as_secs_f64();
    tracing::info!("发放完毕，内存峰值 {:.0} MiB", peak_rss_mib());

    // The bare insert: as many rows of the same shape into a table without keys, timed right
    // after the run so that both are measured on the machine in the same state (its speed drifts
    // by a fifth from one minute to the next).
    let bare_sql = "CREATE TABLE bench_bare_lines (county TEXT, payroll_id BIGINT, line_no BIGINT, person_id BIGINT, award_id BIGINT,
        month DATE, from_month DATE, to_month DATE, months BIGINT, account_pension_fen BIGINT, account_from_pool_fen BIGINT,
        exit_province_fen BIGINT, exit_city_fen BIGINT, exit_county_fen BIGINT, total_fen BIGINT, bank_name TEXT, bank_account TEXT,
        status TEXT, paid_date DATE, fail_reason TEXT, reissue_of_payroll BIGINT, reissue_of_line BIGINT)";
    ctx.db.batch(bare_sql)?;
    // It starts from the same settled state as the run: the run's writes are written out first.
    ctx.db.checkpoint()?;
    let lines: i64 = run.payrolls.iter().map(|p| p.lines).sum();
    let total_fen: i64 = run.payrolls.iter().map(|p| p.total_fen).sum();
    let bare_insert_s = {
        let rows: Vec<usize> = (0..lines as usize).collect();
        let accounts: Vec<String> = (0..BANKS.len())
            .map(|i| with_luhn_digit(&format!("622848{:012}", i)))
            .collect();
        let d = month.first_day();
        let t = Instant::now();
        ctx.db.transaction(|tx| -> Result<()> {
            use yanglao_store::Param;
            let cols = crate::payroll::LINE_COLUMNS;
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
        t.elapsed().as_secs_f64()
    };

    crate::users::act_as_reviewer_of_all(&mut ctx, "bench-checker")?;
    for p in &run.payrolls {
        crate::payroll::approve(&mut ctx, p.id)?;
    }
    let t = Instant::now();
    for p in &run.payrolls {
        crate::payroll::export::export(&mut ctx, p.id, out_dir, &|i, total| {
            progress("导出", i, total)
        })?;
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
    let dry = crate::deaths::import(
        &mut ctx,
        &Upload::read(&path)?,
        crate::deaths::Source::Police,
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
    let o = crate::deaths::import(
        &mut ctx,
        &Upload::read(&path)?,
        crate::deaths::Source::Police,
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

/// The synthetic city of the evaluation benchmark.
#[derive(Debug, Clone, Serialize)]
pub struct EvaluationCity {
    pub insured: usize,
    pub members: usize,
    pub recipients: usize,
    /// Contributors in each of 2021, 2022, 2023.
    pub contributors: [usize; 3],
    pub payroll_lines: i64,
    pub setup_s: f64,
}

/// Builds a city of `insured` people in a fresh database at `url`, shaped like the report's
/// (2021–2023 contributors 15.17%, 12.23% and 11.73% of the insured, recipients 11.02%, 82.71% of
/// contributors at the lowest tier): the register and contributions through the real imports,
/// recipients with awards, the twelve regular payrolls of 2023 through the real payroll run, then
/// marked paid by the bank on the 10th (one county late in two months), a budget and 1,000 survey
/// questionnaires.
pub fn setup_evaluation_city(
    url: &str,
    policy_source: &str,
    insured: usize,
    dir: &Path,
    progress: &dyn Fn(&str, u64, u64),
) -> Result<(Ctx, EvaluationCity)> {
    use yanglao_domain::Month;
    use yanglao_store::Param;
    let t = Instant::now();
    let recipients = insured * 1102 / 10_000;
    let members = insured - recipients;
    let contributors = [
        insured * 1517 / 10_000,
        insured * 1223 / 10_000,
        insured * 1173 / 10_000,
    ]
    .map(|c| c.min(members));
    let io = |e: std::io::Error| {
        OpsError::rule(
            "E-BENCH-IO",
            format!("无法写入基准测试文件：{}", yanglao_domain::io_error_zh(&e)),
        )
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let mut db = Db::open(url)?;
    db.migrate()?;
    let mut ctx = Ctx::with_policy_source(db, policy_source, POLICY_FILE)?;
    let book = ctx.policy.clone();
    progress("生成领取人员", 0, 1);
    setup_recipients(&mut ctx.db, &book, recipients, &|i, n| {
        progress("生成领取人员", i, n)
    })?;
    progress("导入参保人员", 0, 1);
    let persons_file = dir.join("persons.csv");
    write_persons_csv(&persons_file, members).map_err(io)?;
    let p = persons::import(&mut ctx, &Upload::read(&persons_file)?, false)?;
    if !p.ok() {
        return Err(OpsError::rule(
            "E-BENCH-IMPORT",
            format!("基准测试人员导入失败：{} 条错误", p.errors.len()),
        ));
    }
    for (k, year) in (2021..=2023).enumerate() {
        progress("导入缴费", k as u64, 3);
        let f = dir.join(format!("contributions-{year}.csv"));
        write_contributions_csv(&f, contributors[k], year, 7 + k as u64).map_err(io)?;
        let c = contributions::import(&mut ctx, &Upload::read(&f)?, false)?;
        if !c.ok() {
            return Err(OpsError::rule(
                "E-BENCH-IMPORT",
                format!("基准测试 {year} 年缴费导入失败：{} 条错误", c.errors.len()),
            ));
        }
    }
    for m in 1..=12u32 {
        progress("生成 2023 年各月发放", u64::from(m) - 1, 12);
        let month = Month::parse(&format!("2023-{m:02}")).expect("valid");
        crate::payroll::run(
            &mut ctx,
            month,
            None,
            crate::payroll::Kind::Regular,
            &|_, _, _| {},
        )?;
        // The bank pays on the 10th; 矿区 is late in March and July.
        ctx.db.transaction(|tx| -> Result<()> {
            for c in COUNTIES {
                let late = c == "140303" && (m == 3 || m == 7);
                let paid = NaiveDate::from_ymd_opt(2023, m, if late { 18 } else { 10 }).expect("valid");
                tx.exec(
                    "UPDATE payroll_lines SET status = 'paid', paid_date = $1 WHERE county = $2 AND payroll_id IN (SELECT payroll_id FROM payrolls WHERE county = $2 AND month = $3)",
                    &[Param::Date(paid), Param::Text(c), Param::Date(month.first_day())],
                )?;
                tx.exec(
                    "UPDATE payrolls SET status = 'paid', approved_by = 'bench-checker', paid_date = $1 WHERE county = $2 AND month = $3",
                    &[Param::Date(paid), Param::Text(c), Param::Date(month.first_day())],
                )?;
            }
            Ok(())
        })?;
    }
    progress("预算与问卷", 0, 1);
    let budget = dir.join("budget.csv");
    std::fs::write(
        &budget,
        "年度,级次,类别,金额(元)\n2023,省级,出口补,14222000\n2023,市级,入口补,2168400\n2023,市级,出口补,4167200\n2023,县级,政府代缴,6330000\n2023,县级,入口补,6413200\n2023,县级,出口补,12042800\n",
    )
    .map_err(io)?;
    crate::books::budget::import_budget(&mut ctx, &Upload::read(&budget)?, false)?;
    let mut rng = Rng::new(11);
    let mut s = String::from("问卷编号,年度,县区代码,受访者类型,是否知晓政策,满意度\n");
    for i in 0..1000 {
        let who = if i % 2 == 0 {
            "参保缴费人员"
        } else {
            "待遇领取人员"
        };
        let aware = if rng.below(10_000) < 7964 {
            "是"
        } else {
            "否"
        };
        let sat = if rng.below(10_000) < 8700 {
            "满意"
        } else {
            "一般"
        };
        s.push_str(&format!(
            "Q{i:05},2023,{},{who},{aware},{sat}\n",
            COUNTIES[i % 5]
        ));
    }
    let survey = dir.join("survey.csv");
    std::fs::write(&survey, s).map_err(io)?;
    crate::evaluation::survey::import(&mut ctx, &Upload::read(&survey)?, false)?;
    let payroll_lines = ctx.db.transaction(|tx| -> Result<i64> {
        Ok(tx.scalar_i64("SELECT COUNT(*) FROM payroll_lines", &[])?)
    })?;
    Ok((
        ctx,
        EvaluationCity {
            insured,
            members,
            recipients,
            contributors,
            payroll_lines,
            setup_s: t.elapsed().as_secs_f64(),
        },
    ))
}
