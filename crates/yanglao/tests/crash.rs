//! Crash safety: killing `payroll run` (SIGKILL) at any moment leaves, for each county, either no
//! payroll or a complete draft, and the next run finishes the job. On SQLite and PostgreSQL.

mod common;

use common::*;
use std::process::Command;
use std::time::Duration;

const RECIPIENTS: usize = 60_000;

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
            let mut child = Command::new(env!("CARGO_BIN_EXE_yanglao"))
                .args([
                    "--db", &db.url, "--by", "maker", "payroll", "run", "--month", "2023-01",
                    "--json",
                ])
                .current_dir(db.dir.path())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
            std::thread::sleep(Duration::from_millis(delay_ms));
            let finished = child.try_wait().unwrap().is_some();
            child.kill().ok(); // SIGKILL
            child.wait().unwrap();
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
