//! The fund's bank accounts, agreements and statements: interest shortfalls and the fund
//! statement, on SQLite and (when configured) PostgreSQL.

use crate::common::*;

const AGREEMENTS: [&str; 8] = [
    "县区代码",
    "开户银行",
    "账号",
    "约定利率(%)",
    "计息基础",
    "结息频率",
    "生效日期",
    "终止日期",
];
const STATEMENT: [&str; 6] = [
    "账号",
    "日期",
    "类型",
    "金额(元)",
    "计息起始日",
    "计息终止日",
];

fn rows(r: &[[&str; 8]]) -> Vec<Vec<String>> {
    r.iter()
        .map(|x| x.iter().map(|s| s.to_string()).collect())
        .collect()
}

fn srows(r: &[[&str; 6]]) -> Vec<Vec<String>> {
    r.iter()
        .map(|x| x.iter().map(|s| s.to_string()).collect())
        .collect()
}

#[test]
fn interest_shortfalls_are_found_and_bank_interest_is_income() {
    for db in backends("fund") {
        let chengqu = "6228480000111122223";
        let jiaoqu = "6228480000333344445";
        let agreements = csv(
            &AGREEMENTS,
            &rows(&[
                [
                    "140302",
                    "中国农业银行阳泉分行",
                    chengqu,
                    "1.35",
                    "actual/360",
                    "季",
                    "2021-07-01",
                    "",
                ],
                [
                    "140311",
                    "中国建设银行阳泉分行",
                    jiaoqu,
                    "1.35",
                    "actual/360",
                    "季",
                    "2021-07-01",
                    "",
                ],
            ]),
        );
        assert_eq!(
            db.ok_json(&["import", "bank-agreements", &db.file("a.csv", &agreements)])["posted"],
            2,
            "[{}]",
            db.label
        );
        // An amendment from June 2023 ends the first 城区 agreement the day before.
        let amend = csv(
            &AGREEMENTS,
            &rows(&[[
                "140302",
                "中国农业银行阳泉分行",
                chengqu,
                "1.5",
                "actual/360",
                "季",
                "2023-06-01",
                "",
            ]]),
        );
        db.ok_json(&["import", "bank-agreements", &db.file("a2.csv", &amend)]);
        assert_eq!(
            db.count("SELECT COUNT(*) FROM bank_agreements WHERE to_date IS NOT NULL"),
            1
        );

        // Bad agreements and statements change nothing.
        let before = db.footprint();
        let bad = csv(
            &AGREEMENTS,
            &rows(&[
                [
                    "140302",
                    "中国农业银行",
                    "6228480000999988887",
                    "-0.5",
                    "actual/360",
                    "季",
                    "2021-01-01",
                    "",
                ],
                [
                    "140399",
                    "中国农业银行",
                    "6228480000999988888",
                    "1.35",
                    "actual/364",
                    "周",
                    "2021-01-01",
                    "",
                ],
                [
                    "140302",
                    "中国农业银行阳泉分行",
                    chengqu,
                    "1.35",
                    "actual/360",
                    "季",
                    "2022-01-01",
                    "2022-12-31",
                ],
            ]),
        );
        let codes = row_codes(
            &db,
            &["import", "bank-agreements", &db.file("bad.csv", &bad)],
        );
        for c in [
            "E-AGREEMENT-RATE",
            "E-REGION-UNKNOWN",
            "E-AGREEMENT-BASIS",
            "E-AGREEMENT-FREQUENCY",
            "E-AGREEMENT-OVERLAP",
        ] {
            assert!(codes.contains(c), "missing {c}: {codes:?}");
        }
        let bad_statement = csv(
            &STATEMENT,
            &srows(&[
                ["6228480000000000000", "2022-12-20", "余额", "100", "", ""],
                [chengqu, "2022-12-20", "余额", "100", "", ""],
                [chengqu, "2022-12-20", "余额", "200", "", ""],
            ]),
        );
        let codes = row_codes(
            &db,
            &[
                "import",
                "bank-statement",
                &db.file("bads.csv", &bad_statement),
            ],
        );
        assert_eq!(
            codes,
            ["E-STATEMENT-ACCOUNT", "E-STATEMENT-DUPLICATE"]
                .iter()
                .map(|s| s.to_string())
                .collect()
        );
        assert_eq!(db.footprint(), before);

        // 10 million yuan for the quarter 2022-12-21..2023-03-20 (90 days); 城区's bank credits at
        // 0.2% instead of 1.35%, 郊区's pays what was agreed.
        let statement = csv(
            &STATEMENT,
            &srows(&[
                [chengqu, "2022-12-20", "余额", "10000000.00", "", ""],
                [
                    chengqu,
                    "2023-03-21",
                    "结息",
                    "5000.00",
                    "2022-12-21",
                    "2023-03-20",
                ],
                [jiaoqu, "2022-12-20", "余额", "10000000.00", "", ""],
                [
                    jiaoqu,
                    "2023-03-21",
                    "结息",
                    "33750.00",
                    "2022-12-21",
                    "2023-03-20",
                ],
            ]),
        );
        assert_eq!(
            db.ok_json(&["import", "bank-statement", &db.file("s.csv", &statement)])["posted"],
            4
        );
        assert_eq!(
            db.ok_json(&["import", "bank-statement", &db.file("s.csv", &statement)])
                ["already_imported"],
            true
        );
        let check = db.ok_json(&["fund", "interest-check", "--year", "2023"]);
        let list = check.as_array().unwrap();
        assert_eq!(list.len(), 1, "{check}");
        let s = &list[0];
        assert_eq!(
            (s["county"].as_str(), s["account"].as_str()),
            (Some("140302"), Some(chengqu))
        );
        assert_eq!(
            (
                s["expected_fen"].as_i64(),
                s["credited_fen"].as_i64(),
                s["shortfall_fen"].as_i64()
            ),
            (Some(3_375_000), Some(500_000), Some(2_875_000))
        );
        assert!((s["agreed_rate"].as_f64().unwrap() - 1.35).abs() < 1e-9);
        assert!(
            (s["applied_rate"].as_f64().unwrap() - 0.2).abs() < 1e-9,
            "{s}"
        );
        for key in ["period_start", "period_end"] {
            assert!(s.get(key).is_some());
        }
        // Credited bank interest is the fund's income.
        let out = db.dir.path().join("基金收支.xlsx");
        let st = db.ok_json(&[
            "fund",
            "statement",
            "--year",
            "2023",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(st["income"]["interest_fen"], 500_000 + 3_375_000);
        assert_eq!(
            st["closing_fen"],
            st["brought_forward_fen"].as_i64().unwrap() + st["surplus_fen"].as_i64().unwrap()
        );
        // The workbook goes to whatever sink the interface gives: in memory, the one the command
        // line wrote, its amounts the statement's.
        let mut ctx = yanglao_ops::Ctx::system(db.db()).unwrap();
        let statement = yanglao_ops::books::fund::statement(&mut ctx, 2023, None).unwrap();
        drop(ctx);
        let mut memory = yanglao_ops::files::MemorySink::default();
        let file =
            yanglao_ops::books::fund::write_xlsx(&statement, &mut memory, "基金收支.xlsx").unwrap();
        assert_eq!(file, "基金收支.xlsx");
        let (name, bytes) = &memory.files[0];
        assert_eq!(name, "基金收支.xlsx");
        let rows = xlsx_rows(bytes, "基金收支");
        let yuan = |label: &str| {
            rows.iter()
                .find(|r| r[0] == label)
                .unwrap_or_else(|| panic!("{label} in {rows:?}"))[2]
                .clone()
        };
        assert_eq!(yuan("  利息收入"), "38750", "[{}]", db.label);
        assert_eq!(
            yuan("年末滚存结余"),
            (st["closing_fen"].as_i64().unwrap() as f64 / 100.0).to_string(),
            "[{}]",
            db.label
        );
        assert_same_workbook(
            bytes,
            &std::fs::read(&out).unwrap(),
            &format!("[{}] fund statement", db.label),
        );
        assert_eq!(db.ok_json(&["ledger", "verify"])["ok"], true);
    }
}

#[test]
fn budget_execution_and_funds_in_place() {
    for db in backends("budget") {
        let a = id("140302", "19700501", 11);
        let e = id("140302", "19500301", 12);
        db.ok_json(&[
            "import",
            "persons",
            &db.file(
                "p.csv",
                &csv(
                    &PERSON_HEADER,
                    &[
                        person(&a, "张建国", "140302", "是"),
                        person(&e, "韩桂兰", "140302", "是"),
                    ],
                ),
            ),
        ]);
        db.ok_json(&[
            "import",
            "contributions",
            &db.file(
                "c.csv",
                &csv(
                    &CONTRIB_HEADER,
                    &[contribution(&a, "张建国", 2023, "200", "2023-03-01", "R1")],
                ),
            ),
        ]);
        db.ok_json(&["awards", "run", "--month", "2023-01"]);
        pay(&db, "2023-01");
        let budget = "年度,级次,类别,金额(元)\n2023,省级,出口补,200\n2023,市级,入口补,100\n2023,县级,入口补,49\n2023,市级,出口补,50\n2023,县级,出口补,200\n";
        assert_eq!(
            db.ok_json(&["import", "budget", &db.file("b.csv", budget)])["posted"],
            5,
            "[{}]",
            db.label
        );
        let arrivals = "年度,级次,类别,县区代码,到位日期,金额(元),凭证号\n2023,省级,出口补,140302,2023-02-01,150,CZ-1\n";
        assert_eq!(
            db.ok_json(&["import", "fund-arrivals", &db.file("f.csv", arrivals)])["posted"],
            1
        );
        assert_eq!(
            db.ok_json(&["import", "fund-arrivals", &db.file("f.csv", arrivals)])
                ["already_imported"],
            true
        );

        let ex = db.ok_json(&["budget", "execution", "--year", "2023"]);
        let line = |level: &str, kind: &str| {
            ex["lines"]
                .as_array()
                .unwrap()
                .iter()
                .find(|l| l["level"] == level && l["kind"] == kind)
                .unwrap()
                .clone()
        };
        let p = line("province", "exit");
        assert_eq!(
            (
                p["budget_fen"].as_i64(),
                p["spent_fen"].as_i64(),
                p["arrived_fen"].as_i64()
            ),
            (Some(20000), Some(25000), Some(15000)),
            "{ex}"
        );
        assert_eq!(p["flag"], "over");
        assert!((p["arrival_rate"].as_f64().unwrap() - 0.75).abs() < 1e-9);
        let c = line("city", "entry");
        assert_eq!(
            (c["spent_fen"].as_i64(), c["flag"].as_str()),
            (Some(2100), Some("under"))
        );
        assert_eq!(line("county", "entry")["execution_rate"], 1.0);
        assert_eq!(line("county", "exit")["spent_fen"], 20000);
        let t = &ex["total"];
        assert_eq!(
            (t["budget_fen"].as_i64(), t["spent_fen"].as_i64()),
            (Some(59900), Some(57000))
        );
        assert!((t["execution_rate"].as_f64().unwrap() - 57000.0 / 59900.0).abs() < 1e-12);

        // An adjusted budget replaces the line (audited); bad lines change nothing.
        let adjusted = "年度,级次,类别,金额(元)\n2023,省级,出口补,250\n";
        assert_eq!(
            db.ok_json(&["import", "budget", &db.file("b2.csv", adjusted)])["updated"],
            1
        );
        assert_eq!(
            db.count("SELECT COUNT(*) FROM audit_log WHERE action = 'budget.adjust'"),
            1
        );
        let before = db.footprint();
        let bad =
            "年度,级次,类别,金额(元)\n2023,乡级,出口补,1\n2023,省级,奖励,1\n2023,市级,入口补,-5\n";
        let o = db.run(&["import", "budget", &db.file("bad.csv", bad), "--json"]);
        let codes: std::collections::BTreeSet<String> = o.json()["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["code"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(
            codes,
            ["E-AMOUNT-NEGATIVE", "E-BUDGET-KIND", "E-BUDGET-LEVEL"]
                .iter()
                .map(|s| s.to_string())
                .collect()
        );
        assert_eq!(db.footprint(), before);

        let st = db.ok_json(&["fund", "statement", "--year", "2023"]);
        assert_eq!(
            st["closing_fen"],
            st["brought_forward_fen"].as_i64().unwrap() + st["surplus_fen"].as_i64().unwrap()
        );
        assert!(st["months_of_expenditure"].as_f64().is_some());
        assert_eq!(db.ok_json(&["ledger", "verify"])["ok"], true);
    }
}

#[test]
fn statements_book_each_credit_in_its_year_and_reimports_change_nothing() {
    for db in backends("fund2") {
        let acct = "6228480000111122223";
        let both = csv(
            &AGREEMENTS,
            &rows(&[
                [
                    "140302",
                    "中国农业银行阳泉分行",
                    acct,
                    "1.35",
                    "actual/360",
                    "季",
                    "2021-07-01",
                    "",
                ],
                [
                    "140302",
                    "中国农业银行阳泉分行",
                    acct,
                    "1.5",
                    "actual/360",
                    "季",
                    "2023-06-01",
                    "",
                ],
            ]),
        );
        db.ok_json(&["import", "bank-agreements", &db.file("a.csv", &both)]);
        // The same agreements with one more line: the amended one is unchanged, not an overlap.
        let more = format!(
            "{both}140311,中国建设银行,6228480000333344445,1.35,actual/360,季,2021-07-01,\n"
        );
        let v = db.ok_json(&["import", "bank-agreements", &db.file("a2.csv", &more)]);
        assert_eq!(
            (v["posted"].as_i64(), v["skipped"].as_i64()),
            (Some(1), Some(2)),
            "[{}] {v}",
            db.label
        );

        // Credits on 2023-03-21 and 2022-12-21 (rows out of order), and a credit of nothing.
        let text = "账号,日期,类型,金额(元)\n\
            6228480000111122223,2022-09-20,余额,1000000.00\n\
            6228480000111122223,2023-03-21,结息,500.00\n\
            6228480000111122223,2022-12-21,结息,500.00\n\
            6228480000111122223,2023-06-21,结息,0\n";
        db.ok_json(&["import", "bank-statement", &db.file("s.csv", text)]);
        let y2022 = db.ok_json(&["fund", "statement", "--year", "2022"]);
        let y2023 = db.ok_json(&["fund", "statement", "--year", "2023"]);
        assert_eq!(
            (
                y2022["income"]["interest_fen"].as_i64(),
                y2023["income"]["interest_fen"].as_i64()
            ),
            (Some(50000), Some(50000))
        );
        assert_eq!(db.ok_json(&["ledger", "verify"])["ok"], true);
        // The 2023 credit again in another file, without its period: nothing changes.
        let again = "账号,日期,类型,金额(元)\n6228480000111122223,2023-03-21,结息,500.00\n";
        let v = db.ok_json(&["import", "bank-statement", &db.file("s2.csv", again)]);
        assert_eq!(
            (v["posted"].as_i64(), v["skipped"].as_i64()),
            (Some(0), Some(1)),
            "{v}"
        );

        // A budget for the level and its county breakdown are not added together.
        let budget = "年度,级次,类别,金额(元),县区代码\n2023,县级,入口补,1000,\n2023,县级,入口补,400,140302\n";
        db.ok_json(&["import", "budget", &db.file("b.csv", budget)]);
        let ex = db.ok_json(&["budget", "execution", "--year", "2023"]);
        assert_eq!(ex["total"]["budget_fen"], 100000, "{ex}");
        // An arrival whose 凭证号 was used for another kind is refused.
        db.ok_json(&["import", "fund-arrivals", &db.file("f.csv", "年度,级次,类别,县区代码,到位日期,金额(元),凭证号\n2023,县级,入口补,140302,2023-02-01,100,CZ-1\n")]);
        let o = db.run(&["import", "fund-arrivals", &db.file("f2.csv", "年度,级次,类别,县区代码,到位日期,金额(元),凭证号\n2023,县级,出口补,140302,2023-02-01,100,CZ-1\n"), "--json"]);
        assert!(
            o.code == 1 && o.stdout.contains("E-ARRIVAL-CONFLICT"),
            "{}",
            o.stdout
        );
    }
}
