//! Running this package's examples from a test: the binaries `cargo test`
//! built beside the test binaries (`target/<profile>/examples`).

use std::path::{Path, PathBuf};
use std::process::Command;

/// What an example printed, once it exited successfully.
pub struct Printed {
    pub stdout: String,
    pub stderr: String,
}

fn examples_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    // target/<profile>/deps/<test> -> target/<profile>/examples
    exe.parent()
        .and_then(Path::parent)
        .map(|p| p.join("examples"))
        .expect("target directory layout")
}

/// Runs example `stem`; fails the test when its binary is missing or older
/// than its source (`build` says how to build it), or when it fails.
pub fn run(stem: &str, build: &str) -> Printed {
    let exe = examples_dir().join(format!("{stem}{}", std::env::consts::EXE_SUFFIX));
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("examples/{stem}.rs"));
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    assert!(
        exe.exists() && modified(&exe) >= modified(&source),
        "{} is missing or older than its source: run through `cargo test`, which builds \
         the examples, or `{build}` first",
        exe.display()
    );
    let out = Command::new(&exe).output().expect("example runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "{stem} exited with {}: {stderr}",
        out.status
    );
    Printed {
        stdout: String::from_utf8(out.stdout).expect("utf-8 output"),
        stderr,
    }
}
