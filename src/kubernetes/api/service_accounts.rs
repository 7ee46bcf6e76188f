//! Adding the Secret to service accounts' `imagePullSecrets` (`--service-account`), so that
//! their pods pull with it without naming it.
//!
//! `imagePullSecrets` is an atomic list to server-side apply: an apply would own the whole
//! list and drop everyone else's entries. So the entry is added by a JSON patch whose first
//! operation tests `metadata.resourceVersion`: it applies only to the service account as we
//! read it, keeping every other entry, and a service account that changed in between is read
//! again once. One that already names the Secret is not written at all.

use hyper::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};

use super::client::Api;
use super::list;
use super::refusal::{Asked, refusal};
use crate::error::Error;
use crate::kubernetes::kube_secret::check_name;

const JSON_PATCH: &str = "application/json-patch+json";

/// What was done to a service account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Patched {
    /// The Secret was added to its `imagePullSecrets`.
    Added,
    /// It already named the Secret: nothing was written.
    Unchanged,
}

#[derive(Deserialize)]
struct ServiceAccount {
    metadata: Meta,
    #[serde(default, rename = "imagePullSecrets")]
    image_pull_secrets: Option<Vec<Reference>>,
}

#[derive(Deserialize)]
struct Meta {
    name: String,
    #[serde(default, rename = "resourceVersion")]
    resource_version: String,
}

#[derive(Deserialize)]
struct Reference {
    #[serde(default)]
    name: Option<String>,
}

fn path(namespace: &str, name: &str) -> String {
    format!("/api/v1/namespaces/{namespace}/serviceaccounts/{name}")
}

/// Adds the Secret `secret` to each of `names` (`*`: every service account) in `namespace`;
/// one result per service account, named, or `*` when the list itself failed.
pub async fn add_secret(
    api: &Api<'_>,
    namespace: &str,
    names: &[String],
    secret: &str,
) -> Vec<(String, Result<Patched, Error>)> {
    let mut results = Vec::new();
    if names.iter().any(|n| n == "*") {
        let place = format!("namespace {namespace}: serviceaccounts");
        let asked = Asked {
            place: &place,
            namespace,
            verb: "list",
            resource: "serviceaccounts",
        };
        let all = format!("/api/v1/namespaces/{namespace}/serviceaccounts");
        match list::all::<ServiceAccount>(api, &asked, &all, "").await {
            Err(e) => results.push(("*".to_owned(), Err(e))),
            Ok(accounts) => {
                for account in accounts {
                    let name = account.metadata.name.clone();
                    // It goes into a request path: held to the syntax like a flag's value.
                    if check_name("serviceaccount", &name, 253).is_err() {
                        continue;
                    }
                    let result = ensure(api, namespace, &name, Some(account), secret).await;
                    results.push((name, result));
                }
            }
        }
        return results;
    }
    for name in names {
        let result = ensure(api, namespace, name, None, secret).await;
        results.push((name.clone(), result));
    }
    results
}

/// Makes `name` name `secret` in its `imagePullSecrets`, starting from `read` when it was
/// just listed.
async fn ensure(
    api: &Api<'_>,
    namespace: &str,
    name: &str,
    mut read: Option<ServiceAccount>,
    secret: &str,
) -> Result<Patched, Error> {
    let place = format!("namespace {namespace}: serviceaccount/{name}");
    let asked = |verb| Asked {
        place: &place,
        namespace,
        verb,
        resource: "serviceaccounts",
    };
    let mut read_again = false;
    loop {
        let account = match read.take() {
            Some(account) => account,
            None => {
                let answer = api
                    .send(&place, Method::GET, &path(namespace, name), None)
                    .await?;
                if answer.status == StatusCode::NOT_FOUND {
                    return Err(Error::KubeMissing {
                        place: format!("namespace {namespace}"),
                        object: format!("serviceaccount/{name}"),
                        why: String::new(),
                    });
                }
                if !answer.status.is_success() {
                    return Err(refusal(
                        &asked("get"),
                        answer.status.as_u16(),
                        &answer.body,
                    ));
                }
                api.parse(&place, &answer)?
            }
        };
        let Some(patch) = patch(&account, secret) else {
            return Ok(Patched::Unchanged);
        };
        let answer = api
            .send(
                &place,
                Method::PATCH,
                &path(namespace, name),
                Some((JSON_PATCH, patch.to_string().into_bytes())),
            )
            .await?;
        if answer.status.is_success() {
            return Ok(Patched::Added);
        }
        // A failed `test` (422), or a write that lost a race (409): read it again, once.
        let raced = matches!(
            answer.status,
            StatusCode::CONFLICT | StatusCode::UNPROCESSABLE_ENTITY
        );
        if raced && !read_again {
            read_again = true;
            continue;
        }
        return Err(refusal(
            &asked("patch"),
            answer.status.as_u16(),
            &answer.body,
        ));
    }
}

/// The JSON patch that adds `secret` to `account` as read, or `None` when it names it.
fn patch(account: &ServiceAccount, secret: &str) -> Option<Value> {
    let entry = json!({ "name": secret });
    let add = match &account.image_pull_secrets {
        Some(list) if list.iter().any(|r| r.name.as_deref() == Some(secret)) => return None,
        Some(_) => json!({ "op": "add", "path": "/imagePullSecrets/-", "value": entry }),
        None => json!({ "op": "add", "path": "/imagePullSecrets", "value": [entry] }),
    };
    Some(json!([
        {
            "op": "test",
            "path": "/metadata/resourceVersion",
            "value": account.metadata.resource_version,
        },
        add,
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(json: Value) -> ServiceAccount {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn the_patch_adds_once_and_tests_the_version() {
        let none = account(json!({"metadata": {"name": "default", "resourceVersion": "7"}}));
        assert_eq!(
            patch(&none, "ecr-pull"),
            Some(json!([
                {"op": "test", "path": "/metadata/resourceVersion", "value": "7"},
                {"op": "add", "path": "/imagePullSecrets", "value": [{"name": "ecr-pull"}]},
            ]))
        );
        let others = account(json!({
            "metadata": {"name": "ci", "resourceVersion": "8"},
            "imagePullSecrets": [{"name": "dockerhub"}, {}],
        }));
        assert_eq!(
            patch(&others, "ecr-pull").unwrap()[1],
            json!({"op": "add", "path": "/imagePullSecrets/-", "value": {"name": "ecr-pull"}})
        );
        let has = account(json!({
            "metadata": {"name": "ci", "resourceVersion": "9"},
            "imagePullSecrets": [{"name": "dockerhub"}, {"name": "ecr-pull"}],
        }));
        assert_eq!(patch(&has, "ecr-pull"), None);
    }
}
