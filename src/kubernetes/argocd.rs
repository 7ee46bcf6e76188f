//! What Argo CD reads from a repository Secret, for a Helm chart (or any OCI artifact) on ECR.
//!
//! Argo CD's declarative setup finds credentials in Secrets of its namespace labelled
//! `argocd.argoproj.io/secret-type: repository` (one repository URL) or `repo-creds` (a URL
//! prefix that serves every repository under it), reading `url`, `username`, `password`,
//! `name`, `project` and the repository `type`. A Helm chart in an OCI registry is `type: helm`
//! with `enableOCI: "true"` and a URL without a scheme (Argo CD adds `oci://` itself); Argo CD
//! 3.1 added `type: oci`, whose URL carries the `oci://` scheme. ECR's password is the same
//! for every repository of a registry, so the URL must be on the registry the password is for:
//! a URL on another host would hand that host ECR's password.

use crate::docker::auths::config_key;

/// The label Argo CD finds its repository Secrets by.
pub const SECRET_TYPE_LABEL: &str = "argocd.argoproj.io/secret-type";

/// Longest URL accepted (an ECR repository name is at most 256 characters).
const MAX_URL: usize = 512;

/// The repository type Argo CD is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `type: helm`, `enableOCI: "true"`, URL without a scheme: every Argo CD with OCI Helm.
    Helm,
    /// `type: oci`, URL with `oci://`: Argo CD 3.1 and later.
    Oci,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Helm => "helm",
            Kind::Oci => "oci",
        }
    }
}

/// The `url` to write for `registry`: `given` (`host[/path]`, optionally `oci://`) checked to
/// be on that registry, else the registry itself; with `oci://` for [`Kind::Oci`] and without
/// for [`Kind::Helm`]. The error is a phrase for a usage message.
pub fn url(registry: &str, given: Option<&str>, kind: Kind) -> Result<String, String> {
    let host = config_key(registry);
    let location = match given {
        None => host,
        Some(given) => on_registry(&host, given)?,
    };
    Ok(match kind {
        Kind::Helm => location,
        Kind::Oci => format!("oci://{location}"),
    })
}

/// `given` without its `oci://`, lower-case host, when it is `host` or a path under it.
fn on_registry(host: &str, given: &str) -> Result<String, String> {
    if given.len() > MAX_URL {
        return Err(format!("--argocd-url is longer than {MAX_URL} characters"));
    }
    let rest = match given.get(..6) {
        Some(scheme) if scheme.eq_ignore_ascii_case("oci://") => &given[6..],
        _ if given.contains("://") => {
            return Err(format!(
                "--argocd-url {given:?}: Argo CD reads ECR over OCI; give host[/path] or oci://host[/path]"
            ));
        }
        _ => given,
    };
    let (url_host, path) = match rest.split_once('/') {
        Some((url_host, path)) => (url_host, path.trim_end_matches('/')),
        None => (rest, ""),
    };
    if !url_host.eq_ignore_ascii_case(host) {
        return Err(format!(
            "--argocd-url {given:?} is not on the registry {host} whose password the Secret holds"
        ));
    }
    // ECR repository names: lower-case, digits, `.`, `_`, `-`, `/` between components.
    let component_ok = |c: &str| {
        !c.is_empty()
            && c.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
            })
    };
    if !path.is_empty() && !path.split('/').all(component_ok) {
        return Err(format!(
            "--argocd-url {given:?}: the path must be a repository name or prefix (lower-case letters, digits, '.', '_', '-', '/')"
        ));
    }
    Ok(if path.is_empty() {
        host.to_owned()
    } else {
        format!("{host}/{path}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOST: &str = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";

    #[test]
    fn the_default_is_the_registry() {
        assert_eq!(url(HOST, None, Kind::Helm).unwrap(), HOST);
        assert_eq!(
            url(HOST, None, Kind::Oci).unwrap(),
            format!("oci://{HOST}")
        );
        assert_eq!(
            url(&format!("https://{HOST}/"), None, Kind::Helm).unwrap(),
            HOST
        );
    }

    #[test]
    fn a_given_url_is_on_the_registry_with_the_scheme_of_its_kind() {
        for (given, kind, expected) in [
            ("HOST/charts", Kind::Helm, "HOST/charts"),
            ("oci://HOST/charts/", Kind::Helm, "HOST/charts"),
            ("OCI://HOST", Kind::Helm, "HOST"),
            ("HOST/team/app", Kind::Oci, "oci://HOST/team/app"),
            ("oci://HOST/charts", Kind::Oci, "oci://HOST/charts"),
        ] {
            let given = given.replace("HOST", HOST);
            assert_eq!(
                url(HOST, Some(&given), kind).unwrap(),
                expected.replace("HOST", HOST),
                "{given}"
            );
        }
        let upper = HOST.to_ascii_uppercase();
        assert_eq!(url(HOST, Some(&upper), Kind::Helm).unwrap(), HOST);
    }

    #[test]
    fn other_hosts_schemes_and_paths_are_refused() {
        for given in [
            "evil.example.com/charts".to_owned(),
            format!("oci://evil.example.com/{HOST}"),
            format!("{HOST}.evil.example.com"),
            format!("{HOST}:444/charts"),
            format!("https://{HOST}/charts"),
            format!("{HOST}/Charts"),
            format!("{HOST}//charts"),
            format!("{HOST}/charts?x=1"),
            format!("{HOST}/ch arts"),
            format!("user@{HOST}"),
            format!("{HOST}/{}", "a".repeat(MAX_URL)),
            String::new(),
        ] {
            assert!(url(HOST, Some(&given), Kind::Helm).is_err(), "{given}");
        }
    }
}
