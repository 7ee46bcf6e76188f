//! Replacing a file atomically: write a temp file beside it, fsync, rename over it.
//!
//! Readers then see the old file or the new one, never half of one, and a crash leaves at
//! worst a stray temp file. The rename replaces a symlink at `path` rather than writing
//! through it.

use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// Replaces `path` with `bytes`, created with `mode` and owned by us; the temp file's name
/// starts with `temp_prefix` so sweeps can recognise leftovers.
pub fn replace(path: &Path, bytes: &[u8], mode: u32, temp_prefix: &str) -> io::Result<()> {
    replace_owned(path, bytes, mode, None, temp_prefix)
}

/// [`replace`], with the new file given to `owner` (uid, gid) before it takes the old one's
/// place: root editing a user's file must leave it the user's. Only root may give a file away;
/// anyone else may only pick one of their own groups.
pub fn replace_owned(
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
    // Private while it is written and handed over; its real mode once it is the owner's.
    let mut temp = tempfile::Builder::new()
        .prefix(temp_prefix)
        .permissions(fs::Permissions::from_mode(0o600))
        .tempfile_in(dir)?;
    temp.write_all(bytes)?;
    if let Some((uid, gid)) = owner {
        std::os::unix::fs::fchown(temp.as_file(), Some(uid), Some(gid))?;
    }
    // After fchown (which clears set-id bits), and exactly `mode`, whatever the umask.
    temp.as_file()
        .set_permissions(fs::Permissions::from_mode(mode))?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
