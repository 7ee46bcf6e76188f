//! Reading and replacing the file where the walk found it, relative to its directory's handle,
//! and keeping what root must not take from a user: the file's owner, group and mode, and the
//! ownership of any directory made for it.
//!
//! Everything after the walk is done through handles, so a directory swapped for a symlink
//! meanwhile cannot redirect a read or a write; and a file or directory that changed under us
//! is an error, never a write somewhere else.

use std::ffi::OsString;
use std::fs;
use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use rustix::fs::{AtFlags, FileType, Mode, OFlags, Stat};
use rustix::io::Errno;

use super::walk::{Level, Place, walk};
use crate::file;

/// The file `configure` edits, found and held by the walk.
pub struct Target {
    place: Place,
    shown: PathBuf,
    /// The file as read: what its replacement keeps.
    old: Option<fs::Metadata>,
}

impl Target {
    pub fn open(path: &Path) -> Result<Self, String> {
        let place = walk(path)?;
        let shown = place.path();
        Ok(Self {
            place,
            shown,
            old: None,
        })
    }

    /// The file's bytes, or `None` when there is no file yet; only a regular file of at most
    /// `max_bytes` is read, and only the one the walk found.
    pub fn read(&mut self, max_bytes: u64) -> Result<Option<Vec<u8>>, String> {
        let Some(found) = self.place.file else {
            return Ok(None);
        };
        // Not opened at all otherwise: opening a device can do things, a FIFO can wait.
        if FileType::from_raw_mode(found.st_mode) != FileType::RegularFile {
            return Err(format!("{} is not a regular file", self.shown.display()));
        }
        let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
        let fd = rustix::fs::openat(&self.place.dir().fd, &self.place.name, flags, Mode::empty())
            .map_err(|e| match e {
            Errno::LOOP | Errno::NOENT => self.changed(),
            e => format!("cannot read: {e}"),
        })?;
        let now = rustix::fs::fstat(&fd).map_err(|e| format!("cannot read: {e}"))?;
        if !same(&now, &found) {
            return Err(self.changed());
        }
        let opened = fs::File::from(fd);
        let meta = opened.metadata().map_err(|e| format!("cannot read: {e}"))?;
        file::check_regular(&meta, max_bytes).map_err(|e| format!("cannot read: {e}"))?;
        let mut bytes = Vec::new();
        opened
            .take(max_bytes + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("cannot read: {e}"))?;
        if bytes.len() as u64 > max_bytes {
            return Err(self.changed());
        }
        self.old = Some(meta);
        Ok(Some(bytes))
    }

    /// Replaces the file with `bytes`: a temp file beside it, given the old file's owner, group
    /// and mode (a new file is ours, 0600; as root, its directory's owner's), fsynced, renamed
    /// over it within the same directory handle. Missing directories are made first.
    pub fn replace(&mut self, bytes: &[u8]) -> Result<(), String> {
        self.make_missing_dirs()?;
        let root = rustix::process::geteuid().is_root();
        let dir = self.place.dir();
        let (mode, owner) = match &self.old {
            // The permission bits only: root re-applying a set-id bit to a data file it writes
            // for someone else gives nothing, and is not root's to do.
            Some(old) => (old.mode() & 0o777, owner_to_keep(old.uid(), old.gid())),
            None => (0o600, root.then_some((dir.stat.st_uid, dir.stat.st_gid))),
        };
        let (temp_name, temp) = create_temp(&dir.fd, &self.place.name)?;
        let written = fill(&temp, bytes, mode, owner)
            .map_err(|e| format!("cannot write: {e}"))
            .and_then(|()| self.check_unchanged())
            .and_then(|()| {
                rustix::fs::renameat(&dir.fd, &temp_name, &dir.fd, &self.place.name)
                    .map_err(|e| format!("cannot write: {e}"))
            });
        if let Err(e) = written {
            let _ = rustix::fs::unlinkat(&dir.fd, &temp_name, AtFlags::empty());
            return Err(e);
        }
        // Best effort: the file is replaced by now, and saying otherwise would mislead.
        let _ = rustix::fs::openat(
            &dir.fd,
            ".",
            OFlags::RDONLY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .and_then(rustix::fs::fsync);
        Ok(())
    }

    /// Makes the directories the walk did not find, each opened from its parent's handle. As
    /// root, each is given to its parent's owner: `~/.docker` made for a user is the user's.
    ///
    /// A directory that appeared since the walk is someone else's, as a file that appeared
    /// would be; and the one opened after the mkdir must still be the new one (ours, private,
    /// empty) before anything is given away or written in it: a user who swaps another
    /// directory in between must not get root to hand it over with what it holds.
    fn make_missing_dirs(&mut self) -> Result<(), String> {
        let root = rustix::process::geteuid().is_root();
        for name in std::mem::take(&mut self.place.missing) {
            let parent = self.place.dir();
            let path = self.place.path().with_file_name(&name);
            match rustix::fs::mkdirat(&parent.fd, &name, Mode::RWXU) {
                Ok(()) => {}
                Err(Errno::EXIST) => return Err(self.changed()),
                Err(e) => return Err(format!("cannot create {}: {e}", path.display())),
            }
            let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
            let fd = rustix::fs::openat(&parent.fd, &name, flags, Mode::empty())
                .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
            if !just_made(&fd) {
                return Err(self.changed());
            }
            if root {
                let (uid, gid) = (parent.stat.st_uid, parent.stat.st_gid);
                if let Err(e) = std::os::unix::fs::fchown(&fd, Some(uid), Some(gid)) {
                    // Not left behind as root's in someone else's directory.
                    let _ = rustix::fs::unlinkat(&parent.fd, &name, AtFlags::REMOVEDIR);
                    return Err(format!(
                        "cannot give {} to uid {uid}, the owner of its parent: {e}",
                        path.display()
                    ));
                }
            }
            let stat = rustix::fs::fstat(&fd).map_err(|e| format!("cannot open: {e}"))?;
            self.place.dirs.push(Level { fd, name, stat });
        }
        Ok(())
    }

    /// The directory is still the one its parent names, and the file still the one read (or
    /// still absent): otherwise someone else is editing them, and their change wins.
    fn check_unchanged(&self) -> Result<(), String> {
        if let [.., parent, dir] = self.place.dirs.as_slice() {
            let now = rustix::fs::statat(&parent.fd, &dir.name, AtFlags::SYMLINK_NOFOLLOW);
            if !now.is_ok_and(|now| same(&now, &dir.stat)) {
                return Err(self.changed());
            }
        }
        let now = rustix::fs::statat(
            &self.place.dir().fd,
            &self.place.name,
            AtFlags::SYMLINK_NOFOLLOW,
        );
        match (now, &self.place.file) {
            (Ok(now), Some(found)) if same(&now, found) => Ok(()),
            (Err(Errno::NOENT), None) => Ok(()),
            _ => Err(self.changed()),
        }
    }

    fn changed(&self) -> String {
        format!(
            "{} or its directory changed while configure was editing it; nothing was written; run configure again",
            self.shown.display()
        )
    }
}

/// True when the directory open at `fd` is one this process has just made: its owner, no
/// access for anyone else (`mkdirat` made it 0700, less the umask), no set-user-id or sticky
/// bit, and nothing in it.
fn just_made(fd: &OwnedFd) -> bool {
    let Ok(stat) = rustix::fs::fstat(fd) else {
        return false;
    };
    // Set-group-id is inherited from a parent that has it, as Linux does for a new directory.
    if stat.st_uid != rustix::process::geteuid().as_raw() || stat.st_mode & 0o5077 != 0 {
        return false;
    }
    let Ok(entries) = rustix::fs::Dir::read_from(fd) else {
        return false;
    };
    entries
        .filter_map(Result::ok)
        .all(|entry| matches!(entry.file_name().to_bytes(), b"." | b".."))
}

/// The same file: device and inode.
fn same(a: &Stat, b: &Stat) -> bool {
    (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)
}

/// A new, private, empty file with an unused name in `dir`; never an existing one or a link.
/// A new temp file in `dir`, named after the file it will replace (`.config.json.<random>`),
/// so a leftover says what it was.
fn create_temp(dir: &OwnedFd, beside: &std::ffi::OsStr) -> Result<(OsString, fs::File), String> {
    let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let beside = beside.to_string_lossy();
    // Unpredictable is not needed (O_EXCL), only unlikely to be taken.
    for attempt in 0..100_u32 {
        let random = std::hash::BuildHasher::hash_one(&std::hash::RandomState::new(), attempt);
        let name = format!(".{beside}.{:012x}", random >> 16);
        match rustix::fs::openat(dir, &name, flags, Mode::RUSR | Mode::WUSR) {
            Ok(fd) => return Ok((name.into(), fs::File::from(fd))),
            Err(Errno::EXIST) => continue,
            Err(e) => return Err(format!("cannot write: {e}")),
        }
    }
    Err("cannot write: no unused temp file name".to_owned())
}

fn fill(
    temp: &fs::File,
    bytes: &[u8],
    mode: u32,
    owner: Option<(u32, u32)>,
) -> std::io::Result<()> {
    let mut writer = temp;
    writer.write_all(bytes)?;
    if let Some((uid, gid)) = owner {
        std::os::unix::fs::fchown(temp, Some(uid), Some(gid))?;
    }
    // After fchown (which clears set-id bits), and exactly `mode`, whatever the umask.
    temp.set_permissions(fs::Permissions::from_mode(mode))?;
    temp.sync_all()
}

/// The owner and group the replacement of a file owned by `uid` and `gid` gets: the same. Only
/// root can give a file to someone else; anyone else keeps their own file's group when they
/// are in it, and otherwise ends up owning the file, as after any editor's save.
fn owner_to_keep(uid: u32, gid: u32) -> Option<(u32, u32)> {
    use rustix::process::{getegid, geteuid, getgroups};
    let me = geteuid();
    if me.is_root() {
        return Some((uid, gid));
    }
    let in_group = getegid().as_raw() == gid
        || getgroups().is_ok_and(|groups| groups.iter().any(|g| g.as_raw() == gid));
    (uid == me.as_raw() && in_group).then_some((uid, gid))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docker::config::add_cred_helpers;

    #[test]
    fn a_symlinked_config_is_edited_through_to_its_target() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("dotfiles-config.json");
        fs::write(&real, "{}").unwrap();
        let link = dir.path().join("config.json");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        add_cred_helpers(&link, &["public.ecr.aws".into()]).unwrap();
        assert!(fs::symlink_metadata(&link).unwrap().is_symlink());
        assert!(fs::read_to_string(&real).unwrap().contains("ecr-login"));
    }

    #[test]
    fn only_a_regular_file_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("config.json");
        crate::test_support::mkfifo(&fifo);
        let err = add_cred_helpers(&fifo, &["public.ecr.aws".into()]).unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
    }

    #[test]
    fn the_mode_is_kept_whatever_the_umask() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        fs::write(&path, "{}").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o664)).unwrap();
        add_cred_helpers(&path, &["public.ecr.aws".into()]).unwrap();
        let meta = fs::metadata(&path).unwrap();
        assert_eq!(meta.permissions().mode() & 0o7777, 0o664);
        assert_eq!(meta.uid(), rustix::process::geteuid().as_raw());

        // Set-id bits are not carried over to the file written in its place.
        fs::set_permissions(&path, fs::Permissions::from_mode(0o6664)).unwrap();
        add_cred_helpers(&path, &["other.ecr.aws".into()]).unwrap();
        let meta = fs::metadata(&path).unwrap();
        assert_eq!(meta.permissions().mode() & 0o7777, 0o664);
    }

    #[test]
    fn made_directories_are_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/config.json");
        add_cred_helpers(&path, &["public.ecr.aws".into()]).unwrap();
        for made in ["a", "a/b"] {
            let meta = fs::metadata(dir.path().join(made)).unwrap();
            assert_eq!(meta.permissions().mode() & 0o777, 0o700, "{made}");
        }
        let meta = fs::metadata(&path).unwrap();
        assert_eq!(meta.permissions().mode() & 0o7777, 0o600);
    }

    /// Under a set-group-id directory a new one inherits the bit: it is still the one we made.
    #[test]
    fn a_directory_made_under_a_set_group_id_parent_is_ours() {
        let dir = tempfile::tempdir().unwrap();
        let shared = dir.path().join("shared");
        fs::create_dir(&shared).unwrap();
        fs::set_permissions(&shared, fs::Permissions::from_mode(0o2755)).unwrap();
        let path = shared.join("docker/config.json");
        add_cred_helpers(&path, &["public.ecr.aws".into()]).unwrap();
        assert!(fs::read_to_string(&path).unwrap().contains("ecr-login"));
    }

    /// Names in `dir` other than `keep`: no temp file is left behind.
    fn leftovers(dir: &Path, keep: &str) -> Vec<OsString> {
        fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .filter(|name| name != keep)
            .collect()
    }

    #[test]
    fn a_file_replaced_meanwhile_is_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        fs::write(&path, "{}").unwrap();
        let mut target = Target::open(&path).unwrap();
        assert_eq!(target.read(1024).unwrap().unwrap(), b"{}");
        // Someone else's save: a new file renamed over the old one.
        fs::write(dir.path().join("theirs"), "{\"theirs\": 1}").unwrap();
        fs::rename(dir.path().join("theirs"), &path).unwrap();
        let err = target.replace(b"{\"ours\": 1}").unwrap_err();
        assert!(
            err.contains("changed while configure was editing it"),
            "{err}"
        );
        assert_eq!(fs::read_to_string(&path).unwrap(), "{\"theirs\": 1}");
        assert!(leftovers(dir.path(), "config.json").is_empty());

        // A file that appears where there was none is someone else's too.
        let new = dir.path().join("new/config.json");
        let mut target = Target::open(&new).unwrap();
        assert!(target.read(1024).unwrap().is_none());
        fs::create_dir(dir.path().join("new")).unwrap();
        fs::write(&new, "{}").unwrap();
        let err = target.replace(b"{\"ours\": 1}").unwrap_err();
        assert!(
            err.contains("changed while configure was editing it"),
            "{err}"
        );
        assert_eq!(fs::read_to_string(&new).unwrap(), "{}");

        // So is a directory that appears where configure was to make one: nothing is written
        // in it (as root, it would have been given to the parent's owner with what it holds).
        let late = dir.path().join("late/config.json");
        let mut target = Target::open(&late).unwrap();
        assert!(target.read(1024).unwrap().is_none());
        fs::create_dir(dir.path().join("late")).unwrap();
        fs::write(dir.path().join("late/theirs"), "root's").unwrap();
        let err = target.replace(b"{\"ours\": 1}").unwrap_err();
        assert!(
            err.contains("changed while configure was editing it"),
            "{err}"
        );
        assert!(!late.exists());
    }

    #[test]
    fn a_directory_moved_meanwhile_is_not_written_in() {
        let dir = tempfile::tempdir().unwrap();
        let docker = dir.path().join(".docker");
        fs::create_dir(&docker).unwrap();
        fs::write(docker.join("config.json"), "{}").unwrap();
        let mut target = Target::open(&docker.join("config.json")).unwrap();
        target.read(1024).unwrap();
        // Moved away, and another directory put in its place: the write goes to neither.
        let moved = dir.path().join("moved");
        fs::rename(&docker, &moved).unwrap();
        fs::create_dir(&docker).unwrap();
        fs::write(docker.join("config.json"), "{\"other\": 1}").unwrap();
        let err = target.replace(b"{\"ours\": 1}").unwrap_err();
        assert!(
            err.contains("changed while configure was editing it"),
            "{err}"
        );
        assert_eq!(fs::read_to_string(moved.join("config.json")).unwrap(), "{}");
        assert_eq!(
            fs::read_to_string(docker.join("config.json")).unwrap(),
            "{\"other\": 1}"
        );
        assert!(leftovers(&moved, "config.json").is_empty());
        assert!(leftovers(&docker, "config.json").is_empty());
    }
}
