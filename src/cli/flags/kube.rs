//! `kube-secret`'s flags: their clap definitions and every check that needs no AWS and no
//! cluster, so that a typo in a CronJob's arguments or a chart's values is a usage error
//! (exit code 2) before a token is fetched or a namespace written.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::cli::kube_secret::{Chosen, Request};
use crate::kubernetes::api;
use crate::kubernetes::argocd;
use crate::kubernetes::kube_secret::{Argocd, EXPIRES_AT, MANAGED_BY, SecretType, Spec};
use crate::kubernetes::names::{dns_subdomain, label_value, qualified_name};
use crate::kubernetes::selector;

pub const HELP: &str = "\
With --apply the Secret is written by server-side apply (field manager
docker-credential-ecr-login), with one line per object on stdout:
  secret/NAME created|applied in namespace NS
  secret/NAME password applied in namespace NS           (--password-only)
  serviceaccount/SA patched|unchanged in namespace NS    (--service-account)
An object that fails is named on stderr with the cause, the others are still written, and the
exit code is 1 (0 with --exit-zero). Credentials: --kubeconfig, else KUBECONFIG, else
~/.kube/config, else the pod's service account. RBAC: create and patch on secrets in each
namespace (get and patch with --password-only); get, list and patch on serviceaccounts with
--service-account; list on namespaces, at cluster scope, with --all-namespaces or
--namespace-selector.

The Secret always carries the label app.kubernetes.io/managed-by=docker-credential-ecr-login
and the annotation ecr-login.expires-at (the password's expiry), and the Argo CD types the
label argocd.argoproj.io/secret-type: --label and --annotation add to these and refuse their
keys.

Examples:
  # imagePullSecrets, Flux ImageRepository.spec.secretRef
  docker-credential-ecr-login kube-secret 123456789012.dkr.ecr.eu-west-1.amazonaws.com \\
    --name ecr-pull --namespace flux-system | kubectl apply -f -
  # Rancher Fleet helmSecretName
  docker-credential-ecr-login kube-secret 123456789012.dkr.ecr.eu-west-1.amazonaws.com \\
    --name ecr-helm --namespace fleet-local --type basic-auth | kubectl apply -f -
  # no kubectl: write it to two namespaces (in a pod: with its service account)
  docker-credential-ecr-login kube-secret 123456789012.dkr.ecr.eu-west-1.amazonaws.com \\
    --name ecr-pull --namespace flux-system --namespace apps --apply
  # every namespace (one created later gets it at the next run) but kube-*, and in each the
  # imagePullSecrets of every service account
  docker-credential-ecr-login kube-secret 123456789012.dkr.ecr.eu-west-1.amazonaws.com \\
    --name ecr-pull --all-namespaces --exclude-namespace 'kube-*' --service-account '*' --apply
  # the namespaces labelled ecr-pull=true
  docker-credential-ecr-login kube-secret 123456789012.dkr.ecr.eu-west-1.amazonaws.com \\
    --name ecr-pull --namespace-selector ecr-pull=true --apply
  # Argo CD: every Helm chart under charts/ (an Application's repoURL
  # 123456789012.dkr.ecr.eu-west-1.amazonaws.com/charts, with chart: NAME)
  docker-credential-ecr-login kube-secret 123456789012.dkr.ecr.eu-west-1.amazonaws.com \\
    --name ecr-charts --namespace argocd --type argocd-repo-creds \\
    --argocd-url 123456789012.dkr.ecr.eu-west-1.amazonaws.com/charts --apply
  # Argo CD: only the password, in a repository Secret you manage yourself
  docker-credential-ecr-login kube-secret 123456789012.dkr.ecr.eu-west-1.amazonaws.com \\
    --name my-charts-repo --namespace argocd --type argocd-repository --password-only --apply";

/// Longest annotation value accepted: the API server's bound on all of an object's
/// annotations together.
const MAX_ANNOTATION: usize = 256 * 1024;

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("cluster_chooses").args(["all_namespaces", "namespace_selector"])))]
pub struct KubeSecretArgs {
    /// Registry hosts (or configured aliases); exactly one for basic-auth and the Argo CD
    /// types.
    #[arg(required = true)]
    registries: Vec<String>,
    /// The Secret's name.
    #[arg(long)]
    name: String,
    /// The Secret's namespace; repeat for several [default: the context's namespace (with
    /// --apply), else kubectl's current namespace].
    #[arg(long = "namespace", value_name = "NAMESPACE")]
    namespaces: Vec<String>,
    /// With --apply: every namespace, listed at each run, so that one created since is
    /// written at the next; those being deleted are skipped.
    #[arg(long, requires = "apply", conflicts_with_all = ["namespaces", "namespace_selector"])]
    all_namespaces: bool,
    /// With --apply: the namespaces this label selector picks, listed at each run (kubectl's
    /// syntax: k=v, k!=v, 'k in (a,b)', 'k notin (a)', k, !k; a comma means and).
    #[arg(long, value_name = "SELECTOR", requires = "apply", conflicts_with = "namespaces", value_parser = namespace_selector)]
    namespace_selector: Option<String>,
    /// Leave out the namespaces this glob matches (* any run of characters, ? one);
    /// repeatable; with --all-namespaces or --namespace-selector.
    #[arg(long = "exclude-namespace", value_name = "GLOB", requires = "cluster_chooses", value_parser = namespace_glob)]
    exclude_namespaces: Vec<String>,
    /// With --apply (and --type dockerconfigjson, the one imagePullSecrets read): add the
    /// Secret to this service account's imagePullSecrets when it is not there, keeping the
    /// other entries; repeatable; '*' for every service account of each namespace.
    #[arg(long = "service-account", value_name = "NAME", requires = "apply", value_parser = service_account)]
    service_accounts: Vec<String>,
    /// The kind of Secret, for what reads it.
    #[arg(long = "type", value_enum, default_value = "dockerconfigjson")]
    secret_type: SecretTypeArg,
    /// Add this label to the Secret; repeatable.
    #[arg(long = "label", value_name = "KEY=VALUE", value_parser = label)]
    labels: Vec<(String, String)>,
    /// Add this annotation to the Secret; repeatable.
    #[arg(long = "annotation", value_name = "KEY=VALUE", value_parser = annotation)]
    annotations: Vec<(String, String)>,
    /// The Argo CD types: the repository URL, or for argocd-repo-creds the URL prefix, on the
    /// registry: host[/path] (an oci:// is accepted) [default: the registry; argocd-repository
    /// with --argocd-type oci needs the repository's path].
    #[arg(long, value_name = "URL")]
    argocd_url: Option<String>,
    /// The Argo CD types: helm writes type helm with enableOCI "true" and a URL without a
    /// scheme (every Argo CD version); oci writes type oci and an oci:// URL (Argo CD 3.1+)
    /// [default: helm].
    #[arg(long, value_enum, value_name = "TYPE")]
    argocd_type: Option<ArgocdTypeArg>,
    /// argocd-repository: the project the repository is restricted to (Argo CD reads no
    /// project on an argocd-repo-creds template).
    #[arg(long, value_name = "NAME", value_parser = project)]
    argocd_project: Option<String>,
    /// With --apply: only update the password of the existing Secret (basic-auth and the Argo
    /// CD types) by server-side apply, leaving its other fields to whoever manages it; a
    /// missing Secret is an error in its namespace, never created.
    #[arg(long, requires = "apply")]
    password_only: bool,
    /// Write the Secret to the cluster (server-side apply) instead of printing it.
    #[arg(long)]
    apply: bool,
    /// Kubeconfig file for --apply [default: $KUBECONFIG, else ~/.kube/config, else the
    /// pod's service account].
    #[arg(long, value_name = "PATH", requires = "apply")]
    kubeconfig: Option<PathBuf>,
    /// Kubeconfig context for --apply [default: current-context].
    #[arg(long, value_name = "NAME", requires = "apply", value_hint = clap::ValueHint::Other)]
    context: Option<String>,
    /// With --apply, exit 0 even when the token or an object fails, each failure still on
    /// stderr: for a first run at install time (a Helm hook), which must not fail the
    /// release while the pod's AWS identity is not set up yet.
    #[arg(long, requires = "apply")]
    exit_zero: bool,
}

/// The Secret types, as `--type` spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SecretTypeArg {
    /// kubernetes.io/dockerconfigjson: imagePullSecrets, Flux.
    Dockerconfigjson,
    /// kubernetes.io/basic-auth with username and password: Fleet's helmSecretName.
    BasicAuth,
    /// An Argo CD repository Secret: the credentials of one repository URL.
    ArgocdRepository,
    /// An Argo CD credential template: the credentials of every repository under a URL.
    ArgocdRepoCreds,
}

impl From<SecretTypeArg> for SecretType {
    fn from(arg: SecretTypeArg) -> SecretType {
        match arg {
            SecretTypeArg::Dockerconfigjson => SecretType::Dockerconfigjson,
            SecretTypeArg::BasicAuth => SecretType::BasicAuth,
            SecretTypeArg::ArgocdRepository => SecretType::ArgocdRepository,
            SecretTypeArg::ArgocdRepoCreds => SecretType::ArgocdRepoCreds,
        }
    }
}

/// Argo CD's repository types, as `--argocd-type` spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ArgocdTypeArg {
    /// type helm, enableOCI "true", a URL without a scheme.
    Helm,
    /// type oci, an oci:// URL (Argo CD 3.1+).
    Oci,
}

impl KubeSecretArgs {
    /// The request, once what no single flag can check holds; the error is a usage message.
    pub fn into_request(self) -> Result<Request, String> {
        let kind = SecretType::from(self.secret_type);
        let type_name = self
            .secret_type
            .to_possible_value()
            .map(|v| v.get_name().to_owned())
            .unwrap_or_default();
        if kind.has_password() && self.registries.len() != 1 {
            return Err(format!(
                "--type {type_name} holds the credentials of one registry, and {} are given",
                self.registries.len()
            ));
        }
        if self.password_only && !kind.has_password() {
            return Err("--password-only updates a password field, which --type dockerconfigjson has not: give --type basic-auth, argocd-repository or argocd-repo-creds".into());
        }
        if !self.service_accounts.is_empty() && kind != SecretType::Dockerconfigjson {
            return Err(format!(
                "--service-account puts the Secret in imagePullSecrets, which read --type dockerconfigjson Secrets only, not {type_name}"
            ));
        }
        let argocd = if kind.argocd_label().is_some() {
            let repo_kind = match self.argocd_type {
                Some(ArgocdTypeArg::Oci) => argocd::Kind::Oci,
                Some(ArgocdTypeArg::Helm) | None => argocd::Kind::Helm,
            };
            // Argo CD reads `project` from repository Secrets only: on a credential template it
            // would look like a restriction and be none.
            if kind == SecretType::ArgocdRepoCreds && self.argocd_project.is_some() {
                return Err("--argocd-project restricts --type argocd-repository only: Argo CD ignores a project on an argocd-repo-creds template, which serves every project".into());
            }
            let registry = self.registries.first().map_or("", String::as_str);
            let url = argocd::url(registry, self.argocd_url.as_deref(), repo_kind)?;
            // A repository Secret serves the Application whose repoURL is its url exactly, and
            // an oci:// repoURL always names the repository: the bare registry would serve none.
            // (--password-only writes no url.)
            if kind == SecretType::ArgocdRepository
                && repo_kind == argocd::Kind::Oci
                && !self.password_only
                && !url.trim_start_matches("oci://").contains('/')
            {
                return Err("--type argocd-repository --argocd-type oci needs --argocd-url oci://HOST/REPOSITORY: Argo CD matches a repository Secret's url exactly, and an oci:// repoURL names the repository (or use --type argocd-repo-creds for every repository under a prefix)".into());
            }
            Some(Argocd {
                url,
                kind: repo_kind,
                project: self.argocd_project,
            })
        } else {
            if self.argocd_url.is_some()
                || self.argocd_type.is_some()
                || self.argocd_project.is_some()
            {
                return Err(format!(
                    "--argocd-url, --argocd-type and --argocd-project are for --type argocd-repository and argocd-repo-creds, not {type_name}"
                ));
            }
            None
        };
        let labels = unique("--label", self.labels, |key| {
            kind.reserved_label(key)
                .then(|| format!("the Secret's own label ({key}={})", own_label(kind, key)))
        })?;
        let annotations = unique("--annotation", self.annotations, |key| {
            (key == EXPIRES_AT)
                .then(|| "the Secret's own annotation (the password's expiry)".to_owned())
        })?;
        let chosen = (self.all_namespaces || self.namespace_selector.is_some()).then_some(Chosen {
            selector: self.namespace_selector,
            exclude: self.exclude_namespaces,
        });
        Ok(Request {
            registries: self.registries,
            name: self.name,
            namespaces: self.namespaces,
            chosen,
            spec: Spec {
                kind,
                argocd,
                labels,
                annotations,
            },
            password_only: self.password_only,
            service_accounts: self.service_accounts,
            apply: self.apply.then_some(api::Options {
                kubeconfig: self.kubeconfig,
                context: self.context,
            }),
            exit_zero: self.exit_zero,
        })
    }
}

fn own_label(kind: SecretType, key: &str) -> &'static str {
    if key == MANAGED_BY {
        crate::NAME
    } else {
        kind.argocd_label().unwrap_or_default()
    }
}

/// `pairs` with no key given twice and none that `reserved` explains is ours.
fn unique(
    flag: &str,
    pairs: Vec<(String, String)>,
    reserved: impl Fn(&str) -> Option<String>,
) -> Result<Vec<(String, String)>, String> {
    let mut seen = std::collections::HashSet::new();
    for (key, _) in &pairs {
        if let Some(why) = reserved(key) {
            return Err(format!("{flag} {key}: {why} cannot be replaced"));
        }
        if !seen.insert(key.as_str()) {
            return Err(format!("{flag} {key} is given twice"));
        }
    }
    Ok(pairs)
}

fn key_value<'a>(text: &'a str, what: &str) -> Result<(&'a str, &'a str), String> {
    let (key, value) = text
        .split_once('=')
        .ok_or_else(|| format!("expected KEY=VALUE, a {what} key and its value"))?;
    qualified_name(key).map_err(|e| format!("the key {key:?}: {e}"))?;
    Ok((key, value))
}

fn label(text: &str) -> Result<(String, String), String> {
    let (key, value) = key_value(text, "label")?;
    label_value(value).map_err(|e| format!("the value {value:?}: {e}"))?;
    Ok((key.to_owned(), value.to_owned()))
}

fn annotation(text: &str) -> Result<(String, String), String> {
    let (key, value) = key_value(text, "annotation")?;
    if value.len() > MAX_ANNOTATION {
        return Err(format!("the value is longer than {MAX_ANNOTATION} bytes"));
    }
    Ok((key.to_owned(), value.to_owned()))
}

fn namespace_selector(text: &str) -> Result<String, String> {
    selector::check(text)
        .map(|()| text.to_owned())
        .map_err(|e| format!("not a label selector: {e}"))
}

fn namespace_glob(text: &str) -> Result<String, String> {
    let ok = !text.is_empty()
        && text.len() <= 253
        && text.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'.' | b'*' | b'?')
        });
    if ok {
        Ok(text.to_owned())
    } else {
        Err("a namespace name or a glob: lower-case letters, digits, '-', '.', '*' and '?'".into())
    }
}

fn service_account(text: &str) -> Result<String, String> {
    if text == "*" {
        return Ok(text.to_owned());
    }
    dns_subdomain(text)
        .map(|()| text.to_owned())
        .map_err(|e| format!("a service account name (or '*') {e}"))
}

fn project(text: &str) -> Result<String, String> {
    dns_subdomain(text)
        .map(|()| text.to_owned())
        .map_err(|e| format!("an Argo CD project name {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_annotations_are_key_value_pairs() {
        assert_eq!(
            label("example.com/team=platform").unwrap(),
            ("example.com/team".to_owned(), "platform".to_owned())
        );
        assert_eq!(label("empty=").unwrap().1, "");
        assert_eq!(
            annotation("note=a = b, with spaces").unwrap().1,
            "a = b, with spaces"
        );
        for bad in [
            "novalue",
            "=x",
            "Bad_/x=y",
            "k=-v",
            &format!("k={}", "v".repeat(64)),
        ] {
            assert!(label(bad).is_err(), "{bad}");
        }
        assert!(annotation("k").is_err());
        assert!(annotation(&format!("k={}", "v".repeat(MAX_ANNOTATION + 1))).is_err());
    }

    #[test]
    fn globs_and_names() {
        assert!(namespace_glob("kube-*").is_ok());
        assert!(namespace_glob("team-?").is_ok());
        for bad in ["", "Kube-*", "a/b", "a b", "[ab]"] {
            assert!(namespace_glob(bad).is_err(), "{bad}");
        }
        assert!(service_account("*").is_ok());
        assert!(service_account("default").is_ok());
        assert!(service_account("**").is_err());
        assert!(service_account("Default").is_err());
        assert!(project("team-a").is_ok());
        assert!(project("Team A").is_err());
    }
}
