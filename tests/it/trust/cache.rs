//! What the cache trusts on disk: only files it made, for the registry and identity asked for,
//! never past ECR's 12-hour lifetime, and never anything else in its directory.

#[cfg(unix)]
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::time::{Duration, SystemTime};

use serde_json::Value;

use crate::support::*;

const OTHER: &str = "123456789012.dkr.ecr.us-west-2.amazonaws.com";

/// Sets a file's modification time two hours back, past the sweep's age limit.
fn backdate(path: &Path) {
    let old = SystemTime::now() - Duration::from_secs(7200);
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(old)
        .unwrap();
}

#[test]
fn an_entry_copied_over_another_is_not_served_for_it() {
    let mock = EcrMock::start();
    mock.ecr_once(json_reply(ecr_reply("for-eu-west-1", 43_200)));
    mock.ecr(json_reply(ecr_reply("for-us-west-2", 43_200)));
    let sandbox = Sandbox::new().static_keys().endpoints(&mock);
    assert_eq!(sandbox.get(HOST).stdout, get_line(HOST, "for-eu-west-1"));
    let theirs = sandbox.cache_entries().pop().unwrap();
    assert_eq!(sandbox.get(OTHER).stdout, get_line(OTHER, "for-us-west-2"));
    let ours = sandbox
        .cache_entries()
        .into_iter()
        .find(|p| p != &theirs)
        .unwrap();
    // Plant the eu-west-1 entry under the us-west-2 entry's name.
    std::fs::copy(&theirs, &ours).unwrap();
    let run = sandbox.get(OTHER);
    assert_eq!(run.stdout, get_line(OTHER, "for-us-west-2"), "{run:?}");
    assert_eq!(mock.requests().len(), 3, "the planted entry is a miss");
}

#[test]
fn a_300_year_expiry_is_cached_for_12_hours_at_most() {
    let mock = EcrMock::start();
    let centuries = 300 * 365 * 24 * 3600;
    mock.ecr(json_reply(ecr_reply("long", centuries)));
    let sandbox = Sandbox::new().static_keys().endpoints(&mock);
    let before = unix_now();
    assert_eq!(sandbox.get(HOST).stdout, get_line(HOST, "long"));
    let entry: Value =
        serde_json::from_slice(&std::fs::read(sandbox.cache_entries().pop().unwrap()).unwrap())
            .unwrap();
    let expires_at = entry["expires_at"].as_i64().unwrap();
    assert!(expires_at <= unix_now() + 12 * 3600, "{entry}");
    assert!(expires_at >= before + 12 * 3600 - 5, "{entry}");

    // The kubelet is told the same: at most 11 h (12 h less the hour's refresh window).
    let request = include_str!("../../fixtures/kubelet/request-v1.json");
    let run = Sandbox::new()
        .static_keys()
        .endpoints(&mock)
        .run(&["kubelet-plugin"], request);
    assert_eq!(run.code, 0, "{run:?}");
    let response: Value = serde_json::from_str(&run.stdout).unwrap();
    let duration = response["cacheDuration"].as_str().unwrap();
    assert!(
        duration.starts_with("11h0m") || duration.starts_with("10h59m"),
        "{duration}"
    );
}

#[test]
fn the_sweep_leaves_a_project_directory_alone() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("p", 43_200)));
    let sandbox = Sandbox::new().static_keys().endpoints(&mock);
    let project = sandbox.home.path().join("project");
    std::fs::create_dir(&project).unwrap();
    #[cfg(unix)]
    std::fs::set_permissions(&project, std::fs::Permissions::from_mode(0o700)).unwrap();
    let foreign = [
        "Cargo.lock",
        "yarn.lock",
        ".tmp-build",
        "notes.json",
        ".pruned",
    ];
    for name in foreign {
        std::fs::write(project.join(name), name).unwrap();
        backdate(&project.join(name));
    }
    let sandbox = sandbox.env("AWS_ECR_CACHE_DIR", project.display().to_string());
    assert_eq!(sandbox.get(HOST).code, 0);
    for name in foreign {
        assert_eq!(
            std::fs::read_to_string(project.join(name)).unwrap(),
            name,
            "{name} is untouched"
        );
    }
}

#[test]
#[cfg(unix)]
fn the_sweep_marker_is_private_and_not_written_through_a_symlink() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("p", 43_200)));
    let sandbox = Sandbox::new().static_keys().endpoints(&mock);
    let cache = sandbox.cache_dir();
    std::fs::create_dir_all(&cache).unwrap();
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o700)).unwrap();
    let victim = sandbox.home.path().join("victim");
    std::fs::write(&victim, "precious").unwrap();
    std::os::unix::fs::symlink(&victim, cache.join("token-v1-pruned")).unwrap();
    assert_eq!(sandbox.get(HOST).code, 0);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");

    std::fs::remove_file(cache.join("token-v1-pruned")).unwrap();
    assert_eq!(sandbox.get(OTHER).code, 0);
    let marker = std::fs::symlink_metadata(cache.join("token-v1-pruned")).unwrap();
    assert!(marker.is_file());
    assert_eq!(marker.mode() & 0o777, 0o600);
}

#[test]
#[cfg(unix)]
fn a_fifo_at_an_entry_path_is_a_miss_not_a_hang() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("p", 43_200)));
    let sandbox = Sandbox::new()
        .static_keys()
        .endpoints(&mock)
        .env("AWS_ECR_TIMEOUT", "2");
    assert_eq!(sandbox.get(HOST).code, 0);
    let entry = sandbox.cache_entries().pop().unwrap();
    let lock = entry.with_extension("lock");
    for path in [&entry, &lock] {
        std::fs::remove_file(path).unwrap();
        mkfifo(path);
    }
    let list = sandbox.run(&["list"], "");
    assert_eq!((list.code, list.stdout.as_str()), (0, "{}\n"), "{list:?}");
    assert!(list.elapsed < Duration::from_secs(3) + START_UP, "{list:?}");
    let run = sandbox.get(HOST);
    assert_eq!(run.stdout, get_line(HOST, "p"), "{run:?}");
    assert!(run.elapsed < Duration::from_secs(3) + START_UP, "{run:?}");
    assert!(
        std::fs::symlink_metadata(&entry).unwrap().is_file(),
        "the FIFO was replaced by a real entry"
    );
}
