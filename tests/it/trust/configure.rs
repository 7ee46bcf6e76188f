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

    let run = sandbox.configure(&config, &[HOST]);
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
    let run = sandbox.configure(&config, &["public.ecr.aws"]);
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

    let run = sandbox.configure(&link, &[HOST]);
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
    let run = sandbox.configure(&dir_link.join("roots-file.json"), &[HOST]);
    assert_eq!(run.code, 1, "{run:?}");
    let relative = sandbox.home.path().join("relative.json");
    symlink("roots-file.json", &relative).unwrap();
    lchown(&relative, Some(OTHER), Some(OTHER)).unwrap();
    let run = sandbox.configure(&relative, &[HOST]);
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

    let run = sandbox.configure(&link, &[HOST]);
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
    let run = sandbox.configure(&link, &[HOST]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("does not exist"), "{}", run.stderr);
    assert!(!missing.exists());
}

/// A home of the user's: `(OTHER, OTHER_GROUP)`, 0755, under the sandbox.
fn users_home(sandbox: &Sandbox) -> std::path::PathBuf {
    let home = sandbox.home.path().join("user");
    fs::create_dir(&home).unwrap();
    std::os::unix::fs::chown(&home, Some(OTHER), Some(OTHER_GROUP)).unwrap();
    fs::set_permissions(&home, fs::Permissions::from_mode(0o755)).unwrap();
    home
}

/// A group that is not the user's own, to tell the home's group from the user's.
const OTHER_GROUP: u32 = 65533;

#[test]
fn root_makes_a_users_missing_directories_the_users() {
    if !is_root() {
        return;
    }
    let sandbox = Sandbox::new();
    let home = users_home(&sandbox);
    let sandbox = sandbox.env(
        "HELM_CONFIG_HOME",
        home.join(".config/helm").display().to_string(),
    );
    let docker = home.join(".docker");
    let run = sandbox.configure(&docker, &["--helm", HOST]);
    assert_eq!(run.code, 0, "{run:?}");
    for dir in [
        ".docker",
        ".config",
        ".config/helm",
        ".config/helm/registry",
    ] {
        assert_eq!(
            owner_and_mode(&home.join(dir)),
            (OTHER, OTHER_GROUP, 0o700),
            "{dir} is the user's"
        );
    }
    for file in [".docker/config.json", ".config/helm/registry/config.json"] {
        assert!(has_helper(&home.join(file)), "{file}");
        assert_eq!(
            owner_and_mode(&home.join(file)),
            (OTHER, OTHER_GROUP, 0o600),
            "{file} is the user's"
        );
    }
}

#[test]
fn a_huge_config_is_refused_unread() {
    let sandbox = Sandbox::new();
    let config = sandbox.home.path().join("config.json");
    let huge = 2 << 30;
    // Sparse: 2 GiB that take no disk, but would take 2 GiB of memory to read.
    fs::File::create(&config).unwrap().set_len(huge).unwrap();
    let run = sandbox.configure(&config, &[HOST]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("too large"), "{}", run.stderr);
    assert_eq!(fs::metadata(&config).unwrap().len(), huge, "left alone");
}

/// The race a check-then-use would lose: while root runs `configure` on the user's file again
/// and again, the user keeps swapping their `.docker` for a symlink to a directory of root's.
/// Root's file must come out untouched, and the user's must never get root's content.
#[cfg(target_os = "linux")]
#[test]
fn root_is_not_steered_by_a_directory_swapped_mid_run() {
    use std::sync::atomic::{AtomicBool, Ordering};
    if !is_root() {
        return;
    }
    let sandbox = Sandbox::new();
    let home = users_home(&sandbox);
    let docker = home.join(".docker");
    fs::create_dir(&docker).unwrap();
    let users = docker.join("config.json");
    fs::write(&users, "{\"auths\": {}}").unwrap();
    for path in [&docker, &users] {
        std::os::unix::fs::chown(path, Some(OTHER), Some(OTHER)).unwrap();
    }
    fs::set_permissions(&users, fs::Permissions::from_mode(0o600)).unwrap();
    let roots_dir = sandbox.home.path().join("root-only");
    fs::create_dir(&roots_dir).unwrap();
    fs::set_permissions(&roots_dir, fs::Permissions::from_mode(0o700)).unwrap();
    let roots = roots_dir.join("config.json");
    let original = "{\"auths\": {\"root-secret.example\": {\"auth\": \"cm9vdDpzZWNyZXQ=\"}}}\n";
    fs::write(&roots, original).unwrap();
    fs::set_permissions(&roots, fs::Permissions::from_mode(0o600)).unwrap();
    let decoy = home.join(".docker-swap");
    symlink(&roots_dir, &decoy).unwrap();
    lchown(&decoy, Some(OTHER), Some(OTHER)).unwrap();

    let stop = AtomicBool::new(false);
    let (successes, swaps) = std::thread::scope(|scope| {
        let swapper = scope.spawn(|| {
            let mut swaps = 0_u64;
            while !stop.load(Ordering::Relaxed) {
                rustix::fs::renameat_with(
                    rustix::fs::CWD,
                    &docker,
                    rustix::fs::CWD,
                    &decoy,
                    rustix::fs::RenameFlags::EXCHANGE,
                )
                .unwrap();
                swaps += 1;
            }
            swaps
        });
        let mut successes = 0;
        for i in 0..200_u64 {
            // A new registry each time, so that every run writes.
            let registry = format!("{}.dkr.ecr.us-east-1.amazonaws.com", 100_000_000_000 + i);
            let run = sandbox.configure(&users, &[&registry]);
            if run.code == 0 {
                successes += 1;
            } else {
                assert_eq!(run.code, 1, "{run:?}");
                assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
            }
        }
        stop.store(true, Ordering::Relaxed);
        (successes, swapper.join().unwrap())
    });
    if fs::symlink_metadata(&docker).unwrap().is_symlink() {
        fs::rename(&docker, home.join("put-back")).unwrap();
        fs::rename(&decoy, &docker).unwrap();
    }

    assert_eq!(fs::read_to_string(&roots).unwrap(), original, "root's file");
    assert_eq!(owner_and_mode(&roots), (0, 0, 0o600));
    let names: Vec<_> = fs::read_dir(&roots_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["config.json"], "nothing written beside root's file");
    let text = fs::read_to_string(&users).unwrap();
    assert!(
        !text.contains("root-secret"),
        "root's logins leaked: {text}"
    );
    assert_eq!(owner_and_mode(&users), (OTHER, OTHER, 0o600));
    assert!(
        successes > 0,
        "no run reached the user's file ({swaps} swaps)"
    );
}
