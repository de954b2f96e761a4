//! Yanglao on a real Citus cluster (`YANGLAO_TEST_CITUS_URL`, the coordinator, and
//! `YANGLAO_TEST_CITUS_WORKERS`, its workers as host:port): the schema distributed by county.

use crate::common::*;

/// The cluster's coordinator and workers, or `None` (said loudly) when the test is not set up.
fn cluster() -> Option<(String, Vec<String>)> {
    yanglao_store::test_citus()
}

#[test]
fn init_distributed_puts_the_per_person_tables_on_the_workers_by_county() {
    let Some((coordinator, workers)) = cluster() else {
        return;
    };
    let scratch =
        yanglao_store::ScratchCitus::create(&coordinator, &workers, "yanglao_citus").unwrap();
    let dir = TempDir::new("citus");
    let run = |args: &[&str]| -> Out {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_yanglao"))
            .arg("--db")
            .arg(&scratch.url)
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        Out {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    };
    let o = run(&["init", "--distributed", "--json"]);
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    let v = o.json();
    let distributed: Vec<&str> = v["distributed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect();
    assert_eq!(distributed, yanglao_store::citus::DISTRIBUTED);
    let reference: Vec<&str> = v["reference"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect();
    for t in [
        "regions",
        "id_counters",
        "users",
        "policy_versions",
        "audit_log",
        "imports",
    ] {
        assert!(reference.contains(&t), "{t} in {reference:?}");
    }
    assert_eq!(v["unkept_keys"].as_array().unwrap().len(), 2, "{v}");
    // As the cluster sees it: every per-person table hashed by county in one co-location group,
    // with shards on the workers; the foreign keys between them kept.
    let mut db = yanglao_store::Db::open(&scratch.url).unwrap();
    let rows = db
        .transaction(|tx| {
            tx.query(
                "SELECT table_name::text, citus_table_type, distribution_column, colocation_id FROM citus_tables ORDER BY 1",
                &[],
            )
        })
        .unwrap();
    let mut groups = std::collections::BTreeSet::new();
    for r in &rows {
        let (t, kind, column) = (r.str(0).unwrap(), r.str(1).unwrap(), r.str(2).unwrap());
        if distributed.contains(&t.as_str()) {
            assert_eq!(
                (kind.as_str(), column.as_str()),
                ("distributed", "county"),
                "{t}"
            );
            groups.insert(r.i64(3).unwrap());
        } else {
            assert_eq!(kind, "reference", "{t}");
        }
    }
    assert_eq!(groups.len(), 1, "one co-location group");
    assert_eq!(rows.len(), distributed.len() + reference.len());
    let keys = db
        .transaction(|tx| {
            tx.scalar_i64(
                "SELECT COUNT(*) FROM pg_constraint WHERE contype = 'f' AND conrelid = 'account_movements'::regclass",
                &[],
            )
        })
        .unwrap();
    assert_eq!(
        keys, 2,
        "account_movements keeps its keys to persons and journal_entries"
    );
    // Again, and without the flag: nothing left to do, the same lie of the tables.
    for args in [
        &["init", "--distributed", "--json"][..],
        &["init", "--json"],
    ] {
        let again = run(args).json();
        assert_eq!(
            again["applied_migrations"],
            serde_json::json!([]),
            "{again}"
        );
        assert_eq!(again["distributed"], v["distributed"], "{again}");
        assert_eq!(again["reference"], v["reference"], "{again}");
    }
}

#[test]
fn init_distributed_on_a_database_without_citus_is_refused() {
    let Some(db) = empty_backends("nocitus")
        .into_iter()
        .find(|d| d.label == "postgres")
    else {
        return;
    };
    let o = db.run(&["init", "--distributed"]);
    assert_ne!(o.code, 0);
    assert!(o.stderr.contains("E-DB-NOT-CITUS"), "{}", o.stderr);
}
