//! PDFs as a person and a scanner meet them, for the printing tests: written and rendered by
//! poppler's pdftoppm into PNGs kept in `target/print-samples/` for a person to look at, QR
//! codes read back by zbarimg, text and page sizes by pdftotext and pdfinfo (Debian's
//! poppler-utils and zbar-tools; a missing tool fails the test naming its package).

use std::path::{Path, PathBuf};
use std::process::Command;

/// Where the samples are kept: `$CARGO_TARGET_DIR/print-samples`, else the workspace's target.
pub fn samples() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let dir = target.join("print-samples");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs a Debian tool and gives its standard output; a missing tool fails the test with the
/// package to install.
pub fn run(tool: &str, package: &str, args: &[&str]) -> String {
    let output = Command::new(tool).args(args).output().unwrap_or_else(|e| {
        panic!("{tool} cannot be run ({e}): install it with `apt-get install {package}`")
    });
    assert!(
        output.status.success(),
        "{tool} {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

pub fn pdfinfo(pdf: &Path) -> (usize, (f32, f32)) {
    let info = run("pdfinfo", "poppler-utils", &[pdf.to_str().unwrap()]);
    let field = |name: &str| {
        info.lines()
            .find_map(|l| l.strip_prefix(name))
            .unwrap_or_else(|| panic!("pdfinfo shows no {name}: {info}"))
            .trim()
            .to_owned()
    };
    let pages = field("Pages:").parse().unwrap();
    // "242.646 x 153.071 pts"
    let size = field("Page size:");
    let mut numbers = size
        .split_whitespace()
        .filter_map(|w| w.parse::<f32>().ok());
    (pages, (numbers.next().unwrap(), numbers.next().unwrap()))
}

pub fn pdftotext(pdf: &Path, page: Option<usize>) -> String {
    let page = page.map(|p| p.to_string());
    let mut args = Vec::new();
    if let Some(page) = &page {
        args.extend(["-f", page, "-l", page]);
    }
    args.extend([pdf.to_str().unwrap(), "-"]);
    run("pdftotext", "poppler-utils", &args)
}

/// Writes `pdf` as `name.pdf` among the samples and renders every page at 150 dpi; the PNGs,
/// one per page.
pub fn render(name: &str, pdf: &[u8]) -> (PathBuf, Vec<PathBuf>) {
    let dir = samples();
    let file = dir.join(format!("{name}.pdf"));
    std::fs::write(&file, pdf).unwrap();
    let (pages, _) = pdfinfo(&file);
    let prefix = dir.join(name);
    run(
        "pdftoppm",
        "poppler-utils",
        &[
            "-r",
            "150",
            "-png",
            file.to_str().unwrap(),
            prefix.to_str().unwrap(),
        ],
    );
    // pdftoppm numbers pages with as many digits as the last page needs.
    let digits = pages.to_string().len();
    let pngs: Vec<PathBuf> = (1..=pages)
        .map(|p| dir.join(format!("{name}-{p:0digits$}.png")))
        .collect();
    for png in &pngs {
        assert!(png.is_file(), "pdftoppm made no {}", png.display());
        println!("sample for a person to look at: {}", png.display());
    }
    (file, pngs)
}

/// Every QR code zbarimg finds in `png`, one text each.
pub fn decode(png: &Path) -> Vec<String> {
    let out = run(
        "zbarimg",
        "zbar-tools",
        &[
            "--raw",
            "-q",
            "-Sdisable",
            "-Sqrcode.enable",
            png.to_str().unwrap(),
        ],
    );
    out.lines().map(str::to_owned).collect()
}
