//! The stand-in's objects and the API server's rules for them, as far as the client uses
//! them: Secrets by server-side apply (a `resourceVersion` in the body is a precondition on
//! an existing object and wiped on a new one, a `uid` with no object to match is a conflict),
//! service accounts by JSON patch (`test` and `add`, atomically), namespaces listed with
//! label selectors and phases, lists paged with `limit` and `continue`.

use std::collections::BTreeMap;

use percent_encoding::percent_decode_str;
use serde_json::{Map, Value, json};

use super::Seen;

/// What someone else does to a Secret between a client's read and its write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Race {
    /// Deletes it.
    Delete,
    /// Changes a field of its own (`data.touched`), which moves its resourceVersion.
    Change,
}

#[derive(Default)]
pub struct Store {
    /// The last resourceVersion given out; every write takes the next.
    version: u64,
    /// The namespaces that are listed: name, labels, phase.
    namespaces: Vec<(String, BTreeMap<String, String>, &'static str)>,
    secrets: BTreeMap<(String, String), Value>,
    service_accounts: BTreeMap<(String, String), Value>,
    pub forbid_namespace_list: bool,
    races: Vec<(String, String, Race)>,
}

/// A `Status` body.
pub fn status(code: u16, reason: &str, message: &str, details: Value) -> (u16, String) {
    let body = json!({
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": message, "reason": reason, "details": details, "code": code,
    });
    (code, body.to_string())
}

fn forbidden(verb: &str, resource: &str, name: &str, namespace: &str) -> (u16, String) {
    let whose = if name.is_empty() {
        resource.to_owned()
    } else {
        format!("{resource} \"{name}\"")
    };
    let scope = if namespace.is_empty() {
        "at the cluster scope".to_owned()
    } else {
        format!("in the namespace \"{namespace}\"")
    };
    status(
        403,
        "Forbidden",
        &format!(
            "{whose} is forbidden: User \"system:serviceaccount:ci:ecr-login\" cannot {verb} resource \"{resource}\" in API group \"\" {scope}"
        ),
        json!({"name": name, "kind": resource}),
    )
}

fn not_found(resource: &str, name: &str) -> (u16, String) {
    status(
        404,
        "NotFound",
        &format!("{resource} \"{name}\" not found"),
        json!({"name": name, "kind": resource}),
    )
}

fn conflict(resource: &str, name: &str, why: &str) -> (u16, String) {
    status(
        409,
        "Conflict",
        &format!("Operation cannot be fulfilled on {resource} \"{name}\": {why}"),
        json!({"name": name, "kind": resource}),
    )
}

const MODIFIED: &str =
    "the object has been modified; please apply your changes to the latest version and try again";

fn invalid(kind: &str, name: &str, field: &str, why: &str) -> (u16, String) {
    status(
        422,
        "Invalid",
        &format!("{kind} \"{name}\" is invalid: {field}: {why}"),
        json!({"name": name, "kind": kind}),
    )
}

fn ok(code: u16, object: &Value) -> (u16, String) {
    (code, object.to_string())
}

impl Store {
    fn next_version(&mut self) -> String {
        self.version += 1;
        self.version.to_string()
    }

    pub fn add_namespace(&mut self, name: &str, labels: &[(&str, &str)]) {
        let mut labels: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        labels.insert("kubernetes.io/metadata.name".into(), name.into());
        self.namespaces.push((name.to_owned(), labels, "Active"));
        self.namespaces.sort_by(|a, b| a.0.cmp(&b.0));
    }

    pub fn terminate_namespace(&mut self, name: &str) {
        for namespace in &mut self.namespaces {
            if namespace.0 == name {
                namespace.2 = "Terminating";
            }
        }
    }

    pub fn put_secret(&mut self, mut secret: Value) -> Value {
        let namespace = secret["metadata"]["namespace"].as_str().unwrap().to_owned();
        let name = secret["metadata"]["name"].as_str().unwrap().to_owned();
        secret["metadata"]["uid"] = format!("uid-{namespace}-{name}-{}", self.version).into();
        secret["metadata"]["resourceVersion"] = self.next_version().into();
        self.secrets.insert((namespace, name), secret.clone());
        secret
    }

    pub fn secret(&self, namespace: &str, name: &str) -> Option<Value> {
        self.secrets
            .get(&(namespace.to_owned(), name.to_owned()))
            .cloned()
    }

    pub fn put_service_account(&mut self, namespace: &str, name: &str, pull_secrets: Value) {
        let mut account = json!({
            "apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": {
                "name": name, "namespace": namespace,
                "uid": format!("uid-sa-{namespace}-{name}"),
                "resourceVersion": self.next_version(),
            },
        });
        if !pull_secrets.is_null() {
            account["imagePullSecrets"] = pull_secrets;
        }
        self.service_accounts
            .insert((namespace.to_owned(), name.to_owned()), account);
    }

    pub fn service_account(&self, namespace: &str, name: &str) -> Option<Value> {
        self.service_accounts
            .get(&(namespace.to_owned(), name.to_owned()))
            .cloned()
    }

    pub fn race_after_read(&mut self, namespace: &str, name: &str, race: Race) {
        self.races.push((namespace.to_owned(), name.to_owned(), race));
    }

    /// The answer to `request`: status code and body.
    pub fn answer(&mut self, request: &Seen) -> (u16, String) {
        let (path, query) = request
            .target
            .split_once('?')
            .unwrap_or((request.target.as_str(), ""));
        let query = parse_query(query);
        let segments: Vec<&str> = path.split('/').skip(1).collect();
        let method = request.method.as_str();
        match segments.as_slice() {
            ["api", "v1", "namespaces"] if method == "GET" => self.list_namespaces(&query),
            ["api", "v1", "namespaces", namespace, resource, rest @ ..] => {
                let name = rest.first().copied().unwrap_or_default();
                let verb = match (method, name) {
                    ("GET", "") => "list",
                    ("GET", _) => "get",
                    _ => "patch",
                };
                match *namespace {
                    "locked" => return forbidden(verb, resource, name, namespace),
                    "gone" => return not_found("namespaces", "gone"),
                    "busy" if verb == "patch" => return conflict(resource, name, MODIFIED),
                    _ => {}
                }
                match (*resource, method, name) {
                    ("secrets", "GET", name) if !name.is_empty() => {
                        self.get_secret(namespace, name)
                    }
                    ("secrets", "PATCH", name) if !name.is_empty() => {
                        self.apply_secret(request, namespace, name)
                    }
                    ("serviceaccounts", "GET", "") => {
                        let items: Vec<Value> = self
                            .service_accounts
                            .iter()
                            .filter(|((ns, _), _)| ns == namespace)
                            .map(|(_, sa)| sa.clone())
                            .collect();
                        page("ServiceAccountList", &items, &query)
                    }
                    ("serviceaccounts", "GET", name) => match self.service_account(namespace, name)
                    {
                        Some(account) => ok(200, &account),
                        None => not_found("serviceaccounts", name),
                    },
                    ("serviceaccounts", "PATCH", name) => {
                        self.patch_service_account(request, namespace, name)
                    }
                    _ => not_found(resource, name),
                }
            }
            _ => status(404, "NotFound", "the server could not find the requested resource", json!({})),
        }
    }

    fn list_namespaces(&self, query: &BTreeMap<String, String>) -> (u16, String) {
        if self.forbid_namespace_list {
            return forbidden("list", "namespaces", "", "");
        }
        let selector = query.get("labelSelector").map(String::as_str).unwrap_or("");
        let items: Vec<Value> = self
            .namespaces
            .iter()
            .filter(|(_, labels, _)| selects(selector, labels))
            .map(|(name, labels, phase)| {
                json!({
                    "metadata": {"name": name, "labels": labels, "uid": format!("uid-ns-{name}"),
                                 "resourceVersion": "1"},
                    "spec": {"finalizers": ["kubernetes"]},
                    "status": {"phase": phase},
                })
            })
            .collect();
        page("NamespaceList", &items, query)
    }

    fn get_secret(&mut self, namespace: &str, name: &str) -> (u16, String) {
        let key = (namespace.to_owned(), name.to_owned());
        let Some(secret) = self.secrets.get(&key).cloned() else {
            return not_found("secrets", name);
        };
        if let Some(at) = self
            .races
            .iter()
            .position(|(ns, n, _)| *ns == namespace && n == name)
        {
            let (_, _, race) = self.races.remove(at);
            match race {
                Race::Delete => {
                    self.secrets.remove(&key);
                }
                Race::Change => {
                    let version = self.next_version();
                    if let Some(stored) = self.secrets.get_mut(&key) {
                        stored["data"]["touched"] = "eWVz".into();
                        stored["metadata"]["resourceVersion"] = version.into();
                    }
                }
            }
        }
        ok(200, &secret)
    }

    /// Server-side apply, as the API server's patch handler and registry do it: create when
    /// there is no object (system fields such as `resourceVersion` wiped, but a `uid` that
    /// matches no object refused), otherwise the `resourceVersion` given must be current and
    /// the applied fields are merged into the object, all others kept.
    fn apply_secret(&mut self, request: &Seen, namespace: &str, name: &str) -> (u16, String) {
        if request.header("content-type") != Some("application/apply-patch+yaml") {
            return status(415, "UnsupportedMediaType", "unsupported patch type", json!({}));
        }
        let Ok(applied) = serde_json::from_str::<Value>(&request.body) else {
            return status(400, "BadRequest", "error decoding YAML", json!({}));
        };
        let given_uid = applied["metadata"]["uid"].as_str().unwrap_or_default();
        let given_version = applied["metadata"]["resourceVersion"]
            .as_str()
            .unwrap_or_default();
        let key = (namespace.to_owned(), name.to_owned());
        let Some(mut secret) = self.secrets.get(&key).cloned() else {
            if !given_uid.is_empty() {
                return conflict(
                    "secrets",
                    name,
                    &format!(
                        "uid mismatch: the provided object specified uid {given_uid}, and no existing object was found"
                    ),
                );
            }
            let mut created = applied.clone();
            created["metadata"]["namespace"] = namespace.into();
            let created = self.put_secret(created);
            return ok(201, &created);
        };
        if !given_version.is_empty() && secret["metadata"]["resourceVersion"] != given_version {
            return conflict("secrets", name, MODIFIED);
        }
        if !given_uid.is_empty() && secret["metadata"]["uid"] != given_uid {
            return invalid("Secret", name, "metadata.uid", "field is immutable");
        }
        if let Some(kind) = applied.get("type")
            && secret.get("type").is_some_and(|existing| existing != kind)
        {
            return invalid("Secret", name, "type", "field is immutable");
        }
        for (field, into) in [
            ("/metadata/labels", "labels"),
            ("/metadata/annotations", "annotations"),
        ] {
            if let Some(Value::Object(given)) = applied.pointer(field) {
                merge(&mut secret["metadata"][into], given);
            }
        }
        if let Some(Value::Object(given)) = applied.get("data") {
            merge(&mut secret["data"], given);
        }
        if let Some(kind) = applied.get("type") {
            secret["type"] = kind.clone();
        }
        secret["metadata"]["resourceVersion"] = self.next_version().into();
        self.secrets.insert(key, secret.clone());
        ok(200, &secret)
    }

    /// A JSON patch (RFC 6902; the `test` and `add` operations), all or nothing.
    fn patch_service_account(
        &mut self,
        request: &Seen,
        namespace: &str,
        name: &str,
    ) -> (u16, String) {
        if request.header("content-type") != Some("application/json-patch+json") {
            return status(415, "UnsupportedMediaType", "unsupported patch type", json!({}));
        }
        let key = (namespace.to_owned(), name.to_owned());
        let Some(mut account) = self.service_accounts.get(&key).cloned() else {
            return not_found("serviceaccounts", name);
        };
        let Ok(Value::Array(operations)) = serde_json::from_str::<Value>(&request.body) else {
            return status(400, "BadRequest", "not a JSON patch", json!({}));
        };
        for operation in operations {
            let path = operation["path"].as_str().unwrap_or_default();
            let value = operation["value"].clone();
            let done = match operation["op"].as_str() {
                Some("test") => account.pointer(path) == Some(&value),
                Some("add") => add(&mut account, path, value),
                _ => false,
            };
            if !done {
                return status(
                    422,
                    "Invalid",
                    &format!("the server rejected our request due to an error in our request: {} {path} failed", operation["op"]),
                    json!({}),
                );
            }
        }
        account["metadata"]["resourceVersion"] = self.next_version().into();
        self.service_accounts.insert(key, account.clone());
        ok(200, &account)
    }
}

fn merge(into: &mut Value, given: &Map<String, Value>) {
    if !into.is_object() {
        *into = json!({});
    }
    for (k, v) in given {
        into[k] = v.clone();
    }
}

/// RFC 6902 `add`: `-` appends to an array, a member name sets a member of an object.
fn add(target: &mut Value, path: &str, value: Value) -> bool {
    let Some((parent, last)) = path.rsplit_once('/') else {
        return false;
    };
    match target.pointer_mut(parent) {
        Some(Value::Array(items)) if last == "-" => {
            items.push(value);
            true
        }
        Some(Value::Object(members)) => {
            members.insert(last.replace("~1", "/").replace("~0", "~"), value);
            true
        }
        _ => false,
    }
}

fn parse_query(query: &str) -> BTreeMap<String, String> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
            (decode(k), decode(v))
        })
        .collect()
}

/// A page of `items`: at most `limit`, and never more than two, so that tests with a few
/// objects read several pages (a server may send fewer items than the limit). The continue
/// token holds characters that must be encoded in a query.
fn page(kind: &str, items: &[Value], query: &BTreeMap<String, String>) -> (u16, String) {
    let limit: usize = query
        .get("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(usize::MAX)
        .min(2);
    let start = match query.get("continue") {
        None => 0,
        Some(token) => match token.strip_prefix("next&from=") {
            Some(at) => at.parse().unwrap_or(usize::MAX),
            None => return status(400, "BadRequest", "invalid continue token", json!({})),
        },
    };
    let end = (start + limit).min(items.len());
    let mut metadata = json!({"resourceVersion": "1"});
    if end < items.len() {
        metadata["continue"] = format!("next&from={end}").into();
    }
    let list = json!({
        "kind": kind, "apiVersion": "v1", "metadata": metadata,
        "items": items.get(start..end).unwrap_or_default(),
    });
    (200, list.to_string())
}

/// Whether `labels` satisfy `selector` (comma-joined `k`, `!k`, `k=v`, `k==v`, `k!=v`,
/// `k in (a,b)`, `k notin (a,b)`).
fn selects(selector: &str, labels: &BTreeMap<String, String>) -> bool {
    let mut requirements = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in selector.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                requirements.push(&selector[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    requirements.push(&selector[start..]);
    requirements.into_iter().map(str::trim).all(|r| {
        let set = |rest: &str| -> Vec<String> {
            rest.trim()
                .trim_start_matches('(')
                .trim_end_matches(')')
                .split(',')
                .map(|v| v.trim().to_owned())
                .collect()
        };
        if r.is_empty() {
            true
        } else if let Some(key) = r.strip_prefix('!') {
            !labels.contains_key(key.trim())
        } else if let Some((key, rest)) = r.split_once(" notin ") {
            labels
                .get(key.trim())
                .is_none_or(|v| !set(rest).contains(v))
        } else if let Some((key, rest)) = r.split_once(" in ") {
            labels.get(key.trim()).is_some_and(|v| set(rest).contains(v))
        } else if let Some((key, value)) = r.split_once("!=") {
            labels.get(key.trim()).map(String::as_str) != Some(value.trim())
        } else if let Some((key, value)) = r.split_once("==").or_else(|| r.split_once('=')) {
            labels.get(key.trim()).map(String::as_str) == Some(value.trim())
        } else {
            labels.contains_key(r)
        }
    })
}
