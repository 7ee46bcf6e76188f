//! `configure`: the front end of [`crate::docker::config`] (one report line per file), of
//! `--print` (the same entries as JSON, for `DOCKER_AUTH_CONFIG`), and of
//! `--fallback-helper` ([`crate::config::edit`]).
//!
//! Everything is checked before anything is written: every registry is resolved, the helper
//! name and the config file are checked, so a refusal leaves every file as it was.

use std::path::PathBuf;

use serde_json::{Map, Value};

use crate::config::edit::with_fallback_helper;
use crate::docker::auths::config_key;
use crate::docker::config::{Edit, add_cred_helpers, docker_config_path, helm_config_path};
use crate::env::Env;
use crate::error::Error;
use crate::escape::escape_controls;
use crate::settings::{self, Settings};

/// The helper's name in the entries `--print` prints, as `configure` writes them.
const HELPER: &str = "ecr-login";

/// What `configure` was asked to do.
#[derive(Debug)]
pub struct Request<'a> {
    pub registries: &'a [String],
    pub docker_config: Option<PathBuf>,
    pub helm: bool,
    pub print: bool,
    pub fallback_helper: Option<&'a str>,
}

/// A config file is a few hundred bytes; the bound keeps a mistaken path from being read whole.
const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// Does what `request` asks; returns what to print.
pub fn run(request: &Request<'_>, env: &Env) -> Result<String, Error> {
    let (settings, fallback) = match request.fallback_helper {
        None => (Settings::load(env)?, None),
        Some(name) => {
            let path = settings::config_file(env).ok_or_else(|| {
                Error::Config(
                    "no config directory (no HOME); set AWS_ECR_CONFIG to the config file".into(),
                )
            })?;
            let edit = Edit::open(&path, MAX_CONFIG_BYTES)?;
            let (text, config) = with_fallback_helper(edit.text(), name, &path)?;
            // The file as it will be: its aliases resolve the registries below.
            let changed = edit.text() != Some(text.as_str());
            (
                Settings::with_config(env, config)?,
                Some((edit, path, text, changed, name)),
            )
        }
    };
    let keys = request
        .registries
        .iter()
        .map(|r| settings.config.resolve(r).map(|_| config_key(r)))
        .collect::<Result<Vec<_>, _>>()?;
    if request.print {
        return Ok(print(&keys));
    }
    let mut files = Vec::new();
    if !keys.is_empty() {
        files.push(docker_config_path(request.docker_config.clone(), env)?);
        if request.helm {
            files.push(helm_config_path(env)?);
        }
    }
    let mut report = String::new();
    if let Some((edit, path, text, changed, name)) = fallback {
        if changed {
            edit.replace(text.as_bytes())?;
        }
        report.push_str(&format!(
            "{} {} (fallback_helper = {name:?})\n",
            if changed {
                "updated"
            } else {
                "already up to date:"
            },
            escape_controls(&path.display().to_string()),
        ));
    }
    for file in files {
        let changed = add_cred_helpers(&file, &keys)?;
        let verb = if changed {
            "updated"
        } else {
            "already up to date:"
        };
        // Paths and names from flags and DOCKER_CONFIG, escaped like any echo.
        report.push_str(&format!(
            "{verb} {} ({})\n",
            escape_controls(&file.display().to_string()),
            escape_controls(&keys.join(", "))
        ));
    }
    Ok(report)
}

/// `{"credHelpers":{"<key>":"ecr-login",...}}` on one line, keys in the order given.
fn print(keys: &[String]) -> String {
    let helpers: Map<String, Value> = keys
        .iter()
        .map(|key| (key.clone(), Value::from(HELPER)))
        .collect();
    let mut document = Map::new();
    document.insert("credHelpers".into(), Value::Object(helpers));
    let mut line = Value::Object(document).to_string();
    line.push('\n');
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn print_is_exact() {
        assert_eq!(
            print(&[
                "123456789012.dkr.ecr.eu-west-1.amazonaws.com".into(),
                "public.ecr.aws".into(),
                "localhost:5443".into(),
            ]),
            "{\"credHelpers\":{\"123456789012.dkr.ecr.eu-west-1.amazonaws.com\":\"ecr-login\",\"public.ecr.aws\":\"ecr-login\",\"localhost:5443\":\"ecr-login\"}}\n"
        );
    }
}
