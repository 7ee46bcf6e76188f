//! What `configure` keeps on Unix: the file's owner, group and mode, and a symlink followed
//! only where its owner could vouch for it.

use std::ffi::OsString;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

/// The mode and owner the replacement of the file at `path` gets: the old file's (a new file
/// is ours, 0600).
pub fn kept_mode_and_owner(path: &Path) -> (u32, Option<(u32, u32)>) {
    match fs::symlink_metadata(path) {
        Ok(old) if old.is_file() => (old.permissions().mode() & 0o7777, owner_to_keep(&old)),
        _ => (0o600, None),
    }
}

/// The owner and group the replacement of `old` gets: the same. Only root can give a file to
/// someone else; anyone else keeps their own file's group when they are in it, and otherwise
/// ends up owning the file, as after any editor's save.
fn owner_to_keep(old: &fs::Metadata) -> Option<(u32, u32)> {
    use rustix::process::{getegid, geteuid, getgroups};
    let me = geteuid();
    if me.is_root() {
        return Some((old.uid(), old.gid()));
    }
    let in_group = getegid().as_raw() == old.gid()
        || getgroups().is_ok_and(|groups| groups.iter().any(|g| g.as_raw() == old.gid()));
    (old.uid() == me.as_raw() && in_group).then_some((old.uid(), old.gid()))
}

/// Symlinks followed before giving up, as the kernel's `ELOOP` limit.
const MAX_LINKS: u32 = 40;

/// The file `path` names, with every symlink on the way resolved, each one only under the
/// kernel's `fs.protected_symlinks` rule, here applied in every directory: a link is followed
/// when the caller owns it, or when it is owned by the owner of what it points to (or by root,
/// who could write the target anyway: an admin's symlinked home directory). Otherwise whoever
/// owns the link could point root's `configure` at any file of root's. Components that do not
/// exist yet are kept as given (`configure` creates them).
pub fn resolve_trusted(path: &Path) -> Result<PathBuf, String> {
    let me = rustix::process::geteuid().as_raw();
    let absolute = std::path::absolute(path).map_err(|e| format!("cannot resolve: {e}"))?;
    // The components still to walk, the next one last.
    let mut todo: Vec<OsString> = components(&absolute);
    let mut resolved = PathBuf::from("/");
    let mut links = 0;
    while let Some(part) = todo.pop() {
        if part == "/" {
            resolved = PathBuf::from("/");
            continue;
        }
        if part == ".." {
            resolved.pop();
            continue;
        }
        let next = resolved.join(&part);
        let meta = match fs::symlink_metadata(&next) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                resolved = next;
                resolved.extend(todo.drain(..).rev());
                break;
            }
            Err(e) => return Err(format!("cannot read {}: {e}", next.display())),
        };
        if !meta.is_symlink() {
            resolved = next;
            continue;
        }
        links += 1;
        if links > MAX_LINKS {
            return Err(format!(
                "more than {MAX_LINKS} symlinks on the way to the file; point --docker-config at the file itself"
            ));
        }
        let target = fs::read_link(&next)
            .map_err(|e| format!("cannot read the symlink {}: {e}", next.display()))?;
        let target_owner = fs::metadata(&next).map(|m| m.uid()).ok();
        if meta.uid() != me && meta.uid() != 0 && target_owner != Some(meta.uid()) {
            let owner = match target_owner {
                Some(uid) => format!("uid {uid}"),
                None => "nobody: it does not exist".to_owned(),
            };
            return Err(format!(
                "refusing to follow the symlink {next:?} -> {target:?}: the link belongs to uid {}, its target to {owner}, and you are uid {me}; a link is followed only if it is yours, root's or its target's owner's; give the real file to --docker-config, or have the link's owner run configure",
                meta.uid()
            ));
        }
        todo.extend(components(&target));
    }
    Ok(resolved)
}

/// `path`'s components as text, the first one last (a stack); the root is `/`.
fn components(path: &Path) -> Vec<OsString> {
    let mut parts: Vec<OsString> = path
        .components()
        .filter_map(|c| match c {
            Component::RootDir => Some(OsString::from("/")),
            Component::CurDir | Component::Prefix(_) => None,
            Component::ParentDir => Some(OsString::from("..")),
            Component::Normal(name) => Some(name.to_owned()),
        })
        .collect();
    parts.reverse();
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docker_config::add_cred_helpers;

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
    fn our_own_links_resolve_like_the_kernel_does() {
        let dir = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(dir.path()).unwrap();
        fs::create_dir_all(root.join("dotfiles/docker")).unwrap();
        fs::create_dir(root.join("home")).unwrap();
        fs::write(root.join("dotfiles/docker/config.json"), "{}").unwrap();
        // home/.docker -> ../dotfiles/docker/sub/.. ; a chain of relative links and `..`.
        fs::create_dir(root.join("dotfiles/docker/sub")).unwrap();
        std::os::unix::fs::symlink("../dotfiles/docker/sub/..", root.join("home/.docker")).unwrap();
        std::os::unix::fs::symlink("config.json", root.join("dotfiles/docker/current.json"))
            .unwrap();
        let real = root.join("dotfiles/docker/config.json");
        for given in [
            root.join("home/.docker/config.json"),
            root.join("home/.docker/current.json"),
            root.join("home/./.docker/../docker/current.json"),
        ] {
            assert_eq!(
                resolve_trusted(&given).unwrap(),
                real,
                "{}",
                given.display()
            );
        }
        assert_eq!(
            resolve_trusted(&root.join("home/.docker/../.docker/config.json")).unwrap(),
            root.join("dotfiles/.docker/config.json"),
            "`..` after a link is the target's parent, as for the kernel"
        );
        assert_eq!(
            resolve_trusted(&root.join("home/.docker/new/config.json")).unwrap(),
            root.join("dotfiles/docker/new/config.json"),
            "a missing tail is kept, under the resolved directory"
        );
        std::os::unix::fs::symlink("loop", root.join("loop")).unwrap();
        let err = resolve_trusted(&root.join("loop")).unwrap_err();
        assert!(err.contains("symlinks on the way"), "{err}");
    }

    #[test]
    fn only_a_regular_file_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("config.json");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
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
    }
}
