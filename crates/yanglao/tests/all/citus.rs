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

/// A cluster database with the bundled policy and `n` recipients across the five counties.
fn city_of_recipients(
    coordinator: &str,
    workers: &[String],
    n: usize,
) -> yanglao_store::ScratchCitus {
    let c = yanglao_store::ScratchCitus::create(coordinator, workers, "yanglao_citus_pay").unwrap();
    let mut db = yanglao_store::Db::open(&c.url).unwrap();
    db.migrate().unwrap();
    let mut ctx = yanglao_ops::Ctx::with_policy_source(
        db,
        yanglao_policy::SHANXI_SUPPLEMENTARY,
        yanglao_testdata::POLICY_FILE,
    )
    .unwrap();
    let book = ctx.policy.clone();
    yanglao_testdata::setup_recipients(&mut ctx.db, &book, n, &|_, _| {}).unwrap();
    c
}

/// One county's payroll of `month` on a connection of its own.
fn county_payroll(url: &str, county: &str, month: &str) -> Vec<yanglao_ops::payroll::Summary> {
    let mut ctx = yanglao_ops::Ctx::with_policy_source(
        yanglao_store::Db::open(url).unwrap(),
        yanglao_policy::SHANXI_SUPPLEMENTARY,
        yanglao_testdata::POLICY_FILE,
    )
    .unwrap();
    yanglao_ops::payroll::run(
        &mut ctx,
        yanglao_domain::Month::parse(month).unwrap(),
        Some(county),
        yanglao_ops::payroll::Kind::Regular,
        &|_, _, _| {},
    )
    .unwrap()
    .payrolls
}

/// Payrolls (county, lines, amount), lines (county, person, amount), the ledger (county,
/// account, sum), and whether every id was handed out once.
type Books = (
    Vec<(String, i64, i64)>,
    Vec<(String, i64, i64)>,
    Vec<(String, String, i64)>,
    bool,
);

/// What a run left, county by county: each payroll's lines and amount, every line's person and
/// amount, the ledger's lines by account, and whether every id was handed out once.
fn books_by_county(url: &str) -> Books {
    let mut db = yanglao_store::Db::open(url).unwrap();
    db.transaction(|tx| -> yanglao_store::Result<_> {
        let payrolls = tx
            .query("SELECT county, line_count, total_fen FROM payrolls ORDER BY county, month", &[])?
            .iter()
            .map(|r| Ok((r.str(0)?, r.i64(1)?, r.i64(2)?)))
            .collect::<yanglao_store::Result<Vec<_>>>()?;
        let lines = tx
            .query("SELECT county, person_id, total_fen FROM payroll_lines ORDER BY county, person_id, to_month", &[])?
            .iter()
            .map(|r| Ok((r.str(0)?, r.i64(1)?, r.i64(2)?)))
            .collect::<yanglao_store::Result<Vec<_>>>()?;
        let ledger = tx
            .query(
                "SELECT l.county, l.account, CAST(SUM(l.amount_fen) AS BIGINT) FROM journal_lines l
                 JOIN journal_entries e ON e.county = l.county AND e.entry_id = l.entry_id
                 GROUP BY l.county, l.account ORDER BY l.county, l.account",
                &[],
            )?
            .iter()
            .map(|r| Ok((r.str(0)?, r.str(1)?, r.i64(2)?)))
            .collect::<yanglao_store::Result<Vec<_>>>()?;
        let once = tx.scalar_i64(
            "SELECT (SELECT COUNT(DISTINCT payroll_id) - COUNT(*) FROM payrolls)
                  + (SELECT COUNT(DISTINCT entry_id) - COUNT(*) FROM journal_entries)",
            &[],
        )? == 0;
        Ok((payrolls, lines, ledger, once))
    })
    .unwrap()
}

/// Two counties whose rows live on different workers, and a cluster where every connection
/// runs a payroll of its own: started at the same moment on two connections, the two counties'
/// payrolls (the write lock, the id counters and the change counter all in play) leave the same
/// books as the same two run one after the other.
#[test]
fn two_counties_payrolls_at_once_leave_the_books_a_sequential_run_leaves() {
    let Some((coordinator, workers)) = cluster() else {
        return;
    };
    let n = 3_000;
    let sequential = city_of_recipients(&coordinator, &workers, n);
    let parallel = city_of_recipients(&coordinator, &workers, n);
    // The worker that holds each county's shard of persons.
    let mut db = yanglao_store::Db::open(&parallel.url).unwrap();
    let placement: Vec<(String, i64)> = db
        .transaction(|tx| {
            yanglao_testdata::COUNTIES
                .iter()
                .map(|c| {
                    Ok((
                        c.to_string(),
                        tx.scalar_i64(
                            "SELECT CAST(nodeport AS BIGINT) FROM citus_shards
                             WHERE shardid = get_shard_id_for_distribution_column('persons', CAST($1 AS TEXT))",
                            &[yanglao_store::Param::Text(c)],
                        )?,
                    ))
                })
                .collect::<yanglao_store::Result<Vec<_>>>()
        })
        .unwrap();
    let (a, pa) = placement[0].clone();
    let (b, _) = placement
        .iter()
        .find(|(_, p)| *p != pa)
        .cloned()
        .expect("the five counties fall on both workers");
    let version = |url: &str| {
        yanglao_store::Db::open(url)
            .unwrap()
            .transaction(|tx| tx.version())
            .unwrap()
    };
    let (v_seq, v_par) = (version(&sequential.url), version(&parallel.url));

    for county in [&a, &b] {
        assert_eq!(county_payroll(&sequential.url, county, "2023-01").len(), 1);
    }
    let start = std::sync::Arc::new(std::sync::Barrier::new(2));
    let jobs: Vec<_> = [a.clone(), b.clone()]
        .into_iter()
        .map(|county| {
            let (url, start) = (parallel.url.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                county_payroll(&url, &county, "2023-01")
            })
        })
        .collect();
    for j in jobs {
        assert_eq!(j.join().expect("a county's payroll").len(), 1);
    }

    let (seq, par) = (
        books_by_county(&sequential.url),
        books_by_county(&parallel.url),
    );
    assert_eq!(seq.0.len(), 2, "one payroll per county: {:?}", seq.0);
    assert_eq!(
        seq.1.len(),
        2 * n / 5,
        "every recipient of the two counties paid once"
    );
    assert_eq!(par.0, seq.0, "payrolls");
    assert_eq!(par.1, seq.1, "payment lines");
    // (A run posts nothing until the bank pays: the ledger stays as the setup left it.)
    assert_eq!(par.2, seq.2, "ledger by county and account");
    assert!(par.3 && seq.3, "every payroll and entry id handed out once");
    // The change counter moved as far in both (every committed write advanced it once).
    assert_eq!(
        version(&parallel.url) - v_par,
        version(&sequential.url) - v_seq
    );
    let report = yanglao_store::Db::open(&parallel.url)
        .unwrap()
        .transaction(yanglao_ops::ledger::verify)
        .unwrap();
    assert!(report.ok, "{:?}", report.breaches);
}

/// A PostgreSQL database that has books before Citus and its workers arrive: `init
/// --distributed` moves its tables, rows and all, to the shards, and the books read the same.
#[test]
fn init_distributed_moves_a_single_server_database_to_the_shards() {
    let Some((coordinator, workers)) = cluster() else {
        return;
    };
    let scratch =
        yanglao_store::ScratchCitus::create(&coordinator, &workers, "yanglao_citus_move").unwrap();
    let mut db = yanglao_store::Db::open(&scratch.url).unwrap();
    // The workers leave: a server with the extension and no workers is a single server.
    for w in &workers {
        let (h, p) = w.rsplit_once(':').unwrap();
        db.batch(&format!("SELECT citus_remove_node('{h}', {p})"))
            .unwrap();
    }
    let dir = TempDir::new("citus-move");
    let t = TestDb {
        label: "citus",
        url: scratch.url.clone(),
        dir,
        _server: None,
    };
    let init = t.ok_json(&["init", "--illustrative-policy"]);
    assert!(init["distributed"].is_null(), "{init}");
    let persons = t.file("persons.csv", &{
        let p = t.dir.path().join("p.csv");
        yanglao_testdata::write_persons_csv(&p, 500).unwrap();
        std::fs::read_to_string(p).unwrap()
    });
    assert_eq!(t.ok_json(&["import", "persons", &persons])["posted"], 500);
    let before = t.count("SELECT COUNT(*) FROM persons");
    assert_eq!(before, 500);
    for w in &workers {
        let (h, p) = w.rsplit_once(':').unwrap();
        db.batch(&format!("SELECT citus_add_node('{h}', {p})"))
            .unwrap();
    }
    let v = t.ok_json(&["init", "--distributed"]);
    assert_eq!(
        v["distributed"].as_array().map(Vec::len),
        Some(yanglao_store::citus::DISTRIBUTED.len()),
        "{v}"
    );
    // The rows are on the workers now, every one of them, in shards on both.
    assert_eq!(t.count("SELECT COUNT(*) FROM persons"), before);
    assert_eq!(
        t.count(
            "SELECT COUNT(DISTINCT s.nodeport) FROM citus_shards s
             JOIN run_command_on_shards('persons', 'SELECT COUNT(*) FROM %s') r ON r.shardid = s.shardid
             WHERE CAST(r.result AS BIGINT) > 0"
        ),
        2,
        "persons' shards with rows on both workers"
    );
    assert_eq!(t.ok_json(&["ledger", "verify"])["ok"], true);
}
