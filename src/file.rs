//! The ways we touch a file outside the cache: replacing one of ours atomically, reading one
//! the user points at without trusting what is there, and the checks and directories the
//! node install needs (is something there, does it already hold these bytes with this mode).
//!
//! A replacement writes a temp file beside the target, fsyncs and renames it over, so readers
//! see the old file or the new one, never half of one, and a crash leaves at worst a stray
//! temp file; the rename replaces a symlink at the path rather than writing through it. A read
//! accepts only a regular file of bounded size, so a FIFO or a device is an error, not a hang.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

/// Replaces `path` with `bytes`, with `mode`; the temp file's name starts with `temp_prefix`
/// so leftovers can be recognised. With `owner` (uid, gid) the new file is given away before
/// it takes the old one's place: root editing a user's file must leave it the user's. Only
/// root may give a file away; anyone else may only pick one of their own groups. On Windows,
/// where files have ACLs rather than modes and owners, the new file inherits its directory's
/// ACL as any new file does, and `mode` and `owner` do not apply.
pub fn replace(
    path: &Path,
    bytes: &[u8],
    mode: u32,
    owner: Option<(u32, u32)>,
    temp_prefix: &str,
) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut builder = tempfile::Builder::new();
    builder.prefix(temp_prefix);
    // Private while it is written and handed over; its real mode once it is the owner's.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600));
    let mut temp = builder.tempfile_in(dir)?;
    temp.write_all(bytes)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Some((uid, gid)) = owner {
            std::os::unix::fs::fchown(temp.as_file(), Some(uid), Some(gid))?;
        }
        // After fchown (which clears set-id bits), and exactly `mode`, whatever the umask.
        temp.as_file()
            .set_permissions(fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = (mode, owner);
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Reads a file the user may point anywhere (`AWS_CA_BUNDLE`, our config file), only if it is
/// a regular file of at most `max_bytes`.
///
/// A FIFO or a device there must be an error, never a hang: the open does not block (a FIFO
/// would otherwise wait for a writer), the check is made on the opened handle (no race with a
/// rename), and the read stops at the bound. Symlinks are followed: pointing a variable at a
/// link to a bundle is ordinary.
pub fn read_regular(path: &Path, max_bytes: u64) -> io::Result<Vec<u8>> {
    use std::io::Read;
    let file = open_nonblocking(path)?;
    check_regular(&file.metadata()?, max_bytes)?;
    let mut bytes = Vec::new();
    file.take(max_bytes + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max_bytes {
        return Err(too_large(max_bytes));
    }
    Ok(bytes)
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> io::Result<fs::File> {
    use rustix::fs::{Mode, OFlags};
    let fd = rustix::fs::open(
        path,
        OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    Ok(fs::File::from(fd))
}

/// Windows has no FIFOs in the file system; opening never waits for a writer.
#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> io::Result<fs::File> {
    fs::File::open(path)
}

/// `Ok` for a regular file of at most `max_bytes`; otherwise an error saying what it is
/// instead ("not a regular file (a fifo)"), for checking files that others will read.
pub fn check_regular(meta: &fs::Metadata, max_bytes: u64) -> io::Result<()> {
    let kind = meta.file_type();
    if kind.is_file() {
        return if meta.len() > max_bytes {
            Err(too_large(max_bytes))
        } else {
            Ok(())
        };
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("not a regular file ({})", kind_of(&kind)),
    ))
}

#[cfg(unix)]
fn kind_of(kind: &fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a fifo"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else {
        "not a file"
    }
}

#[cfg(not(unix))]
fn kind_of(kind: &fs::FileType) -> &'static str {
    if kind.is_dir() {
        "a directory"
    } else {
        "not a file"
    }
}

fn too_large(max_bytes: u64) -> io::Error {
    let bound = match max_bytes {
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{} KiB", b >> 10),
        b => format!("{b} bytes"),
    };
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("larger than {bound}, too large to be the file expected here"),
    )
}

/// Whether anything is at `path`, a dangling symlink included.
pub fn exists(path: &Path) -> io::Result<bool> {
    match fs::symlink_metadata(path) {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// Creates `dir` and its missing parents 0755, whatever the umask: whoever reads what goes in
/// them (the kubelet, a node's administrator) must be able to enter them, and nobody else
/// write them; a DaemonSet's container may run with any umask. Directories that exist are left as they are.
pub fn create_dirs(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_dirs(parent)?;
    }
    #[cfg_attr(not(unix), allow(unused_mut))]
    let mut builder = fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o755);
    match builder.create(dir) {
        Ok(()) => set_dir_mode(dir),
        // Made by someone else meanwhile (another installer): theirs, left alone.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        Err(e) => Err(e),
    }
}

/// Sets the directory we just made to exactly 0755 (the umask took bits off the mkdir), on a
/// handle opened without following a link: a directory swapped for a symlink meanwhile is
/// refused, not a chmod of what it points to.
#[cfg(unix)]
fn set_dir_mode(dir: &Path) -> io::Result<()> {
    use rustix::fs::{Mode, OFlags};
    let fd = rustix::fs::open(
        dir,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    rustix::fs::fchmod(&fd, Mode::from_raw_mode(0o755))?;
    Ok(())
}

/// Windows: the directory inherits its parent's ACL.
#[cfg(not(unix))]
fn set_dir_mode(_dir: &Path) -> io::Result<()> {
    Ok(())
}

/// True when the file at `path` holds exactly `bytes`, read a block at a time: no second copy
/// of a large binary in memory.
pub fn holds(path: &Path, bytes: &[u8]) -> io::Result<bool> {
    use std::io::Read;
    let mut file = fs::File::open(path)?;
    if file.metadata()?.len() != bytes.len() as u64 {
        return Ok(false);
    }
    let mut block = vec![0; 64 << 10];
    let mut rest = bytes;
    loop {
        let n = file.read(&mut block)?;
        if n == 0 {
            return Ok(rest.is_empty());
        }
        match rest.split_at_checked(n) {
            Some((head, tail)) if head == &block[..n] => rest = tail,
            _ => return Ok(false),
        }
    }
}

/// True when `path` (a regular file, not followed through a symlink) has exactly `mode`'s
/// permission bits: a binary someone made non-executable must be fixed, not declared current.
#[cfg(unix)]
pub fn has_mode(path: &Path, mode: u32) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs::symlink_metadata(path)
        .is_ok_and(|m| m.file_type().is_file() && m.permissions().mode() & 0o7777 == mode)
}

/// Windows has no mode bits; the contents decide.
#[cfg(not(unix))]
pub fn has_mode(path: &Path, _mode: u32) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_file())
}
