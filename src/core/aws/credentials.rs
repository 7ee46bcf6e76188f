//! Finding AWS credentials: the standard chain, run once, with its sources named.
//!
//! The order is the SDK's (environment, profile, web identity, container, instance metadata),
//! but we run it ourselves for four reasons: to know which source answered (`doctor`, logs),
//! to ask the metadata service on our terms (see [`super::imds`]), to vet the files a profile
//! names before the SDK reads them, and to tell "there are no credentials"
//! (ECR Public then falls back to anonymous) from "credentials exist but failed" (an expired
//! SSO session must be reported, not hidden). Profiles with `login_session` (`aws login`) are
//! the profile source's too (aws-config's `credentials-login` feature).

use std::time::Duration;

use aws_config::ecs::EcsCredentialsProvider;
use aws_config::environment::EnvironmentVariableCredentialsProvider;
use aws_config::imds::credentials::ImdsCredentialsProvider;
use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::provider_config::ProviderConfig;
use aws_config::web_identity_token::WebIdentityTokenCredentialsProvider;
use aws_credential_types::Credentials;
use aws_credential_types::provider::ProvideCredentials;
use aws_credential_types::provider::error::CredentialsError;

use aws_types::SdkConfig;

use super::{FetchOptions, WebIdentity, error_chain, mfa};
use crate::error::Error;

/// The SDK's words when `AWS_EC2_METADATA_DISABLED` is set: asked for, not worth a hint.
const IMDS_DISABLED: &str = "IMDS disabled";

/// Credentials and the name of the source that gave them.
#[derive(Debug)]
pub struct Resolved {
    pub credentials: Credentials,
    pub source: &'static str,
}

/// What the chain gave: credentials, or first a code for a role that needs one.
#[derive(Debug)]
pub enum Outcome {
    Resolved(Resolved),
    NeedsCode(mfa::Ask),
}

/// Runs the chain until a source answers. With `options.profile_is_configured` (a profile the
/// config file names for the registry) the profile is the only source, as with
/// `aws --profile`: keys in the environment belong to some other account and must not win.
/// A profile whose role chain has `mfa_serial` is resolved by [`mfa`], not by the SDK.
pub async fn resolve(
    conf: &ProviderConfig,
    sdk: &SdkConfig,
    env: &crate::env::Env,
    options: &FetchOptions,
) -> Result<Outcome, Error> {
    let profile = options.profile.as_deref();
    let only_profile = options.profile_is_configured;
    let mut profile_source = ProfileFileCredentialsProvider::builder().configure(conf);
    if let Some(profile) = profile {
        profile_source = profile_source.profile_name(profile);
    }
    let imds_client = super::imds::client(conf);
    let sources: [(&'static str, Box<dyn ProvideCredentials>); 5] = [
        (
            "environment",
            Box::new(EnvironmentVariableCredentialsProvider::new()),
        ),
        ("profile", Box::new(profile_source.build())),
        (
            "web identity token",
            Box::new(
                WebIdentityTokenCredentialsProvider::builder()
                    .configure(conf)
                    .build(),
            ),
        ),
        (
            "container credentials",
            Box::new(EcsCredentialsProvider::builder().configure(conf).build()),
        ),
        (
            "instance metadata",
            Box::new(
                ImdsCredentialsProvider::builder()
                    .configure(conf)
                    .imds_client(imds_client)
                    .build(),
            ),
        ),
    ];
    let mut metadata_cause = None;
    for (source, provider) in sources {
        if only_profile && source != "profile" {
            continue;
        }
        if source == "profile"
            && let Some(set) = super::files::check_profile(env, profile).await?
            && let Some(plan) = mfa::plan(&set)?
        {
            let cx = mfa::Context {
                sdk,
                conf,
                env,
                cache_dir: options.cache_dir.as_deref(),
                answers: &options.mfa,
                timeout: super::operation_timeout(sdk),
            };
            return Ok(match mfa::resolve(plan, &cx).await? {
                mfa::Resolution::Credentials(credentials, source) => Outcome::Resolved(Resolved {
                    credentials,
                    source,
                }),
                mfa::Resolution::NeedsCode(ask) => Outcome::NeedsCode(ask),
            });
        }
        match provider.provide_credentials().await {
            Ok(credentials) => {
                return Ok(Outcome::Resolved(Resolved {
                    credentials,
                    source,
                }));
            }
            // Off EC2 the metadata service is absent, refused or filtered (the SDK says "not
            // loaded"); that is "no credentials", with the detail kept for the curious.
            Err(e @ CredentialsError::CredentialsNotLoaded(_)) if source == "instance metadata" => {
                let cause = error_chain(&e);
                if !cause.contains(IMDS_DISABLED) {
                    metadata_cause = Some(super::imds::describe(false, &cause));
                }
            }
            Err(CredentialsError::CredentialsNotLoaded(_)) => {}
            // It answered, and failed even after retries: still no credentials to use, but the
            // hint must say the service is there.
            Err(e) if source == "instance metadata" => {
                metadata_cause = Some(super::imds::describe(true, &error_chain(&e)));
            }
            Err(e) => return Err(failed(profile, source, &e)),
        }
    }
    let mut hint = match profile {
        Some(p) => format!(
            "profile {p:?} has none; check ~/.aws/config, or run 'aws sso login --profile {p}'"
        ),
        None => "set AWS_PROFILE or AWS_ACCESS_KEY_ID, or run 'aws configure' or 'aws sso login'"
            .to_owned(),
    };
    if let Some(cause) = metadata_cause {
        hint.push_str(&format!(" ({cause})"));
    }
    Err(Error::NoCredentials {
        profile: profile.map(str::to_owned),
        hint,
    })
}

/// Assumes `identity.role_arn` with its web identity token (no AWS credentials needed).
pub async fn assume_role(
    sdk: &SdkConfig,
    identity: &WebIdentity,
    timeout: Duration,
) -> Result<Resolved, Error> {
    let client = aws_sdk_sts::Client::new(sdk);
    let reply = client
        .assume_role_with_web_identity()
        .role_arn(&identity.role_arn)
        .role_session_name("docker-credential-ecr-login")
        .web_identity_token(identity.token.expose())
        .send()
        .await
        .map_err(|e| {
            super::api_error(
                &identity.role_arn,
                "sts:AssumeRoleWithWebIdentity (check the role's trust policy)",
                timeout,
                e,
            )
        })?;
    let issued = reply
        .credentials()
        .ok_or_else(|| Error::CredentialsFailed {
            profile: None,
            cause: format!("STS returned no credentials for {}", identity.role_arn),
            hint: None,
        })?;
    let expiry = std::time::UNIX_EPOCH
        + Duration::from_secs(u64::try_from(issued.expiration().secs()).unwrap_or_default());
    Ok(Resolved {
        credentials: Credentials::new(
            issued.access_key_id(),
            issued.secret_access_key(),
            Some(issued.session_token().to_owned()),
            Some(expiry),
            "AssumeRoleWithWebIdentity",
        ),
        source: "service account role",
    })
}

pub(super) fn failed(profile: Option<&str>, source: &str, err: &CredentialsError) -> Error {
    let cause = format!("{source}: {}", error_chain(err));
    let lower = cause.to_ascii_lowercase();
    // The SDK's error types are private; their text is what says which login is missing.
    // `aws login` (a profile's `login_session`) keeps its tokens under ~/.aws/login/cache.
    // (On Windows the SDK joins that path with both separators.)
    let login = lower.contains("login token") || lower.replace('\\', "/").contains("/login/cache/");
    let command = if login { "aws login" } else { "aws sso login" };
    let hint =
        (login || lower.contains("sso") || lower.contains("expired")).then(|| match profile {
            Some(p) => format!("run '{command} --profile {p}'"),
            None => format!("run '{command}'"),
        });
    Error::CredentialsFailed {
        profile: profile.map(str::to_owned),
        cause,
        hint,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_login_says_which_login() {
        let missing = CredentialsError::unhandled(
            "failed to read `/home/u/.aws/login/cache/36db.json`: No such file or directory",
        );
        let e = failed(Some("dev"), "profile", &missing).to_string();
        assert!(e.ends_with("; run 'aws login --profile dev'"), "{e}");
        let windows = CredentialsError::unhandled(
            "failed to read `C:\\Users\\u\\.aws/login/cache\\36db.json`: Path not found.",
        );
        let e = failed(Some("dev"), "profile", &windows).to_string();
        assert!(e.ends_with("; run 'aws login --profile dev'"), "{e}");
        let expired = CredentialsError::unhandled("cached Login token is expired");
        let e = failed(None, "profile", &expired).to_string();
        assert!(e.ends_with("; run 'aws login'"), "{e}");
        let sso = CredentialsError::unhandled("the SSO session has expired");
        let e = failed(Some("prod"), "profile", &sso).to_string();
        assert!(e.ends_with("; run 'aws sso login --profile prod'"), "{e}");
    }
}
