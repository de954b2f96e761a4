//! A real browser for the page tests: Debian's Chromium, headless, driven over the WebDriver
//! protocol by Debian's chromedriver (W3C WebDriver, JSON over HTTP on loopback). Nothing is
//! downloaded: when the two programs are not installed the browser tests say so loudly and do
//! not run (`.ci/run` installs them and fails when they did not run).

use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// The key W3C WebDriver names an element by.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Whether the browser is here; if not, says loudly that the browser tests did not run.
pub fn available(test: &str) -> bool {
    let here =
        std::path::Path::new(CHROMIUM).exists() && std::path::Path::new(CHROMEDRIVER).exists();
    if !here {
        use std::io::Write;
        let _ = std::io::stderr().write_all(
            format!("\n*** browser test {test} DID NOT RUN (chromium or chromedriver missing: apt install chromium chromium-driver) ***\n").as_bytes(),
        );
    }
    here
}

/// A chromedriver process and one browser session in it, ended when dropped.
pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    /// Where the screenshots go (kept as the test's artifacts).
    shots: std::path::PathBuf,
    /// Where the browser saves what it downloads.
    pub downloads: std::path::PathBuf,
    agent: ureq::Agent,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Browser {
    /// Starts chromedriver and a headless Chromium of a county office's screen (1366×768).
    pub fn start(name: &str) -> Browser {
        let port = free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let base = format!("http://127.0.0.1:{port}");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        let started = Instant::now();
        loop {
            let ready = agent
                .get(&format!("{base}/status"))
                .call()
                .ok()
                .and_then(|mut r| r.body_mut().read_to_string().ok())
                .is_some_and(|b| b.contains("\"ready\":true"));
            if ready {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let shots = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join("screenshots")
            .join(name);
        let _ = std::fs::remove_dir_all(&shots);
        std::fs::create_dir_all(&shots).unwrap();
        let downloads = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join("downloads")
            .join(name);
        let _ = std::fs::remove_dir_all(&downloads);
        std::fs::create_dir_all(&downloads).unwrap();
        let mut b = Browser {
            driver,
            base,
            session: String::new(),
            shots,
            downloads,
            agent,
        };
        let v = b.send(
            "post",
            "/session",
            json!({"capabilities": {"alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": CHROMIUM,
                    "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                             "--window-size=1366,768", "--lang=zh-CN", "--no-first-run"],
                    "prefs": {
                        "download.default_directory": b.downloads.to_str().unwrap(),
                        "download.prompt_for_download": false,
                        "intl.accept_languages": "zh-CN,zh",
                    },
                },
            }}}),
        );
        b.session = v["value"]["sessionId"]
            .as_str()
            .expect("a session")
            .to_string();
        b
    }

    fn send(&self, method: &str, path: &str, body: Value) -> Value {
        let v = self.try_send(method, path, body);
        if let Some(e) = v["value"]["error"].as_str() {
            panic!(
                "webdriver {method} {path}: {e}: {}",
                v["value"]["message"].as_str().unwrap_or("")
            );
        }
        v
    }

    /// A WebDriver command whose error is an answer, not a failure.
    fn try_send(&self, method: &str, path: &str, body: Value) -> Value {
        let url = format!("{}{path}", self.base);
        let r = match method {
            "get" => self.agent.get(&url).call(),
            "delete" => self.agent.delete(&url).call(),
            _ => self
                .agent
                .post(&url)
                .header("Content-Type", "application/json")
                .send(body.to_string().as_bytes()),
        };
        let text = r
            .expect("webdriver answers")
            .body_mut()
            .with_config()
            .limit(64 << 20)
            .read_to_string()
            .unwrap_or_default();
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// Accepts the page's confirmation dialog, if one is open; answers its text.
    pub fn accept_dialog(&self) -> Option<String> {
        let v = self.try_send("get", &self.at("/alert/text"), Value::Null);
        let text = v["value"].as_str()?.to_string();
        self.send("post", &self.at("/alert/accept"), json!({}));
        Some(text)
    }

    /// Waits for a download whose name ends with `suffix` to complete; answers its path.
    pub fn downloaded(&self, suffix: &str) -> std::path::PathBuf {
        let started = Instant::now();
        loop {
            let done = std::fs::read_dir(&self.downloads)
                .unwrap()
                .filter_map(|e| e.ok().map(|e| e.path()))
                .find(|p| p.to_string_lossy().ends_with(suffix));
            if let Some(p) = done {
                // Complete: no partial download left, and the size no longer changing.
                let partial = std::fs::read_dir(&self.downloads)
                    .unwrap()
                    .filter_map(|e| e.ok())
                    .any(|e| e.path().to_string_lossy().ends_with(".crdownload"));
                let size = std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
                std::thread::sleep(Duration::from_millis(200));
                let again = std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
                if !partial && size > 0 && size == again {
                    return p;
                }
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "no download ending {suffix} in {}",
                self.downloads.display()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn at(&self, path: &str) -> String {
        format!("/session/{}{path}", self.session)
    }

    /// Opens `url` and waits for the page.
    pub fn go(&self, url: &str) {
        self.send("post", &self.at("/url"), json!({ "url": url }));
    }

    pub fn url(&self) -> String {
        self.send("get", &self.at("/url"), Value::Null)["value"]
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    /// The page's text as a reader sees it.
    pub fn text(&self) -> String {
        self.script("return document.body.innerText;", json!([]))
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    pub fn title(&self) -> String {
        self.send("get", &self.at("/title"), Value::Null)["value"]
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    pub fn script(&self, script: &str, args: Value) -> Value {
        self.send(
            "post",
            &self.at("/execute/sync"),
            json!({"script": script, "args": args}),
        )["value"]
            .clone()
    }

    /// The element `css` selects (the first), failing the test when there is none.
    pub fn find(&self, css: &str) -> String {
        let v = self.send(
            "post",
            &self.at("/element"),
            json!({"using": "css selector", "value": css}),
        );
        v["value"][ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {v}"))
            .to_string()
    }

    pub fn count(&self, css: &str) -> usize {
        let v = self.send(
            "post",
            &self.at("/elements"),
            json!({"using": "css selector", "value": css}),
        );
        v["value"].as_array().map_or(0, Vec::len)
    }

    pub fn click(&self, css: &str) {
        let e = self.find(css);
        self.send("post", &self.at(&format!("/element/{e}/click")), json!({}));
    }

    /// Clicks `css` (a link or a form's button) and waits for the next page to have loaded.
    pub fn follow(&self, css: &str) {
        self.script("window.__yanglao_old_page = true;", json!([]));
        self.click(css);
        let started = Instant::now();
        loop {
            // A confirmation the page asks for (data-confirm) is answered yes.
            self.accept_dialog();
            let loaded = self
                .script(
                    "return window.__yanglao_old_page === undefined && document.readyState === 'complete';",
                    json!([]),
                )
                .as_bool()
                .unwrap_or(false);
            if loaded {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "{css}: no new page after the click"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Types `text` into the field `css` (for a file input: the file's path), after clearing it.
    pub fn fill(&self, css: &str, text: &str) {
        let e = self.find(css);
        let file = self
            .script(
                "return arguments[0].type === 'file';",
                json!([{ ELEMENT: e }]),
            )
            .as_bool()
            .unwrap_or(false);
        if !file {
            self.send("post", &self.at(&format!("/element/{e}/clear")), json!({}));
        }
        self.send(
            "post",
            &self.at(&format!("/element/{e}/value")),
            json!({ "text": text }),
        );
    }

    /// Sets the field `css` to `value` as the page's own widget would (a date picker's value is
    /// ISO 8601 whatever the browser's language).
    pub fn set(&self, css: &str, value: &str) {
        let e = self.find(css);
        self.script(
            "arguments[0].value = arguments[1];",
            json!([{ ELEMENT: e }, value]),
        );
    }

    /// Chooses the option whose value is `value` in the select `css`.
    pub fn choose(&self, css: &str, value: &str) {
        self.click(&format!("{css} option[value=\"{value}\"]"));
    }

    /// Saves the window's view only (1366×768, as a county office's screen shows it).
    pub fn screenshot_view(&self, name: &str) -> std::path::PathBuf {
        let v = self.send("get", &self.at("/screenshot"), Value::Null);
        let png = base64_decode(v["value"].as_str().expect("a screenshot"));
        let path = self.shots.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        path
    }

    /// Saves what the browser shows as `<name>.png` among the test's artifacts; answers its path.
    pub fn screenshot(&self, name: &str) -> std::path::PathBuf {
        // The whole page, not only the window: the window grows to the page's height first.
        let height = self
            .script(
                "return Math.max(document.documentElement.scrollHeight, 768);",
                json!([]),
            )
            .as_u64()
            .unwrap_or(768)
            .min(6000);
        self.send(
            "post",
            &self.at("/window/rect"),
            json!({"width": 1366, "height": height + 120}),
        );
        let v = self.send("get", &self.at("/screenshot"), Value::Null);
        let png = base64_decode(v["value"].as_str().expect("a screenshot"));
        let path = self.shots.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        self.send(
            "post",
            &self.at("/window/rect"),
            json!({"width": 1366, "height": 768}),
        );
        path
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self
                .agent
                .delete(&format!("{}/session/{}", self.base, self.session))
                .call();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Standard base64 (the screenshots WebDriver sends).
fn base64_decode(s: &str) -> Vec<u8> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes() {
        let Some(v) = value(c) else { continue };
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}
