use std::fs;
#[cfg(unix)]
use std::os::unix::fs::{MetadataExt, PermissionsExt};

use super::entry::tests::entry;
use super::*;
#[cfg(unix)]
use crate::test_support::mkfifo;

/// The host of `entry`'s entries.
const HOST: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
const K: &str = "0123456789abcdef0123456789abcdef";

fn at(secs: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(secs).unwrap()
}

fn private_dir() -> (tempfile::TempDir, Cache) {
    let tmp = tempfile::tempdir().unwrap();
    let cache = Cache::at(tmp.path().join("cache")).expect("trusted");
    (tmp, cache)
}

fn soon() -> Instant {
    Instant::now() + Duration::from_millis(30)
}

#[test]
#[cfg(unix)]
fn round_trip_with_private_modes() {
    let (_tmp, cache) = private_dir();
    let dir_mode = fs::metadata(cache.dir()).unwrap().mode() & 0o777;
    assert_eq!(dir_mode, 0o700);
    cache.write(K, &entry(1, 2)).unwrap();
    let file_mode = fs::metadata(cache.entry_path(K)).unwrap().mode() & 0o777;
    assert_eq!(file_mode, 0o600);
    assert_eq!(cache.read(K), Some(entry(1, 2)));
    cache.remove(K).unwrap();
    cache.remove(K).unwrap();
    assert_eq!(cache.read(K), None);
}

#[test]
fn bad_entries_are_misses() {
    let (_tmp, cache) = private_dir();
    let path = cache.entry_path(K);
    for bad in [&b""[..], b"{", b"\0\0\0", b"{\"version\":1}"] {
        fs::write(&path, bad).unwrap();
        assert_eq!(cache.read(K), None, "{bad:?}");
    }
    let mut future = serde_json::to_value(entry(1, 2)).unwrap();
    future["version"] = 2.into();
    fs::write(&path, future.to_string()).unwrap();
    assert_eq!(cache.read(K), None);
    // A miss gets rewritten over whatever was there.
    cache.write(K, &entry(1, 2)).unwrap();
    assert_eq!(cache.read(K), Some(entry(1, 2)));
}

#[test]
#[cfg(unix)]
fn symlinked_entries_are_neither_followed_nor_written_through() {
    let (tmp, cache) = private_dir();
    let target = tmp.path().join("elsewhere.json");
    fs::write(&target, serde_json::to_vec(&entry(1, 2)).unwrap()).unwrap();
    std::os::unix::fs::symlink(&target, cache.entry_path(K)).unwrap();
    assert_eq!(cache.read(K), None, "a symlink is not followed");
    cache.write(K, &entry(5, 6)).unwrap();
    let untouched: Entry = serde_json::from_slice(&fs::read(&target).unwrap()).unwrap();
    assert_eq!(untouched, entry(1, 2), "the link target is untouched");
    assert!(
        !fs::symlink_metadata(cache.entry_path(K))
            .unwrap()
            .is_symlink()
    );
    assert_eq!(cache.read(K), Some(entry(5, 6)));
}

#[test]
#[cfg(unix)]
fn fifos_at_entry_and_lock_paths_are_misses_not_hangs() {
    let (_tmp, cache) = private_dir();
    mkfifo(&cache.entry_path(K));
    mkfifo(&cache.dir().join(format!("{PREFIX}{K}.lock")));
    assert_eq!(cache.read(K), None);
    assert!(matches!(cache.lock(K, soon()), Locking::Unavailable));
    assert!(cache.entries().is_empty());
    // A write replaces the FIFO with a real entry.
    cache.write(K, &entry(1, 2)).unwrap();
    assert_eq!(cache.read(K), Some(entry(1, 2)));
}

#[test]
#[cfg(unix)]
fn group_writable_entries_and_directories_are_not_trusted() {
    let (tmp, cache) = private_dir();
    cache.write(K, &entry(1, 2)).unwrap();
    fs::set_permissions(cache.entry_path(K), fs::Permissions::from_mode(0o666)).unwrap();
    assert_eq!(cache.read(K), None);
    let open = tmp.path().join("open");
    fs::create_dir(&open).unwrap();
    fs::set_permissions(&open, fs::Permissions::from_mode(0o777)).unwrap();
    assert!(Cache::at(open).is_none());
}

#[test]
#[cfg(unix)]
fn a_directory_owned_by_someone_else_is_not_trusted() {
    let tmp = tempfile::tempdir().unwrap();
    let theirs = tmp.path().join("theirs");
    fs::create_dir(&theirs).unwrap();
    fs::set_permissions(&theirs, fs::Permissions::from_mode(0o700)).unwrap();
    // Giving a directory away needs root; CI runs as root, elsewhere there is nothing
    // to set up and nothing to check.
    if std::os::unix::fs::chown(&theirs, Some(65534), Some(65534)).is_err() {
        return;
    }
    assert!(Cache::at(theirs).is_none());
}

#[test]
fn the_lock_is_exclusive_and_bounded_by_the_deadline() {
    let (_tmp, cache) = private_dir();
    let Locking::Held(held) = cache.lock(K, Instant::now()) else {
        panic!("first lock");
    };
    let start = Instant::now();
    assert!(matches!(cache.lock(K, soon()), Locking::Busy));
    assert!(start.elapsed() < Duration::from_secs(1));
    drop(held);
    assert!(matches!(cache.lock(K, Instant::now()), Locking::Held(_)));
}

#[test]
fn list_and_prune() {
    let (_tmp, cache) = private_dir();
    let now = 10_000;
    let (live, other, dead) = (
        "11111111111111111111111111111111",
        "22222222222222222222222222222222",
        "33333333333333333333333333333333",
    );
    cache.write(live, &entry(now - 10, now + 3600)).unwrap();
    let mut theirs = entry(now - 10, now + 3600);
    theirs.host = "public.ecr.aws".into();
    theirs.identity = "someone-else".into();
    cache.write(other, &theirs).unwrap();
    cache.write(dead, &entry(now - 7200, now - 1)).unwrap();
    let listed = cache.list(at(now), |_| Identity::from_stored("id".into()));
    assert_eq!(
        listed.into_iter().collect::<Vec<_>>(),
        vec![(HOST.to_owned(), "AWS".to_owned())]
    );
    cache.prune(at(now));
    assert!(cache.read(dead).is_none());
    assert!(cache.read(live).is_some() && cache.read(other).is_some());
}

/// Sets a file's modification time two hours back, past the sweep's age limit.
fn backdate(path: &std::path::Path) {
    let old = SystemTime::now() - Duration::from_secs(7200);
    fs::File::options()
        .write(true)
        .open(path)
        .or_else(|_| fs::File::open(path))
        .unwrap()
        .set_modified(old)
        .unwrap();
}

#[test]
fn the_sweep_touches_only_files_with_our_prefix() {
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("project");
    fs::create_dir(&project).unwrap();
    #[cfg(unix)]
    fs::set_permissions(&project, fs::Permissions::from_mode(0o700)).unwrap();
    let foreign = [
        "Cargo.lock",
        "yarn.lock",
        ".tmp-build",
        "token-v1-notes.lock",
        "notes.json",
    ];
    for name in foreign {
        fs::write(project.join(name), name).unwrap();
        backdate(&project.join(name));
    }
    let cache = Cache::at(project.clone()).unwrap();
    let ours_temp = project.join(format!("{TEMP_PREFIX}dead"));
    let ours_lock = project.join(format!("{PREFIX}{K}.lock"));
    for path in [&ours_temp, &ours_lock] {
        fs::write(path, "").unwrap();
        #[cfg(unix)]
        fs::set_permissions(path, fs::Permissions::from_mode(0o600)).unwrap();
        backdate(path);
    }
    cache.prune(at(10_000));
    for name in foreign {
        assert_eq!(fs::read_to_string(project.join(name)).unwrap(), name);
    }
    assert!(
        !ours_temp.exists() && !ours_lock.exists(),
        "our leftovers go"
    );
}

#[test]
#[cfg(unix)]
fn the_marker_is_private_and_never_written_through_a_symlink() {
    let (tmp, cache) = private_dir();
    let victim = tmp.path().join("victim");
    fs::write(&victim, "precious").unwrap();
    std::os::unix::fs::symlink(&victim, cache.dir().join(MARKER)).unwrap();
    cache.prune(at(10_000));
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
    fs::remove_file(cache.dir().join(MARKER)).unwrap();
    cache.prune(at(10_000));
    let mode = fs::symlink_metadata(cache.dir().join(MARKER))
        .unwrap()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

fn session(key: &str, fetched_at: i64, expires_at: i64) -> Session {
    Session {
        version: SESSION_VERSION,
        key: key.into(),
        access_key_id: "ASIA".into(),
        secret_access_key: crate::secret::Secret::new("secret"),
        session_token: crate::secret::Secret::new("token"),
        fetched_at,
        expires_at,
    }
}

#[test]
fn sessions_are_private_served_only_under_their_key_and_never_taken_for_tokens() {
    let (_tmp, cache) = private_dir();
    let key = Identity::from_stored(K.into());
    cache.write_session(&session(K, 1, 3600)).unwrap();
    assert_eq!(cache.read_session(&key), Some(session(K, 1, 3600)));
    #[cfg(unix)]
    {
        let path = cache.dir().join(session_name(K));
        assert_eq!(fs::metadata(path).unwrap().mode() & 0o777, 0o600);
    }
    // A session copied over another key's name is not that key's.
    let other = "22222222222222222222222222222222";
    fs::copy(
        cache.dir().join(session_name(K)),
        cache.dir().join(session_name(other)),
    )
    .unwrap();
    assert_eq!(
        cache.read_session(&Identity::from_stored(other.into())),
        None
    );
    assert!(cache.entries().is_empty(), "not a token entry");
    assert!(cache.read(K).is_none());
    for bad in [&b""[..], b"{", b"{\"version\":1}"] {
        fs::write(cache.dir().join(session_name(K)), bad).unwrap();
        assert_eq!(cache.read_session(&key), None, "{bad:?}");
    }
}

#[test]
fn the_sweep_removes_expired_sessions_and_their_orphaned_locks() {
    let (_tmp, cache) = private_dir();
    let (live, dead) = (
        "11111111111111111111111111111111",
        "33333333333333333333333333333333",
    );
    cache.write_session(&session(live, 9_000, 13_000)).unwrap();
    cache.write_session(&session(dead, 5_000, 9_999)).unwrap();
    let orphan = cache.dir().join(format!("{SESSION_PREFIX}{dead}.lock"));
    let Locking::Held(lock) = cache.lock_session(&Identity::from_stored(dead.into()), soon())
    else {
        panic!("the session lock")
    };
    drop(lock);
    backdate(&orphan);
    cache.prune(at(10_000));
    assert!(
        cache
            .read_session(&Identity::from_stored(live.into()))
            .is_some()
    );
    assert!(
        cache
            .read_session(&Identity::from_stored(dead.into()))
            .is_none()
    );
    assert!(!orphan.exists(), "an old lock of a session that is gone");
}
