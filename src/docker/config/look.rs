//! One step of the walk: what a name in an open directory is, found without following it,
//! told by the handle that was opened rather than by a second look at the name.

use std::ffi::{OsStr, OsString};
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStringExt;
use std::path::PathBuf;

use rustix::fs::{FileType, Mode, OFlags, Stat};
use rustix::io::Errno;

/// What a name in a directory is.
pub enum Entry {
    /// A directory, opened: the handle the walk goes on from.
    Dir(OwnedFd, Stat),
    /// A symlink (its own owner, not its target's) and what it says.
    Link(Stat, PathBuf),
    /// Anything else: a regular file, or something `configure` will refuse to read.
    File(Stat),
    Missing,
}

/// The handle the walk of an absolute path starts from.
pub fn open_root() -> io::Result<(OwnedFd, Stat)> {
    let fd = rustix::fs::open("/", DIR_FLAGS | OFlags::DIRECTORY, Mode::empty())?;
    let stat = rustix::fs::fstat(&fd)?;
    Ok((fd, stat))
}

/// `O_PATH` needs only search permission on the directories on the way, as the kernel's own
/// lookup does (a `0711` home stays walkable), and a handle on a symlink itself, so that its
/// owner and its text come from the same link.
#[cfg(any(target_os = "linux", target_os = "android"))]
const DIR_FLAGS: OFlags = OFlags::PATH.union(OFlags::CLOEXEC);

/// Elsewhere a directory is opened to read it; a handle on a symlink is not to be had.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
const DIR_FLAGS: OFlags = OFlags::RDONLY.union(OFlags::CLOEXEC);

/// `name` in `dir`, not followed if it is a symlink.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub fn look(dir: impl AsFd, name: &OsStr) -> io::Result<Entry> {
    let fd = match rustix::fs::openat(dir, name, DIR_FLAGS | OFlags::NOFOLLOW, Mode::empty()) {
        Ok(fd) => fd,
        Err(Errno::NOENT) => return Ok(Entry::Missing),
        Err(e) => return Err(e.into()),
    };
    let stat = rustix::fs::fstat(&fd)?;
    Ok(match FileType::from_raw_mode(stat.st_mode) {
        FileType::Directory => Entry::Dir(fd, stat),
        // The empty name reads the link the handle holds (Linux 2.6.39 and later).
        FileType::Symlink => Entry::Link(stat, text(rustix::fs::readlinkat(&fd, "", Vec::new())?)),
        _ => Entry::File(stat),
    })
}

/// `name` in `dir`, not followed if it is a symlink. Without a handle on the link, its owner is
/// looked up before and after reading it: a swap in between, by anyone else, is an error.
#[cfg(any(not(any(target_os = "linux", target_os = "android")), test))]
pub fn look_portably(dir: impl AsFd, name: &OsStr) -> io::Result<Entry> {
    use rustix::fs::{AtFlags, statat};
    // NONBLOCK: should a FIFO be opened before O_DIRECTORY is checked, it must not wait.
    let flags =
        OFlags::RDONLY | OFlags::CLOEXEC | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::NONBLOCK;
    let opened = match rustix::fs::openat(&dir, name, flags, Mode::empty()) {
        Ok(fd) => fd,
        Err(Errno::NOENT) => return Ok(Entry::Missing),
        // A symlink (ELOOP, or EMLINK on the BSDs) or not a directory: see which.
        Err(opening) => {
            let stat = match statat(&dir, name, AtFlags::SYMLINK_NOFOLLOW) {
                Ok(stat) => stat,
                Err(Errno::NOENT) => return Ok(Entry::Missing),
                Err(e) => return Err(e.into()),
            };
            return match FileType::from_raw_mode(stat.st_mode) {
                FileType::Symlink => {
                    let target = rustix::fs::readlinkat(&dir, name, Vec::new())?;
                    let after = statat(&dir, name, AtFlags::SYMLINK_NOFOLLOW)?;
                    if (after.st_dev, after.st_ino, after.st_uid)
                        != (stat.st_dev, stat.st_ino, stat.st_uid)
                    {
                        return Err(io::Error::other("it was replaced while being read"));
                    }
                    Ok(Entry::Link(stat, text(target)))
                }
                // A directory we could not open: say why.
                FileType::Directory => Err(opening.into()),
                _ => Ok(Entry::File(stat)),
            };
        }
    };
    let stat = rustix::fs::fstat(&opened)?;
    Ok(Entry::Dir(opened, stat))
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub use look_portably as look;

fn text(target: std::ffi::CString) -> PathBuf {
    PathBuf::from(OsString::from_vec(target.into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both ways of looking agree on every kind of entry (the portable one is the macOS one).
    #[test]
    fn both_ways_of_looking_tell_each_kind_apart() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("dir")).unwrap();
        std::fs::write(dir.path().join("file"), "{}").unwrap();
        std::os::unix::fs::symlink("some/where", dir.path().join("link")).unwrap();
        let handle = rustix::fs::open(dir.path(), OFlags::RDONLY, Mode::empty()).unwrap();
        for way in [look, look_portably] {
            let kind = |name: &str| match way(&handle, OsStr::new(name)).unwrap() {
                Entry::Dir(_, stat) => format!("dir {}", stat.st_uid),
                Entry::Link(_, target) => format!("link {}", target.display()),
                Entry::File(stat) => format!("file {}", stat.st_size),
                Entry::Missing => "missing".to_owned(),
            };
            let me = rustix::process::geteuid().as_raw();
            assert_eq!(kind("dir"), format!("dir {me}"));
            assert_eq!(kind("file"), "file 2");
            assert_eq!(kind("link"), "link some/where");
            assert_eq!(kind("none"), "missing");
        }
    }
}
