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
use std::time::Duration;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::aws::{self, FetchOptions, WebIdentity};
use crate::cache::{Cache, Entry};
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
    /// How long to wait for another process that is fetching the same entry.
    pub lock_wait: Duration,
}

impl Policy {
    pub fn from_env(env: &Env, config: &Config) -> Result<Policy, Error> {
        Ok(Policy {
            refresh_window: env.refresh_window(config.refresh_window)?,
            lock_wait: env.timeout()? + Duration::from_secs(1),
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
        return fetch().inspect(|token| {
            warn_if_expired(registry, token, clock());
        });
    };
    let key = cache_key(registry, identity);
    if let Some(entry) = cache
        .read(&key)
        .filter(|e| e.is_fresh(clock(), policy.refresh_window))
    {
        log::debug(format_args!("cache hit for {registry}"));
        return Ok(entry.token());
    }
    // A miss: wait for whoever is fetching this entry, then look again before calling AWS.
    let _lock = cache.lock(&key, policy.lock_wait);
    let current = cache.read(&key);
    if let Some(entry) = current
        .as_ref()
        .filter(|e| e.is_fresh(clock(), policy.refresh_window))
    {
        log::debug(format_args!(
            "cache hit for {registry} after waiting for another fetch"
        ));
        return Ok(entry.token());
    }
    log::debug(format_args!("cache miss for {registry}; asking AWS"));
    match fetch() {
        Ok(token) => {
            let now = clock();
            if warn_if_expired(registry, &token, now) {
                return Ok(token);
            }
            if let Err(e) = cache.write(&key, &Entry::new(registry, identity, &token, now)) {
                log::warn(format_args!(
                    "cannot write the token cache in {}: {e}",
                    cache.dir().display()
                ));
            }
            cache.prune(now);
            Ok(token)
        }
        Err(error) => match current.filter(|e| !e.is_expired(clock())) {
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
                    lock_wait: Duration::from_millis(100),
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

    fn denied() -> Error {
        Error::Network {
            registry: "r".into(),
            cause: "down".into(),
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
        // Inside the refresh window, AWS fails: the unexpired token is still served.
        assert_eq!(w.get(11 * HOUR + 30, Err(denied())).unwrap(), "one");
        // Once expired it is never served, whatever AWS says.
        let err = w.get(12 * HOUR, Err(denied())).unwrap_err();
        assert!(matches!(err, Error::Network { .. }));
        assert_eq!(w.fetches.get(), 3);
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
        assert!(w.get(0, Err(denied())).is_err());
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
