//! Adding `credHelpers` entries to docker's and helm's `config.json` (`configure`), and
//! reading which registries docker's hands to us (`list`, in `listed.rs`).
//!
//! `configure` edits a file people care about (it holds their other logins and settings), so
//! it keeps every key in its order, replaces the file atomically keeping its owner, group and
//! mode, follows a symlinked file to its target instead of replacing the link, and does nothing
//! when nothing changes.
//!
//! Run as root on a user's file, it must neither take the file from its owner nor be steered by
//! the user's symlinks, or by a directory swapped for one mid-run, onto a file of root's: the
//! path is walked once, without following links, and everything after goes through the handles
//! that walk opened (see `walk.rs`). Windows has no modes, owners to hand back or user-made
//! symlinks by default: there the file is replaced keeping its path, and a link is followed as
//! the system follows it.

pub mod listed;
#[cfg(unix)]
mod look;
#[cfg(not(unix))]
mod other;
#[cfg(unix)]
mod unix;
#[cfg(unix)]
mod walk;

#[cfg(not(unix))]
use other::Target;
#[cfg(unix)]
use unix::Target;

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::env::Env;
use crate::error::Error;

/// The helper's name in `credHelpers` (docker runs `docker-credential-<name>`).
const HELPER: &str = "ecr-login";

/// A docker config is kilobytes; anything much bigger is not one, and is not read.
const MAX_CONFIG_BYTES: u64 = 4 << 20;

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
/// config home, found as helm finds it: `$HELM_CONFIG_HOME`, else `$XDG_CONFIG_HOME/helm`, else
/// the platform's default (`~/.config/helm`, `~/Library/Preferences/helm` on macOS,
/// `%APPDATA%\helm` on Windows).
pub fn helm_config_path(env: &Env) -> Result<PathBuf, Error> {
    if let Some(path) = env.get("HELM_REGISTRY_CONFIG") {
        return Ok(PathBuf::from(path));
    }
    let config_home = match (env.get("HELM_CONFIG_HOME"), env.get("XDG_CONFIG_HOME")) {
        (Some(helm), _) => PathBuf::from(helm),
        (None, Some(xdg)) => PathBuf::from(xdg).join("helm"),
        (None, None) if cfg!(windows) => env
            .get("APPDATA")
            .map(|appdata| PathBuf::from(appdata).join("helm"))
            .ok_or_else(|| Error::Config("APPDATA is not set; set HELM_REGISTRY_CONFIG".into()))?,
        (None, None) if cfg!(target_os = "macos") => home(env)?.join("Library/Preferences/helm"),
        (None, None) => home(env)?.join(".config").join("helm"),
    };
    Ok(config_home.join("registry").join("config.json"))
}

/// The home docker and helm use, by their own rule rather than the AWS SDK's
/// ([`Env::home`]): `HOME`, or `USERPROFILE` alone on Windows (docker's `homedir.Get`, Go's
/// `os.UserHomeDir`), so that we edit the file docker reads.
fn home(env: &Env) -> Result<PathBuf, Error> {
    let var = if cfg!(windows) { "USERPROFILE" } else { "HOME" };
    env.get(var)
        .map(PathBuf::from)
        .ok_or_else(|| Error::Config(format!("{var} is not set; pass --docker-config")))
}

/// Sets `credHelpers[key] = "ecr-login"` for every key; true when the file changed.
pub fn add_cred_helpers(path: &Path, keys: &[String]) -> Result<bool, Error> {
    let edit = Edit::open(path, MAX_CONFIG_BYTES)?;
    let (root, changed) = with_cred_helpers(edit.text(), keys).map_err(|e| edit.fail(e))?;
    if changed {
        let text = render(&root).map_err(|e| edit.fail(format!("cannot write: {e}")))?;
        edit.replace(&text)?;
    }
    Ok(changed)
}

/// A file being edited the way `configure` edits docker's config: found and read once, then
/// replaced atomically where it was found, keeping its owner, group and mode. Our own config
/// file (`configure --fallback-helper`) is edited the same way, for the same reasons.
pub struct Edit {
    target: Target,
    path: PathBuf,
    text: Option<String>,
}

impl std::fmt::Debug for Edit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Edit")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Edit {
    /// Opens and reads the file at `path` (a regular file of at most `max_bytes`, in UTF-8), if
    /// there is one.
    pub fn open(path: &Path, max_bytes: u64) -> Result<Edit, Error> {
        let fail = |what: String| Error::Config(format!("{}: {what}", path.display()));
        // Edit the real file behind a symlink (dotfile managers), not the link; but only behind
        // a link its owner could vouch for.
        let mut target = Target::open(path).map_err(fail)?;
        let text = match target.read(max_bytes).map_err(fail)? {
            Some(bytes) => {
                Some(String::from_utf8(bytes).map_err(|_| fail("not valid UTF-8".into()))?)
            }
            None => None,
        };
        Ok(Edit {
            target,
            path: path.to_owned(),
            text,
        })
    }

    /// The file's text; `None` when there is no file yet.
    pub fn text(&self) -> Option<&str> {
        self.text.as_deref()
    }

    /// An error about this file.
    pub fn fail(&self, what: impl std::fmt::Display) -> Error {
        Error::Config(format!("{}: {what}", self.path.display()))
    }

    /// Replaces the file with `bytes`.
    pub fn replace(mut self, bytes: &[u8]) -> Result<(), Error> {
        let path = self.path.clone();
        self.target
            .replace(bytes)
            .map_err(|what| Error::Config(format!("{}: {what}", path.display())))
    }
}

/// The file's content (`None`: no file) with the entries added, and whether that changed it.
pub fn with_cred_helpers(existing: Option<&str>, keys: &[String]) -> Result<(Value, bool), String> {
    let mut root: Value = match existing.map(str::trim) {
        None | Some("") => json!({}),
        Some(text) => serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?,
    };
    let object = root.as_object_mut().ok_or("not a JSON object")?;
    let helpers = object
        .entry("credHelpers")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .ok_or("credHelpers is not a JSON object")?;
    let mut changed = existing.is_none();
    for key in keys {
        if helpers.get(key).and_then(Value::as_str) != Some(HELPER) {
            helpers.insert(key.clone(), json!(HELPER));
            changed = true;
        }
    }
    Ok((root, changed))
}

/// The file's text: tab-indented like docker's own writes.
pub fn render(value: &Value) -> serde_json::Result<Vec<u8>> {
    let mut text = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"\t");
    let mut serializer = serde_json::Serializer::with_formatter(&mut text, formatter);
    serde::Serialize::serialize(value, &mut serializer)?;
    text.push(b'\n');
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_and_helm_configs_are_where_each_tool_reads_them() {
        let home = if cfg!(windows) {
            "C:\\Users\\u"
        } else {
            "/home/u"
        };
        let env = Env::from_pairs([
            ("HOME", home),
            ("USERPROFILE", home),
            ("APPDATA", "C:\\Users\\u\\AppData\\Roaming"),
        ]);
        let home = PathBuf::from(home);
        assert_eq!(
            docker_config_path(None, &env).unwrap(),
            home.join(".docker").join("config.json")
        );
        let helm = if cfg!(windows) {
            PathBuf::from("C:\\Users\\u\\AppData\\Roaming").join("helm")
        } else if cfg!(target_os = "macos") {
            home.join("Library/Preferences/helm")
        } else {
            home.join(".config").join("helm")
        };
        assert_eq!(
            helm_config_path(&env).unwrap(),
            helm.join("registry").join("config.json")
        );
        let xdg = Env::from_pairs([("HOME", "/home/u"), ("XDG_CONFIG_HOME", "/x")]);
        assert_eq!(
            helm_config_path(&xdg).unwrap(),
            PathBuf::from("/x/helm/registry/config.json")
        );
    }
    use std::fs;

    #[test]
    fn keeps_every_other_key_in_order_and_is_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        let original = r#"{"zeta":{"x":1},"auths":{"ghcr.io":{"auth":"abc"}},"credHelpers":{"gcr.io":"gcloud"},"alpha":[1,2],"unknownKey":"kept"}"#;
        fs::write(&path, original).unwrap();
        #[cfg(unix)]
        fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o640)).unwrap();
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
        #[cfg(unix)]
        assert_eq!(
            std::os::unix::fs::PermissionsExt::mode(&fs::metadata(&path).unwrap().permissions())
                & 0o777,
            0o640
        );
        assert!(
            !add_cred_helpers(&path, &keys).unwrap(),
            "second run changes nothing"
        );
        assert_eq!(fs::read_to_string(&path).unwrap(), text);
    }

    #[test]
    fn numbers_are_kept_as_read() {
        // Found by fuzzing: serde_json's default float parsing can be one unit in the last
        // place off, so a rewritten file held a different number, and read back another.
        let big = "184467448446744073709551616";
        let text = format!(r#"{{"n": {big}, "x": 0.30000000000000004}}"#);
        let (value, _) = with_cred_helpers(Some(&text), &["public.ecr.aws".into()]).unwrap();
        assert_eq!(value["n"].as_f64(), Some(big.parse::<f64>().unwrap()));
        let written: Value = serde_json::from_slice(&render(&value).unwrap()).unwrap();
        assert_eq!(written, value);
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
}
