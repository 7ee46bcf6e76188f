//! Where the Kubernetes API is and how to prove who we are: a kubeconfig or the pod's service
//! account, chosen as kubectl (client-go) chooses.
//!
//! `--kubeconfig` wins, then `KUBECONFIG` (a path list; missing files skipped), then
//! `~/.kube/config`. When none of them defines anything and we run in a pod
//! (`KUBERNETES_SERVICE_HOST`/`PORT` and a token file), the service account serves. Nothing
//! here touches the network: an exec plugin runs later, within the command's deadline.

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::kubeconfig::{Exec, Kubeconfig, User};
use crate::env::Env;
use crate::error::Error;
use crate::log::debug;
use crate::secret::Secret;

/// Where a pod's service-account files are mounted.
pub const SERVICE_ACCOUNT_DIR: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

/// Bound on a token, certificate or key file.
const MAX_PEM_BYTES: u64 = 1 << 20;

/// What the user asked for on the command line.
#[derive(Debug, Default)]
pub struct Options {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
}

/// A resolved API server and credentials.
#[derive(Debug)]
pub struct Target {
    /// `https://host:port` plus any path prefix (a proxy such as Rancher's), no trailing `/`.
    pub server: String,
    /// The name the server's certificate must carry (`tls-server-name`, else the host).
    pub server_name: Option<String>,
    /// CA certificates in PEM; `None`: the public roots.
    pub ca_pem: Option<Vec<u8>>,
    /// Client certificate chain and key, both PEM.
    pub client_cert: Option<(Vec<u8>, Secret)>,
    pub auth: Auth,
    /// The namespace when none is given.
    pub namespace: String,
    /// For messages: "kubeconfig PATH, context NAME" or "the pod's service account".
    pub source: String,
}

#[derive(Debug)]
pub enum Auth {
    None,
    Bearer(Secret),
    Exec { exec: Exec, source: String },
}

impl Target {
    /// The API server and credentials for `options`, from `env` (home, `KUBECONFIG`, and
    /// `AWS_ECR_SERVICE_ACCOUNT_DIR`, which moves the service-account directory).
    pub fn resolve(options: &Options, env: &Env) -> Result<Target, Error> {
        let (files, explicit) = kubeconfig_files(options, env);
        let source = files
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(if cfg!(windows) { ";" } else { ":" });
        let config = Kubeconfig::load(&files)?;
        if config.is_empty() && !explicit && options.context.is_none() {
            let dir = env
                .get("AWS_ECR_SERVICE_ACCOUNT_DIR")
                .map_or_else(|| PathBuf::from(SERVICE_ACCOUNT_DIR), PathBuf::from);
            if let Some(target) = in_cluster(env, &dir)? {
                return Ok(target);
            }
            return Err(Error::KubeConfig {
                file: if source.is_empty() {
                    "~/.kube/config".into()
                } else {
                    source
                },
                problem: "no kubeconfig found and not running in a pod; pass --kubeconfig or set KUBECONFIG".into(),
            });
        }
        let source = if source.is_empty() {
            "no kubeconfig (KUBECONFIG, ~/.kube/config)".to_owned()
        } else {
            source
        };
        let mut target = from_kubeconfig(config, options.context.as_deref(), &source)?;
        if let Auth::Exec { exec, source } = &mut target.auth {
            super::exec::locate(exec, source, env)?;
        }
        Ok(target)
    }
}

/// The files to read, and whether the user named them (then a missing one is an error).
fn kubeconfig_files(options: &Options, env: &Env) -> (Vec<PathBuf>, bool) {
    if let Some(path) = &options.kubeconfig {
        return (vec![path.clone()], true);
    }
    if let Some(list) = env.get("KUBECONFIG") {
        let found: Vec<PathBuf> = std::env::split_paths(list)
            .filter(|p| !p.as_os_str().is_empty() && p.exists())
            .collect();
        debug!("KUBECONFIG: {} of its files exist", found.len());
        return (found, false);
    }
    (default_kubeconfig(env).into_iter().collect(), false)
}

/// `~/.kube/config` where kubectl finds it: `HOME` on Unix; on Windows the first of `HOME`,
/// `HOMEDRIVE` + `HOMEPATH` and `USERPROFILE` that holds one (client-go's `homedir.HomeDir`),
/// so an MSYS or Git Bash shell, which sets `HOME`, still finds the config under the profile.
fn default_kubeconfig(env: &Env) -> Option<PathBuf> {
    let in_home = |home: PathBuf| home.join(".kube").join("config");
    if !cfg!(windows) {
        return env
            .get("HOME")
            .map(PathBuf::from)
            .map(in_home)
            .filter(|p| p.exists());
    }
    let drive_path = env.home_drive_path();
    [
        env.get("HOME"),
        drive_path.as_deref(),
        env.get("USERPROFILE"),
    ]
    .into_iter()
    .flatten()
    .map(|home| in_home(PathBuf::from(home)))
    .find(|p| p.exists())
}

fn from_kubeconfig(
    config: Kubeconfig,
    context: Option<&str>,
    source: &str,
) -> Result<Target, Error> {
    let picked = config.pick(context, source)?;
    let where_ = format!("{source}, context {:?}", picked.context);
    let bad = |problem: String| Error::KubeConfig {
        file: where_.clone(),
        problem,
    };
    let cluster = picked.cluster;
    if cluster.server.is_empty() {
        return Err(bad("the cluster has no server".into()));
    }
    if cluster.insecure_skip_tls_verify {
        return Err(bad("insecure-skip-tls-verify is not supported: an unverified server would receive registry credentials; set certificate-authority or certificate-authority-data".into()));
    }
    if cluster.proxy_url.is_some() {
        return Err(bad(
            "proxy-url is not supported; reach the API server directly".into(),
        ));
    }
    let ca_pem = match (
        &cluster.certificate_authority_data,
        &cluster.certificate_authority,
    ) {
        (Some(data), _) => Some(decode(data, "certificate-authority-data").map_err(&bad)?),
        (None, Some(path)) => Some(read_file(path, "certificate-authority").map_err(&bad)?),
        (None, None) => None,
    };
    let user = picked.user;
    let client_cert = client_cert(&user).map_err(&bad)?;
    let auth = auth(&user, &where_).map_err(&bad)?;
    // From here on, only the URL without its user info exists to be shown or used.
    let (server, had_userinfo) =
        super::client::strip_userinfo(cluster.server.trim_end_matches('/'));
    if had_userinfo {
        debug!("{where_}: the server URL's user name and password are ignored");
    }
    Ok(Target {
        server,
        server_name: cluster.tls_server_name,
        ca_pem,
        client_cert,
        auth,
        namespace: picked.namespace.unwrap_or_else(|| "default".into()),
        source: where_,
    })
}

fn client_cert(user: &User) -> Result<Option<(Vec<u8>, Secret)>, String> {
    let cert = match (&user.client_certificate_data, &user.client_certificate) {
        (Some(data), _) => Some(decode(data, "client-certificate-data")?),
        (None, Some(path)) => Some(read_file(path, "client-certificate")?),
        (None, None) => None,
    };
    let key = match (&user.client_key_data, &user.client_key) {
        (Some(data), _) => Some(decode(data.expose(), "client-key-data")?),
        (None, Some(path)) => Some(read_file(path, "client-key")?),
        (None, None) => None,
    };
    match (cert, key) {
        (None, None) => Ok(None),
        (Some(cert), Some(key)) => {
            let key = String::from_utf8(key).map_err(|_| "the client key is not PEM".to_owned())?;
            Ok(Some((cert, Secret::new(key))))
        }
        _ => Err(
            "a client certificate needs both client-certificate(-data) and client-key(-data)"
                .into(),
        ),
    }
}

fn auth(user: &User, source: &str) -> Result<Auth, String> {
    if let Some(token) = user.token.as_ref().filter(|t| !t.expose().is_empty()) {
        return Ok(Auth::Bearer(token.clone()));
    }
    if let Some(path) = &user.token_file {
        return Ok(Auth::Bearer(read_token(path, "tokenFile")?));
    }
    if let Some(exec) = &user.exec {
        return Ok(Auth::Exec {
            exec: exec.clone(),
            source: source.to_owned(),
        });
    }
    if user.auth_provider.is_some() {
        return Err("auth-provider plugins (gcp, azure, oidc) are not supported; use an exec plugin or a token".into());
    }
    if user.username.is_some() {
        return Err("basic authentication (username/password) is not supported by Kubernetes since 1.19; use a token or a client certificate".into());
    }
    Ok(Auth::None)
}

/// The pod's service account, when we run in a pod.
fn in_cluster(env: &Env, dir: &Path) -> Result<Option<Target>, Error> {
    let (Some(host), Some(port)) = (
        env.get("KUBERNETES_SERVICE_HOST"),
        env.get("KUBERNETES_SERVICE_PORT"),
    ) else {
        return Ok(None);
    };
    let token_path = dir.join("token");
    if !token_path.exists() {
        return Ok(None);
    }
    let bad = |problem: String| Error::KubeConfig {
        file: format!("the service account in {}", dir.display()),
        problem,
    };
    // Re-read on every run: the kubelet rotates projected tokens.
    let token = read_token(&token_path, "token").map_err(&bad)?;
    let ca_pem = read_file(&dir.join("ca.crt"), "ca.crt").map_err(&bad)?;
    let namespace = crate::file::read_regular(&dir.join("namespace"), 256)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "default".into());
    let host = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_owned()
    };
    Ok(Some(Target {
        server: format!("https://{host}:{port}"),
        server_name: None,
        ca_pem: Some(ca_pem),
        client_cert: None,
        auth: Auth::Bearer(token),
        namespace,
        source: "the pod's service account".into(),
    }))
}

fn read_file(path: &Path, what: &str) -> Result<Vec<u8>, String> {
    crate::file::read_regular(path, MAX_PEM_BYTES)
        .map_err(|e| format!("{what} {}: cannot read: {e}", path.display()))
}

fn read_token(path: &Path, what: &str) -> Result<Secret, String> {
    let bytes = read_file(path, what)?;
    let token =
        String::from_utf8(bytes).map_err(|_| format!("{what} {}: not text", path.display()))?;
    let token = token.trim();
    if token.is_empty() {
        return Err(format!("{what} {}: empty", path.display()));
    }
    Ok(Secret::new(token))
}

fn decode(data: &str, what: &str) -> Result<Vec<u8>, String> {
    let compact: String = data.split_whitespace().collect();
    STANDARD
        .decode(compact)
        .map_err(|_| format!("{what} is not base64"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        Env::from_pairs(pairs.iter().copied())
    }

    #[test]
    fn kubeconfig_precedence_follows_kubectl() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        std::fs::create_dir_all(home.join(".kube")).unwrap();
        let one = |server: &str| {
            format!(
                "clusters: [{{name: c, cluster: {{server: '{server}', certificate-authority-data: QUFB}}}}]\ncontexts: [{{name: c, context: {{cluster: c}}}}]\ncurrent-context: c\n"
            )
        };
        std::fs::write(home.join(".kube/config"), one("https://home")).unwrap();
        let listed = dir.path().join("listed");
        std::fs::write(&listed, one("https://listed")).unwrap();
        let explicit = dir.path().join("explicit");
        std::fs::write(&explicit, one("https://explicit")).unwrap();
        let home_s = home.to_str().unwrap();
        let missing = dir.path().join("missing");
        let list = std::env::join_paths([&missing, &listed]).unwrap();
        let list = list.to_str().unwrap();
        let server = |options: &Options, env: &Env| Target::resolve(options, env).unwrap().server;
        let e = env(&[("HOME", home_s), ("USERPROFILE", home_s)]);
        assert_eq!(server(&Options::default(), &e), "https://home");
        if cfg!(windows) {
            // A shell's HOME without a kubeconfig: the profile's is found, as kubectl finds it.
            let shell_home = dir.path().join("msys-home");
            std::fs::create_dir_all(&shell_home).unwrap();
            let e = env(&[
                ("HOME", shell_home.to_str().unwrap()),
                ("USERPROFILE", home_s),
            ]);
            assert_eq!(server(&Options::default(), &e), "https://home");
        }
        let e = env(&[
            ("HOME", home_s),
            ("USERPROFILE", home_s),
            ("KUBECONFIG", list),
        ]);
        assert_eq!(server(&Options::default(), &e), "https://listed");
        let options = Options {
            kubeconfig: Some(explicit),
            context: None,
        };
        assert_eq!(server(&options, &e), "https://explicit");
        let options = Options {
            kubeconfig: Some(missing),
            context: None,
        };
        let err = Target::resolve(&options, &e).unwrap_err().to_string();
        assert!(err.contains("cannot read"), "{err}");
    }

    #[test]
    fn in_cluster_when_no_kubeconfig_defines_anything() {
        let dir = tempfile::tempdir().unwrap();
        let sa = dir.path().join("sa");
        std::fs::create_dir_all(&sa).unwrap();
        std::fs::write(sa.join("token"), "sa-token\n").unwrap();
        std::fs::write(sa.join("ca.crt"), "pem").unwrap();
        std::fs::write(sa.join("namespace"), "flux-system").unwrap();
        let e = env(&[
            ("HOME", dir.path().to_str().unwrap()),
            ("USERPROFILE", dir.path().to_str().unwrap()),
            ("KUBERNETES_SERVICE_HOST", "fd00::1"),
            ("KUBERNETES_SERVICE_PORT", "443"),
            ("AWS_ECR_SERVICE_ACCOUNT_DIR", sa.to_str().unwrap()),
        ]);
        let target = Target::resolve(&Options::default(), &e).unwrap();
        assert_eq!(target.server, "https://[fd00::1]:443");
        assert_eq!(target.namespace, "flux-system");
        assert!(matches!(&target.auth, Auth::Bearer(t) if t.expose() == "sa-token"));
        assert!(!format!("{target:?}").contains("sa-token"));
        let no_pod = env(&[("HOME", dir.path().to_str().unwrap())]);
        let err = Target::resolve(&Options::default(), &no_pod)
            .unwrap_err()
            .to_string();
        assert!(err.contains("not running in a pod"), "{err}");
    }

    #[test]
    fn unsafe_or_unsupported_users_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        let base = "clusters: [{name: c, cluster: {server: 'https://x', CLUSTER}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\nusers: [{name: u, user: {USER}}]\n";
        let cases = [
            (
                "insecure-skip-tls-verify: true",
                "token: t",
                "insecure-skip-tls-verify is not supported",
            ),
            (
                "certificate-authority: nope.pem",
                "token: t",
                "certificate-authority",
            ),
            ("certificate-authority-data: '!!'", "token: t", "not base64"),
            (
                "tls-server-name: x",
                "client-certificate-data: QUFB",
                "needs both",
            ),
            (
                "tls-server-name: x",
                "auth-provider: {name: gcp}",
                "auth-provider",
            ),
        ];
        for (cluster, user, expected) in cases {
            let text = base.replace("CLUSTER", cluster).replace("USER", user);
            std::fs::write(&path, text).unwrap();
            let options = Options {
                kubeconfig: Some(path.clone()),
                context: None,
            };
            let err = Target::resolve(&options, &Env::default())
                .unwrap_err()
                .to_string();
            assert!(err.contains(expected), "{cluster} {user}: {err}");
        }
    }
}
