//! Replacing a file atomically: write a temp file beside it, fsync, rename over it.
//!
//! Readers then see the old file or the new one, never half of one, and a crash leaves at
//! worst a stray temp file. The rename replaces a symlink at `path` rather than writing
//! through it.

use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// Replaces `path` with `bytes`, created with `mode`; the temp file's name starts with
/// `temp_prefix` so sweeps can recognise leftovers.
pub fn replace(path: &Path, bytes: &[u8], mode: u32, temp_prefix: &str) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut temp = tempfile::Builder::new()
        .prefix(temp_prefix)
        .permissions(fs::Permissions::from_mode(mode))
        .tempfile_in(dir)?;
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
