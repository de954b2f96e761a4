//! Integration tests of every command, on SQLite and (when configured) PostgreSQL.

use crate::common::*;
use serde_json::Value;
use std::collections::BTreeSet;

const A: (&str, &str) = ("140302", "张建国"); // born 1970, pays for himself
const B: (&str, &str) = ("140321", "李秀英"); // born 1965, 低保对象: government-paid
const C: (&str, &str) = ("140322", "王芳"); // not in the basic scheme
const D: (&str, &str) = ("140311", "赵玉兰"); // born 1950: over benefit age at launch

fn ids() -> [String; 4] {
    [
        id(A.0, "19700501", 11),
        id(B.0, "19650303", 22),
        id(C.0, "19800101", 33),
        id(D.0, "19500101", 44),
    ]
}

fn persons_csv() -> String {
    let [a, b, c, d] = ids();
    csv(
        &PERSON_HEADER,
        &[
            person(&a, A.1, A.0, "是"),
            person(&b, B.1, B.0, "是"),
            person(&c, C.1, C.0, "否"),
            person(&d, D.1, D.0, "是"),
        ],
    )
}

/// A's 200-yuan contribution for 2021 (receipt R1).
fn contribute_a_2021(db: &TestDb, a: &str) {
    let rows = [contribution(a, A.1, 2021, "200", "2021-03-15", "R1")];
    db.ok_json(&[
        "import",
        "contributions",
        &db.file("c.csv", &csv(&CONTRIB_HEADER, &rows)),
    ]);
}

fn codes(v: &Value, key: &str) -> BTreeSet<String> {
    v[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap().to_string())
        .collect()
}

fn account(db: &TestDb, citizen_id: &str) -> Value {
    db.ok_json(&["account", "show", citizen_id])
}

#[test]
fn init_is_idempotent_and_policy_show_prints_the_parameters() {
    for db in empty_backends("init") {
        let first = db.ok_json(&["init"]);
        assert_eq!(
            first["applied_migrations"],
            serde_json::json!([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]),
            "{}",
            db.label
        );
        let again = db.ok_json(&["init"]);
        assert_eq!(
            again["applied_migrations"],
            serde_json::json!([]),
            "{}",
            db.label
        );
        assert_eq!(
            db.count("SELECT COUNT(*) FROM regions WHERE level = 'county'"),
            5
        );
    }
    let db = &backends("policy")[0];
    let shown = db.ok_json(&[
        "policy",
        "show",
        "--region",
        "140302",
        "--date",
        "2023-06-30",
    ]);
    assert_eq!(shown["version"]["version"], 1);
    let p = &shown["params"];
    assert_eq!(p["benefit_age"], 65);
    assert_eq!(p["min_contribution_years"], 15);
    assert_eq!(p["annuity_divisor"], 139);
    assert_eq!(p["tiers"].as_array().unwrap().len(), 5);
    assert_eq!(
        p["tiers"][0],
        serde_json::json!({"contribution_fen": 20000, "entry_subsidy_fen": 7000})
    );
    assert_eq!(
        p["tiers"][4],
        serde_json::json!({"contribution_fen": 500000, "entry_subsidy_fen": 60000})
    );
    for shares in ["entry_subsidy_shares", "exit_subsidy_shares"] {
        let s = &p[shares];
        let sum = s["province"].as_f64().unwrap()
            + s["city"].as_f64().unwrap()
            + s["county"].as_f64().unwrap();
        assert!((sum - 100.0).abs() < 1e-9, "{shares} sums to {sum}");
    }
    assert_eq!(p["exit_subsidy_shares"]["province"], 50);
    assert_eq!(p["exit_subsidy_monthly_fen"], 2000);
    assert_eq!(p["exit_subsidy_per_contribution_year_monthly_fen"], 100);
    assert_eq!(p["government_paid_tier_fen"], 20000);
    assert!(p["credit_interest_rate"].as_f64().unwrap() > 0.0);
    let before = db.run(&[
        "policy",
        "show",
        "--region",
        "140302",
        "--date",
        "2020-06-30",
        "--json",
    ]);
    assert_ne!(before.code, 0);
    assert!(
        before.stdout.contains("E-POLICY-DATE-OUT-OF-RANGE"),
        "{}",
        before.stdout
    );
}

#[test]
fn policy_check_reports_every_problem_with_its_line() {
    let db = &backends("policycheck")[0];
    for f in [
        "shanxi-supplementary.toml",
        "shanxi-basic.toml",
        "employee-flexible.toml",
    ] {
        let path = format!("{}/../../policies/{f}", env!("CARGO_MANIFEST_DIR"));
        let v = db.ok_json(&["policy", "check", &path]);
        assert_eq!(v["ok"], true, "{f}: {v}");
    }
    let shipped = std::fs::read_to_string(format!(
        "{}/../../policies/shanxi-supplementary.toml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let broken = shipped
        .replacen("benefit_age = 65", "benefit_age = -65", 1)
        .replacen(
            "entry_subsidy_shares = { province = 0, city = 30, county = 70 }",
            "entry_subsidy_shares = { province = 0, city = 30, county = 60 }",
            1,
        )
        + "\n[[values]]\nfrom = \"2022-01-01\"\nbenefit_agee = 60\n";
    let path = db.file("broken.toml", &broken);
    let o = db.run(&["policy", "check", &path, "--json"]);
    assert_eq!(o.code, 1, "{}", o.stdout);
    let v = o.json();
    let found = codes(&v, "problems");
    for c in [
        "E-POLICY-NEGATIVE",
        "E-POLICY-SHARES-SUM",
        "E-POLICY-UNKNOWN-KEY",
    ] {
        assert!(found.contains(c), "missing {c} in {v}");
    }
    let line_of = |needle: &str| broken.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let problem = |code: &str| {
        v["problems"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["code"] == code)
            .unwrap()
            .clone()
    };
    assert_eq!(
        problem("E-POLICY-UNKNOWN-KEY")["line"],
        line_of("benefit_agee") as u64
    );
    assert_eq!(
        problem("E-POLICY-NEGATIVE")["line"],
        line_of("benefit_age = -65") as u64
    );
}

#[test]
fn register_contributions_and_accounts() {
    for db in backends("contrib") {
        let persons = db.file("persons.csv", &persons_csv());
        let v = db.ok_json(&["import", "persons", &persons]);
        assert_eq!(
            (v["posted"].as_u64(), v["rows"].as_u64()),
            (Some(4), Some(4)),
            "{}",
            db.label
        );
        let again = db.ok_json(&["import", "persons", &persons]);
        assert_eq!(again["already_imported"], true);
        assert_eq!(again["posted"], 0);

        // A changed phone number updates the register and is audited.
        let [a, b, c, _d] = ids();
        let changed = persons_csv().replace("13903530000", "13512345678");
        let p2 = db.file("persons-2.csv", &changed);
        let audits = db.count("SELECT COUNT(*) FROM audit_log WHERE action = 'person.update'");
        let v = db.ok_json(&["import", "persons", &p2]);
        assert_eq!(
            (
                v["updated"].as_u64(),
                v["posted"].as_u64(),
                v["skipped"].as_u64()
            ),
            (Some(4), Some(0), Some(0))
        );
        assert_eq!(
            db.count("SELECT COUNT(*) FROM audit_log WHERE action = 'person.update'"),
            audits + 4
        );
        assert_eq!(
            db.count("SELECT COUNT(*) FROM persons WHERE phone = '13512345678'"),
            4
        );

        let c2021 = db.file(
            "c2021.csv",
            &csv(
                &CONTRIB_HEADER,
                &[contribution(&a, A.1, 2021, "200", "2021-03-15", "R001")],
            ),
        );
        let v = db.ok_json(&["import", "contributions", &c2021]);
        assert_eq!(v["posted"], 1);
        let acc = account(&db, &a);
        assert_eq!(acc["personal_fen"], 20000, "{}", db.label);
        assert_eq!(acc["subsidy_fen"], 7000);
        assert_eq!(acc["balance_fen"], 27000);
        assert_eq!(acc["movements"][0]["subsidy_city_fen"], 2100);
        assert_eq!(acc["movements"][0]["subsidy_county_fen"], 4900);
        assert_eq!(acc["contribution_years"], serde_json::json!([2021]));

        // The same file again, then a file that repeats the row and adds one: nothing twice.
        let v = db.ok_json(&["import", "contributions", &c2021]);
        assert_eq!(v["already_imported"], true);
        let both = db.file(
            "c2021-b.csv",
            &csv(
                &CONTRIB_HEADER,
                &[
                    contribution(&a, A.1, 2021, "200", "2021-03-15", "R001"),
                    contribution(&b, B.1, 2021, "\"1,000.00\"", "2021/4/1", "R002"),
                ],
            ),
        );
        let v = db.ok_json(&["import", "contributions", &both]);
        assert_eq!(
            (v["posted"].as_u64(), v["skipped"].as_u64()),
            (Some(1), Some(1))
        );
        assert_eq!(account(&db, &b)["balance_fen"], 100000 + 20000);
        assert_eq!(account(&db, &a)["balance_fen"], 27000);

        // --dry-run validates and writes nothing.
        let dry = db.file(
            "c2022.csv",
            &csv(
                &CONTRIB_HEADER,
                &[contribution(&a, A.1, 2022, "500", "2022-03-15", "R101")],
            ),
        );
        let before = db.footprint();
        let v = db.ok_json(&["import", "contributions", &dry, "--dry-run"]);
        assert_eq!(
            (v["dry_run"].as_bool(), v["posted"].as_u64()),
            (Some(true), Some(0))
        );
        assert_eq!(db.footprint(), before);

        // Someone outside the basic scheme cannot contribute; a different receipt for a paid year is refused.
        let bad = db.file(
            "bad.csv",
            &csv(
                &CONTRIB_HEADER,
                &[
                    contribution(&c, C.1, 2021, "200", "2021-03-15", "R003"),
                    contribution(&a, A.1, 2021, "200", "2021-05-15", "R004"),
                    contribution(&a, A.1, 2022, "500", "2022-05-15", "R001"),
                ],
            ),
        );
        let o = db.run(&["import", "contributions", &bad, "--json"]);
        assert_eq!(o.code, 1);
        let found = codes(&o.json(), "errors");
        assert_eq!(
            found,
            [
                "E-CONTRIB-NOT-BASIC",
                "E-CONTRIB-YEAR-ALREADY-PAID",
                "E-CONTRIB-RECEIPT-CONFLICT"
            ]
            .iter()
            .map(|s| s.to_string())
            .collect()
        );
        assert_eq!(db.footprint(), before);

        let v = db.ok_json(&["ledger", "verify"]);
        assert_eq!(v["ok"], true, "{v}");
        let missing = db.run(&["account", "show", &id("140302", "19900101", 1), "--json"]);
        assert_eq!(missing.code, 1);
        assert!(missing.stdout.contains("E-PERSON-NOT-FOUND"));
    }
}

#[test]
fn bad_rows_are_all_reported_and_nothing_is_written() {
    for db in backends("bad") {
        let [a, b, c, _] = ids();
        db.ok_json(&["import", "persons", &db.file("p.csv", &persons_csv())]);
        let unknown = id("140302", "19720202", 99);
        let bad_checksum = {
            let mut s = a.clone();
            let last = if s.ends_with('0') { '1' } else { '0' };
            s.pop();
            s.push(last);
            s
        };
        let fullwidth: String = a
            .chars()
            .map(|ch| char::from_u32(ch as u32 + 0xFEE0).unwrap())
            .collect();
        let rows = vec![
            contribution(&a, A.1, 2021, "300", "2021-03-01", "X1"),
            contribution(&a, A.1, 2022, "0", "2022-03-01", "X2"),
            contribution(&a, A.1, 2023, "-200", "2023-03-01", "X3"),
            contribution(&unknown, "某人", 2021, "200", "2021-03-01", "X4"),
            contribution(&c, C.1, 2021, "200", "2021-03-01", "X5"),
            contribution(&a, A.1, 2019, "200", "2019-03-01", "X6"),
            contribution(&bad_checksum, A.1, 2021, "200", "2021-03-01", "X7"),
            contribution("140302197002300011", A.1, 2021, "200", "2021-03-01", "X8"),
            contribution(&fullwidth, A.1, 2021, "200", "2021-03-01", "X9"),
            contribution(&b, B.1, 2021, "200", "2021-03-01", "X10"),
            contribution(&b, B.1, 2021, "500", "2021-04-01", "X11"),
            contribution(&b, "李秀", 2022, "200", "2022-03-01", "X12"),
            contribution(&b, B.1, 2022, "200", "2022-13-01", "X13"),
        ];
        let path = db.file("bad.csv", &csv(&CONTRIB_HEADER, &rows));
        let before = db.footprint();
        let o = db.run(&["import", "contributions", &path, "--json"]);
        assert_eq!(o.code, 1, "[{}] {}", db.label, o.stdout);
        let v = o.json();
        let expected = [
            "E-CONTRIB-NOT-A-TIER",
            "E-AMOUNT-NOT-POSITIVE",
            "E-CONTRIB-PERSON-UNKNOWN",
            "E-CONTRIB-NOT-BASIC",
            "E-CONTRIB-YEAR-OUT-OF-POLICY",
            "E-ID-CHECKSUM",
            "E-ID-BIRTH-DATE",
            "E-ID-NON-ASCII",
            "E-CONTRIB-DUPLICATE-PERSON",
            "E-CONTRIB-NAME-MISMATCH",
            "E-DATE-FORMAT",
        ];
        assert_eq!(
            codes(&v, "errors"),
            expected.iter().map(|s| s.to_string()).collect()
        );
        // Every problem names its row and column.
        let first = &v["errors"][0];
        assert_eq!(first["row"], 2);
        assert_eq!(first["column"], "D 缴费金额(元)");
        let dup = v["errors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["code"] == "E-CONTRIB-DUPLICATE-PERSON")
            .unwrap();
        assert_eq!(dup["row"], 12);
        assert!(dup["message"].as_str().unwrap().contains("第 11 行"));
        assert_eq!(v["posted"], 0);
        assert_eq!(db.footprint(), before, "nothing may be written");
        let report = v["error_report"].as_str().unwrap();
        assert!(
            std::path::Path::new(report).exists(),
            "error report {report}"
        );

        // The human-readable output is in Chinese and names the report.
        let o = db.run(&["import", "contributions", &path]);
        assert!(
            o.stdout.contains("校验未通过") && o.stdout.contains("逐行错误报告"),
            "{}",
            o.stdout
        );

        // Persons: unknown county, duplicate person, bad flag; a lowercase x is only a warning.
        let x_id = {
            let mut seq = 0;
            loop {
                let i = id("140303", "19710707", seq);
                if i.ends_with('X') {
                    break i;
                }
                seq += 1;
            }
        };
        let prow = |idv: &str, county: &str, basic: &str| person(idv, "钱文", county, basic);
        let pbad = db.file(
            "pbad.csv",
            &csv(
                &PERSON_HEADER,
                &[
                    prow(&id("140399", "19700101", 1), "140399", "是"),
                    prow(&id("140303", "19700101", 2), "140303", "是"),
                    prow(&id("140303", "19700101", 2), "140303", "是"),
                    prow(&id("140303", "19700101", 3), "140303", "也许"),
                    prow(&x_id.to_lowercase(), "140303", "是"),
                ],
            ),
        );
        let o = db.run(&["import", "persons", &pbad, "--json"]);
        assert_eq!(o.code, 1);
        let v = o.json();
        assert_eq!(
            codes(&v, "errors"),
            [
                "E-REGION-UNKNOWN",
                "E-PERSON-DUPLICATE",
                "E-PERSON-BASIC-FLAG"
            ]
            .iter()
            .map(|s| s.to_string())
            .collect()
        );
        assert_eq!(
            codes(&v, "warnings"),
            ["W-ID-LOWERCASE-X".to_string()].into_iter().collect()
        );
        assert_eq!(db.footprint(), before);
        let ok = db.file(
            "px.csv",
            &csv(
                &PERSON_HEADER,
                &[prow(&x_id.to_lowercase(), "140303", "是")],
            ),
        );
        let v = db.ok_json(&["import", "persons", &ok]);
        assert_eq!(v["posted"], 1);
        assert_eq!(
            db.count(&format!(
                "SELECT COUNT(*) FROM persons WHERE citizen_id = '{x_id}'"
            )),
            1
        );
    }
}

#[test]
fn spreadsheets_gbk_and_broken_files() {
    for db in backends("files") {
        let [a, b, ..] = ids();
        // A real xlsx person file, columns in another order with an extra column.
        let xlsx = db.dir.path().join("persons.xlsx");
        {
            let mut wb = rust_xlsxwriter::Workbook::new();
            let ws = wb.add_worksheet();
            let header = [
                "备注",
                "姓名",
                "身份证号",
                "县区代码",
                "联系电话",
                "开户银行",
                "银行账号",
                "基本养老保险参保",
            ];
            for (c, h) in header.iter().enumerate() {
                ws.write_string(0, c as u16, *h).unwrap();
            }
            for (r, (idv, (county, name))) in [(&a, A), (&b, B)].iter().enumerate() {
                let r = r as u32 + 1;
                ws.write_string(r, 0, "无").unwrap();
                ws.write_string(r, 1, *name).unwrap();
                ws.write_string(r, 2, idv.as_str()).unwrap();
                ws.write_number(r, 3, county.parse::<f64>().unwrap())
                    .unwrap();
                ws.write_string(r, 4, "13903530000").unwrap();
                ws.write_string(r, 5, "中国农业银行").unwrap();
                ws.write_string(r, 6, "6228480123456789012").unwrap();
                ws.write_string(r, 7, "是").unwrap();
            }
            wb.save(&xlsx).unwrap();
        }
        let v = db.ok_json(&["import", "persons", xlsx.to_str().unwrap()]);
        assert_eq!(v["posted"], 2, "[{}] {v}", db.label);

        // A GBK-encoded CSV, as Excel saves it on Chinese Windows, with an xlsx date cell-like text.
        let text = csv(
            &CONTRIB_HEADER,
            &[contribution(&a, A.1, 2021, "200", "2021年3月5日", "G1")],
        );
        let (gbk, _, _) = encoding_rs::GBK.encode(&text);
        let path = db.dir.path().join("gbk.csv");
        std::fs::write(&path, &gbk).unwrap();
        let v = db.ok_json(&["import", "contributions", path.to_str().unwrap()]);
        assert_eq!(v["posted"], 1);

        // An ID typed as a number has lost digits in Excel.
        let numeric = db.dir.path().join("numeric.xlsx");
        {
            let mut wb = rust_xlsxwriter::Workbook::new();
            let ws = wb.add_worksheet();
            for (c, h) in CONTRIB_HEADER.iter().enumerate() {
                ws.write_string(0, c as u16, *h).unwrap();
            }
            ws.write_number(1, 0, a.parse::<f64>().unwrap_or(1.4e17))
                .unwrap();
            ws.write_string(1, 1, A.1).unwrap();
            ws.write_number(1, 2, 2022.0).unwrap();
            ws.write_number(1, 3, 200.0).unwrap();
            ws.write_string(1, 4, "2022-03-01").unwrap();
            ws.write_string(1, 5, "N1").unwrap();
            wb.save(&numeric).unwrap();
        }
        let o = db.run(&[
            "import",
            "contributions",
            numeric.to_str().unwrap(),
            "--json",
        ]);
        assert_eq!(o.code, 1);
        assert_eq!(
            codes(&o.json(), "errors"),
            ["E-ID-NUMERIC-CELL".to_string()].into_iter().collect()
        );

        let before = db.footprint();
        let bytes = std::fs::read(&xlsx).unwrap();
        let truncated = db.dir.path().join("truncated.xlsx");
        std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
        let not_sheet = db.file("notes.xlsx", "这不是电子表格");
        let cases = [
            (truncated.display().to_string(), "E-FILE-UNREADABLE"),
            (not_sheet, "E-FILE-UNREADABLE"),
            (db.file("empty.csv", ""), "E-FILE-EMPTY"),
            (
                db.file("header.csv", &CONTRIB_HEADER.join(",")),
                "E-FILE-EMPTY",
            ),
            (
                db.file("cols.csv", "身份证号,姓名\n1,2\n"),
                "E-FILE-MISSING-COLUMN",
            ),
            (db.file("c.pdf", "%PDF"), "E-FILE-TYPE"),
            (
                db.dir.path().join("absent.csv").display().to_string(),
                "E-FILE-NOT-FOUND",
            ),
            (
                db.file(
                    "quote.csv",
                    &format!("{}\n\"{a},x\n", CONTRIB_HEADER.join(",")),
                ),
                "E-FILE-UNREADABLE",
            ),
        ];
        for (file, code) in cases {
            let o = db.run(&["import", "contributions", &file, "--json"]);
            assert_eq!(o.code, 1, "{file}");
            assert_eq!(o.json()["code"], code, "{file}: {}", o.stdout);
            let human = db.run(&["import", "contributions", &file]);
            assert!(
                human.stderr.contains(code) && human.stderr.contains("文件"),
                "{}",
                human.stderr
            );
        }
        assert_eq!(db.footprint(), before);
    }
}

#[test]
fn government_paid_contributions_and_interest() {
    for db in backends("govpay") {
        let [a, b, c, d] = ids();
        db.ok_json(&["import", "persons", &db.file("p.csv", &persons_csv())]);
        let hardship = csv(
            &HARDSHIP_HEADER,
            &[
                vec![
                    b.clone(),
                    B.1.into(),
                    "低保对象".into(),
                    "2020-01-01".into(),
                    "".into(),
                ],
                vec![
                    c.clone(),
                    C.1.into(),
                    "特困人员".into(),
                    "2020-01-01".into(),
                    "".into(),
                ],
                vec![
                    d.clone(),
                    D.1.into(),
                    "特困人员".into(),
                    "2020-01-01".into(),
                    "".into(),
                ],
            ],
        );
        let h = db.file("h.csv", &hardship);
        assert_eq!(db.ok_json(&["import", "hardship", &h])["posted"], 3);
        assert_eq!(
            db.ok_json(&["import", "hardship", &h])["already_imported"],
            true
        );
        let bad = db.file(
            "hbad.csv",
            &csv(
                &HARDSHIP_HEADER,
                &[
                    vec![
                        a.clone(),
                        A.1.into(),
                        "富裕人员".into(),
                        "2021-01-01".into(),
                        "".into(),
                    ],
                    vec![
                        a.clone(),
                        A.1.into(),
                        "低保对象".into(),
                        "2021-05-01".into(),
                        "2021-01-01".into(),
                    ],
                    vec![
                        b.clone(),
                        B.1.into(),
                        "低保对象".into(),
                        "2021-01-01".into(),
                        "".into(),
                    ],
                ],
            ),
        );
        let o = db.run(&["import", "hardship", &bad, "--json"]);
        assert_eq!(o.code, 1);
        assert_eq!(
            codes(&o.json(), "errors"),
            [
                "E-HARDSHIP-CATEGORY",
                "E-HARDSHIP-END-BEFORE-START",
                "E-HARDSHIP-OVERLAP"
            ]
            .iter()
            .map(|s| s.to_string())
            .collect()
        );

        contribute_a_2021(&db, &a);
        // Only B qualifies: C is outside the basic scheme, D is past benefit age.
        let g = db.ok_json(&["contributions", "gov-pay", "--year", "2021"]);
        assert_eq!(
            (g["persons"].as_u64(), g["amount_fen"].as_i64()),
            (Some(1), Some(20000)),
            "[{}] {g}",
            db.label
        );
        let again = db.ok_json(&["contributions", "gov-pay", "--year", "2021"]);
        assert_eq!(again["persons"], 0);
        assert_eq!(again["counties"][0]["already_paid"], 1);
        let acc = account(&db, &b);
        assert_eq!(
            (
                acc["government_paid_fen"].as_i64(),
                acc["subsidy_fen"].as_i64()
            ),
            (Some(20000), Some(0))
        );
        let o = db.run(&[
            "contributions",
            "gov-pay",
            "--year",
            "2021",
            "--county",
            "149999",
            "--json",
        ]);
        assert_eq!(o.code, 1);
        assert!(o.stdout.contains("E-REGION-UNKNOWN"));

        // Interest for 2022 on the balance at the end of 2021, at the 2022 crediting rate.
        let rate = db.ok_json(&["policy", "show", "--region", A.0, "--date", "2022-12-31"])
            ["params"]["credit_interest_rate"]
            .as_f64()
            .unwrap();
        let expect = |balance: i64| (balance as f64 * rate).round() as i64;
        let i = db.ok_json(&["interest", "credit", "--year", "2022"]);
        let total: i64 = i["counties"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["total_fen"].as_i64().unwrap())
            .sum();
        assert_eq!(total, expect(27000) + expect(20000));
        assert_eq!(account(&db, &a)["interest_fen"], expect(27000));
        let early = db.run(&["interest", "credit", "--year", "2099", "--json"]);
        assert!(
            early.code == 1 && early.stdout.contains("E-INTEREST-YEAR-NOT-ENDED"),
            "{}",
            early.stdout
        );
        let again = db.ok_json(&["interest", "credit", "--year", "2022"]);
        assert!(again["counties"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["already_credited"] == true));
        assert_eq!(account(&db, &a)["interest_fen"], expect(27000));
        assert_eq!(db.ok_json(&["ledger", "verify"])["ok"], true);
    }
}

#[test]
fn ledger_verify_names_each_breach() {
    for db in backends("verify") {
        let [a, ..] = ids();
        db.ok_json(&["import", "persons", &db.file("p.csv", &persons_csv())]);
        contribute_a_2021(&db, &a);
        assert_eq!(db.ok_json(&["ledger", "verify"])["ok"], true);
        let entry = db.count("SELECT MIN(entry_id) FROM journal_entries");
        let mut conn = db.db();
        conn.transaction(|tx| {
            tx.exec(
                &format!("INSERT INTO journal_lines (county, entry_id, line_no, account, amount_fen) VALUES ('140302', {entry}, 99, 'bank', 5)"),
                &[],
            )
        })
        .unwrap();
        let pid = db.count("SELECT MIN(person_id) FROM persons");
        conn.transaction(|tx| {
            tx.exec(
                &format!(
                    "INSERT INTO account_movements (county, movement_id, person_id, entry_id, movement_date, kind, year, personal_fen,
                     subsidy_province_fen, subsidy_city_fen, subsidy_county_fen, gov_paid_fen, interest_fen, reference)
                     VALUES ('140302', 999999, {pid}, {entry}, '2021-12-31', 'adjustment', 2021, -50000, 0, 0, 0, 0, 0, 'X')"
                ),
                &[],
            )
        })
        .unwrap();
        let o = db.run(&["ledger", "verify", "--json"]);
        assert_eq!(o.code, 1, "[{}] {}", db.label, o.stdout);
        let v = o.json();
        let found: BTreeSet<String> = v["breaches"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["code"].as_str().unwrap().to_string())
            .collect();
        for c in [
            "E-LEDGER-UNBALANCED",
            "E-LEDGER-FUND-MISMATCH",
            "E-LEDGER-SUBLEDGER-MISMATCH",
            "E-LEDGER-NEGATIVE-ACCOUNT",
        ] {
            assert!(found.contains(c), "[{}] missing {c}: {v}", db.label);
        }
        let human = db.run(&["ledger", "verify"]);
        assert!(human.stdout.contains("借贷不平"), "{}", human.stdout);
    }
}

#[test]
fn a_million_rows_with_one_bad_row_at_the_end_writes_nothing() {
    for db in backends("million") {
        let path = db.dir.path().join("million.csv");
        yanglao_testdata::write_persons_csv(&path, 1_000_000).unwrap();
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str(
            "140302195001010011,坏行,140302,13900000000,中国农业银行,6228480000000000000,是\n",
        );
        std::fs::write(&path, text).unwrap();
        let before = db.footprint();
        let o = db.run(&["import", "persons", path.to_str().unwrap(), "--json"]);
        assert_eq!(o.code, 1, "[{}]", db.label);
        let v = o.json();
        assert_eq!(v["rows"], 1_000_001);
        assert_eq!(v["errors"].as_array().unwrap().len(), 1);
        assert_eq!(v["errors"][0]["row"], 1_000_002);
        assert_eq!(v["errors"][0]["code"], "E-ID-CHECKSUM");
        assert_eq!(db.footprint(), before);
    }
}

#[test]
fn quickstart_runs_end_to_end_and_again() {
    for db in backends("quick") {
        let v = db.ok_json(&["quickstart", "--out", "ex"]);
        assert_eq!(v["verify"]["ok"], true, "[{}] {v}", db.label);
        let imported: u64 = v["imports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["posted"].as_u64().unwrap())
            .sum();
        assert!(imported > 80, "{imported}");
        let again = db.ok_json(&["quickstart", "--out", "ex"]);
        assert!(again["imports"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["already_imported"] == true));
        assert!(again["gov_pay"]
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["persons"] == 0));
        assert!(
            !v["payrolls"].as_array().unwrap().is_empty(),
            "the quickstart pays benefits: {v}"
        );
        assert!(again["payrolls"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["existed"] == true));
        assert_eq!(again["awards"]["awarded"], 0);
        let movements = db.count("SELECT COUNT(*) FROM account_movements");
        assert_eq!(again["verify"]["movements"].as_i64(), Some(movements));
    }
}

#[test]
fn every_error_code_is_documented() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let docs = std::fs::read_to_string(root.join("docs/ERRORS.md")).unwrap();
    let mut undocumented = BTreeSet::new();
    let mut stack = vec![root.join("crates")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs")
                && !path.to_string_lossy().contains("/tests/")
            {
                let text = std::fs::read_to_string(&path).unwrap();
                for (i, _) in text.match_indices("\"E-").chain(text.match_indices("\"W-")) {
                    let code: String = text[i + 1..]
                        .chars()
                        .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '-')
                        .collect();
                    if code.len() > 2 && !code.ends_with('-') && !docs.contains(&code) {
                        undocumented.insert(format!("{code} ({})", path.display()));
                    }
                }
            }
        }
    }
    assert!(
        undocumented.is_empty(),
        "codes missing from docs/ERRORS.md: {undocumented:?}"
    );
}

#[test]
fn person_status_history_and_decisions() {
    for db in backends("status") {
        let [a, b, ..] = ids();
        db.ok_json(&["import", "persons", &db.file("p.csv", &persons_csv())]);
        let v = db.ok_json(&["person", "show", &b]);
        assert_eq!(v["current_status"], "registered", "[{}] {v}", db.label);
        let rows = [
            contribution(&a, A.1, 2021, "200", "2021-03-15", "R1"),
            contribution(&a, A.1, 2023, "500", "2023-03-15", "R3"),
        ];
        db.ok_json(&[
            "import",
            "contributions",
            &db.file("c.csv", &csv(&CONTRIB_HEADER, &rows)),
        ]);
        let v = db.ok_json(&["person", "show", &a]);
        let years: Vec<(u64, String)> = v["years"]
            .as_array()
            .unwrap()
            .iter()
            .map(|y| {
                (
                    y["year"].as_u64().unwrap(),
                    y["status"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(
            &years[..3],
            &[
                (2021, "contributing".to_string()),
                (2022, "lapsed".to_string()),
                (2023, "contributing".to_string())
            ]
        );
        assert!(
            v["bank_account"].as_str().unwrap().contains("****"),
            "the account is masked"
        );

        let refuse = db.run(&[
            "person",
            "status",
            &a,
            "--set",
            "resumed",
            "--date",
            "2024-01-01",
            "--json",
        ]);
        assert_eq!(refuse.code, 1);
        assert!(refuse.stdout.contains("E-STATUS-TRANSITION"));
        let no_reason = db.run(&["person", "status", &a, "--set", "terminated", "--json"]);
        assert!(
            no_reason.stdout.contains("E-STATUS-REASON"),
            "{}",
            no_reason.stdout
        );
        db.ok_json(&[
            "person",
            "status",
            &a,
            "--set",
            "receiving",
            "--date",
            "2035-05-01",
        ]);
        db.ok_json(&[
            "person",
            "status",
            &a,
            "--set",
            "suspended",
            "--reason",
            "未按期资格认证",
            "--date",
            "2036-01-01",
        ]);
        let earlier = db.run(&[
            "person",
            "status",
            &a,
            "--set",
            "resumed",
            "--date",
            "2035-12-01",
            "--json",
        ]);
        assert!(earlier.stdout.contains("E-STATUS-DATE-ORDER"));
        db.ok_json(&[
            "person",
            "status",
            &a,
            "--set",
            "resumed",
            "--date",
            "2036-02-01",
        ]);
        db.ok_json(&[
            "person",
            "status",
            &a,
            "--set",
            "terminated",
            "--reason",
            "转入职工养老保险",
            "--date",
            "2037-01-01",
        ]);
        let v = db.ok_json(&["person", "show", &a]);
        assert_eq!(v["current_status"], "terminated");
        assert_eq!(v["events"].as_array().unwrap().len(), 4);
        assert_eq!(v["events"][3]["reason"], "转入职工养老保险");
        assert_eq!(
            db.count("SELECT COUNT(*) FROM audit_log WHERE action = 'person.status'"),
            4
        );
        let human = db.run(&["person", "show", &a]);
        assert!(
            human.stdout.contains("断缴") && human.stdout.contains("终止"),
            "{}",
            human.stdout
        );
    }
}

#[test]
fn bench_import_measures_both_backends() {
    let db = &backends("bench")[0];
    let mut args = vec!["bench", "import", "--rows", "500", "--dir", "b"];
    let pg = pg_url();
    if let Some(url) = &pg {
        args.extend(["--pg", url.as_str()]);
    }
    let v = db.ok_json(&args);
    assert_eq!(v["rows"], 500);
    assert!(v["sqlite_rows_per_s"].as_f64().unwrap() > 0.0);
    assert_eq!(v["postgres_rows_per_s"].is_number(), pg.is_some(), "{v}");
}

#[test]
fn interest_is_credited_in_year_order_and_never_lost() {
    for db in backends("order") {
        let [a, b, ..] = ids();
        db.ok_json(&["import", "persons", &db.file("p.csv", &persons_csv())]);
        contribute_a_2021(&db, &a);
        let early = db.run(&["interest", "credit", "--year", "2023", "--json"]);
        assert_eq!(early.code, 1, "[{}] {}", db.label, early.stdout);
        assert!(early.stdout.contains("E-INTEREST-EARLIER-YEAR"));
        db.ok_json(&["interest", "credit", "--year", "2022"]);
        db.ok_json(&["interest", "credit", "--year", "2023"]);

        let rows = [
            // Paid in 2022: it would have earned 2023 interest, already credited in A's county.
            contribution(&a, A.1, 2022, "200", "2022-06-01", "L1"),
            // A 2023 contribution paid in 2019.
            contribution(&b, B.1, 2023, "200", "2019-01-01", "L2"),
        ];
        let o = db.run(&[
            "import",
            "contributions",
            &db.file("late.csv", &csv(&CONTRIB_HEADER, &rows)),
            "--json",
        ]);
        assert_eq!(o.code, 1);
        assert_eq!(
            codes(&o.json(), "errors"),
            ["E-CONTRIB-AFTER-INTEREST", "E-CONTRIB-DATE-BEFORE-YEAR"]
                .iter()
                .map(|s| s.to_string())
                .collect()
        );
        // Back-pay of 2022 paid in 2024 is fine: it earns interest from 2025.
        let ok = [contribution(&a, A.1, 2022, "200", "2024-02-01", "L3")];
        assert_eq!(
            db.ok_json(&[
                "import",
                "contributions",
                &db.file("backpay.csv", &csv(&CONTRIB_HEADER, &ok))
            ])["posted"],
            1
        );

        // Government-paid contributions: not for a future year, nor one whose interest is credited.
        let future = db.run(&["contributions", "gov-pay", "--year", "2099", "--json"]);
        assert!(
            future.stdout.contains("E-GOVPAY-FUTURE-YEAR"),
            "{}",
            future.stdout
        );
        let h = csv(
            &HARDSHIP_HEADER,
            &[vec![
                a.clone(),
                A.1.into(),
                "低保对象".into(),
                "2020-01-01".into(),
                "".into(),
            ]],
        );
        db.ok_json(&["import", "hardship", &db.file("h.csv", &h)]);
        let late = db.run(&["contributions", "gov-pay", "--year", "2021", "--json"]);
        assert!(
            late.stdout.contains("E-GOVPAY-AFTER-INTEREST"),
            "{}",
            late.stdout
        );
        assert_eq!(db.ok_json(&["ledger", "verify"])["ok"], true);
    }
}

#[test]
fn receipts_terminations_and_government_payments_do_not_collide() {
    for db in backends("collide") {
        let [a, b, ..] = ids();
        db.ok_json(&["import", "persons", &db.file("p.csv", &persons_csv())]);
        let pid_b = db.count(&format!(
            "SELECT person_id FROM persons WHERE citizen_id = '{b}'"
        ));
        // A user receipt that looks like a generated one does not block gov-pay.
        let rows = [contribution(
            &b,
            B.1,
            2021,
            "200",
            "2021-03-01",
            &format!("GOV-2021-{pid_b}"),
        )];
        db.ok_json(&[
            "import",
            "contributions",
            &db.file("c.csv", &csv(&CONTRIB_HEADER, &rows)),
        ]);
        let h = csv(
            &HARDSHIP_HEADER,
            &[vec![
                b.clone(),
                B.1.into(),
                "低保对象".into(),
                "2020-01-01".into(),
                "".into(),
            ]],
        );
        db.ok_json(&["import", "hardship", &db.file("h.csv", &h)]);
        assert_eq!(
            db.ok_json(&["contributions", "gov-pay", "--year", "2021"])["persons"],
            1,
            "[{}]",
            db.label
        );
        let acc = account(&db, &b);
        assert_eq!(
            (
                acc["personal_fen"].as_i64(),
                acc["government_paid_fen"].as_i64()
            ),
            (Some(20000), Some(20000))
        );

        db.ok_json(&[
            "person",
            "status",
            &a,
            "--set",
            "terminated",
            "--reason",
            "死亡",
            "--date",
            "2022-01-01",
        ]);
        let rows = [contribution(&a, A.1, 2023, "200", "2023-03-01", "T1")];
        let o = db.run(&[
            "import",
            "contributions",
            &db.file("t.csv", &csv(&CONTRIB_HEADER, &rows)),
            "--json",
        ]);
        assert_eq!(
            codes(&o.json(), "errors"),
            ["E-CONTRIB-TERMINATED".to_string()].into_iter().collect()
        );
    }
}

#[test]
fn cells_encodings_and_sheet_offsets() {
    for db in backends("cells") {
        let [a, b, ..] = ids();
        let before = db.footprint();
        // A GBK file with a stray Windows-1252 byte, and a file that switches from UTF-8 to GBK.
        let header_row = csv(&PERSON_HEADER, &[person(&a, A.1, A.0, "是")]);
        let (gbk, _, _) = encoding_rs::GBK.encode(&header_row);
        let mut stray = gbk.to_vec();
        stray.extend_from_slice(b"140302197005010111,O\x92,140302,,,,\xca\xc7\n");
        let p1 = db.dir.path().join("stray.csv");
        std::fs::write(&p1, &stray).unwrap();
        let mut mixed = csv(&PERSON_HEADER, &[person(&a, A.1, A.0, "是")]).into_bytes();
        mixed.extend_from_slice(
            &encoding_rs::GBK
                .encode(&format!("{b},{},{},,,,是\n", B.1, B.0))
                .0,
        );
        let p2 = db.dir.path().join("mixed.csv");
        std::fs::write(&p2, &mixed).unwrap();
        for (p, line) in [(&p1, "第 3 行"), (&p2, "第 3 行")] {
            let o = db.run(&["import", "persons", p.to_str().unwrap(), "--json"]);
            assert_eq!(o.code, 1);
            let v = o.json();
            assert_eq!(v["code"], "E-FILE-ENCODING", "{v}");
            assert!(v["message"].as_str().unwrap().contains(line), "{v}");
        }

        // Control characters in a cell: a quoted line break in a name, a NUL in another.
        let text = format!(
            "{}\n{a},\"张\n建国\",{},,,,是\n{b},李\u{0}秀英,{},,,,是\n",
            PERSON_HEADER.join(","),
            A.0,
            B.0
        );
        let o = db.run(&["import", "persons", &db.file("ctl.csv", &text), "--json"]);
        assert_eq!(o.code, 1, "[{}] {}", db.label, o.stdout);
        let v = o.json();
        let errs = v["errors"].as_array().unwrap();
        assert_eq!(errs.len(), 2, "{v}");
        assert!(errs
            .iter()
            .all(|e| e["code"] == "E-CELL-CONTROL-CHAR" && e["column"] == "B 姓名"));
        assert_eq!(db.footprint(), before);

        // An xlsx whose used range starts in column B, with a 19-digit account typed as a number
        // and a payment date typed as a date serial.
        let xlsx = db.dir.path().join("offset.xlsx");
        {
            let mut wb = rust_xlsxwriter::Workbook::new();
            let ws = wb.add_worksheet();
            for (c, h) in PERSON_HEADER.iter().enumerate() {
                ws.write_string(0, c as u16 + 1, *h).unwrap();
            }
            let row = person(&a, A.1, A.0, "是");
            for (c, v) in row.iter().enumerate() {
                ws.write_string(1, c as u16 + 1, v).unwrap();
            }
            ws.write_number(1, 6, 6228481000000000053.0).unwrap();
            wb.save(&xlsx).unwrap();
        }
        let o = db.run(&["import", "persons", xlsx.to_str().unwrap(), "--json"]);
        assert_eq!(o.code, 1);
        let v = o.json();
        assert_eq!(v["errors"][0]["code"], "E-CELL-NUMBER-PRECISION", "{v}");
        assert_eq!(v["errors"][0]["column"], "G 银行账号");
        assert_eq!(v["errors"][0]["row"], 2);

        db.ok_json(&["import", "persons", &db.file("p.csv", &persons_csv())]);
        let serial = db.dir.path().join("serial.xlsx");
        {
            let mut wb = rust_xlsxwriter::Workbook::new();
            let ws = wb.add_worksheet();
            for (c, h) in CONTRIB_HEADER.iter().enumerate() {
                ws.write_string(0, c as u16, *h).unwrap();
            }
            ws.write_string(1, 0, a.as_str()).unwrap();
            ws.write_string(1, 1, A.1).unwrap();
            ws.write_number(1, 2, 2022.0).unwrap();
            ws.write_number(1, 3, 200.00000000000003).unwrap();
            ws.write_number(1, 4, 44621.0).unwrap(); // 2022-03-01 as a serial in a General cell
            ws.write_string(1, 5, "S1").unwrap();
            wb.save(&serial).unwrap();
        }
        assert_eq!(
            db.ok_json(&["import", "contributions", serial.to_str().unwrap()])["posted"],
            1
        );
        let acc = account(&db, &a);
        assert_eq!(acc["movements"][0]["date"], "2022-03-01");
        assert_eq!(acc["personal_fen"], 20000);
    }
}
