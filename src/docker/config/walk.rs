//! Finding the file `configure` edits without trusting its path twice.
//!
//! Root may run `configure` on a path a user controls (`sudo`, a provisioning script). Checking
//! the path and then using it by name again would let the user swap a directory for a symlink
//! in between and steer root's write onto a file of root's. So the path is walked one
//! component at a time, each opened from the handle of the one before without following it,
//! and judged by what was opened; the read, the temp file and the rename then happen relative
//! to the last directory's handle, which no later rename or symlink can redirect.
//!
//! A symlink on the way is followed only under the kernel's `fs.protected_symlinks` rule, here
//! applied in every directory: when it is ours, root's (who could write the target anyway: an
//! admin's symlinked home directory), or owned by the owner of what it leads to, as found by
//! this same walk. Otherwise whoever owns the link could point root's `configure` at any file
//! of root's.

use std::ffi::{OsStr, OsString};
use std::os::fd::OwnedFd;
use std::path::{Component, Path, PathBuf};

use rustix::fs::Stat;

use super::look::{Entry, look, open_root};

/// Symlinks followed before giving up, as the kernel's `ELOOP` limit.
const MAX_LINKS: u32 = 40;

/// An open directory on the way, and its name in the one before it.
pub struct Level {
    pub fd: OwnedFd,
    pub name: OsString,
    pub stat: Stat,
}

/// Where the file is, as the walk found it.
pub struct Place {
    /// The directories from `/` to the deepest that exists, each opened from the one before.
    pub dirs: Vec<Level>,
    /// Directories still to make under the last of `dirs`, outermost first.
    pub missing: Vec<OsString>,
    /// The file's name in its directory.
    pub name: OsString,
    /// What is there now, if anything (not necessarily a regular file).
    pub file: Option<Stat>,
}

impl Place {
    /// The file's path with every link resolved, for messages.
    pub fn path(&self) -> PathBuf {
        self.dir_path().join(&self.name)
    }

    fn dir_path(&self) -> PathBuf {
        let mut path = PathBuf::from("/");
        path.extend(self.dirs.iter().skip(1).map(|level| &level.name));
        path.extend(&self.missing);
        path
    }

    /// The directory the file is in, or will be.
    pub fn dir(&self) -> &Level {
        // The stack always holds `/` at least.
        &self.dirs[self.dirs.len() - 1]
    }

    /// The owner of where the walk stands: the last directory, or none while in missing ones.
    fn here(&self) -> Option<u32> {
        self.missing.is_empty().then(|| self.dir().stat.st_uid)
    }
}

/// A link owned by neither us nor root, trusted once what it leads to turns out to be its
/// owner's: when the walk is back to `depth` components left.
struct Owed {
    link: PathBuf,
    target: PathBuf,
    uid: u32,
    depth: usize,
}

/// Walks `path` to the file it names, each symlink on the way resolved only if trusted.
/// Components that do not exist yet are kept as given (`configure` creates them).
pub fn walk(path: &Path) -> Result<Place, String> {
    let me = rustix::process::geteuid().as_raw();
    let absolute = std::path::absolute(path).map_err(|e| format!("cannot resolve: {e}"))?;
    let (fd, stat) = open_root().map_err(|e| format!("cannot open /: {e}"))?;
    let root = Level {
        fd,
        name: OsString::from("/"),
        stat,
    };
    let mut place = Place {
        dirs: vec![root],
        missing: Vec::new(),
        name: OsString::new(),
        file: None,
    };
    // The components still to walk, the next one last.
    let mut todo = components(&absolute);
    let mut owed: Vec<Owed> = Vec::new();
    let mut links = 0;
    while let Some(part) = todo.pop() {
        let last = todo.is_empty();
        // The owner of what `part` leads to (None: nothing yet), for the links owed.
        let mut reached = None;
        if part == "/" || part == ".." {
            if last {
                return Err(format!("{} names a directory", absolute.display()));
            }
            if part == "/" {
                place.dirs.truncate(1);
                place.missing.clear();
            } else if place.missing.pop().is_none() && place.dirs.len() > 1 {
                place.dirs.pop();
            }
            reached = place.here();
        } else if !place.missing.is_empty() {
            step_missing(&mut place, part, last);
        } else {
            let here = place.dir_path().join(&part);
            let entry = look(&place.dir().fd, &part)
                .map_err(|e| format!("cannot open {}: {e}", here.display()))?;
            match entry {
                Entry::Dir(_, _) if last => {
                    return Err(format!("{} is not a regular file", here.display()));
                }
                Entry::Dir(fd, stat) => {
                    reached = Some(stat.st_uid);
                    place.dirs.push(Level {
                        fd,
                        name: part,
                        stat,
                    });
                }
                Entry::File(stat) if last => {
                    reached = Some(stat.st_uid);
                    place.name = part;
                    place.file = Some(stat);
                }
                Entry::File(_) => return Err(format!("{} is not a directory", here.display())),
                Entry::Missing => step_missing(&mut place, part, last),
                Entry::Link(stat, target) => {
                    links += 1;
                    if links > MAX_LINKS {
                        return Err(format!(
                            "more than {MAX_LINKS} symlinks on the way to the file; point --docker-config at the file itself"
                        ));
                    }
                    if stat.st_uid != me && stat.st_uid != 0 {
                        owed.push(Owed {
                            link: here,
                            target: target.clone(),
                            uid: stat.st_uid,
                            depth: todo.len(),
                        });
                    }
                    todo.extend(components(&target));
                    // A link to `.` leads to where the walk already stands.
                    reached = place.here();
                }
            }
        }
        while let Some(link) = owed.pop_if(|o| o.depth == todo.len()) {
            if reached != Some(link.uid) {
                return Err(refusal(&link, reached, me));
            }
        }
    }
    Ok(place)
}

/// A component under a directory that does not exist: one more to make, or the file's name.
fn step_missing(place: &mut Place, part: OsString, last: bool) {
    if last {
        place.name = part;
    } else {
        place.missing.push(part);
    }
}

fn refusal(link: &Owed, target_owner: Option<u32>, me: u32) -> String {
    let owner = match target_owner {
        Some(uid) => format!("uid {uid}"),
        None => "nobody: it does not exist".to_owned(),
    };
    format!(
        "refusing to follow the symlink {:?} -> {:?}: the link belongs to uid {}, its target to {owner}, and you are uid {me}; a link is followed only if it is yours, root's or its target's owner's; give the real file to --docker-config, or have the link's owner run configure",
        link.link, link.target, link.uid
    )
}

/// `path`'s components as text, the first one last (a stack); the root is `/`.
fn components(path: &Path) -> Vec<OsString> {
    let mut parts: Vec<OsString> = path
        .components()
        .filter_map(|c| match c {
            Component::RootDir => Some(OsString::from("/")),
            Component::CurDir | Component::Prefix(_) => None,
            Component::ParentDir => Some(OsString::from("..")),
            Component::Normal(name) => Some(OsStr::to_owned(name)),
        })
        .collect();
    parts.reverse();
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::symlink;

    fn resolved(path: &Path) -> Result<PathBuf, String> {
        walk(path).map(|place| place.path())
    }

    #[test]
    fn our_own_links_resolve_like_the_kernel_does() {
        let dir = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(dir.path()).unwrap();
        fs::create_dir_all(root.join("dotfiles/docker")).unwrap();
        fs::create_dir(root.join("home")).unwrap();
        fs::write(root.join("dotfiles/docker/config.json"), "{}").unwrap();
        // home/.docker -> ../dotfiles/docker/sub/.. ; a chain of relative links and `..`.
        fs::create_dir(root.join("dotfiles/docker/sub")).unwrap();
        symlink("../dotfiles/docker/sub/..", root.join("home/.docker")).unwrap();
        symlink("config.json", root.join("dotfiles/docker/current.json")).unwrap();
        let real = root.join("dotfiles/docker/config.json");
        for given in [
            root.join("home/.docker/config.json"),
            root.join("home/.docker/current.json"),
            root.join("home/./.docker/../docker/current.json"),
        ] {
            assert_eq!(resolved(&given).unwrap(), real, "{}", given.display());
        }
        assert_eq!(
            resolved(&root.join("home/.docker/../.docker/config.json")).unwrap(),
            root.join("dotfiles/.docker/config.json"),
            "`..` after a link is the target's parent, as for the kernel"
        );
        let place = walk(&root.join("home/.docker/new/deeper/config.json")).unwrap();
        assert_eq!(
            place.path(),
            root.join("dotfiles/docker/new/deeper/config.json"),
            "a missing tail is kept, under the resolved directory"
        );
        assert_eq!(place.missing, ["new", "deeper"]);
        assert!(place.file.is_none());
        symlink("loop", root.join("loop")).unwrap();
        let err = resolved(&root.join("loop")).unwrap_err();
        assert!(err.contains("symlinks on the way"), "{err}");
    }

    #[test]
    fn what_is_on_the_way_must_be_a_directory() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("file"), "{}").unwrap();
        let err = resolved(&dir.path().join("file/config.json")).unwrap_err();
        assert!(err.contains("is not a directory"), "{err}");
        fs::create_dir(dir.path().join("config.json")).unwrap();
        let err = resolved(&dir.path().join("config.json")).unwrap_err();
        assert!(err.contains("is not a regular file"), "{err}");
        symlink("..", dir.path().join("up")).unwrap();
        let err = resolved(&dir.path().join("up")).unwrap_err();
        assert!(err.contains("names a directory"), "{err}");
    }
}
