//! Adding `credHelpers` entries to docker's and helm's `config.json` (`configure`).
//!
//! `configure` edits a file people care about (it holds their other logins and settings), so
//! it keeps every key in its order, replaces the file atomically keeping its owner, group and
//! mode, follows a symlinked file to its target instead of replacing the link, and does nothing
//! when nothing changes.
//!
//! Run as root on a user's file, it must neither take the file from its owner nor be steered by
//! the user's symlinks onto a file of root's: a link is followed only under the kernel's
//! `fs.protected_symlinks` rule (see [`resolve_trusted`]).

use std::ffi::OsString;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

use serde_json::{Value, json};

use crate::env::Env;
use crate::error::Error;
use crate::file;

/// The helper's name in `credHelpers` (docker runs `docker-credential-<name>`).
const HELPER: &str = "ecr-login";

/// Docker's config file: `given` (a file, or a directory holding `config.json`), else
/// `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`.
pub fn docker_config_path(given: Option<PathBuf>, env: &Env) -> Result<PathBuf, Error> {
    let path = match given {
        Some(path) => path,
        None => match env.get("DOCKER_CONFIG") {
            Some(dir) => PathBuf::from(dir),
            None => home(env)?.join(".docker"),
        },
    };
    Ok(if path.is_dir() || path.extension().is_none() {
        path.join("config.json")
    } else {
        path
    })
}

/// Helm's registry config: `$HELM_REGISTRY_CONFIG`, else `registry/config.json` under helm's
/// config home.
pub fn helm_config_path(env: &Env) -> Result<PathBuf, Error> {
    if let Some(path) = env.get("HELM_REGISTRY_CONFIG") {
        return Ok(PathBuf::from(path));
    }
    let config_home = match (env.get("HELM_CONFIG_HOME"), env.get("XDG_CONFIG_HOME")) {
        (Some(helm), _) => PathBuf::from(helm),
        (None, Some(xdg)) => PathBuf::from(xdg).join("helm"),
        (None, None) => home(env)?.join(".config").join("helm"),
    };
    Ok(config_home.join("registry").join("config.json"))
}

fn home(env: &Env) -> Result<PathBuf, Error> {
    env.get("HOME")
        .map(PathBuf::from)
        .ok_or_else(|| Error::Config("HOME is not set; pass --docker-config".into()))
}

/// Sets `credHelpers[key] = "ecr-login"` for every key; true when the file changed.
pub fn add_cred_helpers(path: &Path, keys: &[String]) -> Result<bool, Error> {
    let fail = |what: String| Error::Config(format!("{}: {what}", path.display()));
    // Edit the real file behind a symlink (dotfile managers), not the link; but only behind a
    // link its owner could vouch for.
    let path = resolve_trusted(path).map_err(fail)?;
    // A FIFO or a device would hang or feed the read below.
    if fs::symlink_metadata(&path).is_ok_and(|m| !m.is_file()) {
        return Err(fail(format!("{} is not a regular file", path.display())));
    }
    let existing = match fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(fail(format!("cannot read: {e}"))),
    };
    let mut root: Value = match existing.as_deref().map(str::trim) {
        None | Some("") => json!({}),
        Some(text) => {
            serde_json::from_str(text).map_err(|e| fail(format!("not valid JSON: {e}")))?
        }
    };
    let object = root
        .as_object_mut()
        .ok_or_else(|| fail("not a JSON object".into()))?;
    let helpers = object
        .entry("credHelpers")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .ok_or_else(|| fail("credHelpers is not a JSON object".into()))?;
    let mut changed = existing.is_none();
    for key in keys {
        if helpers.get(key).and_then(Value::as_str) != Some(HELPER) {
            helpers.insert(key.clone(), json!(HELPER));
            changed = true;
        }
    }
    if changed {
        write_atomically(&path, &root).map_err(|e| fail(format!("cannot write: {e}")))?;
    }
    Ok(changed)
}

/// Tab-indented like docker's own writes; temp file, fsync, rename; the old file's owner,
/// group and mode kept (a new file is ours, 0600).
fn write_atomically(path: &Path, value: &Value) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir)?;
    }
    let (mode, owner) = match fs::symlink_metadata(path) {
        Ok(old) if old.is_file() => (old.permissions().mode() & 0o7777, owner_to_keep(&old)),
        _ => (0o600, None),
    };
    let mut text = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"\t");
    let mut serializer = serde_json::Serializer::with_formatter(&mut text, formatter);
    serde::Serialize::serialize(value, &mut serializer).map_err(std::io::Error::other)?;
    text.push(b'\n');
    file::replace(path, &text, mode, owner, ".config.json.")
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
fn resolve_trusted(path: &Path) -> Result<PathBuf, String> {
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

    #[test]
    fn keeps_every_other_key_in_order_and_is_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        let original = r#"{"zeta":{"x":1},"auths":{"ghcr.io":{"auth":"abc"}},"credHelpers":{"gcr.io":"gcloud"},"alpha":[1,2],"unknownKey":"kept"}"#;
        fs::write(&path, original).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        let keys = vec!["123456789012.dkr.ecr.us-east-1.amazonaws.com".to_owned()];
        assert!(add_cred_helpers(&path, &keys).unwrap());
        let text = fs::read_to_string(&path).unwrap();
        let value: Value = serde_json::from_str(&text).unwrap();
        let order: Vec<&String> = value.as_object().unwrap().keys().collect();
        assert_eq!(
            order,
            ["zeta", "auths", "credHelpers", "alpha", "unknownKey"]
        );
        assert_eq!(
            value["credHelpers"],
            json!({"gcr.io": "gcloud", "123456789012.dkr.ecr.us-east-1.amazonaws.com": "ecr-login"})
        );
        assert_eq!(value["auths"], json!({"ghcr.io": {"auth": "abc"}}));
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o640
        );
        assert!(
            !add_cred_helpers(&path, &keys).unwrap(),
            "second run changes nothing"
        );
        assert_eq!(fs::read_to_string(&path).unwrap(), text);
    }

    #[test]
    fn creates_a_missing_file_and_refuses_a_broken_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new/config.json");
        assert!(add_cred_helpers(&path, &["public.ecr.aws".into()]).unwrap());
        let value: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(
            value,
            json!({"credHelpers": {"public.ecr.aws": "ecr-login"}})
        );

        let broken = dir.path().join("broken.json");
        fs::write(&broken, "{\"auths\": ").unwrap();
        let err = add_cred_helpers(&broken, &["public.ecr.aws".into()]).unwrap_err();
        assert!(err.to_string().contains("not valid JSON"), "{err}");
        assert_eq!(
            fs::read_to_string(&broken).unwrap(),
            "{\"auths\": ",
            "left alone"
        );
    }

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
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
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
