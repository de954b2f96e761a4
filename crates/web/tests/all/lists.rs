//! Lists that sort by a column (the order kept in the URL, in the page and the API alike), the
//! fund's bank accounts and budgets, and the outreach list for one village.

use crate::server::{add_city, backends, call, get, session, TestServer};
use crate::workflows::token;
use yanglao_ops::imports::table::Upload;
use yanglao_ops::Ctx;
use yanglao_store::Db;

/// The cells of each row of the page's first table body, tags taken out.
fn body_rows(html: &str) -> Vec<Vec<String>> {
    let Some(start) = html.find("<tbody>") else {
        return Vec::new();
    };
    let body = &html[start..start + html[start..].find("</tbody>").unwrap()];
    body.split("<tr")
        .skip(1)
        .map(|tr| {
            tr.split("<td")
                .skip(1)
                .map(|td| {
                    let inner = &td[td.find('>').unwrap() + 1..];
                    let inner = &inner[..inner.find("</td>").unwrap_or(inner.len())];
                    let mut text = String::new();
                    let mut in_tag = false;
                    for c in inner.chars() {
                        match c {
                            '<' => in_tag = true,
                            '>' => in_tag = false,
                            c if !in_tag => text.push(c),
                            _ => {}
                        }
                    }
                    text.trim().to_string()
                })
                .collect()
        })
        .collect()
}

/// The bank books of 城区 and 矿区 and the year's arrivals, through their imports.
pub fn add_bank_books(url: &str) {
    let mut db = Db::open(url).unwrap();
    db.migrate().unwrap();
    let mut ctx = Ctx::system(db).unwrap();
    let agreements = "县区代码,开户银行,账号,约定利率(%),计息基础,结息频率,生效日期,终止日期\n\
        140302,中国农业银行阳泉分行,6228480000111122223,1.35,actual/360,季,2021-07-01,\n\
        140302,中国农业银行阳泉分行,6228480000111122223,1.5,actual/360,季,2023-06-01,\n\
        140303,中国建设银行阳泉分行,6228480000333344445,1.35,actual/360,季,2021-07-01,\n";
    let o = yanglao_ops::books::bank::import_agreements(
        &mut ctx,
        &Upload::new("协议.csv", agreements.as_bytes().to_vec()),
        false,
    )
    .unwrap();
    assert!(o.ok(), "{:?}", o.errors);
    let statement = "账号,日期,类型,金额(元),计息起始日,计息终止日\n\
        6228480000111122223,2023-01-01,余额,1000000,,\n\
        6228480000111122223,2023-03-31,余额,1200000,,\n\
        6228480000111122223,2023-03-21,利息,600.50,2023-01-01,2023-03-20\n";
    let o = yanglao_ops::books::bank::import_statement(
        &mut ctx,
        &Upload::new("对账单.csv", statement.as_bytes().to_vec()),
        false,
    )
    .unwrap();
    assert!(o.ok(), "{:?}", o.errors);
    let arrivals = "年度,级次,类别,县区代码,到位日期,金额(元),凭证号\n\
        2023,省级,出口补,140302,2023-04-10,7000000,晋财社〔2023〕12号\n\
        2023,县级,入口补,140302,2023-05-06,300000,城财〔2023〕5号\n\
        2023,县级,入口补,140303,2023-05-08,250000,矿财〔2023〕7号\n";
    let o = yanglao_ops::books::budget::import_arrivals(
        &mut ctx,
        &Upload::new("到位.csv", arrivals.as_bytes().to_vec()),
        false,
    )
    .unwrap();
    assert!(o.ok(), "{:?}", o.errors);
}

#[test]
fn lists_sort_by_a_column_and_the_fund_lists_its_accounts_and_budgets() {
    for (label, url, dir, scratch) in backends("lists") {
        add_city(&url, label);
        add_bank_books(&url);
        // One member of the basic scheme who has not joined gets a village.
        let prospect = {
            let mut db = Db::open(&url).unwrap();
            db.migrate().unwrap();
            let mut ctx = Ctx::system(db).unwrap();
            let filter = yanglao_ops::evaluation::enrolment::OutreachFilter {
                county: Some("140302".into()),
                ..Default::default()
            };
            let list =
                yanglao_ops::evaluation::enrolment::prospects(&mut ctx, 2023, &filter).unwrap();
            assert!(list.len() > 1, "[{label}] the city has people to canvass");
            let p = list[0].citizen_id.clone();
            ctx.db
                .transaction(|tx| {
                    tx.exec(
                        "UPDATE persons SET township = '荫营镇', village = '上千亩坪村' WHERE citizen_id = $1",
                        &[yanglao_store::Param::Text(&p)],
                    )
                })
                .unwrap();
            p
        };
        let s = TestServer::start(label, url, dir, scratch, |_| {});
        let l = s.label;
        let op = session(&s, "op302");
        let me = [("yanglao_session", op.as_str())];

        // People by name, each way; the heads say how the list is ordered and link onwards.
        let names = |order: &str| -> Vec<String> {
            s.rows(&format!(
                "SELECT name FROM persons WHERE county = '140302' ORDER BY name {order}, county, person_id LIMIT 50"
            ))
            .into_iter()
            .map(|r| r[0].clone())
            .collect()
        };
        let r = get(&s.at("/people?county=140302&sort=name"), &me);
        assert_eq!(r.status, 200, "[{l}] {}", r.body);
        let shown: Vec<String> = body_rows(&r.body).iter().map(|r| r[1].clone()).collect();
        assert_eq!(shown, names("ASC"), "[{l}]");
        assert!(r.body.contains(r#"aria-sort="ascending"><a class="sort" href="/people?county=140302&#38;sort=-name""#), "[{l}] {}", r.body);
        assert!(
            r.body.contains("page=2") && r.body.contains("sort=name&#38;page=2"),
            "[{l}] the pager keeps the order"
        );
        let r = get(&s.at("/people?county=140302&sort=-name"), &me);
        let shown: Vec<String> = body_rows(&r.body).iter().map(|r| r[1].clone()).collect();
        assert_eq!(shown, names("DESC"), "[{l}]");
        // The second page continues the first.
        let r2 = get(&s.at("/people?county=140302&sort=-name&page=2"), &me);
        let second: Vec<String> = body_rows(&r2.body).iter().map(|r| r[1].clone()).collect();
        let all: Vec<String> = s
            .rows("SELECT name FROM persons WHERE county = '140302' ORDER BY name DESC, county, person_id LIMIT 50 OFFSET 50")
            .into_iter()
            .map(|r| r[0].clone())
            .collect();
        assert_eq!(second, all, "[{l}]");
        // A column the list does not sort by is named, with those it does.
        let r = get(&s.at("/people?county=140302&sort=phone"), &me);
        assert_eq!(r.status, 422, "[{l}] {}", r.body);
        assert!(
            r.body.contains("E-SORT") && r.body.contains("name"),
            "[{l}] {}",
            r.body
        );
        // A role that sees IDs masked may not order by them (the order would give the digits back).
        let finance = session(&s, "finance");
        let f = [("yanglao_session", finance.as_str())];
        let r = get(&s.at("/people?county=140302&sort=citizen_id"), &f);
        assert_eq!(r.status, 422, "[{l}] {}", r.body);
        assert!(
            !r.body
                .contains(r#"href="/people?county=140302&#38;sort=citizen_id""#),
            "[{l}]"
        );
        let r = get(&s.at("/people?county=140302&sort=citizen_id"), &me);
        assert_eq!(r.status, 200, "[{l}] {}", r.body);

        // The API orders the same way.
        let t = token(&s, "op302");
        let a = [("Authorization", t.as_str())];
        let r = call("get", &s.at("/api/v1/people?county=140302&sort=-name"), &a);
        assert_eq!(r.status, 200, "[{l}] {}", r.body);
        let api: Vec<String> = r.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["name"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(api, names("DESC"), "[{l}]");
        let r = call("get", &s.at("/api/v1/recovery/cases?sort=wrong"), &a);
        assert_eq!(
            (r.status, r.json()["code"].as_str()),
            (422, Some("E-SORT")),
            "[{l}] {}",
            r.body
        );

        // A payroll's lines by amount, the largest first.
        let id = s.text(
            "SELECT payroll_id FROM payrolls WHERE county = '140302' ORDER BY month DESC LIMIT 1",
        );
        let r = get(&s.at(&format!("/payroll/{id}?sort=-total")), &me);
        assert_eq!(r.status, 200, "[{l}] {}", r.body);
        let amounts: Vec<i64> = body_rows(&r.body[r.body.find("class=\"lines\"").unwrap()..])
            .iter()
            .map(|r| r[4].replace([',', '.'], "").parse().unwrap())
            .collect();
        assert!(
            amounts.len() > 1 && amounts.windows(2).all(|w| w[0] >= w[1]),
            "[{l}] {amounts:?}"
        );
        // Recovery cases and imports by their columns.
        let r = get(&s.at("/recovery?status=all&sort=-overpaid"), &me);
        assert_eq!(r.status, 200, "[{l}] {}", r.body);
        assert!(r.body.contains(r#"aria-sort="descending""#), "[{l}]");
        let r = get(&s.at("/imports?sort=-rows"), &me);
        assert_eq!(r.status, 200, "[{l}] {}", r.body);
        let r = get(&s.at("/deaths?status=confirmed&sort=-score"), &me);
        assert_eq!(r.status, 200, "[{l}] {}", r.body);

        // The bank accounts of the operator's county, with every agreement and the statement.
        let r = get(&s.at("/fund/bank?year=2023"), &me);
        assert_eq!(r.status, 200, "[{l}] {}", r.body);
        assert!(
            r.body.contains("中国农业银行阳泉分行") && !r.body.contains("中国建设银行阳泉分行"),
            "[{l}] only 城区's account"
        );
        assert!(
            r.body.contains("1.35%")
                && r.body.contains("1.5%")
                && r.body.contains("2021-07-01 至 2023-05-31"),
            "[{l}] {}",
            r.body
        );
        assert!(
            r.body.contains("600.50") && r.body.contains("2 天的日终余额"),
            "[{l}] {}",
            r.body
        );
        assert!(
            !r.body.contains("6228480000111122223"),
            "[{l}] the account is masked"
        );
        let admin = session(&s, "admin");
        let r = get(
            &s.at("/fund/bank?year=2023"),
            &[("yanglao_session", admin.as_str())],
        );
        assert!(
            r.body.contains("中国建设银行阳泉分行"),
            "[{l}] the city sees every account"
        );
        // The budgets and arrivals: the operator sees the levels' and its own county's.
        let r = get(&s.at("/fund/budget?year=2023"), &me);
        assert_eq!(r.status, 200, "[{l}] {}", r.body);
        assert!(
            r.body.contains("14,222,000.00")
                && r.body.contains("晋财社〔2023〕12号")
                && r.body.contains("城财〔2023〕5号"),
            "[{l}] {}",
            r.body
        );
        assert!(
            !r.body.contains("矿财〔2023〕7号"),
            "[{l}] another county's arrival"
        );
        let r = get(&s.at("/fund/budget?year=2023"), &f);
        assert!(
            r.body.contains("矿财〔2023〕7号") && r.body.contains("45,343,600.00"),
            "[{l}] {}",
            r.body
        );
        let r = get(&s.at("/fund/budget?year=abc"), &f);
        assert_eq!(r.status, 422, "[{l}]");

        // The outreach list of one village, the page and the download alike.
        let r = get(
            &s.at("/outreach?year=2023&county=140302&place=%E5%8D%83%E4%BA%A9%E5%9D%AA"),
            &me,
        );
        assert_eq!(r.status, 200, "[{l}] {}", r.body);
        assert!(
            r.body.contains("共 1 人") && r.body.contains("荫营镇 上千亩坪村"),
            "[{l}] {}",
            r.body
        );
        assert!(
            r.body
                .contains(&format!("{}********{}", &prospect[..6], &prospect[14..])),
            "[{l}]"
        );
        let r = call(
            "post",
            &s.at("/api/v1/outreach.xlsx?year=2023&county=140302&place=%E4%B8%8A%E5%8D%83%E4%BA%A9%E5%9D%AA%E6%9D%91"),
            &a,
        );
        assert_eq!(r.status, 200, "[{l}] {}", r.body);
        let mut wb: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(r.bytes().to_vec())).unwrap();
        let sheet = calamine::Reader::worksheet_range(&mut wb, "待动员人员").unwrap();
        let rows: Vec<Vec<String>> = sheet
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect();
        assert_eq!(rows.len(), 2, "[{l}] {rows:?}");
        assert_eq!(
            (
                rows[0][3].as_str(),
                rows[1][3].as_str(),
                rows[1][4].as_str()
            ),
            ("村（社区）", "上千亩坪村", prospect.as_str()),
            "[{l}]"
        );
    }
}

#[test]
fn the_evaluator_keeps_the_particulars_in_a_form() {
    for (label, url, dir, scratch) in backends("particulars") {
        let s = TestServer::start(label, url, dir, scratch, |_| {});
        let l = s.label;
        let ev = session(&s, "evaluator");
        let c = [("yanglao_session", ev.as_str())];
        let page = get(&s.at("/evaluation/2023/particulars"), &c);
        assert_eq!(page.status, 200, "[{l}] {}", page.body);
        assert!(
            page.body.contains("评价机构") && page.body.contains("利息少计的主要原因"),
            "[{l}]"
        );
        let csrf = page.field("csrf").unwrap();
        let at = s.at("/evaluation/2023/particulars");
        let r = crate::server::post(
            &at,
            &c,
            &[],
            &[
                ("csrf", &csrf),
                ("f.agency", "某资产评估有限公司"),
                ("f.causes.interest", "一是意识不强；\n二是监管不足。"),
            ],
        );
        assert_eq!(r.status, 303, "[{l}] {}", r.body);
        let page = get(&s.at("/evaluation/2023/particulars?saved=2"), &c);
        assert!(page.body.contains("已保存 2 项变更"), "[{l}] {}", page.body);
        assert!(
            page.body.contains(r#"value="某资产评估有限公司""#)
                && page.body.contains("一是意识不强；\n二是监管不足。"),
            "[{l}]"
        );
        assert!(page.body.contains("evaluator 于"), "[{l}] who saved it");
        // A refused value comes back with what was typed, and nothing is saved.
        let r = crate::server::post(
            &at,
            &c,
            &[],
            &[
                ("csrf", &csrf),
                ("f.agency", "另一家"),
                ("f.lead_evaluators", "甲\n乙"),
            ],
        );
        assert_eq!(r.status, 422, "[{l}] {}", r.body);
        assert!(
            r.body.contains("E-PARTICULAR-LINE") && r.body.contains(r#"value="另一家""#),
            "[{l}] {}",
            r.body
        );
        assert_eq!(
            s.text("SELECT COUNT(*) FROM evaluation_particulars"),
            "2",
            "[{l}]"
        );
        // Without the form's token, or by an operator: refused.
        let r = crate::server::post(&at, &c, &[], &[("f.agency", "x")]);
        assert_eq!(r.status, 403, "[{l}] {}", r.body);
        let op = session(&s, "op302");
        let r = get(&at, &[("yanglao_session", op.as_str())]);
        assert_eq!(r.status, 403, "[{l}]");
    }
}
