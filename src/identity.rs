//! Who is asking: a fingerprint of what selects AWS credentials, computed without any network
//! call, and the cache key built from it.
//!
//! Two calls with the same fingerprint would get the same credentials from the SDK, so they
//! may share a cached token. Anything that could change the answer is in it: the profile,
//! the variables of every credential source, the AWS config files (path, size and mtime, so an
//! edit invalidates) and the endpoint overrides. Only a hash is kept, so nothing secret ends up
//! in a file name or a file.

use std::path::PathBuf;
use std::time::UNIX_EPOCH;

use sha2::{Digest, Sha256};

use crate::env::Env;
use crate::registry::{Registry, Service};

/// Variables that choose or carry credentials, or change where the token comes from.
const IDENTITY_VARS: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_ECR",
    "AWS_ENDPOINT_URL_ECR_PUBLIC",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    "AWS_USE_FIPS_ENDPOINT",
    "AWS_USE_DUALSTACK_ENDPOINT",
    "AWS_EC2_METADATA_DISABLED",
];

/// The fingerprint of the credentials a fetch for some registry would use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity(String);

impl Identity {
    /// `profile` is the profile chosen for the registry (config file), if any; otherwise the
    /// environment's.
    pub fn current(env: &Env, profile: Option<&str>) -> Identity {
        let mut hash = Sha256::new();
        let mut field = |name: &str, value: &str| {
            hash.update(name.as_bytes());
            hash.update(b"=");
            hash.update(value.as_bytes());
            hash.update(b"\n");
        };
        field("profile", profile.or(env.profile()).unwrap_or("default"));
        for var in IDENTITY_VARS {
            field(var, env.get(var).unwrap_or_default());
        }
        for (name, path) in aws_files(env) {
            field(name, &path.display().to_string());
            field(name, &file_stamp(&path));
        }
        Identity(hex(&hash.finalize()))
    }

    /// This identity assuming `role_arn` (the kubelet plugin's per-pod role): another entry.
    pub fn assuming(&self, role_arn: &str) -> Identity {
        let mut hash = Sha256::new();
        hash.update(self.0.as_bytes());
        hash.update(b"\nassume-role=");
        hash.update(role_arn.as_bytes());
        Identity(hex(&hash.finalize()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn from_stored(text: String) -> Identity {
        Identity(text)
    }
}

/// The AWS config and credentials files the SDK will read.
pub(crate) fn aws_files(env: &Env) -> [(&'static str, PathBuf); 2] {
    let home = env.get("HOME").map(PathBuf::from).unwrap_or_default();
    let pick = |var: &str, default: &str| {
        env.get(var)
            .map(|p| match p.strip_prefix("~/") {
                Some(rest) => home.join(rest),
                None => PathBuf::from(p),
            })
            .unwrap_or_else(|| home.join(".aws").join(default))
    };
    [
        ("config", pick("AWS_CONFIG_FILE", "config")),
        (
            "credentials",
            pick("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
        ),
    ]
}

/// Size and modification time, or "missing": enough to notice an edit without reading.
fn file_stamp(path: &std::path::Path) -> String {
    match std::fs::metadata(path) {
        Ok(meta) => {
            let mtime = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .map(|d| d.as_nanos())
                .unwrap_or_default();
            format!("{}:{mtime}", meta.len())
        }
        Err(_) => "missing".to_owned(),
    }
}

/// The cache key of a registry for an identity: service, account, region, endpoint flavour and
/// identity, hashed into a file-name-safe string.
pub fn cache_key(registry: &Registry, identity: &Identity) -> String {
    let service = match &registry.service {
        Service::Private { account } => format!("ecr:{account}"),
        Service::Public => "ecr-public".to_owned(),
    };
    let mut hash = Sha256::new();
    hash.update(
        format!(
            "{service}\n{}\nfips={}\ndualstack={}\n{}\n",
            registry.region,
            registry.fips,
            registry.dual_stack,
            identity.as_str()
        )
        .as_bytes(),
    );
    hex(&hash.finalize()[..16])
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(env: &Env, host: &str) -> String {
        cache_key(
            &Registry::parse(host).unwrap(),
            &Identity::current(env, None),
        )
    }

    const HOST: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com";

    #[test]
    fn anything_that_selects_credentials_changes_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().to_str().unwrap();
        let base = Env::from_pairs([("HOME", home)]);
        let base_key = key(&base, HOST);
        assert_eq!(base_key, key(&base, HOST), "stable");
        for (var, value) in [
            ("AWS_PROFILE", "other"),
            ("AWS_ACCESS_KEY_ID", "AKIDOTHER"),
            ("AWS_ROLE_ARN", "arn:aws:iam::1:role/x"),
            ("AWS_ENDPOINT_URL_ECR", "http://127.0.0.1:1"),
            ("AWS_CONFIG_FILE", "/elsewhere"),
        ] {
            let env = Env::from_pairs([("HOME", home), (var, value)]);
            assert_ne!(key(&env, HOST), base_key, "{var}");
        }
        let configured = cache_key(
            &Registry::parse(HOST).unwrap(),
            &Identity::current(&base, Some("prod")),
        );
        assert_ne!(configured, base_key, "a profile from the config file");
    }

    #[test]
    fn editing_the_aws_config_invalidates() {
        let dir = tempfile::tempdir().unwrap();
        let env = Env::from_pairs([("HOME", dir.path().to_str().unwrap())]);
        let before = key(&env, HOST);
        std::fs::create_dir(dir.path().join(".aws")).unwrap();
        std::fs::write(dir.path().join(".aws/config"), "[default]\n").unwrap();
        let created = key(&env, HOST);
        assert_ne!(before, created);
        std::fs::write(dir.path().join(".aws/config"), "[default]\nregion = x\n").unwrap();
        assert_ne!(created, key(&env, HOST));
    }

    #[test]
    fn registries_differ_and_names_hold_no_secret() {
        let env = Env::from_pairs([("AWS_ACCESS_KEY_ID", "AKIDSECRETISH")]);
        let keys = [
            key(&env, HOST),
            key(&env, "123456789012.dkr.ecr.us-west-2.amazonaws.com"),
            key(&env, "210987654321.dkr.ecr.us-east-1.amazonaws.com"),
            key(&env, "123456789012.dkr.ecr-fips.us-east-1.amazonaws.com"),
            key(&env, "123456789012.dkr-ecr.us-east-1.on.aws"),
            key(&env, "public.ecr.aws"),
        ];
        for (i, a) in keys.iter().enumerate() {
            assert_eq!(a.len(), 32);
            assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
            assert!(!a.contains("AKID"));
            for b in &keys[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }
}
