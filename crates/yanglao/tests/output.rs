//! What people and programs read: output to a pipe that closes, amounts, labels and messages in
//! Chinese, on the small bundled example.

mod common;

use common::*;
use std::process::{Command, Stdio};

/// Runs `yanglao --db URL ARGS…` with stdout a pipe whose reading end is already closed, as
/// `yanglao … | head -0` would leave it: (exit code, stderr).
fn run_into_closed_pipe(db: &TestDb, args: &[&str]) -> (Option<i32>, String) {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let o = Command::new(env!("CARGO_BIN_EXE_yanglao"))
        .arg("--db")
        .arg(&db.url)
        .args(args)
        .current_dir(db.dir.path())
        .env_remove("YANGLAO_POLICY")
        .env("YANGLAO_USER", "tester")
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("run yanglao");
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn a_reader_that_stops_reading_ends_the_command_quietly() {
    for db in backends("out-pipe") {
        db.ok_json(&["quickstart", "--out", "ex"]);
        for args in [
            &["payroll", "list"][..],
            &["ledger", "verify", "--json"],
            &["ledger", "verify"],
            &["fund", "statement", "--year", "2023"],
        ] {
            let (code, stderr) = run_into_closed_pipe(&db, args);
            assert_eq!(
                code,
                Some(141),
                "[{}] {args:?}: exit {code:?}, stderr: {stderr}",
                db.label
            );
            assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
            assert!(stderr.is_empty(), "{args:?}: {stderr}");
        }
    }
}
