//! The kill campaign: SIGKILLs the release `yanglao` binary at random (seeded) moments of three
//! jobs — a contribution import of N rows, a payroll run over N recipients and the bank-return
//! import of that payroll's bank files — on SQLite and PostgreSQL, and checks after every kill
//! that `ledger verify` passes, that the job's work is wholly there or wholly absent (for the
//! payroll: each county's), that no line is paid twice, and that the books equal a clean run's
//! whenever the job is whole. After the last kill it finishes the job, compares the books with the
//! clean run's once more and runs the job again, which must change nothing.
//!
//! ```sh
//! nice cargo build --release -p yanglao --bins --examples
//! YANGLAO_TEST_PG_URL=postgres://postgres@127.0.0.1:5432/test \
//!   nice target/release/examples/kill_campaign --rows 1000000 --kills 20 --seed 2026
//! ```
//!
//! Options: `--rows N` (1,000,000), `--kills K` (20), `--seed S` (from the clock; printed),
//! `--backends sqlite,postgres` (PostgreSQL only when `YANGLAO_TEST_PG_URL` is set),
//! `--jobs contributions,payroll,return`, `--dir D` (the files and the SQLite databases; a
//! directory under the system's temporary one), `--bin PATH` (the `yanglao` beside
//! `target/release/examples/`). Each kill starts from the state the previous one left; once the
//! job is whole the database is put back to the job's starting state (a copy of the SQLite file,
//! a PostgreSQL database made from a template). Exits 1 if any check failed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use yanglao_store::{pg_url_with_database, Db, StoreError};
use yanglao_testdata::Rng;

const MONTH: &str = "2023-01";
const PAID_ON: &str = "2023-01-10";
/// Kill moments are drawn uniformly from 0 to this share of the job's expected wall time, so that
/// a few land after the job's commit or after the process ended.
const SPREAD: f64 = 1.15;

type Books = BTreeMap<String, i64>;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Job {
    Contributions,
    Payroll,
    Return,
}

impl Job {
    fn name(self) -> &'static str {
        match self {
            Job::Contributions => "contributions",
            Job::Payroll => "payroll",
            Job::Return => "return",
        }
    }
    /// How many parts the job commits separately (a payroll run commits county by county).
    fn parts(self) -> i64 {
        match self {
            Job::Payroll => yanglao_testdata::COUNTIES.len() as i64,
            _ => 1,
        }
    }
}

struct Opts {
    rows: usize,
    kills: usize,
    seed: u64,
    backends: Vec<String>,
    jobs: Vec<Job>,
    dir: PathBuf,
    bin: PathBuf,
    pg: Option<String>,
}

fn opts() -> Opts {
    let mut o = Opts {
        rows: 1_000_000,
        kills: 20,
        seed: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_secs()),
        backends: vec!["sqlite".into(), "postgres".into()],
        jobs: vec![Job::Contributions, Job::Payroll, Job::Return],
        dir: std::env::temp_dir().join("yanglao-kill-campaign"),
        bin: std::env::current_exe()
            .ok()
            .and_then(|p| Some(p.parent()?.parent()?.join("yanglao")))
            .unwrap_or_else(|| PathBuf::from("target/release/yanglao")),
        pg: std::env::var("YANGLAO_TEST_PG_URL")
            .ok()
            .filter(|u| !u.is_empty()),
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut v = || it.next().cloned().unwrap_or_else(|| usage(a));
        match a.as_str() {
            "--rows" => o.rows = v().parse().unwrap_or_else(|_| usage(a)),
            "--kills" => o.kills = v().parse().unwrap_or_else(|_| usage(a)),
            "--seed" => o.seed = v().parse().unwrap_or_else(|_| usage(a)),
            "--dir" => o.dir = PathBuf::from(v()),
            "--bin" => o.bin = PathBuf::from(v()),
            "--backends" => o.backends = v().split(',').map(str::to_string).collect(),
            "--jobs" => {
                o.jobs = v()
                    .split(',')
                    .map(|j| match j {
                        "contributions" => Job::Contributions,
                        "payroll" => Job::Payroll,
                        "return" => Job::Return,
                        _ => usage(a),
                    })
                    .collect()
            }
            _ => usage(a),
        }
    }
    if o.pg.is_none() {
        o.backends.retain(|b| b != "postgres");
        eprintln!("YANGLAO_TEST_PG_URL 未设置：只测 SQLite / PostgreSQL skipped");
    }
    o
}

fn usage(at: &str) -> ! {
    eprintln!("bad argument at {at}; see the head of crates/yanglao/examples/kill_campaign.rs");
    std::process::exit(2)
}

/// The database a campaign works on, with the snapshot of the job's starting state.
struct Target {
    backend: String,
    url: String,
    /// SQLite: the work file and the snapshot file. PostgreSQL: the admin URL and database names.
    sqlite: Option<(PathBuf, PathBuf)>,
    pg: Option<(String, String, String)>,
}

impl Target {
    fn new(backend: &str, o: &Opts) -> Target {
        match backend {
            "sqlite" => {
                let dir = o.dir.join("sqlite");
                std::fs::create_dir_all(&dir).unwrap();
                let work = dir.join("work.db");
                remove_sqlite(&work);
                Target {
                    backend: backend.into(),
                    url: format!("sqlite://{}", work.display()),
                    sqlite: Some((work, dir.join("base.db"))),
                    pg: None,
                }
            }
            "postgres" => {
                let admin = o.pg.clone().expect("PostgreSQL URL");
                let work = format!("yanglao_kill_work_{}", std::process::id());
                let base = format!("yanglao_kill_base_{}", std::process::id());
                admin_sql(
                    &admin,
                    &[
                        format!("DROP DATABASE IF EXISTS {work} WITH (FORCE)"),
                        format!("CREATE DATABASE {work}"),
                    ],
                );
                Target {
                    backend: backend.into(),
                    url: pg_url_with_database(&admin, &work),
                    sqlite: None,
                    pg: Some((admin, work, base)),
                }
            }
            other => usage(other),
        }
    }

    /// Waits until no other session works on the database: a killed client's server process
    /// may still be finishing its statement (or committing a COMMIT it had sent) for a moment.
    fn settle(&self) {
        let Some((admin, work, _)) = &self.pg else {
            return;
        };
        let mut a = Db::open(admin).unwrap();
        for _ in 0..600 {
            let n = a
                .read_transaction(|tx| {
                    tx.scalar_i64(
                        &format!("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = '{work}' AND pid <> pg_backend_pid()"),
                        &[],
                    )
                })
                .unwrap_or(0);
            if n == 0 {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("[{}] sessions still open 60 s after a kill", self.backend);
    }

    /// Keeps the current state as the job's starting state.
    fn snapshot(&self) {
        self.settle();
        if let Some((work, base)) = &self.sqlite {
            remove_sqlite(base);
            copy_sqlite(work, base);
        }
        if let Some((admin, work, base)) = &self.pg {
            admin_sql(
                admin,
                &[
                    format!("DROP DATABASE IF EXISTS {base} WITH (FORCE)"),
                    format!("CREATE DATABASE {base} TEMPLATE {work}"),
                ],
            );
        }
    }

    /// Puts the database back to the job's starting state.
    fn restore(&self) {
        self.settle();
        if let Some((work, base)) = &self.sqlite {
            remove_sqlite(work);
            copy_sqlite(base, work);
        }
        if let Some((admin, work, base)) = &self.pg {
            admin_sql(
                admin,
                &[
                    format!("DROP DATABASE IF EXISTS {work} WITH (FORCE)"),
                    format!("CREATE DATABASE {work} TEMPLATE {base}"),
                ],
            );
        }
    }

    fn drop_all(&self) {
        if let Some((admin, work, base)) = &self.pg {
            admin_sql(
                admin,
                &[
                    format!("DROP DATABASE IF EXISTS {work} WITH (FORCE)"),
                    format!("DROP DATABASE IF EXISTS {base} WITH (FORCE)"),
                ],
            );
        }
        if let Some((work, base)) = &self.sqlite {
            remove_sqlite(work);
            remove_sqlite(base);
        }
    }

    /// One integer from the database.
    fn int(&self, sql: &str) -> i64 {
        Db::open(&self.url)
            .unwrap()
            .read_transaction(|tx| tx.scalar_i64(sql, &[]))
            .unwrap_or_else(|e| panic!("[{}] {sql}: {e}", self.backend))
    }

    /// Rows of (text, integer).
    fn pairs(&self, sql: &str) -> Vec<(String, i64)> {
        Db::open(&self.url)
            .unwrap()
            .read_transaction(|tx| -> Result<_, StoreError> {
                tx.query(sql, &[])?
                    .iter()
                    .map(|r| Ok((r.str(0)?, r.i64(1)?)))
                    .collect()
            })
            .unwrap_or_else(|e| panic!("[{}] {sql}: {e}", self.backend))
    }

    /// What the comparison with a clean run looks at: every account's balance by county, and
    /// the row counts and sums of the tables the three jobs write.
    fn books(&self) -> Books {
        let mut b = Books::new();
        for (k, v) in self.pairs(
            "SELECT county || ' ' || account, CAST(SUM(amount_fen) AS BIGINT) FROM journal_lines GROUP BY county, account",
        ) {
            b.insert(format!("balance {k}"), v);
        }
        for (k, v) in self.pairs(
            "SELECT county || ' ' || status, CAST(SUM(total_fen) AS BIGINT) FROM payroll_lines GROUP BY county, status",
        ) {
            b.insert(format!("payroll fen {k}"), v);
        }
        for (k, v) in self
            .pairs("SELECT county || ' ' || status, COUNT(*) FROM payrolls GROUP BY county, status")
        {
            b.insert(format!("payrolls {k}"), v);
        }
        for t in [
            "persons",
            "journal_entries",
            "journal_lines",
            "account_movements",
            "imports",
            "payroll_lines",
        ] {
            b.insert(
                format!("rows {t}"),
                self.int(&format!("SELECT COUNT(*) FROM {t}")),
            );
        }
        b.insert(
            "sub-ledger fen".into(),
            self.int(
                "SELECT COALESCE(CAST(SUM(personal_fen + subsidy_province_fen + subsidy_city_fen + subsidy_county_fen + gov_paid_fen + interest_fen) AS BIGINT), 0) FROM account_movements",
            ),
        );
        b
    }
}

/// Statements one by one on the PostgreSQL server (each its own transaction, as `CREATE
/// DATABASE` needs).
fn admin_sql(admin: &str, statements: &[String]) {
    let mut a = Db::open(admin).expect("PostgreSQL server");
    for s in statements {
        a.batch(s).unwrap_or_else(|e| panic!("{s}: {e}"));
    }
}

fn remove_sqlite(p: &Path) {
    for s in ["", "-wal", "-shm", "-journal"] {
        let _ = std::fs::remove_file(format!("{}{s}", p.display()));
    }
}

fn copy_sqlite(from: &Path, to: &Path) {
    for s in ["", "-wal"] {
        let f = PathBuf::from(format!("{}{s}", from.display()));
        if f.exists() {
            std::fs::copy(&f, format!("{}{s}", to.display())).unwrap();
        }
    }
}

/// Runs `yanglao --db URL --json ARGS…` to the end; panics unless it succeeds.
fn run(t: &Target, bin: &Path, args: &[&str]) -> (serde_json::Value, f64) {
    let start = Instant::now();
    let o = Command::new(bin)
        .args(["--db", &t.url, "--json"])
        .args(args)
        .env("YANGLAO_USER", "campaign")
        .output()
        .expect("run yanglao");
    let secs = start.elapsed().as_secs_f64();
    assert!(
        o.status.success(),
        "[{}] yanglao {args:?} failed:\n{}\n{}",
        t.backend,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (
        serde_json::from_slice(&o.stdout).unwrap_or(serde_json::Value::Null),
        secs,
    )
}

/// Runs the job and SIGKILLs it after `delay`; the moment it ended if it ended before.
fn kill_after(t: &Target, bin: &Path, args: &[&str], delay: Duration) -> Option<Duration> {
    let mut child = Command::new(bin)
        .args(["--db", &t.url, "--json"])
        .args(args)
        .env("YANGLAO_USER", "campaign")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start yanglao");
    let start = Instant::now();
    let mut ended = None;
    while start.elapsed() < delay {
        if child.try_wait().unwrap().is_some() {
            ended = Some(start.elapsed());
            break;
        }
        std::thread::sleep(Duration::from_millis(5).min(delay.saturating_sub(start.elapsed())));
    }
    child.kill().ok(); // SIGKILL
    child.wait().unwrap();
    t.settle();
    ended
}

/// The job's arguments.
struct Files {
    persons: PathBuf,
    contributions: PathBuf,
    ret: PathBuf,
}

fn job_args(job: Job, f: &Files) -> Vec<String> {
    match job {
        Job::Contributions => vec![
            "import".into(),
            "contributions".into(),
            f.contributions.display().to_string(),
        ],
        Job::Payroll => vec![
            "payroll".into(),
            "run".into(),
            "--month".into(),
            MONTH.into(),
        ],
        Job::Return => vec![
            "import".into(),
            "bank-return".into(),
            f.ret.display().to_string(),
        ],
    }
}

/// How many of the job's parts are committed, after checking that each is whole and nothing is
/// paid twice. `Err` lists what failed.
fn parts_done(t: &Target, job: Job, rows: i64, clean: &Books) -> Result<i64, Vec<String>> {
    let mut bad = Vec::new();
    let mut check = |ok: bool, what: String| {
        if !ok {
            bad.push(what)
        }
    };
    let done = match job {
        Job::Contributions => {
            let imports = t.int("SELECT COUNT(*) FROM imports WHERE kind = 'contributions'");
            let n = t.int("SELECT COUNT(*) FROM contributions");
            let receipts = t.int("SELECT COUNT(DISTINCT receipt_no) FROM contributions");
            check(
                (imports, n) == (0, 0) || (imports, n) == (1, rows),
                format!("{imports} imports with {n} of {rows} contributions"),
            );
            check(
                receipts == n,
                format!("{n} contributions, {receipts} receipts"),
            );
            imports
        }
        Job::Payroll => {
            let broken = t.int(
                "SELECT COUNT(*) FROM payrolls p WHERE p.line_count <> (SELECT COUNT(*) FROM payroll_lines l WHERE l.county = p.county AND l.payroll_id = p.payroll_id)
                    OR p.total_fen <> (SELECT COALESCE(SUM(l.total_fen), 0) FROM payroll_lines l WHERE l.county = p.county AND l.payroll_id = p.payroll_id)",
            );
            check(
                broken == 0,
                format!("{broken} payrolls disagree with their lines"),
            );
            let orphans = t.int("SELECT COUNT(*) FROM payroll_lines l WHERE NOT EXISTS (SELECT 1 FROM payrolls p WHERE p.county = l.county AND p.payroll_id = l.payroll_id)");
            check(orphans == 0, format!("{orphans} lines without a payroll"));
            let twice = t.int(&format!(
                "SELECT COUNT(*) FROM (SELECT person_id FROM payroll_lines WHERE month = '{MONTH}-01' GROUP BY person_id HAVING COUNT(*) > 1) x"
            ));
            check(
                twice == 0,
                format!("{twice} recipients with two lines in {MONTH}"),
            );
            let per_county = t
                .pairs("SELECT county, COUNT(*) FROM payrolls GROUP BY county HAVING COUNT(*) > 1");
            check(
                per_county.is_empty(),
                format!("counties with two payrolls: {per_county:?}"),
            );
            // Every county's payroll that is there equals the clean run's.
            for (county, fen) in t.pairs(
                "SELECT county, CAST(SUM(total_fen) AS BIGINT) FROM payroll_lines GROUP BY county",
            ) {
                let want = clean.get(&format!("payroll fen {county} pending"));
                check(
                    want == Some(&fen),
                    format!("county {county}: {fen} fen, clean run {want:?}"),
                );
            }
            t.int("SELECT COUNT(*) FROM payrolls")
        }
        Job::Return => {
            let imports = t.int("SELECT COUNT(*) FROM imports WHERE kind = 'bank-return'");
            let paid = t.int("SELECT COUNT(*) FROM payroll_lines WHERE status = 'paid'");
            let paid_payrolls = t.int("SELECT COUNT(*) FROM payrolls WHERE status = 'paid'");
            let entries =
                t.int("SELECT COUNT(*) FROM journal_entries WHERE kind = 'benefit_payment'");
            let counties = Job::Payroll.parts();
            check(
                (imports, paid, paid_payrolls, entries) == (0, 0, 0, 0)
                    || (imports, paid, paid_payrolls, entries) == (1, rows, counties, counties),
                format!("{imports} returns, {paid} of {rows} lines paid, {paid_payrolls} payrolls paid, {entries} payment entries"),
            );
            let bank_out = t.int(
                "SELECT COALESCE(CAST(-SUM(l.amount_fen) AS BIGINT), 0) FROM journal_lines l JOIN journal_entries e ON e.county = l.county AND e.entry_id = l.entry_id
                 WHERE e.kind = 'benefit_payment' AND l.account = 'bank'",
            );
            let paid_fen = t.int(
                "SELECT COALESCE(CAST(SUM(total_fen) AS BIGINT), 0) FROM payroll_lines WHERE status = 'paid'",
            );
            check(
                bank_out == paid_fen,
                format!("the bank paid {bank_out} fen for {paid_fen} fen of paid lines"),
            );
            let twice = t.pairs(
                "SELECT county, COUNT(*) FROM journal_entries WHERE kind = 'benefit_payment' GROUP BY county HAVING COUNT(*) > 1",
            );
            check(twice.is_empty(), format!("counties paid twice: {twice:?}"));
            imports
        }
    };
    if bad.is_empty() {
        Ok(done)
    } else {
        Err(bad)
    }
}

/// `ledger verify` through the binary: true if it passes; and its wall time.
fn verify(t: &Target, bin: &Path) -> (bool, f64) {
    let start = Instant::now();
    let o = Command::new(bin)
        .args(["--db", &t.url, "--json", "ledger", "verify"])
        .output()
        .expect("run yanglao");
    let ok = o.status.success()
        && serde_json::from_slice::<serde_json::Value>(&o.stdout)
            .is_ok_and(|v| v["ok"] == serde_json::Value::Bool(true));
    (ok, start.elapsed().as_secs_f64())
}

fn diff(a: &Books, b: &Books) -> Vec<String> {
    let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| format!("{k}: {:?} (clean run {:?})", a.get(k), b.get(k)))
        .collect()
}

#[derive(Default)]
struct Tally {
    kills: usize,
    mid_nothing: usize,
    mid_partial: usize,
    after_commit: usize,
    after_exit: usize,
    failures: Vec<String>,
    clean_s: f64,
    verify_s: f64,
    wall_s: f64,
}

/// The writes a bank return needs: the month's payrolls run, approved and exported, and one
/// return for all their bank files, every payment paid.
fn prepare_return(t: &Target, bin: &Path, dir: &Path) -> PathBuf {
    let (run_out, _) = run(t, bin, &["payroll", "run", "--month", MONTH]);
    // The payrolls are approved by a reviewer account other than their maker (the system).
    run(
        t,
        bin,
        &[
            "users",
            "add",
            "checker",
            "--role",
            "审核员",
            "--county",
            "140302,140303,140311,140321,140322",
        ],
    );
    let mut text = String::from("批次号,序号,身份证号,银行账号,金额(元),结果,失败原因,入账日期\n");
    for p in run_out["payrolls"].as_array().expect("payrolls") {
        let id = p["id"].as_i64().expect("id").to_string();
        run(t, bin, &["--by", "checker", "payroll", "approve", &id]);
        let out = dir.join(format!("export-{}-{id}", t.backend));
        let _ = std::fs::remove_dir_all(&out);
        let (e, _) = run(
            t,
            bin,
            &["payroll", "export", &id, "--out", out.to_str().unwrap()],
        );
        for f in e["files"].as_array().expect("files") {
            let f = f.as_str().unwrap();
            if !f.contains("银行代发") {
                continue;
            }
            let bytes = std::fs::read(f).unwrap();
            let (decoded, _, _) = encoding_rs::GB18030.decode(&bytes);
            for line in decoded.lines().skip(1).filter(|l| !l.starts_with("合计")) {
                let c: Vec<&str> = line.split(',').collect();
                text.push_str(&format!(
                    "{},{},{},{},{},成功,,{PAID_ON}\n",
                    c[0], c[1], c[2], c[4], c[5]
                ));
            }
        }
        let _ = std::fs::remove_dir_all(&out);
    }
    let path = dir.join(format!("return-{}.csv", t.backend));
    std::fs::write(&path, text).unwrap();
    path
}

fn campaign(t: &Target, job: Job, o: &Opts, files: &Files, rng: &mut Rng) -> Tally {
    let start = Instant::now();
    let mut tally = Tally::default();
    let args_owned = job_args(job, files);
    let args: Vec<&str> = args_owned.iter().map(String::as_str).collect();
    let rows = o.rows as i64;
    t.snapshot();
    let base = t.books();
    let (_, clean_s) = run(t, &o.bin, &args);
    let clean = t.books();
    tally.clean_s = clean_s;
    t.restore();
    println!("[{}] {}: clean run {clean_s:.1} s", t.backend, job.name());
    // The window kills are drawn from follows the job's latest whole duration: the clean run's,
    // then that of any run from the start that ended before its kill (this machine's speed moves
    // with its load, and a window set on a loaded minute sends later kills past the end).
    let mut expected_s = clean_s;
    let mut done_before = 0;
    for k in 1..=o.kills {
        let window_s = expected_s * SPREAD;
        let delay = Duration::from_millis(rng.below((window_s * 1000.0) as u64));
        let ended = kill_after(t, &o.bin, &args, delay);
        let finished = ended.is_some();
        if let (Some(e), 0) = (ended, done_before) {
            expected_s = e.as_secs_f64();
        }
        let (ok, verify_s) = verify(t, &o.bin);
        tally.verify_s += verify_s;
        tally.kills += 1;
        let mut failed = Vec::new();
        if !ok {
            failed.push("ledger verify failed".to_string());
        }
        let done = match parts_done(t, job, rows, &clean) {
            Ok(d) => d,
            Err(e) => {
                failed.extend(e);
                -1
            }
        };
        let books = t.books();
        if done == 0 && books != base {
            failed.extend(
                diff(&books, &base)
                    .into_iter()
                    .map(|d| format!("not like the start: {d}")),
            );
        }
        if done == job.parts() {
            failed.extend(diff(&books, &clean));
        }
        let landed = if finished {
            tally.after_exit += 1;
            "after the process ended"
        } else if done == job.parts() {
            tally.after_commit += 1;
            "after the commit"
        } else if done > done_before {
            tally.mid_partial += 1;
            "mid-job, after some counties' commits"
        } else {
            tally.mid_nothing += 1;
            "mid-job, before this run committed anything"
        };
        let result = if failed.is_empty() {
            "ok".to_string()
        } else {
            format!("FAILED: {}", failed.join("; "))
        };
        println!(
            "[{}] {} kill {k}/{}: at {:.2} s (window 0–{window_s:.1} s), {landed}, parts {done_before}→{done} of {}; verify {verify_s:.1} s; {result}",
            t.backend,
            job.name(),
            o.kills,
            delay.as_secs_f64(),
            job.parts()
        );
        for f in &failed {
            tally
                .failures
                .push(format!("{} {} kill {k}: {f}", t.backend, job.name()));
        }
        done_before = done;
        if done == job.parts() || !failed.is_empty() {
            t.restore();
            done_before = 0;
        }
    }
    // Finish the job from where the last kill left it; then once more, which changes nothing.
    run(t, &o.bin, &args);
    let finished = t.books();
    let again = run(t, &o.bin, &args).0;
    let after_again = t.books();
    let (ok, _) = verify(t, &o.bin);
    let mut end = diff(&finished, &clean);
    end.extend(
        diff(&after_again, &clean)
            .into_iter()
            .map(|d| format!("after running it again: {d}")),
    );
    if !ok {
        end.push("ledger verify failed after finishing".into());
    }
    if job != Job::Payroll && again["already_imported"] != serde_json::Value::Bool(true) {
        end.push("the second import was not recognised as already imported".into());
    }
    if let Err(e) = parts_done(t, job, rows, &clean) {
        end.extend(e);
    }
    println!(
        "[{}] {}: finished after the kills: {}",
        t.backend,
        job.name(),
        if end.is_empty() {
            "books equal the clean run's; running it again changed nothing".to_string()
        } else {
            format!("FAILED: {}", end.join("; "))
        }
    );
    tally.failures.extend(
        end.into_iter()
            .map(|f| format!("{} {} finish: {f}", t.backend, job.name())),
    );
    tally.wall_s = start.elapsed().as_secs_f64();
    tally
}

fn main() {
    let o = opts();
    println!(
        "kill campaign: seed {}, {} rows, {} kills per job and backend, backends {:?}, binary {}",
        o.seed,
        o.rows,
        o.kills,
        o.backends,
        o.bin.display()
    );
    assert!(o.bin.exists(), "no binary at {}", o.bin.display());
    std::fs::create_dir_all(&o.dir).unwrap();
    let files = Files {
        persons: o.dir.join("persons.csv"),
        contributions: o.dir.join("contributions.csv"),
        ret: PathBuf::new(),
    };
    let t0 = Instant::now();
    yanglao_testdata::write_persons_csv(&files.persons, o.rows).unwrap();
    yanglao_testdata::write_contributions_csv(&files.contributions, o.rows, 2023, 7).unwrap();
    println!(
        "files of {} rows written in {:.1} s",
        o.rows,
        t0.elapsed().as_secs_f64()
    );
    let mut rng = Rng::new(o.seed);
    let mut results: Vec<(String, Job, Tally)> = Vec::new();
    let started = Instant::now();
    for backend in &o.backends {
        let t = Target::new(backend, &o);
        run(&t, &o.bin, &["init", "--illustrative-policy"]);
        let mut files = Files {
            persons: files.persons.clone(),
            contributions: files.contributions.clone(),
            ret: PathBuf::new(),
        };
        if o.jobs.contains(&Job::Contributions) {
            let s = Instant::now();
            run(
                &t,
                &o.bin,
                &["import", "persons", files.persons.to_str().unwrap()],
            );
            println!(
                "[{backend}] persons imported in {:.1} s",
                s.elapsed().as_secs_f64()
            );
            let tally = campaign(&t, Job::Contributions, &o, &files, &mut rng);
            results.push((backend.clone(), Job::Contributions, tally));
        }
        if o.jobs.contains(&Job::Payroll) || o.jobs.contains(&Job::Return) {
            // A fresh database for the recipients.
            t.drop_all();
            let t2 = Target::new(backend, &o);
            run(&t2, &o.bin, &["init", "--illustrative-policy"]);
            let s = Instant::now();
            run(
                &t2,
                &o.bin,
                &["bench", "recipients", "--count", &o.rows.to_string()],
            );
            println!(
                "[{backend}] recipients set up in {:.1} s",
                s.elapsed().as_secs_f64()
            );
            if o.jobs.contains(&Job::Payroll) {
                let tally = campaign(&t2, Job::Payroll, &o, &files, &mut rng);
                results.push((backend.clone(), Job::Payroll, tally));
                // Back to the recipients without a payroll, for the return's set-up.
                t2.restore();
            }
            if o.jobs.contains(&Job::Return) {
                let s = Instant::now();
                files.ret = prepare_return(&t2, &o.bin, &o.dir);
                println!(
                    "[{backend}] payrolls run, approved and exported, return written in {:.1} s",
                    s.elapsed().as_secs_f64()
                );
                let tally = campaign(&t2, Job::Return, &o, &files, &mut rng);
                results.push((backend.clone(), Job::Return, tally));
            }
            t2.drop_all();
        } else {
            t.drop_all();
        }
    }
    println!();
    println!(
        "seed {}, {} rows; total {:.0} s",
        o.seed,
        o.rows,
        started.elapsed().as_secs_f64()
    );
    println!("| backend | job | kills | mid-job, nothing committed | mid-job, some counties committed | after the last commit | after the process ended | failures | clean run s | verify s (mean) | campaign s |");
    println!("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    let mut failures = 0;
    for (b, j, t) in &results {
        println!(
            "| {b} | {} | {} | {} | {} | {} | {} | {} | {:.1} | {:.1} | {:.0} |",
            j.name(),
            t.kills,
            t.mid_nothing,
            t.mid_partial,
            t.after_commit,
            t.after_exit,
            t.failures.len(),
            t.clean_s,
            t.verify_s / t.kills.max(1) as f64,
            t.wall_s
        );
        failures += t.failures.len();
    }
    for (_, _, t) in &results {
        for f in &t.failures {
            println!("FAILURE {f}");
        }
    }
    std::process::exit(if failures == 0 { 0 } else { 1 });
}
