//! The Unix cache directory: one handle, `openat` relative to it, owner and mode checked on
//! handles (see the parent module).

use std::ffi::OsStr;
use std::fs::File;
use std::io;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use rustix::fs::{AtFlags, FileType, Mode, OFlags};

use super::{Open, Refusal};

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

    /// Opens (creating: 0600) the file `name` in the directory, if it
    /// is a regular file of ours that only we can write.
    pub fn open_file(&self, name: &str, how: Open) -> io::Result<File> {
        let flags = match how {
            Open::Read => OFlags::RDONLY,
            Open::Lock => OFlags::RDWR | OFlags::CREATE,
            Open::CreateNew => OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL,
            Open::Touch => OFlags::WRONLY | OFlags::CREATE | OFlags::TRUNC,
        };
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

    /// Renames `from` over `to`, both in the directory.
    pub(super) fn rename(&self, from: &str, to: &str) -> io::Result<()> {
        rustix::fs::renameat(&self.fd, from, &self.fd, to).map_err(io::Error::from)
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
