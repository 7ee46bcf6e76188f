//! The namespaces the cluster chooses (`--all-namespaces`, `--namespace-selector`): listed
//! at every run, so that a namespace created since the last run is written at the next;
//! those being deleted skipped, where a write would only be refused, and the user's
//! exclusions (`--exclude-namespace`, `*` and `?` globs) taken out.

use serde::Deserialize;

use super::client::Api;
use super::list;
use super::refusal::Asked;
use crate::error::Error;
use crate::kubernetes::kube_secret::check_name;
use crate::log::{debug, warn};

#[derive(Deserialize)]
struct Namespace {
    metadata: Meta,
    #[serde(default)]
    status: Status,
}

#[derive(Deserialize)]
struct Meta {
    name: String,
}

#[derive(Default, Deserialize)]
struct Status {
    #[serde(default)]
    phase: String,
}

/// The names of the namespaces `selector` (every one without) picks, but those `exclude`
/// matches and those being deleted, in the server's order.
pub async fn chosen(
    api: &Api<'_>,
    selector: Option<&str>,
    exclude: &[String],
) -> Result<Vec<String>, Error> {
    let asked = Asked {
        place: "listing namespaces",
        namespace: "",
        verb: "list",
        resource: "namespaces",
    };
    let query = selector
        .map(|s| format!("labelSelector={}", list::encode(s)))
        .unwrap_or_default();
    let listed: Vec<Namespace> = list::all(api, &asked, "/api/v1/namespaces", &query).await?;
    let mut names = Vec::new();
    for namespace in listed {
        let name = namespace.metadata.name;
        if namespace.status.phase == "Terminating" {
            debug!("namespace {name} is being deleted: skipped");
        } else if exclude.iter().any(|glob| glob_match(glob, &name)) {
            debug!("namespace {name} is excluded");
        } else if check_name("namespace", &name, 63).is_err() {
            // It would go into a request path: the server's answer is held to the syntax.
            warn!("skipping a namespace the API server named {:?}: not a valid name", crate::escape::one_line(&name));
        } else {
            names.push(name);
        }
    }
    Ok(names)
}

/// Whether `name` matches `glob`, where `*` stands for any run of characters and `?` for one.
pub fn glob_match(glob: &str, name: &str) -> bool {
    let (glob, name) = (glob.as_bytes(), name.as_bytes());
    let (mut g, mut n) = (0, 0);
    // Where the last `*` was, and the name position it currently stands up to: on a
    // mismatch, let that star take one more character (linear backtracking, no recursion).
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match glob.get(g) {
            Some(b'*') => {
                star = Some((g, n));
                g += 1;
            }
            Some(&c) if c == b'?' || c == name[n] => {
                g += 1;
                n += 1;
            }
            _ => match star {
                Some((star_g, star_n)) => {
                    g = star_g + 1;
                    n = star_n + 1;
                    star = Some((star_g, star_n + 1));
                }
                None => return false,
            },
        }
    }
    glob[g..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        for (glob, name) in [
            ("kube-*", "kube-system"),
            ("kube-*", "kube-"),
            ("*", "anything"),
            ("*", ""),
            ("team-?", "team-a"),
            ("*-sandbox-*", "dev-sandbox-1"),
            ("a*b*c", "aXbYbZc"),
            ("exact", "exact"),
            ("**", "x"),
        ] {
            assert!(glob_match(glob, name), "{glob} {name}");
        }
        for (glob, name) in [
            ("kube-*", "kube"),
            ("kube-*", "my-kube-system"),
            ("team-?", "team-ab"),
            ("team-?", "team-"),
            ("exact", "exact2"),
            ("a*b*c", "aXbYbZ"),
            ("", "x"),
        ] {
            assert!(!glob_match(glob, name), "{glob} {name}");
        }
    }
}
