//! Kubernetes Secret manifests holding ECR credentials (`kube-secret`).
//!
//! For clusters where the kubelet plugin is not an option: a CronJob runs `kube-secret ...
//! --apply` (or pipes the manifest to `kubectl apply -f -`) every few hours, and Flux
//! (`ImageRepository.spec.secretRef`, `imagePullSecrets`) or Rancher Fleet (`helmSecretName`)
//! read the Secret; Argo CD reads its repository Secrets (see [`super::argocd`]).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};
use time::format_description::well_known::Rfc3339;

use super::argocd::{self, SECRET_TYPE_LABEL};
use crate::docker::auths;
use crate::env::Env;
use crate::error::Error;
use crate::settings::Settings;

/// The label that says who writes the Secret; ours on every Secret we write.
pub const MANAGED_BY: &str = "app.kubernetes.io/managed-by";
/// The annotation that says when the password in the Secret expires.
pub const EXPIRES_AT: &str = "ecr-login.expires-at";

/// The Secret types we write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretType {
    /// `kubernetes.io/dockerconfigjson`: imagePullSecrets, Flux.
    Dockerconfigjson,
    /// `kubernetes.io/basic-auth` with `username`/`password`: Fleet's `helmSecretName`.
    BasicAuth,
    /// An Argo CD repository Secret: the credentials of one repository URL.
    ArgocdRepository,
    /// An Argo CD credential template: the credentials of every repository under a URL.
    ArgocdRepoCreds,
}

impl SecretType {
    /// Whether the Secret holds one registry's `password` (rather than a docker config of
    /// several registries): the types `--password-only` can refresh.
    pub fn has_password(self) -> bool {
        self != SecretType::Dockerconfigjson
    }

    /// The value of Argo CD's secret-type label, for the Argo CD types.
    pub fn argocd_label(self) -> Option<&'static str> {
        match self {
            SecretType::ArgocdRepository => Some("repository"),
            SecretType::ArgocdRepoCreds => Some("repo-creds"),
            SecretType::Dockerconfigjson | SecretType::BasicAuth => None,
        }
    }

    /// The label and annotation keys of ours on this type, which the user's may not replace.
    pub fn reserved_label(self, key: &str) -> bool {
        key == MANAGED_BY || (self.argocd_label().is_some() && key == SECRET_TYPE_LABEL)
    }
}

/// What the Argo CD types say besides the credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Argocd {
    /// The repository URL (or prefix, for `repo-creds`), from [`argocd::url`].
    pub url: String,
    pub kind: argocd::Kind,
    pub project: Option<String>,
}

/// Everything about the Secret but its name, namespaces and credentials.
#[derive(Debug, Clone)]
pub struct Spec {
    pub kind: SecretType,
    /// Set for the Argo CD types.
    pub argocd: Option<Argocd>,
    /// The user's labels and annotations, added to ours (checked: no key of ours).
    pub labels: Vec<(String, String)>,
    pub annotations: Vec<(String, String)>,
}

/// The Secret's content: its type, data, labels and expiry, ready to be put in any namespace.
pub struct SecretData {
    secret_type: &'static str,
    data: Value,
    labels: Map<String, Value>,
    annotations: Map<String, Value>,
}

impl std::fmt::Debug for SecretData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretData")
            .field("secret_type", &self.secret_type)
            .field("data", &"REDACTED")
            .field("labels", &self.labels)
            .field("annotations", &self.annotations)
            .finish()
    }
}

/// Checks the names, then fetches the registries' tokens (cached as for `get`).
pub fn build(
    registries: &[String],
    name: &str,
    namespaces: &[String],
    spec: &Spec,
    env: &Env,
    settings: &Settings,
) -> Result<SecretData, Error> {
    check_name("--name", name, 253)?;
    for namespace in namespaces {
        check_name("--namespace", namespace, 63)?;
    }
    if spec.kind.has_password() && registries.len() != 1 {
        return Err(Error::Config(
            "this --type holds one registry's credentials; name exactly one".into(),
        ));
    }
    let tokens = auths::tokens(registries, env, settings)?;
    let b64 = |text: &str| Value::from(STANDARD.encode(text));
    let (secret_type, data) = match (spec.kind, tokens.as_slice(), &spec.argocd) {
        (SecretType::Dockerconfigjson, _, _) => (
            "kubernetes.io/dockerconfigjson",
            json!({
                ".dockerconfigjson": b64(&auths::auths_document(&tokens).to_string())
            }),
        ),
        (SecretType::BasicAuth, [(_, token)], _) => (
            "kubernetes.io/basic-auth",
            json!({
                "username": b64(&token.username),
                "password": b64(token.password.expose()),
            }),
        ),
        (SecretType::ArgocdRepository | SecretType::ArgocdRepoCreds, [(_, token)], Some(repo)) => {
            let mut data = json!({
                "url": b64(&repo.url),
                "username": b64(&token.username),
                "password": b64(token.password.expose()),
                "name": b64(name),
                "type": b64(repo.kind.as_str()),
            });
            if repo.kind == argocd::Kind::Helm {
                data["enableOCI"] = b64("true");
            }
            if let Some(project) = &repo.project {
                data["project"] = b64(project);
            }
            ("Opaque", data)
        }
        _ => {
            return Err(Error::Config(
                "an Argo CD Secret needs its repository URL".into(),
            ));
        }
    };
    let mut labels = Map::new();
    labels.insert(MANAGED_BY.into(), crate::NAME.into());
    if let Some(kind) = spec.kind.argocd_label() {
        labels.insert(SECRET_TYPE_LABEL.into(), kind.into());
    }
    let mut annotations = Map::new();
    let earliest_expiry = tokens.iter().map(|(_, t)| t.expires_at).min();
    if let Some(expiry) = earliest_expiry.and_then(|t| t.format(&Rfc3339).ok()) {
        annotations.insert(EXPIRES_AT.into(), expiry.into());
    }
    // Ours first and never replaced: the flags refuse these keys, this is the second lock.
    for (key, value) in &spec.labels {
        if !spec.kind.reserved_label(key) {
            labels.insert(key.clone(), value.clone().into());
        }
    }
    for (key, value) in &spec.annotations {
        if key != EXPIRES_AT {
            annotations.insert(key.clone(), value.clone().into());
        }
    }
    Ok(SecretData {
        secret_type,
        data,
        labels,
        annotations,
    })
}

impl SecretData {
    /// The Secret `name`, in `namespace` when given.
    pub fn manifest(&self, name: &str, namespace: Option<&str>) -> Value {
        let mut metadata = json!({
            "name": name,
            "labels": self.labels,
        });
        if !self.annotations.is_empty() {
            metadata["annotations"] = Value::Object(self.annotations.clone());
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

    /// The apply body of `--password-only`: the password alone, so that server-side apply
    /// gives us that one field and leaves the rest to whoever owns the Secret. The `uid` and
    /// `resourceVersion` read with the Secret make the write conditional on that very Secret:
    /// the API server refuses a `uid` when there is no object to match (where a
    /// `resourceVersion` alone is wiped and the apply would create a Secret holding nothing
    /// but a password), and a `resourceVersion` that is no longer current. `None` for a type
    /// without a password.
    pub fn password_manifest(
        &self,
        name: &str,
        namespace: &str,
        uid: &str,
        resource_version: &str,
    ) -> Option<Value> {
        let password = self.data.get("password")?;
        Some(json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {
                "name": name,
                "namespace": namespace,
                "uid": uid,
                "resourceVersion": resource_version,
            },
            "data": { "password": password },
        }))
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
