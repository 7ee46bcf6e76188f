//! The token cache: one small file per registry and identity; beside the tokens, the role
//! sessions got with an MFA code ([`session`]), under the same rules.
//!
//! This is why the helper is fast: a valid entry is served by reading one file, with no AWS
//! credential resolution, no config loading, no runtime and no network. It is also where the
//! safety rules live: a directory someone else could write is not trusted ([`dir`]), files are
//! opened relative to the checked directory without following symlinks or blocking, writes
//! are atomic (temp file, fsync, rename) so readers never lock and never see a torn file, and
//! a per-entry lock makes concurrent cold calls wait for one fetch instead of each making
//! their own. Every file the cache creates, touches or deletes has the [`PREFIX`]: pointed at
//! a directory that holds other things, it leaves them alone.
//!
//! The cache is best-effort: any problem here (unreadable, corrupt, read-only, full) degrades to
//! a miss or an unwritten entry, never to a failed `get`.

mod dir;
mod entry;
mod session;

use std::collections::BTreeMap;
use std::io::{self, Read};
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use time::OffsetDateTime;

#[cfg(fuzzing)]
pub(crate) use entry::ENTRY_VERSION;
pub use entry::Entry;
pub use session::{MAX_LIFETIME_SECS, SESSION_VERSION, Session};

use crate::core::identity::Identity;
use crate::core::registry::Registry;
use crate::log::{debug, warn};
use crate::settings::Settings;
use dir::{Dir, Open, Refusal};

/// Every file of ours starts with this. It keeps us clear of the Go helper's `cache.json` in a
/// shared directory, and of anything else a user keeps there.
const PREFIX: &str = "token-v1-";

/// Temp files of interrupted writes; the sweep removes old ones.
const TEMP_PREFIX: &str = "token-v1-tmp-";

/// Role sessions got with an MFA code ([`session`]): ours, but never read as tokens.
const SESSION_PREFIX: &str = "token-v1-session-";

/// Touched when the directory was last swept.
const MARKER: &str = "token-v1-pruned";

/// An entry is a few hundred bytes; a bigger file is not ours.
const MAX_ENTRY_SIZE: u64 = 64 * 1024;

/// How often the directory is swept for expired entries.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// A trusted cache directory.
#[derive(Debug)]
pub struct Cache {
    dir: Dir,
}

/// A held entry lock; released on drop.
#[derive(Debug)]
pub struct Lock {
    _file: std::fs::File,
}

/// What came of waiting for an entry's lock.
#[derive(Debug)]
pub enum Locking {
    /// Held until this value is dropped.
    Held(#[allow(dead_code, reason = "held for its Drop, which releases the lock")] Lock),
    /// Another process held it until the deadline.
    Busy,
    /// No lock can be had here (a read-only directory): go on unlocked.
    Unavailable,
}

impl Cache {
    /// The cache of `settings`, or `None` when it is off or its directory cannot be used
    /// safely (then with a warning).
    pub fn open(settings: &Settings) -> Option<Cache> {
        Cache::at(settings.cache_dir.clone()?)
    }

    /// The cache in `path`, created 0700 if missing, if it is ours and nobody else can write it.
    pub fn at(path: PathBuf) -> Option<Cache> {
        match Dir::open(&path) {
            Ok(dir) => Some(Cache { dir }),
            Err(Refusal::Unusable(e)) => {
                debug!("cache disabled: {}: {e}", path.display());
                None
            }
            Err(Refusal::Untrusted(why)) => {
                warn!("not using the cache directory {}: {why}", path.display());
                None
            }
        }
    }

    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    pub fn entry_path(&self, key: &str) -> PathBuf {
        self.dir.path().join(entry_name(key))
    }

    /// The entry for `key`, if there is a readable, well-formed one of our version. Whether it
    /// is for the registry and identity asked for is the caller's check ([`Entry::is_for`]).
    pub fn read(&self, key: &str) -> Option<Entry> {
        let name = entry_name(key);
        Entry::from_json(&self.read_file(&name)?)
            .inspect_err(|why| debug!("cache miss: {name}: {why}"))
            .ok()
    }

    /// The bytes of the file `name`, if it is one of ours that can be read.
    fn read_file(&self, name: &str) -> Option<Vec<u8>> {
        let file = match self.dir.open_file(name, Open::Read) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return None,
            Err(e) => {
                debug!("cache miss: {name}: {e}");
                return None;
            }
        };
        let mut bytes = Vec::new();
        file.take(MAX_ENTRY_SIZE).read_to_end(&mut bytes).ok()?;
        Some(bytes)
    }

    /// The role session stored under `key`, if there is a well-formed one made for that key.
    /// Whether it is still usable is the caller's check ([`Session::is_usable`]).
    pub fn read_session(&self, key: &Identity) -> Option<Session> {
        let name = session_name(key.as_str());
        Session::from_json(&self.read_file(&name)?)
            .inspect_err(|why| debug!("no MFA session: {name}: {why}"))
            .ok()
            .filter(|session| session.key == key.as_str())
    }

    /// Atomically replaces the role session stored under its key.
    pub fn write_session(&self, session: &Session) -> io::Result<()> {
        let json = serde_json::to_vec(session).map_err(io::Error::other)?;
        self.dir
            .replace(&session_name(&session.key), &json, TEMP_PREFIX)
    }

    /// Takes the lock of the role session stored under `key`, waiting until `deadline` at the
    /// latest: one process at a time asks for its code.
    pub fn lock_session(&self, key: &Identity, deadline: Instant) -> Locking {
        self.lock_file(&format!("{SESSION_PREFIX}{}.lock", key.as_str()), deadline)
    }

    /// Atomically replaces the entry for `key`.
    pub fn write(&self, key: &str, entry: &Entry) -> io::Result<()> {
        let json = serde_json::to_vec(entry).map_err(io::Error::other)?;
        self.dir.replace(&entry_name(key), &json, TEMP_PREFIX)
    }

    /// Deletes the entry for `key`; a missing entry is not an error.
    pub fn remove(&self, key: &str) -> io::Result<()> {
        self.dir.remove(&entry_name(key))
    }

    /// Takes the entry's exclusive lock, waiting until `deadline` at the latest.
    pub fn lock(&self, key: &str, deadline: Instant) -> Locking {
        self.lock_file(&format!("{PREFIX}{key}.lock"), deadline)
    }

    fn lock_file(&self, name: &str, deadline: Instant) -> Locking {
        let file = match self.dir.open_file(name, Open::Lock) {
            Ok(file) => file,
            Err(e) => {
                debug!("cache lock unavailable: {e}");
                return Locking::Unavailable;
            }
        };
        let mut pause = Duration::from_millis(2);
        loop {
            match file.try_lock() {
                Ok(()) => return Locking::Held(Lock { _file: file }),
                Err(std::fs::TryLockError::WouldBlock) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Locking::Busy;
                    }
                    std::thread::sleep(pause.min(left));
                    pause = (pause * 2).min(Duration::from_millis(50));
                }
                Err(e) => {
                    debug!("cache lock not taken: {e}");
                    return Locking::Unavailable;
                }
            }
        }
    }

    /// Every readable entry, with its key.
    pub fn entries(&self) -> Vec<(String, Entry)> {
        self.dir
            .names(PREFIX)
            .into_iter()
            .filter_map(|name| {
                let key = entry_key(&name)?.to_owned();
                let entry = self.read(&key)?;
                Some((key, entry))
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
                e.is_for(&registry, &identity_for(&registry)).then_some(e)
            })
            .map(|e| (e.host, e.username))
            .collect()
    }

    /// Deletes expired entries, orphaned locks and stale temp files of ours, at most once per
    /// [`PRUNE_EVERY`]. Nothing without our prefix is ever touched.
    pub fn prune(&self, now: OffsetDateTime) {
        let recent = self
            .dir
            .modified(MARKER)
            .is_some_and(|t| age(t) < PRUNE_EVERY);
        // Truncating the marker is what dates the sweep.
        if recent || self.dir.open_file(MARKER, Open::Touch).is_err() {
            return;
        }
        for (key, entry) in self.entries() {
            if entry.is_expired(now) {
                debug!("pruning the expired entry for {}", entry.host);
                let _ = self.remove(&key);
            }
        }
        for name in self.dir.names(SESSION_PREFIX) {
            let Some(key) = session_key(&name) else {
                continue;
            };
            let expired = self
                .read_file(&name)
                .and_then(|bytes| Session::from_json(&bytes).ok())
                .is_some_and(|session| session.expires_at() <= now.unix_timestamp());
            if expired {
                debug!("pruning an expired MFA session");
                let _ = self.dir.remove(&session_name(key));
            }
        }
        for name in self.dir.names(PREFIX) {
            let old = self
                .dir
                .modified(&name)
                .is_some_and(|t| age(t) > PRUNE_EVERY);
            let lock_of = |prefix: &str, file: fn(&str) -> String| {
                name.strip_prefix(prefix)
                    .and_then(|rest| rest.strip_suffix(".lock"))
                    .filter(|key| is_key(key))
                    .is_some_and(|key| self.dir.modified(&file(key)).is_none())
            };
            let orphan_lock = lock_of(PREFIX, entry_name) || lock_of(SESSION_PREFIX, session_name);
            if old && (name.starts_with(TEMP_PREFIX) || orphan_lock) {
                let _ = self.dir.remove(&name);
            }
        }
    }
}

pub(crate) fn entry_name(key: &str) -> String {
    format!("{PREFIX}{key}.json")
}

fn session_name(key: &str) -> String {
    format!("{SESSION_PREFIX}{key}.json")
}

/// The key of a session file's name, if it is one of ours.
fn session_key(name: &str) -> Option<&str> {
    name.strip_prefix(SESSION_PREFIX)?
        .strip_suffix(".json")
        .filter(|key| is_key(key))
}

/// The key of an entry file's name, if it is one of ours.
pub(crate) fn entry_key(name: &str) -> Option<&str> {
    name.strip_prefix(PREFIX)?
        .strip_suffix(".json")
        .filter(|key| is_key(key))
}

/// Keys are hex digests ([`crate::core::identity::cache_key`]).
fn is_key(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_hexdigit())
}

fn age(t: SystemTime) -> Duration {
    SystemTime::now().duration_since(t).unwrap_or_default()
}

#[cfg(test)]
mod tests;
