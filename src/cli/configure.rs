//! `configure`: the front end of [`crate::docker::config`], one report line per file.

use std::path::PathBuf;

use crate::docker::auths::config_key;
use crate::docker::config::{add_cred_helpers, docker_config_path, helm_config_path};
use crate::env::Env;
use crate::error::Error;
use crate::escape::escape_controls;
use crate::settings::Settings;

/// Adds `credHelpers` entries to docker's config (and helm's with `helm`); returns what it did.
pub fn run(
    registries: &[String],
    docker_config: Option<PathBuf>,
    helm: bool,
    env: &Env,
    settings: &Settings,
) -> Result<String, Error> {
    let keys = registries
        .iter()
        .map(|r| settings.config.resolve(r).map(|_| config_key(r)))
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
        // Paths and names from flags and DOCKER_CONFIG, escaped like any echo.
        report.push_str(&format!(
            "{verb} {} ({})\n",
            escape_controls(&file.display().to_string()),
            escape_controls(&keys.join(", "))
        ));
    }
    Ok(report)
}
