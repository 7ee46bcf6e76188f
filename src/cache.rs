//! The token cache: one small file per registry and identity.
//!
//! This is why the helper is fast: a valid entry is served by reading one file, with no AWS
//! credential resolution, no config loading, no runtime and no network. It is also where the
//! safety rules live: a directory someone else could write is not trusted, entry files are
//! opened without following symlinks, writes are atomic (temp file, fsync, rename) so readers
//! never lock and never see a torn file, and a per-entry lock makes concurrent cold calls wait
//! for one fetch instead of each making their own.
//!
//! The cache is best-effort: any problem here (unreadable, corrupt, read-only, full) degrades to
//! a miss or an unwritten entry, never to a failed `get`.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Read};
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use rustix::fs::{Mode, OFlags};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::env::Env;
use crate::file;
use crate::identity::Identity;
use crate::log;
use crate::registry::Registry;
use crate::secret::Secret;
use crate::token::Token;

/// The entry format this build reads and writes. Other versions are misses and get rewritten.
pub const ENTRY_VERSION: u32 = 1;

/// Our files' prefix. It keeps us clear of the Go helper's `cache.json` in a shared directory.
const PREFIX: &str = "token-v1-";

/// Temp files of interrupted writes start with this; the sweep removes old ones.
const TEMP_PREFIX: &str = ".tmp-";

/// An entry is a few hundred bytes; a bigger file is not ours.
const MAX_ENTRY_SIZE: u64 = 64 * 1024;

/// How often the directory is swept for expired entries.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// One cached token, as stored on disk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub version: u32,
    /// The ECR host the token is for.
    pub host: String,
    /// The identity fingerprint it was fetched with.
    pub identity: String,
    pub username: String,
    pub password: Secret,
    /// Unix seconds.
    pub fetched_at: i64,
    /// Unix seconds.
    pub expires_at: i64,
}

impl Entry {
    pub fn new(
        registry: &Registry,
        identity: &Identity,
        token: &Token,
        now: OffsetDateTime,
    ) -> Self {
        Entry {
            version: ENTRY_VERSION,
            host: registry.host.clone(),
            identity: identity.as_str().to_owned(),
            username: token.username.clone(),
            password: token.password.clone(),
            fetched_at: now.unix_timestamp(),
            expires_at: token.expires_at.unix_timestamp(),
        }
    }

    pub fn token(&self) -> Token {
        Token {
            username: self.username.clone(),
            password: self.password.clone(),
            expires_at: OffsetDateTime::from_unix_timestamp(self.expires_at)
                .unwrap_or(OffsetDateTime::UNIX_EPOCH),
        }
    }

    /// When the entry stops being served without a refresh: `min(window, lifetime / 2)` before
    /// expiry. The halving keeps short-lived tokens (assumed-role sessions) cacheable.
    pub fn refresh_at(&self, window: Duration) -> i64 {
        let lifetime = (self.expires_at - self.fetched_at).max(0);
        let window = i64::try_from(window.as_secs()).unwrap_or(i64::MAX);
        self.expires_at - window.min(lifetime / 2)
    }

    pub fn is_fresh(&self, now: OffsetDateTime, window: Duration) -> bool {
        now.unix_timestamp() < self.refresh_at(window)
    }

    pub fn is_expired(&self, now: OffsetDateTime) -> bool {
        now.unix_timestamp() >= self.expires_at
    }
}

/// A trusted cache directory.
#[derive(Debug)]
pub struct Cache {
    dir: PathBuf,
}

/// A held entry lock; released on drop.
#[derive(Debug)]
pub struct Lock {
    _file: File,
}

impl Cache {
    /// The cache, or `None` when it is disabled (`AWS_ECR_DISABLE_CACHE`) or its directory
    /// cannot be used safely (then with a warning).
    pub fn open(env: &Env) -> Option<Cache> {
        if env.get("AWS_ECR_DISABLE_CACHE").is_some() {
            return None;
        }
        let dir = match env.get("AWS_ECR_CACHE_DIR") {
            Some(dir) => PathBuf::from(dir),
            None => directories::BaseDirs::new()?
                .cache_dir()
                .join("docker-credential-ecr-login"),
        };
        Cache::at(dir)
    }

    /// The cache in `dir`, created 0700 if missing, if it is ours and nobody else can write it.
    pub fn at(dir: PathBuf) -> Option<Cache> {
        if let Err(e) = fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)
        {
            log::debug(format_args!(
                "cache disabled: cannot create {}: {e}",
                dir.display()
            ));
            return None;
        }
        let meta = match fs::metadata(&dir) {
            Ok(meta) => meta,
            Err(e) => {
                log::debug(format_args!("cache disabled: {}: {e}", dir.display()));
                return None;
            }
        };
        let me = rustix::process::geteuid().as_raw();
        if meta.uid() != me {
            log::warn(format_args!(
                "not using the cache directory {}: it belongs to uid {}, not to you",
                dir.display(),
                meta.uid()
            ));
            return None;
        }
        if meta.mode() & 0o022 != 0 {
            log::warn(format_args!(
                "not using the cache directory {}: others can write to it (mode {:o}); run chmod 700 on it",
                dir.display(),
                meta.mode() & 0o777
            ));
            return None;
        }
        Some(Cache { dir })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn entry_path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{PREFIX}{key}.json"))
    }

    fn lock_path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{PREFIX}{key}.lock"))
    }

    /// The entry for `key`, if there is a readable, well-formed one of our version.
    pub fn read(&self, key: &str) -> Option<Entry> {
        read_entry(&self.entry_path(key))
    }

    /// Atomically replaces the entry for `key`. A symlink at the entry's path is replaced,
    /// never written through.
    pub fn write(&self, key: &str, entry: &Entry) -> io::Result<()> {
        let json = serde_json::to_vec(entry).map_err(io::Error::other)?;
        file::replace(&self.entry_path(key), &json, 0o600, TEMP_PREFIX)
    }

    /// Deletes the entry for `key`; a missing entry is not an error.
    pub fn remove(&self, key: &str) -> io::Result<()> {
        match fs::remove_file(self.entry_path(key)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// Takes the entry's exclusive lock, waiting at most `wait`. `None` means "go on unlocked":
    /// a read-only directory or a stuck holder must not stop us from answering.
    pub fn lock(&self, key: &str, wait: Duration) -> Option<Lock> {
        let file = open_nofollow(&self.lock_path(key), OFlags::RDWR | OFlags::CREATE)
            .map_err(|e| log::debug(format_args!("cache lock unavailable: {e}")))
            .ok()?;
        let deadline = Instant::now() + wait;
        let mut pause = Duration::from_millis(2);
        loop {
            match file.try_lock() {
                Ok(()) => return Some(Lock { _file: file }),
                Err(fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(50));
                }
                Err(e) => {
                    log::debug(format_args!("cache lock not taken: {e}"));
                    return None;
                }
            }
        }
    }

    /// Every readable entry, with its key.
    pub fn entries(&self) -> Vec<(String, Entry)> {
        let Ok(dir) = fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        dir.filter_map(|item| {
            let name = item.ok()?.file_name().into_string().ok()?;
            let key = name.strip_prefix(PREFIX)?.strip_suffix(".json")?.to_owned();
            Some((key.clone(), self.read(&key)?))
        })
        .collect()
    }

    /// The hosts with an unexpired entry whose identity is `identity_for` its registry.
    pub fn list(
        &self,
        now: OffsetDateTime,
        identity_for: impl Fn(&Registry) -> Identity,
    ) -> BTreeMap<String, String> {
        self.entries()
            .into_iter()
            .filter(|(_, e)| !e.is_expired(now))
            .filter_map(|(_, e)| {
                let registry = Registry::from_host(&e.host)?;
                (identity_for(&registry).as_str() == e.identity).then_some(e)
            })
            .map(|e| (e.host, e.username))
            .collect()
    }

    /// Deletes expired entries and stale temp files, at most once per [`PRUNE_EVERY`].
    pub fn prune(&self, now: OffsetDateTime) {
        let stamp = self.dir.join(".pruned");
        let recent = fs::metadata(&stamp)
            .and_then(|m| m.modified())
            .is_ok_and(|t| age(t) < PRUNE_EVERY);
        if recent || File::create(&stamp).is_err() {
            return;
        }
        for (key, entry) in self.entries() {
            if entry.is_expired(now) {
                log::debug(format_args!("pruning the expired entry for {}", entry.host));
                let _ = self.remove(&key);
            }
        }
        let Ok(dir) = fs::read_dir(&self.dir) else {
            return;
        };
        for item in dir.flatten() {
            let name = item.file_name();
            let name = name.to_string_lossy();
            let old = item
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| age(t) > PRUNE_EVERY);
            let orphan_lock = name
                .strip_suffix(".lock")
                .is_some_and(|stem| !self.dir.join(format!("{stem}.json")).exists());
            if old && (name.starts_with(TEMP_PREFIX) || orphan_lock) {
                let _ = fs::remove_file(item.path());
            }
        }
    }
}

fn age(t: SystemTime) -> Duration {
    SystemTime::now().duration_since(t).unwrap_or_default()
}

/// Opens `path` without following a symlink at its last component, with mode 0600 if created.
fn open_nofollow(path: &Path, flags: OFlags) -> io::Result<File> {
    let fd = rustix::fs::open(
        path,
        flags | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::from_raw_mode(0o600),
    )?;
    Ok(File::from(fd))
}

fn read_entry(path: &Path) -> Option<Entry> {
    let file = match open_nofollow(path, OFlags::RDONLY) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return None,
        Err(e) => {
            log::debug(format_args!("cache miss: {}: {e}", path.display()));
            return None;
        }
    };
    let meta = file.metadata().ok()?;
    let me = rustix::process::geteuid().as_raw();
    if !meta.is_file() || meta.uid() != me || meta.mode() & 0o022 != 0 {
        log::debug(format_args!(
            "cache miss: {} is not a private file of ours",
            path.display()
        ));
        return None;
    }
    let mut text = Vec::new();
    file.take(MAX_ENTRY_SIZE).read_to_end(&mut text).ok()?;
    match serde_json::from_slice::<Entry>(&text) {
        Ok(entry) if entry.version == ENTRY_VERSION => Some(entry),
        Ok(entry) => {
            log::debug(format_args!("cache miss: entry version {}", entry.version));
            None
        }
        Err(e) => {
            log::debug(format_args!(
                "cache miss: corrupt entry {}: {e}",
                path.display()
            ));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    const HOST: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com";

    fn at(secs: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(secs).unwrap()
    }

    fn entry(fetched_at: i64, expires_at: i64) -> Entry {
        Entry {
            version: ENTRY_VERSION,
            host: HOST.into(),
            identity: "id".into(),
            username: "AWS".into(),
            password: Secret::new("pw"),
            fetched_at,
            expires_at,
        }
    }

    const HOUR: Duration = Duration::from_secs(3600);

    #[test]
    fn a_12h_token_is_fresh_until_an_hour_before_expiry() {
        let e = entry(0, 12 * 3600);
        assert!(e.is_fresh(at(0), HOUR));
        assert!(e.is_fresh(at(11 * 3600 - 1), HOUR));
        assert!(!e.is_fresh(at(11 * 3600), HOUR));
        assert!(!e.is_expired(at(12 * 3600 - 1)));
        assert!(e.is_expired(at(12 * 3600)));
    }

    #[test]
    fn short_lived_tokens_refresh_at_half_life() {
        // A 40-minute token from an assumed-role session: fresh for 20 minutes, not zero.
        let e = entry(1000, 1000 + 2400);
        assert_eq!(e.refresh_at(HOUR), 1000 + 1200);
        assert!(e.is_fresh(at(1000 + 1199), HOUR));
        assert!(!e.is_fresh(at(1000 + 1200), HOUR));
        // A token that was already expired when fetched is never fresh.
        let dead = entry(1000, 900);
        assert!(!dead.is_fresh(at(1000), HOUR));
    }

    fn private_dir() -> (tempfile::TempDir, Cache) {
        let tmp = tempfile::tempdir().unwrap();
        let cache = Cache::at(tmp.path().join("cache")).expect("trusted");
        (tmp, cache)
    }

    #[test]
    fn round_trip_with_private_modes() {
        let (_tmp, cache) = private_dir();
        let dir_mode = fs::metadata(cache.dir()).unwrap().mode() & 0o777;
        assert_eq!(dir_mode, 0o700);
        cache.write("k", &entry(1, 2)).unwrap();
        let file_mode = fs::metadata(cache.entry_path("k")).unwrap().mode() & 0o777;
        assert_eq!(file_mode, 0o600);
        assert_eq!(cache.read("k"), Some(entry(1, 2)));
        cache.remove("k").unwrap();
        cache.remove("k").unwrap();
        assert_eq!(cache.read("k"), None);
    }

    #[test]
    fn bad_entries_are_misses() {
        let (_tmp, cache) = private_dir();
        let path = cache.entry_path("k");
        for bad in [&b""[..], b"{", b"\0\0\0", b"{\"version\":1}"] {
            fs::write(&path, bad).unwrap();
            assert_eq!(cache.read("k"), None, "{bad:?}");
        }
        let mut future = serde_json::to_value(entry(1, 2)).unwrap();
        future["version"] = 2.into();
        fs::write(&path, future.to_string()).unwrap();
        assert_eq!(cache.read("k"), None);
        // A miss gets rewritten over whatever was there.
        cache.write("k", &entry(1, 2)).unwrap();
        assert_eq!(cache.read("k"), Some(entry(1, 2)));
    }

    #[test]
    fn symlinked_entries_are_neither_followed_nor_written_through() {
        let (tmp, cache) = private_dir();
        let target = tmp.path().join("elsewhere.json");
        fs::write(&target, serde_json::to_vec(&entry(1, 2)).unwrap()).unwrap();
        std::os::unix::fs::symlink(&target, cache.entry_path("k")).unwrap();
        assert_eq!(cache.read("k"), None, "a symlink is not followed");
        cache.write("k", &entry(5, 6)).unwrap();
        let untouched: Entry = serde_json::from_slice(&fs::read(&target).unwrap()).unwrap();
        assert_eq!(untouched, entry(1, 2), "the link target is untouched");
        assert!(
            !fs::symlink_metadata(cache.entry_path("k"))
                .unwrap()
                .is_symlink()
        );
        assert_eq!(cache.read("k"), Some(entry(5, 6)));
    }

    #[test]
    fn group_writable_entries_and_directories_are_not_trusted() {
        let (tmp, cache) = private_dir();
        cache.write("k", &entry(1, 2)).unwrap();
        fs::set_permissions(cache.entry_path("k"), fs::Permissions::from_mode(0o666)).unwrap();
        assert_eq!(cache.read("k"), None);
        let open = tmp.path().join("open");
        fs::create_dir(&open).unwrap();
        fs::set_permissions(&open, fs::Permissions::from_mode(0o777)).unwrap();
        assert!(Cache::at(open).is_none());
    }

    #[test]
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
    fn the_lock_is_exclusive_and_bounded() {
        let (_tmp, cache) = private_dir();
        let held = cache.lock("k", Duration::ZERO).expect("first lock");
        assert!(
            cache.lock("k", Duration::from_millis(30)).is_none(),
            "second must wait, then give up"
        );
        drop(held);
        assert!(cache.lock("k", Duration::ZERO).is_some());
    }

    #[test]
    fn list_and_prune() {
        let (_tmp, cache) = private_dir();
        let now = 10_000;
        cache.write("live", &entry(now - 10, now + 3600)).unwrap();
        let mut other = entry(now - 10, now + 3600);
        other.host = "public.ecr.aws".into();
        other.identity = "someone-else".into();
        cache.write("other", &other).unwrap();
        cache.write("dead", &entry(now - 7200, now - 1)).unwrap();
        let listed = cache.list(at(now), |_| Identity::from_stored("id".into()));
        assert_eq!(
            listed.into_iter().collect::<Vec<_>>(),
            vec![(HOST.to_owned(), "AWS".to_owned())]
        );
        cache.prune(at(now));
        assert!(cache.read("dead").is_none());
        assert!(cache.read("live").is_some() && cache.read("other").is_some());
    }
}
