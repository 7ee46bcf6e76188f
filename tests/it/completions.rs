//! The committed completion scripts and man page must match what the binary generates.
//! Regenerate them with `UPDATE_COMPLETIONS=1 cargo test completions`.

use std::path::PathBuf;

use crate::support::Sandbox;

const GENERATED: &[(&[&str], &str)] = &[
    (&["completions", "bash"], "docker-credential-ecr-login.bash"),
    (&["completions", "zsh"], "_docker-credential-ecr-login"),
    (&["completions", "fish"], "docker-credential-ecr-login.fish"),
    (
        &["completions", "elvish"],
        "docker-credential-ecr-login.elv",
    ),
    (
        &["completions", "powershell"],
        "_docker-credential-ecr-login.ps1",
    ),
    (&["man"], "docker-credential-ecr-login.1"),
];

#[test]
#[allow(
    clippy::disallowed_methods,
    reason = "a switch for the developer running the test"
)]
fn committed_completions_and_man_page_are_current() {
    let update = std::env::var_os("UPDATE_COMPLETIONS").is_some();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("completions");
    let sandbox = Sandbox::new();
    let mut stale = Vec::new();
    for (args, file) in GENERATED {
        let run = sandbox.run(args, "");
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        assert!(!run.stdout.is_empty());
        let path = dir.join(file);
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &run.stdout).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(run.stdout.as_str()) {
            stale.push(*file);
        }
    }
    assert!(
        stale.is_empty(),
        "stale files in completions/: {stale:?}; run UPDATE_COMPLETIONS=1 cargo test completions"
    );
}

#[test]
fn every_command_has_help_with_an_example() {
    let sandbox = Sandbox::new();
    for command in [
        "get",
        "erase",
        "password",
        "dockerconfig",
        "configure",
        "doctor",
        "kube-secret",
        "install-kubelet-plugin",
        "completions",
        "man",
    ] {
        let run = sandbox.run(&[command, "--help"], "");
        assert_eq!(run.code, 0, "{command}");
        assert!(run.stdout.contains("Example"), "{command}: {}", run.stdout);
    }
}
