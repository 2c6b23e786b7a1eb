//! Real nginx from Debian's packages in front of real servers, running the shipped
//! `deploy/nginx.conf` with only its ports, certificate and file paths changed, over a
//! certificate from a certificate authority the test makes with openssl.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// nginx, if it is installed here (scripts/test installs it); under CI its absence fails.
pub fn available() -> bool {
    let found = Command::new("nginx")
        .arg("-v")
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert!(
            std::env::var("CI").is_err(),
            "nginx must be installed in CI (scripts/test installs it)"
        );
        eprintln!("skipped: nginx is not installed (scripts/test installs it)");
    }
    found
}

/// A running nginx over HTTPS on 127.0.0.1, balancing over the given upstream ports.
pub struct Nginx {
    pub port: u16,
    /// The test's certificate authority (PEM), which clients must trust.
    pub certificate: Vec<u8>,
    dir: tempfile::TempDir,
    child: Child,
}

fn replace_once(text: &mut String, from: &str, to: &str) {
    assert!(
        text.contains(from),
        "deploy/nginx.conf no longer has {from:?}: update tests/src/nginx.rs with it"
    );
    *text = text.replacen(from, to, 1);
}

impl Nginx {
    pub fn start(upstreams: &[u16]) -> Nginx {
        let dir = tempfile::tempdir().unwrap();
        // A certificate authority of the test's own, and nginx's certificate signed by it
        // (clients refuse a CA certificate used as a server's).
        let d = dir.path();
        let (ca, ca_key) = (d.join("ca.pem"), d.join("ca-key.pem"));
        let (cert, key, request) = (d.join("cert.pem"), d.join("key.pem"), d.join("cert.csr"));
        let ext = d.join("ext.cnf");
        std::fs::write(
            &ext,
            "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        let openssl = |args: &[&std::ffi::OsStr]| {
            let made = Command::new("openssl")
                .args(args)
                .stderr(Stdio::null())
                .status()
                .unwrap();
            assert!(made.success(), "openssl {args:?}");
        };
        let os = |s: &'static str| std::ffi::OsStr::new(s);
        openssl(&[
            os("req"),
            os("-x509"),
            os("-newkey"),
            os("rsa:2048"),
            os("-nodes"),
            os("-days"),
            os("2"),
            os("-subj"),
            os("/CN=Panjiyan test CA"),
            os("-keyout"),
            ca_key.as_os_str(),
            os("-out"),
            ca.as_os_str(),
        ]);
        openssl(&[
            os("req"),
            os("-newkey"),
            os("rsa:2048"),
            os("-nodes"),
            os("-subj"),
            os("/CN=localhost"),
            os("-keyout"),
            key.as_os_str(),
            os("-out"),
            request.as_os_str(),
        ]);
        openssl(&[
            os("x509"),
            os("-req"),
            os("-in"),
            request.as_os_str(),
            os("-CA"),
            ca.as_os_str(),
            os("-CAkey"),
            ca_key.as_os_str(),
            os("-CAcreateserial"),
            os("-days"),
            os("2"),
            os("-extfile"),
            ext.as_os_str(),
            os("-out"),
            cert.as_os_str(),
        ]);
        let port = panjiyan_server::harness::free_port();
        let plain_port = panjiyan_server::harness::free_port();
        let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/nginx.conf");
        let mut conf = std::fs::read_to_string(&shipped).unwrap();
        let at = |p: &Path| p.display().to_string();
        replace_once(
            &mut conf,
            "pid /run/nginx-panjiyan.pid;",
            &format!("pid {};", at(&d.join("nginx.pid"))),
        );
        replace_once(
            &mut conf,
            "access_log /var/log/nginx/panjiyan-access.log;",
            &format!("access_log {};", at(&d.join("access.log"))),
        );
        let servers: String = upstreams
            .iter()
            .map(|p| format!("server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;\n        "))
            .collect();
        for p in 8081..=8083 {
            let line = format!("server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;\n        ");
            replace_once(&mut conf, &line, if p == 8081 { &servers } else { "" });
        }
        replace_once(
            &mut conf,
            "listen 443 ssl http2;",
            &format!("listen 127.0.0.1:{port} ssl http2;"),
        );
        replace_once(
            &mut conf,
            "listen 80;",
            &format!("listen 127.0.0.1:{plain_port};"),
        );
        replace_once(&mut conf, "/etc/panjiyan/tls/fullchain.pem", &at(&cert));
        replace_once(&mut conf, "/etc/panjiyan/tls/privkey.pem", &at(&key));
        replace_once(&mut conf, "worker_processes auto;", "worker_processes 1;");
        let conf_file = d.join("nginx.conf");
        std::fs::write(&conf_file, conf).unwrap();
        let child = Command::new("nginx")
            .arg("-p")
            .arg(d)
            .arg("-c")
            .arg(&conf_file)
            .arg("-e")
            .arg(d.join("error.log"))
            .args(["-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let nginx = Nginx {
            port,
            certificate: std::fs::read(&ca).unwrap(),
            dir,
            child,
        };
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "nginx did not start: {}",
                nginx.errors()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        nginx
    }

    /// The address phones and browsers use.
    pub fn url(&self) -> String {
        format!("https://localhost:{}", self.port)
    }

    /// An HTTP client that trusts the test's certificate, sending from `local` (a loopback
    /// address of its own, so that the server sees a client of its own).
    pub fn client(&self, local: Option<std::net::IpAddr>) -> reqwest::Client {
        self.client_builder(local).build().unwrap()
    }

    /// `client`'s builder, for a test that sets more (redirects, say).
    pub fn client_builder(&self, local: Option<std::net::IpAddr>) -> reqwest::ClientBuilder {
        reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(&self.certificate).unwrap())
            .local_address(local)
    }

    /// nginx's error log so far.
    pub fn errors(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default()
    }

    pub fn config_file(&self) -> PathBuf {
        self.dir.path().join("nginx.conf")
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
