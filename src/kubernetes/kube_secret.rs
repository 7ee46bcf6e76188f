//! Kubernetes Secret manifests holding ECR credentials (`kube-secret`).
//!
//! For clusters where the kubelet plugin is not an option: a CronJob runs `kube-secret ...
//! --apply` (or pipes the manifest to `kubectl apply -f -`) every few hours, and Flux
//! (`ImageRepository.spec.secretRef`, `imagePullSecrets`) or Rancher Fleet (`helmSecretName`)
//! read the Secret.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;

use crate::docker::auths;
use crate::env::Env;
use crate::error::Error;
use crate::settings::Settings;

/// The Secret types we write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretType {
    /// `kubernetes.io/dockerconfigjson`: imagePullSecrets, Flux.
    Dockerconfigjson,
    /// `kubernetes.io/basic-auth` with `username`/`password`: Fleet's `helmSecretName`.
    BasicAuth,
}

/// The Secret's content: its type, data and expiry, ready to be put in any namespace.
pub struct SecretData {
    secret_type: &'static str,
    data: Value,
    expires_at: Option<String>,
}

impl std::fmt::Debug for SecretData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretData")
            .field("secret_type", &self.secret_type)
            .field("data", &"REDACTED")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Checks the names, then fetches the registries' tokens (cached as for `get`).
pub fn build(
    registries: &[String],
    name: &str,
    namespaces: &[String],
    kind: SecretType,
    env: &Env,
    settings: &Settings,
) -> Result<SecretData, Error> {
    check_name("--name", name, 253)?;
    for namespace in namespaces {
        check_name("--namespace", namespace, 63)?;
    }
    if kind == SecretType::BasicAuth && registries.len() != 1 {
        return Err(Error::Config(
            "--type basic-auth holds one registry's credentials; name exactly one".into(),
        ));
    }
    let tokens = auths::tokens(registries, env, settings)?;
    let (secret_type, data) = match (kind, tokens.as_slice()) {
        (SecretType::BasicAuth, [(_, token)]) => (
            "kubernetes.io/basic-auth",
            json!({
                "username": STANDARD.encode(&token.username),
                "password": STANDARD.encode(token.password.expose()),
            }),
        ),
        _ => (
            "kubernetes.io/dockerconfigjson",
            json!({
                ".dockerconfigjson": STANDARD.encode(auths::auths_document(&tokens).to_string())
            }),
        ),
    };
    let earliest_expiry = tokens.iter().map(|(_, t)| t.expires_at).min();
    Ok(SecretData {
        secret_type,
        data,
        expires_at: earliest_expiry.and_then(|t| t.format(&Rfc3339).ok()),
    })
}

impl SecretData {
    /// The Secret `name`, in `namespace` when given.
    pub fn manifest(&self, name: &str, namespace: Option<&str>) -> Value {
        let mut metadata = json!({
            "name": name,
            "labels": { "app.kubernetes.io/managed-by": crate::NAME },
        });
        if let Some(expiry) = &self.expires_at {
            metadata["annotations"] = json!({ "ecr-login.expires-at": expiry });
        }
        if let Some(namespace) = namespace {
            metadata["namespace"] = Value::from(namespace);
        }
        json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": metadata,
            "type": self.secret_type,
            "data": self.data,
        })
    }
}

/// The manifests as text for `kubectl apply -f -`: one line of JSON per namespace (none: no
/// namespace in it), as YAML documents separated by `---`.
pub fn manifests(data: &SecretData, name: &str, namespaces: &[String]) -> String {
    if namespaces.is_empty() {
        return format!("{}\n", data.manifest(name, None));
    }
    namespaces
        .iter()
        .map(|ns| format!("{}\n", data.manifest(name, Some(ns))))
        .collect::<Vec<_>>()
        .join("---\n")
}

/// Kubernetes object names: lower-case alphanumerics, `-` and `.`, alphanumeric at both ends.
pub fn check_name(flag: &str, name: &str, max: usize) -> Result<(), Error> {
    let ok = !name.is_empty()
        && name.len() <= max
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(Error::Config(format!(
            "{flag} {name:?} is not a valid Kubernetes name (lower-case letters, digits, '-', '.'; at most {max})"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        assert!(check_name("--name", "ecr-pull.v1", 253).is_ok());
        for bad in [
            "",
            "Upper",
            "-lead",
            "trail-",
            "under_score",
            &"a".repeat(64),
        ] {
            assert!(check_name("--namespace", bad, 63).is_err(), "{bad}");
        }
    }
}
