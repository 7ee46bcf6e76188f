//! Docker-format config files: printing an `auths` file, and adding `credHelpers` entries to
//! docker's and helm's `config.json`.
//!
//! `configure` edits a file people care about (it holds their other logins and settings), so
//! it keeps every key in its order, replaces the file atomically, follows a symlinked file to
//! its target instead of replacing the link, and does nothing when nothing changes.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

use crate::cli;
use crate::config::Config;
use crate::credentials;
use crate::env::Env;
use crate::error::Error;
use crate::file;
use crate::registry;
use crate::token::Token;

/// The helper's name in `credHelpers` (docker runs `docker-credential-<name>`).
const HELPER: &str = "ecr-login";

/// The key a client looks a registry up by: `host[:port]`, lower case.
pub fn config_key(registry: &str) -> String {
    registry::host_and_port(registry).to_ascii_lowercase()
}

/// A token for each registry named on the command line, keyed by [`config_key`].
pub fn tokens(
    registries: &[String],
    env: &Env,
    config: &Config,
) -> Result<Vec<(String, Token)>, Error> {
    registries
        .iter()
        .map(|name| {
            let target = cli::resolve(name, config)?;
            Ok((
                config_key(name),
                credentials::for_target(&target, env, config)?,
            ))
        })
        .collect()
}

/// The docker config document `{"auths":{"<host>":{"username","password","auth"}}}`.
pub fn auths_document(tokens: &[(String, Token)]) -> Value {
    let auths: Map<String, Value> = tokens
        .iter()
        .map(|(key, token)| {
            let password = token.password.expose();
            let entry = json!({
                "username": token.username,
                "password": password,
                "auth": STANDARD.encode(format!("{}:{password}", token.username)),
            });
            (key.clone(), entry)
        })
        .collect();
    json!({ "auths": auths })
}

/// The `auths` document for `registries`, one line.
pub fn auths(registries: &[String], env: &Env, config: &Config) -> Result<String, Error> {
    let document = auths_document(&tokens(registries, env, config)?);
    Ok(format!("{document}\n"))
}

/// Adds `credHelpers` entries to docker's config (and helm's with `helm`); returns what it did.
pub fn configure(
    registries: &[String],
    docker_config: Option<PathBuf>,
    helm: bool,
    env: &Env,
    config: &Config,
) -> Result<String, Error> {
    let keys = registries
        .iter()
        .map(|r| cli::resolve(r, config).map(|_| config_key(r)))
        .collect::<Result<Vec<_>, _>>()?;
    let mut files = vec![docker_config_path(docker_config, env)?];
    if helm {
        files.push(helm_config_path(env)?);
    }
    let mut report = String::new();
    for file in files {
        let changed = add_cred_helpers(&file, &keys)?;
        let verb = if changed {
            "updated"
        } else {
            "already up to date:"
        };
        report.push_str(&format!(
            "{verb} {} ({})\n",
            file.display(),
            keys.join(", ")
        ));
    }
    Ok(report)
}

fn docker_config_path(given: Option<PathBuf>, env: &Env) -> Result<PathBuf, Error> {
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

fn helm_config_path(env: &Env) -> Result<PathBuf, Error> {
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
    // Edit the real file behind a symlink (dotfile managers), not the link.
    let path = fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
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

/// Tab-indented like docker's own writes; temp file, fsync, rename; the old file's mode kept.
fn write_atomically(path: &Path, value: &Value) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir)?;
    }
    let mode = fs::metadata(path).map_or(0o600, |m| m.permissions().mode() & 0o7777);
    let mut text = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"\t");
    let mut serializer = serde_json::Serializer::with_formatter(&mut text, formatter);
    serde::Serialize::serialize(value, &mut serializer).map_err(std::io::Error::other)?;
    text.push(b'\n');
    file::replace(path, &text, mode, ".config.json.")
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
    fn config_keys_are_host_and_port() {
        assert_eq!(config_key("https://Localhost:5443/v2/"), "localhost:5443");
        assert_eq!(config_key("public.ecr.aws"), "public.ecr.aws");
    }
}
