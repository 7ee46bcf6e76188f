//! The kubelet's `CredentialProviderConfig` as we write it: which images the plugin serves,
//! the environment it runs with, and how our own config is told from a node's.
//!
//! The format is the kubelet's (`kubelet.config.k8s.io/v1`); the node install
//! ([`super::kubelet_install`]) only puts the text in place. Our config always sets
//! [`CACHE_VAR`] so that the plugin, which the kubelet often runs without a `HOME`, caches in a
//! directory the config names; the same variable is how the installer and its restore tell our
//! config from the node's own.

use serde_json::json;

use crate::kubernetes::kubelet::{ROLE_ANNOTATION, ROLE_ARN_VAR};

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
    let mut provider = json!({
        "name": PROVIDER_NAME,
        "matchImages": MATCH_IMAGES,
        // Our answers always carry their own cacheDuration; this only applies if one did not.
        "defaultCacheDuration": "11h",
        "apiVersion": "credentialprovider.kubelet.k8s.io/v1",
        "env": [{"name": CACHE_VAR, "value": options.cache_dir}],
    });
    if let (Some(role_arn), Some(env)) = (&options.role_arn, provider["env"].as_array_mut()) {
        env.push(json!({"name": ROLE_ARN_VAR, "value": role_arn}));
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
