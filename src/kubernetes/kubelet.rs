//! The kubelet image credential provider plugin (`kubelet-plugin`).
//!
//! The kubelet runs us once per image pull it has no cached credentials for, with a
//! `CredentialProviderRequest` on stdin, and caches our answer for `cacheDuration`. We answer
//! from the same disk cache as `get`, and set `cacheDuration` to the time left until our own
//! refresh point, so the kubelet asks again exactly when a new token is due.
//!
//! On Kubernetes 1.33+ with service-account tokens enabled for the plugin, the request also
//! carries the pod's service account token and annotations; an
//! `eks.amazonaws.com/ecr-role-arn` annotation makes us pull as that role (per-pod IAM for
//! image pulls) instead of the node's credentials. Such a token is cached per role *and*
//! service account (see [`crate::core::identity::Identity::assuming`]): a pod naming another team's
//! role gets STS's answer for its own service account, never the other team's cached token.
//! `AWS_ECR_ROLE_ARN` in the plugin's environment names the role for service accounts without
//! the annotation, as it does for cloud-provider-aws's plugin, and is cached the same way.
//!
//! The kubelet asks only about the images its `matchImages` selects. For a host there that is
//! neither ECR nor an alias of the config file we answer as cloud-provider-aws's plugin does
//! since its PR #673: with the token of the caller's own registry in the default region. That
//! is what a registry mirror in ECR needs: kops' `useECRCredentialsForMirrors` adds the
//! registries containerd pulls through a mirror (`docker.io`, an ECR pull-through cache) to
//! `matchImages`, and containerd hands the mirror the credentials the kubelet got for the
//! registry. The token is cached like `password --region`'s, per region and identity, and keyed
//! in the answer by the host asked for, port included (the kubelet matches a key's port
//! exactly; upstream drops it). `AWS_ECR_KUBELET_MIRRORS=false` refuses such hosts instead.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::config::Target;
use crate::core::auth;
use crate::core::aws::WebIdentity;
use crate::core::aws::region::default_region;
use crate::env::Env;
use crate::error::Error;
use crate::escape::{escape_controls, needs_escape};
use crate::log::debug;
use crate::secret::Secret;
use crate::settings::Settings;

const GROUP: &str = "credentialprovider.kubelet.k8s.io";
const VERSIONS: &[&str] = &["v1", "v1beta1", "v1alpha1"];

/// The service-account annotation naming the role to pull as.
pub const ROLE_ANNOTATION: &str = "eks.amazonaws.com/ecr-role-arn";

/// The role for service accounts without the annotation, from the plugin's environment.
pub const ROLE_ARN_VAR: &str = "AWS_ECR_ROLE_ARN";

/// `false` in the plugin's environment refuses hosts that are neither ECR nor an alias,
/// rather than answering them as registry mirrors.
pub const MIRRORS_VAR: &str = "AWS_ECR_KUBELET_MIRRORS";

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    api_version: String,
    kind: String,
    #[serde(default)]
    image: String,
    #[serde(default)]
    service_account_token: Option<Secret>,
    #[serde(default)]
    service_account_annotations: BTreeMap<String, String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Response<'a> {
    api_version: &'a str,
    kind: &'static str,
    cache_key_type: &'static str,
    cache_duration: String,
    auth: BTreeMap<String, AuthConfig<'a>>,
}

#[derive(Debug, Serialize)]
struct AuthConfig<'a> {
    username: &'a str,
    password: &'a str,
}

/// A request as far as it can be checked without the settings: a supported version and kind,
/// and the image's registry host.
#[derive(Debug)]
pub struct Checked {
    pub version: &'static str,
    pub image: String,
    pub host: String,
    pub service_account_token: Option<Secret>,
    pub service_account_annotations: BTreeMap<String, String>,
}

/// Reads and checks a `CredentialProviderRequest`.
pub fn check(input: &str) -> Result<Checked, Error> {
    let request: Request = serde_json::from_str(input).map_err(|e| {
        Error::BadInput(format!(
            "kubelet-plugin: stdin is not a CredentialProviderRequest: {}",
            escape_controls(&e.to_string())
        ))
    })?;
    let version = request
        .api_version
        .strip_prefix(GROUP)
        .and_then(|v| v.strip_prefix('/'))
        .and_then(|v| VERSIONS.iter().copied().find(|known| *known == v))
        .ok_or_else(|| {
            Error::BadInput(format!(
                "kubelet-plugin: unsupported apiVersion {:?} (expected {GROUP}/v1, v1beta1 or v1alpha1)",
                request.api_version
            ))
        })?;
    if request.kind != "CredentialProviderRequest" {
        return Err(Error::BadInput(format!(
            "kubelet-plugin: unsupported kind {:?} (expected CredentialProviderRequest)",
            request.kind
        )));
    }
    let host = image_host(&request.image).ok_or_else(|| {
        Error::BadInput(format!(
            "kubelet-plugin: no image in the request ({:?})",
            request.image
        ))
    })?;
    Ok(Checked {
        version,
        image: request.image,
        host,
        service_account_token: request.service_account_token,
        service_account_annotations: request.service_account_annotations,
    })
}

/// Answers one request: the response JSON line, or an error for stderr.
pub fn answer(input: &str, env: &Env, settings: &Settings) -> Result<String, Error> {
    let request = check(input)?;
    let (version, host) = (request.version, request.host);
    let target = match settings.config.target(&host) {
        Some(target) => target,
        None => mirror(&host, &request.image, env, settings)?,
    };
    let web_identity = web_identity(
        request.service_account_annotations.get(ROLE_ANNOTATION),
        request.service_account_token,
        env,
    )?;
    let served = auth::for_target_as(&target, env, settings, web_identity).map_err(|e| {
        if target.registry.is_public() && e.is_no_credentials() {
            Error::BadInput(format!(
                "kubelet-plugin: no AWS credentials for {host}; public images need none: leave public.ecr.aws out of matchImages"
            ))
        } else {
            e
        }
    })?;
    let token = &served.token;
    let api_version = format!("{GROUP}/{version}");
    let response = Response {
        api_version: &api_version,
        kind: "CredentialProviderResponse",
        cache_key_type: "Registry",
        cache_duration: go_duration(until(served.refresh_at, auth::now())),
        auth: BTreeMap::from([(
            host,
            AuthConfig {
                username: &token.username,
                password: token.password.expose(),
            },
        )]),
    };
    let mut line = serde_json::to_string(&response).map_err(|e| Error::BadInput(e.to_string()))?;
    line.push('\n');
    Ok(line)
}

/// The target for a host that is neither ECR nor an alias, taken as a registry mirror: the
/// caller's own registry in the default region. Refused when [`MIRRORS_VAR`] says so, and
/// when no region can be found (with where it was looked for).
fn mirror(host: &str, image: &str, env: &Env, settings: &Settings) -> Result<Target, Error> {
    let not_ecr = || {
        format!(
            "kubelet-plugin: {} is not an ECR registry (image {image:?})",
            escape_controls(host)
        )
    };
    if !mirrors_answered(env)? {
        return Err(Error::BadInput(format!(
            "{}; check matchImages ({MIRRORS_VAR}=false refuses registry mirrors)",
            not_ecr()
        )));
    }
    let region = default_region(env, None, settings).map_err(|e| match e {
        Error::NoRegion { tried } => Error::BadInput(format!(
            "{}, and no AWS region to answer it in as a registry mirror: {tried}; set AWS_REGION in the provider's env (or {MIRRORS_VAR}=false to refuse such hosts)",
            not_ecr()
        )),
        other => other,
    })?;
    debug!(
        "kubelet-plugin: {} is not ECR; answering it as a mirror with the token of the default registry in {} (from {})",
        escape_controls(host),
        region.name,
        region.source
    );
    Target::region(&region.name)
}

/// [`MIRRORS_VAR`]: unset or `true` (in any case) answers mirrors, `false` refuses them;
/// anything else is an error rather than a guess either way.
fn mirrors_answered(env: &Env) -> Result<bool, Error> {
    match env.get(MIRRORS_VAR) {
        None => Ok(true),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
        Some(v) => Err(Error::BadInput(format!(
            "kubelet-plugin: {MIRRORS_VAR}=\"{}\" is neither true nor false",
            escape_controls(v)
        ))),
    }
}

/// The role to pull as with the pod's service-account token: its service account's
/// annotation, else `AWS_ECR_ROLE_ARN` from the plugin's environment (the
/// CredentialProviderConfig's `env`: one role for every pod, as cloud-provider-aws's plugin
/// reads it). `None` pulls with the node's credentials: no role named, or, for the variable
/// alone, a request without a token (an image the kubelet pulls for no service account). An
/// annotation without a token is an error: that pod asked for its own role, and the node's
/// token would hand it whatever the node may pull.
fn web_identity(
    annotation: Option<&String>,
    token: Option<Secret>,
    env: &Env,
) -> Result<Option<WebIdentity>, Error> {
    let token = token.filter(|token| !token.expose().is_empty());
    match (annotation, token) {
        (Some(annotation), Some(token)) => Ok(Some(WebIdentity {
            role_arn: role_arn_of(annotation)?,
            token,
        })),
        (Some(_), None) => Err(Error::BadInput(format!(
            "kubelet-plugin: the service account has {ROLE_ANNOTATION} but the request carries no token; set tokenAttributes in the CredentialProviderConfig"
        ))),
        (None, Some(token)) => match env.get(ROLE_ARN_VAR) {
            Some(role) => Ok(Some(WebIdentity {
                role_arn: checked_role(role, ROLE_ARN_VAR)?,
                token,
            })),
            None => Ok(None),
        },
        (None, None) => Ok(None),
    }
}

/// The role annotation's value, if it can be a role ARN. Whatever it is goes into errors (ours
/// and STS's), so anything that could break a log line is refused here, before any call.
pub fn role_arn_of(annotation: &str) -> Result<String, Error> {
    checked_role(
        annotation,
        &format!("the service account's {ROLE_ANNOTATION} annotation"),
    )
}

/// Whether `value` can be an ARN: what we accept before STS judges it.
pub fn looks_like_an_arn(value: &str) -> bool {
    value.starts_with("arn:") && !value.chars().any(|c| c.is_whitespace() || needs_escape(c))
}

fn checked_role(value: &str, what: &str) -> Result<String, Error> {
    if looks_like_an_arn(value) {
        Ok(value.to_owned())
    } else {
        Err(Error::BadInput(format!(
            "kubelet-plugin: {what} is not a role ARN: \"{}\"",
            escape_controls(value)
        )))
    }
}

/// The registry part of an image reference (`host[:port]`, lower case), per the reference
/// grammar: the first path component is a host if it has a `.` or a `:`, or is `localhost`;
/// otherwise the image lives on Docker Hub.
pub fn image_host(image: &str) -> Option<String> {
    let image = image.trim();
    if image.is_empty() {
        return None;
    }
    let host = match image.split_once('/') {
        Some((first, _)) if first.contains(['.', ':']) || first == "localhost" => first,
        _ => "docker.io",
    };
    Some(host.to_ascii_lowercase())
}

/// Whole seconds from `now` until `then`; zero once it has passed.
fn until(then: OffsetDateTime, now: OffsetDateTime) -> Duration {
    Duration::from_secs((then - now).whole_seconds().max(0).unsigned_abs())
}

/// Go's `time.Duration` text for whole seconds: `11h0m0s`, `5m3s`, `42s`, `0s`.
pub fn go_duration(d: Duration) -> String {
    let secs = d.as_secs();
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    match (h, m) {
        (0, 0) => format!("{s}s"),
        (0, _) => format!("{m}m{s}s"),
        _ => format!("{h}h{m}m{s}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_hosts() {
        let table = [
            (
                "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1",
                "123456789012.dkr.ecr.us-east-1.amazonaws.com",
            ),
            (
                "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app@sha256:abc",
                "123456789012.dkr.ecr.us-east-1.amazonaws.com",
            ),
            ("localhost:5443/app", "localhost:5443"),
            ("localhost/app", "localhost"),
            ("Registry.Example.com/app", "registry.example.com"),
            ("nginx", "docker.io"),
            ("library/nginx:1", "docker.io"),
        ];
        for (image, host) in table {
            assert_eq!(image_host(image).as_deref(), Some(host), "{image}");
        }
        assert_eq!(image_host("  "), None);
    }

    proptest::proptest! {
        #[test]
        fn image_host_never_panics(image in ".{0,200}") {
            if let Some(host) = image_host(&image) {
                proptest::prop_assert!(!host.contains('/'));
            }
        }
    }

    #[test]
    fn a_role_annotation_must_look_like_an_arn() {
        assert_eq!(
            role_arn_of("arn:aws:iam::123456789012:role/team-pull").unwrap(),
            "arn:aws:iam::123456789012:role/team-pull"
        );
        for bad in [
            "",
            "team-pull",
            "arn:aws:iam::1:role/x\nforged log line",
            "arn:aws:iam::1:role/x y",
            "arn:aws:iam::1:role/\u{1b}[2K",
        ] {
            let message = role_arn_of(bad).unwrap_err().to_string();
            assert!(message.contains("is not a role ARN"), "{message}");
            assert_eq!(message.lines().count(), 1, "{message}");
            assert!(!message.contains('\u{1b}'), "{message}");
        }
    }

    #[test]
    fn go_durations() {
        let d = |s| go_duration(Duration::from_secs(s));
        assert_eq!(d(0), "0s");
        assert_eq!(d(42), "42s");
        assert_eq!(d(303), "5m3s");
        assert_eq!(d(11 * 3600), "11h0m0s");
        assert_eq!(d(11 * 3600 + 61), "11h1m1s");
    }

    #[test]
    fn until_counts_whole_seconds_and_stops_at_zero() {
        let now = OffsetDateTime::from_unix_timestamp(1_000_000).unwrap();
        let in_secs = |s| now + time::Duration::seconds(s);
        assert_eq!(
            until(in_secs(11 * 3600), now),
            Duration::from_secs(11 * 3600)
        );
        assert_eq!(until(in_secs(-5), now), Duration::ZERO);
    }
}
