//! The audit log page and its export, for the city administrator only; the log itself cannot be
//! changed.

use crate::server::{backends, get, post, session, sign_in, TestServer};

#[test]
fn the_administrator_filters_and_exports_the_audit_log() {
    for (label, url, dir, scratch) in backends("audit") {
        let s = TestServer::start(label, url, dir, scratch, |_| {});
        let l = s.label;
        sign_in(&s, "op303", "错误的密码-2026");
        let op = session(&s, "op302");
        let r = get(&s.at("/audit"), &[("yanglao_session", &op)]);
        assert_eq!(r.status, 403, "[{l}] an operator has no audit page");
        assert_eq!(
            post(
                &s.at("/audit.xlsx"),
                &[("yanglao_session", &op)],
                &[],
                &[("csrf", "x")]
            )
            .status,
            403,
            "[{l}]"
        );

        let admin = session(&s, "admin");
        let page = get(&s.at("/audit"), &[("yanglao_session", &admin)]);
        assert_eq!(page.status, 200, "[{l}] {}", page.body);
        assert!(
            page.body.contains("session.sign_in_refused") && page.body.contains("users.add"),
            "[{l}]"
        );
        assert!(
            page.body.contains("127.0.0.1") && page.body.contains("命令行"),
            "[{l}] where from"
        );
        // By account and action.
        let r = get(
            &s.at("/audit?account=op302&action=session."),
            &[("yanglao_session", &admin)],
        );
        assert!(r.body.contains("共 1 条"), "[{l}] {}", r.body);
        assert!(!r.body.contains("users.add"), "[{l}]");
        // By county (named in the entry): the accounts added for 矿区.
        let r = get(
            &s.at("/audit?action=users.add&county=140303"),
            &[("yanglao_session", &admin)],
        );
        assert!(
            r.body.contains("共 0 条") || r.body.contains("共 1 条"),
            "[{l}] {}",
            r.body
        );
        // By day: nothing before today, everything up to today.
        let today = chrono::Utc::now().date_naive();
        let r = get(
            &s.at(&format!("/audit?to={}", today.pred_opt().unwrap())),
            &[("yanglao_session", &admin)],
        );
        assert!(r.body.contains("共 0 条"), "[{l}]");
        let r = get(
            &s.at(&format!(
                "/audit?from={today}&to={today}&action=session.sign_in"
            )),
            &[("yanglao_session", &admin)],
        );
        assert!(!r.body.contains("共 0 条"), "[{l}] {}", r.body);
        // A bad date names its field.
        let r = get(
            &s.at("/audit?from=2026-13-01"),
            &[("yanglao_session", &admin)],
        );
        assert_eq!(r.status, 422, "[{l}]");
        assert!(
            r.body.contains("起始日期") && r.body.contains("E-WEB-FIELD"),
            "[{l}]"
        );

        // The export is a real workbook with the filtered entries, and is itself audited.
        // A GET of the export changes nothing (it is not there); the export is a POST with the
        // page's form token.
        assert_eq!(
            get(
                &s.at("/audit.xlsx?action=session."),
                &[("yanglao_session", &admin)]
            )
            .status,
            405,
            "[{l}]"
        );
        assert_eq!(
            post(
                &s.at("/audit.xlsx"),
                &[("yanglao_session", &admin)],
                &[],
                &[("action", "session.")]
            )
            .status,
            403,
            "[{l}] no form token"
        );
        let csrf = page.field("csrf").unwrap();
        let x = post(
            &s.at("/audit.xlsx"),
            &[("yanglao_session", &admin)],
            &[],
            &[("csrf", &csrf), ("action", "session.")],
        );
        assert_eq!(x.status, 200, "[{l}]");
        assert!(
            x.header("content-disposition")
                .unwrap()
                .contains("attachment"),
            "[{l}]"
        );
        assert!(x.header("content-type").unwrap().contains("spreadsheetml"));
        let bytes = x.bytes();
        let mut wb: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        use calamine::Reader;
        let range = wb.worksheet_range("审计日志").unwrap();
        let rows: Vec<Vec<String>> = range
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect();
        assert_eq!(rows[0][2], "账号", "[{l}]");
        assert!(rows.len() > 3, "[{l}] {rows:?}");
        assert!(
            rows[1..].iter().all(|r| r[3].starts_with("session.")),
            "[{l}] only what was asked for"
        );
        assert!(
            rows[1..]
                .iter()
                .any(|r| r[3] == "session.sign_in_refused" && r[4] == "127.0.0.1"),
            "[{l}]"
        );
        assert_eq!(
            s.text(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'audit.export' AND actor = 'admin'"
            ),
            "1",
            "[{l}]"
        );

        // Not even the database's own user changes the log.
        let mut db = yanglao_store::Db::open(&s.url).unwrap();
        let e = db
            .batch("UPDATE audit_log SET actor = 'someone'")
            .unwrap_err();
        assert!(e.to_string().contains("append-only"), "[{l}] {e}");
        let e = db.batch("DELETE FROM audit_log").unwrap_err();
        assert!(e.to_string().contains("append-only"), "[{l}] {e}");
        let _ = post;
    }
}
