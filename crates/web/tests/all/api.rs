//! The HTTP API: tokens issued and revoked by the administrator, the same walls and masking as
//! the pages, JSON errors, and an OpenAPI document that names every route.

use crate::server::{add_city, add_people, backends, call, get, post, session, TestServer};

pub fn issue(s: &TestServer, admin: &str, account: &str) -> String {
    let page = get(
        &s.at(&format!("/accounts/{account}")),
        &[("yanglao_session", admin)],
    );
    let csrf = page.field("csrf").unwrap();
    let r = post(
        &s.at(&format!("/accounts/{account}/tokens")),
        &[("yanglao_session", admin)],
        &[],
        &[("csrf", &csrf), ("label", "县区对账程序")],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let key = "<code class=\"token\">";
    let at = r.body.find(key).expect("token shown") + key.len();
    r.body[at..].split('<').next().unwrap().to_string()
}

#[test]
fn the_api_answers_under_the_account_of_its_token() {
    for (label, url, dir, scratch) in backends("api") {
        add_people(&url, 30);
        let s = TestServer::start(label, url, dir, scratch, |_| {});
        let l = s.label;
        let mine = s.text(
            "SELECT citizen_id FROM persons WHERE county = '140302' ORDER BY person_id LIMIT 1",
        );
        let my_pid = s.text(&format!(
            "SELECT person_id FROM persons WHERE citizen_id = '{mine}'"
        ));
        let their_pid = s.text(
            "SELECT person_id FROM persons WHERE county = '140303' ORDER BY person_id LIMIT 1",
        );
        let admin = session(&s, "admin");
        let token = issue(&s, &admin, "op302");
        assert!(
            token.starts_with("ylt_") && token.len() > 60,
            "[{l}] {token}"
        );
        assert_ne!(
            s.text("SELECT token_hash FROM api_tokens"),
            token,
            "[{l}] only the hash is kept"
        );
        let bearer = format!("Bearer {token}");
        let auth = [("Authorization", bearer.as_str())];

        // Without a token or a session: 401, as JSON.
        let r = call("get", &s.at("/api/v1/me"), &[]);
        assert_eq!(r.status, 401, "[{l}]");
        assert_eq!(r.json()["code"], "E-API-AUTH");
        let r = call(
            "get",
            &s.at("/api/v1/me"),
            &[("Authorization", "Bearer ylt_0000")],
        );
        assert_eq!(r.status, 401, "[{l}]");
        let me = call("get", &s.at("/api/v1/me"), &auth).json();
        assert_eq!(
            (me["name"].as_str(), me["role"].as_str()),
            (Some("op302"), Some("operator")),
            "[{l}] {me}"
        );

        let p = call("get", &s.at(&format!("/api/v1/people?q={mine}")), &auth).json();
        assert_eq!(p["total"], 1, "[{l}] {p}");
        let shown = p["items"][0]["citizen_id"].as_str().unwrap();
        assert_eq!(
            shown,
            format!("{}********{}", &mine[..6], &mine[14..]),
            "[{l}] masked"
        );
        let v = call("get", &s.at(&format!("/api/v1/people/{my_pid}")), &auth);
        assert_eq!(v.status, 200, "[{l}] {}", v.body);
        assert!(!v.body.contains(&mine), "[{l}] masked");
        let r = call("get", &s.at(&format!("/api/v1/people/{their_pid}")), &auth);
        assert_eq!(r.status, 403, "[{l}]");
        assert_eq!(r.json()["code"], "E-ACCESS-COUNTY", "[{l}]");
        let r = call(
            "post",
            &s.at(&format!("/api/v1/people/{my_pid}/reveal")),
            &auth,
        );
        assert_eq!(r.json()["citizen_id"], mine.as_str(), "[{l}] {}", r.body);
        assert_eq!(
            s.text(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'person.reveal' AND actor = 'op302'"
            ),
            "1",
            "[{l}]"
        );
        let r = call("get", &s.at("/api/v1/payrolls/status?month=2026-13"), &auth);
        assert_eq!(r.status, 422, "[{l}]");
        assert_eq!(r.json()["code"], "E-WEB-FIELD");
        let st = call("get", &s.at("/api/v1/payrolls/status?month=2024-01"), &auth).json();
        assert_eq!(
            st.as_array().map(|a| a.len()),
            Some(1),
            "[{l}] the operator's county only: {st}"
        );
        let r = call("get", &s.at("/api/v1/no-such-thing"), &auth);
        assert_eq!(r.status, 404, "[{l}]");
        assert_eq!(r.json()["code"], "E-WEB-NOT-FOUND");

        // With the session cookie, a change needs the session's form token in a header.
        let op = session(&s, "op302");
        let cookie = format!("yanglao_session={op}");
        let r = call(
            "post",
            &s.at(&format!("/api/v1/people/{my_pid}/reveal")),
            &[("Cookie", &cookie)],
        );
        assert_eq!(r.status, 403, "[{l}]");
        assert_eq!(r.json()["code"], "E-WEB-CSRF");
        let csrf = get(&s.at("/"), &[("yanglao_session", &op)])
            .field("csrf")
            .unwrap();
        let r = call(
            "post",
            &s.at(&format!("/api/v1/people/{my_pid}/reveal")),
            &[("Cookie", &cookie), ("X-CSRF-Token", &csrf)],
        );
        assert_eq!(r.status, 200, "[{l}] {}", r.body);

        // Revoked: the token opens nothing.
        let tid = s.text("SELECT token_id FROM api_tokens");
        let page = get(&s.at("/accounts/op302"), &[("yanglao_session", &admin)]);
        assert!(
            page.body.contains("县区对账程序") && !page.body.contains(&token),
            "[{l}] the token is shown once"
        );
        let csrf = page.field("csrf").unwrap();
        // Through another account's path, the token is not found and stays valid.
        let _ = post(
            &s.at(&format!("/accounts/rv302/tokens/{tid}/revoke")),
            &[("yanglao_session", &admin)],
            &[],
            &[("csrf", &csrf)],
        );
        assert_eq!(
            call("get", &s.at("/api/v1/me"), &auth).status,
            200,
            "[{l}] revoked through another account's path"
        );
        let r = post(
            &s.at(&format!("/accounts/op302/tokens/{tid}/revoke")),
            &[("yanglao_session", &admin)],
            &[],
            &[("csrf", &csrf)],
        );
        assert_eq!(r.status, 303, "[{l}] {}", r.body);
        assert_eq!(
            call("get", &s.at("/api/v1/me"), &auth).status,
            401,
            "[{l}] revoked"
        );
        // A disabled account's token opens nothing either.
        let second = issue(&s, &admin, "op303");
        let b2 = format!("Bearer {second}");
        assert_eq!(
            call("get", &s.at("/api/v1/me"), &[("Authorization", &b2)]).status,
            200,
            "[{l}]"
        );
        post(
            &s.at("/accounts/op303/disable"),
            &[("yanglao_session", &admin)],
            &[],
            &[("csrf", &csrf)],
        );
        assert_eq!(
            call("get", &s.at("/api/v1/me"), &[("Authorization", &b2)]).status,
            401,
            "[{l}] disabled"
        );
        for action in ["token.issue", "token.revoke"] {
            assert_ne!(
                s.text(&format!(
                    "SELECT COUNT(*) FROM audit_log WHERE action = '{action}' AND actor = 'admin'"
                )),
                "0",
                "[{l}] {action}"
            );
        }
    }
}

#[test]
fn the_openapi_document_names_every_route_and_each_answers() {
    for (label, url, dir, scratch) in backends("openapi") {
        add_people(&url, 10);
        let s = TestServer::start(label, url, dir, scratch, |_| {});
        let l = s.label;
        let doc = call("get", &s.at("/api/openapi.json"), &[]).json();
        assert_eq!(doc["openapi"], "3.0.3", "[{l}]");
        assert!(doc["info"]["title"].as_str().unwrap().contains("养老"));
        let paths = doc["paths"].as_object().unwrap();
        assert!(paths.len() >= 5, "[{l}]");
        let admin = session(&s, "admin");
        let token = issue(&s, &admin, "op302");
        let pid = s.text(
            "SELECT person_id FROM persons WHERE county = '140302' ORDER BY person_id LIMIT 1",
        );
        let bearer = format!("Bearer {token}");
        for (path, ops) in paths {
            assert!(path.starts_with("/api/v1/"), "[{l}] {path}");
            for (method, op) in ops.as_object().unwrap() {
                // Each operation is described and answers errors with the shared schema.
                assert!(
                    op["summary"].as_str().is_some_and(|s| !s.is_empty()),
                    "[{l}] {method} {path}"
                );
                assert!(
                    op["responses"]["200"].is_object()
                        && op["responses"]["403"]["$ref"].is_string(),
                    "[{l}] {method} {path}"
                );
                for p in op["parameters"].as_array().unwrap() {
                    assert!(
                        ["path", "query"].contains(&p["in"].as_str().unwrap()),
                        "[{l}]"
                    );
                    if p["in"] == "path" {
                        assert!(
                            path.contains(&format!("{{{}}}", p["name"].as_str().unwrap())),
                            "[{l}] {path}"
                        );
                    }
                }
                // Every path parameter given a value, every required query parameter too.
                let ids = Ids {
                    person: pid.clone(),
                    ..Ids::default()
                };
                let url = s.at(&callable(path, op, &ids, "op302"));
                let r = call(method, &url, &[("Authorization", &bearer)]);
                // The route is there and took its parameters: an answer, or a refusal of the use
                // case (a payroll that does not exist, a role that may not) — never "no such route".
                if r.status != 200 {
                    let v = r.json();
                    let code = v["code"].as_str().unwrap_or("");
                    assert!(
                        !matches!(code, "E-WEB-NOT-FOUND" | "E-WEB-REQUEST" | "E-API-AUTH"),
                        "[{l}] {method} {path}: {}",
                        r.body
                    );
                    assert!(
                        op["responses"][r.status.to_string()].is_object(),
                        "[{l}] {method} {path}: status {} not documented",
                        r.status
                    );
                }
            }
        }
        // The documentation page lists every route, in Chinese.
        let docs = get(&s.at("/api/docs"), &[]);
        assert_eq!(docs.status, 200, "[{l}]");
        for (path, ops) in paths {
            for method in ops.as_object().unwrap().keys() {
                assert!(
                    docs.body
                        .contains(&format!("{} {path}", method.to_uppercase())),
                    "[{l}] {method} {path} not on /api/docs"
                );
            }
        }
        // Every `$ref` points into the document.
        let text = doc.to_string();
        for part in text.split("\"$ref\":\"#/").skip(1) {
            let target = part.split('"').next().unwrap();
            let mut v = &doc;
            for key in target.split('/') {
                v = &v[key];
            }
            assert!(!v.is_null(), "[{l}] dangling $ref {target}");
        }
    }
}

/// A documented route made callable: every path parameter and required query parameter given a
/// value.
fn callable(path: &str, op: &serde_json::Value, ids: &Ids, account: &str) -> String {
    let or_none = |id: &Option<String>| id.clone().unwrap_or_else(|| "999999".into());
    let concrete = path
        .replace("{person_id}", &ids.person)
        .replace("{kind}", "persons")
        .replace("{name}", account)
        .replace("{upload_id}", &"0".repeat(32))
        .replace("{payroll_id}", &or_none(&ids.payroll))
        .replace("{record_id}", &or_none(&ids.record))
        .replace("{case_id}", &or_none(&ids.case))
        .replace("{token_id}", "999999");
    assert!(
        !concrete.contains('{'),
        "{path}: a parameter without a value"
    );
    let query: Vec<String> = op["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["in"] == "query" && p["required"] == true)
        .map(|p| {
            let name = p["name"].as_str().unwrap();
            let value = match name {
                "month" => "2024-01",
                "year" | "to" => "2023",
                "from" => "2022",
                other => panic!("{path}: no test value for {other}"),
            };
            format!("{name}={value}")
        })
        .collect();
    if query.is_empty() {
        concrete
    } else {
        format!("{concrete}?{}", query.join("&"))
    }
}

/// The records a route names in the matrix: a person, and (when the register has them) a
/// payroll, a death record waiting for review and a recovery case, all of 矿区 (140303).
#[derive(Default)]
struct Ids {
    person: String,
    payroll: Option<String>,
    record: Option<String>,
    case: Option<String>,
}

#[test]
fn every_role_against_every_api_route() {
    for (label, url, dir, scratch) in backends("api-matrix") {
        add_city(&url, label);
        let s = TestServer::start(label, url, dir, scratch, |_| {});
        let l = s.label;
        let doc = call("get", &s.at("/api/openapi.json"), &[]).json();
        let first = |sql: &str| Some(s.text(sql)).filter(|x| !x.is_empty());
        let ids = Ids {
            person: s.text(
                "SELECT person_id FROM persons WHERE county = '140303' ORDER BY person_id LIMIT 1",
            ),
            payroll: first("SELECT MIN(payroll_id) FROM payrolls WHERE county = '140303'"),
            record: first("SELECT MIN(record_id) FROM death_records WHERE match_status = 'review' AND person_county = '140303'"),
            case: first("SELECT MIN(case_id) FROM recovery_cases WHERE county = '140303'"),
        };
        assert!(
            ids.payroll.is_some() && ids.record.is_some() && ids.case.is_some(),
            "[{l}] the other county's payroll, review record and case exist"
        );
        let admin = session(&s, "admin");
        for account in ["op302", "rv302", "admin", "finance", "evaluator"] {
            let bearer = format!("Bearer {}", issue(&s, &admin, account));
            for (path, ops) in doc["paths"].as_object().unwrap() {
                for (method, op) in ops.as_object().unwrap() {
                    let before = s.text("SELECT COUNT(*) FROM audit_log");
                    let r = call(
                        method,
                        &s.at(&callable(path, op, &ids, account)),
                        &[("Authorization", &bearer)],
                    );
                    let what = format!("[{l}] {account} {method} {path}");
                    // Every write that answers is in the audit log (the computations that change
                    // nothing aside).
                    let computes = [
                        "/api/v1/evaluation",
                        "/api/v1/simulations/person",
                        "/api/v1/simulations/compare",
                        "/api/v1/simulations/fund",
                    ];
                    // (Awards that award no one, a run that makes no new payroll and enabling an enabled account
                    // change nothing, and are not logged.)
                    let nothing = r.body.contains("\"awarded\":0")
                        || (r.status == 200
                            && r.header("content-type") == Some("application/json")
                            && r.json()["payrolls"]
                                .as_array()
                                .is_some_and(|a| a.iter().all(|p| p["existed"] == true)))
                        || (path.ends_with("/enable")
                            && r.status == 200
                            && r.json()["enabled"] == true);
                    if method == "post"
                        && r.status == 200
                        && !computes.contains(&path.as_str())
                        && !nothing
                    {
                        assert_ne!(
                            s.text("SELECT COUNT(*) FROM audit_log"),
                            before,
                            "{what}: not audited: {}",
                            r.body
                        );
                    }
                    if method == "get" {
                        assert_eq!(
                            s.text("SELECT COUNT(*) FROM audit_log"),
                            before,
                            "{what}: a GET changed the log"
                        );
                    }
                    assert!(r.status < 500, "{what}: {}", r.body);
                    if r.status != 200 {
                        let code = r.json()["code"].as_str().unwrap_or("").to_string();
                        assert!(
                            !matches!(
                                code.as_str(),
                                "E-WEB-NOT-FOUND" | "E-WEB-REQUEST" | "E-API-AUTH"
                            ),
                            "{what}: {}",
                            r.body
                        );
                    }
                    // Another county's person is refused to the county roles on every route that
                    // names a person.
                    if path.contains("{person_id}") && account.ends_with("302") {
                        assert_eq!(r.status, 403, "{what}: {}", r.body);
                    }
                    // So are its payroll, review record and recovery case: every read refused,
                    // every write refused (or stopped at its own missing fields, before it
                    // reaches the record).
                    let names_record = ["{payroll_id}", "{record_id}", "{case_id}"]
                        .iter()
                        .any(|p| path.contains(p));
                    if names_record && account.ends_with("302") {
                        assert_ne!(r.status, 200, "{what}: answered");
                        let code = r.json()["code"].as_str().unwrap_or("").to_string();
                        assert!(
                            r.status == 403
                                || (method == "post"
                                    && r.status == 422
                                    && code.starts_with("E-WEB-")),
                            "{what}: {}",
                            r.body
                        );
                    }
                    // The evaluator changes nothing: of the writes, only its own (scoring, the
                    // simulator) and the audited outreach download answer.
                    let its_own = [
                        "/api/v1/evaluation",
                        "/api/v1/simulations/person",
                        "/api/v1/simulations/compare",
                        "/api/v1/simulations/fund",
                        "/api/v1/outreach.xlsx",
                    ];
                    if account == "evaluator"
                        && method == "post"
                        && !its_own.contains(&path.as_str())
                    {
                        assert_ne!(r.status, 200, "{what}: {}", r.body);
                    }
                }
            }
        }
    }
}
