//! A running server for a test, with accounts, and an HTTP client that keeps no cookies of its
//! own (each test says which cookies it sends).

use std::net::SocketAddr;
use yanglao_ops::access::Role;
use yanglao_ops::users::{self, NewAccount};
use yanglao_ops::Ctx;
use yanglao_store::{Db, Scratch};

pub const PASSWORD: &str = "经办-长密码-2026";

pub struct TestServer {
    pub addr: SocketAddr,
    pub label: &'static str,
    pub url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    _dir: Option<TempDir>,
    _scratch: Option<Scratch>,
    _uploads: TempDir,
}

pub struct TempDir(pub std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The backends the tests run on: SQLite always, PostgreSQL and a Citus cluster when given.
pub fn backends(name: &str) -> Vec<(&'static str, String, Option<TempDir>, Option<Scratch>)> {
    let dir = std::env::temp_dir().join(format!("yanglao-web-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("web.db").display());
    let mut out = vec![("sqlite", url, Some(TempDir(dir)), None)];
    if std::env::var("YANGLAO_TEST_PG_URL").is_err() {
        use std::io::Write;
        let _ = std::io::stderr()
            .write_all(b"\n*** PostgreSQL web tests DID NOT RUN (YANGLAO_TEST_PG_URL unset) ***\n");
    }
    for (label, server) in yanglao_store::test_servers("yanglao_web_test") {
        out.push((label, server.url().to_string(), None, Some(server)));
    }
    out
}

/// `n` people in the register (across the five counties), through the real import.
pub fn add_people(url: &str, n: usize) {
    let mut db = Db::open(url).unwrap();
    db.migrate().unwrap();
    let mut ctx = Ctx::with_policy_source(
        db,
        yanglao_policy::SHANXI_SUPPLEMENTARY,
        yanglao_testdata::POLICY_FILE,
    )
    .unwrap();
    let path =
        std::env::temp_dir().join(format!("yanglao-web-people-{}-{n}.csv", std::process::id()));
    yanglao_testdata::write_persons_csv(&path, n).unwrap();
    let upload = yanglao_ops::imports::table::Upload::read(&path).unwrap();
    let o = yanglao_ops::register::persons::import(&mut ctx, &upload, false).unwrap();
    assert!(o.ok(), "{:?}", o.errors);
    let _ = std::fs::remove_file(path);
}

/// A small city with 2023's payrolls paid (crates/testdata), and in 城区 (140302) and 矿区
/// (140303) each a recipient's death in June 2023 (whose later payments become a recovery case)
/// and a record without an ID that waits for review.
pub fn add_city(url: &str, label: &str) {
    static CITIES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "yanglao-web-city-{label}-{}-{}",
        std::process::id(),
        CITIES.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let (mut ctx, _) = yanglao_testdata::setup_evaluation_city(
        url,
        yanglao_policy::SHANXI_SUPPLEMENTARY,
        400,
        &dir,
        &|_, _, _| {},
    )
    .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let mut csv = String::from("身份证号,姓名,死亡日期,来源编号,出生日期,县区代码\n");
    for county in ["140302", "140303"] {
        let rows = ctx
            .db
            .read_transaction(|tx| {
                tx.query(
                    "SELECT p.citizen_id, p.name, p.birth_date FROM persons p
                     WHERE p.county = $1 AND EXISTS (SELECT 1 FROM awards a WHERE a.county = p.county AND a.person_id = p.person_id)
                     ORDER BY p.person_id LIMIT 2",
                    &[yanglao_store::Param::Text(county)],
                )
            })
            .unwrap();
        let (dead, name) = (rows[0].str(0).unwrap(), rows[0].str(1).unwrap());
        let (other, birth) = (rows[1].str(1).unwrap(), rows[1].date(2).unwrap());
        csv.push_str(&format!(
            "{dead},{name},2023-06-15,{county}-1,,\n,{other},2023-07-02,{county}-2,{birth},{county}\n"
        ));
    }
    let upload = yanglao_ops::imports::table::Upload::new("死亡信息.csv", csv.into_bytes());
    let o = yanglao_ops::imports::import(
        &mut ctx,
        "deaths",
        &upload,
        &yanglao_ops::imports::ImportOptions {
            source: Some(yanglao_ops::deaths::Source::Police),
            date: Some(chrono::NaiveDate::from_ymd_opt(2023, 12, 20).unwrap()),
        },
        false,
    )
    .unwrap();
    assert!(o.ok(), "{:?}", o.errors);
}

/// The accounts every test has: an operator and a reviewer of 城区 (140302), an operator of 矿区
/// (140303), the city administrator.
fn add_accounts(url: &str) {
    let mut db = Db::open(url).unwrap();
    db.migrate().unwrap();
    let mut ctx = Ctx::system(db).unwrap();
    let c302 = vec!["140302".to_string()];
    let c303 = vec!["140303".to_string()];
    for (name, display, role, counties) in [
        ("op302", "王芳", Role::Operator, &c302),
        ("rv302", "李强", Role::Reviewer, &c302),
        ("op303", "赵敏", Role::Operator, &c303),
        ("admin", "市级管理员", Role::CityAdmin, &Vec::new()),
        ("finance", "财政局", Role::Finance, &Vec::new()),
        ("evaluator", "评价机构", Role::Evaluator, &Vec::new()),
    ] {
        users::add(
            &mut ctx,
            &NewAccount {
                name,
                display_name: Some(display),
                role,
                counties,
                password: Some(PASSWORD),
            },
        )
        .unwrap();
    }
}

impl TestServer {
    pub fn start(
        label: &'static str,
        url: String,
        dir: Option<TempDir>,
        scratch: Option<Scratch>,
        tune: impl FnOnce(&mut yanglao_web::Config),
    ) -> TestServer {
        add_accounts(&url);
        let mut config = yanglao_web::Config::new("127.0.0.1:0", &url);
        static SERVERS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        config.upload_dir = std::env::temp_dir().join(format!(
            "yanglao-web-uploads-{}-{}",
            std::process::id(),
            SERVERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        let uploads = config.upload_dir.clone();
        tune(&mut config);
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let server = yanglao_web::Server::bind(config).await.unwrap();
                addr_tx.send(server.addr).unwrap();
                server
                    .serve(async {
                        let _ = stop_rx.await;
                    })
                    .await
                    .unwrap();
            });
        });
        let addr = addr_rx.recv().unwrap();
        TestServer {
            addr,
            label,
            url,
            stop: Some(stop_tx),
            thread: Some(thread),
            _dir: dir,
            _scratch: scratch,
            _uploads: TempDir(uploads),
        }
    }

    pub fn at(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Rows from the database, each value as text.
    pub fn rows(&self, sql: &str) -> Vec<Vec<String>> {
        let mut db = Db::open(&self.url).unwrap();
        db.read_transaction(|tx| -> yanglao_store::Result<Vec<Vec<String>>> {
            let rows = tx.query(sql, &[])?;
            Ok(rows
                .iter()
                .map(|row| {
                    (0..row.0.len())
                        .map(|k| {
                            row.str(k)
                                .or_else(|_| row.i64(k).map(|n| n.to_string()))
                                .unwrap_or_default()
                        })
                        .collect()
                })
                .collect())
        })
        .unwrap()
    }

    /// One value from the database (a count, a name).
    pub fn text(&self, sql: &str) -> String {
        let mut db = Db::open(&self.url).unwrap();
        db.read_transaction(|tx| -> yanglao_store::Result<String> {
            let r = tx.query(sql, &[])?;
            Ok(r.first()
                .map(|row| {
                    row.str(0)
                        .or_else(|_| row.i64(0).map(|n| n.to_string()))
                        .unwrap_or_default()
                })
                .unwrap_or_default())
        })
        .unwrap()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            // The server stops cleanly (its connections close without a panic).
            if t.join().is_err() && !std::thread::panicking() {
                panic!(
                    "[{}] the server's thread panicked as it stopped",
                    self.label
                );
            }
        }
    }
}

/// A response as the tests read it.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub raw: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn set_cookies(&self) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn bytes(&self) -> &[u8] {
        &self.raw
    }

    /// The value a `Set-Cookie` gives the cookie `name`.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.set_cookies().iter().find_map(|c| {
            c.split(';')
                .next()
                .and_then(|kv| kv.split_once('='))
                .filter(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        })
    }

    /// The value of the hidden field `name` in the page.
    pub fn field(&self, name: &str) -> Option<String> {
        let key = format!("name=\"{name}\" value=\"");
        let at = self.body.find(&key)? + key.len();
        Some(self.body[at..].split('"').next()?.to_string())
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .build()
        .into()
}

fn reply(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
    let mut r = r.expect("request");
    let status = r.status().as_u16();
    let headers = r
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let raw = r
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_vec()
        .unwrap_or_default();
    let body = String::from_utf8_lossy(&raw).into_owned();
    Reply {
        status,
        headers,
        body,
        raw,
    }
}

/// A request with headers of its own (`Authorization`, …).
pub fn call(method: &str, url: &str, headers: &[(&str, &str)]) -> Reply {
    let a = agent();
    let r = match method {
        "get" => {
            let mut req = a.get(url);
            for (k, v) in headers {
                req = req.header(*k, *v);
            }
            req.call()
        }
        _ => {
            let mut req = a.post(url);
            for (k, v) in headers {
                req = req.header(*k, *v);
            }
            req.send_empty()
        }
    };
    reply(r)
}

/// A POST with a JSON body.
pub fn call_json(url: &str, headers: &[(&str, &str)], body: &serde_json::Value) -> Reply {
    let mut req = agent().post(url).header("Content-Type", "application/json");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    reply(req.send(body.to_string().as_bytes()))
}

/// A POST of a `multipart/form-data` form: text fields and one file (field `file`).
pub fn upload(
    url: &str,
    headers: &[(&str, &str)],
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> Reply {
    let boundary = "----yanglao-test-boundary-7d1f";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((name, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let mut req = agent().post(url).header(
        "Content-Type",
        format!("multipart/form-data; boundary={boundary}"),
    );
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    reply(req.send(&body[..]))
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

pub fn get(url: &str, cookies: &[(&str, &str)]) -> Reply {
    let mut req = agent().get(url);
    if !cookies.is_empty() {
        req = req.header("Cookie", &cookie_header(cookies));
    }
    reply(req.call())
}

pub fn post(
    url: &str,
    cookies: &[(&str, &str)],
    headers: &[(&str, &str)],
    form: &[(&str, &str)],
) -> Reply {
    let mut req = agent().post(url);
    if !cookies.is_empty() {
        req = req.header("Cookie", &cookie_header(cookies));
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    reply(req.send_form(form.iter().copied()))
}

fn cookie_header(cookies: &[(&str, &str)]) -> String {
    cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Signs `name` in; the session cookie's token.
pub fn sign_in(s: &TestServer, name: &str, password: &str) -> Reply {
    let form = get(&s.at("/sign-in"), &[]);
    let token = form.cookie("yanglao_sign_in").expect("form cookie");
    let field = form.field("form_token").expect("form field");
    post(
        &s.at("/sign-in"),
        &[("yanglao_sign_in", &token)],
        &[],
        &[
            ("name", name),
            ("password", password),
            ("form_token", &field),
        ],
    )
}

pub fn session(s: &TestServer, name: &str) -> String {
    let r = sign_in(s, name, PASSWORD);
    assert_eq!(r.status, 303, "[{}] sign-in of {name}: {}", s.label, r.body);
    r.cookie("yanglao_session").expect("session cookie")
}
