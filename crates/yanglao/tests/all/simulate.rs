//! The policy simulator from the command line: a resident's view, comparisons with their
//! outputs, reform scenarios, and the fund's projection from the register (SQLite and, when
//! configured, PostgreSQL).

use crate::common::*;
use serde_json::Value;

const REFORM: &str = include_str!("../../../../scenarios/reform-2027.toml");

#[test]
fn a_residents_view_as_json() {
    let db = &backends("sim-person")[0];
    let v = db.ok_json(&[
        "simulate",
        "person",
        "--scheme",
        "basic+supplementary",
        "--tier",
        "max",
        "--supplementary-tier",
        "max",
        "--years",
        "15",
        "--start-age",
        "45",
        "--sex",
        "M",
        "--start-year",
        "2026",
    ]);
    // The fields the command documents, and that they agree with each other.
    assert_eq!(v["total_contribution_fen"], 15 * (500_000 + 500_000));
    assert_eq!(v["benefit_age"], 60);
    let parts = v["parts"].as_array().unwrap();
    let balances: i64 = parts
        .iter()
        .map(|p| p["account_balance_at_benefit_age_fen"].as_i64().unwrap())
        .sum();
    assert_eq!(v["account_balance_at_benefit_age_fen"], balances);
    let monthly: i64 = parts
        .iter()
        .map(|p| p["monthly_benefit_fen"].as_i64().unwrap())
        .sum();
    assert_eq!(v["monthly_benefit_fen"], monthly);
    let be = v["break_even_age"].as_f64().unwrap();
    assert!((60.0..80.0).contains(&be), "{be}");
    let irr = v["irr"].as_f64().unwrap();
    assert!((0.0..0.2).contains(&irr), "{irr}");
    // The cumulative table reaches the break-even age where its net turns non-negative.
    let rows = v["cumulative"].as_array().unwrap();
    let first_positive = rows
        .iter()
        .find(|r| {
            r["benefits_fen"].as_i64() >= r["contributions_fen"].as_i64()
                && r["benefits_fen"].as_i64() > Some(0)
        })
        .unwrap();
    assert_eq!(first_positive["age"].as_u64().unwrap(), be.floor() as u64);

    // With a life table and a scenario: the reformed result, and the one without it.
    let scenario = db.file("reform.toml", REFORM);
    let v = db.ok_json(&[
        "simulate",
        "person",
        "--scheme",
        "supplementary",
        "--tier",
        "200",
        "--years",
        "15",
        "--start-age",
        "45",
        "--sex",
        "F",
        "--start-year",
        "2026",
        "--scenario",
        &scenario,
        "--mortality",
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../mortality/illustrative.csv"
        ),
    ]);
    assert!(
        v["life"].as_str().unwrap().contains("示意生命表"),
        "{}",
        v["life"]
    );
    assert!(v["without_scenario"]["life"]
        .as_str()
        .unwrap()
        .contains("示意生命表"));
    // Expected values: less than a whole life of benefits to 100 would give.
    assert!(
        v["lifetime_benefits_fen"].as_i64().unwrap()
            < v["monthly_benefit_fen"].as_i64().unwrap() * 12 * 40
    );
}

#[test]
fn reforms_from_a_scenario_file() {
    let db = &backends("sim-reform")[0];
    let scenario = db.file("reform.toml", REFORM);
    let v = db.ok_json(&[
        "simulate",
        "person",
        "--scheme",
        "supplementary",
        "--tier",
        "200",
        "--years",
        "15",
        "--start-age",
        "45",
        "--sex",
        "F",
        "--start-year",
        "2026",
        "--scenario",
        &scenario,
    ]);
    let before = &v["without_scenario"];
    assert_eq!(
        (before["benefit_age"].as_i64(), v["benefit_age"].as_i64()),
        (Some(65), Some(60))
    );
    // Benefits at 60 use divisor 139 (the employee scheme's at 60); the funeral subsidy is 2,172 yuan.
    assert_eq!(v["parts"][0]["divisor"], 139);
    assert_eq!(v["parts"][0]["funeral_subsidy_fen"], 217_200);
    assert!(v["irr"].as_f64() > before["irr"].as_f64());
    assert!(v["break_even_age"].as_f64() < before["break_even_age"].as_f64());
    // A bad scenario: refused with the file's line, nothing else happens.
    let bad = db.file(
        "bad.toml",
        "[scenario]\nname = \"x\"\n\n[[supplementary]]\nfrom = 2027-01-01\nbenefit_agee = 60\n",
    );
    let o = db.run(&[
        "simulate",
        "person",
        "--scheme",
        "supplementary",
        "--years",
        "15",
        "--start-age",
        "45",
        "--sex",
        "F",
        "--scenario",
        &bad,
    ]);
    assert_ne!(o.code, 0);
    assert!(
        o.stderr.contains("E-POLICY-UNKNOWN-KEY")
            && o.stderr.contains("bad.toml:第 6 行")
            && o.stderr
                .contains("[[supplementary]] 中的未知参数 benefit_agee"),
        "{}",
        o.stderr
    );
}

#[test]
fn bad_arguments_are_refused_with_codes() {
    let db = &backends("sim-bad")[0];
    for (args, code) in [
        (
            vec![
                "--scheme",
                "pension",
                "--years",
                "15",
                "--start-age",
                "45",
                "--sex",
                "M",
            ],
            "E-SIM-SCHEME",
        ),
        (
            vec![
                "--scheme",
                "basic",
                "--years",
                "15",
                "--start-age",
                "45",
                "--sex",
                "X",
            ],
            "E-SIM-SEX",
        ),
        (
            vec![
                "--scheme",
                "basic",
                "--tier",
                "123",
                "--years",
                "15",
                "--start-age",
                "30",
                "--sex",
                "M",
            ],
            "E-SIM-TIER",
        ),
        (
            vec![
                "--scheme",
                "supplementary",
                "--years",
                "15",
                "--start-age",
                "55",
                "--sex",
                "M",
            ],
            "E-SIM-YEARS",
        ),
        (
            vec![
                "--scheme",
                "flexible",
                "--base-ratio",
                "4",
                "--years",
                "15",
                "--start-age",
                "40",
                "--sex",
                "M",
            ],
            "E-SIM-BASE-RATIO",
        ),
        (
            vec![
                "--scheme",
                "basic",
                "--years",
                "15",
                "--start-age",
                "40",
                "--sex",
                "M",
                "--mortality",
                "missing.csv",
            ],
            "E-SIM-MORTALITY-IO",
        ),
    ] {
        let mut a = vec!["simulate", "person"];
        a.extend(args);
        let o = db.run(&a);
        assert_ne!(o.code, 0, "{a:?}");
        assert!(o.stderr.contains(code), "{a:?}: {}", o.stderr);
    }
    let table = db.file("t.csv", "年龄,男,女\n40,0.01,0.01\n42,0.01,0.01\n");
    let o = db.run(&[
        "simulate",
        "person",
        "--scheme",
        "basic",
        "--years",
        "15",
        "--start-age",
        "40",
        "--sex",
        "M",
        "--mortality",
        &table,
    ]);
    assert!(
        o.stderr.contains("E-SIM-MORTALITY-INVALID") && o.stderr.contains("第 3 行"),
        "{}",
        o.stderr
    );
}

#[test]
fn comparisons_show_the_reports_conclusions_and_write_their_files() {
    let db = &backends("sim-compare")[0];
    let v = db.ok_json(&["simulate", "compare", "--start-year", "2026"]);
    let comparisons = v["comparisons"].as_array().unwrap();
    let keys: Vec<&str> = comparisons
        .iter()
        .map(|c| c["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["same-money", "tiers", "flexible"]);
    for c in comparisons {
        for f in c["findings"].as_array().unwrap() {
            assert_eq!(f["holds"], true, "{}", f["text"]);
        }
    }
    // Own cases side by side.
    let v = db.ok_json(&[
        "simulate", "compare", "--start-year", "2026", "--case", "scheme=basic,tier=700,years=15,start-age=45",
        "--case", "scheme=basic+supplementary,tier=500,supplementary-tier=200,years=15,start-age=45,label=两险",
    ]);
    let results = v["comparisons"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(results[1]["label"], "两险");
    assert_eq!(
        results[0]["total_contribution_fen"],
        results[1]["total_contribution_fen"]
    );
    let o = db.run(&["simulate", "compare", "--case", "scheme=basic,colour=red"]);
    assert!(
        o.stderr.contains("E-SIM-CASE") && o.stderr.contains("colour"),
        "{}",
        o.stderr
    );

    // Files: the workbook (a sheet per table), the page with its charts, the charts alone;
    // the same run gives the same bytes.
    let out = db.dir.path().join("cmp");
    let o = db.run(&[
        "simulate",
        "compare",
        "--start-year",
        "2026",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let html = std::fs::read_to_string(out.join("政策比较.html")).unwrap();
    assert_eq!(html.matches("<svg").count(), 3);
    assert!(
        html.contains("累计领取额在"),
        "the findings are on the page"
    );
    assert!(!html.contains("<script") && !html.contains("<link"));
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(out.join("政策比较.xlsx")).unwrap();
    let names = wb.sheet_names().to_vec();
    assert_eq!(names[0], "说明");
    assert!(names.iter().any(|n| n.contains("测算结果")), "{names:?}");
    let sheet = wb.worksheet_range(&names[1]).unwrap();
    assert_eq!(sheet.get_value((1, 0)).unwrap().to_string(), "方案");
    let first = std::fs::read(out.join("政策比较.xlsx")).unwrap();
    let svg = std::fs::read(out.join("政策比较-图1.svg")).unwrap();
    db.run(&[
        "simulate",
        "compare",
        "--start-year",
        "2026",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(std::fs::read(out.join("政策比较.xlsx")).unwrap(), first);
    assert_eq!(std::fs::read(out.join("政策比较-图1.svg")).unwrap(), svg);
}

/// (county, name, birth yyyymmdd)
const PEOPLE: [(&str, &str, &str); 4] = [
    ("140302", "韩桂兰", "19500301"), // over benefit age at launch: a recipient
    ("140302", "韩建国", "19650715"), // 58 in 2023: reaches 60 in 2025, 65 in 2030
    ("140311", "乔秀英", "19800630"),
    ("140322", "武玉兰", "19900101"),
];

fn register(db: &TestDb) {
    let ids: Vec<String> = PEOPLE
        .iter()
        .enumerate()
        .map(|(i, p)| id(p.0, p.2, 200 + i as u32))
        .collect();
    let rows: Vec<Vec<String>> = PEOPLE
        .iter()
        .zip(&ids)
        .map(|(p, id)| person(id, p.1, p.0, "是"))
        .collect();
    db.ok_json(&[
        "import",
        "persons",
        &db.file("p.csv", &csv(&PERSON_HEADER, &rows)),
    ]);
    let mut c = Vec::new();
    for (i, p) in PEOPLE.iter().enumerate().skip(1) {
        for year in 2021..=2023 {
            let yuan = if i == 3 { "1000" } else { "200" };
            c.push(contribution(
                &ids[i],
                p.1,
                year,
                yuan,
                &format!("{year}-03-01"),
                &format!("R{i}{year}"),
            ));
        }
    }
    db.ok_json(&[
        "import",
        "contributions",
        &db.file("c.csv", &csv(&CONTRIB_HEADER, &c)),
    ]);
    db.ok_json(&["interest", "credit", "--year", "2021"]);
    db.ok_json(&["interest", "credit", "--year", "2022"]);
    db.ok_json(&["interest", "credit", "--year", "2023"]);
    db.ok_json(&["awards", "run", "--month", "2023-01"]);
}

#[test]
fn the_funds_future_from_the_register() {
    for db in backends("sim-fund") {
        let o = db.run(&["simulate", "fund", "--years", "10"]);
        assert!(o.stderr.contains("E-SIM-NO-DATA"), "{}", o.stderr);
        register(&db);
        let closing = db.ok_json(&["fund", "statement", "--year", "2023"])["closing_fen"]
            .as_i64()
            .unwrap();
        let scenario = db.file("reform.toml", REFORM);
        let v = db.ok_json(&["simulate", "fund", "--years", "10", "--scenario", &scenario]);
        assert_eq!(v["base_year"], 2023, "{}", db.label);
        assert_eq!(
            (v["insured"].as_i64(), v["recipients"].as_i64()),
            (Some(3), Some(1)),
            "{}",
            db.label
        );
        assert_eq!(v["fund_balance_fen"], closing);
        let projections = v["projections"].as_array().unwrap();
        assert_eq!(projections.len(), 2);
        let (now, reform) = (
            projections[0]["rows"].as_array().unwrap(),
            projections[1]["rows"].as_array().unwrap(),
        );
        assert_eq!(now.len(), 10);
        assert_eq!(now[0]["year"], 2024);
        // Each year: last balance + income − spending = this balance (to the rounding of each line).
        let mut last = closing;
        for r in now {
            let b = r["balance_fen"].as_i64().unwrap();
            let flow =
                r["income_total_fen"].as_i64().unwrap() - r["spend_total_fen"].as_i64().unwrap();
            assert!((last + flow - b).abs() <= 2, "{}: {r}", db.label);
            last = b;
        }
        // The reform moves the benefit age to 60 from 2027: 韩建国 (62 then) starts receiving
        // in 2027 instead of 2030, so spending rises then and the funeral subsidy appears.
        let year = |rows: &[Value], y: i64| rows.iter().find(|r| r["year"] == y).unwrap().clone();
        assert_eq!(
            (
                year(now, 2027)["benefit_age"].as_i64(),
                year(reform, 2027)["benefit_age"].as_i64()
            ),
            (Some(65), Some(60))
        );
        assert!(
            year(reform, 2027)["new_recipients"].as_i64()
                > year(now, 2027)["new_recipients"].as_i64()
        );
        assert!(
            year(reform, 2027)["spend_total_fen"].as_i64()
                > year(now, 2027)["spend_total_fen"].as_i64()
        );
        assert_eq!(year(now, 2027)["spend_funeral_fen"], 0);
        assert!(year(reform, 2027)["spend_funeral_fen"].as_i64() > Some(0));
        assert_eq!(
            year(now, 2026),
            year(reform, 2026),
            "{}: identical before the reform",
            db.label
        );
        // Files.
        let out = db.dir.path().join("fund");
        let o = db.run(&[
            "simulate",
            "fund",
            "--years",
            "10",
            "--scenario",
            &scenario,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.code, 0, "{}", o.stderr);
        assert!(
            std::fs::read_to_string(out.join("基金预测.html"))
                .unwrap()
                .matches("<svg")
                .count()
                == 3
        );
        assert!(out.join("基金预测.xlsx").exists());
    }
}
