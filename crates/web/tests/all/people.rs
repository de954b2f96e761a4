//! Looking people up: inside the account's counties only, IDs masked, a full ID only on asking
//! and only for the roles that may, each time in the audit log.

use crate::server::{add_people, backends, get, post, session, TestServer};

#[test]
fn people_are_looked_up_within_the_county_and_masked() {
    for (label, url, dir, scratch) in backends("people") {
        add_people(&url, 50);
        let s = TestServer::start(label, url, dir, scratch, |_| {});
        let l = s.label;
        let mine = s.text(
            "SELECT citizen_id FROM persons WHERE county = '140302' ORDER BY person_id LIMIT 1",
        );
        let my_pid = s.text(&format!(
            "SELECT person_id FROM persons WHERE citizen_id = '{mine}'"
        ));
        let theirs = s.text(
            "SELECT citizen_id FROM persons WHERE county = '140303' ORDER BY person_id LIMIT 1",
        );
        let their_pid = s.text(&format!(
            "SELECT person_id FROM persons WHERE citizen_id = '{theirs}'"
        ));
        let masked = |id: &str| format!("{}********{}", &id[..6], &id[14..]);

        let op = session(&s, "op302");
        // By the whole ID: found, masked.
        let r = get(
            &s.at(&format!("/people?q={mine}")),
            &[("yanglao_session", &op)],
        );
        assert_eq!(r.status, 200, "[{l}] {}", r.body);
        assert!(r.body.contains("共 1 人"), "[{l}] {}", r.body);
        // (The search box shows what was typed; the list shows it masked.)
        let rows = &r.body[r.body.find("<tbody>").unwrap()..];
        assert!(
            rows.contains(&masked(&mine)) && !rows.contains(&mine),
            "[{l}] masked in the list: {rows}"
        );
        // Another county's person is not found, not even by the whole ID.
        let r = get(
            &s.at(&format!("/people?q={theirs}")),
            &[("yanglao_session", &op)],
        );
        assert!(r.body.contains("共 0 人"), "[{l}]");
        // A list by part of a name holds the operator's county only.
        let r = get(&s.at("/people?q=%E7%8E%8B"), &[("yanglao_session", &op)]);
        assert!(!r.body.contains("矿区"), "[{l}] another county in the list");
        // Another county's page: refused.
        let r = get(
            &s.at(&format!("/people/{their_pid}")),
            &[("yanglao_session", &op)],
        );
        assert_eq!(r.status, 403, "[{l}]");
        assert!(r.body.contains("E-ACCESS-COUNTY"), "[{l}] {}", r.body);
        // The person's page: masked, with the button to see the whole ID.
        let page = get(
            &s.at(&format!("/people/{my_pid}")),
            &[("yanglao_session", &op)],
        );
        assert_eq!(page.status, 200, "[{l}] {}", page.body);
        assert!(
            page.body.contains(&masked(&mine)) && !page.body.contains(&mine),
            "[{l}]"
        );
        assert!(page.body.contains("查看完整号码"), "[{l}]");
        let csrf = page.field("csrf").unwrap();
        // Revealing needs the form token, and is audited.
        let r = post(
            &s.at(&format!("/people/{my_pid}/reveal")),
            &[("yanglao_session", &op)],
            &[],
            &[("csrf", "x")],
        );
        assert_eq!(r.status, 403, "[{l}]");
        assert!(!r.body.contains(&mine));
        let r = post(
            &s.at(&format!("/people/{my_pid}/reveal")),
            &[("yanglao_session", &op)],
            &[],
            &[("csrf", &csrf)],
        );
        assert_eq!(r.status, 200, "[{l}] {}", r.body);
        assert!(r.body.contains(&mine), "[{l}] revealed");
        assert_eq!(
            s.text(&format!("SELECT COUNT(*) FROM audit_log WHERE action = 'person.reveal' AND actor = 'op302' AND detail LIKE '%\"person_id\":{my_pid}%'")),
            "1",
            "[{l}]"
        );
        // The finance bureau reads, masked, and may not reveal.
        let fin = session(&s, "finance");
        let page = get(
            &s.at(&format!("/people/{their_pid}")),
            &[("yanglao_session", &fin)],
        );
        assert_eq!(page.status, 200, "[{l}]");
        assert!(
            !page.body.contains(&theirs) && !page.body.contains("查看完整号码"),
            "[{l}]"
        );
        let csrf = page.field("csrf").unwrap();
        let r = post(
            &s.at(&format!("/people/{their_pid}/reveal")),
            &[("yanglao_session", &fin)],
            &[],
            &[("csrf", &csrf)],
        );
        assert_eq!(r.status, 403, "[{l}]");
        assert!(!r.body.contains(&theirs), "[{l}]");
        // Nor its birth date in full, which the masked ID hides: the year only.
        let born = s.text(&format!(
            "SELECT CAST(birth_date AS TEXT) FROM persons WHERE person_id = {their_pid}"
        ));
        assert!(
            !page.body.contains(&born) && page.body.contains(&format!("{} 年生", &born[..4])),
            "[{l}] {born}"
        );
        let r = crate::server::call(
            "get",
            &s.at(&format!("/api/v1/people?q={theirs}")),
            &[("Cookie", &format!("yanglao_session={fin}"))],
        );
        let v = r.json();
        assert!(
            v["items"][0]["birth_date"].is_null() && v["items"][0]["birth_year"].is_number(),
            "[{l}] {v}"
        );
        // Bank accounts are masked on the page too.
        let account = s.text(&format!(
            "SELECT bank_account FROM persons WHERE person_id = {my_pid}"
        ));
        let page = get(
            &s.at(&format!("/people/{my_pid}")),
            &[("yanglao_session", &op)],
        );
        assert!(
            !account.is_empty() && !page.body.contains(&account),
            "[{l}] bank account in full"
        );
    }
}
