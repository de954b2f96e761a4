//! The monthly payroll end to end, on SQLite and (when configured) PostgreSQL: awards, runs,
//! checks, maker-checker approval, exports, bank returns, supplementary runs and the deadline.

use crate::common::*;
use serde_json::Value;
use std::collections::BTreeSet;

/// (county, name, birth yyyymmdd, has a bank account)
const PEOPLE: [(&str, &str, &str, bool); 6] = [
    ("140302", "韩桂兰", "19500301", true), // 0: over age at launch
    ("140302", "韩建国", "19520715", true), // 1: shares 0's bank account
    ("140311", "乔秀英", "19570630", true), // 2: reaches 65 on 2022-06-30, contributes 2021-2022
    ("140302", "武玉兰", "19201010", true), // 3: over 100
    ("140302", "郭志刚", "19550505", false), // 4: no bank account
    ("140302", "梁淑珍", "19551111", true), // 5: suspended
];

fn pid(i: usize) -> String {
    id(PEOPLE[i].0, PEOPLE[i].2, 100 + i as u32)
}

fn setup(db: &TestDb) {
    let shared = yanglao_domain::bank::with_luhn_digit("622848000011112222");
    let rows: Vec<Vec<String>> = (0..PEOPLE.len())
        .map(|i| {
            let (county, name, _, bank) = PEOPLE[i];
            let mut r = person(&pid(i), name, county, "是");
            if i == 0 || i == 1 {
                r[5] = shared.clone();
            } else if !bank {
                r[4].clear();
                r[5].clear();
            } else {
                r[5] = yanglao_domain::bank::with_luhn_digit(&format!("62284800002222{i:04}"));
            }
            if i == 3 {
                r[4] = "中国邮政储蓄银行".into();
            }
            r
        })
        .collect();
    db.ok_json(&[
        "import",
        "persons",
        &db.file("p.csv", &csv(&PERSON_HEADER, &rows)),
    ]);
    let c = [
        contribution(&pid(2), PEOPLE[2].1, 2021, "200", "2021-03-01", "C1"),
        contribution(&pid(2), PEOPLE[2].1, 2022, "200", "2022-03-01", "C2"),
    ];
    db.ok_json(&[
        "import",
        "contributions",
        &db.file("c.csv", &csv(&CONTRIB_HEADER, &c)),
    ]);
}

fn payroll_of(v: &Value, county: &str) -> Value {
    v["payrolls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["county"] == county)
        .cloned()
        .unwrap_or(Value::Null)
}

fn files(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn awards_payroll_approval_export_and_bank_returns() {
    for db in backends("payroll") {
        setup(&db);
        let awards = db.ok_json(&["awards", "run", "--month", "2023-01"]);
        assert_eq!(awards["awarded"], 6, "[{}] {awards}", db.label);
        assert_eq!(
            db.ok_json(&["awards", "run", "--month", "2023-01"])["awarded"],
            0
        );
        // Person 2: two years, balance 2 × (200 + 70) yuan; benefit = balance ÷ 139 + 20 + 2 × 1 yuan.
        let a2 = db.count(&format!(
            "SELECT a.account_pension_fen * 1000000 + a.monthly_fen FROM awards a JOIN persons p ON p.county = a.county AND p.person_id = a.person_id WHERE p.citizen_id = '{}'",
            pid(2)
        ));
        assert_eq!((a2 / 1_000_000, a2 % 1_000_000), (388, 388 + 2200));
        db.ok_json(&[
            "person",
            "status",
            &pid(5),
            "--set",
            "suspended",
            "--reason",
            "未按期资格认证",
            "--date",
            "2022-12-01",
        ]);

        let early = db.run(&["payroll", "run", "--month", "2020-12", "--json"]);
        assert!(
            early.stdout.contains("E-MONTH-BEFORE-SCHEME"),
            "{}",
            early.stdout
        );
        let future = db.run(&["payroll", "run", "--month", "2099-01", "--json"]);
        assert!(future.stdout.contains("E-MONTH-FUTURE"));

        let run = db.ok_json(&["--by", "maker", "payroll", "run", "--month", "2023-01"]);
        let chengqu = payroll_of(&run, "140302");
        // 0, 1 and 3 are paid 2021-01..2023-01 (25 months × 20 yuan); 4 has no account, 5 is suspended.
        assert_eq!(chengqu["lines"], 3, "{run}");
        assert_eq!(chengqu["total_fen"], 3 * 25 * 2000);
        assert_eq!(
            chengqu["excluded"],
            serde_json::json!({"no_bank_account": 1, "suspended": 1})
        );
        let jiaoqu = payroll_of(&run, "140311");
        assert_eq!(jiaoqu["total_fen"], 7 * (388 + 2200), "2022-07..2023-01");
        let id = chengqu["id"].as_i64().unwrap();
        let id_jq = jiaoqu["id"].as_i64().unwrap();

        // Running the month again makes nothing new.
        let lines_before = db.count("SELECT COUNT(*) FROM payroll_lines");
        let again = db.ok_json(&["--by", "maker", "payroll", "run", "--month", "2023-01"]);
        assert!(again["payrolls"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["existed"] == true));
        assert_eq!(payroll_of(&again, "140302")["id"], id);
        assert_eq!(db.count("SELECT COUNT(*) FROM payroll_lines"), lines_before);

        let checks = db.ok_json(&["payroll", "check", &id.to_string()]);
        let found: BTreeSet<&str> = checks
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["code"].as_str().unwrap())
            .collect();
        assert_eq!(
            found,
            ["A-OVER-100", "A-SHARED-ACCOUNT"].into_iter().collect(),
            "{checks}"
        );

        let list = db.ok_json(&["payroll", "list", "--month", "2023-01"]);
        let listed = list
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == id)
            .unwrap();
        for key in [
            "id",
            "county",
            "month",
            "status",
            "lines",
            "total_fen",
            "run_by",
            "approved_by",
        ] {
            assert!(listed.get(key).is_some(), "payroll list lacks {key}");
        }
        assert_eq!(listed["status"], "draft");

        let out = db.dir.path().join("out");
        let o = db.run(&[
            "payroll",
            "export",
            &id.to_string(),
            "--out",
            out.to_str().unwrap(),
            "--json",
        ]);
        assert!(
            o.code == 1 && o.stdout.contains("E-PAYROLL-NOT-APPROVED"),
            "{}",
            o.stdout
        );
        let o = db.run(&[
            "--by",
            "maker",
            "payroll",
            "approve",
            &id.to_string(),
            "--json",
        ]);
        assert!(
            o.code == 1 && o.stdout.contains("E-PAYROLL-SAME-USER"),
            "{}",
            o.stdout
        );
        let approved = db.ok_json(&["--by", "checker", "payroll", "approve", &id.to_string()]);
        assert_eq!(
            (
                approved["status"].as_str(),
                approved["approved_by"].as_str()
            ),
            (Some("approved"), Some("checker"))
        );
        let o = db.run(&[
            "--by",
            "checker",
            "payroll",
            "approve",
            &id.to_string(),
            "--json",
        ]);
        assert!(o.stdout.contains("E-PAYROLL-NOT-DRAFT"));

        // Exporting twice gives identical files.
        let e1 = db.ok_json(&[
            "payroll",
            "export",
            &id.to_string(),
            "--out",
            out.to_str().unwrap(),
        ]);
        let first = files(&out);
        std::fs::remove_dir_all(&out).unwrap();
        db.ok_json(&[
            "payroll",
            "export",
            &id.to_string(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(files(&out), first, "a second export must be byte-identical");
        assert_eq!(
            e1["files"].as_array().unwrap().len(),
            1 + 2,
            "the plan and one file per bank"
        );
        // The plan's summary sheet totals what the payroll pays.
        let plan = first
            .iter()
            .find(|(n, _)| n.starts_with("发放计划表"))
            .unwrap();
        let mut wb: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(plan.1.clone())).unwrap();
        use calamine::Reader;
        let summary = wb.worksheet_range("汇总").unwrap();
        let total_row = summary.rows().find(|r| r[0] == "合计").unwrap();
        assert_eq!(total_row[2].to_string().parse::<f64>().unwrap(), 1500.0);
        let detail = wb.worksheet_range("明细1").unwrap();
        assert_eq!(detail.height(), 4);

        // Bank returns: the farmers' bank pays on the 12th; the credit union fails one line.
        let bank_files: Vec<&(String, Vec<u8>)> = first
            .iter()
            .filter(|(n, _)| n.starts_with("银行代发"))
            .collect();
        let before = db.footprint();
        let good = bank_return(&bank_files[0].1, "2023-01-12", &[]);
        // Wrong amount, unknown line and a duplicate each reject the whole file.
        let bad_amount = good.replacen(",500.00,", ",499.00,", 1);
        let unknown = format!(
            "{good}{id},99,{},622848000022220003,500.00,成功,,2023-01-12\n",
            pid(3)
        );
        let duplicate = format!("{good}{}\n", good.lines().nth(1).unwrap());
        for (name, text, code) in [
            ("amount", &bad_amount, "E-RETURN-AMOUNT"),
            ("unknown", &unknown, "E-RETURN-UNKNOWN-LINE"),
            ("dup", &duplicate, "E-RETURN-DUPLICATE"),
        ] {
            let o = db.run(&[
                "import",
                "bank-return",
                &db.file(&format!("r-{name}.csv"), text),
                "--json",
            ]);
            assert_eq!(o.code, 1, "{name}: {}", o.stdout);
            assert!(
                o.json()["errors"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|e| e["code"] == code),
                "{name}: {}",
                o.stdout
            );
        }
        assert_eq!(db.footprint(), before);
        let r1 = db.ok_json(&["import", "bank-return", &db.file("r1.csv", &good)]);
        assert!(r1["posted"].as_u64().unwrap() >= 1);
        assert_eq!(
            db.ok_json(&["import", "bank-return", &db.file("r1.csv", &good)])["already_imported"],
            true
        );
        let second = bank_return(&bank_files[1].1, "2023-01-12", &[]);
        let fail_line: i64 = second
            .lines()
            .nth(1)
            .unwrap()
            .split(',')
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        let second = bank_return(&bank_files[1].1, "2023-01-12", &[fail_line]);
        db.ok_json(&["import", "bank-return", &db.file("r2.csv", &second)]);
        assert_eq!(db.ok_json(&["ledger", "verify"])["ok"], true);

        // The supplementary run re-issues the failed payment once.
        let supp = db.ok_json(&[
            "--by",
            "maker",
            "payroll",
            "run",
            "--month",
            "2023-01",
            "--supplementary",
        ]);
        let s = payroll_of(&supp, "140302");
        assert_eq!(
            (
                s["kind"].as_str(),
                s["lines"].as_i64(),
                s["total_fen"].as_i64()
            ),
            (Some("supplementary"), Some(1), Some(50000))
        );
        let supp2 = db.ok_json(&[
            "--by",
            "maker",
            "payroll",
            "run",
            "--month",
            "2023-01",
            "--supplementary",
        ]);
        assert!(supp2["payrolls"].as_array().unwrap().is_empty(), "{supp2}");

        // 郊区 approves, exports and is paid on the 20th: late.
        db.ok_json(&["--by", "checker", "payroll", "approve", &id_jq.to_string()]);
        let out2 = db.dir.path().join("out2");
        let e = db.ok_json(&[
            "payroll",
            "export",
            &id_jq.to_string(),
            "--out",
            out2.to_str().unwrap(),
        ]);
        let bank = e["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f.as_str().unwrap().contains("银行代发"))
            .unwrap();
        let r = bank_return(
            &std::fs::read(bank.as_str().unwrap()).unwrap(),
            "2023-01-20",
            &[],
        );
        db.ok_json(&["import", "bank-return", &db.file("r3.csv", &r)]);
        // The account pension came out of 乔秀英's individual account.
        let acc = db.ok_json(&["account", "show", &pid(2)]);
        assert_eq!(acc["balance_fen"], 2 * 27000 - 7 * 388);
        let status = db.ok_json(&["payroll", "status", "--month", "2023-01"]);
        let of = |c: &str| {
            status
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["county"] == c)
                .unwrap()
                .clone()
        };
        assert_eq!(
            (
                of("140302")["state"].as_str(),
                of("140302")["late"].as_bool()
            ),
            (Some("paid"), Some(false))
        );
        assert_eq!(
            (
                of("140311")["state"].as_str(),
                of("140311")["late"].as_bool()
            ),
            (Some("paid"), Some(true))
        );
        assert_eq!(of("140322")["state"], "not_started");
        assert_eq!(db.ok_json(&["ledger", "verify"])["ok"], true);

        // February pays one month to those already paid.
        let feb = db.ok_json(&["--by", "maker", "payroll", "run", "--month", "2023-02"]);
        assert_eq!(payroll_of(&feb, "140302")["total_fen"], 3 * 2000);
        assert_eq!(payroll_of(&feb, "140311")["total_fen"], 388 + 2200);
    }
}

/// Payment lines carry no foreign keys (they cost a parent lookup per line); their parents are
/// guaranteed instead by never being deleted, which the database itself refuses.
#[test]
fn parents_of_payment_lines_are_never_deleted() {
    for db in backends("payroll-no-delete") {
        setup(&db);
        db.ok_json(&["awards", "run", "--month", "2023-01"]);
        db.ok_json(&["--by", "maker", "payroll", "run", "--month", "2023-01"]);
        let lines = db.count("SELECT COUNT(*) FROM payroll_lines");
        assert!(lines > 0);
        for table in ["persons", "awards", "payrolls"] {
            let mut conn = db.db();
            let err = conn
                .transaction(|tx| tx.exec(&format!("DELETE FROM {table}"), &[]))
                .expect_err(table);
            assert!(err.to_string().contains("E-DB-NO-DELETE"), "{table}: {err}");
        }
        // Nothing went: every line still has its person, award and payroll.
        assert_eq!(db.count("SELECT COUNT(*) FROM payroll_lines"), lines);
        assert_eq!(
            db.count(
                "SELECT COUNT(*) FROM payroll_lines l WHERE NOT EXISTS (SELECT 1 FROM persons p WHERE p.county = l.county AND p.person_id = l.person_id)
                    OR NOT EXISTS (SELECT 1 FROM awards a WHERE a.county = l.county AND a.award_id = l.award_id)
                    OR NOT EXISTS (SELECT 1 FROM payrolls p WHERE p.county = l.county AND p.payroll_id = l.payroll_id)"
            ),
            0
        );
    }
}

/// A comma, a quote or a line break in a name or a bank's name is quoted in the bank payment file:
/// a CSV reader finds every field in its column, and the bank's return built from it imports.
#[test]
fn bank_files_quote_names_with_commas_and_quotes() {
    for db in backends("payroll-quoting") {
        let name = "王\"小,明";
        let bank = "中国银行,阳泉\"城区\"支行";
        let citizen = id("140302", "19500301", 901);
        let account = yanglao_domain::bank::with_luhn_digit("622848000033334444");
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(PERSON_HEADER).unwrap();
        w.write_record([
            citizen.as_str(),
            name,
            "140302",
            "13903530000",
            bank,
            &account,
            "是",
        ])
        .unwrap();
        let persons = String::from_utf8(w.into_inner().unwrap()).unwrap();
        db.ok_json(&["import", "persons", &db.file("p.csv", &persons)]);
        db.ok_json(&["awards", "run", "--month", "2023-01"]);
        let run = db.ok_json(&["--by", "maker", "payroll", "run", "--month", "2023-01"]);
        let pid = payroll_of(&run, "140302")["id"]
            .as_i64()
            .unwrap()
            .to_string();
        db.ok_json(&["--by", "checker", "payroll", "approve", &pid]);
        let out = db.dir.path().join("out");
        let e = db.ok_json(&["payroll", "export", &pid, "--out", out.to_str().unwrap()]);
        let file = e["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap().to_string())
            .find(|f| f.contains("银行代发"))
            .unwrap();
        let bytes = std::fs::read(&file).unwrap();
        let (text, _, bad) = encoding_rs::GB18030.decode(&bytes);
        assert!(!bad);
        let mut r = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_reader(text.as_bytes());
        let header = r.headers().unwrap().clone();
        assert_eq!(
            header.iter().collect::<Vec<_>>(),
            [
                "批次号",
                "序号",
                "身份证号",
                "姓名",
                "银行账号",
                "金额(元)",
                "摘要"
            ]
        );
        let records: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
        assert_eq!(records.len(), 2, "one payment and the total: {text}");
        let line = &records[0];
        assert_eq!(line.len(), 7);
        assert_eq!(&line[0], pid.as_str());
        assert_eq!(&line[2], citizen.as_str());
        assert_eq!(&line[3], name);
        assert_eq!(&line[4], account.as_str());
        assert!(line[6].ends_with("城乡居民补充养老保险待遇"), "{line:?}");
        let total = &records[1];
        assert_eq!(
            total.iter().collect::<Vec<_>>(),
            ["合计", "1", "", "", bank, &line[5], ""]
        );
        // The bank's return, built from the fields as read, pays the line.
        let ret = format!(
            "批次号,序号,身份证号,银行账号,金额(元),结果,失败原因,入账日期\n{},{},{},{},{},成功,,2023-01-12\n",
            &line[0], &line[1], &line[2], &line[4], &line[5]
        );
        let r1 = db.ok_json(&["import", "bank-return", &db.file("r.csv", &ret)]);
        assert_eq!(r1["posted"], 1, "{r1}");
        assert_eq!(db.ok_json(&["ledger", "verify"])["ok"], true);
    }
}
