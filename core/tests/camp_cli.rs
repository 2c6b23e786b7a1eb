//! The `panjiyan-camp` command line, offline: clear errors for bad input, in both languages.

use std::process::Command;

fn camp(dir: &std::path::Path, lang: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_panjiyan-camp"))
        .arg("--db")
        .arg(dir.join("camp.db"))
        .args(["--lang", lang])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn bad_input_gets_a_clear_error_and_nothing_is_saved() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, text) = camp(dir.path(), "en", &["units"]);
    assert!(!ok && text.contains("not enrolled"), "{text}");
    let (ok, text) = camp(
        dir.path(),
        "en",
        &["register", "--member", "12345", "--consent"],
    );
    assert!(
        !ok && text.contains("Samagra member ID must be 9 digits"),
        "{text}"
    );
    let (ok, text) = camp(
        dir.path(),
        "en",
        &["register", "--member", "123456789", "--consent"],
    );
    assert!(!ok && text.contains("not in any camp pack"), "{text}");
    let (ok, text) = camp(dir.path(), "hi", &["find", "लक्ष्मी"]);
    assert!(ok && text.contains("कोई व्यक्ति नहीं है"), "{text}");
    let (ok, text) = camp(dir.path(), "en", &["outbox"]);
    assert!(ok && text.contains("Waiting to upload: 0"), "{text}");
    let key = dir.path().join("camp.key");
    std::fs::write(&key, [0u8; 32]).unwrap();
    let (ok, text) = camp(dir.path(), "en", &["outbox"]);
    assert!(!ok && text.contains("key is wrong"), "{text}");
}
