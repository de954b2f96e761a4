//! Deaths from every source, the review queue, and overpayments turned into recovery cases, on
//! SQLite and (when configured) PostgreSQL.

use crate::common::*;
use serde_json::Value;

/// (county, name, birth yyyymmdd)
const PEOPLE: [(&str, &str, &str); 4] = [
    ("140302", "韩桂兰", "19500301"),
    ("140302", "韩建国", "19520715"),
    ("140311", "乔秀英", "19490630"),
    ("140321", "武玉兰", "19481010"),
];

fn pid(i: usize) -> String {
    id(PEOPLE[i].0, PEOPLE[i].2, 200 + i as u32)
}

fn deaths_csv(rows: &[[&str; 4]]) -> String {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|s| s.to_string()).collect())
        .collect();
    csv(&["身份证号", "姓名", "死亡日期", "来源编号"], &rows)
}

/// Registers the first `n` of PEOPLE.
fn register(db: &TestDb, n: usize) {
    let rows: Vec<Vec<String>> = (0..n)
        .map(|i| person(&pid(i), PEOPLE[i].1, PEOPLE[i].0, "是"))
        .collect();
    db.ok_json(&[
        "import",
        "persons",
        &db.file("p.csv", &csv(&PERSON_HEADER, &rows)),
    ]);
}

/// Imports a death file processed on the day after the latest payment (see
/// `TestDb::processing_date`).
fn import_deaths(db: &TestDb, name: &str, source: &str, text: &str) -> Value {
    let on = db.processing_date(text);
    db.ok_json(&[
        "import",
        "deaths",
        &db.file(name, text),
        "--source",
        source,
        "--date",
        &on,
    ])
}

#[test]
fn deaths_stop_benefits_and_overpayments_open_recovery_cases() {
    for db in backends("deaths") {
        register(&db, PEOPLE.len());
        db.ok_json(&["awards", "run", "--month", "2023-01"]);
        pay(&db, "2023-01");
        pay(&db, "2023-02");
        // March is drawn up but not approved yet.
        db.ok_json(&["--by", "maker", "payroll", "run", "--month", "2023-03"]);

        // Bad files change nothing.
        let before = db.footprint();
        let unknown = id("140302", "19400101", 1);
        let bad = deaths_csv(&[
            [&pid(0), PEOPLE[0].1, "1940-01-01", "P-1"],
            [&pid(1), PEOPLE[1].1, "2099-01-01", "P-2"],
            [&unknown, "某人", "2023-01-01", "P-3"],
            [&pid(2), PEOPLE[2].1, "2023-01-05", "P-4"],
            [&pid(2), PEOPLE[2].1, "2023-01-05", "P-4"],
        ]);
        let o = db.run(&[
            "import",
            "deaths",
            &db.file("bad.csv", &bad),
            "--source",
            "police",
            "--date",
            "2023-04-01",
            "--json",
        ]);
        assert_eq!(o.code, 1, "[{}] {}", db.label, o.stdout);
        let codes: std::collections::BTreeSet<String> = o.json()["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["code"].as_str().unwrap().to_string())
            .collect();
        for c in [
            "E-DEATH-BEFORE-BIRTH",
            "E-DEATH-FUTURE",
            "E-DEATH-UNKNOWN-ID",
            "E-DEATH-DUPLICATE",
        ] {
            assert!(codes.contains(c), "missing {c}: {codes:?}");
        }
        let mixed = format!(
            "来源,{}",
            deaths_csv(&[[&pid(0), PEOPLE[0].1, "2023-01-10", "P-9"]]).replacen('\n', "\n村报,", 1)
        );
        let o = db.run(&[
            "import",
            "deaths",
            &db.file("mixed.csv", &mixed),
            "--source",
            "police",
            "--date",
            "2023-04-01",
            "--json",
        ]);
        assert!(o.stdout.contains("E-DEATH-MIXED-SOURCE"), "{}", o.stdout);
        assert_eq!(db.footprint(), before);

        // The police deregistration of person 0 (died 10 January): February was paid after the death.
        let v = import_deaths(
            &db,
            "police.csv",
            "police",
            &deaths_csv(&[[&pid(0), PEOPLE[0].1, "2023-01-10", "GA-001"]]),
        );
        assert_eq!(v["details"]["deaths_confirmed"], 1, "{v}");
        assert_eq!(v["details"]["draft_lines_dropped"], 1);
        let cases = db.ok_json(&["recovery", "list", "--status", "open"]);
        let case = &cases.as_array().unwrap()[0];
        assert_eq!(
            (
                case["overpaid_fen"].as_i64(),
                case["outstanding_fen"].as_i64()
            ),
            (Some(2000), Some(2000)),
            "{cases}"
        );
        for key in [
            "person_id",
            "county",
            "overpaid_fen",
            "recovered_fen",
            "outstanding_fen",
            "status",
        ] {
            assert!(case.get(key).is_some(), "recovery list lacks {key}");
        }
        assert_eq!(db.ok_json(&["ledger", "verify"])["ok"], true);
        // Importing again, or a later civil-affairs record, changes nothing more.
        assert_eq!(
            import_deaths(
                &db,
                "police.csv",
                "police",
                &deaths_csv(&[[&pid(0), PEOPLE[0].1, "2023-01-10", "GA-001"]])
            )["already_imported"],
            true
        );
        let v = import_deaths(
            &db,
            "civil.csv",
            "civil-affairs",
            &deaths_csv(&[[&pid(0), PEOPLE[0].1, "2023-01-12", "MZ-7"]]),
        );
        assert_eq!(v["details"]["recovery_cases"], 0);
        assert_eq!(
            db.ok_json(&["recovery", "list"]).as_array().unwrap().len(),
            1
        );
        let march = db.ok_json(&["payroll", "list", "--month", "2023-03"]);
        let chengqu = march
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["county"] == "140302")
            .unwrap();
        assert_eq!(
            (chengqu["lines"].as_i64(), chengqu["total_fen"].as_i64()),
            (Some(1), Some(2000))
        );
        assert_eq!(chengqu["excluded"]["deceased"], 1);

        // A village report alone suspends payment until an official source confirms.
        let v = import_deaths(
            &db,
            "village.csv",
            "village",
            &deaths_csv(&[[&pid(1), PEOPLE[1].1, "2023-02-20", "CUN-3"]]),
        );
        assert_eq!(v["details"]["suspended_pending_confirmation"], 1, "{v}");
        let show = db.ok_json(&["person", "show", &pid(1)]);
        assert_eq!(show["current_status"], "suspended");

        // A record without a valid ID goes to review, matched on name, birth date and county.
        let text = "身份证号,姓名,死亡日期,来源编号,出生日期,县区代码\n,乔秀英,2023-01-20,WJ-5,1949-06-30,140311\n";
        let v = import_deaths(&db, "health.csv", "health", text);
        assert_eq!(
            (
                v["details"]["review"].as_i64(),
                v["details"]["deaths_confirmed"].as_i64()
            ),
            (Some(1), Some(0))
        );
        // The March draft of 郊区 still pays her: its check flags the record waiting for review.
        let march = db.ok_json(&["payroll", "list", "--month", "2023-03"]);
        let jq = march
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["county"] == "140311")
            .unwrap()["id"]
            .as_i64()
            .unwrap()
            .to_string();
        let checks = db.ok_json(&["payroll", "check", &jq]);
        assert!(
            checks
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["code"] == "A-DEATH-RECORD"),
            "{checks}"
        );
        let queue = db.ok_json(&["deaths", "review"]);
        let item = &queue.as_array().unwrap()[0];
        assert_eq!(item["score"], 100);
        let rid = item["record_id"].as_i64().unwrap().to_string();
        // A confirmation is dated: without its date nothing is decided.
        let undated = db.run(&["deaths", "review", "--confirm", &rid, "--json"]);
        assert_eq!(undated.code, 1, "[{}] {}", db.label, undated.stdout);
        assert!(
            undated.stdout.contains("E-DATE-REQUIRED"),
            "{}",
            undated.stdout
        );
        let on = db.processing_date("");
        let decided = db.ok_json(&["deaths", "review", "--confirm", &rid, "--date", &on]);
        assert_eq!(decided["applied"]["overpaid_fen"], 2000);
        let again = db.ok_json(&["deaths", "review", "--confirm", &rid, "--date", &on]);
        assert!(
            again["applied"].is_null(),
            "confirming twice changes nothing: {again}"
        );
        assert_eq!(
            db.ok_json(&["recovery", "list"]).as_array().unwrap().len(),
            2
        );
        assert_eq!(db.ok_json(&["ledger", "verify"])["ok"], true);

        // Recovering person 0's case: no account balance to offset; the bank deducts 5 yuan, the
        // rest is written off and the case closes.
        let case0 = db.ok_json(&["recovery", "list"]).as_array().unwrap()[0]["case_id"]
            .as_i64()
            .unwrap()
            .to_string();
        let o = db.run(&[
            "recovery",
            "record",
            &case0,
            "--channel",
            "offset",
            "--amount",
            "1",
            "--date",
            "2023-04-01",
            "--json",
        ]);
        assert!(
            o.stdout.contains("E-RECOVERY-OFFSET-EXCEEDS"),
            "{}",
            o.stdout
        );
        let o = db.run(&[
            "recovery",
            "record",
            &case0,
            "--channel",
            "bank-deduction",
            "--amount",
            "30",
            "--date",
            "2023-04-01",
            "--json",
        ]);
        assert!(o.stdout.contains("E-RECOVERY-EXCEEDS"), "{}", o.stdout);
        let s = db.ok_json(&[
            "recovery",
            "record",
            &case0,
            "--channel",
            "bank-deduction",
            "--amount",
            "5",
            "--date",
            "2023-04-01",
            "--note",
            "银行协助划扣",
        ]);
        assert_eq!(
            (s["outstanding_fen"].as_i64(), s["status"].as_str()),
            (Some(1500), Some("open"))
        );
        let s = db.ok_json(&[
            "recovery",
            "record",
            &case0,
            "--channel",
            "write-off",
            "--amount",
            "15",
            "--date",
            "2023-05-01",
        ]);
        assert_eq!(
            (s["outstanding_fen"].as_i64(), s["status"].as_str()),
            (Some(0), Some("closed"))
        );
        let history = db.ok_json(&["recovery", "show", &case0]);
        assert_eq!(history["steps"].as_array().unwrap().len(), 2, "{history}");
        assert_eq!(history["steps"][0]["note"], "银行协助划扣");
        assert_eq!(history["overpayments"][0]["months_after_death"], 1);
        let closed = db.ok_json(&["recovery", "list", "--status", "closed"]);
        assert_eq!(closed.as_array().unwrap()[0]["recovered_fen"], 500);
        assert_eq!(closed.as_array().unwrap()[0]["written_off_fen"], 1500);

        // Inheritance: a contributor who died before benefit age; the balance goes to the heir once.
        let young = id("140302", "19650505", 301);
        db.ok_json(&[
            "import",
            "persons",
            &db.file(
                "p2.csv",
                &csv(&PERSON_HEADER, &[person(&young, "梁志刚", "140302", "是")]),
            ),
        ]);
        let c = [contribution(
            &young,
            "梁志刚",
            2021,
            "500",
            "2021-04-01",
            "LZ1",
        )];
        db.ok_json(&[
            "import",
            "contributions",
            &db.file("c.csv", &csv(&CONTRIB_HEADER, &c)),
        ]);
        let heir = id("140302", "19900101", 302);
        let heir_account = yanglao_domain::bank::with_luhn_digit("622848000033334444");
        let pay = [
            "inheritance",
            "pay",
            &young,
            "--heir-name",
            "梁文",
            "--heir-id",
            &heir,
            "--heir-bank",
            "中国农业银行",
            "--heir-account",
            &heir_account,
            "--date",
            "2023-06-01",
        ];
        let o = db.run(&[&pay[..], &["--json"]].concat());
        assert!(o.stdout.contains("E-INHERIT-NOT-DECEASED"), "{}", o.stdout);
        import_deaths(
            &db,
            "police2.csv",
            "police",
            &deaths_csv(&[[&young, "梁志刚", "2023-05-01", "GA-002"]]),
        );
        // The heirs are owed the interest of 2022 (on the balance at the end of 2021): it must be
        // credited before they are paid.
        let o = db.run(&[&pay[..], &["--json"]].concat());
        assert!(
            o.code == 1
                && o.stdout.contains("E-INHERIT-INTEREST-PENDING")
                && o.stdout.contains("2022"),
            "{}",
            o.stdout
        );
        db.ok_json(&["interest", "credit", "--year", "2022"]);
        let before = db.ok_json(&["account", "show", &young])["balance_fen"]
            .as_i64()
            .unwrap();
        assert!(before > 50000 + 12000, "{before}");
        let v = db.ok_json(&pay);
        assert_eq!(
            (v["paid_fen"].as_i64(), v["offset_fen"].as_i64()),
            (Some(before), Some(0)),
            "{v}"
        );
        assert_eq!(db.ok_json(&["account", "show", &young])["balance_fen"], 0);
        // The account is closed: the interest of 2023 (on the balance at the end of 2022) is
        // not credited to it.
        db.ok_json(&["interest", "credit", "--year", "2023"]);
        assert_eq!(db.ok_json(&["account", "show", &young])["balance_fen"], 0);
        let o = db.run(&[&pay[..], &["--json"]].concat());
        assert!(o.stdout.contains("E-INHERIT-DONE"), "{}", o.stdout);
        // A death recorded after March was approved for 平定县: the bank pays, and the payment
        // becomes an overpayment when its return comes in.
        let march = db.ok_json(&["payroll", "list", "--month", "2023-03"]);
        let pd = march
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["county"] == "140321")
            .unwrap()["id"]
            .as_i64()
            .unwrap()
            .to_string();
        db.ok_json(&["--by", "checker", "payroll", "approve", &pd]);
        let out = db.dir.path().join("out-late");
        let e = db.ok_json(&["payroll", "export", &pd, "--out", out.to_str().unwrap()]);
        let v = import_deaths(
            &db,
            "police3.csv",
            "police",
            &deaths_csv(&[[&pid(3), PEOPLE[3].1, "2023-02-15", "GA-003"]]),
        );
        assert_eq!(
            v["details"]["recovery_cases"], 0,
            "nothing paid after the death yet: {v}"
        );
        let bank = e["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f.as_str().unwrap().contains("银行代发"))
            .unwrap();
        let bytes = std::fs::read(bank.as_str().unwrap()).unwrap();
        let ret = bank_return(&bytes, "2023-03-10", &[]);
        db.ok_json(&["import", "bank-return", &db.file("ret-late.csv", &ret)]);
        let cases = db.ok_json(&["recovery", "list", "--county", "140321"]);
        assert_eq!(
            cases.as_array().unwrap()[0]["overpaid_fen"],
            2000,
            "{cases}"
        );
        assert_eq!(db.ok_json(&["ledger", "verify"])["ok"], true);
        let shown = db.ok_json(&["person", "show", &pid(3)]);
        assert_eq!(
            (
                shown["death"]["date"].as_str(),
                shown["death"]["official"].as_bool()
            ),
            (Some("2023-02-15"), Some(true))
        );

        // The fund statement balances and closes on what the ledger holds.
        let verify = db.ok_json(&["ledger", "verify"]);
        let assets: i64 = verify["fund_by_county"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c[1].as_i64().unwrap())
            .sum();
        let st = db.ok_json(&[
            "fund",
            "statement",
            "--year",
            "2023",
            "--out",
            db.dir.path().join("fund.xlsx").to_str().unwrap(),
        ]);
        assert_eq!(st["closing_fen"].as_i64(), Some(assets), "{st}");
        assert_eq!(
            st["brought_forward_fen"].as_i64().unwrap() + st["surplus_fen"].as_i64().unwrap(),
            assets
        );
        let y2021 = db.ok_json(&["fund", "statement", "--year", "2021"]);
        assert_eq!(
            y2021["income"]["personal_contributions_fen"], 50000,
            "{y2021}"
        );
        assert_eq!(
            (
                y2021["income"]["entry_subsidy"]["city_fen"].as_i64(),
                y2021["income"]["entry_subsidy"]["county_fen"].as_i64()
            ),
            (Some(3600), Some(8400))
        );
        assert_eq!(
            y2021["closing_fen"],
            y2021["brought_forward_fen"].as_i64().unwrap() + 62000
        );
        // The balance with the interest of 2022: 62,000 fen × 1.65% = 1,023 fen.
        assert_eq!(st["expenditure"]["paid_to_heirs_fen"], 62000 + 1023);
        assert!(db.dir.path().join("fund.xlsx").exists());
        let sum_counties: i64 = ["140302", "140303", "140311", "140321", "140322"]
            .iter()
            .map(|c| {
                db.ok_json(&["fund", "statement", "--year", "2023", "--county", c])["closing_fen"]
                    .as_i64()
                    .unwrap()
            })
            .sum();
        assert_eq!(sum_counties, assets);
        let figures = db.ok_json(&["recovery", "figures"]);
        let chengqu = figures
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["county"] == "140302")
            .unwrap();
        assert_eq!(
            (
                chengqu["cases_opened"].as_i64(),
                chengqu["overpaid_fen"].as_i64()
            ),
            (Some(1), Some(2000)),
            "{figures}"
        );
        assert_eq!(
            (
                chengqu["recovered_fen"].as_i64(),
                chengqu["outstanding_fen"].as_i64()
            ),
            (Some(500), Some(0))
        );
        // March's draft dropped person 0 before approval: one payment stopped before it was made.
        assert_eq!(
            (
                chengqu["payments_stopped"].as_i64(),
                chengqu["payments_stopped_fen"].as_i64()
            ),
            (Some(1), Some(2000))
        );
        assert_eq!(db.ok_json(&["ledger", "verify"])["ok"], true);
    }
}

#[test]
fn uncertified_recipients_are_left_out_until_they_certify_then_back_paid() {
    for db in backends("certify") {
        register(&db, 2);
        db.ok_json(&["awards", "run", "--month", "2025-04"]);
        db.ok_json(&["--by", "maker", "payroll", "run", "--month", "2025-04"]);
        // Certification is required from 2024-01 (12 months + 3 of grace): May 2025 leaves both out.
        let may = db.ok_json(&["--by", "maker", "payroll", "run", "--month", "2025-05"]);
        let p = &may["payrolls"][0];
        assert_eq!(
            (p["lines"].as_i64(), p["excluded"]["uncertified"].as_i64()),
            (Some(0), Some(2)),
            "[{}] {may}",
            db.label
        );

        let header = "身份证号,姓名,认证日期,认证方式\n";
        let bad = format!(
            "{header}{},{},2025-06-10,掐指一算\n{},某人,2025-06-10,人脸识别\n{},{},2099-01-01,数据比对\n",
            pid(0), PEOPLE[0].1, id("140302", "19700101", 9), pid(1), PEOPLE[1].1
        );
        let codes = row_codes(
            &db,
            &["import", "certifications", &db.file("bad.csv", &bad)],
        );
        assert_eq!(
            codes,
            ["E-CERT-METHOD", "E-CERT-PERSON-UNKNOWN", "E-DATE-FUTURE"]
                .iter()
                .map(|s| s.to_string())
                .collect()
        );

        let good = format!("{header}{},{},2025-06-10,人脸识别\n", pid(0), PEOPLE[0].1);
        assert_eq!(
            db.ok_json(&["import", "certifications", &db.file("c.csv", &good)])["posted"],
            1
        );
        // June pays person 0 for May and June; person 1 is still left out.
        let june = db.ok_json(&["--by", "maker", "payroll", "run", "--month", "2025-06"]);
        let p = &june["payrolls"][0];
        assert_eq!(
            (p["lines"].as_i64(), p["total_fen"].as_i64()),
            (Some(1), Some(2 * 2000)),
            "{june}"
        );
        assert_eq!(p["excluded"]["uncertified"], 1);
    }
}

/// `inheritance pay` of a deceased person's balance to one heir on `on`.
fn heirs_args(person: &str, on: &str) -> Vec<String> {
    [
        "inheritance",
        "pay",
        person,
        "--heir-name",
        "韩文",
        "--heir-id",
        &id("140302", "19800101", 77),
        "--heir-bank",
        "中国农业银行",
        "--heir-account",
        &yanglao_domain::bank::with_luhn_digit("622848000055556666"),
        "--date",
        on,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// Pays a deceased person's balance to an heir on `on`.
fn pay_heirs(db: &TestDb, person: &str, on: &str) -> Value {
    let args = heirs_args(person, on);
    db.ok_json(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

/// Runs `inheritance pay` expecting a refusal; returns its JSON output.
fn refuse_heirs(db: &TestDb, person: &str, on: &str) -> String {
    let mut args = heirs_args(person, on);
    args.push("--json".into());
    let o = db.run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(o.code, 1, "{}", o.stdout);
    o.stdout
}

#[test]
fn months_owed_at_death_go_to_the_heirs_with_the_balance() {
    for db in backends("owed") {
        register(&db, 2);
        db.ok_json(&["awards", "run", "--month", "2025-04"]);
        pay(&db, "2025-04");
        // May leaves both out as uncertified; person 0 certifies in June and is back-paid.
        let may = db.ok_json(&["--by", "maker", "payroll", "run", "--month", "2025-05"]);
        assert_eq!(may["payrolls"][0]["excluded"]["uncertified"], 2, "{may}");
        let cert = format!(
            "身份证号,姓名,认证日期,认证方式\n{},{},2025-06-10,人脸识别\n",
            pid(0),
            PEOPLE[0].1
        );
        db.ok_json(&["import", "certifications", &db.file("c.csv", &cert)]);
        pay(&db, "2025-06");
        let monthly = |i: usize| {
            db.count(&format!(
                "SELECT exit_province_fen + exit_city_fen + exit_county_fen + raised_province_fen + raised_city_fen + raised_county_fen
                 FROM awards a JOIN persons p ON p.county = a.county AND p.person_id = a.person_id WHERE p.citizen_id = '{}'",
                pid(i)
            ))
        };
        // Both die in June: person 1, never certified, was owed May and June (the month of death
        // is paid); person 0 was paid through June and is owed nothing.
        import_deaths(
            &db,
            "d.csv",
            "police",
            &deaths_csv(&[
                [&pid(0), PEOPLE[0].1, "2025-06-25", "GA-1"],
                [&pid(1), PEOPLE[1].1, "2025-06-20", "GA-2"],
            ]),
        );
        let bank_before = db.count("SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM journal_lines WHERE account = 'bank'");
        let owed = pay_heirs(&db, &pid(1), "2025-07-15");
        assert_eq!(
            (
                owed["arrears_months"].as_i64(),
                owed["arrears_from"].as_str(),
                owed["arrears_to"].as_str(),
                owed["arrears_fen"].as_i64()
            ),
            (
                Some(2),
                Some("2025-05"),
                Some("2025-06"),
                Some(2 * monthly(1))
            ),
            "[{}] {owed}",
            db.label
        );
        assert!(monthly(1) > 0);
        // The subsidy leaves the bank in a benefit payment of its own, owed by each level, dated
        // by the payment to the heirs.
        assert_eq!(
            db.count("SELECT CAST(COALESCE(SUM(l.amount_fen), 0) AS BIGINT) FROM journal_lines l JOIN journal_entries e ON e.county = l.county AND e.entry_id = l.entry_id
                      WHERE e.kind = 'benefit_payment' AND e.entry_date = '2025-07-15' AND l.account LIKE 'receivable.subsidy.exit.%'"),
            2 * monthly(1)
        );
        let bank_after = db.count("SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM journal_lines WHERE account = 'bank'");
        assert_eq!(
            bank_before - bank_after,
            2 * monthly(1) + owed["paid_fen"].as_i64().unwrap()
        );
        // Person 0 drew the exit subsidy alone and was paid through the month of death: there is
        // nothing to pay the heirs, and no empty entry is posted.
        let entries = db.count("SELECT COUNT(*) FROM journal_entries");
        let out = refuse_heirs(&db, &pid(0), "2025-07-15");
        assert!(out.contains("E-INHERIT-NOTHING"), "{out}");
        assert_eq!(db.count("SELECT COUNT(*) FROM journal_entries"), entries);
        // The year's statement counts them as exit subsidies paid.
        let st = db.ok_json(&["fund", "statement", "--year", "2025"]);
        let paid_lines = db.count("SELECT CAST(COALESCE(SUM(exit_province_fen + exit_city_fen + exit_county_fen), 0) AS BIGINT) FROM payroll_lines WHERE status = 'paid'");
        assert_eq!(
            st["expenditure"]["exit_subsidy_fen"].as_i64(),
            Some(paid_lines + 2 * monthly(1)),
            "{st}"
        );
        assert_eq!(db.ok_json(&["ledger", "verify"])["ok"], true);
        // Once only.
        let out = refuse_heirs(&db, &pid(1), "2025-07-16");
        assert!(out.contains("E-INHERIT-DONE"), "{out}");
    }
}

#[test]
fn death_dates_months_and_order_are_respected() {
    for db in backends("deathrules") {
        register(&db, 4);
        db.ok_json(&["awards", "run", "--month", "2023-01"]);
        // Person 1's first payment is back pay 2021-01..2023-01, still a draft, when their death on
        // 2022-06-10 arrives: the line is cut to 2021-01..2022-06, not dropped.
        let jan = db.ok_json(&[
            "--by", "maker", "payroll", "run", "--month", "2023-01", "--county", "140302",
        ]);
        assert_eq!(jan["payrolls"][0]["total_fen"], 2 * 25 * 2000);
        import_deaths(
            &db,
            "d1.csv",
            "police",
            &deaths_csv(&[[&pid(1), PEOPLE[1].1, "2022-06-10", "GA-11"]]),
        );
        let list = db.ok_json(&["payroll", "list", "--month", "2023-01"]);
        let cq = list
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["county"] == "140302")
            .unwrap();
        assert_eq!(
            (cq["lines"].as_i64(), cq["total_fen"].as_i64()),
            (Some(2), Some(25 * 2000 + 18 * 2000)),
            "{list}"
        );

        // Months are run in order.
        let o = db.run(&[
            "--by", "maker", "payroll", "run", "--month", "2022-12", "--county", "140302", "--json",
        ]);
        assert!(
            o.code == 1 && o.stdout.contains("E-PAYROLL-OUT-OF-ORDER"),
            "{}",
            o.stdout
        );

        // A death recorded before its month's payroll: that month is still paid, the next is not.
        db.ok_json(&[
            "--by", "maker", "payroll", "run", "--month", "2023-01", "--county", "140311",
        ]);
        import_deaths(
            &db,
            "d2.csv",
            "health",
            &deaths_csv(&[[&pid(2), PEOPLE[2].1, "2023-02-10", "WJ-21"]]),
        );
        let feb = db.ok_json(&[
            "--by", "maker", "payroll", "run", "--month", "2023-02", "--county", "140311",
        ]);
        assert_eq!(
            (
                feb["payrolls"][0]["lines"].as_i64(),
                feb["payrolls"][0]["total_fen"].as_i64()
            ),
            (Some(1), Some(2000)),
            "{feb}"
        );
        let mar = db.ok_json(&[
            "--by", "maker", "payroll", "run", "--month", "2023-03", "--county", "140311",
        ]);
        assert_eq!(mar["payrolls"][0]["excluded"]["deceased"], 1, "{mar}");

        // A village report, then the official record: the person is deceased, not suspended.
        db.ok_json(&[
            "--by", "maker", "payroll", "run", "--month", "2023-01", "--county", "140321",
        ]);
        import_deaths(
            &db,
            "v.csv",
            "village",
            &deaths_csv(&[[&pid(3), PEOPLE[3].1, "2023-01-20", "CUN-31"]]),
        );
        import_deaths(
            &db,
            "p3.csv",
            "police",
            &deaths_csv(&[[&pid(3), PEOPLE[3].1, "2023-01-18", "GA-31"]]),
        );
        let feb = db.ok_json(&[
            "--by", "maker", "payroll", "run", "--month", "2023-02", "--county", "140321",
        ]);
        assert_eq!(
            feb["payrolls"][0]["excluded"],
            serde_json::json!({"deceased": 1}),
            "{feb}"
        );
        let dis = db.ok_json(&["deaths", "disagreements"]);
        let d3 = dis
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["county"] == "140321")
            .unwrap();
        assert_eq!(
            (
                d3["death_date"].as_str(),
                d3["records"].as_array().unwrap().len()
            ),
            (Some("2023-01-18"), 2),
            "{dis}"
        );
        let shown = db.ok_json(&["person", "show", &pid(3)]);
        assert_eq!(
            (
                shown["death"]["date"].as_str(),
                shown["death"]["disagreement"].as_bool()
            ),
            (Some("2023-01-18"), Some(true))
        );
        assert_eq!(db.ok_json(&["ledger", "verify"])["ok"], true);
    }
}

#[test]
fn an_earlier_official_date_adds_the_missing_overpayment_and_heirs_wait_for_the_bank() {
    for db in backends("earlier") {
        register(&db, 1);
        db.ok_json(&["awards", "run", "--month", "2023-01"]);
        for m in ["2023-01", "2023-02", "2023-03", "2023-04"] {
            pay(&db, m);
        }
        // May is exported but the bank has not answered yet.
        let may = db.ok_json(&["--by", "maker", "payroll", "run", "--month", "2023-05"]);
        let may_id = may["payrolls"][0]["id"].as_i64().unwrap().to_string();
        db.ok_json(&["--by", "checker", "payroll", "approve", &may_id]);
        db.ok_json(&[
            "payroll",
            "export",
            &may_id,
            "--out",
            db.dir.path().join("may").to_str().unwrap(),
        ]);
        // Police: died 2023-03-05 → April overpaid. Health, later: died 2023-01-20 → Feb–Apr.
        import_deaths(
            &db,
            "a.csv",
            "police",
            &deaths_csv(&[[&pid(0), PEOPLE[0].1, "2023-03-05", "GA-1"]]),
        );
        assert_eq!(db.ok_json(&["recovery", "list"])[0]["overpaid_fen"], 2000);
        import_deaths(
            &db,
            "b.csv",
            "health",
            &deaths_csv(&[[&pid(0), PEOPLE[0].1, "2023-01-20", "WJ-1"]]),
        );
        let cases = db.ok_json(&["recovery", "list"]);
        assert_eq!(
            (
                cases[0]["overpaid_fen"].as_i64(),
                cases[0]["death_date"].as_str()
            ),
            (Some(3 * 2000), Some("2023-01-20")),
            "{cases}"
        );
        // Applying the same records again changes nothing.
        import_deaths(
            &db,
            "c.csv",
            "civil-affairs",
            &deaths_csv(&[[&pid(0), PEOPLE[0].1, "2023-01-25", "MZ-1"]]),
        );
        assert_eq!(
            db.ok_json(&["recovery", "list"])[0]["overpaid_fen"],
            3 * 2000
        );
        let heir = id("140302", "19800101", 77);
        let acct = yanglao_domain::bank::with_luhn_digit("622848000055556666");
        let o = db.run(&[
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
            "2023-06-30",
            "--json",
        ]);
        assert!(
            o.code == 1 && o.stdout.contains("E-INHERIT-PENDING"),
            "{}",
            o.stdout
        );
        assert_eq!(db.ok_json(&["ledger", "verify"])["ok"], true);
    }
}
