//! Records which commit `oa` is built from (`OA_GIT_COMMIT`: the commit checked out when
//! it was built; changes not committed are not detected), so that every bundle's manifest
//! can say which build wrote it.
//! Outside a git checkout, or without git, nothing is recorded and the build goes on;
//! `OA_BUILD_ID` set at build time is passed through for such builds.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

fn main() {
    println!("cargo:rerun-if-env-changed=OA_BUILD_ID");
    if let Ok(id) = std::env::var("OA_BUILD_ID") {
        println!("cargo:rustc-env=OA_BUILD_ID={id}");
    }
    let Some(commit) = git(&["rev-parse", "HEAD"]) else {
        return;
    };
    // Rebuild when HEAD moves (a commit, a checkout) or the branch it names does.
    for path in [
        git(&["rev-parse", "--git-path", "HEAD"]),
        git(&["symbolic-ref", "-q", "HEAD"]).and_then(|r| git(&["rev-parse", "--git-path", &r])),
    ]
    .into_iter()
    .flatten()
    {
        let path = std::path::Path::new(&path);
        let absolute = if path.is_absolute() {
            path.to_path_buf()
        } else {
            std::env::current_dir()
                .map(|d| d.join(path))
                .unwrap_or_default()
        };
        if absolute.exists() {
            println!("cargo:rerun-if-changed={}", absolute.display());
        }
    }
    println!("cargo:rustc-env=OA_GIT_COMMIT={commit}");
}
