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

use crate::core::registry::{Registry, Service};
use crate::env::Env;

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
        Identity(hex::encode(hash.finalize()))
    }

    /// This identity assuming `role_arn` with a service account's token (the kubelet plugin's
    /// per-pod role): one entry per role *and* service account, never shared between tenants.
    ///
    /// STS decides on the token's issuer, audience and subject, so those are the key, with the
    /// service account's uid (a deleted and re-created account is another account). A rotated
    /// token of the same account is the same entry. The signature is not checked: the kubelet
    /// vouches for the token it hands us, and STS checks it before anything is cached. A token
    /// whose claims cannot be read is keyed by a hash of the whole token, so it shares nothing.
    pub fn assuming(&self, role_arn: &str, token: &str) -> Identity {
        let mut hash = Sha256::new();
        let mut field = |name: &str, value: &[u8]| {
            // Length-prefixed: no value can pass for another field.
            hash.update(name.as_bytes());
            hash.update((value.len() as u64).to_be_bytes());
            hash.update(value);
        };
        field("identity", self.0.as_bytes());
        field("assume-role", role_arn.as_bytes());
        match ServiceAccount::from_token(token) {
            Some(account) => {
                field("iss", account.issuer.as_bytes());
                field("aud", account.audience.as_bytes());
                field("sub", account.subject.as_bytes());
                field("sa-uid", account.uid.as_bytes());
            }
            None => field("token-sha256", &Sha256::digest(token.as_bytes())),
        }
        Identity(hex::encode(hash.finalize()))
    }

    /// The key of a role's session got with an MFA code: this identity (that of the profile
    /// naming the role) and every argument of the `AssumeRole` call but the code, so a session
    /// is only ever reused by the profile, credentials and role it was made for.
    pub fn role_session(&self, arguments: &[(&str, &str)]) -> Identity {
        let mut hash = Sha256::new();
        let mut field = |name: &str, value: &[u8]| {
            // Length-prefixed, as in `assuming`.
            hash.update(name.as_bytes());
            hash.update((value.len() as u64).to_be_bytes());
            hash.update(value);
        };
        field("identity", self.0.as_bytes());
        field("mfa-role-session", b"");
        for (name, value) in arguments {
            field(name, value.as_bytes());
        }
        Identity(hex::encode(hash.finalize()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    #[cfg(test)]
    pub fn from_stored(text: String) -> Identity {
        Identity(text)
    }
}

/// The claims of a Kubernetes service-account token that say whose it is.
#[derive(Debug, PartialEq, Eq)]
struct ServiceAccount {
    issuer: String,
    /// The `aud` claim as JSON (a string or a list).
    audience: String,
    /// `system:serviceaccount:<namespace>:<name>`.
    subject: String,
    /// `kubernetes.io.serviceaccount.uid`.
    uid: String,
}

impl ServiceAccount {
    /// The claims of a JWT (`header.payload.signature`, base64url JSON payload), if it has a
    /// subject and a service-account uid; `None` for anything else.
    fn from_token(token: &str) -> Option<ServiceAccount> {
        use base64::Engine;
        use base64::engine::general_purpose::URL_SAFE_NO_PAD_INDIFFERENT;
        let mut parts = token.split('.');
        let (Some(_header), Some(payload), Some(_signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD_INDIFFERENT.decode(payload).ok()?).ok()?;
        let text =
            |value: &serde_json::Value| value.as_str().filter(|s| !s.is_empty()).map(str::to_owned);
        Some(ServiceAccount {
            issuer: text(&claims["iss"]).unwrap_or_default(),
            audience: claims.get("aud").map(|a| a.to_string()).unwrap_or_default(),
            subject: text(&claims["sub"])?,
            uid: text(&claims["kubernetes.io"]["serviceaccount"]["uid"])?,
        })
    }
}

/// The AWS config and credentials files the SDK will read.
pub(crate) fn aws_files(env: &Env) -> [(&'static str, PathBuf); 2] {
    // With no home at all the SDK leaves `~` as it is, a directory of that name in the working
    // directory: so do we, to stamp the files it would read.
    let home = env.home().unwrap_or_else(|| PathBuf::from("~"));
    let pick = |var: &str, default: &str| {
        env.get(var)
            .map(|p| env.expand_home(p))
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

/// The cache key of a registry for an identity: service, account, host, region, endpoint
/// flavour (FIPS and dual-stack as in effect, host and settings together) and identity,
/// hashed into a file-name-safe string.
pub fn cache_key(registry: &Registry, identity: &Identity) -> String {
    let service = match &registry.service {
        Service::Private { account } => format!("ecr:{account}"),
        // No `:`: a region's entry can never share a key with an account's.
        Service::PrivateInRegion => "ecr-region".to_owned(),
        Service::Public => "ecr-public".to_owned(),
    };
    let mut hash = Sha256::new();
    // The host too: a plain host with FIPS turned on by a setting reaches the same endpoint
    // as the FIPS host, but each entry is served only for its own host, so they must not
    // take turns overwriting one file.
    hash.update(
        format!(
            "{service}\n{}\n{}\nfips={}\ndualstack={}\n{}\n",
            registry.host,
            registry.region,
            registry.fips,
            registry.dual_stack,
            identity.as_str()
        )
        .as_bytes(),
    );
    hex::encode(&hash.finalize()[..16])
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

    /// A Windows shell without `HOME` (cmd, PowerShell): the SDK reads `%USERPROFILE%\\.aws`,
    /// so an edit there must change the key, or the token of the old credentials is served.
    #[cfg(windows)]
    #[test]
    fn with_only_userprofile_an_edit_of_its_aws_files_invalidates() {
        let dir = tempfile::tempdir().unwrap();
        let env = Env::from_pairs([("USERPROFILE", dir.path().to_str().unwrap())]);
        std::fs::create_dir(dir.path().join(".aws")).unwrap();
        let credentials = dir.path().join(".aws").join("credentials");
        std::fs::write(&credentials, "[default]\naws_access_key_id = AKIDONE\n").unwrap();
        let before = key(&env, HOST);
        std::fs::write(
            &credentials,
            "[default]\naws_access_key_id = AKIDOTHERONE\n",
        )
        .unwrap();
        assert_ne!(before, key(&env, HOST));
    }

    /// A service-account token shaped like the kubelet's: `sub` and the account's uid, plus
    /// claims that change on every rotation.
    fn sa_token(sub: &str, uid: &str, jti: &str) -> String {
        use base64::Engine;
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let payload = serde_json::json!({
            "aud": ["sts.amazonaws.com"], "iss": "https://oidc.example", "sub": sub, "jti": jti,
            "kubernetes.io": {"namespace": "team", "serviceaccount": {"name": "app", "uid": uid}},
        });
        format!(
            "eyJhbGciOiJSUzI1NiJ9.{}.c2ln",
            URL_SAFE_NO_PAD.encode(payload.to_string())
        )
    }

    #[test]
    fn a_role_is_keyed_by_the_service_account_not_the_token() {
        let node = Identity::from_stored("node".into());
        const ROLE: &str = "arn:aws:iam::1:role/team-pull";
        let a = sa_token("system:serviceaccount:team:app", "uid-a", "1");
        let as_a = node.assuming(ROLE, &a);
        assert_eq!(as_a, node.assuming(ROLE, &a), "stable");
        assert_eq!(
            as_a,
            node.assuming(
                ROLE,
                &sa_token("system:serviceaccount:team:app", "uid-a", "2")
            ),
            "a rotated token of the same account"
        );
        let others = [
            node.assuming(
                ROLE,
                &sa_token("system:serviceaccount:other:app", "uid-a", "1"),
            ),
            node.assuming(
                ROLE,
                &sa_token("system:serviceaccount:team:app", "uid-b", "1"),
            ),
            node.assuming("arn:aws:iam::1:role/other", &a),
            Identity::from_stored("another node".into()).assuming(ROLE, &a),
            node.assuming(ROLE, "opaque-token-1"),
            node.assuming(ROLE, "opaque-token-2"),
            node.assuming(ROLE, &sa_token("", "uid-a", "1")),
            node.assuming(ROLE, &sa_token("system:serviceaccount:team:app", "", "1")),
        ];
        for (i, other) in others.iter().enumerate() {
            assert_ne!(*other, as_a, "{i}");
            assert_ne!(*other, node, "{i}");
            for later in &others[i + 1..] {
                assert_ne!(other, later, "{i}");
            }
        }
        assert_eq!(
            node.assuming(ROLE, "opaque-token-1"),
            node.assuming(ROLE, "opaque-token-1"),
            "an unreadable token is its own entry, and still cached"
        );
        assert!(as_a.as_str().chars().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn only_a_service_account_token_has_claims() {
        let claims =
            ServiceAccount::from_token(&sa_token("system:serviceaccount:team:app", "uid-a", "1"))
                .unwrap();
        assert_eq!(claims.subject, "system:serviceaccount:team:app");
        assert_eq!(claims.uid, "uid-a");
        assert_eq!(claims.issuer, "https://oidc.example");
        assert_eq!(claims.audience, r#"["sts.amazonaws.com"]"#);
        for token in [
            "",
            "opaque",
            "a.b",
            "a.!!!.c",
            "a.bm90IGpzb24.c",
            "a.e30.c",
            "a.e30.c.d",
        ] {
            assert_eq!(ServiceAccount::from_token(token), None, "{token}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_token_gives_a_hex_identity(token in "\\PC{0,300}") {
            let id = Identity::from_stored("n".into()).assuming("arn:aws:iam::1:role/r", &token);
            proptest::prop_assert_eq!(id.as_str().len(), 64);
        }
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
            cache_key(
                &Registry::for_region("us-east-1").unwrap(),
                &Identity::current(&env, None),
            ),
            cache_key(
                &Registry::for_region("us-west-2").unwrap(),
                &Identity::current(&env, None),
            ),
            cache_key(
                &Registry::for_region("us-east-1")
                    .unwrap()
                    .with_settings(Some(true), None),
                &Identity::current(&env, None),
            ),
            cache_key(
                &Registry::for_region("us-east-1")
                    .unwrap()
                    .with_settings(None, Some(true)),
                &Identity::current(&env, None),
            ),
            cache_key(
                &Registry::parse(HOST)
                    .unwrap()
                    .with_settings(Some(true), None),
                &Identity::current(&env, None),
            ),
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
