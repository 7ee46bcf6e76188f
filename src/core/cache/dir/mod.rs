//! The cache directory, opened once and checked, and every file in it reached through it.
//!
//! On Unix checking a directory by path and then using it by path again leaves a window in
//! which the path can be pointed elsewhere, so `unix.rs` opens it once, checks its owner and
//! mode on that handle, and opens every file relative to the handle: never through a symlink,
//! never blocking (a FIFO planted at an entry's name opens at once and is then refused), and
//! only if it is a regular file of ours that nobody else can write.
//!
//! On Windows `windows.rs` keeps what applies there: no file or directory is used through a
//! symlink or junction, and entries must be regular files. Owner and mode checks do not
//! apply: the default directory is under `%LOCALAPPDATA%`, whose ACL already admits only the
//! user (and administrators), and Windows has no world-writable mode bits to refuse.

use std::fs::File;
use std::io::{self, Write};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

#[cfg(unix)]
mod unix;
#[cfg(windows)]
mod windows;

#[cfg(unix)]
pub use unix::Dir;
#[cfg(windows)]
pub use windows::Dir;

/// Why a directory is not used, for the warning.
#[derive(Debug)]
pub enum Refusal {
    /// It cannot be created or opened (a read-only home, no permission): quietly uncached.
    Unusable(io::Error),
    /// It is someone else's, or others can write to it: a warning, then uncached.
    Untrusted(String),
}

/// How a file in the directory is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Open {
    /// An existing file, to read.
    Read,
    /// Read and write, created if missing: a lock file.
    Lock,
    /// A new file that must not exist yet, to write: a temp file.
    CreateNew,
    /// Created if missing, else emptied: the sweep's marker, whose time is what matters.
    Touch,
}

impl Dir {
    /// Writes `bytes` to `name` atomically: a new temp file (private, named `temp_prefix` and
    /// a unique suffix), fsync, rename over `name`. A symlink at `name` is replaced, never
    /// written through.
    pub fn replace(&self, name: &str, bytes: &[u8], temp_prefix: &str) -> io::Result<()> {
        let (temp, mut file) = self.create_temp(temp_prefix)?;
        let written = file
            .write_all(bytes)
            .and_then(|()| file.sync_all())
            .and_then(|()| {
                // Windows cannot rename over a file this process still holds open.
                drop(file);
                self.rename(&temp, name)
            });
        if written.is_err() {
            let _ = self.remove(&temp);
        }
        written
    }

    fn create_temp(&self, prefix: &str) -> io::Result<(String, File)> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let mut attempt = 0;
        loop {
            let nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .subsec_nanos();
            let name = format!(
                "{prefix}{:x}-{nanos:x}-{:x}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed)
            );
            match self.open_file(&name, Open::CreateNew) {
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 8 => attempt += 1,
                other => return other.map(|file| (name, file)),
            }
        }
    }
}
