//! The cache directory, opened once and checked on its handle.
//!
//! Checking a directory by path and then using it by path again leaves a window in which the
//! path can be pointed elsewhere. So the directory is opened once, its owner and mode are
//! checked on that handle, and every file in it is opened relative to the handle: never
//! through a symlink, never blocking (a FIFO planted at an entry's name opens at once and is
//! then refused), and used only if it is a regular file of ours that nobody else can write.

use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, Write};
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use rustix::fs::{AtFlags, FileType, Mode, OFlags};

/// Why a directory is not used, for the warning.
#[derive(Debug)]
pub enum Refusal {
    /// It cannot be created or opened (a read-only home, no permission): quietly uncached.
    Unusable(io::Error),
    /// It is someone else's, or others can write to it: a warning, then uncached.
    Untrusted(String),
}

#[derive(Debug)]
pub struct Dir {
    fd: OwnedFd,
    path: PathBuf,
}

impl Dir {
    /// Creates `path` (0700) if missing and opens it, if it is ours and nobody else can write
    /// to it.
    pub fn open(path: &Path) -> Result<Dir, Refusal> {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(path)
            .map_err(Refusal::Unusable)?;
        let fd = rustix::fs::open(
            path,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| Refusal::Unusable(e.into()))?;
        let stat = rustix::fs::fstat(&fd).map_err(|e| Refusal::Unusable(e.into()))?;
        let me = rustix::process::geteuid().as_raw();
        if stat.st_uid != me {
            return Err(Refusal::Untrusted(format!(
                "it belongs to uid {}, not to you",
                stat.st_uid
            )));
        }
        let mode = stat.st_mode & 0o777;
        if mode & 0o022 != 0 {
            return Err(Refusal::Untrusted(format!(
                "others can write to it (mode {mode:o}); run chmod 700 on it"
            )));
        }
        Ok(Dir {
            fd,
            path: path.to_owned(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Opens (with `CREATE` in `flags`: creates, 0600) the file `name` in the directory, if it
    /// is a regular file of ours that only we can write.
    pub fn open_file(&self, name: &str, flags: OFlags) -> io::Result<File> {
        let fd = rustix::fs::openat(
            &self.fd,
            name,
            flags | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o600),
        )?;
        let stat = rustix::fs::fstat(&fd)?;
        let me = rustix::process::geteuid().as_raw();
        if FileType::from_raw_mode(stat.st_mode) != FileType::RegularFile
            || stat.st_uid != me
            || stat.st_mode & 0o022 != 0
        {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{name} is not a private regular file of ours"),
            ));
        }
        Ok(File::from(fd))
    }

    /// Writes `bytes` to `name` atomically: a new temp file (0600, named `temp_prefix` and a
    /// unique suffix), fsync, rename over `name`. A symlink at `name` is replaced, never
    /// written through.
    pub fn replace(&self, name: &str, bytes: &[u8], temp_prefix: &str) -> io::Result<()> {
        let (temp, mut file) = self.create_temp(temp_prefix)?;
        let written = file
            .write_all(bytes)
            .and_then(|()| file.sync_all())
            .and_then(|()| {
                rustix::fs::renameat(&self.fd, &temp, &self.fd, name).map_err(io::Error::from)
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
            match self.open_file(&name, OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL) {
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 8 => attempt += 1,
                other => return other.map(|file| (name, file)),
            }
        }
    }

    /// Deletes `name`; a missing file is not an error.
    pub fn remove(&self, name: &str) -> io::Result<()> {
        match rustix::fs::unlinkat(&self.fd, name, AtFlags::empty()) {
            Err(e) if e != rustix::io::Errno::NOENT => Err(e.into()),
            _ => Ok(()),
        }
    }

    /// The modification time of `name` itself (a symlink is not followed), if it exists.
    pub fn modified(&self, name: &str) -> Option<SystemTime> {
        let stat = rustix::fs::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW).ok()?;
        let secs = u64::try_from(stat.st_mtime).ok()?;
        Some(UNIX_EPOCH + std::time::Duration::from_secs(secs))
    }

    /// The names in the directory that start with `prefix`.
    pub fn names(&self, prefix: &str) -> Vec<String> {
        let Ok(dir) = rustix::fs::Dir::read_from(&self.fd) else {
            return Vec::new();
        };
        dir.filter_map(|item| {
            let item = item.ok()?;
            let name = OsStr::from_bytes(item.file_name().to_bytes()).to_str()?;
            name.starts_with(prefix).then(|| name.to_owned())
        })
        .collect()
    }
}
