//! What people and programs read: output to a pipe that closes, amounts, labels and messages in
//! Chinese, on the small bundled example.

use crate::common::*;
use std::process::{Command, Stdio};

/// Runs `yanglao --db URL ARGS…` with stdout a pipe whose reading end is already closed, as
/// `yanglao … | head -0` would leave it: (exit code, stderr).
fn run_into_closed_pipe(db: &TestDb, args: &[&str]) -> (Option<i32>, String) {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let o = Command::new(env!("CARGO_BIN_EXE_yanglao"))
        .arg("--db")
        .arg(&db.url)
        .args(args)
        .current_dir(db.dir.path())
        .env_remove("YANGLAO_POLICY")
        .env_remove("YANGLAO_USER")
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("run yanglao");
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn a_reader_that_stops_reading_ends_the_command_quietly() {
    for db in backends("out-pipe") {
        db.ok_json(&["quickstart", "--out", "ex"]);
        for args in [
            &["payroll", "list"][..],
            &["ledger", "verify", "--json"],
            &["ledger", "verify"],
            &["fund", "statement", "--year", "2023"],
        ] {
            let (code, stderr) = run_into_closed_pipe(&db, args);
            assert_eq!(
                code,
                Some(141),
                "[{}] {args:?}: exit {code:?}, stderr: {stderr}",
                db.label
            );
            assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
            assert!(stderr.is_empty(), "{args:?}: {stderr}");
        }
    }
}

/// Words of ASCII letters a person would read in `text`, leaving out what is not prose: codes
/// (E-…, W-…, A-…), references and IDs (`PAYROLL-5-1`, `SX2021001`), options (--…), paths, file
/// names and addresses, command hints (`yanglao payroll check 5`), the user names the tests act
/// under, and the names of file formats, units and the databases (SQLite, PostgreSQL, Citus).
fn english_words(text: &str) -> Vec<String> {
    const ALLOWED: &[&str] = &[
        "csv",
        "xlsx",
        "xls",
        "xlsb",
        "ods",
        "docx",
        "html",
        "pdf",
        "UTF",
        "GBK",
        "MiB",
        "SQLite",
        "PostgreSQL",
        "Citus",
    ];
    const USERS: &[&str] = &[
        "tester",
        "maker",
        "checker",
        "city-admin",
        "op302",
        "rev302",
    ];
    // Commands a person types (a parser's suggestion names one).
    const COMMANDS: &[&str] = &["check"];
    let mut found = Vec::new();
    for line in text.lines() {
        // Runs of ASCII between non-ASCII characters and spaces.
        let mut tokens: Vec<&str> = Vec::new();
        let mut start = None;
        for (i, c) in line.char_indices() {
            let word_char = c.is_ascii() && !c.is_ascii_whitespace();
            match (word_char, start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    tokens.push(&line[s..i]);
                    start = None;
                    if !c.is_ascii() {
                        tokens.push("");
                    }
                }
                (false, None) if !c.is_ascii() => tokens.push(""),
                _ => {}
            }
        }
        if let Some(s) = start {
            tokens.push(&line[s..]);
        }
        let mut hint = false;
        for t in tokens {
            let t = t.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '-');
            if t.is_empty() {
                hint = false;
                continue;
            }
            if t == "yanglao" {
                hint = true;
            }
            let code = t.len() > 2
                && matches!(&t[..2], "E-" | "W-" | "A-")
                && t[2..]
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-');
            let reference = t
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-' || c == '*')
                && t.chars().any(|c| c.is_ascii_digit() || c == '-');
            let file_name = t
                .rsplit_once('.')
                .is_some_and(|(_, ext)| ALLOWED.contains(&ext));
            if hint
                || code
                || reference
                || file_name
                || USERS.contains(&t)
                || COMMANDS.contains(&t)
                || t.starts_with("--")
                || t.contains('/')
                || t.contains('\\')
            {
                continue;
            }
            for w in t.split(|c: char| !c.is_ascii_alphabetic()) {
                if w.len() >= 2 && !ALLOWED.contains(&w) {
                    found.push(format!("{w} (in “{line}”)"));
                }
            }
        }
    }
    found
}

#[test]
fn the_word_filter_finds_english_and_leaves_codes_paths_and_hints() {
    let text = "错误 [E-FILE-EMPTY]：文件 /tmp/a.csv 为空\n  生成 system，审核 复核员（tester）\n运行 yanglao payroll check 5 查看（--worksheet）\n来源 police；死亡后 1 个月\n导入 persons.csv：#24 INTEREST-2022 SX202122000004 [A-DEATH-RECORD]\nCannot detect file format: Xlsx error OK";
    let words: Vec<String> = english_words(text)
        .into_iter()
        .map(|w| w.split(' ').next().unwrap().to_string())
        .collect();
    assert_eq!(
        words,
        ["system", "police", "Cannot", "detect", "file", "format", "Xlsx", "error", "OK"]
    );
}

/// (citizen ID, name, county, birth date) of the people awarded a benefit with an account
/// pension first.
fn recipients(db: &TestDb) -> Vec<(String, String, String, String)> {
    db.db()
        .transaction(|tx| {
            tx.query(
                "SELECT p.citizen_id, p.name, p.county, p.birth_date FROM persons p JOIN awards a ON a.county = p.county AND a.person_id = p.person_id
                 ORDER BY a.account_pension_fen DESC, p.citizen_id",
                &[],
            )?
            .iter()
            .map(|r| Ok((r.str(0)?, r.str(1)?, r.str(2)?, r.date(3)?.to_string())))
            .collect::<Result<Vec<_>, yanglao_store::StoreError>>()
        })
        .expect("recipients")
}

/// The main commands on the bundled example, with deaths from several sources, a review, a
/// recovery and an inheritance: nothing a person reads is English.
#[test]
fn what_people_read_is_chinese() {
    for db in backends("out-zh") {
        let mut read: Vec<(String, String)> = Vec::new();
        let mut human = |args: &[&str], expect_ok: bool| -> String {
            let o = db.run(args);
            if expect_ok {
                assert_eq!(
                    o.code, 0,
                    "[{}] {args:?}:\n{}\n{}",
                    db.label, o.stdout, o.stderr
                );
            } else {
                assert_ne!(
                    o.code, 0,
                    "[{}] {args:?} should fail:\n{}",
                    db.label, o.stdout
                );
            }
            // What the person typed, echoed back, is theirs.
            let mut text = format!("{}{}", o.stdout, o.stderr)
                .replace(&db.url, "")
                .replace(&db.dir.path().display().to_string(), "");
            for a in args.iter().filter(|a| a.len() > 1) {
                text = text.replace(&format!("“{a}”"), "“”");
            }
            read.push((format!("{args:?}"), text.clone()));
            text
        };
        human(&["quickstart", "--out", "示例"], true);
        let people = recipients(&db);
        assert!(people.len() >= 3, "{people:?}");
        // The banks pay January; February and March are paid in full.
        for f in std::fs::read_dir(db.dir.path().join("示例").join("发放")).unwrap() {
            let path = f.unwrap().path();
            if path.to_string_lossy().contains("银行代发") {
                let ret = bank_return(&std::fs::read(&path).unwrap(), "2024-01-10", &[]);
                db.ok_json(&["import", "bank-return", &db.file("ret.csv", &ret)]);
            }
        }
        pay(&db, "2024-02");
        pay(&db, "2024-03");
        let (r1, r2, r3) = (&people[0], &people[1], &people[2]);
        human(
            &[
                "import",
                "deaths",
                &db.file(
                    "公安.csv",
                    &format!(
                        "身份证号,姓名,死亡日期,来源编号\n{},{},2024-01-20,GA-1\n",
                        r1.0, r1.1
                    ),
                ),
                "--source",
                "police",
                "--date",
                "2024-04-01",
            ],
            true,
        );
        human(
            &[
                "import",
                "deaths",
                &db.file(
                    "村报.csv",
                    &format!(
                        "身份证号,姓名,死亡日期,来源编号\n{},{},2024-03-05,CB-1\n",
                        r2.0, r2.1
                    ),
                ),
                "--source",
                "village",
                "--date",
                "2024-04-01",
            ],
            true,
        );
        human(
            &[
                "import",
                "deaths",
                &db.file(
                    "卫健.csv",
                    &format!(
                        "身份证号,姓名,死亡日期,来源编号,出生日期,县区代码\n,{},2024-03-10,WJ-1,{},{}\n",
                        r3.1, r3.3, r3.2
                    ),
                ),
                "--source",
                "health",
                "--date",
                "2024-04-01",
            ],
            true,
        );
        let queue = db.ok_json(&["deaths", "review"]);
        let record = queue[0]["record_id"]
            .as_i64()
            .expect("a record to review")
            .to_string();
        human(&["deaths", "review"], true);
        human(&["deaths", "disagreements"], true);
        human(
            &[
                "--by",
                "审核员",
                "deaths",
                "review",
                "--reject",
                &record,
                "--reason",
                "经核实为同名他人",
            ],
            true,
        );
        human(&["deaths", "review", "--confirm", &record], false);
        let run = db.ok_json(&["--by", "maker", "payroll", "run", "--month", "2024-04"]);
        for p in run["payrolls"].as_array().unwrap() {
            human(&["payroll", "check", &p["id"].to_string()], true);
        }
        human(&["payroll", "list"], true);
        human(&["payroll", "status", "--month", "2024-03"], true);
        let cases = db.ok_json(&["recovery", "list"]);
        let case = cases[0]["case_id"].to_string();
        human(&["recovery", "list"], true);
        human(
            &[
                "recovery",
                "record",
                &case,
                "--channel",
                "family-refund",
                "--amount",
                "1",
                "--date",
                "2024-04-02",
                "--note",
                "家属退回",
            ],
            true,
        );
        human(&["recovery", "show", &case], true);
        human(&["recovery", "figures"], true);
        let heir = id("140302", "19800101", 77);
        let account = yanglao_domain::bank::with_luhn_digit("622848000055556666");
        human(
            &[
                "inheritance",
                "pay",
                &r1.0,
                "--heir-name",
                "王继承",
                "--heir-id",
                &heir,
                "--heir-bank",
                "中国农业银行",
                "--heir-account",
                &account,
                "--date",
                "2024-04-03",
            ],
            true,
        );
        for p in [r1, r2, r3] {
            human(&["account", "show", &p.0], true);
            human(&["person", "show", &p.0], true);
        }
        human(&["ledger", "verify"], true);
        for year in ["2021", "2022", "2023", "2024"] {
            human(&["fund", "statement", "--year", year], true);
        }
        human(&["interest", "credit", "--year", "2023"], true);
        human(&["contributions", "gov-pay", "--year", "2023"], true);
        human(&["awards", "run", "--month", "2024-05"], true);
        human(&["evaluate", "--year", "2023"], true);
        human(&["enrolment", "--from", "2021", "--to", "2023"], true);
        human(&["budget", "execution", "--year", "2023"], true);
        // Errors: a missing file, an empty one, a broken spreadsheet, bad arguments.
        human(&["import", "persons", "没有这个文件.csv"], false);
        human(&["import", "persons", &db.file("空.csv", "")], false);
        human(
            &["import", "persons", &db.file("坏.xlsx", "这不是电子表格")],
            false,
        );
        human(
            &[
                "import",
                "contributions",
                &db.file("坏.csv", "身份证号,姓名\n1,2\n"),
            ],
            false,
        );
        human(&["payroll", "check", "abc"], false);
        human(&["interest", "credit", "--year", "99999"], false);
        human(&["payroll", "chek"], false);
        human(
            &["deaths", "review", "--confirm", "1", "--reject", "2"],
            false,
        );

        let mut english = Vec::new();
        for (args, text) in &read {
            for w in english_words(text) {
                english.push(format!("{args}: {w}"));
            }
        }
        assert!(
            english.is_empty(),
            "[{}] English in Chinese output:\n{}",
            db.label,
            english.join("\n")
        );
        // What the fixes print.
        let all: String = read.iter().map(|(_, t)| t.as_str()).collect();
        assert!(all.contains("享年"), "a dead person's age is at death");
        assert!(
            all.contains("逾期未资格认证"),
            "uncertified recipients are named"
        );
        assert!(
            all.contains("死亡后第 2 个月"),
            "each overpaid line has its own month"
        );
        assert!(!all.contains("-0.00"), "no negative zero");
    }
}

/// A file that cannot be imported is refused with its code once, the file named, in Chinese; a
/// header that appears twice is one such refusal.
#[test]
fn file_errors_name_the_file_and_print_their_code_once() {
    for db in backends("out-file-errors") {
        let xlsx = db.dir.path().join("人员.xlsx");
        {
            let mut wb = rust_xlsxwriter::Workbook::new();
            let ws = wb.add_worksheet();
            for (c, h) in PERSON_HEADER.iter().enumerate() {
                ws.write_string(0, c as u16, *h).unwrap();
            }
            for c in 0..PERSON_HEADER.len() {
                ws.write_string(1, c as u16, "x").unwrap();
            }
            wb.save(&xlsx).unwrap();
        }
        let bytes = std::fs::read(&xlsx).unwrap();
        let truncated = db.dir.path().join("截断.xlsx");
        std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
        let a = id("140302", "19700501", 11);
        let person = person(&a, "张建国", "140302", "是").join(",");
        let twice_required = format!("{},姓名\n{person},张建国\n", PERSON_HEADER.join(","));
        let twice_extra = format!("备注,{},备注\n无,{person},无\n", PERSON_HEADER.join(","));
        let cases = [
            (truncated.display().to_string(), "E-FILE-UNREADABLE"),
            (
                db.file("不是表格.xlsx", "这不是电子表格"),
                "E-FILE-UNREADABLE",
            ),
            (db.file("空.csv", ""), "E-FILE-EMPTY"),
            (
                db.file("只有表头.csv", &PERSON_HEADER.join(",")),
                "E-FILE-EMPTY",
            ),
            (
                db.file("缺列.csv", "身份证号,姓名\n1,2\n"),
                "E-FILE-MISSING-COLUMN",
            ),
            (db.file("文档.pdf", "%PDF"), "E-FILE-TYPE"),
            (
                db.dir.path().join("不存在.csv").display().to_string(),
                "E-FILE-NOT-FOUND",
            ),
            (
                db.file(
                    "引号.csv",
                    &format!("{}\n\"{a},x\n", PERSON_HEADER.join(",")),
                ),
                "E-FILE-UNREADABLE",
            ),
            (
                db.file("重复必需列.csv", &twice_required),
                "E-FILE-DUP-HEADER",
            ),
            (db.file("重复其他列.csv", &twice_extra), "E-FILE-DUP-HEADER"),
        ];
        let before = db.footprint();
        for (file, code) in cases {
            let o = db.run(&["import", "persons", &file, "--json"]);
            assert_eq!(o.code, 1, "[{}] {file}: {}", db.label, o.stdout);
            let v = o.json();
            assert_eq!(v["code"], code, "{file}: {}", o.stdout);
            let message = v["message"].as_str().unwrap();
            assert!(
                !message.contains(code),
                "{file}: the code is in the message: {message}"
            );
            let human = db.run(&["import", "persons", &file]);
            assert_eq!(
                human.stderr.matches(code).count(),
                1,
                "{file}: the code once: {}",
                human.stderr
            );
            let name = std::path::Path::new(&file)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            assert!(
                human.stderr.contains(&name),
                "{file}: names the file: {}",
                human.stderr
            );
            let words = english_words(&human.stderr.replace(&file, ""));
            assert!(words.is_empty(), "{file}: {words:?}");
        }
        let o = db.run(&[
            "import",
            "persons",
            &db.file("重复必需列.csv", &twice_required),
        ]);
        assert!(
            o.stderr.contains("“姓名”出现两次（第 B 列和第 H 列）"),
            "{}",
            o.stderr
        );
        assert_eq!(db.footprint(), before, "nothing was written");
    }
}

/// An evaluation with indicators left unscored has no grade: it says 未完成.
#[test]
fn an_incomplete_evaluation_has_no_grade() {
    for db in backends("out-eval") {
        db.ok_json(&["quickstart", "--out", "示例"]);
        let v = db.ok_json(&["evaluate", "--year", "2023"]);
        assert_eq!(v["complete"], false, "[{}] {}", db.label, v["unscored"]);
        assert!(v["grade"].is_null(), "{}", v["grade"]);
        let o = db.run(&["evaluate", "--year", "2023"]);
        assert_eq!(o.code, 0, "{}", o.stderr);
        assert!(o.stdout.contains("评价未完成"), "{}", o.stdout);
        assert!(!o.stdout.contains("等级“"), "{}", o.stdout);
        // Every basis shows values as rounded: no long decimals.
        for i in v["indicators"].as_array().unwrap() {
            let basis = i["basis"].as_str().unwrap();
            let longest = basis
                .split(|c: char| !c.is_ascii_digit() && c != '.')
                .filter_map(|n| n.split_once('.'))
                .map(|(_, frac)| frac.len())
                .max()
                .unwrap_or(0);
            assert!(longest <= 4, "{}: {basis}", i["code"]);
        }
    }
}

/// Every year argument of every command is a year from 1900 to 2200, refused in Chinese with a
/// code otherwise; other bad arguments are refused in Chinese too, and help still prints.
#[test]
fn arguments_are_checked_and_refused_in_chinese() {
    let db = &backends("out-args")[0];
    for args in [
        &["interest", "credit", "--year", "99999"][..],
        &["contributions", "gov-pay", "--year", "1899"],
        &["evaluate", "--year", "2201"],
        &["report", "--year", "0", "--out", "报告"],
        &["enrolment", "--from", "2021", "--to", "30000"],
        &["fund", "statement", "--year", "abc"],
        &["fund", "interest-check", "--year=-1"],
        &["budget", "execution", "--year", "99999"],
        &["recovery", "figures", "--year", "99999"],
        &["recovery", "list", "--year", "99999"],
        &["outreach", "list", "--year", "99999", "--out", "名单.xlsx"],
        &[
            "simulate",
            "person",
            "--scheme",
            "supplementary",
            "--years",
            "15",
            "--start-age",
            "45",
            "--sex",
            "M",
            "--start-year",
            "99999",
        ],
    ] {
        let o = db.run(args);
        assert_eq!(o.code, 2, "{args:?}: {}{}", o.stdout, o.stderr);
        assert!(o.stderr.contains("[E-ARG-YEAR]"), "{args:?}: {}", o.stderr);
        assert!(
            o.stderr.contains("1900 至 2200") || o.stderr.contains("四位数字"),
            "{}",
            o.stderr
        );
        assert!(!o.stderr.contains("error:"), "{}", o.stderr);
        assert!(!o.stdout.contains("+99999"), "{}", o.stdout);
        let mut json = args.to_vec();
        json.push("--json");
        let j = db.run(&json);
        assert_eq!(j.json()["code"], "E-ARG-YEAR", "{}", j.stdout);
    }
    for (args, code) in [
        (&["payroll", "check", "abc"][..], "E-ARG-VALUE"),
        (&["payroll", "chek", "1"], "E-ARG-UNKNOWN"),
        (&["payroll", "check"], "E-ARG-MISSING"),
        (&["payroll", "list", "--bogus"], "E-ARG-UNKNOWN"),
        (
            &["deaths", "review", "--confirm", "1", "--reject", "2"],
            "E-ARG-CONFLICT",
        ),
    ] {
        let o = db.run(args);
        assert_eq!(o.code, 2, "{args:?}");
        assert!(
            o.stderr.starts_with(&format!("错误 [{code}]：")),
            "{args:?}: {}",
            o.stderr
        );
        assert!(
            !o.stderr.contains("error:") && !o.stderr.contains("Usage"),
            "{}",
            o.stderr
        );
    }
    let o = db.run(&["payroll", "check", "abc"]);
    assert!(o.stderr.contains("“abc”"), "names the value: {}", o.stderr);
    let help = db.run(&["payroll", "--help"]);
    assert_eq!(help.code, 0);
    assert!(help.stdout.contains("check"), "{}", help.stdout);
}

/// Away from a terminal a long command says how far it is, in plain lines on stderr (a line at
/// the start, one every few seconds, one at the end); with --json it says nothing there.
#[test]
fn progress_away_from_a_terminal_is_written_as_plain_lines() {
    let db = &backends("out-progress")[0];
    let o = db.run(&["bench", "recipients", "--count", "3000"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    let lines: Vec<&str> = o.stderr.lines().collect();
    assert!(lines.len() >= 2, "a first and a last line: {}", o.stderr);
    assert!(
        lines.iter().all(|l| l.starts_with("进度：生成领取人员 ")),
        "{}",
        o.stderr
    );
    let last = lines.last().unwrap();
    assert!(
        last.contains("3000/3000（100%）") && last.ends_with("，结束"),
        "{last}"
    );
    assert!(
        !o.stderr.contains('\r') && !o.stderr.contains('\u{1b}'),
        "no terminal codes"
    );
    assert!(o.stdout.contains("3000"), "{}", o.stdout);
    let fresh = &backends("out-progress-json")[0];
    let j = fresh.run(&["bench", "recipients", "--count", "10", "--json"]);
    assert_eq!(j.code, 0, "{}{}", j.stdout, j.stderr);
    assert_eq!(j.stderr, "", "nothing but JSON for programs");
}

/// The documentation describes the product as it is: nothing is promised for "a later issue" or
/// "a later version" that the product already has, and no document speaks of the work's issues.
#[test]
fn docs_describe_the_product_as_it_is() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = vec![root.join("README.md")];
    let mut stack = vec![root.join("docs"), root.join("crates")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path
                .extension()
                .is_some_and(|e| e == "md" || (e == "rs" && !path.ends_with("output.rs")))
            {
                files.push(path);
            }
        }
    }
    let mut found = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for phrase in [
            "later issue",
            "later version",
            "后续版本",
            "Next: a policy simulator",
            "deaths issue",
            "the issue names",
            "(issue ",
        ] {
            if text.contains(phrase) {
                found.push(format!("{}: {phrase}", f.display()));
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(
        readme.contains("政策测算"),
        "the README names the simulator"
    );
}

/// Runs `yanglao ARGS…` with nothing in the environment that a help screen would show:
/// (exit code, stdout, stderr).
fn yanglao(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_yanglao"));
    for v in [
        "YANGLAO_DB",
        "YANGLAO_USER",
        "YANGLAO_BENCH_PG",
        "YANGLAO_POLICY",
    ] {
        c.env_remove(v);
    }
    let o = c
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("run yanglao");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// The commands a help screen lists under 命令.
fn listed_commands(help: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in help.lines() {
        if line == "命令：" {
            inside = true;
        } else if inside && line.starts_with("  ") && !line.starts_with("   ") {
            out.push(line.split_whitespace().next().unwrap().to_string());
        } else if line.trim().is_empty() {
            inside = false;
        }
    }
    out
}

/// Values a person types, named in the help texts beside their Chinese meaning.
const TYPED_VALUES: &[&str] = &[
    "police",
    "civil-affairs",
    "health",
    "village",
    "receiving",
    "suspended",
    "resumed",
    "terminated",
    "bank-deduction",
    "offset",
    "family-refund",
    "enforcement",
    "write-off",
    "open",
    "closed",
    "basic",
    "supplementary",
    "basic+supplementary",
    "flexible",
    "min",
    "max",
    "same-money",
    "tiers",
    "all",
    "scheme",
    "tier",
    "supplementary-tier",
    "base-ratio",
    "years",
    "start-age",
    "sex",
    "label",
];

/// Names of formats and of the databases.
const FORMATS: &[&str] = &[
    "CSV",
    "xlsx",
    "xls",
    "ods",
    "docx",
    "Word",
    "HTML",
    "SVG",
    "JSON",
    "TOML",
    "SQLite",
    "PostgreSQL",
    "Citus",
];

/// clap's own placeholders, which look like metavariables but are English.
const CLAP_PLACEHOLDERS: &[&str] = &["OPTIONS", "COMMAND", "COMMANDS", "ARGS", "SUBCOMMAND"];

/// The ASCII words of a help screen that are none of: the program's name (and the default
/// directories named after it) and the commands
/// (`commands`), flags (`--db`, `-h`), metavariables in capitals (`FILE`, `YYYY-MM`, `CITIZEN_ID`,
/// `UTF-8`), addresses and paths (`sqlite://…`, `docs/formats/…`), the values a person types
/// and the names of formats.
fn unexplained_words(screen: &str, commands: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    for line in screen.lines() {
        for token in line.split(|c: char| c.is_whitespace() || !c.is_ascii()) {
            let token = token.trim_matches(|c: char| "[](),;:\"'|.=".contains(c));
            if token.is_empty()
                || token.starts_with('-')
                || token.starts_with("<-")
                || token.contains("://")
                || token.contains('/')
            {
                continue;
            }
            for w in token.split(|c: char| !(c.is_ascii_alphanumeric() || "+-_".contains(c))) {
                let w = w.trim_matches(|c: char| c == '-' || c == '_');
                if !w.chars().any(|c| c.is_ascii_alphabetic()) || w.len() < 2 {
                    continue;
                }
                let metavar = w
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' || c == '-');
                let ok = (metavar && !CLAP_PLACEHOLDERS.contains(&w))
                    || w == "yanglao"
                    || w.starts_with("yanglao-")
                    || commands.iter().any(|c| c == w)
                    || TYPED_VALUES.contains(&w)
                    || FORMATS.contains(&w);
                if !ok {
                    found.push(format!("{w} (in “{line}”)"));
                }
            }
        }
    }
    found
}

#[test]
fn the_help_word_filter_finds_english() {
    let commands = vec!["payroll".to_string(), "run".to_string()];
    let screen = "用法：yanglao payroll run [OPTIONS] --month <YYYY-MM> <COMMAND>\n  -h, --help  Print help\n      --source <SOURCE>  来源：police（公安）或 village（村报） [default: sqlite://yanglao.db]\n  文件（xlsx、CSV；UTF-8；见 docs/formats/mortality.md）\nUsage: Commands:";
    let words: Vec<String> = unexplained_words(screen, &commands)
        .into_iter()
        .map(|w| w.split(' ').next().unwrap().to_string())
        .collect();
    assert_eq!(
        words,
        ["OPTIONS", "COMMAND", "Print", "help", "default", "Usage", "Commands"]
    );
}

/// Every help screen — `--help` and `-h` of every command and subcommand, the `help` command, a
/// command given without its subcommand — is Chinese: clap's headings and flags too.
#[test]
fn every_help_screen_is_chinese() {
    // (the command line, what it printed)
    let mut screens: Vec<(String, String)> = Vec::new();
    let mut commands: Vec<String> = Vec::new();
    let mut queue: Vec<Vec<String>> = vec![Vec::new()];
    while let Some(path) = queue.pop() {
        for flag in ["--help", "-h"] {
            let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
            args.push(flag);
            let (code, out, err) = yanglao(&args, &[]);
            assert_eq!(code, 0, "{args:?}: {err}");
            assert!(err.is_empty(), "{args:?}: {err}");
            assert!(out.contains("用法："), "{args:?}:\n{out}");
            assert!(
                out.contains("选项：") && out.contains("显示帮助"),
                "{args:?}:\n{out}"
            );
            if flag == "--help" {
                for c in listed_commands(&out) {
                    if c != "help" {
                        let mut p = path.clone();
                        p.push(c.clone());
                        queue.push(p);
                    }
                    commands.push(c);
                }
            }
            screens.push((format!("{args:?}"), out));
        }
    }
    assert!(
        screens.len() > 120,
        "every command walked: {}",
        screens.len()
    );
    for c in [
        "import",
        "payroll",
        "simulate",
        "bench",
        "survey",
        "gov-pay",
        "interest-check",
    ] {
        assert!(
            commands.iter().any(|x| x == c),
            "{c} is walked: {commands:?}"
        );
    }
    assert!(
        screens.iter().any(|(_, s)| s.contains("--back-test")),
        "the third level is walked"
    );
    for args in [
        &["help"][..],
        &["help", "payroll"],
        &["help", "payroll", "run"],
        &["help", "simulate", "person"],
    ] {
        let (code, out, err) = yanglao(args, &[]);
        assert_eq!(code, 0, "{args:?}: {err}");
        assert!(out.contains("用法："), "{args:?}:\n{out}");
        screens.push((format!("{args:?}"), out));
    }
    // A command without its subcommand shows its help on stderr and fails.
    let (code, out, err) = yanglao(&["payroll"], &[]);
    assert_eq!(code, 2, "{out}");
    assert!(err.contains("用法：") && err.contains("命令："), "{err}");
    screens.push(("[\"payroll\"]".into(), err));
    let (code, out, _) = yanglao(&["--version"], &[]);
    assert_eq!(code, 0);
    assert!(out.starts_with("yanglao "), "{out}");

    let mut english = Vec::new();
    for (args, screen) in &screens {
        for w in unexplained_words(screen, &commands) {
            english.push(format!("{args}: {w}"));
        }
    }
    assert!(
        english.is_empty(),
        "English in help:\n{}",
        english.join("\n")
    );
    let (_, top, _) = yanglao(&["--help"], &[]);
    assert!(top.contains("命令：") && top.contains("绩效评价"), "{top}");
    assert!(top.contains("[默认：sqlite://yanglao.db]"), "{top}");
    let (_, dry_run, _) = yanglao(&["import", "survey", "--help"], &[]);
    assert!(
        dry_run.contains("参数：") && dry_run.contains("<FILE>"),
        "{dry_run}"
    );
}

/// The help never shows the value of an environment variable: a database address holds a
/// password.
#[test]
fn help_does_not_show_the_database_password() {
    for args in [&["--help"][..], &["bench", "payroll", "--help"]] {
        let (code, out, _) = yanglao(
            args,
            &[
                ("YANGLAO_DB", "postgres://u:s3cret-pw@127.0.0.1:5432/db"),
                (
                    "YANGLAO_BENCH_PG",
                    "postgres://u:s3cret-pw@127.0.0.1:5432/db",
                ),
            ],
        );
        assert_eq!(code, 0);
        assert!(out.contains("YANGLAO_DB"), "{out}");
        assert!(!out.contains("s3cret-pw"), "{args:?}:\n{out}");
    }
}

/// The database libraries' common failures reach the person as a Chinese sentence with its code,
/// the library's text only as the detail after it; the address is named, its password hidden.
#[test]
fn database_failures_are_said_in_chinese() {
    let dir = TempDir::new("out-db-fail");
    std::fs::write(dir.path().join("文件"), "x").unwrap();
    let under_a_file = format!(
        "sqlite://{}",
        dir.path()
            .join("文件")
            .join("子目录")
            .join("t.db")
            .display()
    );
    std::fs::write(dir.path().join("笔记.db"), "这不是数据库。".repeat(50)).unwrap();
    let not_a_database = format!("sqlite://{}", dir.path().join("笔记.db").display());
    let mut cases = vec![
        (
            "postgres://postgres:s3cret-pw@127.0.0.1:1/test".to_string(),
            "E-DB-CONNECT",
            "连接被拒绝",
        ),
        (under_a_file, "E-DB-OPEN", "无法打开数据库文件"),
        (not_a_database, "E-DB-NOT-DB", "不是 SQLite 数据库"),
        (
            "postgres://u:s3cret-pw@host:port/db".to_string(),
            "E-DB-URL",
            "无法解析",
        ),
        (
            "mysql://u:s3cret-pw@host/db".to_string(),
            "E-DB-URL",
            "无法识别",
        ),
    ];
    if let Some(admin) = pg_url() {
        let (scheme, rest) = admin.split_once("://").unwrap();
        let host = rest.split_once('@').map_or(rest, |(_, h)| h);
        let host = host.split_once('/').map_or(host, |(h, _)| h);
        cases.push((
            format!("{scheme}://postgres@{host}/yanglao_no_such_database"),
            "E-DB-MISSING",
            "没有这个数据库",
        ));
        cases.push((
            format!("{scheme}://yanglao_no_such_role@{host}/postgres"),
            "E-DB-AUTH",
            "拒绝登录",
        ));
    }
    for (url, code, says) in cases {
        let (status, _, stderr) = yanglao(&["--db", &url, "ledger", "verify"], &[]);
        assert_eq!(status, 1, "{url}: {stderr}");
        assert!(
            stderr.starts_with(&format!("错误 [{code}]：")),
            "{url}: {stderr}"
        );
        assert!(stderr.contains(says), "{url}: {stderr}");
        assert!(!stderr.contains("s3cret-pw"), "{url}: {stderr}");
        // What the person typed, echoed back, is theirs; the form of an address it shows
        // (`postgres://用户:密码@…`, `sqlite://`) is an address.
        let sentence = stderr
            .split("（详情：")
            .next()
            .unwrap()
            .replace(&url, "")
            .replace("postgres://", "")
            .replace("sqlite://", "");
        let words = english_words(&sentence);
        assert!(words.is_empty(), "{url}: {words:?} in {stderr}");
        let (_, stdout, _) = yanglao(&["--db", &url, "ledger", "verify", "--json"], &[]);
        let v: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
        assert_eq!(v["code"], code, "{url}: {stdout}");
    }
}

/// Every import names its kind in Chinese: a survey file is a 问卷调查 file.
#[test]
fn imports_name_their_kind_in_chinese() {
    for db in backends("out-kinds") {
        let survey = db.file(
            "问卷.csv",
            "问卷编号,年度,县区代码,受访者类型,是否知晓政策,满意度\nWJ-1,2023,140302,参保人员,是,满意\n",
        );
        let o = db.run(&["import", "survey", &survey]);
        assert_eq!(o.code, 0, "[{}] {}{}", db.label, o.stdout, o.stderr);
        assert!(o.stdout.starts_with("问卷调查文件："), "{}", o.stdout);
        let words = english_words(&o.stdout.replace(&survey, ""));
        assert!(words.is_empty(), "{words:?} in {}", o.stdout);
    }
}

/// A death only a village reports is pending: the person's age is today's, not 享年; once an
/// official source confirms it, the age is at death.
#[test]
fn a_village_report_alone_is_no_confirmed_death() {
    for db in backends("out-village") {
        db.ok_json(&["quickstart", "--out", "示例"]);
        let (citizen_id, name, _, birth) = recipients(&db).remove(0);
        let birth: chrono::NaiveDate = birth.parse().unwrap();
        let age_on = |d: chrono::NaiveDate| yanglao_domain::age_on(birth, d);
        let today = chrono::Local::now().date_naive();
        let died = chrono::NaiveDate::from_ymd_opt(2024, 3, 5).unwrap();
        assert_ne!(
            age_on(today),
            age_on(died),
            "the test needs the ages to differ"
        );
        let village = db.file(
            "村报.csv",
            &format!("身份证号,姓名,死亡日期,来源编号\n{citizen_id},{name},2024-03-05,CB-9\n"),
        );
        db.ok_json(&[
            "import",
            "deaths",
            &village,
            "--source",
            "village",
            "--date",
            "2024-04-01",
        ]);
        let o = db.run(&["person", "show", &citizen_id]);
        assert_eq!(o.code, 0, "{}", o.stderr);
        assert!(!o.stdout.contains("享年"), "[{}] {}", db.label, o.stdout);
        assert!(
            o.stdout.contains(&format!("{} 岁", age_on(today))),
            "{}",
            o.stdout
        );
        assert!(
            o.stdout.contains("村报去世（待官方确认）：2024-03-05"),
            "{}",
            o.stdout
        );
        assert_eq!(
            db.ok_json(&["person", "show", &citizen_id])["age"],
            age_on(today)
        );

        let police = db.file(
            "公安.csv",
            &format!("身份证号,姓名,死亡日期,来源编号\n{citizen_id},{name},2024-03-05,GA-9\n"),
        );
        db.ok_json(&[
            "import",
            "deaths",
            &police,
            "--source",
            "police",
            "--date",
            "2024-04-02",
        ]);
        let o = db.run(&["person", "show", &citizen_id]);
        assert!(
            o.stdout.contains(&format!("享年 {} 岁", age_on(died))),
            "[{}] {}",
            db.label,
            o.stdout
        );
        assert!(
            o.stdout.contains("死亡（官方确认）：2024-03-05"),
            "{}",
            o.stdout
        );
        assert!(!o.stdout.contains("待官方确认）"), "{}", o.stdout);
        // The official death terminated the benefit: the village report's suspension, dated
        // after the death, does not outlive it.
        assert!(o.stdout.contains("当前状态：终止"), "{}", o.stdout);
        assert_eq!(
            db.ok_json(&["person", "show", &citizen_id])["age"],
            age_on(died)
        );
    }
}
