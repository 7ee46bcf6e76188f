//! Talking to AWS: credentials, the ECR and ECR Public token APIs, and what their errors mean.
//!
//! This is the slow path. It only runs on a cache miss, so it may build an async runtime, load
//! the AWS config files and resolve credentials. Three things matter here beyond "get a token":
//! the region always comes from the registry host (the SDK's own region lookup can cost seconds
//! off EC2; [`region`] is that lookup, bounded, for the one answer that has no host to read it
//! from), the metadata service is given up at once where nothing answers (so a laptop
//! without credentials fails in about half a second) and retried where it answers with an
//! error, the deadline holds whatever the SDK blocks on, and every SDK error becomes an
//! [`Error`] that names its cause.

pub mod credentials;
mod endpoint;
mod errors;
mod files;
pub mod http;
mod imds;
mod mfa;
pub mod region;

pub use endpoint::{api_endpoint, endpoint_override};
pub use errors::{api_error, error_chain};

use std::time::{Duration, Instant};

use aws_config::BehaviorVersion;
use aws_config::provider_config::ProviderConfig;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_types::SdkConfig;
use aws_types::region::Region;

use crate::core::registry::{Registry, Service};
use crate::core::token::Token;
use crate::env::Env;
use crate::error::Error;
use crate::log::debug;
use crate::secret::Secret;
use crate::settings::Settings;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// What selects the credentials and bounds the fetch.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// The profile to use; `None` lets the SDK follow `AWS_PROFILE`.
    pub profile: Option<String>,
    /// The config file named the profile for this registry: like `aws --profile`, it is used
    /// ahead of (instead of) credentials in the environment.
    pub profile_is_configured: bool,
    /// `AWS_ECR_TIMEOUT`, for messages and the SDK's own timeouts.
    pub timeout: Duration,
    /// When the fetch must have ended: the command's deadline, which counts from its start.
    pub deadline: Instant,
    /// Assume this role with a web identity token instead of running the credential chain
    /// (the kubelet plugin's per-pod service account).
    pub web_identity: Option<WebIdentity>,
    /// The cache directory, where role sessions got with an MFA code are kept.
    pub cache_dir: Option<std::path::PathBuf>,
    /// The MFA codes typed so far for this fetch.
    mfa: Vec<mfa::Answer>,
}

/// A role to assume with `AssumeRoleWithWebIdentity`.
#[derive(Debug, Clone)]
pub struct WebIdentity {
    pub role_arn: String,
    pub token: Secret,
}

impl FetchOptions {
    /// The options for a registry whose config names `profile` (if any); otherwise the
    /// environment's profile, as the SDK would pick it.
    pub fn new(settings: &Settings, env: &Env, profile: Option<String>) -> Self {
        FetchOptions {
            profile_is_configured: profile.is_some(),
            profile: profile.or_else(|| env.profile().map(str::to_owned)),
            timeout: settings.timeout,
            deadline: settings.deadline,
            web_identity: None,
            cache_dir: settings.cache_dir.clone(),
            mfa: Vec::new(),
        }
    }
}

/// What a fetch did, for `doctor` and debug logs. Holds no secret.
#[derive(Debug, Default, Clone)]
pub struct Trace {
    /// The credential source that answered.
    pub source: Option<&'static str>,
    /// How long finding credentials took.
    pub credentials_time: Option<Duration>,
    /// The API endpoint called.
    pub endpoint: Option<String>,
}

/// Fetches a fresh token, blocking the calling thread until the command's deadline at most.
pub fn fetch_token(registry: &Registry, env: &Env, options: &FetchOptions) -> Result<Token, Error> {
    fetch_traced(registry, env, options, &mut Trace::default())
}

/// [`fetch_token`], recording what happened in `trace`.
///
/// A role that needs an MFA code ends a round of the fetch with the question; the code is
/// asked for here, outside the round and its deadline (a person takes their time), and the
/// next round, with the code and a deadline of its own, assumes the role ([`mfa`]).
pub fn fetch_traced(
    registry: &Registry,
    env: &Env,
    options: &FetchOptions,
    trace: &mut Trace,
) -> Result<Token, Error> {
    files::check_environment(env)?;
    // Before anything is started: what a credential_process detaches stays ours to stop.
    crate::process::adopt_orphans();
    let mut options = options.clone();
    // The locks of the sessions asked for, held until their sessions are made.
    let mut held = Vec::new();
    for _ in 0..=mfa::MAX_CODES {
        match fetch_round(registry, env, &options, trace)? {
            Fetched::Token(token) => return Ok(token),
            Fetched::NeedsCode(ask) => {
                if let Some(answer) = mfa::ask_code(ask, options.cache_dir.as_deref(), &mut held)? {
                    options.mfa.push(answer);
                }
                options.deadline = Instant::now() + options.timeout;
            }
        }
    }
    Err(Error::CredentialsFailed {
        profile: options.profile.clone(),
        cause: format!(
            "its role chain asked for more than {} MFA codes",
            mfa::MAX_CODES
        ),
        hint: None,
    })
}

/// What a round of the fetch gave.
enum Fetched {
    Token(Token),
    /// A role needs an MFA code first.
    NeedsCode(mfa::Ask),
}

/// One round of the fetch.
///
/// It runs on a thread of its own and the caller waits for its answer only until the
/// deadline. The SDK blocks its thread in places our async timeout cannot reach (it reads the
/// SSO token cache, a web identity token file and `credential_process` output with blocking
/// calls), so a FIFO or a hung file system there would otherwise hold the command past any
/// bound. An abandoned fetch thread ends with the process; what it started is killed.
fn fetch_round(
    registry: &Registry,
    env: &Env,
    options: &FetchOptions,
    trace: &mut Trace,
) -> Result<Fetched, Error> {
    let (registry_, env_, options_) = (registry.clone(), env.clone(), options.clone());
    // The fetch's own timeout fires at the deadline and answers at once; the grace only lets
    // that answer, with its better cause, arrive before the watchdog's.
    let answer = until(options.deadline + WATCHDOG_GRACE, move || {
        let mut trace = Trace::default();
        let result = fetch_on_this_thread(&registry_, &env_, &options_, &mut trace);
        (result, trace)
    })
    .map_err(|source| Error::System {
        action: "start the fetch",
        source,
    })?;
    let result = match answer {
        Some((result, fetched_trace)) => {
            *trace = fetched_trace;
            result
        }
        None => {
            debug!("the fetch is blocked past the deadline; abandoning it");
            Err(Error::TimedOut {
                registry: registry.host.clone(),
                after: options.timeout,
            })
        }
    };
    if matches!(result, Err(Error::TimedOut { .. })) {
        // The SDK leaves a hung credential_process running, with whatever it started.
        crate::process::kill_descendants();
    }
    result
}

/// How long past the deadline the watchdog waits for the fetch's own answer.
const WATCHDOG_GRACE: Duration = Duration::from_millis(100);

/// `work`'s answer, run on a thread of its own, or `None` if it has none by `deadline`; then
/// the thread is abandoned, blocked wherever it is, and ends with the process.
fn until<T: Send + 'static>(
    deadline: Instant,
    work: impl FnOnce() -> T + Send + 'static,
) -> std::io::Result<Option<T>> {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("fetch".into())
        .spawn(move || drop(sender.send(work())))?;
    let left = deadline.saturating_duration_since(Instant::now());
    Ok(receiver.recv_timeout(left).ok())
}

fn fetch_on_this_thread(
    registry: &Registry,
    env: &Env,
    options: &FetchOptions,
    trace: &mut Trace,
) -> Result<Fetched, Error> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|source| Error::System {
            action: "start the I/O runtime",
            source,
        })?;
    let result = runtime.block_on(async {
        let left = options.deadline.saturating_duration_since(Instant::now());
        tokio::time::timeout(left, fetch(registry, env, options, trace))
            .await
            .unwrap_or_else(|_| {
                Err(Error::TimedOut {
                    registry: registry.host.clone(),
                    after: options.timeout,
                })
            })
    });
    // A timed-out DNS lookup or credential_process may still hold a blocking thread; the
    // answer is ready, so do not wait for them.
    runtime.shutdown_background();
    result
}

async fn fetch(
    registry: &Registry,
    env: &Env,
    options: &FetchOptions,
    trace: &mut Trace,
) -> Result<Fetched, Error> {
    let http = http::client(env)?;
    let region = Region::new(registry.region.clone());
    let conf = provider_config(&region, &http);
    // Config first (endpoint overrides, profile settings), so the endpoint is known even
    // when credentials then fail.
    let sdk = sdk_config(region, http, options).await;
    let endpoint = match registry.service {
        Service::Private { .. } | Service::PrivateInRegion => endpoint_override(&sdk, "ECR"),
        Service::Public => endpoint_override(&sdk, "ECR PUBLIC"),
    };
    let (fips, dual_stack) =
        endpoint::endpoint_flags(registry, &endpoint, endpoint::sdk_flags(&sdk));
    let url = api_endpoint(registry, &endpoint, (fips, dual_stack)).await;
    debug!("API endpoint for {registry}: {url}");
    trace.endpoint = Some(url);

    let started = Instant::now();
    let resolved = match &options.web_identity {
        Some(identity) => credentials::assume_role(&sdk, identity, operation_timeout(&sdk)).await?,
        None => match credentials::resolve(&conf, &sdk, env, options).await? {
            credentials::Outcome::Resolved(resolved) => resolved,
            credentials::Outcome::NeedsCode(ask) => return Ok(Fetched::NeedsCode(ask)),
        },
    };
    trace.source = Some(resolved.source);
    trace.credentials_time = Some(started.elapsed());
    debug!(
        "AWS credentials from {} in {:?}",
        resolved.source,
        started.elapsed()
    );
    match registry.service {
        Service::Private { .. } | Service::PrivateInRegion => {
            let conf = aws_sdk_ecr::config::Builder::from(&sdk)
                .credentials_provider(resolved.credentials)
                .use_fips(fips)
                .use_dual_stack(dual_stack)
                .build();
            private_token(aws_sdk_ecr::Client::from_conf(conf), &sdk, registry)
                .await
                .map(Fetched::Token)
        }
        Service::Public => {
            let conf = aws_sdk_ecrpublic::config::Builder::from(&sdk)
                .credentials_provider(resolved.credentials)
                .use_fips(fips)
                .use_dual_stack(dual_stack)
                .build();
            public_token(aws_sdk_ecrpublic::Client::from_conf(conf), &sdk, registry)
                .await
                .map(Fetched::Token)
        }
    }
}

fn provider_config(region: &Region, http: &SharedHttpClient) -> ProviderConfig {
    ProviderConfig::default()
        .with_http_client(http.clone())
        .with_region(Some(region.clone()))
}

async fn sdk_config(region: Region, http: SharedHttpClient, options: &FetchOptions) -> SdkConfig {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT.min(options.timeout))
        .operation_timeout(options.timeout)
        .build();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(region)
        .http_client(http)
        .no_credentials()
        .timeout_config(timeouts)
        .retry_config(RetryConfig::standard().with_max_attempts(3));
    if let Some(profile) = &options.profile {
        loader = loader.profile_name(profile);
    }
    loader.load().await
}

async fn private_token(
    client: aws_sdk_ecr::Client,
    sdk: &SdkConfig,
    registry: &Registry,
) -> Result<Token, Error> {
    let reply = client.get_authorization_token().send().await.map_err(|e| {
        api_error(
            &registry.host,
            "ecr:GetAuthorizationToken",
            operation_timeout(sdk),
            e,
        )
    })?;
    let data = reply
        .authorization_data()
        .first()
        .ok_or_else(|| Error::BadToken {
            registry: registry.host.clone(),
            reason: "the reply has no authorizationData".into(),
        })?;
    decode(registry, data.authorization_token(), data.expires_at())
}

async fn public_token(
    client: aws_sdk_ecrpublic::Client,
    sdk: &SdkConfig,
    registry: &Registry,
) -> Result<Token, Error> {
    let reply = client.get_authorization_token().send().await.map_err(|e| {
        api_error(
            &registry.host,
            "ecr-public:GetAuthorizationToken and sts:GetServiceBearerToken",
            operation_timeout(sdk),
            e,
        )
    })?;
    let data = reply.authorization_data().ok_or_else(|| Error::BadToken {
        registry: registry.host.clone(),
        reason: "the reply has no authorizationData".into(),
    })?;
    decode(registry, data.authorization_token(), data.expires_at())
}

fn operation_timeout(sdk: &SdkConfig) -> Duration {
    sdk.timeout_config()
        .and_then(|t| t.operation_timeout())
        .unwrap_or_default()
}

fn decode(
    registry: &Registry,
    token: Option<&str>,
    expires_at: Option<&aws_smithy_types::DateTime>,
) -> Result<Token, Error> {
    Token::decode(token, expires_at.map(|t| (t.secs(), t.subsec_nanos()))).map_err(|reason| {
        Error::BadToken {
            registry: registry.host.clone(),
            reason,
        }
    })
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn the_watchdog_answers_at_the_deadline_whatever_the_work_blocks_on() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("token");
        crate::test_support::mkfifo(&fifo);
        let start = Instant::now();
        // A blocking read of a FIFO nobody writes, as the SDK's file reads are.
        let answer = until(start + Duration::from_millis(300), move || {
            std::fs::read(&fifo)
        })
        .unwrap();
        assert!(answer.is_none());
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{:?}",
            start.elapsed()
        );
        let answer = until(Instant::now() + Duration::from_secs(30), || 42).unwrap();
        assert_eq!(answer, Some(42), "an answer in time is the answer");
    }
}
