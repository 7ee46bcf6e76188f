//! The Windows cache directory: paths under one checked directory, no reparse point followed
//! (see the parent module for what does not apply here).

use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::windows::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::{Open, Refusal};

/// `FILE_FLAG_OPEN_REPARSE_POINT`: open a symlink or junction itself, not what it points to.
const OPEN_REPARSE_POINT: u32 = 0x0020_0000;

/// `FILE_ATTRIBUTE_REPARSE_POINT`: a symlink, a junction or another redirecting file.
const REPARSE_POINT: u32 = 0x0400;

#[derive(Debug)]
pub struct Dir {
    path: PathBuf,
}

impl Dir {
    /// Creates `path` if missing and uses it, if it is a real directory, not a link to one.
    pub fn open(path: &Path) -> Result<Dir, Refusal> {
        fs::create_dir_all(path).map_err(Refusal::Unusable)?;
        let meta = fs::symlink_metadata(path).map_err(Refusal::Unusable)?;
        if meta.file_attributes() & REPARSE_POINT != 0 {
            return Err(Refusal::Untrusted(
                "it is a symlink or junction; point AWS_ECR_CACHE_DIR at a real directory".into(),
            ));
        }
        if !meta.is_dir() {
            return Err(Refusal::Unusable(io::Error::new(
                io::ErrorKind::NotADirectory,
                "not a directory",
            )));
        }
        Ok(Dir {
            path: path.to_owned(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Opens the file `name` in the directory, if it is a regular file and not a link.
    pub fn open_file(&self, name: &str, how: Open) -> io::Result<File> {
        let mut options = OpenOptions::new();
        match how {
            Open::Read => options.read(true),
            Open::Lock => options.read(true).write(true).create(true),
            Open::CreateNew => options.write(true).create_new(true),
            Open::Touch => options.write(true).create(true).truncate(true),
        };
        let file = options
            .custom_flags(OPEN_REPARSE_POINT)
            .open(self.path.join(name))?;
        let meta = file.metadata()?;
        if !meta.is_file() || meta.file_attributes() & REPARSE_POINT != 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{name} is not a regular file of ours"),
            ));
        }
        Ok(file)
    }

    /// Renames `from` over `to`, both in the directory.
    pub(super) fn rename(&self, from: &str, to: &str) -> io::Result<()> {
        fs::rename(self.path.join(from), self.path.join(to))
    }

    /// Deletes `name`; a missing file is not an error.
    pub fn remove(&self, name: &str) -> io::Result<()> {
        match fs::remove_file(self.path.join(name)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// The modification time of `name` itself (a link is not followed), if it exists.
    pub fn modified(&self, name: &str) -> Option<SystemTime> {
        fs::symlink_metadata(self.path.join(name))
            .ok()?
            .modified()
            .ok()
    }

    /// The names in the directory that start with `prefix`.
    pub fn names(&self, prefix: &str) -> Vec<String> {
        let Ok(dir) = fs::read_dir(&self.path) else {
            return Vec::new();
        };
        dir.filter_map(|item| {
            let name = item.ok()?.file_name().into_string().ok()?;
            name.starts_with(prefix).then_some(name)
        })
        .collect()
    }
}
