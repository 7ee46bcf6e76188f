//! The `get` path shared by every command that hands out a password.
//!
//! Host → registry → identity → cache → (on a miss, under the entry's lock) AWS. `get`,
//! `password`, `dockerconfig` and the kubelet plugin all come through here, so they share one
//! cache and one set of rules:
//! - a fresh entry is served without touching AWS at all;
//! - concurrent misses for one entry wait for one fetch (the lock, then a second look);
//! - a token that was already expired when fetched is used once and not cached;
//! - an expired token is never served, but an unexpired one is, with a warning, when its
//!   refresh fails (stale-while-error).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::aws::{self, FetchOptions, WebIdentity};
use crate::cache::{Cache, Entry, Locking};
use crate::config::{Config, Target};
use crate::env::Env;
use crate::error::Error;
use crate::identity::{Identity, cache_key};
use crate::log;
use crate::registry::Registry;
use crate::token::Token;

/// Credentials for what a client sent (`host`, `host:port`, a URL, a configured alias).
///
/// A host that is neither ECR nor an alias is [`Error::NotFound`], and so is ECR Public when
/// there are no AWS credentials at all: anonymous pulls from public.ecr.aws must keep working.
pub fn for_server(server: &str, env: &Env, config: &Config) -> Result<(Target, Token), Error> {
    let target = config.target(server).ok_or(Error::NotFound)?;
    match for_target(&target, env, config) {
        Err(e) if target.registry.is_public() && e.is_no_credentials() => Err(Error::NotFound),
        other => other.map(|token| (target, token)),
    }
}

/// Credentials for a resolved target.
pub fn for_target(target: &Target, env: &Env, config: &Config) -> Result<Token, Error> {
    for_target_as(target, env, config, None)
}

/// Credentials for a resolved target, optionally as a role assumed with a web identity token
/// (the kubelet plugin's service-account mode); the role is part of the cache identity.
pub fn for_target_as(
    target: &Target,
    env: &Env,
    config: &Config,
    web_identity: Option<WebIdentity>,
) -> Result<Token, Error> {
    let registry = &target.registry;
    let mut identity = Identity::current(env, target.profile.as_deref());
    if let Some(role) = &web_identity {
        identity = identity.assuming(&role.role_arn, role.token.expose());
    }
    let policy = Policy::from_env(env, config)?;
    let cache = Cache::open(env);
    cached(cache.as_ref(), registry, &identity, &policy, now, || {
        let mut options = FetchOptions::from_env(env, target.profile.clone())?;
        options.web_identity = web_identity;
        aws::fetch_token(registry, env, &options)
    })
}

/// Forgets the cached token of `target` for the current identity.
pub fn erase(target: &Target, env: &Env) {
    if let Some(cache) = Cache::open(env) {
        let identity = Identity::current(env, target.profile.as_deref());
        if let Err(e) = cache.remove(&cache_key(&target.registry, &identity)) {
            log::warn(format_args!(
                "cannot delete the cached token of {}: {e}",
                target.registry
            ));
        }
    }
}

/// The registries with a valid cached token for the current identity, host → user name.
pub fn list(env: &Env, config: &Config) -> BTreeMap<String, String> {
    let Some(cache) = Cache::open(env) else {
        return BTreeMap::new();
    };
    // One fingerprint per profile, not per entry: each one stats the AWS files.
    let identities = std::cell::RefCell::new(BTreeMap::new());
    cache.list(now(), |registry| {
        let profile = config.profile_for(registry);
        identities
            .borrow_mut()
            .entry(profile.clone())
            .or_insert_with(|| Identity::current(env, profile.as_deref()))
            .clone()
    })
}

pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// The cache rules that come from settings.
#[derive(Debug, Clone)]
pub struct Policy {
    pub refresh_window: Duration,
    /// When the command must have answered; waiting for another process counts toward it.
    pub deadline: Instant,
    /// `AWS_ECR_TIMEOUT`, for messages.
    pub timeout: Duration,
}

impl Policy {
    pub fn from_env(env: &Env, config: &Config) -> Result<Policy, Error> {
        Ok(Policy {
            refresh_window: env.refresh_window(config.refresh_window)?,
            deadline: env.deadline()?,
            timeout: env.timeout()?,
        })
    }
}

/// The cache rules, with the clock and the fetch injected.
pub fn cached(
    cache: Option<&Cache>,
    registry: &Registry,
    identity: &Identity,
    policy: &Policy,
    clock: impl Fn() -> OffsetDateTime,
    fetch: impl FnOnce() -> Result<Token, Error>,
) -> Result<Token, Error> {
    let Some(cache) = cache else {
        return fetch().map(|token| {
            let now = clock();
            warn_if_expired(registry, &token, now);
            token.capped(now)
        });
    };
    let key = cache_key(registry, identity);
    // Only an entry made for this registry and identity counts, whatever its file name says.
    let read = || cache.read(&key).filter(|e| e.is_for(registry, identity));
    if let Some(entry) = read().filter(|e| e.is_fresh(clock(), policy.refresh_window)) {
        log::debug(format_args!("cache hit for {registry}"));
        return Ok(entry.token());
    }
    // A miss: wait for whoever is fetching this entry, then look again before calling AWS.
    let locking = cache.lock(&key, policy.deadline);
    let current = read();
    if let Some(entry) = current
        .as_ref()
        .filter(|e| e.is_fresh(clock(), policy.refresh_window))
    {
        log::debug(format_args!(
            "cache hit for {registry} after waiting for another fetch"
        ));
        return Ok(entry.token());
    }
    let result = match locking {
        // The holder is still at it and our time is up: do not start a fetch we cannot finish.
        Locking::Busy => Err(Error::LockTimedOut {
            registry: registry.host.clone(),
            after: policy.timeout,
        }),
        Locking::Held(_) | Locking::Unavailable => {
            log::debug(format_args!("cache miss for {registry}; asking AWS"));
            fetch()
        }
    };
    match result {
        Ok(token) => {
            let now = clock();
            if warn_if_expired(registry, &token, now) {
                return Ok(token);
            }
            let entry = Entry::new(registry, identity, &token, now);
            if let Err(e) = cache.write(&key, &entry) {
                log::warn(format_args!(
                    "cannot write the token cache in {}: {e}",
                    cache.dir().display()
                ));
            }
            cache.prune(now);
            Ok(entry.token())
        }
        // Stale-while-error: only a fault that says nothing about our right to the token.
        Err(error) if error.is_transient() => match current.filter(|e| !e.is_expired(clock())) {
            Some(stale) => {
                let token = stale.token();
                log::warn(format_args!(
                    "serving the cached token of {registry}, valid until {}, because the refresh failed: {error}",
                    token.expires_at.format(&Rfc3339).unwrap_or_default()
                ));
                Ok(token)
            }
            None => Err(error),
        },
        Err(error) => Err(error),
    }
}

/// Warns about a token that was dead on arrival (clock skew, a mock); true when it was.
fn warn_if_expired(registry: &Registry, token: &Token, now: OffsetDateTime) -> bool {
    let expired = token.expires_at <= now;
    if expired {
        log::warn(format_args!(
            "ECR returned a token for {registry} that expired at {} (is the clock right?); using it once, not caching it",
            token.expires_at.format(&Rfc3339).unwrap_or_default()
        ));
    }
    expired
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;
    use crate::secret::Secret;

    const HOUR: i64 = 3600;

    fn at(secs: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(secs).unwrap()
    }

    fn token(password: &str, expires_at: i64) -> Token {
        Token {
            username: "AWS".into(),
            password: Secret::new(password),
            expires_at: at(expires_at),
        }
    }

    struct World {
        _tmp: tempfile::TempDir,
        cache: Cache,
        registry: Registry,
        identity: Identity,
        policy: Policy,
        fetches: Cell<u32>,
    }

    impl World {
        fn new() -> Self {
            let tmp = tempfile::tempdir().unwrap();
            World {
                cache: Cache::at(tmp.path().join("c")).unwrap(),
                _tmp: tmp,
                registry: Registry::parse("123456789012.dkr.ecr.us-east-1.amazonaws.com").unwrap(),
                identity: Identity::from_stored("me".into()),
                policy: Policy {
                    refresh_window: Duration::from_secs(3600),
                    deadline: Instant::now() + Duration::from_secs(5),
                    timeout: Duration::from_secs(5),
                },
                fetches: Cell::new(0),
            }
        }

        /// One `get` at time `now`, with AWS answering `answer`.
        fn get(&self, now: i64, answer: Result<Token, Error>) -> Result<String, Error> {
            cached(
                Some(&self.cache),
                &self.registry,
                &self.identity,
                &self.policy,
                || at(now),
                || {
                    self.fetches.set(self.fetches.get() + 1);
                    answer
                },
            )
            .map(|t| t.password.expose().to_owned())
        }
    }

    fn down() -> Error {
        Error::Network {
            registry: "r".into(),
            cause: "down".into(),
        }
    }

    fn denied() -> Error {
        Error::AccessDenied {
            registry: "r".into(),
            code: "AccessDeniedException".into(),
            message: "no".into(),
            action: "ecr:GetAuthorizationToken",
        }
    }

    #[test]
    fn a_hit_does_not_fetch_until_the_refresh_point() {
        let w = World::new();
        assert_eq!(w.get(0, Ok(token("one", 12 * HOUR))).unwrap(), "one");
        assert_eq!(
            w.get(11 * HOUR - 1, Ok(token("two", 23 * HOUR))).unwrap(),
            "one"
        );
        assert_eq!(w.fetches.get(), 1);
        assert_eq!(
            w.get(11 * HOUR, Ok(token("two", 23 * HOUR))).unwrap(),
            "two"
        );
        assert_eq!(w.fetches.get(), 2);
    }

    #[test]
    fn stale_while_error_but_never_expired() {
        let w = World::new();
        w.get(0, Ok(token("one", 12 * HOUR))).unwrap();
        // Inside the refresh window, AWS is unreachable: the unexpired token is still served.
        assert_eq!(w.get(11 * HOUR + 30, Err(down())).unwrap(), "one");
        // Once expired it is never served, whatever AWS says.
        let err = w.get(12 * HOUR, Err(down())).unwrap_err();
        assert!(matches!(err, Error::Network { .. }));
        assert_eq!(w.fetches.get(), 3);
    }

    #[test]
    fn a_denial_is_the_answer_even_with_an_unexpired_token() {
        let w = World::new();
        w.get(0, Ok(token("one", 12 * HOUR))).unwrap();
        let err = w.get(11 * HOUR + 30, Err(denied())).unwrap_err();
        assert!(matches!(err, Error::AccessDenied { .. }), "{err}");
        for transient in [
            down(),
            Error::Service {
                registry: "r".into(),
                detail: "HTTP 503".into(),
                transient: true,
            },
        ] {
            assert_eq!(w.get(11 * HOUR + 40, Err(transient)).unwrap(), "one");
        }
        let client_fault = Error::Service {
            registry: "r".into(),
            detail: "HTTP 400 (ValidationException)".into(),
            transient: false,
        };
        assert!(w.get(11 * HOUR + 50, Err(client_fault)).is_err());
    }

    #[test]
    fn an_entry_made_for_another_registry_or_identity_is_not_served() {
        let w = World::new();
        w.get(0, Ok(token("mine", 12 * HOUR))).unwrap();
        let key = cache_key(&w.registry, &w.identity);
        for (field, value) in [("host", "public.ecr.aws"), ("identity", "someone-else")] {
            let mut planted = w.cache.read(&key).unwrap();
            match field {
                "host" => planted.host = value.into(),
                _ => planted.identity = value.into(),
            }
            planted.password = crate::secret::Secret::new("planted");
            w.cache.write(&key, &planted).unwrap();
            assert_eq!(w.get(1, Ok(token("fresh", 12 * HOUR))).unwrap(), "fresh");
        }
        assert_eq!(w.fetches.get(), 3);
    }

    #[test]
    fn a_claimed_300_year_lifetime_is_cached_for_12_hours_at_most() {
        let w = World::new();
        let centuries = 300 * 365 * 24 * HOUR;
        let served = cached(
            Some(&w.cache),
            &w.registry,
            &w.identity,
            &w.policy,
            || at(0),
            || Ok(token("long", centuries)),
        )
        .unwrap();
        assert_eq!(served.expires_at, at(12 * HOUR));
        let stored = w.cache.read(&cache_key(&w.registry, &w.identity)).unwrap();
        assert_eq!(stored.expires_at, 12 * HOUR);
        assert!(w.get(12 * HOUR, Err(down())).is_err(), "expired at 12 h");
        let uncached = cached(
            None,
            &w.registry,
            &w.identity,
            &w.policy,
            || at(0),
            || Ok(token("long", centuries)),
        )
        .unwrap();
        assert_eq!(uncached.expires_at, at(12 * HOUR));
    }

    #[test]
    fn a_busy_lock_is_waited_for_until_the_deadline_only() {
        let mut w = World::new();
        w.get(0, Ok(token("one", 12 * HOUR))).unwrap();
        let key = cache_key(&w.registry, &w.identity);
        let Locking::Held(_held) = w.cache.lock(&key, Instant::now()) else {
            panic!("lock");
        };
        w.policy.deadline = Instant::now() + Duration::from_millis(200);
        let started = Instant::now();
        // Due for refresh, another process is at it until after our deadline: the unexpired
        // token is served without a fetch.
        assert_eq!(
            w.get(11 * HOUR + 30, Ok(token("two", 23 * HOUR))).unwrap(),
            "one"
        );
        // Expired: the error says what we waited for.
        let err = w.get(12 * HOUR, Ok(token("two", 23 * HOUR))).unwrap_err();
        assert!(matches!(err, Error::LockTimedOut { .. }), "{err}");
        assert!(started.elapsed() < Duration::from_secs(2));
        assert_eq!(w.fetches.get(), 1);
    }

    #[test]
    fn a_token_expired_on_arrival_is_used_once_and_not_cached() {
        let w = World::new();
        assert_eq!(w.get(100, Ok(token("dead", 50))).unwrap(), "dead");
        assert_eq!(
            w.get(101, Ok(token("live", 101 + 12 * HOUR))).unwrap(),
            "live"
        );
        assert_eq!(w.fetches.get(), 2);
    }

    #[test]
    fn a_failed_first_fetch_caches_nothing() {
        let w = World::new();
        assert!(w.get(0, Err(down())).is_err());
        assert_eq!(w.get(1, Ok(token("one", 12 * HOUR))).unwrap(), "one");
        assert_eq!(w.fetches.get(), 2);
    }

    #[test]
    fn an_unwritable_cache_still_answers() {
        let w = World::new();
        std::fs::remove_dir_all(w.cache.dir()).unwrap();
        assert_eq!(w.get(0, Ok(token("one", 12 * HOUR))).unwrap(), "one");
        assert_eq!(w.get(1, Ok(token("two", 12 * HOUR))).unwrap(), "two");
    }
}
