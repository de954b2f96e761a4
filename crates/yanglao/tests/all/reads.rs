//! Reads made of several queries see one snapshot and take no write lock; release builds check
//! integer overflow.

use crate::common::*;

/// While another connection holds SQLite's write lock (a long import, say), the commands that
/// only read — the ledger's checks, the fund statement, the evaluation's measurements — still
/// answer at once: they read a snapshot and never wait for the lock.
#[test]
fn reads_go_on_beside_a_writer() {
    let db = &backends("reads-writer")[0];
    db.ok_json(&["quickstart", "--out", "示例"]);
    let template = db.dir.path().join("底稿.xlsx");
    let mut writer = db.db();
    writer
        .transaction(|tx| -> Result<(), yanglao_store::StoreError> {
            // Take the write lock and keep it while the commands run.
            tx.exec("UPDATE db_version SET n = n WHERE id = 1", &[])?;
            for args in [
                &["ledger", "verify"][..],
                &["fund", "statement", "--year", "2023"],
                &[
                    "evaluate",
                    "--year",
                    "2023",
                    "--worksheet-template",
                    template.to_str().unwrap(),
                ],
            ] {
                let mut a = args.to_vec();
                a.push("--json");
                let o = db.run(&a);
                assert_eq!(
                    o.code, 0,
                    "{args:?} waited for the write lock:\n{}\n{}",
                    o.stdout, o.stderr
                );
            }
            Ok(())
        })
        .expect("writer");
    assert!(template.exists());
}

/// Amounts are integer fen: the release profile checks integer overflow.
#[test]
fn release_builds_check_integer_overflow() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let release = manifest
        .split("[profile.release]")
        .nth(1)
        .expect("a release profile")
        .split("\n[")
        .next()
        .unwrap();
    assert!(
        release
            .lines()
            .any(|l| l.split('#').next().unwrap().replace(' ', "") == "overflow-checks=true"),
        "[profile.release] must set overflow-checks = true:\n{release}"
    );
}
