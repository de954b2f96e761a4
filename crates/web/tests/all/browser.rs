//! The pages in a real browser (headless Chromium over WebDriver, `webdriver.rs`) against a real
//! server and database, as county staff use them. Each main page is kept as a screenshot among the
//! test's artifacts (`target/tmp/screenshots/…`).
//!
//! The browser tests run on SQLite: the pages call the same use cases as the API, whose tests run
//! on both backends.

use crate::server::{add_people, backends, TestServer, PASSWORD};
use crate::webdriver::{available, Browser};
use chrono::Datelike;

fn count(s: &TestServer, sql: &str) -> i64 {
    s.text(sql).parse().unwrap()
}

/// Signs `name` in through the sign-in form.
pub fn sign_in(b: &Browser, s: &TestServer, name: &str) {
    b.go(&s.at("/sign-in"));
    b.fill("input[name=name]", name);
    b.fill("input[name=password]", PASSWORD);
    b.follow("form[action='/sign-in'] button[type=submit]");
    assert!(b.text().contains("您好"), "signed in: {}", b.text());
}

#[test]
fn a_county_operator_signs_in_finds_a_person_and_imports_a_file() {
    if !available("a_county_operator_signs_in_finds_a_person_and_imports_a_file") {
        return;
    }
    let (label, url, dir, scratch) = backends("browser-imports").remove(0);
    add_people(&url, 5);
    let s = TestServer::start(label, url, dir, scratch, |_| {});
    let b = Browser::start("imports");

    // Not signed in: the sign-in page.
    b.go(&s.at("/people"));
    assert!(b.url().contains("/sign-in"), "{}", b.url());
    b.screenshot("01-登录");
    sign_in(&b, &s, "op302");
    assert!(b.text().contains("王芳"));
    b.screenshot("02-首页");

    // Another county's person, by address: refused in Chinese.
    let other = s.text("SELECT MIN(person_id) FROM persons WHERE county = '140303'");
    b.go(&s.at(&format!("/people/{other}")));
    let t = b.text();
    assert!(t.contains("E-ACCESS-COUNTY"), "{t}");
    assert!(!t.contains(&s.text(&format!(
        "SELECT name FROM persons WHERE person_id = {other}"
    ))));
    b.screenshot("03-他县人员-拒绝");

    // A search, and a person's page.
    let name =
        s.text("SELECT name FROM persons WHERE county = '140302' ORDER BY person_id LIMIT 1");
    b.go(&s.at("/people"));
    b.fill("input[name=q]", &name);
    b.follow("form[action='/people'] button[type=submit]");
    assert!(b.text().contains(&name), "{}", b.text());
    b.screenshot("04-参保人查询");
    // The list by name, then the other way: the head says how it is ordered.
    b.go(&s.at("/people?county=140302"));
    b.follow("th a[href*='sort=name']");
    assert!(b.text().contains("姓名 ▲"), "{}", b.text());
    b.follow("th a[href*='sort=-name']");
    assert!(b.text().contains("姓名 ▼"), "{}", b.text());
    b.screenshot("04b-参保人按姓名排序");
    b.go(&s.at("/people"));
    b.fill("input[name=q]", &name);
    b.follow("form[action='/people'] button[type=submit]");
    b.follow("table a[href^='/people/']");
    assert!(b.title().contains(&name), "{}", b.title());
    b.screenshot("05-参保人详情");
    // A decision on the person, with its reason: recorded, shown, audited.
    let events = count(&s, "SELECT COUNT(*) FROM person_events");
    // (Suspending someone not yet receiving is refused in the page, with its rule.)
    b.choose("select[name=decision]", "suspended");
    b.fill("input[name=reason]", "外出务工，待核实");
    b.follow("form[action$='/decisions'] button");
    assert!(b.text().contains("E-STATUS-TRANSITION"), "{}", b.text());
    assert_eq!(count(&s, "SELECT COUNT(*) FROM person_events"), events);
    b.choose("select[name=decision]", "terminated");
    b.fill("input[name=reason]", "迁出本市");
    b.follow("form[action$='/decisions'] button");
    let t = b.text();
    assert!(
        t.contains("经办决定已记录") && t.contains("迁出本市"),
        "{t}"
    );
    assert_eq!(count(&s, "SELECT COUNT(*) FROM person_events"), events + 1);
    // The outreach list: in the page masked, downloaded whole (and audited).
    b.go(&s.at("/outreach"));
    let t = b.text();
    assert!(t.contains("待动员人员名单"), "{t}");
    b.screenshot("05b-待动员人员");
    b.click("form[action='/outreach.xlsx'] button");
    let list = b.downloaded(".xlsx");
    assert!(std::fs::metadata(&list).unwrap().len() > 1000);
    assert_eq!(
        count(
            &s,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'outreach.export' AND actor = 'op302'"
        ),
        1
    );

    // An import with a bad row: the report in the page, nothing posted.
    let before = count(&s, "SELECT COUNT(*) FROM persons");
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser-files");
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("人员登记-有错.csv");
    std::fs::write(&bad, crate::workflows::persons_csv(3, true)).unwrap();
    b.go(&s.at("/imports"));
    b.screenshot("06-数据导入");
    b.choose("select[name=kind]", "persons");
    b.fill("input[name=file]", bad.to_str().unwrap());
    b.follow("form[action='/imports'] button[type=submit]");
    let t = b.text();
    assert!(
        t.contains("检查结果") && t.contains("未写入任何数据"),
        "{t}"
    );
    assert!(t.contains("E-ID-CHECKSUM"), "{t}");
    assert_eq!(
        b.count("form[action$='/confirm']"),
        0,
        "no confirmation for a file with errors"
    );
    assert!(b.count("a[href$='/report.xlsx']") == 1);
    b.screenshot("07-检查结果-有错");
    assert_eq!(count(&s, "SELECT COUNT(*) FROM persons"), before);
    b.follow("form[action$='/discard'] button");
    assert!(b.url().ends_with("/imports"), "{}", b.url());

    // A good file: checked, confirmed, posted, in the history.
    let good = dir.join("人员登记.csv");
    std::fs::write(&good, crate::workflows::persons_csv(3, false)).unwrap();
    b.choose("select[name=kind]", "persons");
    b.fill("input[name=file]", good.to_str().unwrap());
    b.follow("form[action='/imports'] button[type=submit]");
    assert!(b.text().contains("检查通过"), "{}", b.text());
    b.screenshot("08-检查结果-通过");
    assert_eq!(
        count(&s, "SELECT COUNT(*) FROM persons"),
        before,
        "not before confirmed"
    );
    b.follow("form[action$='/confirm'] button");
    let t = b.text();
    assert!(t.contains("已导入"), "{t}");
    assert!(count(&s, "SELECT COUNT(*) FROM persons") > before);
    b.go(&s.at("/imports"));
    assert!(b.text().contains("人员登记.csv"), "{}", b.text());
    b.screenshot("09-导入记录");

    // Signing out ends the session.
    b.follow(".account form[action='/sign-out'] button");
    b.go(&s.at("/imports"));
    assert!(b.url().contains("/sign-in"), "{}", b.url());
}

/// Signs out through the page's button.
fn sign_out(b: &Browser) {
    b.follow(".account form[action='/sign-out'] button");
    assert!(b.url().contains("/sign-in"), "{}", b.url());
}

#[test]
fn a_month_of_payroll_in_the_browser_from_the_run_to_the_bank_return() {
    if !available("a_month_of_payroll_in_the_browser_from_the_run_to_the_bank_return") {
        return;
    }
    let (label, url, dir, scratch) = backends("browser-payroll").remove(0);
    crate::workflows::add_recipients(&url, 25);
    let s = TestServer::start(label, url, dir, scratch, |_| {});
    let b = Browser::start("payroll");
    // This month, so that the dashboard shows it: paid on the 14th at the latest (before the
    // deadline), never after today.
    let today = chrono::Local::now().date_naive();
    let month = today.format("%Y-%m").to_string();
    let paid_on = today.min(today.with_day(14).unwrap());

    // The operator first imports the year's certifications (each recipient proves once a year
    // that they are alive), then runs the month.
    sign_in(&b, &s, "op302");
    // The dashboard says who is left out for want of a certification, and where to fix it.
    let t = b.text();
    assert!(t.contains("超过期限未资格认证"), "{t}");
    assert_eq!(b.count("a[href='/imports?kind=certifications']"), 1, "{t}");
    let mut certs = String::from("身份证号,姓名,认证日期,认证方式\n");
    for r in s.rows(
        "SELECT p.citizen_id, p.name FROM persons p WHERE p.county = '140302' ORDER BY p.person_id",
    ) {
        certs.push_str(&format!("{},{},{today},人脸识别\n", r[0], r[1]));
    }
    let file = b.downloads.join("资格认证.csv");
    std::fs::write(&file, certs).unwrap();
    b.go(&s.at("/imports"));
    b.choose("select[name=kind]", "certifications");
    b.fill("input[name=file]", file.to_str().unwrap());
    b.follow("form[action='/imports'] button[type=submit]");
    assert!(b.text().contains("检查通过"), "{}", b.text());
    b.follow("form[action$='/confirm'] button");
    assert!(b.text().contains("已导入"), "{}", b.text());
    b.go(&s.at(&format!("/payroll?month={month}")));
    assert!(b.text().contains("未生成"), "{}", b.text());
    b.screenshot("01-待遇发放-未生成");
    b.choose("form[action='/payroll/run'] select[name=what]", "run");
    b.follow("form[action='/payroll/run'] button[type=submit]");
    let t = b.text();
    assert!(t.contains("已生成发放批次"), "{t}");
    let id = s.text("SELECT payroll_id FROM payrolls WHERE county = '140302'");
    b.follow(&format!("a[href='/payroll/{id}']"));
    let t = b.text();
    assert!(
        t.contains("草稿") && t.contains("须由另一名审核员审核"),
        "{t}"
    );
    assert_eq!(
        b.count("form[action$='/approve']"),
        0,
        "the maker cannot approve"
    );
    b.screenshot("02-发放批次-草稿");
    sign_out(&b);

    // A second account, a reviewer, approves.
    sign_in(&b, &s, "rv302");
    b.go(&s.at(&format!("/payroll/{id}")));
    b.follow(&format!("form[action='/payroll/{id}/approve'] button"));
    let t = b.text();
    assert!(t.contains("发放批次已审核") && t.contains("已审核"), "{t}");
    assert_eq!(
        s.text(&format!(
            "SELECT approved_by FROM payrolls WHERE payroll_id = {id}"
        )),
        "rv302"
    );
    b.screenshot("03-发放批次-已审核");
    sign_out(&b);

    // The operator exports: a real zip lands in the browser's downloads.
    sign_in(&b, &s, "op302");
    b.go(&s.at(&format!("/payroll/{id}")));
    b.click(&format!("form[action='/payroll/{id}/export'] button"));
    let zip = b.downloaded(".zip");
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&zip).unwrap()).unwrap();
    let names: Vec<String> = (0..archive.len())
        .map(|i| archive.by_index(i).unwrap().name().unwrap().to_string())
        .collect();
    assert!(names.iter().any(|n| n.ends_with(".xlsx")), "{names:?}");
    assert!(names.iter().any(|n| n.ends_with(".csv")), "{names:?}");
    assert_eq!(
        s.text(&format!(
            "SELECT status FROM payrolls WHERE payroll_id = {id}"
        )),
        "exported"
    );
    b.go(&s.at(&format!("/payroll/{id}")));
    b.screenshot("04-发放批次-已导出");

    // The bank's return, uploaded as an import: the month paid before the 15th.
    let lines = s.rows(&format!(
        "SELECT l.line_no, p.citizen_id, l.bank_account, l.total_fen FROM payroll_lines l
         JOIN persons p ON p.county = l.county AND p.person_id = l.person_id
         WHERE l.payroll_id = {id} ORDER BY l.line_no"
    ));
    let mut csv = String::from("批次号,序号,身份证号,银行账号,金额(元),结果,失败原因,入账日期\n");
    for x in &lines {
        let fen: i64 = x[3].parse().unwrap();
        csv.push_str(&format!(
            "{id},{},{},{},{}.{:02},成功,,{paid_on}\n",
            x[0],
            x[1],
            x[2],
            fen / 100,
            fen % 100
        ));
    }
    let file = b.downloads.join("银行回盘.csv");
    std::fs::write(&file, csv).unwrap();
    b.follow("a[href='/imports?kind=bank-return']");
    b.choose("select[name=kind]", "bank-return");
    b.fill("input[name=file]", file.to_str().unwrap());
    b.follow("form[action='/imports'] button[type=submit]");
    assert!(b.text().contains("检查通过"), "{}", b.text());
    b.follow("form[action$='/confirm'] button");
    assert!(b.text().contains("已导入"), "{}", b.text());
    b.go(&s.at(&format!("/payroll?month={month}")));
    let t = b.text();
    assert!(
        t.contains("已发放") && t.contains(&format!("{paid_on} 发放")),
        "{t}"
    );
    assert!(!t.contains("逾期"), "{t}");
    b.screenshot("05-待遇发放-已发放");
    // The dashboard: the month paid before the 15th, in the table and in the timeliness chart.
    b.go(&s.at("/"));
    let t = b.text();
    assert!(
        t.contains("工作台") && t.contains(&format!("{paid_on} 发放")),
        "{t}"
    );
    assert!(t.contains("每月待遇到账日"), "{t}");
    assert!(!t.contains("尚未生成"), "{t}");
    b.screenshot("06-工作台");
}

#[test]
fn a_death_record_confirmed_in_review_opens_its_recovery_case() {
    if !available("a_death_record_confirmed_in_review_opens_its_recovery_case") {
        return;
    }
    let (label, url, dir, scratch) = backends("browser-deaths").remove(0);
    crate::server::add_city(&url, label);
    let s = TestServer::start(label, url, dir, scratch, |_| {});
    let b = Browser::start("deaths");
    let cases = |s: &TestServer| {
        count(
            s,
            "SELECT COUNT(*) FROM recovery_cases WHERE county = '140302'",
        )
    };
    let before = cases(&s);

    sign_in(&b, &s, "rv302");
    b.go(&s.at("/deaths"));
    let t = b.text();
    assert!(t.contains("死亡记录") && t.contains("候选参保人"), "{t}");
    assert_eq!(b.count(".review"), 1, "only 城区's record: {t}");
    b.screenshot("01-死亡比对-待核对");
    let record = s.text("SELECT record_id FROM death_records WHERE match_status = 'review' AND person_county = '140302'");
    let person = s.text(&format!(
        "SELECT person_id FROM death_records WHERE record_id = {record}"
    ));
    b.follow(&format!(
        "form[action='/deaths/{record}/decide'] input[value=confirm] ~ button"
    ));
    let t = b.text();
    assert!(
        t.contains(&format!("死亡记录 {record} 已确认并生效")),
        "{t}"
    );
    assert_eq!(cases(&s), before + 1, "its recovery case opened");
    b.screenshot("02-死亡比对-已确认");

    // The case, and a family refund recorded against it.
    b.go(&s.at("/recovery"));
    b.screenshot("03-多发追回");
    let case = s.text(&format!(
        "SELECT case_id FROM recovery_cases WHERE county = '140302' AND person_id = {person}"
    ));
    b.follow(&format!("a[href='/recovery/{case}']"));
    let t = b.text();
    assert!(t.contains("多发明细") && t.contains("待追回"), "{t}");
    let outstanding = count(
        &s,
        &format!("SELECT overpaid_fen - recovered_fen - written_off_fen FROM recovery_cases WHERE case_id = {case}"),
    );
    assert!(outstanding > 1000, "{outstanding}");
    b.choose("select[name=channel]", "family-refund");
    b.fill("input[name=amount]", "10.00");
    b.fill("input[name=note]", "家属到窗口退还");
    // A bad amount first: the page says so and nothing is recorded.
    b.fill("input[name=amount]", "十元");
    b.follow("form[action$='/steps'] button");
    assert!(b.text().contains("E-AMOUNT-FORMAT"), "{}", b.text());
    assert_eq!(
        count(
            &s,
            &format!("SELECT overpaid_fen - recovered_fen - written_off_fen FROM recovery_cases WHERE case_id = {case}")
        ),
        outstanding
    );
    b.choose("select[name=channel]", "family-refund");
    b.fill("input[name=amount]", "10.00");
    b.fill("input[name=note]", "家属到窗口退还");
    b.follow("form[action$='/steps'] button");
    let t = b.text();
    assert!(
        t.contains("已登记追回") && t.contains("家属退还") && t.contains("家属到窗口退还"),
        "{t}"
    );
    assert_eq!(
        count(
            &s,
            &format!("SELECT overpaid_fen - recovered_fen - written_off_fen FROM recovery_cases WHERE case_id = {case}")
        ),
        outstanding - 1000
    );
    b.screenshot("04-追回案件");

    // The heir's payment from the person's page: this recipient's account is empty (the test
    // register's awards carry no balance), so the page says there is nothing to pay and pays
    // nothing.
    b.go(&s.at(&format!("/people/{person}")));
    b.fill("input[name=heir_name]", "杨继承");
    b.fill(
        "input[name=heir_id]",
        yanglao_testdata::citizen_id(987_654).as_str(),
    );
    b.fill("input[name=heir_bank]", "中国农业银行");
    b.fill(
        "input[name=heir_account]",
        &yanglao_domain::bank::with_luhn_digit("622848000077777777"),
    );
    b.follow("form[action$='/inheritance'] button");
    let t = b.text();
    assert!(t.contains("E-INHERIT-NOTHING"), "{t}");
    assert_eq!(
        count(&s, &format!("SELECT overpaid_fen - recovered_fen - written_off_fen FROM recovery_cases WHERE case_id = {case}")),
        outstanding - 1000,
        "nothing offset or paid"
    );
    b.screenshot("05-支付继承人");
}

#[test]
fn the_evaluator_edits_the_worksheet_in_the_page_and_downloads_the_report() {
    if !available("the_evaluator_edits_the_worksheet_in_the_page_and_downloads_the_report") {
        return;
    }
    let (label, url, dir, scratch) = backends("browser-evaluation").remove(0);
    crate::server::add_city(&url, label);
    crate::lists::add_bank_books(&url);
    let s = TestServer::start(label, url, dir, scratch, |_| {});
    let b = Browser::start("evaluation");

    // The finance bureau's year: the statement, the interest check, budget execution.
    sign_in(&b, &s, "finance");
    b.go(&s.at("/fund?year=2023"));
    let t = b.text();
    assert!(
        t.contains("年末滚存结余") && t.contains("补贴预算执行"),
        "{t}"
    );
    b.screenshot("01-基金");
    b.follow("a[href='/fund/budget?year=2023']");
    let t = b.text();
    assert!(
        t.contains("补贴预算与资金到位") && t.contains("晋财社〔2023〕12号"),
        "{t}"
    );
    b.screenshot("01b-预算与到位");
    b.go(&s.at("/fund?year=2023"));
    b.follow("a[href='/fund/bank?year=2023']");
    let t = b.text();
    assert!(t.contains("存款协议") && t.contains("2023 年末执行"), "{t}");
    b.screenshot("01c-银行账户与对账单");
    sign_out(&b);

    sign_in(&b, &s, "evaluator");
    // The dashboard of a city with three years of data: each chart drawn, its numbers beside it.
    let t = b.text();
    assert!(
        t.contains("缴费人数（按县区、年度）") && t.contains("2023年"),
        "{t}"
    );
    assert!(
        b.count("figure.chart svg") >= 3,
        "charts drawn by the server: {t}"
    );
    b.screenshot("00-工作台-全市");
    b.go(&s.at("/evaluation?year=2023"));
    let t = b.text();
    assert!(t.contains("总分") && t.contains("逐项指标"), "{t}");
    assert!(
        t.contains("未评分"),
        "judgements unscored before the worksheet: {t}"
    );
    // The year's surveys with their rates and intervals (the city has 1,000 questionnaires).
    assert!(t.contains("问卷调查") && t.contains("95% 区间"), "{t}");
    b.screenshot("02-绩效评价-未评");
    let code = b
        .script(
            "return document.querySelector('form.judgement input[name=slot][value=score]').form.querySelector('input[name=code]').value;",
            serde_json::json!([]),
        )
        .as_str()
        .unwrap()
        .to_string();
    let form = format!(
        "form.judgement:has(input[name=code][value='{code}']):has(input[name=slot][value=score])"
    );
    // Beyond the indicator's points: refused, nothing saved.
    b.fill(&format!("{form} input[name=points]"), "999");
    b.fill(&format!("{form} input[name=reason]"), "抽查档案齐全");
    b.fill(&format!("{form} input[name=evidence]"), "本报告表 2-1");
    b.follow(&format!("{form} button"));
    assert!(b.text().contains(&format!("指标 {code}：")), "{}", b.text());
    assert_eq!(count(&s, "SELECT COUNT(*) FROM evaluation_judgements"), 0);
    // Within them: saved, scored, audited, in the history.
    b.fill(&format!("{form} input[name=points]"), "1");
    b.fill(&format!("{form} input[name=reason]"), "抽查档案齐全");
    b.fill(&format!("{form} input[name=evidence]"), "本报告表 2-1");
    b.follow(&format!("{form} button"));
    let t = b.text();
    assert!(t.contains(&format!("指标 {code} 的评价已保存")), "{t}");
    assert_eq!(count(&s, "SELECT COUNT(*) FROM evaluation_judgements"), 1);
    assert_eq!(
        count(
            &s,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'evaluation.judgement'"
        ),
        1
    );
    b.screenshot("03-绩效评价-已评");
    b.screenshot_view("03-绩效评价-首屏");
    b.go(&s.at(&format!("/evaluation/2023/history/{code}")));
    assert!(b.text().contains("抽查档案齐全"), "{}", b.text());
    // The report, as Word: a real .docx in the browser's downloads.
    b.go(&s.at("/evaluation?year=2023"));
    b.click("form[action='/evaluation/2023/report'] input[value=docx] ~ button");
    let docx = b.downloaded(".docx");
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&docx).unwrap()).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("word/document.xml").unwrap(), &mut xml)
        .unwrap();
    assert!(xml.contains("绩效评价"), "the report's text");

    // The simulator: a resident, the report's three comparisons, the fund with and without a
    // reform; each with its tables and charts.
    b.go(&s.at("/simulate"));
    b.screenshot_view("04-政策测算");
    b.choose("select[name=scheme]", "basic+supplementary");
    b.fill("input[name=tier]", "max");
    b.fill("input[name=supplementary_tier]", "max");
    b.choose("select[name=sex]", "F");
    b.choose("select[name=scenario]", "reform-2027");
    b.follow("form[action='/simulate'] button[type=submit]");
    let t = b.text();
    assert!(t.contains("居民测算") && t.contains("月领取额"), "{t}");
    assert!(b.count("figure.chart svg") >= 1);
    b.screenshot("05-居民测算");
    b.follow("a[href='/simulate?run=compare']");
    assert_eq!(b.count("figure.chart svg"), 3, "a chart per comparison");
    b.screenshot("06-三项比较");
    b.follow("a[href='/simulate?run=fund&scenario=reform-2027']");
    let t = b.text();
    assert!(
        t.contains("基金中长期预测") && t.contains("现行政策"),
        "{t}"
    );
    b.screenshot("07-基金预测");
    // A bad field: said in the page, with its code.
    b.go(&s.at("/simulate?run=person&scheme=basic&years=15&start_age=45&sex=M&discount_rate=2"));
    assert!(b.text().contains("E-SIM-DISCOUNT"), "{}", b.text());
}

#[test]
fn the_administrator_loads_a_policy_version_and_sees_what_changed() {
    if !available("the_administrator_loads_a_policy_version_and_sees_what_changed") {
        return;
    }
    let (label, url, dir, scratch) = backends("browser-policy").remove(0);
    add_people(&url, 3);
    let s = TestServer::start(label, url, dir, scratch, |_| {});
    let b = Browser::start("policy");
    sign_in(&b, &s, "admin");
    b.go(&s.at("/policy"));
    assert!(b.text().contains("第 1 版"), "{}", b.text());
    let files = b.downloads.clone();
    // A file with an error: each problem said, nothing stored.
    let bad = files.join("有错的参数.toml");
    std::fs::write(&bad, "[policy]\nscheme = \"supplementary\"\nname = 3\n").unwrap();
    b.fill("input[name=file]", bad.to_str().unwrap());
    b.follow("form[action='/policy'] button[type=submit]");
    assert!(b.text().contains("E-POLICY"), "{}", b.text());
    assert_eq!(count(&s, "SELECT COUNT(*) FROM policy_versions"), 1);
    // A new version from 2025: stored, with its changes shown.
    let good = files.join("山西补充险-2025.toml");
    std::fs::write(
        &good,
        yanglao_policy::SHANXI_SUPPLEMENTARY.replace(
            "name = \"山西省城乡居民补充养老保险（示意参数）\"",
            "name = \"山西省城乡居民补充养老保险（2025 年修订示意）\"",
        ),
    )
    .unwrap();
    b.fill("input[name=file]", good.to_str().unwrap());
    b.set("input[name=date]", "2025-01-01");
    b.follow("form[action='/policy'] button[type=submit]");
    let t = b.text();
    assert!(t.contains("已载入第 2 版"), "{t}");
    assert_eq!(count(&s, "SELECT COUNT(*) FROM policy_versions"), 2);
    b.click("details summary");
    let t = b.text();
    assert!(
        t.contains("+ name = \"山西省城乡居民补充养老保险（2025 年修订示意）\""),
        "{t}"
    );
    b.screenshot("01-政策参数");
}
