//! Profiles whose role (or a source profile's role) needs an MFA code: `mfa_serial`.
//!
//! The AWS SDK's profile provider ignores `mfa_serial` and calls `AssumeRole` without a code,
//! which a role whose trust policy asks for MFA refuses. So for such a chain ([`chain`]) we
//! assume the roles ourselves, as the AWS CLI does: the first role with the credentials the
//! SDK finds for the chain's base, each next role with the session of the one before, and a
//! role with `mfa_serial` with `SerialNumber` and a `TokenCode` typed by the person at the
//! terminal (the profile's `external_id`, `role_session_name` and `duration_seconds` too).
//!
//! A code is good for one session, so the session is kept: in our cache ([`Session`], keyed by
//! the identity of the profile naming the role and every argument of the call), and the one the
//! AWS CLI keeps in `~/.aws/cli/cache` for the same role is used too ([`cli_cache`]). Only
//! when neither has a usable session is a code asked for.
//!
//! Asking waits on a person, which no deadline of the fetch can bound, so the fetch does not
//! ask: it returns [`Resolution::NeedsCode`], and the caller, outside the fetch's watchdog,
//! asks ([`ask_code`]) and runs the fetch again with the code, on a fresh deadline. The
//! credentials the role is to be assumed with travel with the question, so the chain below it
//! is not resolved twice. One process at a time asks for a given session: another one waits for
//! it, then uses what it made.

mod chain;
mod cli_cache;

use std::path::Path;
use std::time::{Duration, Instant, UNIX_EPOCH};

use aws_config::ecs::EcsCredentialsProvider;
use aws_config::environment::EnvironmentVariableCredentialsProvider;
use aws_config::imds::credentials::ImdsCredentialsProvider;
use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::provider_config::ProviderConfig;
use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_types::SdkConfig;
use time::OffsetDateTime;

pub use chain::plan;
use chain::{Base, Hop, Plan};

use crate::core::cache::{Cache, Locking, SESSION_VERSION, Session};
use crate::core::identity::Identity;
use crate::env::Env;
use crate::error::Error;
use crate::log::{debug, warn};
use crate::prompt::{ATTEMPTS, Refusal, Terminal};
use crate::secret::Secret;

/// The session name of a role whose profile sets no `role_session_name`.
const SESSION_NAME: &str = "docker-credential-ecr-login";

/// How long to wait for another process that is asking for the same code.
const WAIT_FOR_OTHER: Duration = Duration::from_secs(120);

/// The most codes one fetch asks for (a chain holds at most 16 roles): a bound on its rounds.
pub const MAX_CODES: usize = 16;

/// A role whose session needs a code, and what it is to be assumed with once the code is had.
#[derive(Debug, Clone)]
pub struct Ask {
    hop: Hop,
    /// The session's key in our cache.
    key: Identity,
    /// The credentials to assume the role with (the base's, or the role's below).
    source: Credentials,
}

/// A code typed for an [`Ask`].
#[derive(Debug, Clone)]
pub struct Answer {
    ask: Ask,
    code: Secret,
}

/// Where the session of the last role with MFA came from, as `doctor` and the log say it.
const FROM_CACHE: &str = "profile (a role session with MFA, cached)";
const FROM_CLI: &str = "profile (a role session with MFA, from the AWS CLI's cache)";
const FROM_CODE: &str = "profile (a role session with MFA, from a code typed now)";

/// What a chain gave.
#[derive(Debug)]
pub enum Resolution {
    /// The last role's credentials, and where the MFA session came from.
    Credentials(Credentials, &'static str),
    /// A code is needed first.
    NeedsCode(Ask),
}

/// What assuming the roles needs from the fetch.
pub struct Context<'a> {
    pub sdk: &'a SdkConfig,
    pub conf: &'a ProviderConfig,
    pub env: &'a Env,
    pub cache_dir: Option<&'a Path>,
    pub answers: &'a [Answer],
    pub timeout: Duration,
}

/// The credentials of `plan`'s last role, or the code needed to get them.
pub async fn resolve(plan: Plan, cx: &Context<'_>) -> Result<Resolution, Error> {
    let now = OffsetDateTime::now_utc();
    let cache = cx.cache_dir.and_then(|dir| Cache::at(dir.to_owned()));
    let keys: Vec<Option<Identity>> = plan
        .hops
        .iter()
        .map(|hop| hop.mfa_serial.as_ref().map(|_| session_key(cx.env, hop)))
        .collect();
    let answer_for = |key: &Identity| {
        cx.answers
            .iter()
            .rev()
            .find(|answer| answer.ask.key == *key)
    };
    // Start from the last role with a session (cached, or to be made with a code just typed):
    // what lies below it is not needed.
    let mut start = None;
    for (index, hop) in plan.hops.iter().enumerate().rev() {
        let Some(key) = &keys[index] else { continue };
        if let Some(answer) = answer_for(key) {
            start = Some((index, answer.ask.source.clone(), FROM_CODE));
            break;
        }
        if let Some((session, from)) = known_session(cache.as_ref(), cx.env, hop, key, now) {
            debug!("the MFA session of profile {:?}: {from}", hop.profile);
            start = Some((index + 1, credentials(&session), from));
            break;
        }
    }
    let (first, mut credentials, mut from) = match start {
        Some(start) => start,
        None => (0, base(&plan.base, cx).await?, FROM_CODE),
    };
    for (index, hop) in plan.hops.iter().enumerate().skip(first) {
        let Some(key) = &keys[index] else {
            credentials = self::credentials(&assume(cx, hop, credentials, None).await?);
            continue;
        };
        let Some(answer) = answer_for(key) else {
            return Ok(Resolution::NeedsCode(Ask {
                hop: hop.clone(),
                key: key.clone(),
                source: credentials,
            }));
        };
        let mut session = assume(cx, hop, credentials, Some(&answer.code)).await?;
        session.key = key.as_str().to_owned();
        if let Some(cache) = &cache
            && let Err(e) = cache.write_session(&session)
        {
            warn!(
                "cannot keep the MFA session of profile {:?} in {}: {e}",
                hop.profile,
                cache.dir().display()
            );
        }
        credentials = self::credentials(&session);
        from = FROM_CODE;
    }
    Ok(Resolution::Credentials(credentials, from))
}

/// Asks the person at the terminal for the code `ask` needs; `None` when another process made
/// the session meanwhile (look again). The session's lock is pushed on `held`, to be kept
/// until the fetch is over.
pub fn ask_code(
    ask: Ask,
    cache_dir: Option<&Path>,
    held: &mut Vec<Locking>,
) -> Result<Option<Answer>, Error> {
    let serial = ask.hop.mfa_serial.clone().unwrap_or_default();
    let profile = ask.hop.profile.clone();
    let refused = |refusal: Refusal| match refusal {
        Refusal::NoTerminal(why) => Error::MfaNoTerminal {
            profile: profile.clone(),
            serial: serial.clone(),
            why,
        },
        other => Error::MfaNoCode {
            profile: profile.clone(),
            serial: serial.clone(),
            problem: match other {
                Refusal::Closed => "the terminal closed before a code was typed".to_owned(),
                Refusal::NotCodes => format!("{ATTEMPTS} answers were not six digits"),
                Refusal::Io(e) => format!("cannot use the terminal: {e}"),
                Refusal::NoTerminal(why) => why.to_owned(),
            },
        },
    };
    // Without a terminal, say so at once, before waiting on anyone.
    let mut terminal = Terminal::open().map_err(refused)?;
    if let Some(cache) = cache_dir.and_then(|dir| Cache::at(dir.to_owned())) {
        debug!(
            "the MFA session of profile {profile:?}: taking its lock, held by any other process asking for its code"
        );
        match cache.lock_session(&ask.key, Instant::now() + WAIT_FOR_OTHER) {
            Locking::Busy => {
                return Err(Error::CredentialsFailed {
                    profile: Some(profile.clone()),
                    cause: format!(
                        "another process has been asking for the MFA code of {serial} for {}",
                        humantime::format_duration(WAIT_FOR_OTHER)
                    ),
                    hint: Some("answer it, or stop it".into()),
                });
            }
            lock => held.push(lock),
        }
        let now = OffsetDateTime::now_utc();
        if cache
            .read_session(&ask.key)
            .is_some_and(|session| session.is_usable(now))
        {
            debug!("another process made the MFA session of profile {profile:?}");
            return Ok(None);
        }
    }
    debug!("asking for the MFA code of {serial} (profile {profile:?})");
    let question = format!("Enter MFA code for {serial} (profile {profile}): ");
    let code = terminal.six_digits(&question).map_err(refused)?;
    Ok(Some(Answer { ask, code }))
}

/// A usable session of `hop` from our cache, else from the AWS CLI's, and which it was.
fn known_session(
    cache: Option<&Cache>,
    env: &Env,
    hop: &Hop,
    key: &Identity,
    now: OffsetDateTime,
) -> Option<(Session, &'static str)> {
    if let Some(session) = cache
        .and_then(|cache| cache.read_session(key))
        .filter(|session| session.is_usable(now))
    {
        return Some((session, FROM_CACHE));
    }
    let home = env.home()?;
    cli_cache::session(&home, hop, now).map(|session| (session, FROM_CLI))
}

/// The key of `hop`'s session: the identity of the profile naming the role, and the call's
/// arguments but the code.
fn session_key(env: &Env, hop: &Hop) -> Identity {
    let optional = |value: &Option<String>| format!("{value:?}");
    Identity::current(env, Some(&hop.profile)).role_session(&[
        ("role_arn", &hop.role_arn),
        ("mfa_serial", &optional(&hop.mfa_serial)),
        ("external_id", &optional(&hop.external_id)),
        ("role_session_name", &optional(&hop.session_name)),
        ("duration_seconds", &format!("{:?}", hop.duration_seconds)),
    ])
}

/// The credentials the first role is assumed with.
async fn base(base: &Base, cx: &Context<'_>) -> Result<Credentials, Error> {
    let (profile, source, provider): (&str, &str, Box<dyn ProvideCredentials>) = match base {
        Base::Keys(keys) => return Ok(keys.clone()),
        Base::Profile(profile) => (
            profile,
            "source profile",
            Box::new(
                ProfileFileCredentialsProvider::builder()
                    .configure(cx.conf)
                    .profile_name(profile)
                    .build(),
            ),
        ),
        Base::Named { profile, source } => (
            profile,
            "credential_source",
            match source.to_ascii_lowercase().as_str() {
                "environment" => Box::new(EnvironmentVariableCredentialsProvider::new()),
                "ec2instancemetadata" => Box::new(
                    ImdsCredentialsProvider::builder()
                        .configure(cx.conf)
                        .imds_client(super::imds::client(cx.conf))
                        .build(),
                ),
                "ecscontainer" => {
                    Box::new(EcsCredentialsProvider::builder().configure(cx.conf).build())
                }
                _ => {
                    return Err(Error::CredentialsFailed {
                        profile: Some(profile.clone()),
                        cause: format!("unknown credential_source {source:?}"),
                        hint: Some("use Environment, Ec2InstanceMetadata or EcsContainer".into()),
                    });
                }
            },
        ),
    };
    provider
        .provide_credentials()
        .await
        .map_err(|e| super::credentials::failed(Some(profile), source, &e))
}

/// Assumes `hop`'s role with `source`, and with `code` when it needs one.
async fn assume(
    cx: &Context<'_>,
    hop: &Hop,
    source: Credentials,
    code: Option<&Secret>,
) -> Result<Session, Error> {
    let config = cx
        .sdk
        .to_builder()
        .credentials_provider(SharedCredentialsProvider::new(source))
        .build();
    let action = if code.is_some() {
        "sts:AssumeRole, and that the code is the MFA device's current one (a mistyped, expired or already used code is refused)"
    } else {
        "sts:AssumeRole (check the role's trust policy)"
    };
    let reply = aws_sdk_sts::Client::new(&config)
        .assume_role()
        .role_arn(&hop.role_arn)
        .role_session_name(hop.session_name.as_deref().unwrap_or(SESSION_NAME))
        .set_external_id(hop.external_id.clone())
        .set_duration_seconds(hop.duration_seconds)
        .set_serial_number(code.and(hop.mfa_serial.clone()))
        .set_token_code(code.map(|code| code.expose().to_owned()))
        .send()
        .await
        .map_err(|e| super::api_error(&hop.role_arn, action, cx.timeout, e))?;
    let issued = reply
        .credentials()
        .ok_or_else(|| Error::CredentialsFailed {
            profile: Some(hop.profile.clone()),
            cause: format!("STS returned no credentials for {}", hop.role_arn),
            hint: None,
        })?;
    Ok(Session {
        version: SESSION_VERSION,
        key: String::new(),
        access_key_id: issued.access_key_id().to_owned(),
        secret_access_key: Secret::new(issued.secret_access_key()),
        session_token: Secret::new(issued.session_token()),
        fetched_at: OffsetDateTime::now_utc().unix_timestamp(),
        expires_at: issued.expiration().secs(),
    })
}

fn credentials(session: &Session) -> Credentials {
    let expiry = UNIX_EPOCH + Duration::from_secs(u64::try_from(session.expires_at()).unwrap_or(0));
    Credentials::new(
        &session.access_key_id,
        session.secret_access_key.expose(),
        Some(session.session_token.expose().to_owned()),
        Some(expiry),
        "AssumeRoleWithMfa",
    )
}
