//! The file `configure` edits where there are no modes, no owners to hand back and no
//! user-made symlinks by default (Windows): found by path, a link followed as the system
//! follows it, and replaced keeping its path.

use std::fs;
use std::path::{Path, PathBuf};

use crate::file;

/// The file `configure` edits, by its resolved path.
pub struct Target {
    path: PathBuf,
}

impl Target {
    pub fn open(path: &Path) -> Result<Self, String> {
        let is_link = fs::symlink_metadata(path).is_ok_and(|m| m.is_symlink());
        let path = if is_link {
            fs::canonicalize(path)
        } else {
            std::path::absolute(path)
        }
        .map_err(|e| format!("cannot resolve: {e}"))?;
        Ok(Self { path })
    }

    /// The file's bytes, or `None` when there is no file yet.
    pub fn read(&mut self, max_bytes: u64) -> Result<Option<Vec<u8>>, String> {
        match file::read_regular(&self.path, max_bytes) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("cannot read: {e}")),
        }
    }

    pub fn replace(&mut self, bytes: &[u8]) -> Result<(), String> {
        if let Some(dir) = self.path.parent() {
            fs::create_dir_all(dir).map_err(|e| format!("cannot write: {e}"))?;
        }
        let name = self
            .path
            .file_name()
            .map_or_else(|| "config".into(), |n| n.to_string_lossy());
        file::replace(&self.path, bytes, 0, None, &format!(".{name}."))
            .map_err(|e| format!("cannot write: {e}"))
    }
}
