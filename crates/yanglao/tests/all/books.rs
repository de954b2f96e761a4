//! Books that stay true under changing state, on SQLite and (when configured) PostgreSQL: the
//! policy kept in the database, entries dated by their business events, month-end balances that
//! must not go negative, dates that cannot be, register files re-imported, and drafts that went
//! stale before approval.

use crate::common::*;
use serde_json::Value;

/// (county, name, birth yyyymmdd)
const PEOPLE: [(&str, &str, &str); 5] = [
    ("140302", "韩桂兰", "19500301"),
    ("140302", "韩建国", "19520715"),
    ("140311", "乔秀英", "19480630"),
    ("140302", "梁淑珍", "19511111"),
    ("140302", "郭志刚", "19800505"), // 4: of contributing age
];

fn pid(i: usize) -> String {
    id(PEOPLE[i].0, PEOPLE[i].2, 200 + i as u32)
}

fn register(db: &TestDb, name: &str, bank: &str) -> Value {
    let rows: Vec<Vec<String>> = (0..PEOPLE.len())
        .map(|i| {
            let mut r = person(&pid(i), PEOPLE[i].1, PEOPLE[i].0, "是");
            r[4] = bank.into();
            r[5] = yanglao_domain::bank::with_luhn_digit(&format!("62284800003333{i:04}"));
            r
        })
        .collect();
    db.ok_json(&[
        "import",
        "persons",
        &db.file(name, &csv(&PERSON_HEADER, &rows)),
    ])
}

fn code_of(o: &Out) -> String {
    o.json()["code"].as_str().unwrap_or_default().to_string()
}

#[test]
fn the_policy_is_kept_in_the_books_and_applies_from_its_date() {
    for db in empty_backends("policybook") {
        let l = db.label;
        // No policy: nothing posts, and the message names `policy load`.
        register(&db, "p.csv", "中国农业银行");
        db.ok_json(&["users", "add", "city-admin", "--role", "市级管理员"]);
        let c = [contribution(
            &pid(4),
            PEOPLE[4].1,
            2021,
            "200",
            "2021-03-01",
            "R1",
        )];
        let file = db.file("c.csv", &csv(&CONTRIB_HEADER, &c));
        let o = db.run(&["import", "contributions", &file, "--json"]);
        assert_eq!(o.code, 1, "[{l}] {}", o.stdout);
        assert_eq!(code_of(&o), "E-POLICY-NONE", "[{l}]");
        assert!(o.stdout.contains("policy load"), "[{l}] {}", o.stdout);
        assert_eq!(db.count("SELECT COUNT(*) FROM journal_entries"), 0);
        assert_eq!(db.ok_json(&["policy", "history"]), serde_json::json!([]));

        // `init --illustrative-policy` loads the bundled file once.
        let first = db.ok_json(&["init", "--illustrative-policy"]);
        assert_eq!(first["policy_loaded"]["version"], 1, "[{l}] {first}");
        assert_eq!(first["policy_loaded"]["applies_from"], "2021-01-01");
        assert!(db.ok_json(&["init", "--illustrative-policy"])["policy_loaded"].is_null());
        // The same content again is not a new version.
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let bundled = root.join("policies/shanxi-supplementary.toml");
        let same = db.ok_json(&["policy", "load", bundled.to_str().unwrap()]);
        assert_eq!(same["already_loaded"], true, "[{l}] {same}");

        db.ok_json(&["import", "contributions", &file]);
        // The entry and the import record the version they were posted under.
        assert_eq!(
            db.count("SELECT COUNT(*) FROM journal_entries WHERE policy_version = 1"),
            db.count("SELECT COUNT(*) FROM journal_entries")
        );
        assert_eq!(
            db.count(
                "SELECT COUNT(*) FROM imports WHERE kind = 'contributions' AND policy_version = 1"
            ),
            1
        );

        // A second version: a raised exit subsidy from 2024.
        let source = std::fs::read_to_string(&bundled).unwrap();
        assert!(source.contains("exit_subsidy_monthly_fen = 2000"));
        let raised = db.file(
            "raised.toml",
            &source.replace(
                "exit_subsidy_monthly_fen = 2000",
                "exit_subsidy_monthly_fen = 2500",
            ),
        );
        let o = db.run(&["policy", "load", &raised, "--json"]);
        assert_eq!(code_of(&o), "E-POLICY-FROM-REQUIRED", "[{l}] {}", o.stdout);
        // Never backwards over posted entries (the contribution is dated 2021-03-01).
        let o = db.run(&["policy", "load", &raised, "--from", "2021-02-01", "--json"]);
        assert_eq!(code_of(&o), "E-POLICY-BACKDATED", "[{l}] {}", o.stdout);
        assert!(o.stdout.contains("2021-03-01"), "[{l}] {}", o.stdout);
        let v2 = db.ok_json(&[
            "--by",
            "city-admin",
            "policy",
            "load",
            &raised,
            "--from",
            "2024-01-01",
        ]);
        assert_eq!(v2["version"], 2, "[{l}] {v2}");
        let history = db.ok_json(&["policy", "history"]);
        let h = history.as_array().unwrap();
        assert_eq!(h.len(), 2);
        assert_eq!(h[1]["loaded_by"], "city-admin");
        assert_eq!(h[1]["applies_from"], "2024-01-01");
        assert_ne!(h[0]["sha256"], h[1]["sha256"]);
        // Each date reads the version in force on it.
        let show =
            |date: &str| db.ok_json(&["policy", "show", "--region", "140302", "--date", date]);
        let before = show("2023-12-31");
        assert_eq!(before["version"]["version"], 1);
        assert_eq!(before["params"]["exit_subsidy_monthly_fen"], 2000);
        let after = show("2024-01-01");
        assert_eq!(after["version"]["version"], 2);
        assert_eq!(after["params"]["exit_subsidy_monthly_fen"], 2500);
        // Loading is audited with who did it.
        assert_eq!(
            db.count("SELECT COUNT(*) FROM audit_log WHERE action = 'policy.load' AND actor = 'city-admin'"),
            1
        );
    }
}

#[test]
fn the_demo_database_judges_its_postings_by_its_own_policy() {
    // The README's follow-up command, run on the demo's database in a new process with no
    // flags, scores C21 (subsidy compliance) in full (it scored 0 when it judged the postings by
    // the bundled default policy).
    for db in empty_backends("demopolicy") {
        let l = db.label;
        let out = db.dir.path().join("demo");
        db.ok_json(&["demo", "--scale", "0.01", "--out", out.to_str().unwrap()]);
        let worksheet = out.join("评价工作底稿.csv");
        let v = db.ok_json(&[
            "evaluate",
            "--year",
            "2023",
            "--worksheet",
            worksheet.to_str().unwrap(),
        ]);
        let c21 = v["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["code"] == "C21")
            .unwrap_or_else(|| panic!("[{l}] no C21: {v}"))
            .clone();
        assert_eq!(c21["score"], 3.0, "[{l}] {c21}");
        // Overpayments are dated in the years they arose, not on the day the demo ran.
        let this_year = db
            .text("SELECT CAST(MAX(entry_date) AS TEXT) FROM journal_entries")
            .unwrap();
        assert!(this_year.as_str() < "2024", "[{l}] {this_year}");
        assert_eq!(db.ok_json(&["ledger", "verify"])["ok"], true, "[{l}]");
    }
}

#[test]
fn entries_take_the_date_of_their_event_and_impossible_dates_are_refused() {
    for db in backends("eventdates") {
        let l = db.label;
        register(&db, "p.csv", "中国农业银行");
        db.ok_json(&["awards", "run", "--month", "2023-01"]);
        pay(&db, "2023-01");
        pay(&db, "2023-02");
        // Person 0 died on 10 January; the police file is processed on 20 March.
        let deaths = format!(
            "身份证号,姓名,死亡日期,来源编号\n{},{},2023-01-10,GA-1\n",
            pid(0),
            PEOPLE[0].1
        );
        let file = db.file("d.csv", &deaths);
        let o = db.run(&["import", "deaths", &file, "--source", "police", "--json"]);
        assert_eq!(code_of(&o), "E-DEATH-DATE-REQUIRED", "[{l}] {}", o.stdout);
        let v = db.ok_json(&[
            "import",
            "deaths",
            &file,
            "--source",
            "police",
            "--date",
            "2023-03-20",
        ]);
        assert!(
            v["details"]["overpaid_fen"].as_i64().unwrap() > 0,
            "[{l}] {v}"
        );
        assert_eq!(
            db.text("SELECT CAST(MIN(entry_date) AS TEXT) FROM journal_entries WHERE kind = 'overpayment'")
                .as_deref()
                .map(|d| &d[..10]),
            Some("2023-03-20"),
            "[{l}]"
        );
        let case = db.ok_json(&["recovery", "list"])[0].clone();
        assert_eq!(case["opened_on"], "2023-03-20", "[{l}] {case}");
        let case_id = case["case_id"].as_i64().unwrap().to_string();
        // Recovery dates: required, not before the case, the death or the scheme, not in the future.
        let record = |date: Option<&str>| {
            let mut args = vec![
                "recovery",
                "record",
                &case_id,
                "--channel",
                "family-refund",
                "--amount",
                "10",
            ];
            if let Some(d) = date {
                args.extend(["--date", d]);
            }
            args.push("--json");
            db.run(&args)
        };
        assert_eq!(code_of(&record(None)), "E-DATE-REQUIRED", "[{l}]");
        assert_eq!(
            code_of(&record(Some("2023-03-01"))),
            "E-RECOVERY-BEFORE-OPENED",
            "[{l}]"
        );
        assert_eq!(
            code_of(&record(Some("2099-01-01"))),
            "E-DATE-FUTURE",
            "[{l}]"
        );
        let ok = record(Some("2023-04-02"));
        assert_eq!(ok.code, 0, "[{l}] {}", ok.stdout);
        // Inheritance: not before the death, not before the scheme.
        let heir = id("140302", "19800101", 77);
        let acct = yanglao_domain::bank::with_luhn_digit("622848000055556666");
        let inherit = |date: &str| {
            db.run(&[
                "inheritance",
                "pay",
                &pid(0),
                "--heir-name",
                "韩文",
                "--heir-id",
                &heir,
                "--heir-bank",
                "中国农业银行",
                "--heir-account",
                &acct,
                "--date",
                date,
                "--json",
            ])
        };
        assert_eq!(
            code_of(&inherit("2023-01-05")),
            "E-DATE-BEFORE-DEATH",
            "[{l}]"
        );
        assert_eq!(
            code_of(&inherit("2019-01-05")),
            "E-DATE-BEFORE-SCHEME",
            "[{l}]"
        );
        // A certification after the confirmed death is refused with its row and column.
        let cert = db.file(
            "cert.csv",
            &format!(
                "身份证号,姓名,认证日期,认证方式\n{},{},2023-02-01,人脸识别\n",
                pid(0),
                PEOPLE[0].1
            ),
        );
        let o = db.run(&["import", "certifications", &cert, "--json"]);
        assert_eq!(o.code, 1, "[{l}] {}", o.stdout);
        let e = &o.json()["errors"][0];
        assert_eq!(e["code"], "E-CERT-AFTER-DEATH", "[{l}] {e}");
        assert_eq!(e["row"], 2);
        // A citizen ID born in the future is refused.
        let future = yanglao_domain::CitizenId::from_body("14030220900101001").unwrap();
        let rows = vec![person(future.as_str(), "未来", "140302", "是")];
        let o = db.run(&[
            "import",
            "persons",
            &db.file("f.csv", &csv(&PERSON_HEADER, &rows)),
            "--json",
        ]);
        assert_eq!(
            o.json()["errors"][0]["code"],
            "E-ID-BIRTH-FUTURE",
            "[{l}] {}",
            o.stdout
        );
        assert_eq!(db.ok_json(&["ledger", "verify"])["ok"], true, "[{l}]");
    }
}

#[test]
fn ledger_verify_names_an_account_that_went_negative_at_a_month_end() {
    for db in backends("negative") {
        let l = db.label;
        register(&db, "p.csv", "中国农业银行");
        let c = [contribution(
            &pid(4),
            PEOPLE[4].1,
            2021,
            "200",
            "2021-03-01",
            "R1",
        )];
        db.ok_json(&[
            "import",
            "contributions",
            &db.file("c.csv", &csv(&CONTRIB_HEADER, &c)),
        ]);
        assert_eq!(db.ok_json(&["ledger", "verify"])["ok"], true);
        // A balanced entry that takes 5 yuan out of the overpayment receivable that never went in
        // (what clock-dated overpayments used to leave at a year's end).
        let mut d = db.db();
        d.transaction(|tx| -> Result<(), yanglao_store::StoreError> {
            tx.exec(
                "INSERT INTO journal_entries (entry_id, county, entry_date, kind, description, created_by, created_at)
                 VALUES (900001, '140302', $1, 'recovery', 'test', 'test', $2)",
                &[
                    yanglao_store::Param::Date(chrono::NaiveDate::from_ymd_opt(2023, 5, 6).unwrap()),
                    yanglao_store::Param::Timestamp(yanglao_store::now()),
                ],
            )?;
            tx.exec("INSERT INTO journal_lines (county, entry_id, line_no, account, amount_fen) VALUES ('140302', 900001, 1, 'bank', 500)", &[])?;
            tx.exec("INSERT INTO journal_lines (county, entry_id, line_no, account, amount_fen) VALUES ('140302', 900001, 2, 'receivable.overpayment', -500)", &[])?;
            Ok(())
        })
        .unwrap();
        let o = db.run(&["ledger", "verify", "--json"]);
        assert_ne!(o.code, 0, "[{l}]");
        let breaches = o.json()["breaches"].clone();
        let b = breaches
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["code"] == "E-LEDGER-NEGATIVE-BALANCE")
            .unwrap_or_else(|| panic!("[{l}] {breaches}"))
            .clone();
        let m = b["message"].as_str().unwrap();
        assert!(
            m.contains("receivable.overpayment") && m.contains("2023-05-31") && m.contains("-5.00"),
            "[{l}] {m}"
        );
    }
}

#[test]
fn an_earlier_register_file_imported_again_reverts_what_changed() {
    for db in backends("reimport") {
        let l = db.label;
        let a = register(&db, "a.csv", "中国农业银行");
        assert_eq!(a["posted"], 5, "[{l}]");
        let b = register(&db, "b.csv", "中国建设银行");
        assert_eq!(b["updated"], 5, "[{l}] {b}");
        let bank = |db: &TestDb| {
            db.text(&format!(
                "SELECT bank_name FROM persons WHERE citizen_id = '{}'",
                pid(0)
            ))
        };
        assert_eq!(bank(&db).as_deref(), Some("中国建设银行"));
        // The first file again: compared row by row, not skipped by its hash.
        let again = register(&db, "a.csv", "中国农业银行");
        assert_eq!(again["already_imported"], false, "[{l}] {again}");
        assert_eq!(again["updated"], 5, "[{l}] {again}");
        assert_eq!(bank(&db).as_deref(), Some("中国农业银行"));
        // Once more: nothing differs, nothing is recorded.
        let imports = db.count("SELECT COUNT(*) FROM imports");
        let same = register(&db, "a.csv", "中国农业银行");
        assert_eq!(same["already_imported"], true, "[{l}] {same}");
        assert_eq!(db.count("SELECT COUNT(*) FROM imports"), imports);
    }
}

#[test]
fn a_draft_that_went_stale_is_refused_at_approval_and_refreshed() {
    for db in backends("stale") {
        let l = db.label;
        register(&db, "p.csv", "中国农业银行");
        db.ok_json(&["awards", "run", "--month", "2023-01"]);
        let run = db.ok_json(&["--by", "maker", "payroll", "run", "--month", "2023-01"]);
        let p = run["payrolls"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["county"] == "140302")
            .unwrap()
            .clone();
        let id = p["id"].as_i64().unwrap().to_string();
        assert_eq!(p["lines"], 3, "[{l}] {p}");
        // Suspended after the draft was made.
        db.ok_json(&[
            "person",
            "status",
            &pid(3),
            "--set",
            "suspended",
            "--reason",
            "核查",
            "--date",
            "2023-01-05",
        ]);
        let anomalies = db.ok_json(&["payroll", "check", &id]);
        let masked = yanglao_domain::CitizenId::parse(&pid(3))
            .unwrap()
            .0
            .masked();
        assert!(
            anomalies
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["code"] == "A-SUSPENDED" && a["citizen_id"] == masked.as_str()),
            "[{l}] {anomalies}"
        );
        let o = db.run(&["--by", "checker", "payroll", "approve", &id, "--json"]);
        assert_eq!(code_of(&o), "E-PAYROLL-UNPAYABLE", "[{l}] {}", o.stdout);
        assert!(
            o.stdout.contains(&masked) && o.stdout.contains("A-SUSPENDED"),
            "[{l}] {}",
            o.stdout
        );
        assert_eq!(
            db.count(&format!(
                "SELECT COUNT(*) FROM payrolls WHERE payroll_id = {id} AND status = 'draft'"
            )),
            1
        );
        // The maker refreshes the draft; then it is approved and exported.
        let r = db.ok_json(&["--by", "maker", "payroll", "refresh", &id]);
        assert_eq!(r["removed"].as_array().unwrap().len(), 1, "[{l}] {r}");
        assert_eq!(r["summary"]["lines"], 2);
        assert_eq!(
            db.count(&format!("SELECT COUNT(*) FROM payroll_exclusions WHERE payroll_id = {id} AND reason = 'suspended'")),
            1
        );
        db.ok_json(&["--by", "checker", "payroll", "approve", &id]);
        // Suspended after approval: the export refuses, refresh sends it back to draft.
        db.ok_json(&[
            "person",
            "status",
            &pid(1),
            "--set",
            "suspended",
            "--reason",
            "核查",
            "--date",
            "2023-01-06",
        ]);
        let out = db.dir.path().join("out");
        let o = db.run(&[
            "payroll",
            "export",
            &id,
            "--out",
            out.to_str().unwrap(),
            "--json",
        ]);
        assert_eq!(code_of(&o), "E-PAYROLL-UNPAYABLE", "[{l}] {}", o.stdout);
        let r = db.ok_json(&["--by", "maker", "payroll", "refresh", &id]);
        assert_eq!(r["back_to_draft"], true, "[{l}] {r}");
        db.ok_json(&["--by", "checker", "payroll", "approve", &id]);
        db.ok_json(&["payroll", "export", &id, "--out", out.to_str().unwrap()]);
    }
}

#[test]
fn shared_bank_accounts_name_who_shares_them() {
    for db in backends("shared") {
        let l = db.label;
        let shared = yanglao_domain::bank::with_luhn_digit("622848000011112222");
        let rows: Vec<Vec<String>> = (0..2)
            .map(|i| {
                let mut r = person(&pid(i), PEOPLE[i].1, PEOPLE[i].0, "是");
                r[5] = shared.clone();
                r
            })
            .collect();
        db.ok_json(&[
            "import",
            "persons",
            &db.file("p.csv", &csv(&PERSON_HEADER, &rows)),
        ]);
        db.ok_json(&["awards", "run", "--month", "2023-01"]);
        let run = db.ok_json(&["--by", "maker", "payroll", "run", "--month", "2023-01"]);
        let id = run["payrolls"][0]["id"].as_i64().unwrap().to_string();
        let anomalies = db.ok_json(&["payroll", "check", &id]);
        let holders: Vec<String> = anomalies
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["code"] == "A-SHARED-ACCOUNT")
            .map(|a| a["citizen_id"].as_str().unwrap().to_string())
            .collect();
        let expect: Vec<String> = (0..2)
            .map(|i| {
                yanglao_domain::CitizenId::parse(&pid(i))
                    .unwrap()
                    .0
                    .masked()
            })
            .collect();
        assert_eq!(holders, expect, "[{l}] {anomalies}");
    }
}
