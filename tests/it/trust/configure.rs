//! `configure` edits a file people care about, possibly as root on another user's file.
//!
//! Run as root (`sudo`, a provisioning script) on a user's `config.json`, it must leave the
//! file the user's, and must not let the user's symlinks steer it onto a file of root's. These
//! tests need root to hand files to another user; elsewhere they say so and pass.

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt, lchown, symlink};
use std::path::Path;

use serde_json::Value;

use crate::support::*;

/// `nobody` on most systems: any uid that is not ours.
const OTHER: u32 = 65534;

fn is_root() -> bool {
    if rustix::process::geteuid().is_root() {
        return true;
    }
    eprintln!("skipped: needs root to give files to uid {OTHER}");
    false
}

fn configure(sandbox: &Sandbox, docker_config: &Path) -> Run {
    sandbox.run(
        &[
            "configure",
            "--docker-config",
            docker_config.to_str().unwrap(),
            HOST,
        ],
        "",
    )
}

fn owner_and_mode(path: &Path) -> (u32, u32, u32) {
    let meta = fs::symlink_metadata(path).unwrap();
    (meta.uid(), meta.gid(), meta.permissions().mode() & 0o7777)
}

fn has_helper(path: &Path) -> bool {
    let value: Value = serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    value["credHelpers"][HOST] == "ecr-login"
}

#[test]
fn root_leaves_a_users_file_to_the_user() {
    if !is_root() {
        return;
    }
    let sandbox = Sandbox::new();
    let config = sandbox.home.path().join("config.json");
    fs::write(&config, r#"{"auths":{"ghcr.io":{"auth":"dXNlcjpwdw=="}}}"#).unwrap();
    std::os::unix::fs::chown(&config, Some(OTHER), Some(OTHER)).unwrap();
    fs::set_permissions(&config, fs::Permissions::from_mode(0o600)).unwrap();

    let run = configure(&sandbox, &config);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(has_helper(&config));
    assert_eq!(
        owner_and_mode(&config),
        (OTHER, OTHER, 0o600),
        "still the user's"
    );

    // A group-readable file with another group keeps exactly that.
    fs::set_permissions(&config, fs::Permissions::from_mode(0o640)).unwrap();
    std::os::unix::fs::chown(&config, Some(OTHER), Some(0)).unwrap();
    let run = sandbox.run(
        &[
            "configure",
            "--docker-config",
            config.to_str().unwrap(),
            "public.ecr.aws",
        ],
        "",
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(owner_and_mode(&config), (OTHER, 0, 0o640));
}

#[test]
fn root_refuses_a_users_symlink_to_a_root_file() {
    if !is_root() {
        return;
    }
    let sandbox = Sandbox::new();
    let target = sandbox.home.path().join("roots-file.json");
    let original = "{\"root\": \"only\"}\n";
    fs::write(&target, original).unwrap();
    fs::set_permissions(&target, fs::Permissions::from_mode(0o600)).unwrap();
    let link = sandbox.home.path().join("config.json");
    symlink(&target, &link).unwrap();
    lchown(&link, Some(OTHER), Some(OTHER)).unwrap();

    let run = configure(&sandbox, &link);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(run.stdout, "");
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    for why in [
        "refusing to follow the symlink",
        "uid 65534",
        "--docker-config",
    ] {
        assert!(run.stderr.contains(why), "{why}: {}", run.stderr);
    }
    assert_eq!(fs::read_to_string(&target).unwrap(), original, "untouched");
    assert_eq!(owner_and_mode(&target), (0, 0, 0o600));
    assert_eq!(
        fs::read_link(&link).unwrap(),
        target,
        "the link is left alone too"
    );

    // The same through a symlinked directory of the user's, and through a relative link.
    let dir_link = sandbox.home.path().join("dotdocker");
    symlink(sandbox.home.path(), &dir_link).unwrap();
    lchown(&dir_link, Some(OTHER), Some(OTHER)).unwrap();
    let run = configure(&sandbox, &dir_link.join("roots-file.json"));
    assert_eq!(run.code, 1, "{run:?}");
    let relative = sandbox.home.path().join("relative.json");
    symlink("roots-file.json", &relative).unwrap();
    lchown(&relative, Some(OTHER), Some(OTHER)).unwrap();
    let run = configure(&sandbox, &relative);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(fs::read_to_string(&target).unwrap(), original);
}

#[test]
fn root_follows_a_users_symlink_to_the_users_own_file() {
    if !is_root() {
        return;
    }
    let sandbox = Sandbox::new();
    let dotfiles = sandbox.home.path().join("dotfiles");
    fs::create_dir(&dotfiles).unwrap();
    let target = dotfiles.join("docker-config.json");
    fs::write(&target, "{}").unwrap();
    std::os::unix::fs::chown(&target, Some(OTHER), Some(OTHER)).unwrap();
    fs::set_permissions(&target, fs::Permissions::from_mode(0o600)).unwrap();
    let link = sandbox.home.path().join("config.json");
    symlink("dotfiles/docker-config.json", &link).unwrap();
    lchown(&link, Some(OTHER), Some(OTHER)).unwrap();

    let run = configure(&sandbox, &link);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(has_helper(&target), "edited through the link");
    assert!(fs::symlink_metadata(&link).unwrap().is_symlink());
    assert_eq!(owner_and_mode(&target), (OTHER, OTHER, 0o600));
}

#[test]
fn a_dangling_symlink_of_another_user_is_not_created_through() {
    if !is_root() {
        return;
    }
    let sandbox = Sandbox::new();
    let missing = sandbox.home.path().join("created-by-root.json");
    let link = sandbox.home.path().join("config.json");
    symlink(&missing, &link).unwrap();
    lchown(&link, Some(OTHER), Some(OTHER)).unwrap();
    let run = configure(&sandbox, &link);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("does not exist"), "{}", run.stderr);
    assert!(!missing.exists());
}
