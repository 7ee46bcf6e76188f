//! Writing the Secret in one namespace: the whole Secret by server-side apply, or with
//! `--password-only` the password alone in a Secret that must already exist.

use hyper::{Method, StatusCode};
use serde::Deserialize;

use super::client::Api;
use super::refusal::{Asked, refusal};
use crate::error::Error;
use crate::kubernetes::kube_secret::SecretData;

/// The field manager of server-side apply: our fields, whoever else manages the Secret.
pub const FIELD_MANAGER: &str = crate::NAME;

const APPLY_PATCH: &str = "application/apply-patch+yaml";

/// What the server did with the Secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    Created,
    Applied,
    /// The password of an existing Secret (`--password-only`).
    Password,
}

fn path(namespace: &str, name: &str) -> String {
    format!("/api/v1/namespaces/{namespace}/secrets/{name}")
}

fn apply_path(namespace: &str, name: &str) -> String {
    format!(
        "{}?fieldManager={FIELD_MANAGER}&force=true",
        path(namespace, name)
    )
}

/// Applies the whole Secret `name` holding `data` in `namespace`.
pub async fn apply(
    api: &Api<'_>,
    data: &SecretData,
    namespace: &str,
    name: &str,
) -> Result<Written, Error> {
    let place = format!("namespace {namespace}");
    let body = data.manifest(name, Some(namespace)).to_string().into_bytes();
    let answer = api
        .send(
            &place,
            Method::PATCH,
            &apply_path(namespace, name),
            Some((APPLY_PATCH, body)),
        )
        .await?;
    match answer.status {
        StatusCode::CREATED => Ok(Written::Created),
        s if s.is_success() => Ok(Written::Applied),
        s => Err(refusal(
            &asked(&place, namespace, "patch"),
            s.as_u16(),
            &answer.body,
        )),
    }
}

fn asked<'a>(place: &'a str, namespace: &'a str, verb: &'a str) -> Asked<'a> {
    Asked {
        place,
        namespace,
        verb,
        resource: "secrets",
    }
}

#[derive(Deserialize)]
struct Existing {
    metadata: Meta,
}

#[derive(Deserialize)]
struct Meta {
    #[serde(default)]
    uid: String,
    #[serde(default, rename = "resourceVersion")]
    resource_version: String,
}

/// Applies the password alone to the existing Secret `name` in `namespace`: read it, then
/// apply the password conditional on that very Secret (its `uid` and `resourceVersion`). A
/// Secret changed in between is read once more; one deleted in between is not created again.
pub async fn apply_password(
    api: &Api<'_>,
    data: &SecretData,
    namespace: &str,
    name: &str,
) -> Result<Written, Error> {
    let place = format!("namespace {namespace}");
    let mut read_again = false;
    loop {
        let answer = api
            .send(&place, Method::GET, &path(namespace, name), None)
            .await?;
        if answer.status == StatusCode::NOT_FOUND {
            return Err(Error::KubeMissing {
                place,
                object: format!("secret/{name}"),
                why: "; --password-only updates the password of an existing Secret and never creates one".into(),
            });
        }
        if !answer.status.is_success() {
            return Err(refusal(
                &asked(&place, namespace, "get"),
                answer.status.as_u16(),
                &answer.body,
            ));
        }
        let existing: Existing = api.parse(&place, &answer)?;
        let Meta {
            uid,
            resource_version,
        } = existing.metadata;
        if uid.is_empty() || resource_version.is_empty() {
            return Err(Error::KubeUnreachable {
                place,
                server: api.server.to_owned(),
                cause: "the Secret as read has no uid or resourceVersion".into(),
            });
        }
        let Some(body) = data.password_manifest(name, namespace, &uid, &resource_version) else {
            return Err(Error::Config("this Secret type holds no password".into()));
        };
        let answer = api
            .send(
                &place,
                Method::PATCH,
                &apply_path(namespace, name),
                Some((APPLY_PATCH, body.to_string().into_bytes())),
            )
            .await?;
        if answer.status.is_success() {
            return Ok(Written::Password);
        }
        // Changed since we read it, or gone (the `uid` then matches nothing): read it again,
        // once; a second conflict is reported.
        if answer.status == StatusCode::CONFLICT && !read_again {
            read_again = true;
            continue;
        }
        return Err(refusal(
            &asked(&place, namespace, "patch"),
            answer.status.as_u16(),
            &answer.body,
        ));
    }
}
