//! Crash safety: killing `yanglao` (SIGKILL) at any moment of a payroll run, a contribution import
//! or a bank-return import leaves each county's payroll, the import or the return wholly there or
//! wholly absent and the books verified; the next run finishes the job with a clean run's books.
//! On SQLite and PostgreSQL. The full-size campaign is `crates/yanglao/examples/kill_campaign.rs`.

use crate::common::*;
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
    settle(db);
    finished
}

/// Waits until no other session works on a PostgreSQL test database: the killed client's server
/// process may still be finishing its statement, or a COMMIT the client had sent, for a moment.
fn settle(db: &TestDb) {
    if db.label != "postgres" {
        return;
    }
    for _ in 0..600 {
        let others = db.count(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
        );
        if others == 0 {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("[postgres] sessions still open 60 s after a kill");
}

/// Every payroll is whole: its header agrees with its lines, and no line lacks its payroll.
fn assert_consistent(db: &TestDb) -> i64 {
    let payrolls = db.count("SELECT COUNT(*) FROM payrolls");
    let broken = db.count(
        "SELECT COUNT(*) FROM payrolls p WHERE p.line_count <> (SELECT COUNT(*) FROM payroll_lines l WHERE l.county = p.county AND l.payroll_id = p.payroll_id)
            OR p.total_fen <> (SELECT COALESCE(SUM(l.total_fen), 0) FROM payroll_lines l WHERE l.county = p.county AND l.payroll_id = p.payroll_id)",
    );
    assert_eq!(
        broken, 0,
        "[{}] a payroll disagrees with its lines",
        db.label
    );
    let orphans = db.count("SELECT COUNT(*) FROM payroll_lines l WHERE NOT EXISTS (SELECT 1 FROM payrolls p WHERE p.county = l.county AND p.payroll_id = l.payroll_id)");
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
        yanglao_testdata::write_persons_csv(&persons, ROWS).unwrap();
        yanglao_testdata::write_contributions_csv(&contributions, ROWS, 2023, 7).unwrap();
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

/// Runs, approves and exports the month's payrolls and writes one bank return for all their bank
/// files (every payment paid on the 10th): the file a county office would import after the banks
/// answered. Returns its path and the number of payrolls.
fn exported_month_with_return(db: &TestDb, month: &str) -> (String, usize) {
    let run = db.ok_json(&["--by", "maker", "payroll", "run", "--month", month]);
    let payrolls = run["payrolls"].as_array().unwrap();
    let mut ret = String::new();
    for p in payrolls {
        let id = p["id"].as_i64().unwrap().to_string();
        db.ok_json(&["--by", "checker", "payroll", "approve", &id]);
        let out = db.dir.path().join(format!("out-{id}"));
        let e = db.ok_json(&["payroll", "export", &id, "--out", out.to_str().unwrap()]);
        for f in e["files"].as_array().unwrap() {
            let f = f.as_str().unwrap();
            if f.contains("银行代发") {
                let part = bank_return(&std::fs::read(f).unwrap(), &format!("{month}-10"), &[]);
                let skip = if ret.is_empty() { 0 } else { 1 }; // one header
                for l in part.lines().skip(skip) {
                    ret.push_str(l);
                    ret.push('\n');
                }
            }
        }
    }
    (db.file("return.csv", &ret), payrolls.len())
}

/// After a kill of `import bank-return`: the return is wholly applied or wholly absent, and no
/// line is paid twice. Returns whether it was applied.
fn assert_return_whole(
    db: &TestDb,
    lines: i64,
    payrolls: i64,
    books_before: &[(String, i64)],
) -> bool {
    let imports = db.count("SELECT COUNT(*) FROM imports WHERE kind = 'bank-return'");
    let paid = db.count("SELECT COUNT(*) FROM payroll_lines WHERE status = 'paid'");
    let paid_payrolls = db.count("SELECT COUNT(*) FROM payrolls WHERE status = 'paid'");
    let entries = db.count("SELECT COUNT(*) FROM journal_entries WHERE kind = 'benefit_payment'");
    let applied = imports == 1;
    assert!(imports <= 1, "[{}] {imports} bank-return imports", db.label);
    let (want_paid, want_payrolls) = if applied { (lines, payrolls) } else { (0, 0) };
    assert_eq!(
        (paid, paid_payrolls, entries),
        (want_paid, want_payrolls, want_payrolls),
        "[{}] paid lines, paid payrolls, payment entries after a kill (import recorded: {applied})",
        db.label
    );
    // No line paid twice: the bank paid out exactly the paid lines' amounts, in one entry per payroll.
    let bank_out = db.count(
        "SELECT COALESCE(CAST(-SUM(l.amount_fen) AS BIGINT), 0) FROM journal_lines l JOIN journal_entries e ON e.county = l.county AND e.entry_id = l.entry_id
         WHERE e.kind = 'benefit_payment' AND l.account = 'bank'",
    );
    let paid_fen = db.count(
        "SELECT COALESCE(CAST(SUM(total_fen) AS BIGINT), 0) FROM payroll_lines WHERE status = 'paid'",
    );
    assert_eq!(
        bank_out, paid_fen,
        "[{}] the bank paid other than the paid lines",
        db.label
    );
    // Each county has one payroll this month: a second payment entry in a county pays it twice.
    let twice = db.count(
        "SELECT COUNT(*) FROM (SELECT county FROM journal_entries WHERE kind = 'benefit_payment' GROUP BY county HAVING COUNT(*) > 1) t",
    );
    assert_eq!(twice, 0, "[{}] a payroll's payments posted twice", db.label);
    if !applied {
        assert_eq!(
            totals(db),
            books_before,
            "[{}] an absent return changed the books",
            db.label
        );
    }
    applied
}

#[test]
fn killing_a_bank_return_import_leaves_it_wholly_applied_or_wholly_absent() {
    const LINES: usize = 20_000;
    for db in backends("crash-return") {
        db.ok_json(&["bench", "recipients", "--count", &LINES.to_string()]);
        let (ret, payrolls) = exported_month_with_return(&db, "2023-01");
        let before = totals(&db);
        let mut interrupted = 0;
        for delay_ms in [40u64, 120, 250, 450, 700, 1000] {
            let finished = kill_after(&db, &["import", "bank-return", &ret], delay_ms);
            let applied = assert_return_whole(&db, LINES as i64, payrolls as i64, &before);
            assert_eq!(
                db.ok_json(&["ledger", "verify"])["ok"],
                true,
                "[{}]",
                db.label
            );
            if !finished && !applied {
                interrupted += 1;
            }
        }
        assert!(
            interrupted > 0,
            "[{}] no kill landed inside a bank-return import",
            db.label
        );
        // Finishing the job gives the books of a clean run, and a second import posts nothing.
        db.ok_json(&["import", "bank-return", &ret]);
        assert!(assert_return_whole(
            &db,
            LINES as i64,
            payrolls as i64,
            &before
        ));
        let again = db.ok_json(&["import", "bank-return", &ret]);
        assert_eq!(again["already_imported"], true, "[{}]", db.label);
        assert!(assert_return_whole(
            &db,
            LINES as i64,
            payrolls as i64,
            &before
        ));
        let clean = backends("crash-return-clean")
            .into_iter()
            .find(|c| c.label == db.label)
            .unwrap();
        clean.ok_json(&["bench", "recipients", "--count", &LINES.to_string()]);
        let (clean_ret, _) = exported_month_with_return(&clean, "2023-01");
        clean.ok_json(&["import", "bank-return", &clean_ret]);
        assert_eq!(totals(&db), totals(&clean), "[{}]", db.label);
        assert_eq!(
            db.count(
                "SELECT CAST(SUM(total_fen) AS BIGINT) FROM payroll_lines WHERE status = 'paid'"
            ),
            clean.count(
                "SELECT CAST(SUM(total_fen) AS BIGINT) FROM payroll_lines WHERE status = 'paid'"
            ),
        );
        assert_eq!(db.ok_json(&["ledger", "verify"])["ok"], true);
    }
}
