//! `panjiyan-server serve` as a real process on 127.0.0.1: started on a seeded database and a
//! port of its own, stopped with SIGTERM (its exit status and output kept) or killed, and
//! started again on the same port.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A free loopback port (bound and released: nothing else on this machine takes it in the
/// moment between).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The server binary beside the running test or benchmark (target/<profile>/panjiyan-server),
/// built first.
pub fn server_binary() -> PathBuf {
    // Tests run from target/<profile>/deps; binaries are built beside that folder, in the
    // same profile (a benchmark measures the release build).
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().unwrap().parent().unwrap().to_owned();
    let release = profile_dir.file_name().is_some_and(|n| n == "release");
    static BUILT: std::sync::Once = std::sync::Once::new();
    BUILT.call_once(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut build = Command::new(cargo);
        build.args([
            "build",
            "--quiet",
            "-p",
            "panjiyan-server",
            "--bin",
            "panjiyan-server",
        ]);
        if release {
            build.arg("--release");
        }
        assert!(
            build.status().unwrap().success(),
            "building panjiyan-server failed"
        );
    });
    profile_dir.join("panjiyan-server")
}

/// Whether the server at `addr` answers /readyz with 200 (plain HTTP over a socket: callable
/// from async tests, which a blocking HTTP client is not).
fn ready(addr: SocketAddr) -> bool {
    use std::io::{Read, Write};
    let Ok(mut socket) = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(1)) else {
        return false;
    };
    let _ = socket.set_read_timeout(Some(Duration::from_secs(5)));
    let mut answer = String::new();
    socket
        .write_all(b"GET /readyz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .and_then(|()| socket.read_to_string(&mut answer))
        .is_ok()
        && answer.starts_with("HTTP/1.1 200")
}

/// A running `panjiyan-server serve`.
pub struct ServerProcess {
    pub addr: SocketAddr,
    binary: PathBuf,
    args: Vec<String>,
    child: Option<Child>,
    output: Arc<Mutex<String>>,
}

impl ServerProcess {
    /// Starts `binary serve --listen 127.0.0.1:PORT --database-url URL ARGS…` and waits until it
    /// answers /readyz.
    pub fn start(binary: &Path, database_url: &str, args: &[&str]) -> ServerProcess {
        let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        let mut all = vec![
            "--database-url".to_owned(),
            database_url.to_owned(),
            "serve".to_owned(),
            "--listen".to_owned(),
            addr.to_string(),
        ];
        all.extend(args.iter().map(|a| a.to_string()));
        let mut process = ServerProcess {
            addr,
            binary: binary.to_owned(),
            args: all,
            child: None,
            output: Arc::default(),
        };
        process.spawn();
        process
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn spawn(&mut self) {
        let mut child = Command::new(&self.binary)
            .args(&self.args)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let output = self.output.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let mut o = output.lock().unwrap();
                    o.push_str(&line);
                    o.push('\n');
                }
            });
        }
        self.child = Some(child);
        let started = Instant::now();
        loop {
            if ready(self.addr) {
                return;
            }
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!(
                    "panjiyan-server exited with {status} while starting:\n{}",
                    self.output()
                );
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "panjiyan-server did not answer within 2 minutes:\n{}",
                self.output()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Everything it printed so far.
    pub fn output(&self) -> String {
        self.output.lock().unwrap().clone()
    }

    /// Sends SIGTERM and waits for the process to end: its exit status.
    pub fn terminate(&mut self) -> ExitStatus {
        self.signal("-TERM");
        self.wait()
    }

    /// Sends SIGTERM and returns at once (`wait` for the end).
    pub fn signal(&mut self, signal: &str) {
        let pid = self.child.as_ref().expect("running").id().to_string();
        let sent = Command::new("kill").args([signal, &pid]).status().unwrap();
        assert!(sent.success(), "kill {signal} {pid}");
    }

    /// Waits for the process to end: its exit status.
    pub fn wait(&mut self) -> ExitStatus {
        let status = self.child.as_mut().expect("running").wait().unwrap();
        self.child = None;
        // The output threads finish with the process's pipes.
        std::thread::sleep(Duration::from_millis(50));
        status
    }

    /// Kills it at once (SIGKILL): whatever it was doing stops where it is.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again, on the same port and database.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}
