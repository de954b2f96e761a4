//! The simulator and the review of death records through the API: every option of the command
//! line (a resident, cases side by side, scenarios, life tables, the fund with its back-test),
//! the same answers as the simulator gives when called directly, and each bad field named; a
//! rejection that must say why, kept with the record and in the audit log.

use crate::server::{add_city, backends, call, call_json, TestServer};
use crate::workflows::token;
use serde_json::{json, Value};
use yanglao_sim::request;

fn policies() -> yanglao_sim::Policies {
    yanglao_sim::Policies {
        supplementary: yanglao_policy::default_supplementary(),
        basic: yanglao_policy::default_basic(),
        employee: yanglao_policy::default_employee(),
        region: request::DEFAULT_REGION.into(),
    }
}

fn code_and_message(r: &crate::server::Reply) -> (u16, String, String) {
    let v = r.json();
    (
        r.status,
        v["code"].as_str().unwrap_or("").to_string(),
        v["message"].as_str().unwrap_or("").to_string(),
    )
}

#[test]
fn the_simulator_answers_through_the_api_as_it_does_when_called_directly() {
    for (label, url, dir, scratch) in backends("wf-sim") {
        add_city(&url, label);
        let s = TestServer::start(label, url.clone(), dir, scratch, |_| {});
        let l = s.label;
        let ev = token(&s, "evaluator");
        let e = [("Authorization", ev.as_str())];
        let post = |path: &str, body: Value| call_json(&s.at(path), &e, &body);

        // A resident: the same result as the simulator's own.
        let fields = json!({"scheme": "basic+supplementary", "tier": "max", "supplementary_tier": "max",
            "years": 15, "start_age": 45, "sex": "F", "start_year": "2024"});
        let r = post("/api/v1/simulations/person", fields.clone());
        assert_eq!(r.status, 200, "[{l}] {}", r.body);
        let p = policies();
        let spec = request::CaseSpec::from_pairs(
            "测算方案".into(),
            fields
                .as_object()
                .unwrap()
                .iter()
                .filter(|(k, _)| *k != "start_year")
                .map(|(k, v)| (k.clone(), v.as_str().map_or(v.to_string(), str::to_string)))
                .collect(),
        )
        .unwrap();
        let case = spec.case(&p, 2024).unwrap();
        let direct = request::person(&p, &case, &Default::default(), None).unwrap();
        assert_eq!(
            r.json()["comparisons"],
            serde_json::to_value(vec![direct]).unwrap(),
            "[{l}]"
        );
        assert!(
            r.json()["notes"][0].as_str().unwrap().starts_with("参数："),
            "[{l}]"
        );
        // Under a shipped reform scenario: before and after.
        let mut with = fields.clone();
        with["scenario"] = json!("reform-2027");
        let r = post("/api/v1/simulations/person", with);
        assert_eq!(r.status, 200, "[{l}] {}", r.body);
        let c = &r.json()["comparisons"][0];
        assert_eq!(c["results"].as_array().unwrap().len(), 2, "[{l}]");
        assert_eq!(c["findings"][0]["key"], "reform-effect", "[{l}]");
        // Each bad field named, with the simulator's own code.
        for (field, value, code) in [
            ("scenario", json!("明年起提高补贴"), "E-SIM-SCENARIO"),
            ("life_expectancy", json!("200"), "E-SIM-LIFE"),
            ("discount_rate", json!("1.5"), "E-SIM-DISCOUNT"),
            (
                "mortality",
                json!("年龄,男,女\n0,x,0.1\n"),
                "E-SIM-MORTALITY-INVALID",
            ),
            ("region", json!("14"), "E-SIM-REGION"),
            ("sex", json!("X"), "E-SIM-SEX"),
            ("tier", json!("许多"), "E-SIM-TIER"),
        ] {
            let mut bad = fields.clone();
            bad[field] = value;
            let (status, c, m) = code_and_message(&post("/api/v1/simulations/person", bad));
            assert_eq!((status, c.as_str()), (422, code), "[{l}] {field}: {m}");
            if !["sex", "tier"].contains(&field) {
                assert!(m.starts_with(field), "[{l}] {field}: {m}");
            }
        }
        let mut missing = fields.clone();
        missing.as_object_mut().unwrap().remove("sex");
        let (status, c, m) = code_and_message(&post("/api/v1/simulations/person", missing));
        assert_eq!((status, c.as_str()), (422, "E-WEB-FIELD"), "[{l}] {m}");
        assert!(m.starts_with("sex"), "[{l}] {m}");

        // Cases side by side, as objects or as `key=value` text; no preset unless asked.
        let r = post(
            "/api/v1/simulations/compare",
            json!({"start_year": "2024", "cases": [
                {"scheme": "basic", "tier": "700", "years": 15, "start_age": 45, "sex": "M"},
                "scheme=supplementary,tier=max,label=补充险最高档"]}),
        );
        assert_eq!(r.status, 200, "[{l}] {}", r.body);
        let list = r.json()["comparisons"].as_array().unwrap().clone();
        assert_eq!(list.len(), 1, "[{l}]");
        let labels: Vec<&str> = list[0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["label"].as_str().unwrap())
            .collect();
        assert_eq!(
            labels,
            ["城乡居民基本养老保险 700", "补充险最高档"],
            "[{l}]"
        );
        // With a preset and a scenario: the cases, the preset, and the preset under the scenario.
        let r = post(
            "/api/v1/simulations/compare",
            json!({"start_year": "2024", "preset": "flexible", "scenario": "reform-2027",
                "cases": ["scheme=basic"]}),
        );
        assert_eq!(r.status, 200, "[{l}] {}", r.body);
        assert_eq!(
            r.json()["comparisons"].as_array().unwrap().len(),
            3,
            "[{l}]"
        );
        let (status, c, m) = code_and_message(&post(
            "/api/v1/simulations/compare",
            json!({"cases": [{"scheme": "basic", "age": "45"}]}),
        ));
        assert_eq!((status, c.as_str()), (422, "E-SIM-CASE"), "[{l}] {m}");
        assert!(
            m.starts_with("cases") && m.contains("第 1 个方案") && m.contains("“age”"),
            "[{l}] {m}"
        );

        // The fund: city-wide readers only; with a scenario and the back-test, as the use case
        // answers it directly.
        let op = token(&s, "op302");
        let r = call_json(
            &s.at("/api/v1/simulations/fund"),
            &[("Authorization", op.as_str())],
            &json!({}),
        );
        assert_eq!(r.status, 403, "[{l}] {}", r.body);
        let ask = json!({"years": "5", "base_year": "2022", "scenario": "reform-2027", "back_test": true});
        let r = post("/api/v1/simulations/fund", ask);
        assert_eq!(r.status, 200, "[{l}] {}", r.body);
        let v = r.json();
        assert_eq!(v["projections"].as_array().unwrap().len(), 2, "[{l}]");
        assert_eq!(v["back_test"]["years"][0]["year"], 2023, "[{l}]");
        assert!(
            v["notes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n.as_str().unwrap().contains("基金存款收益率")),
            "[{l}] {}",
            v["notes"]
        );
        let mut db = yanglao_store::Db::open(&url).unwrap();
        db.migrate().unwrap();
        let mut ctx = yanglao_ops::Ctx::system(db).unwrap();
        let mut p = policies();
        p.supplementary = ctx.policy.latest().unwrap().set.clone();
        let scenario =
            yanglao_policy::parse_scenario_str(yanglao_sim::compare::REFORM_2027).unwrap();
        let direct = yanglao_ops::books::projection::forecast(
            &mut ctx,
            &p,
            &yanglao_sim::mortality::Mortality::illustrative(),
            &yanglao_ops::books::projection::ForecastRequest {
                years: 5,
                base_year: Some(2022),
                fund_yield: None,
                heirs_claim_share: None,
                scenario: Some(&scenario),
                back_test: true,
            },
        )
        .unwrap();
        let mut direct = serde_json::to_value(direct).unwrap();
        direct["notes"] = v["notes"].clone();
        assert_eq!(v, direct, "[{l}]");
        for (field, value, code) in [
            ("fund_yield", json!("2"), "E-SIM-FUND-YIELD"),
            ("heirs_claim_share", json!("-1"), "E-SIM-HEIRS-SHARE"),
            ("years", json!("0"), "E-WEB-FIELD"),
        ] {
            let (status, c, m) =
                code_and_message(&post("/api/v1/simulations/fund", json!({ field: value })));
            assert_eq!((status, c.as_str()), (422, code), "[{l}] {field}: {m}");
            assert!(m.starts_with(field), "[{l}] {field}: {m}");
        }
    }
}

#[test]
fn a_rejected_death_record_keeps_who_rejected_it_and_why() {
    for (label, url, dir, scratch) in backends("wf-review") {
        add_city(&url, label);
        let s = TestServer::start(label, url, dir, scratch, |_| {});
        let l = s.label;
        let rv = token(&s, "rv302");
        let h = [("Authorization", rv.as_str())];
        let r = call("get", &s.at("/api/v1/deaths/reviews"), &h);
        assert_eq!(r.status, 200, "[{l}] {}", r.body);
        let items = r.json()["items"].as_array().unwrap().clone();
        assert_eq!(items.len(), 1, "[{l}] only 城区's record: {}", r.body);
        let id = items[0]["record_id"].as_i64().unwrap();
        let decide = format!("/api/v1/deaths/reviews/{id}/decide");
        // A rejection without a reason changes nothing.
        let (status, c, m) =
            code_and_message(&call_json(&s.at(&decide), &h, &json!({"confirm": false})));
        assert_eq!((status, c.as_str()), (422, "E-WEB-FIELD"), "[{l}] {m}");
        assert!(m.starts_with("reason"), "[{l}] {m}");
        let long = "核".repeat(201);
        let (status, c, _) = code_and_message(&call_json(
            &s.at(&decide),
            &h,
            &json!({"confirm": false, "reason": long}),
        ));
        assert_eq!(
            (status, c.as_str()),
            (422, "E-DEATH-REVIEW-REASON"),
            "[{l}]"
        );
        assert_eq!(
            s.text(&format!(
                "SELECT match_status FROM death_records WHERE record_id = {id}"
            )),
            "review",
            "[{l}]"
        );
        // Another county's operator cannot decide it.
        let op = token(&s, "op303");
        let r = call_json(
            &s.at(&decide),
            &[("Authorization", op.as_str())],
            &json!({"confirm": false, "reason": "不是此人"}),
        );
        assert_eq!(r.status, 403, "[{l}] {}", r.body);
        // Rejected with its reason: kept with the record, listed with who and when, audited.
        let r = call_json(
            &s.at(&decide),
            &h,
            &json!({"confirm": false, "reason": "经核实为同名他人"}),
        );
        assert_eq!(r.status, 200, "[{l}] {}", r.body);
        assert_eq!(r.json()["status"], "rejected", "[{l}]");
        let r = call("get", &s.at("/api/v1/deaths/reviews"), &h);
        assert!(r.json()["items"].as_array().unwrap().is_empty(), "[{l}]");
        let r = call("get", &s.at("/api/v1/deaths/reviews?status=rejected"), &h);
        let item = &r.json()["items"][0];
        assert_eq!(item["record_id"], id, "[{l}]");
        assert_eq!(item["review_reason"], "经核实为同名他人", "[{l}]");
        assert_eq!(item["reviewed_by"], "rv302", "[{l}]");
        assert!(item["reviewed_on"].is_string(), "[{l}]");
        assert!(
            s.text("SELECT detail FROM audit_log WHERE action = 'deaths.review'")
                .contains("经核实为同名他人"),
            "[{l}]"
        );
        let r = call("get", &s.at("/api/v1/deaths/reviews?status=whatever"), &h);
        assert_eq!(code_and_message(&r).1, "E-FILTER-STATUS", "[{l}]");
    }
}
