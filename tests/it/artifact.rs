//! A release artifact, run for real: `scripts/dist.sh` builds it, `tests/dist/run.sh` unpacks
//! it and runs this test against it through `ECR_LOGIN_BIN` (and `ECR_LOGIN_RUNNER`:
//! `qemu-aarch64` for the aarch64 binary, `wine` for the Windows one). Without those variables
//! it checks the binary cargo built, like every other test here.

use std::path::Path;

use crate::support::*;

/// The variables an emulator itself needs, passed through the sandbox's clean environment.
const RUNNER_VARS: &[&str] = &["WINEPREFIX", "WINEDEBUG", "QEMU_LD_PREFIX"];

/// A path as the binary under test sees it: wine maps the Unix root on drive `Z:`.
#[allow(
    clippy::disallowed_methods,
    reason = "the test process's own settings, not the binary's"
)]
fn as_seen(path: &Path) -> String {
    let text = path.display().to_string();
    match std::env::var_os("ECR_LOGIN_RUNNER") {
        Some(runner) if Path::new(&runner).ends_with("wine") => {
            format!("Z:{}", text.replace('/', "\\"))
        }
        _ => text,
    }
}

#[test]
#[allow(
    clippy::disallowed_methods,
    reason = "the test process's own settings, not the binary's"
)]
fn version_not_found_get_hit_and_erase() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("artifact-pw", 43_200)));
    let cache = tempfile::tempdir().unwrap();
    let mut sandbox = Sandbox::new()
        .static_keys()
        .endpoints(&mock)
        .env("AWS_ECR_CACHE_DIR", as_seen(cache.path()));
    for name in RUNNER_VARS {
        if let Ok(value) = std::env::var(name) {
            sandbox = sandbox.env(name, value);
        }
    }

    let version = sandbox.run(&["version"], "");
    assert_eq!(version.code, 0, "{version:?}");
    assert!(
        version.stdout.starts_with(&format!(
            "docker-credential-ecr-login {}",
            env!("CARGO_PKG_VERSION")
        )),
        "{}",
        version.stdout
    );

    let other = sandbox.get("registry.example.com");
    assert_eq!(
        (other.code, other.stdout.as_str()),
        (1, "credentials not found in native keychain\n")
    );

    for _ in 0..2 {
        let run = sandbox.get(HOST);
        assert_eq!(
            (run.code, run.stdout.as_str()),
            (0, get_line(HOST, "artifact-pw").as_str()),
            "{}",
            run.stderr
        );
    }
    assert_eq!(mock.requests().len(), 1, "the second get is a cache hit");
    assert_eq!(entry_files(cache.path()).len(), 1);

    let erased = sandbox.run(&["erase"], format!("https://{HOST}"));
    assert_eq!((erased.code, erased.stdout.as_str()), (0, ""));
    assert!(
        entry_files(cache.path()).is_empty(),
        "erase removes the entry"
    );
}

/// The release build recognises itself on a node, which it does by a mark compiled into it:
/// an older copy of ours at the plugin's path is replaced without being kept, so the original
/// kept on the first run is still the one `--restore` puts back.
#[test]
#[allow(
    clippy::disallowed_methods,
    reason = "the test process's own settings, not the binary's"
)]
fn installing_over_itself_keeps_the_original_only() {
    // A Windows binary names its plugin with .exe: these tests built for Windows, or a release
    // archive's Windows binary run from here under wine.
    let windows_binary = cfg!(windows)
        || std::env::var_os("ECR_LOGIN_RUNNER").is_some_and(|r| Path::new(&r).ends_with("wine"));
    let mut sandbox = Sandbox::new();
    for name in RUNNER_VARS {
        if let Ok(value) = std::env::var(name) {
            sandbox = sandbox.env(name, value);
        }
    }
    let node = tempfile::tempdir().unwrap();
    let plugin = node.path().join(if windows_binary {
        "ecr-credential-provider.exe"
    } else {
        "ecr-credential-provider"
    });
    let kept = node.path().join(format!(
        "{}.orig",
        plugin.file_name().unwrap().to_str().unwrap()
    ));
    std::fs::write(&plugin, "the node's own plugin").unwrap();
    let bin_dir = as_seen(node.path());
    let install = ["install-kubelet-plugin", "--bin-dir", bin_dir.as_str()];

    let first = sandbox.run(&install, "");
    assert_eq!(first.code, 0, "{first:?}");
    assert_eq!(
        std::fs::read_to_string(&kept).unwrap(),
        "the node's own plugin"
    );
    let mut older = std::fs::read(&plugin).unwrap();
    older.extend_from_slice(b"as if an older build");
    std::fs::write(&plugin, older).unwrap();
    let second = sandbox.run(&install, "");
    assert_eq!(second.code, 0, "{second:?}");
    assert_eq!(
        std::fs::read_to_string(&kept).unwrap(),
        "the node's own plugin",
        "the kept original is not overwritten by a copy of ours"
    );

    let restore = sandbox.run(&[install[0], install[1], install[2], "--restore"], "");
    assert_eq!(restore.code, 0, "{restore:?}");
    assert_eq!(
        std::fs::read_to_string(&plugin).unwrap(),
        "the node's own plugin"
    );
    assert!(!kept.exists());
}
