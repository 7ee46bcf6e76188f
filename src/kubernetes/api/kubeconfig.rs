//! Kubeconfig files: which files, how they merge, and the one context picked from them.
//!
//! The rules are client-go's, so a file that works with kubectl works here: `KUBECONFIG` is a
//! path list whose missing files are skipped, merged with the first definition of a name
//! winning and the first `current-context` set; relative paths in a file are relative to that
//! file.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::Error;
use crate::secret::Secret;

/// Far above any real kubeconfig, low enough that a wrong path cannot fill memory.
pub const MAX_FILE_BYTES: u64 = 4 << 20;

#[derive(Debug, Default, Deserialize)]
pub struct Kubeconfig {
    #[serde(default)]
    clusters: Vec<NamedCluster>,
    #[serde(default)]
    users: Vec<NamedUser>,
    #[serde(default)]
    contexts: Vec<NamedContext>,
    #[serde(default, rename = "current-context")]
    current_context: Option<String>,
}

#[derive(Debug, Deserialize)]
struct NamedCluster {
    name: String,
    cluster: Cluster,
}

#[derive(Debug, Deserialize)]
struct NamedUser {
    name: String,
    #[serde(default)]
    user: User,
}

#[derive(Debug, Deserialize)]
struct NamedContext {
    name: String,
    context: Context,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Cluster {
    #[serde(default)]
    pub server: String,
    pub certificate_authority: Option<PathBuf>,
    pub certificate_authority_data: Option<String>,
    #[serde(default)]
    pub insecure_skip_tls_verify: bool,
    pub tls_server_name: Option<String>,
    pub proxy_url: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct User {
    pub token: Option<Secret>,
    #[serde(rename = "tokenFile")]
    pub token_file: Option<PathBuf>,
    pub client_certificate: Option<PathBuf>,
    pub client_certificate_data: Option<String>,
    pub client_key: Option<PathBuf>,
    pub client_key_data: Option<Secret>,
    pub exec: Option<Exec>,
    pub auth_provider: Option<serde::de::IgnoredAny>,
    pub username: Option<String>,
}

/// A credential plugin (`aws eks get-token`, `gke-gcloud-auth-plugin`, ...).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Exec {
    pub command: PathBuf,
    #[serde(default)]
    pub args: Vec<String>,
    #[serde(default)]
    pub env: Option<Vec<ExecEnv>>,
    #[serde(default)]
    pub api_version: Option<String>,
    pub install_hint: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ExecEnv {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
struct Context {
    #[serde(default)]
    cluster: String,
    #[serde(default)]
    user: String,
    namespace: Option<String>,
}

/// The context picked: its cluster, its user and its namespace.
#[derive(Debug)]
pub struct Picked {
    pub context: String,
    pub cluster: Cluster,
    pub user: User,
    pub namespace: Option<String>,
}

impl Kubeconfig {
    /// Reads and merges `paths` (each must exist: the caller skipped missing ones).
    pub fn load(paths: &[PathBuf]) -> Result<Kubeconfig, Error> {
        let mut merged = Kubeconfig::default();
        for path in paths {
            let mut one = read(path)?;
            if let Some(dir) = path.parent() {
                one.resolve_paths(dir);
            }
            merged.current_context = merged.current_context.or(one.current_context);
            merged.clusters.extend(one.clusters);
            merged.users.extend(one.users);
            merged.contexts.extend(one.contexts);
        }
        Ok(merged)
    }

    /// True when the files define nothing to connect to: client-go then falls back to the
    /// in-cluster service account.
    pub fn is_empty(&self) -> bool {
        self.clusters.is_empty() && self.contexts.is_empty()
    }

    /// `context`, else the current context, with its cluster and user.
    pub fn pick(self, context: Option<&str>, source: &str) -> Result<Picked, Error> {
        let bad = |problem: String| Error::KubeConfig {
            file: source.to_owned(),
            problem,
        };
        let name = match context.or(self.current_context.as_deref()) {
            Some(name) if !name.is_empty() => name.to_owned(),
            _ => return Err(bad("no current-context; pass --context".into())),
        };
        let ctx = self
            .contexts
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.context.clone())
            .ok_or_else(|| bad(format!("no context named {name:?}")))?;
        let cluster = self
            .clusters
            .iter()
            .find(|c| c.name == ctx.cluster)
            .map(|c| c.cluster.clone())
            .ok_or_else(|| {
                bad(format!(
                    "context {name:?} names cluster {:?}, which is not defined",
                    ctx.cluster
                ))
            })?;
        let user = if ctx.user.is_empty() {
            User::default()
        } else {
            self.users
                .iter()
                .find(|u| u.name == ctx.user)
                .map(|u| u.user.clone())
                .ok_or_else(|| {
                    bad(format!(
                        "context {name:?} names user {:?}, which is not defined",
                        ctx.user
                    ))
                })?
        };
        Ok(Picked {
            context: name,
            cluster,
            user,
            namespace: ctx.namespace.filter(|n| !n.is_empty()),
        })
    }

    pub fn resolve_paths(&mut self, dir: &Path) {
        let fix = |p: &mut Option<PathBuf>| {
            if let Some(path) = p.as_mut().filter(|p| p.is_relative()) {
                *path = dir.join(&*path);
            }
        };
        for c in &mut self.clusters {
            fix(&mut c.cluster.certificate_authority);
        }
        for u in &mut self.users {
            fix(&mut u.user.token_file);
            fix(&mut u.user.client_certificate);
            fix(&mut u.user.client_key);
            // A bare command name is looked up in PATH; one with a separator is a path.
            if let Some(exec) = u.user.exec.as_mut()
                && exec.command.is_relative()
                && exec.command.components().count() > 1
            {
                exec.command = dir.join(&exec.command);
            }
        }
    }
}

fn read(path: &Path) -> Result<Kubeconfig, Error> {
    let file = path.display().to_string();
    let bytes = crate::file::read_regular(path, MAX_FILE_BYTES).map_err(|e| Error::KubeConfig {
        file: file.clone(),
        problem: format!("cannot read: {e}"),
    })?;
    parse(&bytes, &file)
}

/// One file's bytes; `file` names it in errors.
pub fn parse(bytes: &[u8], file: &str) -> Result<Kubeconfig, Error> {
    let bad = |problem: String| Error::KubeConfig {
        file: file.to_owned(),
        problem,
    };
    let text = std::str::from_utf8(bytes).map_err(|_| bad("not UTF-8 text".into()))?;
    if text.trim().is_empty() {
        return Ok(Kubeconfig::default());
    }
    serde_saphyr::from_str(text).map_err(|e| bad(format!("not a kubeconfig: {}", describe(&e))))
}

/// The parser's message without what it quotes from the file: its snippet shows the lines
/// around the error and serde's messages quote the offending value, and either may be a
/// token. The line and column are enough to find it.
fn describe(error: &serde_saphyr::Error) -> String {
    let text = crate::escape::one_line(&error.without_snippet().to_string());
    let mut out = String::with_capacity(text.len());
    let mut quote = None;
    for c in text.chars() {
        match quote {
            Some(q) if c == q => {
                out.push_str("...");
                out.push(c);
                quote = None;
            }
            Some(_) => {}
            None => {
                out.push(c);
                if matches!(c, '"' | '`') {
                    quote = Some(c);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO: &str = "
apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: dev
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority: ca.pem
- name: prod
  cluster:
    server: https://prod.example:443
    certificate-authority-data: AAAA
contexts:
- name: dev
  context: {cluster: dev, user: dev, namespace: team}
- name: prod
  context: {cluster: prod, user: ops}
users:
- name: dev
  user:
    tokenFile: token
- name: ops
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: [eks, get-token, --cluster-name, prod]
      env: [{name: AWS_PROFILE, value: ops}]
";

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn contexts_resolve_with_paths_relative_to_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "config", TWO);
        let dev = Kubeconfig::load(std::slice::from_ref(&path))
            .unwrap()
            .pick(None, "x")
            .unwrap();
        assert_eq!(dev.cluster.server, "https://127.0.0.1:6443");
        assert_eq!(
            dev.cluster.certificate_authority.unwrap(),
            dir.path().join("ca.pem")
        );
        assert_eq!(dev.user.token_file.unwrap(), dir.path().join("token"));
        assert_eq!(dev.namespace.as_deref(), Some("team"));
        let prod = Kubeconfig::load(&[path])
            .unwrap()
            .pick(Some("prod"), "x")
            .unwrap();
        let exec = prod.user.exec.unwrap();
        assert_eq!(exec.command, PathBuf::from("aws"), "looked up in PATH");
        assert_eq!(exec.args[1], "get-token");
        assert_eq!(prod.namespace, None);
    }

    #[test]
    fn the_first_file_wins_when_merging() {
        let dir = tempfile::tempdir().unwrap();
        let first = write(
            dir.path(),
            "a",
            "clusters: [{name: dev, cluster: {server: https://first}}]\n",
        );
        let second = write(dir.path(), "b", TWO);
        let picked = Kubeconfig::load(&[first, second])
            .unwrap()
            .pick(None, "x")
            .unwrap();
        assert_eq!(picked.cluster.server, "https://first");
        assert_eq!(picked.context, "dev", "current-context from the second");
    }

    #[test]
    fn broken_files_are_one_line_errors() {
        let dir = tempfile::tempdir().unwrap();
        let cases = [
            ("clusters: [unclosed\n  - x: {", "not a kubeconfig"),
            ("clusters: 7\n", "not a kubeconfig"),
        ];
        for (text, expected) in cases {
            let path = write(dir.path(), "bad", text);
            let err = Kubeconfig::load(&[path]).unwrap_err().to_string();
            assert!(err.contains(expected), "{err}");
            assert_eq!(err.lines().count(), 1, "{err}");
        }
        let err = Kubeconfig::load(&[dir.path().join("missing")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("cannot read"), "{err}");
        let path = write(dir.path(), "c", TWO);
        let config = || Kubeconfig::load(std::slice::from_ref(&path)).unwrap();
        let err = config().pick(Some("nope"), "x").unwrap_err().to_string();
        assert!(err.contains("no context named \"nope\""), "{err}");
        let text = TWO.replace("user: ops}", "user: ghost}");
        let path = write(dir.path(), "d", &text);
        let err = Kubeconfig::load(&[path])
            .unwrap()
            .pick(Some("prod"), "x")
            .unwrap_err()
            .to_string();
        assert!(err.contains("names user \"ghost\""), "{err}");
        // A billion strings by nested aliases: refused, not expanded.
        let mut laughs = String::from("l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            let refs = vec![format!("*l{}", i - 1); 10].join(", ");
            laughs.push_str(&format!("l{i}: &l{i} [{refs}]\n"));
        }
        laughs.push_str("users: [{name: u, user: {exec: {command: c, args: *l8}}}]\n");
        let path = write(dir.path(), "laughs", &laughs);
        let err = Kubeconfig::load(&[path]).unwrap_err().to_string();
        assert!(err.contains("not a kubeconfig"), "{err}");
        // What the file holds stays out of the message: it may be a token.
        for text in [
            "users:\n- name: u\n  user:\n    token: SEKRET-1\n    tokenFile: [unclosed\n",
            "users:\n- name: u\n  user:\n    token: {a: SEKRET-1}\n",
            "users:\n- name: u\n  user: SEKRET-1\n",
            "users:\n- name: u\n  user:\n    token: SEKRET-1\n    exec: 7\n",
        ] {
            let path = write(dir.path(), "secret", text);
            let err = Kubeconfig::load(&[path]).unwrap_err().to_string();
            assert!(
                err.contains("not a kubeconfig") && err.contains("line "),
                "{err}"
            );
            assert!(!err.contains("SEKRET"), "{err}");
        }
        let empty = write(dir.path(), "e", "");
        assert!(Kubeconfig::load(&[empty]).unwrap().is_empty());
    }
}
