//! What an API server's refusal means, for the person who fixes it: the `Status` body read
//! and turned into one line that names the permission, the missing namespace or the cause.

use serde::Deserialize;

use crate::error::Error;
use crate::escape::one_line;

/// A request, as a refusal's message needs it.
pub struct Asked<'a> {
    /// What was being done, for the message: `namespace team`, `listing namespaces`.
    pub place: &'a str,
    /// The namespace of the request; empty at cluster scope.
    pub namespace: &'a str,
    /// The RBAC verb and resource of the request.
    pub verb: &'a str,
    pub resource: &'a str,
}

/// A Kubernetes `Status` body, as far as we read it.
#[derive(Debug, Default, Deserialize)]
struct Status {
    #[serde(default)]
    message: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    details: Details,
}

#[derive(Debug, Default, Deserialize)]
struct Details {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
}

/// The error for a refusal of `asked` with `status` and `body`.
pub fn refusal(asked: &Asked<'_>, status: u16, body: &[u8]) -> Error {
    let parsed: Status = serde_json::from_slice(body).unwrap_or_default();
    let message = if parsed.message.is_empty() {
        let text = String::from_utf8_lossy(body);
        one_line(&text.chars().take(200).collect::<String>())
    } else {
        one_line(&parsed.message)
    };
    let scope = if asked.namespace.is_empty() {
        "at cluster scope (a ClusterRole bound by a ClusterRoleBinding must allow it)".to_owned()
    } else {
        format!(
            "in namespace {} (a Role bound there, or a ClusterRole, must allow it)",
            asked.namespace
        )
    };
    let hint = match status {
        401 => "the API server did not accept the credentials: the token or certificate is expired or wrong".to_owned(),
        403 => match lacked_permission(&message) {
            Some((verb, resource)) => {
                format!("lacks RBAC permission to {verb} {resource} {scope}")
            }
            None => format!(
                "refused by the API server: RBAC ({} {} {scope}) or an admission policy",
                asked.verb, asked.resource
            ),
        },
        404 if parsed.details.kind == "namespaces" => {
            let name = if parsed.details.name.is_empty() {
                asked.namespace
            } else {
                &parsed.details.name
            };
            format!("namespace {} does not exist", one_line(name))
        }
        404 => "not found: is the server URL right (and any path prefix)?".to_owned(),
        409 => "conflict".to_owned(),
        _ if parsed.reason.is_empty() => "refused".to_owned(),
        _ => one_line(&parsed.reason),
    };
    Error::KubeRefused {
        place: asked.place.to_owned(),
        status,
        hint,
        message,
    }
}

/// The verb and resource from the authorizer's message: `... cannot patch resource "secrets"
/// in API group "" in the namespace "team"`.
fn lacked_permission(message: &str) -> Option<(String, String)> {
    let after = message.split(" cannot ").nth(1)?;
    let (verb, rest) = after.split_once(" resource \"")?;
    let (resource, _) = rest.split_once('"')?;
    (!verb.contains(' ') && !resource.contains(' ')).then(|| (verb.to_owned(), resource.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asked<'a>(namespace: &'a str, place: &'a str) -> Asked<'a> {
        Asked {
            place,
            namespace,
            verb: "patch",
            resource: "secrets",
        }
    }

    #[test]
    fn refusals_say_what_is_missing() {
        let forbidden = br#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"secrets \"ecr-pull\" is forbidden: User \"system:serviceaccount:ci:ecr\" cannot patch resource \"secrets\" in API group \"\" in the namespace \"team\"","reason":"Forbidden","details":{"name":"ecr-pull","kind":"secrets"},"code":403}"#;
        let text = refusal(&asked("team", "namespace team"), 403, forbidden).to_string();
        assert!(text.starts_with("ecr-login: namespace team: HTTP 403: "), "{text}");
        assert!(
            text.contains("lacks RBAC permission to patch secrets in namespace team"),
            "{text}"
        );
        let missing = br#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"namespaces \"gone\" not found","reason":"NotFound","details":{"name":"gone","kind":"namespaces"},"code":404}"#;
        let text = refusal(&asked("gone", "namespace gone"), 404, missing).to_string();
        assert!(text.contains("namespace gone does not exist"), "{text}");
        let text = refusal(&asked("x", "namespace x"), 502, b"<html>\nbad gateway</html>").to_string();
        assert!(
            text.contains("HTTP 502") && text.contains("<html> bad gateway"),
            "{text}"
        );
        assert_eq!(text.lines().count(), 1);
    }

    #[test]
    fn a_cluster_scope_refusal_names_the_permission_even_unparsed() {
        let list = Asked {
            place: "listing namespaces",
            namespace: "",
            verb: "list",
            resource: "namespaces",
        };
        let forbidden = br#"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"namespaces is forbidden: User \"system:serviceaccount:ci:ecr\" cannot list resource \"namespaces\" in API group \"\" at the cluster scope","reason":"Forbidden","details":{"kind":"namespaces"},"code":403}"#;
        let text = refusal(&list, 403, forbidden).to_string();
        assert!(
            text.contains("lacks RBAC permission to list namespaces at cluster scope"),
            "{text}"
        );
        let text = refusal(&list, 403, b"denied by a webhook").to_string();
        assert!(
            text.contains("RBAC (list namespaces at cluster scope") && text.contains("admission"),
            "{text}"
        );
    }
}
