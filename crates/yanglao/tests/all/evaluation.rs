//! The performance evaluation end to end, on SQLite and (when configured) PostgreSQL: metrics
//! measured from the books, surveys, the evaluator's worksheet, scoring and the framework's
//! checks.

use crate::common::*;
use serde_json::Value;

/// (county, name, birth yyyymmdd)
const PEOPLE: [(&str, &str, &str); 5] = [
    ("140302", "张建国", "19700501"), // contributes 2021–2023
    ("140311", "乔秀英", "19750630"), // contributes 2021–2022, then stops
    ("140311", "李文斌", "19800101"), // contributes 2021 only
    ("140302", "韩桂兰", "19500301"), // over age at launch: receives the exit subsidy
    ("140321", "赵红梅", "19720909"), // 特困人员: the county pays for her
];

fn pid(i: usize) -> String {
    id(PEOPLE[i].0, PEOPLE[i].2, 200 + i as u32)
}

fn setup(db: &TestDb) {
    let rows: Vec<Vec<String>> = (0..PEOPLE.len())
        .map(|i| person(&pid(i), PEOPLE[i].1, PEOPLE[i].0, "是"))
        .collect();
    db.ok_json(&[
        "import",
        "persons",
        &db.file("p.csv", &csv(&PERSON_HEADER, &rows)),
    ]);
    let mut c = Vec::new();
    for (i, years) in [(0, 2021..=2023), (1, 2021..=2022), (2, 2021..=2021)] {
        for y in years {
            c.push(contribution(
                &pid(i),
                PEOPLE[i].1,
                y,
                "200",
                &format!("{y}-03-01"),
                &format!("R{i}-{y}"),
            ));
        }
    }
    db.ok_json(&[
        "import",
        "contributions",
        &db.file("c.csv", &csv(&CONTRIB_HEADER, &c)),
    ]);
    let h = csv(
        &HARDSHIP_HEADER,
        &[vec![
            pid(4),
            PEOPLE[4].1.into(),
            "特困人员".into(),
            "2020-01-01".into(),
            "".into(),
        ]],
    );
    db.ok_json(&["import", "hardship", &db.file("h.csv", &h)]);
    db.ok_json(&["contributions", "gov-pay", "--year", "2023"]);
    db.ok_json(&["awards", "run", "--month", "2023-01"]);
    pay_on(db, "2023-01", 10);
    pay_on(db, "2023-02", 20);
}

fn indicator<'a>(v: &'a Value, code: &str) -> &'a Value {
    v["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == code)
        .unwrap_or_else(|| panic!("{code} missing"))
}

fn items(v: &Value, metric: &str) -> Vec<String> {
    v["metrics"][metric]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_evaluation_is_computed_from_the_books() {
    for db in backends("evaluate") {
        setup(&db);
        let v = db.ok_json(&["evaluate", "--year", "2023"]);
        let l = &db.label;
        // The bundled framework: table 2-1, 31 leaves under A 10, B 25, C 30, D 35.
        assert_eq!(v["indicators"].as_array().unwrap().len(), 31, "[{l}]");
        for (k, p) in [("A", 10.0), ("B", 25.0), ("C", 30.0), ("D", 35.0)] {
            assert_eq!(v["levels"][k]["points"], p, "[{l}] {k}");
        }
        assert!(v["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["code"] == "C42"));
        // Contributors: 张建国 paid himself, 赵红梅 by the county.
        assert_eq!(v["metrics"]["contributors"]["value"], 2.0, "[{l}]");
        // 2022 had 2 (张建国, 乔秀英): 2 → 2 is no change.
        assert_eq!(
            v["metrics"]["contributors_change_pct"]["value"], 0.0,
            "[{l}]"
        );
        // 郊区 fell from 1 to 0 in the year and from 2 to 0 over three; 平定县 grew from none.
        let fell = items(&v, "counties_fell_over_5pct");
        assert_eq!(fell.len(), 1, "[{l}] {fell:?}");
        assert!(fell[0].starts_with("郊区"), "[{l}] {fell:?}");
        assert_eq!(items(&v, "counties_fell_over_2y").len(), 1, "[{l}]");
        // D14: 3 points less 1 per county; D15: 2 less 1.
        assert_eq!(indicator(&v, "D14")["score"], 2.0, "[{l}]");
        assert_eq!(indicator(&v, "D15")["score"], 1.0, "[{l}]");
        // County by county: 郊区 lost its last contributor; 城区's recipient was paid two months
        // of twelve, one of them late.
        let county = |c: &str, k: &str| v["metrics_by_county"][c][k]["value"].clone();
        assert_eq!(county("140311", "contributors"), 0.0, "[{l}]");
        assert_eq!(county("140311", "contributors_change_pct"), -100.0, "[{l}]");
        assert_eq!(county("140302", "contributors_change_pct"), 0.0, "[{l}]");
        assert_eq!(county("140321", "hardship_coverage_pct"), 100.0, "[{l}]");
        assert_eq!(county("140302", "late_payroll_months"), 11.0, "[{l}]");
        assert_eq!(county("140302", "subsidy_mismatches"), 0.0, "[{l}]");
        let c = county("140302", "benefit_coverage_pct").as_f64().unwrap();
        assert!((c - 200.0 / 12.0).abs() < 0.01, "[{l}] {c}");
        // The hardship member was paid for.
        assert_eq!(
            v["metrics"]["hardship_coverage_pct"]["value"], 100.0,
            "[{l}]"
        );
        assert_eq!(indicator(&v, "C13")["score"], 5.0, "[{l}]");
        // Every subsidy matches the policy.
        assert_eq!(v["metrics"]["subsidy_mismatches"]["value"], 0.0, "[{l}]");
        assert_eq!(indicator(&v, "C21")["score"], 3.0, "[{l}]");
        // February was paid on the 20th; March onwards was never paid.
        let late = items(&v, "late_payroll_months");
        assert!(
            late.iter()
                .any(|x| x.contains("2023-02") && x.contains("20 日")),
            "[{l}] {late:?}"
        );
        assert!(
            late.iter()
                .any(|x| x.contains("2023-03") && x.contains("未在 15 日前")),
            "[{l}] {late:?}"
        );
        assert!(
            !late.iter().any(|x| x.contains("2023-01")),
            "[{l}] {late:?}"
        );
        assert_eq!(late.len(), 11, "[{l}] {late:?}");
        // 11 × 0.25 = 2.75 off 3.
        assert_eq!(indicator(&v, "C31")["score"], 0.25, "[{l}]");
        // Two of twelve months paid.
        let cov = v["metrics"]["benefit_coverage_pct"]["value"]
            .as_f64()
            .unwrap();
        assert!((cov - 200.0 / 12.0).abs() < 0.01, "[{l}] {cov}");
        // No survey, no arrivals, no budget: those say so and stay unscored.
        let unscored: Vec<&str> = v["unscored"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap())
            .collect();
        for code in ["D13", "D31", "D32", "C41", "C42", "B12", "B13", "A11"] {
            assert!(unscored.contains(&code), "[{l}] {code} in {unscored:?}");
        }
        assert_eq!(v["complete"], false);
        assert!(
            indicator(&v, "D13")["basis"]
                .as_str()
                .unwrap()
                .contains("没有导入"),
            "[{l}]"
        );
        assert_eq!(indicator(&v, "D13")["score"], Value::Null);
        // The total is the sum of the indicators' scores.
        let sum: f64 = v["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|i| i["score"].as_f64())
            .sum();
        assert!((sum - v["total"].as_f64().unwrap()).abs() < 1e-6, "[{l}]");
        // Indicators are left unscored: the evaluation is not complete and has no grade.
        assert_eq!(
            (&v["grade"], &v["complete"]),
            (&Value::Null, &Value::Bool(false))
        );

        // Surveys: 10 questionnaires; 8 of 10 aware; contributors 3 of 4 satisfied, recipients
        // 6 of 6 (one blank).
        let mut s = String::from("问卷编号,年度,县区代码,受访者类型,是否知晓政策,满意度\n");
        for i in 0..10 {
            let who = if i < 4 {
                "参保缴费人员"
            } else {
                "待遇领取人员"
            };
            let aware = if i < 8 { "是" } else { "否" };
            let sat = match i {
                0 => "一般",
                1 => "非常满意",
                9 => "",
                _ => "满意",
            };
            s.push_str(&format!("Q{i},2023,140302,{who},{aware},{sat}\n"));
        }
        let f = db.file("s.csv", &s);
        assert_eq!(db.ok_json(&["import", "survey", &f])["posted"], 10, "[{l}]");
        assert_eq!(
            db.ok_json(&["import", "survey", &f])["already_imported"],
            true,
            "[{l}]"
        );
        let bad = db.file("s2.csv", "问卷编号,年度,县区代码,受访者类型,是否知晓政策,满意度\nQ1,2023,140302,路人,也许,很好\n");
        let o = db.run(&["import", "survey", &bad, "--json"]);
        assert_ne!(o.code, 0, "[{l}]");
        let codes: Vec<String> = o.json()["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["code"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(
            codes,
            ["E-SURVEY-RESPONDENT", "E-SURVEY-ANSWER", "E-SURVEY-ANSWER"],
            "[{l}]"
        );

        // A worksheet: judgements with reasons, and a deduction.
        let ws = "指标代码,类型,分值,理由,证据\nA11,评分,2,省市文件均已转发并制定实施细则,底稿A-1\nD11,评分,3.5,线上渠道尚不完善,底稿D-2\nC31,扣分,0.25,2 月发放计划表人工修改延误,底稿C-7\n";
        let w = db.file("w.csv", ws);
        let v = db.ok_json(&["evaluate", "--year", "2023", "--worksheet", &w]);
        assert_eq!(v["metrics"]["policy_awareness_pct"]["value"], 80.0, "[{l}]");
        assert_eq!(
            v["metrics"]["contributor_satisfaction_pct"]["value"], 75.0,
            "[{l}]"
        );
        assert_eq!(
            v["metrics"]["recipient_satisfaction_pct"]["value"], 100.0,
            "[{l}]"
        );
        assert!(
            v["metrics"]["policy_awareness_pct"]["note"]
                .as_str()
                .unwrap()
                .contains("95% 置信区间"),
            "[{l}]"
        );
        // 80 / 90 × 3 = 2.67; 75 / 90 × 5 = 4.17; recipients full.
        assert_eq!(indicator(&v, "D13")["score"], 2.67, "[{l}]");
        assert_eq!(indicator(&v, "D31")["score"], 4.17, "[{l}]");
        assert_eq!(indicator(&v, "D32")["score"], 5.0, "[{l}]");
        assert_eq!(indicator(&v, "A11")["score"], 2.0, "[{l}]");
        assert!(
            indicator(&v, "A11")["basis"]
                .as_str()
                .unwrap()
                .contains("底稿A-1"),
            "[{l}]"
        );
        assert_eq!(indicator(&v, "D11")["score"], 3.5, "[{l}]");
        // 3 − 11 × 0.25 − 0.25 = 0.
        assert_eq!(indicator(&v, "C31")["score"], 0.0, "[{l}]");

        // A worksheet that judges what the data answers, or gives no reason, is refused by row.
        let bad = db.file("w2.csv", "指标代码,类型,分值,理由,证据\nC11,评分,4,人数够了,底稿\nA21,评分,1,,底稿\nA99,评分,1,理由,底稿\n");
        let o = db.run(&["evaluate", "--year", "2023", "--worksheet", &bad]);
        assert_ne!(o.code, 0, "[{l}]");
        for needle in [
            "w2.csv 第 2 行",
            "E-WORKSHEET-DATA-INDICATOR",
            "第 3 行",
            "E-WORKSHEET-NO-REASON",
            "第 4 行",
            "E-WORKSHEET-CODE",
        ] {
            assert!(o.stderr.contains(needle), "[{l}] {needle}: {}", o.stderr);
        }

        // The template lists the judgement and deduction indicators with the measured values.
        let t = db.dir.path().join("底稿.xlsx");
        db.ok_json(&[
            "evaluate",
            "--year",
            "2023",
            "--worksheet-template",
            t.to_str().unwrap(),
        ]);
        assert!(std::fs::metadata(&t).unwrap().len() > 1000, "[{l}]");
        // In memory, the workbook the command line wrote: A11 (a judgement) is listed with its
        // points, and 满分 is the framework's.
        let mut ctx = yanglao_ops::Ctx::system(db.db()).unwrap();
        let fw = yanglao_ops::evaluation::framework_from_text(
            include_str!("../../../../frameworks/yangquan-2023.toml"),
            "yangquan-2023.toml",
        )
        .unwrap();
        let m = yanglao_ops::evaluation::measure(&mut ctx, 2023).unwrap();
        let mut memory = yanglao_ops::files::MemorySink::default();
        let file =
            yanglao_ops::evaluation::write_worksheet_template(&fw, &m, &mut memory, "底稿.xlsx")
                .unwrap();
        drop(ctx);
        assert_eq!(file, "底稿.xlsx");
        let (name, bytes) = &memory.files[0];
        assert_eq!(name, "底稿.xlsx");
        let rows = xlsx_rows(bytes, "评价工作底稿");
        assert_eq!(rows[0][0], "指标代码", "[{l}]");
        let a11 = fw.leaves().find(|i| i.code == "A11").unwrap();
        let row = rows.iter().find(|r| r[0] == "A11").expect("A11 listed");
        assert_eq!(
            (row[1].as_str(), row[2].clone()),
            (a11.name.as_str(), a11.points.to_string()),
            "[{l}]"
        );
        assert_same_workbook(
            bytes,
            &std::fs::read(&t).unwrap(),
            &format!("[{l}] template"),
        );
    }
}

#[test]
fn a_framework_whose_points_do_not_add_up_is_refused_with_its_line() {
    let db = &backends("framework")[0];
    let text = include_str!("../../../../frameworks/yangquan-2023.toml").replacen(
        "name = \"政策更新情况\"\npoints = 2",
        "name = \"政策更新情况\"\npoints = 3",
        1,
    );
    let f = db.file("bad.toml", &text);
    let o = db.run(&["evaluate", "--year", "2023", "--framework", &f]);
    assert_ne!(o.code, 0);
    assert!(o.stderr.contains("E-FRAMEWORK-POINTS-SUM"), "{}", o.stderr);
    let line = text.lines().position(|x| x == "code = \"A1\"").unwrap() + 1 - 1;
    assert!(
        o.stderr.contains(&format!("第 {line} 行")),
        "line {line}: {}",
        o.stderr
    );
    let dup = include_str!("../../../../frameworks/yangquan-2023.toml").replacen(
        "code = \"C42\"",
        "code = \"C41\"",
        1,
    );
    let o = db.run(&[
        "evaluate",
        "--year",
        "2023",
        "--framework",
        &db.file("dup.toml", &dup),
    ]);
    assert!(
        o.stderr.contains("E-FRAMEWORK-DUPLICATE-CODE"),
        "{}",
        o.stderr
    );
}

#[test]
fn enrolment_changes_and_the_outreach_list() {
    use calamine::{open_workbook, Reader, Xlsx};
    for db in backends("enrolment") {
        setup(&db);
        let l = &db.label;
        let v = db.ok_json(&["enrolment", "--from", "2021", "--to", "2023"]);
        let year = |y: usize| &v.as_array().unwrap()[y];
        // 2022: 李文斌 (郊区) lapsed; 2023: 乔秀英 (郊区) lapsed, 赵红梅 (平定县) joined, paid for by the county.
        assert_eq!(year(0)["by_county"][""]["contributors"], 3, "[{l}]");
        assert_eq!(year(0)["by_county"][""]["new"], 3, "[{l}]");
        assert_eq!(year(1)["by_county"]["140311"]["lapsed"], 1, "[{l}]");
        assert_eq!(year(2)["by_county"]["140311"]["lapsed"], 1, "[{l}]");
        assert_eq!(year(2)["by_county"]["140321"]["new"], 1, "[{l}]");
        assert_eq!(
            year(2)["by_tier"]["140321"]["政府代缴"]["contributors"],
            1,
            "[{l}]"
        );
        assert_eq!(year(2)["by_tier"][""]["200 元"]["contributors"], 1, "[{l}]");
        assert_eq!(year(2)["lapse_reasons"][""]["unknown"], 1, "[{l}]");
        assert_eq!(year(2)["lowest_tier_share_pct"], 100.0, "[{l}]");
        // 乔秀英 was 47 on 1 January 2023, in her last year's group.
        assert_eq!(
            year(2)["by_age"]["140311"]["40–49 岁"]["lapsed"],
            1,
            "[{l}]"
        );

        let out = db.dir.path().join("动员名单.xlsx");
        let o = db.ok_json(&[
            "outreach",
            "list",
            "--year",
            "2023",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o["total"], 2, "[{l}] {o}");
        assert_eq!(o["by_county"]["140311"], 2, "[{l}]");
        let mut wb: Xlsx<_> = open_workbook(&out).unwrap();
        let sheet = wb.worksheet_range("待动员人员").unwrap();
        let rows: Vec<Vec<String>> = sheet
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect();
        assert_eq!(rows.len(), 3, "[{l}] {rows:?}");
        let qiao = rows.iter().find(|r| r[5] == "乔秀英").expect("listed");
        assert_eq!(qiao[8], "2022", "[{l}] {qiao:?}");
        assert_eq!(qiao[9], "200 元", "[{l}] {qiao:?}");
        let li = rows.iter().find(|r| r[5] == "李文斌").expect("listed");
        assert_eq!(li[8], "2021", "[{l}] {li:?}");
        assert_eq!(o["file"], out.to_str().unwrap(), "[{l}]");
        // The list goes to whatever sink the interface gives: in memory, the workbook the
        // command line writes into its folder.
        let mut ctx = yanglao_ops::Ctx::system(db.db()).unwrap();
        let mut memory = yanglao_ops::files::MemorySink::default();
        let m = yanglao_ops::evaluation::enrolment::outreach_filtered(
            &mut ctx,
            2023,
            &Default::default(),
            &mut memory,
            "名单.xlsx",
        )
        .unwrap();
        drop(ctx);
        assert_eq!((m.file.as_str(), m.by_county["140311"]), ("名单.xlsx", 2));
        assert_eq!(memory.files.len(), 1, "[{l}]");
        let (name, bytes) = &memory.files[0];
        assert_eq!(name, "名单.xlsx");
        let rows = xlsx_rows(bytes, "待动员人员");
        let qiao = rows.iter().find(|r| r[5] == "乔秀英").expect("listed");
        assert_eq!((qiao[8].as_str(), qiao[9].as_str()), ("2022", "200 元"));
        assert_same_workbook(
            bytes,
            &std::fs::read(&out).unwrap(),
            &format!("[{l}] outreach"),
        );
        // One county only.
        let o = db.ok_json(&[
            "outreach",
            "list",
            "--year",
            "2023",
            "--county",
            "140302",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o["total"], 0, "[{l}]");

        // The register learns where people live from a file with the optional place columns;
        // the list then goes to one village.
        let mut header: Vec<&str> = PERSON_HEADER.to_vec();
        header.extend(["乡镇（街道）", "村（社区）"]);
        let placed: Vec<Vec<String>> = (1..=2)
            .map(|i| {
                let mut r = person(&pid(i), PEOPLE[i].1, PEOPLE[i].0, "是");
                r.extend(if i == 1 {
                    ["荫营镇".to_string(), "上千亩坪村".to_string()]
                } else {
                    ["河底镇".to_string(), String::new()]
                });
                r
            })
            .collect();
        let v = db.ok_json(&[
            "import",
            "persons",
            &db.file("places.csv", &csv(&header, &placed)),
        ]);
        assert_eq!(
            (v["updated"].as_u64(), v["skipped"].as_u64()),
            (Some(2), Some(0)),
            "[{l}] {v}"
        );
        let shown = db.ok_json(&["person", "show", &pid(1)]);
        assert_eq!(
            (shown["township"].as_str(), shown["village"].as_str()),
            (Some("荫营镇"), Some("上千亩坪村")),
            "[{l}] {shown}"
        );
        let village = |place: &str| {
            let o = db.ok_json(&[
                "outreach",
                "list",
                "--year",
                "2023",
                "--place",
                place,
                "--out",
                out.to_str().unwrap(),
            ]);
            let mut wb: Xlsx<_> = open_workbook(&out).unwrap();
            let rows: Vec<Vec<String>> = wb
                .worksheet_range("待动员人员")
                .unwrap()
                .rows()
                .skip(1)
                .map(|r| r.iter().map(|c| c.to_string()).collect())
                .collect();
            (o["total"].as_i64().unwrap(), rows)
        };
        let (n, rows) = village("千亩坪");
        assert_eq!(n, 1, "[{l}] {rows:?}");
        assert_eq!(
            &rows[0][2..6],
            ["荫营镇", "上千亩坪村", pid(1).as_str(), "乔秀英"],
            "[{l}]"
        );
        assert_eq!(village("河底").0, 1, "[{l}]");
        assert_eq!(village("没有这个村").0, 0, "[{l}]");
        // The first file again, without the place columns: the places stay as they are.
        let rows0: Vec<Vec<String>> = (0..PEOPLE.len())
            .map(|i| person(&pid(i), PEOPLE[i].1, PEOPLE[i].0, "是"))
            .collect();
        let v = db.ok_json(&[
            "import",
            "persons",
            &db.file("p2.csv", &csv(&PERSON_HEADER, &rows0)),
        ]);
        assert_eq!(v["updated"].as_u64(), Some(0), "[{l}] {v}");
        assert_eq!(village("千亩坪").0, 1, "[{l}]");
        // A place longer than 50 characters is refused by its cell.
        let long = "村".repeat(51);
        let mut bad = placed.clone();
        bad[0][8] = long.clone();
        let o = db.run(&[
            "import",
            "persons",
            &db.file("long.csv", &csv(&header, &bad)),
            "--json",
        ]);
        let e = format!("{}{}", o.stdout, o.stderr);
        assert_ne!(o.code, 0, "[{l}] {e}");
        assert!(
            e.contains("E-PERSON-PLACE-LONG") && e.contains("I 村（社区）"),
            "[{l}] {e}"
        );
    }
}

fn unzip(path: &std::path::Path, part: &str) -> String {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut s = String::new();
    z.by_name(part).unwrap().read_to_string(&mut s).unwrap();
    s
}

#[test]
fn the_report_is_generated_from_the_data() {
    use calamine::{open_workbook, Reader, Xlsx};
    for db in backends("report") {
        setup(&db);
        let l = &db.label;
        let budget = "年度,级次,类别,金额(元)\n2023,省级,出口补,200\n2023,市级,入口补,100\n2023,县级,入口补,49\n2023,市级,出口补,50\n2023,县级,出口补,200\n";
        db.ok_json(&["import", "budget", &db.file("b.csv", budget)]);
        let survey = "问卷编号,年度,县区代码,受访者类型,是否知晓政策,满意度\nQ1,2023,140302,参保缴费人员,是,满意\nQ2,2023,140311,待遇领取人员,否,一般\n";
        db.ok_json(&["import", "survey", &db.file("s.csv", survey)]);
        let w = db.file(
            "w.csv",
            "指标代码,类型,分值,理由,证据\nA11,评分,2,文件齐全,底稿A-1\n",
        );
        db.ok_json(&[
            "particulars",
            "--year",
            "2023",
            "--set",
            "评价机构=某评估公司",
            "--set",
            "causes.late_payroll=一是提取数据耗时较长；\n二是数据需核实。",
        ]);
        let out1 = db.dir.path().join("r1");
        let v = db.ok_json(&[
            "report",
            "--year",
            "2023",
            "--out",
            out1.to_str().unwrap(),
            "--worksheet",
            &w,
        ]);
        let e = db.ok_json(&["evaluate", "--year", "2023", "--worksheet", &w]);
        assert_eq!(v["total"], e["total"], "[{l}]");
        let files: Vec<std::path::PathBuf> = v["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap().into())
            .collect();
        assert_eq!(
            files.len(),
            4,
            "[{l}] {files:?} (no PDF: is fonts-noto-cjk installed?)"
        );
        let docx = files
            .iter()
            .find(|f| f.extension().unwrap() == "docx")
            .unwrap();
        let body = unzip(docx, "word/document.xml");
        let styles = unzip(docx, "word/styles.xml");
        for face in ["仿宋", "黑体", "楷体", "方正小标宋简体"] {
            assert!(
                styles.contains(&format!("w:eastAsia=\"{face}\"")),
                "[{l}] {face}"
            );
        }
        let total = format!("{:.2}", e["total"].as_f64().unwrap());
        assert!(
            body.contains(&format!("已评分指标合计 {total} 分")),
            "[{l}] total {total}"
        );
        for needle in [
            "表 1-1",
            "表 2-1",
            "C42 补贴足额发放率",
            "盂县",
            "养老金待遇发放不及时",
            "参保缴费人数逐年减少",
            "文件齐全",
        ] {
            assert!(body.contains(needle), "[{l}] docx lacks {needle}");
        }
        assert!(!body.contains("孟县"), "[{l}]");
        // The cover: the particulars given, a mark for each one missing, no system's sentence;
        // a section of its own without a page number, the body numbered from 1.
        assert!(
            body.contains("评价机构：</w:t>") && body.contains(">某评估公司</w:t>"),
            "[{l}]"
        );
        assert!(body.contains("【待评价人填写：主管部门】"), "[{l}]");
        assert!(!body.contains("养老系统"), "[{l}]");
        let sections: Vec<&str> = body.split("<w:sectPr>").skip(1).collect();
        assert_eq!(sections.len(), 2, "[{l}]");
        assert!(
            !sections[0]
                .split("</w:sectPr>")
                .next()
                .unwrap()
                .contains("footerReference"),
            "[{l}]"
        );
        assert!(
            sections[1].contains("footerReference")
                && sections[1].contains("<w:pgNumType w:start=\"1\"/>"),
            "[{l}]"
        );
        // Each problem with its causes as the evaluator wrote them, or the mark that they are
        // still to write.
        assert!(
            body.contains("出现此类问题的主要原因：一是提取数据耗时较长；二是数据需核实。"),
            "[{l}]"
        );
        assert!(
            body.contains("出现此类问题的主要原因：【待评价人填写："),
            "[{l}]"
        );
        // Only A11 of the judged indicators is scored: the report gives no grade.
        assert!(body.contains("评价未完成，不评定绩效等级"), "[{l}]");
        assert!(!body.contains("绩效评级为"), "[{l}]");
        // A first-level indicator with judgements left unscored has no rate yet, and says how
        // many points are still to score; no metric key of the framework reaches the text.
        assert!(body.contains("未评分，得分率待评价完成后计算"), "[{l}]");
        assert!(body.contains(">未完成</w:t>"), "[{l}]");
        assert!(!body.contains("_pct"), "[{l}]");
        // The late payrolls of 2023 are named with their months.
        assert!(body.contains("2023-02"), "[{l}]");
        let html = std::fs::read_to_string(
            files
                .iter()
                .find(|f| f.extension().unwrap() == "html")
                .unwrap(),
        )
        .unwrap();
        assert!(
            html.contains(&format!("已评分指标合计 {total} 分")),
            "[{l}]"
        );
        assert!(!html.contains("<script"), "[{l}]");
        // The annex: every table a sheet; table 2-1 lists the 31 indicators and the total.
        let xlsx = files
            .iter()
            .find(|f| f.extension().unwrap() == "xlsx")
            .unwrap();
        let mut wb: Xlsx<_> = open_workbook(xlsx).unwrap();
        let names = wb.sheet_names();
        for s in [
            "表 1-1", "表 1-2", "表 2-1", "表 3-1", "表 4-1", "表 5-1", "表 5-3", "表 5-4",
        ] {
            assert!(names.iter().any(|n| n == s), "[{l}] {s} in {names:?}");
        }
        let t21 = wb.worksheet_range("表 2-1").unwrap();
        assert_eq!(t21.rows().count(), 2 + 31 + 1, "[{l}]");
        // The detail lists only the annex carries; counts with their units are numbers.
        for s in ["明细 1", "明细 2", "明细 3", "明细 4"] {
            assert!(names.iter().any(|n| n == s), "[{l}] {s} in {names:?}");
        }
        let t53 = wb.worksheet_range("表 5-3").unwrap();
        let city = t53.rows().next_back().unwrap();
        assert_eq!(city[0].to_string(), "全市", "[{l}]");
        assert!(
            matches!(city[1], calamine::Data::Float(_) | calamine::Data::Int(_)),
            "[{l}] {:?}",
            city[1]
        );
        let late = wb.worksheet_range("明细 2").unwrap();
        assert!(
            late.rows().any(|r| r[1] == "2023-02"),
            "[{l}] the late months listed"
        );
        // The report goes to whatever sink the interface gives: in memory, the files the command
        // line wrote into its folder.
        let mut ctx = yanglao_ops::Ctx::system(db.db()).unwrap();
        let fw = yanglao_ops::evaluation::framework_from_text(
            include_str!("../../../../frameworks/yangquan-2023.toml"),
            "yangquan-2023.toml",
        )
        .unwrap();
        let sheet = yanglao_ops::imports::table::Upload::read(std::path::Path::new(&w)).unwrap();
        let mut memory = yanglao_ops::files::MemorySink::default();
        let g = yanglao_report::generate(
            &mut ctx,
            2023,
            fw,
            yanglao_report::Worksheet::File(&sheet),
            &mut memory,
        )
        .unwrap();
        drop(ctx);
        let stem = "2023年城乡居民补充养老保险绩效评价报告";
        let names: Vec<&str> = memory.files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                format!("{stem}.docx"),
                format!("{stem}.html"),
                format!("{stem}附表.xlsx"),
                format!("{stem}.pdf")
            ],
            "[{l}]"
        );
        assert_eq!(g.files, names, "[{l}]");
        for (name, bytes) in &memory.files {
            let on_disk = out1.join(name);
            assert!(files.contains(&on_disk), "[{l}] {name} not among {files:?}");
            let written = std::fs::read(&on_disk).unwrap();
            if name.ends_with(".xlsx") {
                assert_same_workbook(bytes, &written, &format!("[{l}] {name}"));
            } else {
                assert!(&written == bytes, "[{l}] {name} differs");
            }
        }
        let body =
            String::from_utf8(zip_parts(&memory.files[0].1)["word/document.xml"].clone()).unwrap();
        assert!(
            body.contains(&format!("已评分指标合计 {total} 分")),
            "[{l}] total {total}"
        );
        let t21 = xlsx_rows(&memory.files[2].1, "表 2-1");
        assert_eq!(t21.len(), 2 + 31 + 1, "[{l}]");
        assert!(
            t21.iter().any(|r| r[2] == "C42 补贴足额发放率"),
            "[{l}] {t21:?}"
        );
        assert_eq!(t21.last().unwrap()[0], "合计", "[{l}]");
        // The same data gives the same Word file, byte for byte.
        let out2 = db.dir.path().join("r2");
        let v2 = db.ok_json(&[
            "report",
            "--year",
            "2023",
            "--out",
            out2.to_str().unwrap(),
            "--worksheet",
            &w,
        ]);
        let docx2 = v2["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| std::path::PathBuf::from(f.as_str().unwrap()))
            .find(|f| f.extension().unwrap() == "docx")
            .unwrap();
        assert_eq!(
            std::fs::read(docx).unwrap(),
            std::fs::read(docx2).unwrap(),
            "[{l}]"
        );
    }
}

#[test]
fn the_particulars_are_kept_with_their_history_and_checked() {
    for db in backends("particulars") {
        let l = &db.label;
        db.ok_json(&["init"]);
        let file = db.file(
            "评价信息.csv",
            "项目,内容\n评价机构,某资产评估有限公司\n主评人,甲 乙\nperiod,2024 年 6 月至 10 月\n评价目的,（1）其一\\n（2）其二\n",
        );
        let v = db.ok_json(&["particulars", "--year", "2023", "--file", &file]);
        assert_eq!(v["changed"].as_array().unwrap().len(), 4, "[{l}] {v}");
        let p = &v["particulars"];
        assert_eq!(p["agency"], "某资产评估有限公司", "[{l}] {v}");
        assert_eq!(p["purpose"], "（1）其一\n（2）其二", "[{l}] {v}");
        // The same again changes nothing; --set changes one, an empty value clears one.
        let v = db.ok_json(&["particulars", "--year", "2023", "--file", &file]);
        assert_eq!(v["changed"].as_array().unwrap().len(), 0, "[{l}] {v}");
        let v = db.ok_json(&[
            "particulars",
            "--year",
            "2023",
            "--set",
            "评价机构=另一评估公司",
            "--set",
            "period=",
        ]);
        assert_eq!(
            v["changed"],
            serde_json::json!(["agency", "period"]),
            "[{l}] {v}"
        );
        assert_eq!(v["particulars"]["agency"], "另一评估公司", "[{l}]");
        assert!(v["particulars"]["period"].is_null(), "[{l}] {v}");
        assert_eq!(
            db.count("SELECT COUNT(*) FROM evaluation_particulars WHERE field = 'agency'"),
            2,
            "[{l}] each save kept"
        );
        assert_eq!(
            db.count("SELECT COUNT(*) FROM audit_log WHERE action = 'evaluation.particular'"),
            6,
            "[{l}]"
        );
        // Another year has its own; an unknown field or a second line on the cover is refused,
        // and nothing of the command is saved.
        let v = db.ok_json(&["particulars", "--year", "2024"]);
        assert_eq!(v["particulars"], serde_json::json!({}), "[{l}]");
        for (args, code) in [
            (
                vec!["--set", "评价对象=某", "--set", "主评人=丙"],
                "E-PARTICULAR-FIELD",
            ),
            (vec!["--set", "主评人=丙\n丁"], "E-PARTICULAR-LINE"),
            (vec!["--set", "评价机构"], "E-ARG-VALUE"),
        ] {
            let mut a = vec!["particulars", "--year", "2023", "--json"];
            a.extend(args);
            let o = db.run(&a);
            assert_ne!(o.code, 0, "[{l}] {a:?}");
            assert!(
                o.stdout.contains(code) || o.stderr.contains(code),
                "[{l}] {a:?}: {} {}",
                o.stdout,
                o.stderr
            );
        }
        let v = db.ok_json(&["particulars", "--year", "2023"]);
        assert_eq!(
            v["particulars"]["lead_evaluators"], "甲 乙",
            "[{l}] nothing of a refused command saved"
        );
        // An operator may not write them.
        db.ok_json(&[
            "users", "add", "op1", "--role", "operator", "--county", "140302",
        ]);
        let o = db.run(&[
            "--by",
            "op1",
            "particulars",
            "--year",
            "2023",
            "--set",
            "评价机构=x",
            "--json",
        ]);
        assert_ne!(o.code, 0, "[{l}]");
        assert!(
            o.stdout.contains("E-ACCESS") || o.stderr.contains("E-ACCESS"),
            "[{l}] {} {}",
            o.stdout,
            o.stderr
        );
    }
}
