//! The docker `auths` document: the credentials of several registries in the shape docker,
//! skopeo and Kubernetes (`.dockerconfigjson`) read.
//!
//! `dockerconfig` prints it and `kube-secret` wraps it in a Secret; both get their tokens
//! through the same loop, keyed the way clients look registries up.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

use crate::core::auth;
use crate::core::registry;
use crate::core::token::Token;
use crate::env::Env;
use crate::error::Error;
use crate::settings::Settings;

/// The key a client looks a registry up by: `host[:port]`, lower case.
pub fn config_key(registry: &str) -> String {
    registry::host_and_port(registry).to_ascii_lowercase()
}

/// A token for each registry named on the command line, keyed by [`config_key`].
pub fn tokens(
    registries: &[String],
    env: &Env,
    settings: &Settings,
) -> Result<Vec<(String, Token)>, Error> {
    registries
        .iter()
        .map(|name| {
            let target = settings.config.resolve(name)?;
            Ok((config_key(name), auth::for_target(&target, env, settings)?))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_keys_are_host_and_port() {
        assert_eq!(config_key("https://Localhost:5443/v2/"), "localhost:5443");
        assert_eq!(config_key("public.ecr.aws"), "public.ecr.aws");
    }
}
