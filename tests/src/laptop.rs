//! The laptop client (`panjiyan-camp`, core's `cli` feature) as the tests run it: built once
//! beside the test binary, run on its own database with the harness password and India's clock.

use panjiyan_core::india_time;
use panjiyan_server::harness::PASSWORD;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Once;

/// The laptop client of this build, built if it is not there yet.
pub fn panjiyan_camp() -> PathBuf {
    static BUILT: Once = Once::new();
    BUILT.call_once(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args([
                "build",
                "--quiet",
                "-p",
                "panjiyan-core",
                "--features",
                "cli",
                "--bin",
                "panjiyan-camp",
            ])
            .status()
            .unwrap();
        assert!(status.success(), "building panjiyan-camp failed");
    });
    // This test runs from target/<profile>/deps; the client is built beside it.
    let exe = std::env::current_exe().unwrap();
    exe.parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("panjiyan-camp")
}

/// Runs the laptop client on its own database; its output, or a panic saying what failed.
pub fn laptop(dir: &Path, args: &[&str]) -> String {
    let at = india_time::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let out = Command::new(panjiyan_camp())
        .arg("--db")
        .arg(dir.join("laptop.db"))
        .args(["--lang", "en"])
        .args(args)
        .env("PANJIYAN_CLOCK_AT", at)
        .env("LAPTOP_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "panjiyan-camp {args:?}: {text}");
    text
}
