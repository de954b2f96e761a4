//! Accounts, roles and county walls, through the command line as a user meets them, on SQLite
//! and (when configured) PostgreSQL: a county operator cannot read or change another county's
//! people, payrolls or books through any use case that takes a county; the same account cannot
//! make and approve one payroll; an unknown or disabled `--by` is refused.

use crate::common::*;
use serde_json::Value;

/// (county, name, birth yyyymmdd): two in 城区 (140302), one each in 郊区 and 平定县.
const PEOPLE: [(&str, &str, &str); 4] = [
    ("140302", "韩桂兰", "19500301"),
    ("140302", "韩建国", "19520715"),
    ("140311", "乔秀英", "19490630"),
    ("140321", "武玉兰", "19481010"),
];

fn pid(i: usize) -> String {
    id(PEOPLE[i].0, PEOPLE[i].2, 300 + i as u32)
}

/// The error code a refused command printed, and the codes of its row problems.
fn refusal(db: &TestDb, by: &str, args: &[&str]) -> (String, Vec<String>) {
    let mut a = vec!["--by", by];
    a.extend_from_slice(args);
    a.push("--json");
    let o = db.run(&a);
    assert_ne!(
        o.code, 0,
        "[{}] {by} {args:?} should be refused:\n{}",
        db.label, o.stdout
    );
    let v: Value = serde_json::from_str(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", o.stdout, o.stderr));
    let rows = v["errors"]
        .as_array()
        .map(|e| {
            e.iter()
                .map(|p| p["code"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default();
    (v["code"].as_str().unwrap_or("").to_string(), rows)
}

/// Expects a refusal for the county wall: the command's code or one of its row problems.
fn walled(db: &TestDb, by: &str, args: &[&str]) {
    let before = db.footprint();
    let (code, rows) = refusal(db, by, args);
    assert!(
        code == "E-ACCESS-COUNTY" || rows.iter().any(|r| r == "E-ACCESS-COUNTY"),
        "[{}] {by} {args:?}: code {code}, rows {rows:?}",
        db.label
    );
    assert_eq!(
        before,
        db.footprint(),
        "[{}] {args:?} was refused but changed the database",
        db.label
    );
}

fn add_user(db: &TestDb, name: &str, role: &str, county: &str) {
    let mut a = vec!["users", "add", name, "--role", role];
    if !county.is_empty() {
        a.extend(["--county", county]);
    }
    db.ok_json(&a);
}

/// Four people, benefits awarded, January and February paid, the 郊区 person dead in January
/// (an overpayment and its recovery case), March drawn up as drafts.
fn setup(db: &TestDb) -> Value {
    let rows: Vec<Vec<String>> = (0..PEOPLE.len())
        .map(|i| person(&pid(i), PEOPLE[i].1, PEOPLE[i].0, "是"))
        .collect();
    db.ok_json(&[
        "import",
        "persons",
        &db.file("p.csv", &csv(&PERSON_HEADER, &rows)),
    ]);
    db.ok_json(&["awards", "run", "--month", "2023-01"]);
    pay(db, "2023-01");
    pay(db, "2023-02");
    let deaths = csv(
        &["身份证号", "姓名", "死亡日期", "来源编号"],
        &[vec![
            pid(2),
            PEOPLE[2].1.to_string(),
            "2023-01-05".into(),
            "D-1".into(),
        ]],
    );
    let on = db.processing_date(&deaths);
    db.ok_json(&[
        "import",
        "deaths",
        &db.file("d.csv", &deaths),
        "--source",
        "civil-affairs",
        "--date",
        &on,
    ]);
    add_user(db, "op302", "经办员", "140302");
    add_user(db, "rev302", "审核员", "城区");
    add_user(db, "rev302b", "reviewer", "140302");
    add_user(db, "finance", "财政局", "");
    db.ok_json(&["--by", "op302", "payroll", "run", "--month", "2023-03"])
}

#[test]
fn a_county_operator_stays_inside_its_county() {
    for db in backends("access-walls") {
        setup(&db);
        let payrolls = db.ok_json(&["payroll", "list", "--month", "2023-03"]);
        let of = |list: &Value, county: &str| -> String {
            list.as_array()
                .or(list["payrolls"].as_array())
                .unwrap()
                .iter()
                .find(|p| p["county"] == county)
                .unwrap_or_else(|| panic!("a March payroll of {county}: {list}"))["id"]
                .as_i64()
                .unwrap()
                .to_string()
        };
        // op302 ran March for its own county only.
        let all: Vec<String> = payrolls
            .as_array()
            .or(payrolls["payrolls"].as_array())
            .unwrap()
            .iter()
            .map(|p| p["county"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(all, vec!["140302"], "[{}] {payrolls}", db.label);
        // The system runs 郊区's March, which op302 must not touch.
        db.ok_json(&["payroll", "run", "--month", "2023-03", "--county", "140311"]);
        let payrolls = db.ok_json(&["payroll", "list", "--month", "2023-03"]);
        let other = of(&payrolls, "140311");
        let case = db.ok_json(&["recovery", "list"]);
        let case_id = case
            .as_array()
            .or(case["cases"].as_array())
            .unwrap()
            .iter()
            .find(|c| c["county"] == "140311")
            .unwrap_or_else(|| panic!("a recovery case in 郊区: {case}"))["case_id"]
            .as_i64()
            .unwrap()
            .to_string();

        let op = "op302";
        let x = pid(2); // 郊区
                        // Imports: a row of another county is a row problem and nothing is written.
        let persons = csv(
            &PERSON_HEADER,
            &[person(&id("140311", "19600101", 9), "郝明", "140311", "是")],
        );
        walled(
            &db,
            op,
            &["import", "persons", &db.file("wp.csv", &persons)],
        );
        let contrib = csv(
            &CONTRIB_HEADER,
            &[contribution(
                &x,
                PEOPLE[2].1,
                2022,
                "200",
                "2022-05-01",
                "R-9",
            )],
        );
        walled(
            &db,
            op,
            &["import", "contributions", &db.file("wc.csv", &contrib)],
        );
        let deaths = csv(
            &["身份证号", "姓名", "死亡日期", "来源编号", "报告日期"],
            &[vec![
                pid(3),
                PEOPLE[3].1.into(),
                "2023-02-01".into(),
                "D-9".into(),
                "2023-02-20".into(),
            ]],
        );
        walled(
            &db,
            op,
            &[
                "import",
                "deaths",
                &db.file("wd.csv", &deaths),
                "--source",
                "civil-affairs",
            ],
        );
        // A record whose ID is invalid is matched by name only among the operator's own people:
        // 郊区's 乔秀英 is not proposed to the 城区 operator, but is to the system.
        let mut bad_id = x.clone();
        let last = bad_id.pop();
        bad_id.push(if last == Some('0') { '1' } else { '0' });
        let fuzzy = csv(
            &["身份证号", "姓名", "死亡日期", "来源编号", "报告日期"],
            &[vec![
                bad_id,
                PEOPLE[2].1.into(),
                "2023-02-01".into(),
                "F-1".into(),
                "2023-02-20".into(),
            ]],
        );
        let file = db.file("fuzzy.csv", &fuzzy);
        db.ok_json(&["--by", op, "import", "deaths", &file, "--source", "village"]);
        let queue = db.ok_json(&["deaths", "review"]);
        assert!(
            !queue.to_string().contains(&x),
            "[{}] another county's person proposed: {queue}",
            db.label
        );
        // A person of another county: neither read nor changed.
        walled(&db, op, &["account", "show", &x]);
        walled(&db, op, &["person", "show", &x]);
        walled(
            &db,
            op,
            &[
                "person",
                "status",
                &pid(3),
                "--set",
                "suspended",
                "--date",
                "2023-03-01",
                "--reason",
                "外出",
            ],
        );
        let heir_account = yanglao_domain::bank::with_luhn_digit("622848012345670001");
        walled(
            &db,
            op,
            &[
                "inheritance",
                "pay",
                &x,
                "--heir-name",
                "乔文",
                "--heir-id",
                &id("140311", "19750505", 7),
                "--heir-bank",
                "中国农业银行",
                "--heir-account",
                &heir_account,
                "--date",
                "2024-01-10",
            ],
        );
        // Another county's payroll: neither checked, refreshed, approved nor exported.
        walled(&db, op, &["payroll", "check", &other]);
        walled(&db, op, &["payroll", "refresh", &other]);
        walled(&db, "rev302", &["payroll", "approve", &other]);
        walled(&db, op, &["payroll", "export", &other, "--out", "x"]);
        // Runs for another county.
        walled(
            &db,
            op,
            &["payroll", "run", "--month", "2023-04", "--county", "140311"],
        );
        walled(
            &db,
            op,
            &["awards", "run", "--month", "2023-03", "--county", "140311"],
        );
        walled(
            &db,
            op,
            &["interest", "credit", "--year", "2023", "--county", "140311"],
        );
        walled(
            &db,
            op,
            &[
                "contributions",
                "gov-pay",
                "--year",
                "2023",
                "--county",
                "140311",
            ],
        );
        // Another county's recovery case and books.
        walled(&db, op, &["recovery", "list", "--county", "140311"]);
        walled(&db, op, &["recovery", "show", &case_id]);
        walled(
            &db,
            op,
            &[
                "recovery",
                "record",
                &case_id,
                "--channel",
                "family-refund",
                "--amount",
                "1",
                "--date",
                "2023-06-01",
            ],
        );
        walled(
            &db,
            op,
            &["fund", "statement", "--year", "2023", "--county", "140311"],
        );
        walled(
            &db,
            op,
            &[
                "outreach", "list", "--year", "2023", "--county", "140311", "--out", "o.xlsx",
            ],
        );
        // Lists show the operator's county only.
        let mine = db.ok_json(&["--by", op, "payroll", "list"]);
        let counties: std::collections::BTreeSet<String> = mine
            .as_array()
            .or(mine["payrolls"].as_array())
            .unwrap()
            .iter()
            .map(|p| p["county"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(
            counties.into_iter().collect::<Vec<_>>(),
            vec!["140302"],
            "[{}]",
            db.label
        );
        let cases = db.ok_json(&["--by", op, "recovery", "list"]);
        assert!(
            cases
                .as_array()
                .or(cases["cases"].as_array())
                .unwrap()
                .iter()
                .all(|c| c["county"] == "140302"),
            "[{}] {cases}",
            db.label
        );
        let status = db.ok_json(&["--by", op, "payroll", "status", "--month", "2023-03"]);
        let text = status.to_string();
        assert!(
            text.contains("140302") && !text.contains("140311"),
            "[{}] {text}",
            db.label
        );
        // Its own county it reads, and the statement defaults to it.
        db.ok_json(&["--by", op, "account", "show", &pid(0)]);
        let st = db.ok_json(&["--by", op, "fund", "statement", "--year", "2023"]);
        assert_eq!(st["county"], "140302", "[{}] {st}", db.label);
        // The finance bureau reads every county but runs no payroll.
        db.ok_json(&[
            "--by",
            "finance",
            "fund",
            "statement",
            "--year",
            "2023",
            "--county",
            "140311",
        ]);
        let (code, _) = refusal(&db, "finance", &["payroll", "run", "--month", "2023-04"]);
        assert_eq!(code, "E-ACCESS-ROLE", "[{}]", db.label);
    }
}

#[test]
fn maker_checker_compares_accounts() {
    for db in backends("access-maker-checker") {
        let run = setup(&db);
        let id = run["payrolls"][0]["id"].as_i64().unwrap().to_string();
        // The operator made it: neither it (no reviewer role) nor the system approves.
        let (code, _) = refusal(&db, "op302", &["payroll", "approve", &id]);
        assert_eq!(code, "E-ACCESS-ROLE", "[{}]", db.label);
        let o = db.run(&["payroll", "approve", &id, "--json"]);
        assert_ne!(o.code, 0, "[{}] the system approved", db.label);
        assert!(o.stdout.contains("E-ACCESS-ROLE"), "{}", o.stdout);
        // A reviewer approves what the operator made.
        let approved = db.ok_json(&["--by", "rev302", "payroll", "approve", &id]);
        assert_eq!(approved["approved_by"], "rev302", "[{}]", db.label);
        // The export goes to whatever sink the interface gives: in memory, the same bytes as the
        // command line writes into its folder.
        let mut ctx = yanglao_ops::Ctx::open_as(db.db(), "rev302").unwrap();
        let mut memory = yanglao_ops::files::MemorySink::default();
        let o = yanglao_ops::payroll::export::export(
            &mut ctx,
            id.parse().unwrap(),
            &mut memory,
            &|_, _| {},
        )
        .unwrap();
        assert_eq!(o.files.len(), memory.files.len());
        assert!(memory.files.len() >= 2, "a plan and a bank file");
        drop(ctx);
        db.ok_json(&["--by", "rev302", "payroll", "export", &id, "--out", "e3"]);
        for (name, bytes) in &memory.files {
            let written = std::fs::read(db.dir.path().join("e3").join(name)).unwrap();
            assert!(&written == bytes, "[{}] {name} differs", db.label);
        }
        // A reviewer that made a payroll cannot approve it; another reviewer can.
        let april = db.ok_json(&[
            "--by", "rev302", "payroll", "run", "--month", "2023-04", "--county", "140302",
        ]);
        let april_id = april["payrolls"][0]["id"].as_i64().unwrap().to_string();
        let (code, _) = refusal(&db, "rev302", &["payroll", "approve", &april_id]);
        assert_eq!(code, "E-PAYROLL-SAME-USER", "[{}]", db.label);
        let made_by = db
            .text(&format!(
                "SELECT CAST(run_by_user AS TEXT) FROM payrolls WHERE payroll_id = {april_id}"
            ))
            .unwrap();
        let rev = db
            .text("SELECT CAST(user_id AS TEXT) FROM users WHERE name = 'rev302'")
            .unwrap();
        assert_eq!(made_by, rev, "the payroll records its maker's account");
        let ok = db.ok_json(&["--by", "rev302b", "payroll", "approve", &april_id]);
        assert_eq!(ok["approved_by"], "rev302b", "[{}]", db.label);
    }
}

#[test]
fn unknown_and_disabled_accounts_are_refused() {
    for db in backends("access-accounts") {
        add_user(&db, "op302", "经办员", "140302");
        let (code, _) = refusal(&db, "nobody", &["payroll", "list"]);
        assert_eq!(code, "E-USER-UNKNOWN", "[{}]", db.label);
        db.ok_json(&["--by", "op302", "payroll", "list"]);
        db.ok_json(&["users", "disable", "op302"]);
        let (code, _) = refusal(&db, "op302", &["payroll", "list"]);
        assert_eq!(code, "E-USER-DISABLED", "[{}]", db.label);
        db.ok_json(&["users", "enable", "op302"]);
        db.ok_json(&["--by", "op302", "payroll", "list"]);
        // Bad accounts are refused with their rule.
        for (args, want) in [
            (
                vec!["users", "add", "x1", "--role", "经办员"],
                "E-USER-COUNTY",
            ),
            (
                vec![
                    "users",
                    "add",
                    "x2",
                    "--role",
                    "财政局",
                    "--county",
                    "140302",
                ],
                "E-USER-COUNTY",
            ),
            (vec!["users", "add", "x3", "--role", "局长"], "E-USER-ROLE"),
            (
                vec![
                    "users",
                    "add",
                    "x4",
                    "--role",
                    "经办员",
                    "--county",
                    "999999",
                ],
                "E-USER-COUNTY",
            ),
            (
                vec![
                    "users",
                    "add",
                    "op302",
                    "--role",
                    "经办员",
                    "--county",
                    "140302",
                ],
                "E-USER-EXISTS",
            ),
            (vec!["users", "disable", "system"], "E-USER-SELF"),
        ] {
            let mut a = args.clone();
            a.push("--json");
            let o = db.run(&a);
            assert_ne!(o.code, 0, "[{}] {args:?}", db.label);
            assert!(
                o.stdout.contains(want),
                "[{}] {args:?}: {}",
                db.label,
                o.stdout
            );
        }
        // Only the city administrator (or the system) manages accounts.
        let (code, _) = refusal(
            &db,
            "op302",
            &[
                "users",
                "add",
                "y",
                "--role",
                "经办员",
                "--county",
                "140302",
            ],
        );
        assert_eq!(code, "E-ACCESS-ROLE", "[{}]", db.label);
        let list = db.ok_json(&["users", "list"]);
        let names: Vec<&str> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].as_str().unwrap())
            .collect();
        assert_eq!(names[0], "system", "[{}]", db.label);
        assert!(names.contains(&"op302"));
        assert!(!list.to_string().contains("argon2"), "no hash is shown");
        // Every change is audited with who did it.
        let n = db.count(
            "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'users.%' AND actor = 'system'",
        );
        assert!(n >= 3, "[{}] {n} audited account changes", db.label);
    }
}

#[test]
fn passwords_are_hashed_and_checked() {
    for db in backends("access-passwords") {
        let mut ctx = yanglao_ops::Ctx::system(db.db()).unwrap();
        let counties = vec!["140302".to_string()];
        let new = |password| yanglao_ops::users::NewAccount {
            name: "op302",
            display_name: Some("王芳"),
            role: yanglao_ops::Role::Operator,
            counties: &counties,
            password,
        };
        for bad in ["short", "op302"] {
            let e = yanglao_ops::users::add(&mut ctx, &new(Some(bad))).unwrap_err();
            assert_eq!(e.code(), "E-USER-PASSWORD");
        }
        let a = yanglao_ops::users::add(&mut ctx, &new(Some("正确的长密码-2026"))).unwrap();
        assert!(a.can_sign_in);
        let stored = db
            .text("SELECT password_hash FROM users WHERE name = 'op302'")
            .unwrap();
        assert!(stored.starts_with("$argon2id$"), "{stored}");
        use yanglao_ops::sessions::{self, Client, Lockout, Timeouts};
        let client = Client {
            address: "10.1.2.3".into(),
            user_agent: Some("测试".into()),
        };
        let now = 1_800_000_000;
        let s = sessions::sign_in(
            &mut ctx.db,
            "op302",
            "正确的长密码-2026",
            &client,
            now,
            Lockout::default(),
        )
        .unwrap();
        assert_eq!(s.session.actor.counties, counties);
        assert_eq!(s.token.len(), 64);
        // Only the token's hash is kept.
        let kept = db.text("SELECT token_hash FROM web_sessions").unwrap();
        assert_ne!(kept, s.token);
        let found = sessions::find(&mut ctx.db, &s.token, now + 60, Timeouts::default())
            .unwrap()
            .expect("open");
        assert_eq!(found.actor.name, "op302");
        assert_eq!(found.csrf_token, s.session.csrf_token);
        assert!(sessions::find(
            &mut ctx.db,
            "0".repeat(64).as_str(),
            now,
            Timeouts::default()
        )
        .unwrap()
        .is_none());
        // Idle too long: ended, and stays ended.
        let idle = Timeouts::default().idle_s;
        assert!(sessions::find(
            &mut ctx.db,
            &s.token,
            now + 60 + idle + 1,
            Timeouts::default()
        )
        .unwrap()
        .is_none());
        assert!(
            sessions::find(&mut ctx.db, &s.token, now + 61, Timeouts::default())
                .unwrap()
                .is_none()
        );
        assert_eq!(
            db.text("SELECT end_reason FROM web_sessions").unwrap(),
            "idle"
        );
        // Wrong password and unknown name are refused alike; five wrong in a row lock the account,
        // and then even the right password is refused until the lock runs out.
        for (name, pw) in [
            ("op302", "错误的密码-2026"),
            ("nobody", "正确的长密码-2026"),
        ] {
            let e = sessions::sign_in(&mut ctx.db, name, pw, &client, now, Lockout::default())
                .unwrap_err();
            assert_eq!(e.code(), "E-USER-SIGN-IN");
            assert!(!e.to_string().contains(name), "{e}");
        }
        for _ in 0..4 {
            let e = sessions::sign_in(
                &mut ctx.db,
                "op302",
                "错误的密码-2026",
                &client,
                now,
                Lockout::default(),
            )
            .unwrap_err();
            assert_eq!(e.code(), "E-USER-SIGN-IN");
        }
        let e = sessions::sign_in(
            &mut ctx.db,
            "op302",
            "正确的长密码-2026",
            &client,
            now + 10,
            Lockout::default(),
        )
        .unwrap_err();
        assert_eq!(e.code(), "E-USER-LOCKED", "{e}");
        assert!(e.to_string().contains("15 分钟"), "{e}");
        let later = now + Lockout::default().lock_s + 1;
        let s2 = sessions::sign_in(
            &mut ctx.db,
            "op302",
            "正确的长密码-2026",
            &client,
            later,
            Lockout::default(),
        )
        .unwrap();
        // A new password ends the sessions the old one opened.
        yanglao_ops::users::set_password(&mut ctx, "op302", "另一个长密码-2027").unwrap();
        assert!(
            sessions::find(&mut ctx.db, &s2.token, later + 1, Timeouts::default())
                .unwrap()
                .is_none()
        );
        // Disabling ends them too; a disabled account cannot sign in.
        let s3 = sessions::sign_in(
            &mut ctx.db,
            "op302",
            "另一个长密码-2027",
            &client,
            later,
            Lockout::default(),
        )
        .unwrap();
        yanglao_ops::users::set_enabled(&mut ctx, "op302", false).unwrap();
        assert!(
            sessions::find(&mut ctx.db, &s3.token, later + 1, Timeouts::default())
                .unwrap()
                .is_none()
        );
        let e = sessions::sign_in(
            &mut ctx.db,
            "op302",
            "另一个长密码-2027",
            &client,
            later,
            Lockout::default(),
        )
        .unwrap_err();
        assert_eq!(e.code(), "E-USER-SIGN-IN");
        // Each attempt is in the audit log with its address.
        let n = db.text("SELECT COUNT(*) FROM audit_log WHERE action = 'session.sign_in_refused' AND address = '10.1.2.3'").unwrap();
        assert_eq!(n, "8", "refusals audited");
        let n = db.text("SELECT COUNT(*) FROM audit_log WHERE action = 'session.sign_in' AND address = '10.1.2.3' AND user_id IS NOT NULL").unwrap();
        assert_eq!(n, "3");
        // Changes from the command line say so.
        let from = db
            .text("SELECT address FROM audit_log WHERE action = 'users.disable'")
            .unwrap();
        assert_eq!(from, "命令行");
    }
}

#[test]
fn lists_are_paged_filtered_and_scoped() {
    for db in backends("access-lists") {
        setup(&db);
        let l = db.label;
        let all = db.ok_json(&["person", "list", "--per-page", "1"]);
        assert_eq!(all["total"], 4, "[{l}] {all}");
        assert_eq!(all["pages"], 4, "[{l}]");
        assert_eq!(all["items"].as_array().unwrap().len(), 1, "[{l}]");
        let second = db.ok_json(&["person", "list", "--per-page", "1", "--page", "2"]);
        assert_ne!(
            all["items"][0]["person_id"],
            second["items"][0]["person_id"]
        );
        // The operator's list holds its county only, whatever it asks.
        let mine = db.ok_json(&["--by", "op302", "person", "list"]);
        assert_eq!(mine["total"], 2, "[{l}] {mine}");
        assert!(mine["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["county"] == "140302"));
        walled(&db, "op302", &["person", "list", "--county", "140311"]);
        // Text matches part of a name or an ID; `%` is taken literally.
        let han = db.ok_json(&["person", "list", "--text", "韩"]);
        assert_eq!(han["total"], 2, "[{l}] {han}");
        let by_id = db.ok_json(&["person", "list", "--text", &pid(2)[..10]]);
        assert_eq!(by_id["total"], 1, "[{l}] {by_id}");
        let pct = db.ok_json(&["person", "list", "--text", "%"]);
        assert_eq!(pct["total"], 0, "[{l}] {pct}");
        // A payroll's lines, by status.
        let jan: Value = db.ok_json(&["payroll", "list", "--month", "2023-01"]);
        let id = jan.as_array().unwrap()[0]["id"]
            .as_i64()
            .unwrap()
            .to_string();
        let paid = db.ok_json(&["payroll", "lines", &id, "--status", "已发放"]);
        let lines = db.ok_json(&["payroll", "lines", &id]);
        assert!(paid["total"].as_i64().unwrap() >= 1, "[{l}] {paid}");
        assert_eq!(
            paid["total"], lines["total"],
            "[{l}] every January line was paid"
        );
        let none = db.ok_json(&["payroll", "lines", &id, "--status", "failed"]);
        assert_eq!(none["total"], 0, "[{l}]");
        // The audit log: everything for the system, its own entries for an operator.
        let log = db.ok_json(&["audit", "log", "--action", "users."]);
        assert!(log["total"].as_i64().unwrap() >= 4, "[{l}] {log}");
        let own = db.ok_json(&["--by", "op302", "audit", "log"]);
        assert!(own["total"].as_i64().unwrap() >= 1, "[{l}] {own}");
        assert!(own["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["actor"] == "op302"));
        let imports = db.ok_json(&["audit", "imports", "--kind", "persons"]);
        assert_eq!(imports["total"], 1, "[{l}] {imports}");
        let (code, _) = refusal(&db, "op302", &["person", "list", "--per-page", "501"]);
        assert_eq!(code, "E-PAGE", "[{l}]");
    }
}
