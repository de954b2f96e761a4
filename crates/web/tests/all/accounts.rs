//! The city administrator's account pages, and what other roles get from them.

use crate::server::{backends, get, post, session, sign_in, TestServer, PASSWORD};

#[test]
fn the_city_administrator_manages_accounts_and_others_are_refused() {
    for (label, url, dir, scratch) in backends("accounts") {
        let s = TestServer::start(label, url, dir, scratch, |_| {});
        let l = s.label;
        // A county operator: the page and its forms are refused, and the navigation hides them.
        let op = session(&s, "op302");
        let home = get(&s.at("/"), &[("yanglao_session", &op)]);
        assert!(
            !home.body.contains("账号管理"),
            "[{l}] no link for an operator"
        );
        let r = get(&s.at("/accounts"), &[("yanglao_session", &op)]);
        assert_eq!(r.status, 403, "[{l}] {}", r.body);
        assert!(
            r.body.contains("没有权限") && r.body.contains("E-ACCESS-ROLE"),
            "[{l}]"
        );
        let csrf = home.field("csrf").unwrap();
        let r = post(
            &s.at("/accounts"),
            &[("yanglao_session", &op)],
            &[],
            &[
                ("csrf", &csrf),
                ("name", "sneaky"),
                ("role", "city_admin"),
                ("password", PASSWORD),
            ],
        );
        assert_eq!(r.status, 403, "[{l}]");
        assert_eq!(
            s.text("SELECT COUNT(*) FROM users WHERE name = 'sneaky'"),
            "0",
            "[{l}]"
        );

        let admin = session(&s, "admin");
        let page = get(&s.at("/accounts"), &[("yanglao_session", &admin)]);
        assert_eq!(page.status, 200, "[{l}] {}", page.body);
        assert!(
            page.body.contains("op302") && page.body.contains("王芳") && page.body.contains("城区"),
            "[{l}]"
        );
        let csrf = page.field("csrf").unwrap();
        // A bad form: the page again with the message, nothing written.
        let r = post(
            &s.at("/accounts"),
            &[("yanglao_session", &admin)],
            &[],
            &[
                ("csrf", &csrf),
                ("name", "op304"),
                ("role", "operator"),
                ("password", "short"),
            ],
        );
        assert_eq!(r.status, 422, "[{l}] {}", r.body);
        assert!(
            r.body.contains("密码至少 10 个字符") && r.body.contains("E-USER-PASSWORD"),
            "[{l}]"
        );
        assert!(
            r.body.contains("value=\"op304\""),
            "[{l}] the form keeps what was typed"
        );
        let r = post(
            &s.at("/accounts"),
            &[("yanglao_session", &admin)],
            &[],
            &[
                ("csrf", &csrf),
                ("name", "op304"),
                ("role", "operator"),
                ("password", PASSWORD),
            ],
        );
        assert_eq!(r.status, 422, "[{l}] an operator needs a county");
        assert!(r.body.contains("E-USER-COUNTY"), "[{l}] {}", r.body);
        // A name that would break an address is refused.
        let r = post(
            &s.at("/accounts"),
            &[("yanglao_session", &admin)],
            &[],
            &[
                ("csrf", &csrf),
                ("name", "bob/disable"),
                ("role", "city_admin"),
                ("password", PASSWORD),
            ],
        );
        assert_eq!(r.status, 422, "[{l}]");
        assert!(r.body.contains("E-USER-NAME"), "[{l}] {}", r.body);
        // Without the form token: refused.
        let r = post(
            &s.at("/accounts"),
            &[("yanglao_session", &admin)],
            &[],
            &[
                ("name", "op304"),
                ("role", "operator"),
                ("county", "140311"),
                ("password", PASSWORD),
            ],
        );
        assert_eq!(r.status, 403, "[{l}]");
        let r = post(
            &s.at("/accounts"),
            &[("yanglao_session", &admin)],
            &[],
            &[
                ("csrf", &csrf),
                ("name", "op304"),
                ("display_name", "孙丽"),
                ("role", "operator"),
                ("county", "140311"),
                ("county", "140321"),
                ("password", PASSWORD),
            ],
        );
        assert_eq!(
            (r.status, r.header("location")),
            (303, Some("/accounts?done=added")),
            "[{l}] {}",
            r.body
        );
        assert_eq!(s.text("SELECT COUNT(*) FROM user_counties c JOIN users u ON u.user_id = c.user_id WHERE u.name = 'op304'"), "2", "[{l}]");
        let new = session(&s, "op304");
        let home = get(&s.at("/"), &[("yanglao_session", &new)]);
        assert!(
            home.body.contains("孙丽") && home.body.contains("郊区"),
            "[{l}] {}",
            home.body
        );

        // A change of role and county holds from the account's next request.
        let r = post(
            &s.at("/accounts/op304"),
            &[("yanglao_session", &admin)],
            &[],
            &[
                ("csrf", &csrf),
                ("display_name", "孙丽"),
                ("role", "reviewer"),
                ("county", "140303"),
            ],
        );
        assert_eq!(r.status, 303, "[{l}] {}", r.body);
        let home = get(&s.at("/"), &[("yanglao_session", &new)]);
        assert!(
            home.body.contains("审核员")
                && home.body.contains("矿区")
                && !home.body.contains("郊区"),
            "[{l}]"
        );
        let before_after = s.text("SELECT detail FROM audit_log WHERE action = 'users.change'");
        assert!(
            before_after.contains("\"before\"")
                && before_after.contains("140311")
                && before_after.contains("140303"),
            "[{l}] {before_after}"
        );
        // The administrator cannot take away its own role.
        let r = post(
            &s.at("/accounts/admin"),
            &[("yanglao_session", &admin)],
            &[],
            &[("csrf", &csrf), ("role", "finance")],
        );
        assert_eq!(r.status, 422, "[{l}]");
        assert!(r.body.contains("E-USER-SELF"), "[{l}]");

        // A new password ends the account's sessions; disabling ends them and refuses sign-in.
        let r = post(
            &s.at("/accounts/op304/password"),
            &[("yanglao_session", &admin)],
            &[],
            &[("csrf", &csrf), ("password", "新的长密码-2027")],
        );
        assert_eq!(r.status, 303, "[{l}] {}", r.body);
        assert_eq!(
            get(&s.at("/"), &[("yanglao_session", &new)]).status,
            303,
            "[{l}] signed out by the new password"
        );
        assert_eq!(sign_in(&s, "op304", "新的长密码-2027").status, 303, "[{l}]");
        let r = post(
            &s.at("/accounts/op304/disable"),
            &[("yanglao_session", &admin)],
            &[],
            &[("csrf", &csrf)],
        );
        assert_eq!(r.status, 303, "[{l}]");
        assert_eq!(
            sign_in(&s, "op304", "新的长密码-2027").status,
            401,
            "[{l}] disabled"
        );
        let page = get(
            &s.at("/accounts/op304?done=disabled"),
            &[("yanglao_session", &admin)],
        );
        assert!(
            page.body.contains("账号已停用") && page.body.contains("重新启用"),
            "[{l}]"
        );
        // Every change is in the audit log, by the administrator, from its address.
        for action in [
            "users.add",
            "users.change",
            "users.password",
            "users.disable",
        ] {
            assert_eq!(
                s.text(&format!("SELECT COUNT(*) FROM audit_log WHERE action = '{action}' AND actor = 'admin' AND address = '127.0.0.1'")),
                "1",
                "[{l}] {action}"
            );
        }
        // No page for the system account, nor for a name that does not exist.
        assert_eq!(
            get(&s.at("/accounts/system"), &[("yanglao_session", &admin)]).status,
            404,
            "[{l}]"
        );
        assert_eq!(
            get(&s.at("/accounts/nobody"), &[("yanglao_session", &admin)]).status,
            404,
            "[{l}]"
        );
    }
}
