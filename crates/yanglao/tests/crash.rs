//! Crash safety: killing `payroll run` (SIGKILL) at any moment leaves, for each county, either no
//! payroll or a complete draft, and the next run finishes the job. On SQLite and PostgreSQL.

mod common;

use common::*;
use std::process::Command;
use std::time::Duration;

const RECIPIENTS: usize = 60_000;

/// Runs `yanglao --db URL ARGS…` and SIGKILLs it after `delay_ms`; true if it had finished.
fn kill_after(db: &TestDb, args: &[&str], delay_ms: u64) -> bool {
    let mut child = Command::new(env!("CARGO_BIN_EXE_yanglao"))
        .args(["--db", &db.url])
        .args(args)
        .current_dir(db.dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(delay_ms));
    let finished = child.try_wait().unwrap().is_some();
    child.kill().ok(); // SIGKILL
    child.wait().unwrap();
    finished
}

/// Every payroll is whole: its header agrees with its lines, and no line lacks its payroll.
fn assert_consistent(db: &TestDb) -> i64 {
    let payrolls = db.count("SELECT COUNT(*) FROM payrolls");
    let broken = db.count(
        "SELECT COUNT(*) FROM payrolls p WHERE p.line_count <> (SELECT COUNT(*) FROM payroll_lines l WHERE l.payroll_id = p.payroll_id)
            OR p.total_fen <> (SELECT COALESCE(SUM(l.total_fen), 0) FROM payroll_lines l WHERE l.payroll_id = p.payroll_id)",
    );
    assert_eq!(
        broken, 0,
        "[{}] a payroll disagrees with its lines",
        db.label
    );
    let orphans = db.count("SELECT COUNT(*) FROM payroll_lines l WHERE NOT EXISTS (SELECT 1 FROM payrolls p WHERE p.payroll_id = l.payroll_id)");
    assert_eq!(orphans, 0, "[{}] lines without a payroll", db.label);
    assert!(payrolls <= 5);
    payrolls
}

#[test]
fn killing_a_payroll_run_leaves_no_payroll_or_a_complete_one() {
    for db in backends("crash") {
        db.ok_json(&["bench", "recipients", "--count", &RECIPIENTS.to_string()]);
        let mut interrupted = 0;
        for delay_ms in [40u64, 120, 250, 400, 650, 900] {
            let finished = kill_after(
                &db,
                &[
                    "--by", "maker", "payroll", "run", "--month", "2023-01", "--json",
                ],
                delay_ms,
            );
            let n = assert_consistent(&db);
            if !finished && n < 5 {
                interrupted += 1;
            }
        }
        assert!(
            interrupted > 0,
            "[{}] no kill landed inside a run: the test proves nothing",
            db.label
        );
        // The next run finishes the job, and a second one changes nothing.
        db.ok_json(&["--by", "maker", "payroll", "run", "--month", "2023-01"]);
        assert_eq!(assert_consistent(&db), 5);
        assert_eq!(
            db.count("SELECT COUNT(*) FROM payroll_lines"),
            RECIPIENTS as i64
        );
        assert_eq!(
            db.count("SELECT CAST(SUM(total_fen) AS BIGINT) FROM payroll_lines"),
            RECIPIENTS as i64 * 25 * 2000
        );
        db.ok_json(&["--by", "maker", "payroll", "run", "--month", "2023-01"]);
        assert_eq!(
            db.count("SELECT COUNT(*) FROM payroll_lines"),
            RECIPIENTS as i64
        );
        assert_eq!(db.ok_json(&["ledger", "verify"])["ok"], true);
    }
}

/// The books' totals by account, to compare a killed-then-finished import with a clean one.
fn totals(db: &TestDb) -> Vec<(String, i64)> {
    let mut d = db.db();
    d.transaction(|tx| {
        tx.query(
            "SELECT account, CAST(SUM(amount_fen) AS BIGINT) FROM journal_lines GROUP BY account ORDER BY account",
            &[],
        )
    })
    .unwrap()
    .iter()
    .map(|r| (r.str(0).unwrap(), r.i64(1).unwrap()))
    .collect()
}

#[test]
fn killing_a_contribution_import_leaves_it_wholly_there_or_wholly_absent() {
    const ROWS: usize = 20_000;
    for db in backends("crash-import") {
        let persons = db.dir.path().join("persons.csv");
        let contributions = db.dir.path().join("contributions.csv");
        yanglao_ops::bench::write_persons_csv(&persons, ROWS).unwrap();
        yanglao_ops::bench::write_contributions_csv(&contributions, ROWS, 2023, 7).unwrap();
        db.ok_json(&["import", "persons", persons.to_str().unwrap()]);
        let mut interrupted = 0;
        for delay_ms in [30u64, 90, 180, 300, 500, 800] {
            let finished = kill_after(
                &db,
                &["import", "contributions", contributions.to_str().unwrap()],
                delay_ms,
            );
            let n = db.count("SELECT COUNT(*) FROM contributions");
            assert!(
                n == 0 || n == ROWS as i64,
                "[{}] {n} of {ROWS} rows after a kill",
                db.label
            );
            assert_eq!(
                db.ok_json(&["ledger", "verify"])["ok"],
                true,
                "[{}]",
                db.label
            );
            if !finished && n == 0 {
                interrupted += 1;
            }
        }
        assert!(
            interrupted > 0,
            "[{}] no kill landed inside an import",
            db.label
        );
        // Finishing the job gives the books of a clean run, and a second import changes nothing.
        db.ok_json(&["import", "contributions", contributions.to_str().unwrap()]);
        let again = db.ok_json(&["import", "contributions", contributions.to_str().unwrap()]);
        assert_eq!(again["already_imported"], true, "[{}]", db.label);
        assert_eq!(db.count("SELECT COUNT(*) FROM contributions"), ROWS as i64);
        let clean = backends("crash-import-clean")
            .into_iter()
            .find(|c| c.label == db.label)
            .unwrap();
        clean.ok_json(&["import", "persons", persons.to_str().unwrap()]);
        clean.ok_json(&["import", "contributions", contributions.to_str().unwrap()]);
        assert_eq!(totals(&db), totals(&clean), "[{}]", db.label);
        assert_eq!(db.ok_json(&["ledger", "verify"])["ok"], true);
    }
}
