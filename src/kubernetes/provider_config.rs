//! The kubelet's `CredentialProviderConfig` as we write it: which images the plugin serves,
//! the environment it runs with, and how our own config is told from a node's.
//!
//! The format is the kubelet's (`kubelet.config.k8s.io/v1`); the node install
//! ([`super::kubelet_install`]) only puts the text in place. Our config always sets
//! [`CACHE_VAR`] so that the plugin, which the kubelet often runs without a `HOME`, caches in a
//! directory the config names; the same variable is how the installer and its restore tell our
//! config from the node's own.
//!
//! `matchImages` may also name registry mirrors (`--mirror`): hosts the plugin answers with the
//! token of the node's own registry (see [`super::kubelet`]). Each one is checked here to be a
//! host, `host:port` or a `*.` glob of the kubelet's, narrow enough that the token cannot reach
//! registries nobody named: a glob keeps its last two labels (`*.mirror.example.com`).

use serde_json::json;

use crate::kubernetes::kubelet::{MIRRORS_VAR, ROLE_ANNOTATION, ROLE_ARN_VAR};

/// The name cloud-provider-aws's plugin has: existing kubelet configurations (EKS AMIs, kops,
/// k3s set-ups) name it, and under this name the binary is the plugin with no arguments.
pub const PROVIDER_NAME: &str = "ecr-credential-provider";

/// Where the plugin keeps its token cache on a node unless told otherwise: beside the
/// kubelet's own state, root's alone. The kubelet often runs plugins without a `HOME`, so the
/// config names it rather than relying on a per-user default.
pub const DEFAULT_CACHE_DIR: &str = "/var/lib/kubelet/ecr-login-cache";

/// Every private ECR host form (`registry.rs`), as kubelet globs: each `*` is one DNS label.
/// ECR Public is left out: public images need no credentials, and a node without AWS
/// credentials would only log a failure for each pull.
pub const MATCH_IMAGES: &[&str] = &[
    "*.dkr.ecr.*.amazonaws.com",
    "*.dkr.ecr-fips.*.amazonaws.com",
    "*.dkr.ecr.*.amazonaws.com.cn",
    "*.dkr.ecr.*.amazonaws.eu",
    "*.dkr-ecr.*.on.aws",
    "*.dkr-ecr-fips.*.on.aws",
    "*.dkr-ecr.*.on.amazonwebservices.com.cn",
    "*.dkr.ecr.*.c2s.ic.gov",
    "*.dkr.ecr.*.sc2s.sgov.gov",
    "*.dkr.ecr.*.cloud.adc-e.uk",
    "*.dkr.ecr.*.csp.hci.ic.gov",
];

/// The variable our config always sets for the plugin and no other config has a reason to:
/// how the installer recognises its own config.
pub const CACHE_VAR: &str = "AWS_ECR_CACHE_DIR";

/// What goes into the `CredentialProviderConfig`.
#[derive(Debug, Clone)]
pub struct ConfigOptions {
    /// `AWS_ECR_CACHE_DIR` for the plugin, a path on the node.
    pub cache_dir: String,
    /// Ask the kubelet for the pod's service-account token (per-pod roles; Kubernetes 1.34+).
    pub service_account_tokens: bool,
    /// `AWS_ECR_ROLE_ARN` for the plugin: the role for service accounts without the annotation.
    pub role_arn: Option<String>,
    /// Registry mirrors added to `matchImages`, each checked by [`mirror_pattern`].
    pub mirrors: Vec<String>,
    /// `AWS_ECR_KUBELET_MIRRORS=false` for the plugin: hosts that are not ECR are refused.
    pub refuse_mirrors: bool,
}

/// Longest host name DNS allows.
const MAX_HOST: usize = 253;

/// A `--mirror` value as `matchImages` will hold it (lower case), or why it is not one: a
/// host name or IPv4 address, an optional port, and `*` standing for whole labels other than
/// the last two. No path (the plugin answers per host), no IPv6 literal, nothing wider than a
/// domain: `*.com` or `k8s.*` would send the token to registries nobody named.
pub fn mirror_pattern(value: &str) -> Result<String, String> {
    let lower = value.to_ascii_lowercase();
    let (host, port) = match lower.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (lower.as_str(), None),
    };
    let port_ok = |p: &str| {
        !p.is_empty()
            && !p.starts_with('0')
            && p.bytes().all(|b| b.is_ascii_digit())
            && p.parse::<u16>().is_ok()
    };
    if port.is_some_and(|p| !port_ok(p)) {
        return Err("the port is not a number from 1 to 65535".to_owned());
    }
    let labels: Vec<&str> = host.split('.').collect();
    let label_ok = |label: &str| {
        (1..=63).contains(&label.len())
            && label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    if host.len() > MAX_HOST || !labels.iter().all(|l| *l == "*" || label_ok(l)) {
        return Err(
            "not a registry host: a host name, host:port or *.domain, without scheme or path"
                .to_owned(),
        );
    }
    let globbed = labels.contains(&"*");
    if globbed && (labels.len() < 3 || labels[labels.len() - 2..].contains(&"*")) {
        return Err(
            "a * must leave the last two labels named (*.mirror.example.com), or it would match registries nobody named"
                .to_owned(),
        );
    }
    Ok(lower)
}

/// True when `config` is one of ours, of any version: it sets our cache variable for one of
/// its providers, which no other config has a reason to.
pub fn is_ours(config: &serde_json::Value) -> bool {
    config["providers"].as_array().is_some_and(|providers| {
        providers.iter().any(|p| {
            p["env"]
                .as_array()
                .is_some_and(|env| env.iter().any(|v| v["name"] == CACHE_VAR))
        })
    })
}

/// The `CredentialProviderConfig`, as JSON (which the kubelet reads whatever the file's
/// extension: JSON is YAML).
pub fn render(options: &ConfigOptions) -> String {
    let mut match_images: Vec<&str> = MATCH_IMAGES.to_vec();
    for mirror in &options.mirrors {
        if !match_images.contains(&mirror.as_str()) {
            match_images.push(mirror);
        }
    }
    let mut provider = json!({
        "name": PROVIDER_NAME,
        "matchImages": match_images,
        // Our answers always carry their own cacheDuration; this only applies if one did not.
        "defaultCacheDuration": "11h",
        "apiVersion": "credentialprovider.kubelet.k8s.io/v1",
        "env": [{"name": CACHE_VAR, "value": options.cache_dir}],
    });
    if let Some(env) = provider["env"].as_array_mut() {
        if let Some(role_arn) = &options.role_arn {
            env.push(json!({"name": ROLE_ARN_VAR, "value": role_arn}));
        }
        if options.refuse_mirrors {
            env.push(json!({"name": MIRRORS_VAR, "value": "false"}));
        }
    }
    if options.service_account_tokens {
        provider["tokenAttributes"] = json!({
            "serviceAccountTokenAudience": "sts.amazonaws.com",
            "cacheType": "ServiceAccount",
            "requireServiceAccount": false,
            "optionalServiceAccountAnnotationKeys": [ROLE_ANNOTATION],
        });
    }
    let config = json!({
        "apiVersion": "kubelet.config.k8s.io/v1",
        "kind": "CredentialProviderConfig",
        "providers": [provider],
    });
    // A `Value` built here always serialises.
    let mut text = serde_json::to_string_pretty(&config).unwrap_or_default();
    text.push('\n');
    text
}

/// The options the unit tests of the config and of the node install write.
#[cfg(test)]
impl ConfigOptions {
    pub fn for_tests(service_account_tokens: bool) -> Self {
        ConfigOptions {
            cache_dir: DEFAULT_CACHE_DIR.into(),
            service_account_tokens,
            role_arn: None,
            mirrors: Vec::new(),
            refuse_mirrors: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn the_config_names_the_plugin_and_every_private_host_form() {
        let config: Value =
            serde_json::from_str(&render(&ConfigOptions::for_tests(false))).unwrap();
        assert_eq!(config["apiVersion"], "kubelet.config.k8s.io/v1");
        assert_eq!(config["kind"], "CredentialProviderConfig");
        let provider = &config["providers"][0];
        assert_eq!(provider["name"], PROVIDER_NAME);
        assert_eq!(
            provider["apiVersion"],
            "credentialprovider.kubelet.k8s.io/v1"
        );
        assert!(provider.get("args").is_none(), "the name alone selects it");
        assert!(provider.get("tokenAttributes").is_none());
        assert_eq!(
            provider["env"],
            json!([{"name": "AWS_ECR_CACHE_DIR", "value": DEFAULT_CACHE_DIR}])
        );
        let globs: Vec<&str> = provider["matchImages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g.as_str().unwrap())
            .collect();
        assert_eq!(globs, MATCH_IMAGES);
        assert!(!globs.iter().any(|g| g.contains("public")));
    }

    /// Each glob, with its `*`s filled in, must be a host `registry.rs` takes for private ECR.
    #[test]
    fn every_glob_matches_a_real_ecr_host() {
        for glob in MATCH_IMAGES {
            let host = glob
                .replacen('*', "123456789012", 1)
                .replacen('*', "eu-west-1", 1);
            let registry = crate::core::registry::Registry::parse(&host);
            assert!(registry.is_some_and(|r| !r.is_public()), "{glob} -> {host}");
        }
    }

    #[test]
    fn mirrors_are_added_to_match_images_and_the_opt_out_to_env() {
        let options = ConfigOptions {
            mirrors: vec![
                "docker.io".into(),
                "*.dkr.ecr.*.amazonaws.com".into(),
                "mirror.example.com:5000".into(),
                "docker.io".into(),
            ],
            refuse_mirrors: true,
            ..ConfigOptions::for_tests(false)
        };
        let config: Value = serde_json::from_str(&render(&options)).unwrap();
        let provider = &config["providers"][0];
        let mut want: Vec<&str> = MATCH_IMAGES.to_vec();
        want.extend(["docker.io", "mirror.example.com:5000"]);
        assert_eq!(provider["matchImages"], json!(want), "once each, in order");
        assert_eq!(
            provider["env"][1],
            json!({"name": "AWS_ECR_KUBELET_MIRRORS", "value": "false"})
        );
        let plain: Value = serde_json::from_str(&render(&ConfigOptions::for_tests(false))).unwrap();
        assert_eq!(plain["providers"][0]["env"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn mirror_patterns_are_hosts_or_narrow_globs() {
        for (given, kept) in [
            ("docker.io", "docker.io"),
            ("Registry.K8s.IO", "registry.k8s.io"),
            ("mirror.example.com:5000", "mirror.example.com:5000"),
            ("localhost:65535", "localhost:65535"),
            ("10.0.0.7:5000", "10.0.0.7:5000"),
            ("*.mirror.example.com", "*.mirror.example.com"),
            ("registry.*.example.com", "registry.*.example.com"),
            ("*.*.example.com:443", "*.*.example.com:443"),
        ] {
            assert_eq!(mirror_pattern(given).as_deref(), Ok(kept), "{given}");
        }
        let long_label = format!("{}.example.com", "a".repeat(64));
        let long_host = format!("{}example.com", "abc.".repeat(63));
        for bad in [
            "",
            "*",
            "*.com",
            "k8s.*",
            "*.*",
            "example.*",
            "docker.io/library",
            "https://docker.io",
            "docker.io:",
            "docker.io:0",
            "docker.io:080",
            "docker.io:65536",
            "docker io",
            "docker.io\n",
            "-docker.io",
            "docker-.io",
            "docker..io",
            ".docker.io",
            "app*.example.com",
            "[::1]:5000",
            "user@docker.io",
            "d\u{f6}cker.io",
            long_label.as_str(),
            long_host.as_str(),
        ] {
            assert!(mirror_pattern(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn service_account_tokens_add_token_attributes() {
        let config: Value = serde_json::from_str(&render(&ConfigOptions::for_tests(true))).unwrap();
        let attributes = &config["providers"][0]["tokenAttributes"];
        assert_eq!(
            attributes["serviceAccountTokenAudience"],
            "sts.amazonaws.com"
        );
        assert_eq!(attributes["cacheType"], "ServiceAccount");
        assert_eq!(
            attributes["optionalServiceAccountAnnotationKeys"],
            json!([ROLE_ANNOTATION])
        );
    }
}
