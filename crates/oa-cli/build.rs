//! Link options for the `oa` binary.
//!
//! On GNU/Linux with glibc 2.36 or later, the binary's relative relocations are packed
//! (`-z pack-relative-relocs`, DT_RELR): at every start the loader then reads 34 KB of
//! them instead of 2.8 MB of entries, and `oa --version` takes 4.3 ms of CPU instead of
//! 5.9 (BENCHMARKS.md). The binary stays position-independent (ASLR is kept).
//!
//! A C library older than 2.36 cannot load such a binary, so the flag is only given when
//! the machine building it has a new enough one (a native build usually runs where it is
//! built). To build a binary for older systems on a newer one, set
//! `OA_NO_PACKED_RELOCATIONS=1`.

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=OA_NO_PACKED_RELOCATIONS");
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let target_env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    let native = std::env::var("HOST").ok() == std::env::var("TARGET").ok();
    let opted_out = std::env::var_os("OA_NO_PACKED_RELOCATIONS").is_some();
    if target_os == "linux" && target_env == "gnu" && native && !opted_out && glibc_at_least(2, 36)
    {
        println!("cargo::rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}

/// Whether this machine's glibc (`getconf GNU_LIBC_VERSION`: "glibc 2.36") is at least
/// `major.minor`; false when it cannot be told.
fn glibc_at_least(major: u32, minor: u32) -> bool {
    let Ok(out) = std::process::Command::new("getconf")
        .arg("GNU_LIBC_VERSION")
        .output()
    else {
        return false;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let Some(version) = text.split_whitespace().nth(1) else {
        return false;
    };
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let found = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    found >= (major, minor)
}
