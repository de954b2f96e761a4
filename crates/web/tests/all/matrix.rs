//! Every role against every resource the server has: what each may read and change, and that
//! another county's person is refused to a county role on every path (pages and API alike).

use crate::server::{add_people, backends, call, get, post, session, TestServer};

#[test]
fn every_role_against_every_resource() {
    for (label, url, dir, scratch) in backends("matrix") {
        add_people(&url, 20);
        let s = TestServer::start(label, url, dir, scratch, |_| {});
        let l = s.label;
        let own = s.text(
            "SELECT person_id FROM persons WHERE county = '140302' ORDER BY person_id LIMIT 1",
        );
        let other = s.text(
            "SELECT person_id FROM persons WHERE county = '140303' ORDER BY person_id LIMIT 1",
        );
        // (account, may manage accounts and the audit log, may reveal an ID, bound to 城区)
        let roles = [
            ("op302", false, true, true),
            ("rv302", false, true, true),
            ("admin", true, true, false),
            ("finance", false, false, false),
        ];
        for (name, admin, reveals, county_bound) in roles {
            let token = session(&s, name);
            let c = [("yanglao_session", token.as_str())];
            let cookie = format!("yanglao_session={token}");
            let home = get(&s.at("/"), &c);
            assert_eq!(home.status, 200, "[{l}] {name} /");
            let csrf = home.field("csrf").unwrap();
            let expect = |path: &str, status: u16, got: u16| {
                assert_eq!(got, status, "[{l}] {name} {path}");
            };
            let admin_status = if admin { 200 } else { 403 };
            expect(
                "/accounts",
                admin_status,
                get(&s.at("/accounts"), &c).status,
            );
            expect(
                "/accounts/op302",
                admin_status,
                get(&s.at("/accounts/op302"), &c).status,
            );
            expect("/audit", admin_status, get(&s.at("/audit"), &c).status);
            expect(
                "/audit.xlsx",
                admin_status,
                post(&s.at("/audit.xlsx"), &c, &[], &[("csrf", &csrf)]).status,
            );
            expect("/people", 200, get(&s.at("/people?q=%E7%8E%8B"), &c).status);
            expect(
                "/people/own",
                200,
                get(&s.at(&format!("/people/{own}")), &c).status,
            );
            let other_status = if county_bound { 403 } else { 200 };
            expect(
                "/people/other",
                other_status,
                get(&s.at(&format!("/people/{other}")), &c).status,
            );
            expect(
                "api person other",
                other_status,
                call(
                    "get",
                    &s.at(&format!("/api/v1/people/{other}")),
                    &[("Cookie", &cookie)],
                )
                .status,
            );
            // Revealing: the roles that may, in their counties; each reveal audited.
            let before: i64 = s
                .text("SELECT COUNT(*) FROM audit_log WHERE action = 'person.reveal'")
                .parse()
                .unwrap();
            let r = post(
                &s.at(&format!("/people/{own}/reveal")),
                &c,
                &[],
                &[("csrf", &csrf)],
            );
            expect("reveal own", if reveals { 200 } else { 403 }, r.status);
            let r = post(
                &s.at(&format!("/people/{other}/reveal")),
                &c,
                &[],
                &[("csrf", &csrf)],
            );
            expect(
                "reveal other",
                if reveals && !county_bound { 200 } else { 403 },
                r.status,
            );
            let after: i64 = s
                .text("SELECT COUNT(*) FROM audit_log WHERE action = 'person.reveal'")
                .parse()
                .unwrap();
            let allowed = i64::from(reveals) + i64::from(reveals && !county_bound);
            assert_eq!(
                after - before,
                allowed,
                "[{l}] {name}: one audit entry per reveal, none for a refusal"
            );
            // Changing accounts: the administrator only (a password of its own choosing here).
            let r = post(
                &s.at("/accounts/op303/password"),
                &c,
                &[],
                &[("csrf", &csrf), ("password", "矩阵测试的长密码-2026")],
            );
            expect(
                "password of another",
                if admin { 303 } else { 403 },
                r.status,
            );
            // A county role's list never holds another county.
            let list = call(
                "get",
                &s.at("/api/v1/people?per_page=500"),
                &[("Cookie", &cookie)],
            )
            .json();
            let counties: std::collections::BTreeSet<String> = list["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["county"].as_str().unwrap().to_string())
                .collect();
            if county_bound {
                assert_eq!(
                    counties.into_iter().collect::<Vec<_>>(),
                    vec!["140302".to_string()],
                    "[{l}] {name}"
                );
            } else {
                assert!(counties.len() > 1, "[{l}] {name} reads every county");
            }
        }
    }
}

/// Every page of every workflow for every role, on a city with a year of payrolls, deaths and
/// recovery: what each role may open, another county's payroll, review record and case refused to
/// the county roles (to read and to act on), and every page in Chinese.
#[test]
fn every_page_for_every_role() {
    for (label, url, dir, scratch) in backends("page-matrix") {
        crate::server::add_city(&url, label);
        let s = TestServer::start(label, url, dir, scratch, |_| {});
        let l = s.label;
        let payroll = s.text("SELECT MIN(payroll_id) FROM payrolls WHERE county = '140303'");
        let record = s.text(
            "SELECT MIN(record_id) FROM death_records WHERE match_status = 'review' AND person_county = '140303'",
        );
        let case = s.text("SELECT MIN(case_id) FROM recovery_cases WHERE county = '140303'");
        // (account, bound to 城区, may evaluate)
        for (name, county_bound, evaluates) in [
            ("op302", true, false),
            ("rv302", true, false),
            ("admin", false, false),
            ("finance", false, true),
            ("evaluator", false, true),
        ] {
            let token = session(&s, name);
            let c = [("yanglao_session", token.as_str())];
            let csrf = get(&s.at("/"), &c).field("csrf").unwrap();
            let other = if county_bound { 403 } else { 200 };
            let eval = if evaluates { 200 } else { 403 };
            for (path, want) in [
                ("/".to_string(), 200),
                ("/imports".into(), 200),
                ("/payroll?month=2023-06".into(), 200),
                ("/deaths".into(), 200),
                ("/recovery".into(), 200),
                ("/fund?year=2023".into(), 200),
                ("/fund/bank?year=2023".into(), 200),
                ("/fund/budget?year=2023".into(), 200),
                ("/outreach?year=2023".into(), 200),
                ("/simulate".into(), 200),
                ("/simulate?run=compare".into(), 200),
                ("/policy".into(), 200),
                ("/evaluation?year=2023".into(), eval),
                ("/evaluation/2023/particulars".into(), eval),
                (format!("/payroll/{payroll}"), other),
                (format!("/recovery/{case}"), other),
            ] {
                let r = get(&s.at(&path), &c);
                assert_eq!(r.status, want, "[{l}] {name} {path}: {}", r.body);
                assert!(
                    r.body.contains("<html lang=\"zh-CN\">"),
                    "[{l}] {name} {path}"
                );
                assert!(
                    !r.body.contains("{{") && !r.body.contains("{%"),
                    "[{l}] {name} {path}"
                );
                if want == 403 {
                    assert!(
                        r.body.contains("没有权限"),
                        "[{l}] {name} {path}: a Chinese refusal"
                    );
                }
            }
            // The fund forecast: the whole register, for city-wide accounts only.
            let r = get(&s.at("/simulate?run=fund"), &c);
            assert_eq!(
                r.body.contains("E-ACCESS-COUNTY"),
                county_bound,
                "[{l}] {name} fund forecast"
            );
            // Acting on another county's records: refused, nothing changed.
            let before = s.text("SELECT COUNT(*) FROM audit_log");
            let acts = [
                (
                    format!("/deaths/{record}/decide"),
                    vec![("decision", "reject"), ("reason", "不是此人")],
                ),
                (format!("/payroll/{payroll}/approve"), vec![]),
                (format!("/payroll/{payroll}/refresh"), vec![]),
                (
                    format!("/recovery/{case}/steps"),
                    vec![
                        ("channel", "family-refund"),
                        ("amount", "1.00"),
                        ("date", "2024-01-02"),
                    ],
                ),
            ];
            for (path, fields) in &acts {
                let mut form: Vec<(&str, &str)> = vec![("csrf", &csrf)];
                form.extend(fields.iter().copied());
                let r = post(&s.at(path), &c, &[], &form);
                if county_bound {
                    assert_eq!(r.status, 403, "[{l}] {name} {path}: {}", r.body);
                } else {
                    assert_ne!(r.status, 500, "[{l}] {name} {path}: {}", r.body);
                }
            }
            if county_bound {
                assert_eq!(
                    s.text("SELECT COUNT(*) FROM audit_log"),
                    before,
                    "[{l}] {name}: nothing written"
                );
            }
            // A judgement from a role that does not evaluate: refused.
            let r = post(
                &s.at("/evaluation/2023/judgements"),
                &c,
                &[],
                &[
                    ("csrf", &csrf),
                    ("code", "A11"),
                    ("slot", "score"),
                    ("points", "1"),
                    ("reason", "x"),
                    ("evidence", "y"),
                ],
            );
            if !evaluates {
                assert_eq!(r.status, 403, "[{l}] {name} judgement: {}", r.body);
            }
            // Without the form token, nothing is taken.
            let r = post(&s.at(&format!("/payroll/{payroll}/approve")), &c, &[], &[]);
            assert_eq!(r.status, 403, "[{l}] {name} approve without a form token");
            assert!(r.body.contains("E-WEB-CSRF"), "[{l}] {name}");
        }
    }
}
