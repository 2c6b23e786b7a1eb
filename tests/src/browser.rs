//! A real headless Chromium for page tests, driven through ChromeDriver's W3C WebDriver API
//! (plain JSON over HTTP on loopback): open pages, fill and submit forms, press keys, read
//! text, and save screenshots. Blocking; run it inside `spawn_blocking` from async tests.

use base64::Engine;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The W3C key for Enter.
pub const ENTER: &str = "\u{E007}";

/// One ChromeDriver process with one browser session in it.
pub struct Browser {
    driver: Child,
    base: String,
    http: reqwest::blocking::Client,
    screenshots: PathBuf,
}

fn program(env: &str, candidates: &[&str]) -> String {
    if let Ok(p) = std::env::var(env) {
        return p;
    }
    candidates
        .iter()
        .find(|c| Path::new(c).exists())
        .map(|c| (*c).to_owned())
        .unwrap_or_else(|| {
            panic!(
                "{} not found: install Debian's chromium and chromium-driver (scripts/test does) or set {env}",
                candidates[0]
            )
        })
}

/// Where screenshots go: `<target>/screenshots/<suite>`, kept after the run.
pub fn screenshot_dir(suite: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let dir = target.join("screenshots").join(suite);
    std::fs::create_dir_all(&dir).expect("screenshot directory");
    dir
}

impl Browser {
    /// Starts ChromeDriver on a free loopback port and a headless Chromium sized like an old
    /// office screen (1366×768), saving screenshots into `screenshots`.
    pub fn start(screenshots: PathBuf) -> Browser {
        let driver_path = program(
            "PANJIYAN_CHROMEDRIVER",
            &["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"],
        );
        let chromium = program(
            "PANJIYAN_CHROMIUM",
            &["/usr/bin/chromium", "/usr/bin/chromium-browser"],
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let driver = Command::new(driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while http
            .get(format!("{base}/status"))
            .send()
            .ok()
            .and_then(|r| r.json::<Value>().ok())
            .and_then(|v| v["value"]["ready"].as_bool())
            != Some(true)
        {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not become ready"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let mut browser = Browser {
            driver,
            base,
            http,
            screenshots,
        };
        let session = browser.call(
            "POST",
            "/session",
            json!({"capabilities": {"alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": chromium,
                    "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                             "--disable-background-networking", "--disable-extensions", "--no-first-run",
                             "--window-size=1366,768", "--lang=hi-IN"]
                }
            }}}),
        );
        let id = session["sessionId"]
            .as_str()
            .expect("a WebDriver session")
            .to_owned();
        browser.base = format!("{}/session/{id}", browser.base);
        browser
    }

    fn call(&mut self, method: &str, path: &str, body: Value) -> Value {
        let url = format!("{}{path}", self.base);
        let request = match method {
            "GET" => self.http.get(&url),
            "DELETE" => self.http.delete(&url),
            _ => self.http.post(&url).json(&body),
        };
        let answer: Value = request
            .send()
            .and_then(|r| r.json())
            .unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}"));
        if let Some(error) = answer["value"]["error"].as_str() {
            panic!(
                "WebDriver {method} {path}: {error}: {}",
                answer["value"]["message"].as_str().unwrap_or_default()
            );
        }
        answer["value"].clone()
    }

    pub fn goto(&mut self, url: &str) {
        self.call("POST", "/url", json!({ "url": url }));
    }

    pub fn url(&mut self) -> String {
        self.call("GET", "/url", Value::Null)
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub fn title(&mut self) -> String {
        self.call("GET", "/title", Value::Null)
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Every element matching `css`, as WebDriver element ids.
    pub fn all(&mut self, css: &str) -> Vec<String> {
        self.call(
            "POST",
            "/elements",
            json!({"using": "css selector", "value": css}),
        )
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e.as_object()?.values().next()?.as_str().map(str::to_owned))
        .collect()
    }

    /// The one element matching `css`; panics (naming the selector) when there is none.
    pub fn find(&mut self, css: &str) -> String {
        self.all(css)
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no element matches {css} on {}", self.url()))
    }

    pub fn exists(&mut self, css: &str) -> bool {
        !self.all(css).is_empty()
    }

    pub fn click(&mut self, css: &str) {
        let el = self.find(css);
        self.call("POST", &format!("/element/{el}/click"), json!({}));
    }

    /// Clicks what leads to another page (a submit button, a link) and waits, bounded, until
    /// that page has loaded: WebDriver's click does not always wait for a form's navigation.
    pub fn follow(&mut self, css: &str) {
        self.leaving(|b| b.click(css));
    }

    /// Presses keys that lead to another page and waits until it has loaded.
    pub fn press_and_follow(&mut self, keys: &str) {
        self.leaving(|b| b.press(keys));
    }

    fn leaving(&mut self, act: impl FnOnce(&mut Self)) {
        self.run("window.__panjiyanLeaving = true;");
        act(self);
        let deadline = Instant::now() + Duration::from_secs(15);
        while self.run(
            "return window.__panjiyanLeaving === undefined && document.readyState === 'complete';",
        ) != Value::Bool(true)
        {
            assert!(
                Instant::now() < deadline,
                "the page never changed from {}",
                self.url()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Types `text` into the element matching `css` (after clearing an input).
    pub fn fill(&mut self, css: &str, text: &str) {
        let el = self.find(css);
        self.call("POST", &format!("/element/{el}/clear"), json!({}));
        self.call(
            "POST",
            &format!("/element/{el}/value"),
            json!({ "text": text }),
        );
    }

    /// Chooses `file` in the file input matching `css`, as a person picking it would.
    pub fn upload(&mut self, css: &str, file: &Path) {
        let el = self.find(css);
        let path = file.canonicalize().expect("the file to upload exists");
        self.call(
            "POST",
            &format!("/element/{el}/value"),
            json!({ "text": path.display().to_string() }),
        );
    }

    /// Waits (bounded) until `script` returns true in the page.
    pub fn wait_for_script(&mut self, script: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.run(script) != Value::Bool(true) {
            assert!(
                Instant::now() < deadline,
                "never true on {}: {script}",
                self.url()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Chooses the option with `value` in the select matching `css`.
    pub fn choose(&mut self, css: &str, value: &str) {
        self.click(&format!("{css} option[value=\"{value}\"]"));
    }

    /// Visible text of the element matching `css`.
    pub fn text(&mut self, css: &str) -> String {
        let el = self.find(css);
        self.call("GET", &format!("/element/{el}/text"), Value::Null)
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Presses keys on the page (not in a field), as an officer using the keyboard would.
    pub fn press(&mut self, keys: &str) {
        let actions: Vec<Value> = keys
            .chars()
            .flat_map(|k| {
                [
                    json!({"type": "keyDown", "value": k.to_string()}),
                    json!({"type": "keyUp", "value": k.to_string()}),
                ]
            })
            .collect();
        self.call(
            "POST",
            "/actions",
            json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]}),
        );
    }

    /// Runs `script` in the page and returns its value.
    pub fn run(&mut self, script: &str) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            json!({"script": script, "args": []}),
        )
    }

    /// Waits (bounded) until an element matches `css`, for pages reached by a key press.
    pub fn wait_for(&mut self, css: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.exists(css) {
            assert!(
                Instant::now() < deadline,
                "{css} never appeared on {}",
                self.url()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Saves the visible page as `<name>.png` and prints where, for the test log.
    pub fn screenshot(&mut self, name: &str) -> PathBuf {
        let png = self.call("GET", "/screenshot", Value::Null);
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap_or_default())
            .expect("a base64 PNG");
        assert!(bytes.starts_with(b"\x89PNG"), "a PNG screenshot");
        let path = self.screenshots.join(format!("{name}.png"));
        std::fs::write(&path, bytes).unwrap();
        println!("screenshot: {}", path.display());
        path
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.http.delete(&self.base).send();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
