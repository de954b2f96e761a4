//! Signing in and out, sessions, cross-site requests, lock-out, throttling, error pages and the
//! headers every response carries.

use crate::server::{backends, get, post, session, sign_in, TestServer, PASSWORD};

fn servers(name: &str) -> Vec<TestServer> {
    backends(name)
        .into_iter()
        .map(|(label, url, dir, scratch)| TestServer::start(label, url, dir, scratch, |_| {}))
        .collect()
}

#[test]
fn sign_in_home_and_sign_out() {
    for s in servers("sign-in") {
        let l = s.label;
        // Not signed in: the home page sends to the sign-in page.
        let r = get(&s.at("/"), &[]);
        assert_eq!(
            (r.status, r.header("location")),
            (303, Some("/sign-in")),
            "[{l}]"
        );
        let form = get(&s.at("/sign-in"), &[]);
        assert_eq!(form.status, 200, "[{l}]");
        assert!(
            form.body.contains("登录") && form.body.contains("lang=\"zh-CN\""),
            "[{l}]"
        );
        let c = form.set_cookies().join(" | ");
        assert!(
            c.contains("HttpOnly") && c.contains("SameSite=Strict"),
            "[{l}] {c}"
        );
        // Every response carries the security headers.
        let csp = form.header("content-security-policy").unwrap_or("");
        assert!(
            csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "[{l}] {csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "[{l}] {csp}");
        assert_eq!(form.header("x-frame-options"), Some("DENY"));
        assert_eq!(form.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(form.header("referrer-policy"), Some("same-origin"));
        assert_eq!(form.header("cache-control"), Some("no-store"));
        assert!(form.header("x-request-id").is_some());

        // A wrong password: the form again, with the message and its code.
        let r = sign_in(&s, "op302", "错误的密码-2026");
        assert_eq!(r.status, 401, "[{l}] {}", r.body);
        assert!(
            r.body.contains("账号或密码不正确") && r.body.contains("E-USER-SIGN-IN"),
            "[{l}]"
        );
        assert!(r.cookie("yanglao_session").is_none());
        // An unknown name reads the same.
        let r = sign_in(&s, "nobody", PASSWORD);
        assert_eq!(r.status, 401, "[{l}]");
        assert!(r.body.contains("账号或密码不正确"), "[{l}]");

        let r = sign_in(&s, "op302", PASSWORD);
        assert_eq!(
            (r.status, r.header("location")),
            (303, Some("/")),
            "[{l}] {}",
            r.body
        );
        let cookie = r
            .set_cookies()
            .into_iter()
            .find(|c| c.starts_with("yanglao_session="))
            .unwrap()
            .to_string();
        assert!(
            cookie.contains("HttpOnly")
                && cookie.contains("SameSite=Strict")
                && cookie.contains("Path=/"),
            "[{l}] {cookie}"
        );
        assert!(!cookie.contains("Secure"), "plain HTTP: no Secure flag");
        let token = r.cookie("yanglao_session").unwrap();
        let home = get(&s.at("/"), &[("yanglao_session", &token)]);
        assert_eq!(home.status, 200, "[{l}] {}", home.body);
        assert!(
            home.body.contains("王芳")
                && home.body.contains("经办员")
                && home.body.contains("城区"),
            "[{l}]"
        );
        // The operator's payroll table holds its county only.
        assert!(
            !home.body.contains("矿区"),
            "[{l}] another county on the home page"
        );
        assert!(
            home.body.contains("本月发放批次尚未生成"),
            "[{l}] the month's task"
        );
        let csrf = home.field("csrf").expect("form token");

        // Signing out needs the form token; without it nothing changes.
        let r = post(
            &s.at("/sign-out"),
            &[("yanglao_session", &token)],
            &[],
            &[("csrf", "0")],
        );
        assert_eq!(r.status, 403, "[{l}]");
        assert!(r.body.contains("E-WEB-CSRF"), "[{l}]");
        assert_eq!(
            get(&s.at("/"), &[("yanglao_session", &token)]).status,
            200,
            "[{l}] still signed in"
        );
        let r = post(
            &s.at("/sign-out"),
            &[("yanglao_session", &token)],
            &[],
            &[("csrf", &csrf)],
        );
        assert_eq!(
            (r.status, r.header("location")),
            (303, Some("/sign-in")),
            "[{l}]"
        );
        assert!(r
            .set_cookies()
            .iter()
            .any(|c| c.starts_with("yanglao_session=;") && c.contains("Max-Age=0")));
        // The old token opens nothing any more.
        let r = get(&s.at("/"), &[("yanglao_session", &token)]);
        assert_eq!(r.status, 303, "[{l}] signed out");

        // The audit log has the sign-in, the refusals and the sign-out, from this address.
        assert_eq!(s.text("SELECT COUNT(*) FROM audit_log WHERE action = 'session.sign_in' AND actor = 'op302' AND address = '127.0.0.1'"), "1", "[{l}]");
        assert_eq!(s.text("SELECT COUNT(*) FROM audit_log WHERE action = 'session.sign_in_refused' AND address = '127.0.0.1'"), "2", "[{l}]");
        assert_eq!(s.text("SELECT COUNT(*) FROM audit_log WHERE action = 'session.sign_out' AND actor = 'op302'"), "1", "[{l}]");
    }
}

#[test]
fn a_new_sign_in_replaces_the_session_and_sign_out_everywhere_ends_all() {
    for s in servers("sessions") {
        let l = s.label;
        let first = session(&s, "rv302");
        let second = session(&s, "rv302");
        assert_ne!(first, second, "[{l}] every sign-in gets a new token");
        // Signing in again from a browser that still holds a session ends that session.
        let form = get(&s.at("/sign-in"), &[]);
        let t = form.cookie("yanglao_sign_in").unwrap();
        let f = form.field("form_token").unwrap();
        let r = post(
            &s.at("/sign-in"),
            &[("yanglao_sign_in", &t), ("yanglao_session", &second)],
            &[],
            &[
                ("name", "rv302"),
                ("password", PASSWORD),
                ("form_token", &f),
            ],
        );
        assert_eq!(r.status, 303, "[{l}]");
        let third = r.cookie("yanglao_session").unwrap();
        assert_eq!(
            get(&s.at("/"), &[("yanglao_session", &second)]).status,
            303,
            "[{l}] fixation"
        );
        assert_eq!(
            get(&s.at("/"), &[("yanglao_session", &first)]).status,
            200,
            "[{l}] another browser's session stays"
        );
        let home = get(&s.at("/"), &[("yanglao_session", &third)]);
        let csrf = home.field("csrf").unwrap();
        let r = post(
            &s.at("/sign-out-everywhere"),
            &[("yanglao_session", &third)],
            &[],
            &[("csrf", &csrf)],
        );
        assert_eq!(r.status, 303, "[{l}]");
        for t in [&first, &third] {
            assert_eq!(
                get(&s.at("/"), &[("yanglao_session", t)]).status,
                303,
                "[{l}] ended everywhere"
            );
        }
    }
}

#[test]
fn requests_from_another_site_are_refused() {
    for s in servers("cross-site") {
        let l = s.label;
        let token = session(&s, "op302");
        let home = get(&s.at("/"), &[("yanglao_session", &token)]);
        let csrf = home.field("csrf").unwrap();
        for headers in [
            vec![("Origin", "http://evil.example")],
            vec![("Sec-Fetch-Site", "cross-site")],
            vec![("Origin", "null")],
        ] {
            let r = post(
                &s.at("/sign-out"),
                &[("yanglao_session", &token)],
                &headers,
                &[("csrf", &csrf)],
            );
            assert_eq!(r.status, 403, "[{l}] {headers:?}");
            assert!(r.body.contains("E-WEB-CSRF"), "[{l}]");
        }
        assert_eq!(
            get(&s.at("/"), &[("yanglao_session", &token)]).status,
            200,
            "[{l}] nothing changed"
        );
        // The browser's own same-origin request passes.
        let origin = format!("http://{}", s.addr);
        let r = post(
            &s.at("/sign-out"),
            &[("yanglao_session", &token)],
            &[("Origin", &origin), ("Sec-Fetch-Site", "same-origin")],
            &[("csrf", &csrf)],
        );
        assert_eq!(r.status, 303, "[{l}] {}", r.body);
        // A sign-in form posted without its own token is refused too.
        let r = post(
            &s.at("/sign-in"),
            &[],
            &[],
            &[
                ("name", "op302"),
                ("password", PASSWORD),
                ("form_token", "x"),
            ],
        );
        assert_eq!(r.status, 403, "[{l}]");
        assert!(r.cookie("yanglao_session").is_none());
    }
}

#[test]
fn repeated_wrong_passwords_lock_the_account_and_an_address_is_throttled() {
    for (label, url, dir, scratch) in backends("lockout") {
        let s = TestServer::start(label, url, dir, scratch, |c| c.throttle_failures = 8);
        let l = s.label;
        for _ in 0..5 {
            assert_eq!(sign_in(&s, "op303", "错误的密码-2026").status, 401, "[{l}]");
        }
        let r = sign_in(&s, "op303", PASSWORD);
        assert_eq!(r.status, 429, "[{l}] {}", r.body);
        assert!(
            r.body.contains("E-USER-LOCKED") && r.body.contains("分钟后再试"),
            "[{l}]"
        );
        // A name no account can have is refused before anything is written.
        let before = s.text("SELECT COUNT(*) FROM audit_log");
        assert_eq!(sign_in(&s, &"长".repeat(500), "x").status, 401, "[{l}]");
        assert_eq!(
            s.text("SELECT COUNT(*) FROM audit_log"),
            before,
            "[{l}] nothing kept of it"
        );
        // Other accounts are not locked…
        assert_eq!(sign_in(&s, "op302", PASSWORD).status, 303, "[{l}]");
        // …but the address that keeps failing must wait, whatever the account.
        for _ in 0..2 {
            sign_in(&s, "nobody", "错误的密码-2026");
        }
        let r = sign_in(&s, "rv302", PASSWORD);
        assert_eq!(r.status, 429, "[{l}]");
        assert!(r.body.contains("E-WEB-THROTTLED"), "[{l}] {}", r.body);
    }
}

#[test]
fn an_office_behind_one_address_signs_in_at_once_and_only_refusals_count() {
    for (label, url, dir, scratch) in backends("office") {
        let s = TestServer::start(label, url, dir, scratch, |c| c.throttle_failures = 3);
        let l = s.label;
        // Ten sign-ins from one address at the same moment, more than the refusals allowed:
        // every one succeeds (a success never counts against its address).
        let statuses: Vec<u16> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..10)
                .map(|i| {
                    let s = &s;
                    let name = ["op302", "rv302", "op303", "admin", "finance"][i % 5];
                    scope.spawn(move || sign_in(s, name, PASSWORD).status)
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(statuses, vec![303; 10], "[{l}]");
        // Three refusals, and the address waits.
        for _ in 0..3 {
            assert_eq!(
                sign_in(&s, "nobody", "错误的密码-2026").status,
                401,
                "[{l}]"
            );
        }
        let r = sign_in(&s, "op302", PASSWORD);
        assert_eq!(r.status, 429, "[{l}] {}", r.body);
        assert!(r.body.contains("E-WEB-THROTTLED"), "[{l}]");
    }
}

#[test]
fn errors_are_chinese_pages_and_the_server_reports_its_health() {
    for s in servers("errors") {
        let l = s.label;
        let r = get(&s.at("/no/such/page"), &[]);
        assert_eq!(r.status, 404, "[{l}]");
        assert!(
            r.body.contains("页面不存在") && r.body.contains("E-WEB-NOT-FOUND"),
            "[{l}]"
        );
        let id = r.header("x-request-id").unwrap().to_string();
        assert!(r.body.contains(&id), "[{l}] the page shows the request id");
        assert!(!r.body.contains("@@REQUEST_ID@@"));
        assert_eq!(get(&s.at("/healthz"), &[]).body, "ok");
        let ready = get(&s.at("/readyz"), &[]);
        assert_eq!((ready.status, ready.body.as_str()), (200, "ready"), "[{l}]");
        // The stylesheet the pages link, by its versioned name.
        let page = get(&s.at("/sign-in"), &[]);
        let href = page
            .body
            .split("rel=\"stylesheet\" href=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap()
            .to_string();
        assert!(
            href.starts_with("/assets/site-") && href.ends_with(".css"),
            "{href}"
        );
        let css = get(&s.at(&href), &[]);
        assert_eq!(css.status, 200);
        assert!(css.header("content-type").unwrap().starts_with("text/css"));
        assert!(css
            .header("cache-control")
            .unwrap()
            .contains("max-age=31536000"));
        assert!(css.body.contains("font-family"));
        // A form field that is not there is a message, not a crash.
        let r = post(&s.at("/sign-out"), &[], &[], &[]);
        assert_eq!(r.status, 303, "[{l}] not signed in: to the sign-in page");
    }
}

#[test]
fn the_frameworks_own_refusals_are_chinese_too() {
    for (label, url, dir, scratch) in backends("refusals") {
        let s = TestServer::start(label, url, dir, scratch, |c| c.max_upload_bytes = 64 * 1024);
        let l = s.label;
        let token = session(&s, "op302");
        let cookie = [("yanglao_session", token.as_str())];
        // A number in the address that is not one.
        let r = get(&s.at("/people/abc"), &cookie);
        assert_eq!(r.status, 400, "[{l}]");
        assert!(
            r.body.contains("E-WEB-REQUEST") && r.body.contains("格式不对"),
            "[{l}] {}",
            r.body
        );
        assert!(
            !r.body.contains("Cannot parse") && !r.body.contains("Invalid"),
            "[{l}] English leaked"
        );
        // The same under the API: JSON.
        let r = crate::server::call(
            "get",
            &s.at("/api/v1/people/abc"),
            &[("Cookie", &format!("yanglao_session={token}"))],
        );
        assert_eq!(r.status, 400, "[{l}]");
        let v = r.json();
        assert_eq!(v["code"], "E-WEB-REQUEST", "[{l}] {v}");
        assert!(v["request_id"].is_string());
        // A body over the limit is refused before it is read (the sign-in form takes 16 KB; a
        // little more, so that the whole of it is sent before the server answers).
        let big = "x".repeat(20 * 1024);
        let r = post(
            &s.at("/sign-in"),
            &[],
            &[],
            &[("name", &big), ("password", "x"), ("form_token", "y")],
        );
        assert_eq!(r.status, 413, "[{l}]");
        assert!(
            r.body.contains("E-WEB-TOO-LARGE") && r.body.contains("过大"),
            "[{l}] {}",
            r.body
        );
        // A method the address does not take.
        let r = crate::server::call("post", &s.at("/healthz"), &[]);
        assert_eq!(r.status, 405, "[{l}]");
        assert!(r.body.contains("不支持"), "[{l}] {}", r.body);
    }
}

#[test]
fn behind_the_trusted_proxy_the_address_is_the_proxys_last_word() {
    for (label, url, dir, scratch) in backends("proxy") {
        let s = TestServer::start(label, url, dir, scratch, |c| {
            c.trusted_proxy = Some("127.0.0.1".parse().unwrap())
        });
        let l = s.label;
        let form = get(&s.at("/sign-in"), &[]);
        let t = form.cookie("yanglao_sign_in").unwrap();
        let f = form.field("form_token").unwrap();
        // The client forged one header; the proxy added its own after it.
        let r = post(
            &s.at("/sign-in"),
            &[("yanglao_sign_in", &t)],
            &[
                ("X-Forwarded-For", "10.9.9.9"),
                ("X-Forwarded-For", "10.1.2.3"),
            ],
            &[
                ("name", "op302"),
                ("password", PASSWORD),
                ("form_token", &f),
            ],
        );
        assert_eq!(r.status, 303, "[{l}] {}", r.body);
        assert_eq!(
            s.text("SELECT address FROM audit_log WHERE action = 'session.sign_in'"),
            "10.1.2.3",
            "[{l}]"
        );
    }
}
