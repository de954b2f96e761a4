//! Shared helpers of the integration tests: a fresh database on each backend, the binary, files.
//!
//! SQLite always runs. PostgreSQL runs when `YANGLAO_TEST_PG_URL` is set, and a Citus cluster when
//! `YANGLAO_TEST_CITUS_URL` is (CI sets both); each test gets a scratch database on each, dropped
//! afterwards. Without them that half is skipped and the suite says so on stderr; with
//! `YANGLAO_REQUIRE_PG=1` or `YANGLAO_REQUIRE_CITUS=1` a missing server fails the test.

#![allow(dead_code, unused_imports)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Once;
use yanglao_store::{Db, Scratch};

pub struct TestDb {
    pub label: &'static str,
    pub url: String,
    pub dir: TempDir,
    pub _server: Option<Scratch>,
}

pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let p = std::env::temp_dir().join(format!(
            "yanglao-test-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("temp dir");
        TempDir(p)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

static WARN: Once = Once::new();

/// The PostgreSQL server for tests, if configured.
pub fn pg_url() -> Option<String> {
    let url = std::env::var("YANGLAO_TEST_PG_URL")
        .ok()
        .filter(|u| !u.is_empty());
    let required = std::env::var("YANGLAO_REQUIRE_PG").is_ok_and(|v| v == "1");
    if url.is_none() {
        assert!(!required, "YANGLAO_REQUIRE_PG=1 but YANGLAO_TEST_PG_URL is not set: the PostgreSQL tests cannot run");
        WARN.call_once(|| {
            // Written straight to stderr so that the test harness does not capture it.
            let _ = std::io::stderr().write_all(
                "\n*** PostgreSQL 测试未运行 / PostgreSQL TESTS DID NOT RUN: set YANGLAO_TEST_PG_URL=postgres://postgres@127.0.0.1:5432/test ***\n\n"
                    .as_bytes(),
            );
        });
    }
    url
}

/// A fresh SQLite database, and a fresh PostgreSQL database when one is configured, each with
/// the bundled illustrative policy loaded as its first policy version (as
/// `yanglao init --illustrative-policy` does).
pub fn backends(tag: &str) -> Vec<TestDb> {
    let dbs = empty_backends(tag);
    for t in &dbs {
        let mut db = t.db();
        db.transaction(|tx| {
            yanglao_ops::policy::load(
                tx,
                yanglao_policy::SHANXI_SUPPLEMENTARY,
                "policies/shanxi-supplementary.toml",
                None,
                "system",
            )
        })
        .expect("load the bundled policy into the test database");
        add_accounts(t);
    }
    dbs
}

/// The accounts the tests act as: `maker`, `checker` and `审核员` (reviewers of every county, so
/// that a maker approving its own payroll meets the maker-checker rule) and `city-admin`.
pub fn add_accounts(t: &TestDb) {
    use yanglao_ops::users::{add, NewAccount};
    let mut ctx = yanglao_ops::Ctx::system(t.db()).expect("context");
    let counties: Vec<String> = ["140302", "140303", "140311", "140321", "140322"]
        .iter()
        .map(|c| c.to_string())
        .collect();
    for (name, role) in [
        ("maker", yanglao_ops::Role::Reviewer),
        ("checker", yanglao_ops::Role::Reviewer),
        ("审核员", yanglao_ops::Role::Reviewer),
    ] {
        add(
            &mut ctx,
            &NewAccount {
                name,
                display_name: None,
                role,
                counties: &counties,
                password: None,
            },
        )
        .expect("add a test account");
    }
    add(
        &mut ctx,
        &NewAccount {
            name: "city-admin",
            display_name: None,
            role: yanglao_ops::Role::CityAdmin,
            counties: &[],
            password: None,
        },
    )
    .expect("add the city administrator");
}

/// Like [`backends`], with nothing in the databases (not even their schema).
pub fn empty_backends(tag: &str) -> Vec<TestDb> {
    let dir = TempDir::new(tag);
    let mut out = vec![TestDb {
        label: "sqlite",
        url: format!("sqlite://{}", dir.path().join("t.db").display()),
        dir,
        _server: None,
    }];
    // Said loudly (or refused under YANGLAO_REQUIRE_PG) when PostgreSQL is not given.
    let _ = pg_url();
    for (label, server) in yanglao_store::test_servers("yanglao_test") {
        out.push(TestDb {
            label,
            url: server.url().to_string(),
            dir: TempDir::new(tag),
            _server: Some(server),
        });
    }
    out
}

pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", self.stdout, self.stderr))
    }
}

impl TestDb {
    /// Runs `yanglao --db URL ARGS…` in the test's directory.
    pub fn run(&self, args: &[&str]) -> Out {
        let o = Command::new(env!("CARGO_BIN_EXE_yanglao"))
            .arg("--db")
            .arg(&self.url)
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("YANGLAO_POLICY")
            .env_remove("YANGLAO_USER")
            .output()
            .expect("run yanglao");
        Out {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }

    /// Runs and expects success, returning the JSON output.
    pub fn ok_json(&self, args: &[&str]) -> serde_json::Value {
        let mut a = args.to_vec();
        a.push("--json");
        let o = self.run(&a);
        assert_eq!(
            o.code, 0,
            "[{}] yanglao {:?} failed:\n{}\n{}",
            self.label, args, o.stdout, o.stderr
        );
        o.json()
    }

    pub fn file(&self, name: &str, content: &str) -> String {
        let p = self.dir.path().join(name);
        std::fs::write(&p, content).expect("write test file");
        p.display().to_string()
    }

    /// The database, created or migrated if needed.
    pub fn db(&self) -> Db {
        let mut db = Db::open(&self.url).expect("open test db");
        db.migrate().expect("migrate test db");
        db
    }

    /// A single integer from the database.
    pub fn count(&self, sql: &str) -> i64 {
        self.db()
            .transaction(|tx| tx.scalar_i64(sql, &[]))
            .expect("query")
    }

    /// A single text value from the database (`None` for NULL or no row).
    pub fn text(&self, sql: &str) -> Option<String> {
        self.db()
            .transaction(|tx| tx.query_opt(sql, &[]))
            .expect("query")
            .and_then(|r| r.opt_str(0).expect("text"))
    }

    /// The day a clerk would process a death file: after the latest bank payment and the latest
    /// death in the file (both given as YYYY-MM-DD).
    pub fn processing_date(&self, file_text: &str) -> String {
        let paid = self
            .text("SELECT CAST(MAX(paid_date) AS TEXT) FROM payroll_lines")
            .unwrap_or_default();
        let latest_death = file_text
            .lines()
            .skip(1)
            .filter_map(|l| l.split(',').nth(2).map(str::to_string))
            .filter(|d| d.len() == 10 && d.as_str() < "2090")
            .max()
            .unwrap_or_default();
        let d = paid.max(latest_death);
        if d.is_empty() {
            "2023-01-31".into()
        } else {
            d[..10].to_string()
        }
    }

    /// Rows in every table that imports and postings write.
    pub fn footprint(&self) -> Vec<i64> {
        [
            "persons",
            "hardship_memberships",
            "journal_entries",
            "journal_lines",
            "account_movements",
            "imports",
            "audit_log",
        ]
        .iter()
        .map(|t| self.count(&format!("SELECT COUNT(*) FROM {t}")))
        .collect()
    }
}

/// Writes a UTF-8 CSV from a header and rows.
pub fn csv(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut s = header.join(",");
    s.push('\n');
    for r in rows {
        s.push_str(&r.join(","));
        s.push('\n');
    }
    s
}

pub use yanglao_ops::register::contributions::COLUMNS as CONTRIB_HEADER;
pub use yanglao_ops::register::hardship::COLUMNS as HARDSHIP_HEADER;
pub use yanglao_ops::register::persons::COLUMNS as PERSON_HEADER;

/// A valid ID for a county, birth date `yyyymmdd` and sequence.
pub fn id(county: &str, birth: &str, seq: u32) -> String {
    yanglao_domain::CitizenId::from_body(&format!("{county}{birth}{seq:03}"))
        .unwrap()
        .as_str()
        .to_string()
}

pub fn person(id: &str, name: &str, county: &str, basic: &str) -> Vec<String> {
    vec![
        id.into(),
        name.into(),
        county.into(),
        "13903530000".into(),
        "中国农业银行".into(),
        yanglao_domain::bank::with_luhn_digit("622848012345678901"),
        basic.into(),
    ]
}

pub fn contribution(
    id: &str,
    name: &str,
    year: i32,
    yuan: &str,
    date: &str,
    receipt: &str,
) -> Vec<String> {
    vec![
        id.into(),
        name.into(),
        year.to_string(),
        yuan.into(),
        date.into(),
        receipt.into(),
    ]
}

/// Runs, approves (as another user), exports and has the bank pay on the 10th the month's payrolls.
pub fn pay(db: &TestDb, month: &str) {
    pay_on(db, month, 10);
}

/// As [`pay`], with the bank paying on `day` of the month.
pub fn pay_on(db: &TestDb, month: &str, day: u32) {
    let run = db.ok_json(&["--by", "maker", "payroll", "run", "--month", month]);
    for p in run["payrolls"].as_array().unwrap() {
        let id = p["id"].as_i64().unwrap().to_string();
        db.ok_json(&["--by", "checker", "payroll", "approve", &id]);
        let out = db.dir.path().join(format!("out-{id}"));
        let e = db.ok_json(&["payroll", "export", &id, "--out", out.to_str().unwrap()]);
        for f in e["files"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f.as_str().unwrap().contains("银行代发"))
        {
            let bytes = std::fs::read(f.as_str().unwrap()).unwrap();
            let ret = bank_return(&bytes, &format!("{month}-{day:02}"), &[]);
            db.ok_json(&[
                "import",
                "bank-return",
                &db.file(&format!("ret-{id}.csv"), &ret),
            ]);
        }
    }
}

/// A bank-return CSV built from an exported bank file: every payment succeeded on `date`, except
/// the line numbers in `failed`.
pub fn bank_return(bank_file: &[u8], date: &str, failed: &[i64]) -> String {
    let (text, _, _) = encoding_rs::GB18030.decode(bank_file);
    let mut out = String::from("批次号,序号,身份证号,银行账号,金额(元),结果,失败原因,入账日期\n");
    for line in text.lines().skip(1).filter(|l| !l.starts_with("合计")) {
        let f: Vec<&str> = line.split(',').collect();
        let seq: i64 = f[1].parse().unwrap();
        if failed.contains(&seq) {
            out.push_str(&format!(
                "{},{},{},{},{},失败,账户已冻结,\n",
                f[0], f[1], f[2], f[4], f[5]
            ));
        } else {
            out.push_str(&format!(
                "{},{},{},{},{},成功,,{date}\n",
                f[0], f[1], f[2], f[4], f[5]
            ));
        }
    }
    out
}

/// Runs a command that must be refused (`--json` added) and returns the codes of its row
/// problems.
pub fn row_codes(db: &TestDb, args: &[&str]) -> std::collections::BTreeSet<String> {
    let mut a = args.to_vec();
    a.push("--json");
    let o = db.run(&a);
    assert_ne!(o.code, 0, "[{}] {args:?} should be refused", db.label);
    o.json()["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("[{}] {args:?}: no row problems: {}", db.label, o.stdout))
        .iter()
        .map(|e| e["code"].as_str().unwrap().to_string())
        .collect()
}

/// The parts of a zip package (an xlsx, a docx), unpacked, by name.
pub fn zip_parts(bytes: &[u8]) -> std::collections::BTreeMap<String, Vec<u8>> {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip package");
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut b = Vec::new();
            f.read_to_end(&mut b).unwrap();
            (f.name().unwrap().to_string(), b)
        })
        .collect()
}

/// Asserts two xlsx workbooks are the same but for their creation time, which the writer stamps
/// into `docProps/core.xml` when no other is set (to the second: two writes a moment apart may
/// differ there and nowhere else).
pub fn assert_same_workbook(a: &[u8], b: &[u8], what: &str) {
    let (mut a, mut b) = (zip_parts(a), zip_parts(b));
    assert!(a.contains_key("xl/workbook.xml"), "{what}: not a workbook");
    a.remove("docProps/core.xml");
    b.remove("docProps/core.xml");
    assert!(a == b, "{what}: the workbooks differ");
}

/// The rows of a sheet of an xlsx workbook given as bytes, every cell as text.
pub fn xlsx_rows(bytes: &[u8], sheet: &str) -> Vec<Vec<String>> {
    use calamine::Reader;
    let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("an xlsx");
    wb.worksheet_range(sheet)
        .unwrap_or_else(|e| panic!("sheet {sheet}: {e}"))
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}
