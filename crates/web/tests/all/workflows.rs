//! The month's work through the API, as a county's programs would do it: imports checked, kept and
//! confirmed by their uploader; a payroll run, approved by a second account, exported and paid
//! back by the bank; accounts managed by the administrator — every write audited, every answer
//! masked.

use crate::server::{backends, call, call_json, get, session, upload, Reply, TestServer, PASSWORD};
use serde_json::json;

/// A token issued by the administrator (through the account page) to `account`.
pub fn token(s: &TestServer, account: &str) -> String {
    format!(
        "Bearer {}",
        crate::api::issue(s, &session(s, "admin"), account)
    )
}

/// A person file of 140302 (城区) only: `n` good rows, and with `bad` a row whose ID fails its
/// check digit.
pub fn persons_csv(n: usize, bad: bool) -> Vec<u8> {
    let path = std::env::temp_dir().join(format!("yanglao-web-wf-{}-{n}.csv", std::process::id()));
    yanglao_testdata::write_persons_csv(&path, n * 5).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    let mut out: Vec<String> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if i == 0 || line.split(',').nth(2) == Some("140302") {
            out.push(line.to_string());
        }
    }
    if bad {
        out.push(
            "140302196501010019,错号,140302,13900000000,中国农业银行,6228480000000000001,是".into(),
        );
    }
    (out.join("\n") + "\n").into_bytes()
}

fn count(s: &TestServer, sql: &str) -> i64 {
    s.text(sql).parse().unwrap()
}

#[test]
fn imports_are_checked_kept_and_confirmed_by_their_uploader() {
    for (label, url, dir, scratch) in backends("wf-imports") {
        let s = TestServer::start(label, url, dir, scratch, |_| {});
        let l = s.label;
        let op = token(&s, "op302");
        let other = token(&s, "op303");
        let auth = [("Authorization", op.as_str())];
        let at = |p: &str| s.at(p);

        // A file with a bad row: its problems in the answer and in the report; nothing written.
        let r = upload(
            &at("/api/v1/imports/persons"),
            &auth,
            &[],
            Some(("城区登记.csv", &persons_csv(4, true))),
        );
        assert_eq!(r.status, 200, "[{l}] {}", r.body);
        let v = r.json();
        assert_eq!(v["posted"], false, "[{l}]");
        let errors = v["outcome"]["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 1, "[{l}] {v}");
        assert_eq!(errors[0]["code"], "E-ID-CHECKSUM", "[{l}]");
        assert_eq!(errors[0]["row"], 6, "[{l}] the header is row 1");
        assert!(errors[0]["column"].as_str().unwrap().contains("身份证号"));
        assert!(
            v["confirm_url"].is_null(),
            "[{l}] a file with errors is not offered"
        );
        let report = get(v["report_url"].as_str().map(at).unwrap().as_str(), &[]);
        assert_eq!(report.status, 401, "[{l}] the report needs the account");
        let report = call("get", &at(v["report_url"].as_str().unwrap()), &auth);
        assert_eq!(report.status, 200, "[{l}]");
        assert!(report
            .header("content-disposition")
            .unwrap()
            .contains("filename*=UTF-8''"));
        let mut wb: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(report.bytes().to_vec())).unwrap();
        let sheet = calamine::Reader::worksheet_range(&mut wb, "错误").unwrap();
        let text: Vec<String> = sheet.rows().flatten().map(|c| c.to_string()).collect();
        assert!(text.iter().any(|c| c == "E-ID-CHECKSUM"), "[{l}] {text:?}");
        let id = v["upload"]["id"].as_str().unwrap().to_string();
        let r = call("post", &at(&format!("/api/v1/uploads/{id}/confirm")), &auth);
        assert_eq!(r.status, 422, "[{l}] {}", r.body);
        assert_eq!(r.json()["code"], "E-IMPORT-REFUSED");
        assert_eq!(r.json()["detail"]["errors"][0]["code"], "E-ID-CHECKSUM");
        assert_eq!(count(&s, "SELECT COUNT(*) FROM persons"), 0, "[{l}]");

        // A good file: kept, not posted, until its uploader confirms it.
        let good = persons_csv(4, false);
        let v = upload(
            &at("/api/v1/imports/persons"),
            &auth,
            &[],
            Some(("城区登记.csv", &good)),
        )
        .json();
        assert_eq!(v["outcome"]["ok"], true, "[{l}] {v}");
        assert_eq!(v["outcome"]["rows"], 4, "[{l}]");
        assert_eq!(
            count(&s, "SELECT COUNT(*) FROM persons"),
            0,
            "[{l}] checked only"
        );
        let id = v["upload"]["id"].as_str().unwrap().to_string();
        let waiting = call("get", &at("/api/v1/uploads"), &auth).json();
        assert_eq!(waiting.as_array().unwrap().len(), 2, "[{l}] {waiting}");
        assert!(
            call("get", &at("/api/v1/uploads"), &[("Authorization", &other)])
                .json()
                .as_array()
                .unwrap()
                .is_empty()
        );
        let r = call(
            "post",
            &at(&format!("/api/v1/uploads/{id}/confirm")),
            &[("Authorization", &other)],
        );
        assert_eq!(
            r.status, 404,
            "[{l}] another account's upload does not exist for it"
        );
        assert_eq!(r.json()["code"], "E-UPLOAD-UNKNOWN");
        let r = call("post", &at(&format!("/api/v1/uploads/{id}/confirm")), &auth);
        assert_eq!(r.status, 200, "[{l}] {}", r.body);
        assert_eq!(r.json()["outcome"]["posted"], 4, "[{l}]");
        assert_eq!(count(&s, "SELECT COUNT(*) FROM persons"), 4, "[{l}]");
        let r = call("post", &at(&format!("/api/v1/uploads/{id}/confirm")), &auth);
        assert_eq!(r.status, 404, "[{l}] confirmed once");
        // The import is in the history and the audit log, with who and from where.
        let h = call("get", &at("/api/v1/imports"), &auth).json();
        assert_eq!(h["total"], 1, "[{l}] {h}");
        assert_eq!(h["items"][0]["imported_by"], "op302", "[{l}] {h}");
        let a = s.rows("SELECT actor, address FROM audit_log WHERE action LIKE 'import%'");
        assert_eq!(
            a,
            vec![vec!["op302".to_string(), "127.0.0.1".to_string()]],
            "[{l}]"
        );

        // The same file again, at once: idempotent.
        let v = upload(
            &at("/api/v1/imports/persons?post=true"),
            &auth,
            &[],
            Some(("again.csv", &good)),
        )
        .json();
        assert_eq!(v["posted"], true, "[{l}] {v}");
        assert_eq!(v["outcome"]["posted"], 0, "[{l}] {v}");
        assert_eq!(count(&s, "SELECT COUNT(*) FROM persons"), 4, "[{l}]");

        // Another county's rows are refused to a county operator, whole file.
        let v = upload(
            &at("/api/v1/imports/persons"),
            &[("Authorization", &other)],
            &[],
            Some(("x.csv", &good)),
        )
        .json();
        assert_ne!(v["outcome"]["ok"], true, "[{l}] {v}");

        // Bad requests: an unknown kind, no file, a file with no name, death records without
        // their source — each named, nothing written.
        let r = upload(
            &at("/api/v1/imports/nonsense"),
            &auth,
            &[],
            Some(("a.csv", &good)),
        );
        assert_eq!(
            (r.status, r.json()["code"].as_str()),
            (404, Some("E-IMPORT-KIND")),
            "[{l}]"
        );
        let r = upload(&at("/api/v1/imports/persons"), &auth, &[], None);
        assert_eq!(r.json()["code"], "E-WEB-FIELD", "[{l}] {}", r.body);
        assert!(r.json()["message"].as_str().unwrap().starts_with("file"));
        let r = upload(
            &at("/api/v1/imports/deaths"),
            &auth,
            &[],
            Some(("d.csv", b"a,b\n1,2\n")),
        );
        assert_eq!(r.json()["code"], "E-DEATH-SOURCE", "[{l}] {}", r.body);
        let r = upload(
            &at("/api/v1/imports/deaths"),
            &auth,
            &[("source", "cia")],
            Some(("d.csv", b"a\n1\n")),
        );
        assert_eq!(r.json()["code"], "E-WEB-FIELD", "[{l}] {}", r.body);
        let r = call("post", &at("/api/v1/imports/persons"), &auth);
        assert_eq!(r.json()["code"], "E-WEB-UPLOAD", "[{l}] {}", r.body);
        assert_eq!(count(&s, "SELECT COUNT(*) FROM persons"), 4, "[{l}]");
    }
}

/// A zip whose directory says its one entry unpacks to 2 GiB (the bytes are a few).
fn inflated_xlsx() -> Vec<u8> {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    w.start_file("xl/worksheets/sheet1.xml", o).unwrap();
    w.write_all(b"<worksheet/>").unwrap();
    let mut bytes = w.finish().unwrap().into_inner();
    let declared = 0x7FFF_FFF0u32.to_le_bytes();
    for (sig, at) in [
        ([0x50, 0x4b, 0x03, 0x04], 22),
        ([0x50, 0x4b, 0x01, 0x02], 24),
    ] {
        let p = bytes.windows(4).position(|x| x == sig).unwrap();
        bytes[p + at..p + at + 4].copy_from_slice(&declared);
    }
    bytes
}

#[test]
fn uploads_over_the_limit_and_inflating_workbooks_are_refused_before_they_fill_memory() {
    for (label, url, dir, scratch) in backends("wf-limits") {
        let s = TestServer::start(label, url, dir, scratch, |c| c.max_upload_bytes = 64 * 1024);
        let l = s.label;
        let op = token(&s, "op302");
        let auth = [("Authorization", op.as_str())];
        let big = vec![b'x'; 200 * 1024];
        let r = upload(
            &s.at("/api/v1/imports/persons"),
            &auth,
            &[],
            Some(("big.csv", &big)),
        );
        assert_eq!(r.status, 413, "[{l}] {}", r.body);
        assert_eq!(r.json()["code"], "E-WEB-TOO-LARGE", "[{l}]");
        let r = upload(
            &s.at("/api/v1/imports/persons"),
            &auth,
            &[],
            Some(("炸弹.xlsx", &inflated_xlsx())),
        );
        assert_eq!(r.status, 422, "[{l}] {}", r.body);
        assert_eq!(r.json()["code"], "E-FILE-INFLATED", "[{l}] {}", r.body);
        assert!(r.json()["message"].as_str().unwrap().contains("炸弹.xlsx"));
    }
}

/// `n` recipients in the register with their awards (straight into the tables, as the payroll
/// benchmarks do).
pub fn add_recipients(url: &str, n: usize) {
    let mut db = yanglao_store::Db::open(url).unwrap();
    db.migrate().unwrap();
    let mut ctx = yanglao_ops::Ctx::with_policy_source(
        db,
        yanglao_policy::SHANXI_SUPPLEMENTARY,
        yanglao_testdata::POLICY_FILE,
    )
    .unwrap();
    let book = ctx.policy.clone();
    yanglao_testdata::setup_recipients(&mut ctx.db, &book, n, &|_, _| {}).unwrap();
}

/// Every full citizen ID and bank account of the register that appears in `r`.
fn unmasked(s: &TestServer, r: &Reply) -> Vec<String> {
    s.rows("SELECT citizen_id, bank_account FROM persons")
        .into_iter()
        .flatten()
        .filter(|x| x.len() >= 12 && r.body.contains(x.as_str()))
        .collect()
}

#[test]
fn a_month_of_payroll_through_the_api_with_every_answer_masked() {
    for (label, url, dir, scratch) in backends("wf-payroll") {
        add_recipients(&url, 25);
        let s = TestServer::start(label, url, dir, scratch, |_| {});
        let l = s.label;
        let op = token(&s, "op302");
        let rv = token(&s, "rv302");
        let finance = token(&s, "finance");
        let by = |t: &str| vec![("Authorization", t.to_string())];
        let go = |m: &str, p: &str, t: &str| {
            let h = by(t);
            let h: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
            call(m, &s.at(p), &h)
        };
        let r = go(
            "post",
            "/api/v1/payrolls/run?month=2023-01&county=140302",
            &op,
        );
        assert_eq!(r.status, 200, "[{l}] {}", r.body);
        let id = s.text("SELECT payroll_id FROM payrolls WHERE county = '140302'");
        let r = go(
            "post",
            "/api/v1/payrolls/run?month=2023-01&county=140303",
            &op,
        );
        assert_eq!(r.status, 403, "[{l}] another county");
        let r = go(
            "post",
            "/api/v1/payrolls/run?month=2023-01&kind=weekly",
            &op,
        );
        assert_eq!(r.json()["code"], "E-WEB-FIELD", "[{l}]");
        // The maker cannot approve; a reviewer can; an unapproved payroll does not export.
        let r = go("post", &format!("/api/v1/payrolls/{id}/export"), &op);
        assert_eq!(
            r.json()["code"],
            "E-PAYROLL-NOT-APPROVED",
            "[{l}] {}",
            r.body
        );
        let r = go("post", &format!("/api/v1/payrolls/{id}/approve"), &op);
        assert_eq!(r.status, 403, "[{l}] {}", r.body);
        let r = go("post", &format!("/api/v1/payrolls/{id}/approve"), &rv);
        assert_eq!(r.status, 200, "[{l}] {}", r.body);
        // Export: a zip of the plan and the bank files, with full numbers for the bank; audited.
        let r = go("post", &format!("/api/v1/payrolls/{id}/export"), &finance);
        assert_eq!(
            r.status, 403,
            "[{l}] the finance bureau does not export payments"
        );
        let r = go("post", &format!("/api/v1/payrolls/{id}/export"), &op);
        assert_eq!(r.status, 200, "[{l}] {}", r.body);
        assert_eq!(r.header("content-type"), Some("application/zip"));
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(r.bytes().to_vec())).unwrap();
        let names: Vec<String> = (0..z.len())
            .map(|i| z.by_index(i).unwrap().name().unwrap().to_string())
            .collect();
        assert!(
            names.iter().any(|n| n.starts_with("发放计划表-")),
            "[{l}] {names:?}"
        );
        let bank = names
            .iter()
            .find(|n| n.starts_with("银行代发-"))
            .unwrap()
            .clone();
        let one = go(
            "post",
            &format!("/api/v1/payrolls/{id}/export?file={}", urlencode(&bank)),
            &op,
        );
        assert_eq!(one.status, 200, "[{l}] {}", one.body);
        assert!(
            one.body.contains("140302"),
            "[{l}] the bank file holds full IDs"
        );
        assert_eq!(
            count(&s, "SELECT COUNT(*) FROM audit_log WHERE action = 'payroll.export' AND actor = 'op302'"),
            2,
            "[{l}]"
        );
        // The bank's return, posted through the import.
        let lines = s.rows(&format!(
            "SELECT l.line_no, p.citizen_id, l.bank_account, l.total_fen FROM payroll_lines l
             JOIN persons p ON p.county = l.county AND p.person_id = l.person_id
             WHERE l.payroll_id = {id} ORDER BY l.line_no"
        ));
        assert!(!lines.is_empty(), "[{l}]");
        let mut csv =
            String::from("批次号,序号,身份证号,银行账号,金额(元),结果,失败原因,入账日期\n");
        for x in &lines {
            let fen: i64 = x[3].parse().unwrap();
            csv.push_str(&format!(
                "{id},{},{},{},{}.{:02},成功,,2023-01-12\n",
                x[0],
                x[1],
                x[2],
                fen / 100,
                fen % 100
            ));
        }
        let h = by(&op);
        let h: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = upload(
            &s.at("/api/v1/imports/bank-return?post=true"),
            &h,
            &[],
            Some(("回盘.csv", csv.as_bytes())),
        );
        assert_eq!(r.status, 200, "[{l}] {}", r.body);
        assert_eq!(r.json()["posted"], true, "[{l}] {}", r.body);
        assert_eq!(
            count(&s, &format!("SELECT COUNT(*) FROM payroll_lines WHERE payroll_id = {id} AND status = 'paid'")),
            lines.len() as i64,
            "[{l}]"
        );

        // Every JSON answer of every reading route, for every role: no full ID or account
        // anywhere, and no birth date for the roles that may not see IDs.
        let doc = call("get", &s.at("/api/openapi.json"), &[]).json();
        let case_id = "1";
        for (who, t) in [("op302", &op), ("rv302", &rv), ("finance", &finance)] {
            for (path, ops) in doc["paths"].as_object().unwrap() {
                let Some(op_doc) = ops.get("get") else {
                    continue;
                };
                if op_doc["responses"]["200"]["content"]["application/json"].is_null() {
                    continue;
                }
                let concrete = path
                    .replace("{payroll_id}", &id)
                    .replace(
                        "{person_id}",
                        &s.text("SELECT MIN(person_id) FROM persons WHERE county = '140302'"),
                    )
                    .replace("{case_id}", case_id)
                    .replace("{upload_id}", &"0".repeat(32))
                    .replace("{name}", who);
                let r = go(
                    "get",
                    &format!(
                        "{concrete}?month=2023-01&year=2023&from=2022&to=2023&q=&per_page=500"
                    ),
                    t,
                );
                assert_eq!(
                    unmasked(&s, &r),
                    Vec::<String>::new(),
                    "[{l}] {who} GET {path}"
                );
                if who == "finance" {
                    assert!(
                        !r.body.contains("\"birth_date\""),
                        "[{l}] {who} GET {path}: {}",
                        r.body
                    );
                }
            }
        }
        let lines = go("get", &format!("/api/v1/payrolls/{id}/lines"), &finance).json();
        assert_eq!(lines["total"], lines_len(&s, &id), "[{l}] {lines}");
        assert!(
            lines["items"][0]["bank_account"]
                .as_str()
                .unwrap()
                .contains("****"),
            "[{l}]"
        );
    }
}

fn lines_len(s: &TestServer, id: &str) -> i64 {
    count(
        s,
        &format!("SELECT COUNT(*) FROM payroll_lines WHERE payroll_id = {id}"),
    )
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[test]
fn the_administrator_manages_accounts_and_tokens_through_the_api_each_change_audited() {
    for (label, url, dir, scratch) in backends("wf-accounts") {
        let s = TestServer::start(label, url, dir, scratch, |_| {});
        let l = s.label;
        let admin = token(&s, "admin");
        let op = token(&s, "op302");
        let a = [("Authorization", admin.as_str())];
        let body = json!({"name": "zhaoli", "display_name": "赵丽", "role": "operator", "counties": ["140303"], "password": "赵丽的初始长密码-2026"});
        let r = call_json(
            &s.at("/api/v1/accounts"),
            &[("Authorization", op.as_str())],
            &body,
        );
        assert_eq!(r.status, 403, "[{l}] an operator does not make accounts");
        let r = call_json(&s.at("/api/v1/accounts"), &a, &body);
        assert_eq!(r.status, 200, "[{l}] {}", r.body);
        assert_eq!(r.json()["role"], "operator");
        let r = call_json(
            &s.at("/api/v1/accounts"),
            &a,
            &json!({"name": "x", "role": "king", "password": "p"}),
        );
        assert_eq!(r.json()["code"], "E-WEB-FIELD", "[{l}]");
        assert!(
            r.json()["message"].as_str().unwrap().starts_with("role"),
            "[{l}] {}",
            r.body
        );
        let r = call_json(
            &s.at("/api/v1/accounts/zhaoli"),
            &a,
            &json!({"role": "reviewer", "counties": "140303"}),
        );
        assert_eq!(r.json()["role"], "reviewer", "[{l}] {}", r.body);
        let r = call("post", &s.at("/api/v1/accounts/zhaoli/disable"), &a);
        assert_eq!(r.json()["enabled"], false, "[{l}] {}", r.body);
        let r = call("post", &s.at("/api/v1/accounts/zhaoli/enable"), &a);
        assert_eq!(r.json()["enabled"], true, "[{l}] {}", r.body);
        let r = call_json(
            &s.at("/api/v1/accounts/zhaoli/password"),
            &a,
            &json!({"password": "zhaoli"}),
        );
        assert_eq!(r.status, 422, "[{l}] a password equal to the name");
        let r = call_json(
            &s.at("/api/v1/accounts/zhaoli/password"),
            &a,
            &json!({"password": PASSWORD}),
        );
        assert_eq!(r.status, 200, "[{l}] {}", r.body);
        let t = call_json(
            &s.at("/api/v1/accounts/zhaoli/tokens"),
            &a,
            &json!({"label": "对账"}),
        )
        .json();
        let tid = t["info"]["token_id"].as_i64().unwrap();
        let bearer = format!("Bearer {}", t["token"].as_str().unwrap());
        assert_eq!(
            call("get", &s.at("/api/v1/me"), &[("Authorization", &bearer)]).json()["name"],
            "zhaoli"
        );
        // A token is revoked through its own account's path only.
        let r = call(
            "post",
            &s.at(&format!("/api/v1/accounts/op302/tokens/{tid}/revoke")),
            &a,
        );
        assert_eq!(r.status, 404, "[{l}] {}", r.body);
        let r = call(
            "post",
            &s.at(&format!("/api/v1/accounts/zhaoli/tokens/{tid}/revoke")),
            &a,
        );
        assert_eq!(r.status, 200, "[{l}] {}", r.body);
        assert_eq!(
            call("get", &s.at("/api/v1/me"), &[("Authorization", &bearer)]).status,
            401
        );
        // Every change in the log, by the administrator, from this address.
        let log = call("get", &s.at("/api/v1/audit?account=admin&per_page=500"), &a).json();
        let actions: Vec<&str> = log["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["action"].as_str().unwrap())
            .collect();
        for want in [
            "users.add",
            "users.change",
            "users.disable",
            "users.enable",
            "users.password",
            "token.issue",
            "token.revoke",
        ] {
            assert!(actions.contains(&want), "[{l}] {want} not in {actions:?}");
        }
        let r = call("post", &s.at("/api/v1/audit.xlsx?account=admin"), &a);
        assert_eq!(r.status, 200, "[{l}] {}", r.body);
        assert!(r.bytes().starts_with(b"PK"));
        let r = call(
            "post",
            &s.at("/api/v1/audit.xlsx"),
            &[("Authorization", op.as_str())],
        );
        assert_eq!(r.status, 403, "[{l}]");
        // The log cannot be changed through the application: there is no route that would.
        let r = call_json(&s.at("/api/v1/audit"), &a, &json!({}));
        assert_eq!(r.status, 405, "[{l}] {}", r.body);
    }
}

#[test]
fn the_finance_bureau_and_the_evaluator_read_their_year_through_the_api() {
    for (label, url, dir, scratch) in backends("wf-year") {
        crate::server::add_people(&url, 10);
        let s = TestServer::start(label, url, dir, scratch, |_| {});
        let l = s.label;
        let finance = token(&s, "finance");
        let op = token(&s, "op302");
        let f = [("Authorization", finance.as_str())];
        let r = call("get", &s.at("/api/v1/fund/statement?year=2023"), &f);
        assert_eq!(r.status, 200, "[{l}] {}", r.body);
        let r = call("get", &s.at("/api/v1/fund/statement.xlsx?year=2023"), &f);
        assert_eq!(r.status, 200, "[{l}] {}", r.body);
        let mut wb: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(r.bytes().to_vec())).unwrap();
        assert!(!calamine::Reader::sheet_names(&wb).is_empty(), "[{l}]");
        let _ = calamine::Reader::worksheet_range_at(&mut wb, 0)
            .unwrap()
            .unwrap();
        let r = call(
            "get",
            &s.at("/api/v1/budget/execution?year=2023&threshold=2"),
            &f,
        );
        assert_eq!(
            (r.status, r.json()["code"].as_str()),
            (422, Some("E-WEB-FIELD")),
            "[{l}] {}",
            r.body
        );
        let r = call("get", &s.at("/api/v1/budget/execution?year=2023"), &f);
        assert_eq!(r.status, 200, "[{l}] {}", r.body);
        let r = call("get", &s.at("/api/v1/fund/interest-check?year=2023"), &f);
        assert_eq!(r.status, 200, "[{l}] {}", r.body);
        // The simulator's three comparisons, with their findings.
        let r = call_json(&s.at("/api/v1/simulations/compare"), &f, &json!({}));
        assert_eq!(r.status, 200, "[{l}] {}", r.body);
        let c = r.json();
        assert_eq!(c["comparisons"].as_array().unwrap().len(), 3, "[{l}]");
        let r = call_json(
            &s.at("/api/v1/simulations/compare"),
            &f,
            &json!({"preset": "lottery"}),
        );
        assert!(
            r.json()["message"].as_str().unwrap().starts_with("preset"),
            "[{l}]"
        );
        // The evaluation: the evaluator's (an operator's is refused).
        let r = call(
            "post",
            &s.at("/api/v1/evaluation?year=2023"),
            &[("Authorization", op.as_str())],
        );
        assert_eq!(r.status, 403, "[{l}] {}", r.body);
        let ev = token(&s, "evaluator");
        let e = [("Authorization", ev.as_str())];
        let r = call("post", &s.at("/api/v1/evaluation?year=2023"), &e);
        assert_eq!(r.status, 200, "[{l}] {}", r.body);
        let v = r.json();
        assert_eq!(v["year"], 2023, "[{l}]");
        assert_eq!(
            v["complete"], false,
            "[{l}] judgements unscored without a worksheet"
        );
        assert!(v["grade"].is_null(), "[{l}] no grade while incomplete");
        assert!(v["indicators"].as_array().unwrap().len() > 20, "[{l}]");
        let r = call(
            "get",
            &s.at("/api/v1/evaluation/worksheet.xlsx?year=2023"),
            &e,
        );
        assert_eq!(r.status, 200, "[{l}] {}", r.body);
        // The worksheet template, sent back as it is: read, nothing scored from empty lines.
        let r = upload(
            &s.at("/api/v1/evaluation?year=2023"),
            &e,
            &[],
            Some(("底稿.xlsx", r.bytes())),
        );
        assert_eq!(r.status, 200, "[{l}] {}", r.body);
    }
}

/// A field the import form cannot take (a browser's date picker sends only dates; a program may
/// send anything): the form again with the field named, nothing kept.
#[test]
fn the_import_form_names_a_field_it_cannot_take() {
    let (label, url, dir, scratch) = backends("wf-form").remove(0);
    let s = TestServer::start(label, url, dir, scratch, |_| {});
    let token = session(&s, "op302");
    let cookie = format!("yanglao_session={token}");
    let csrf = get(&s.at("/imports"), &[("yanglao_session", &token)])
        .field("csrf")
        .unwrap();
    let r = upload(
        &s.at("/imports"),
        &[("Cookie", &cookie)],
        &[("csrf", &csrf), ("kind", "persons"), ("date", "2024-13-40")],
        Some(("人员.csv", &persons_csv(2, false))),
    );
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.body.contains("date：")
            && r.body.contains("E-WEB-FIELD")
            && r.body.contains("上传并检查"),
        "{}",
        r.body
    );
    assert!(
        get(&s.at("/imports"), &[("yanglao_session", &token)])
            .body
            .contains("共 0 次导入"),
        "nothing imported"
    );
}
