//! The cache-first token path every command that hands out a password comes through.
//!
//! Registry → identity → cache → (on a miss, under the entry's lock) AWS. `get`, `password`,
//! `dockerconfig`, `kube-secret` and the kubelet plugin all come through here, so they share
//! one cache and one set of rules:
//! - a fresh entry made for this registry and identity is served without touching AWS at all;
//! - concurrent misses for one entry wait for one fetch (the lock, then a second look), but
//!   never past the command's deadline;
//! - a token that was already expired when fetched is used once and not cached, and none is
//!   believed past ECR's 12-hour lifetime;
//! - an expired token is never served, but an unexpired one is, with a warning, when its
//!   refresh fails for a transient reason (stale-while-error); a denial is the answer.

use std::collections::BTreeMap;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::config::Target;
use crate::core::aws::{self, FetchOptions, WebIdentity};
use crate::core::cache::{Cache, Entry, Locking};
use crate::core::identity::{Identity, cache_key};
use crate::core::registry::Registry;
use crate::core::token::Token;
use crate::env::Env;
use crate::error::Error;
use crate::log::{debug, warn};
use crate::settings::Settings;

/// Credentials for a resolved target.
pub fn for_target(target: &Target, env: &Env, settings: &Settings) -> Result<Token, Error> {
    for_target_as(target, env, settings, None).map(|served| served.token)
}

/// Credentials for a resolved target, optionally as a role assumed with a web identity token
/// (the kubelet plugin's service-account mode); the role and the service account are part of
/// the cache identity.
pub fn for_target_as(
    target: &Target,
    env: &Env,
    settings: &Settings,
    web_identity: Option<WebIdentity>,
) -> Result<Served, Error> {
    // FIPS and dual-stack as set: part of the cache key, and what the fetch asks for.
    let registry = &settings.effective(&target.registry);
    let mut identity = Identity::current(env, target.profile.as_deref());
    if let Some(role) = &web_identity {
        identity = identity.assuming(&role.role_arn, role.token.expose());
    }
    let cache = Cache::open(settings);
    cached(cache.as_ref(), registry, &identity, settings, now, || {
        let mut options = FetchOptions::new(settings, env, target.profile.clone());
        options.web_identity = web_identity;
        aws::fetch_token(registry, env, &options)
    })
}

/// Forgets the cached token of `target` for the current identity.
pub fn erase(target: &Target, env: &Env, settings: &Settings) {
    if let Some(cache) = Cache::open(settings) {
        let identity = Identity::current(env, target.profile.as_deref());
        let registry = settings.effective(&target.registry);
        if let Err(e) = cache.remove(&cache_key(&registry, &identity)) {
            warn!("cannot delete the cached token of {}: {e}", target.registry);
        }
    }
}

/// The registries with a valid cached token for the current identity, host → user name.
pub fn list(env: &Env, settings: &Settings) -> BTreeMap<String, String> {
    let Some(cache) = Cache::open(settings) else {
        return BTreeMap::new();
    };
    // One fingerprint per profile, not per entry: each one stats the AWS files.
    let identities = std::cell::RefCell::new(BTreeMap::new());
    cache.list(now(), |registry| {
        let profile = settings.config.profile_for(registry);
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

/// A token as served, with the moment it is due for refresh (the kubelet caches it until
/// then; a stale-served token is already due).
#[derive(Debug, Clone)]
pub struct Served {
    pub token: Token,
    pub refresh_at: OffsetDateTime,
}

impl Served {
    fn from_entry(entry: &Entry, settings: &Settings) -> Served {
        Served {
            token: entry.token(),
            refresh_at: OffsetDateTime::from_unix_timestamp(
                entry.refresh_at(settings.refresh_window),
            )
            .unwrap_or(OffsetDateTime::UNIX_EPOCH),
        }
    }
}

/// The cache rules, with the clock and the fetch injected.
pub fn cached(
    cache: Option<&Cache>,
    registry: &Registry,
    identity: &Identity,
    settings: &Settings,
    clock: impl Fn() -> OffsetDateTime,
    fetch: impl FnOnce() -> Result<Token, Error>,
) -> Result<Served, Error> {
    // What a fetch gives is served through an entry too: the same 12-hour cap and refresh
    // point whether or not it can be cached.
    let fetched = |token: Token| {
        let now = clock();
        let entry = Entry::new(registry, identity, &token, now);
        let dead = warn_if_expired(registry, &token, now);
        (entry, dead)
    };
    let Some(cache) = cache else {
        return fetch().map(|token| Served::from_entry(&fetched(token).0, settings));
    };
    let key = cache_key(registry, identity);
    // Only an entry made for this registry and identity counts, whatever its file name says.
    let read = || cache.read(&key).filter(|e| e.is_for(registry, identity));
    let fresh = |e: &Entry| e.is_fresh(clock(), settings.refresh_window);
    if let Some(entry) = read().filter(fresh) {
        debug!("cache hit for {registry}");
        return Ok(Served::from_entry(&entry, settings));
    }
    // A miss: wait for whoever is fetching this entry, then look again before calling AWS.
    let locking = cache.lock(&key, settings.deadline);
    let current = read();
    if let Some(entry) = current.as_ref().filter(|e| fresh(e)) {
        debug!("cache hit for {registry} after waiting for another fetch");
        return Ok(Served::from_entry(entry, settings));
    }
    let result = match locking {
        // The holder is still at it and our time is up: do not start a fetch we cannot finish.
        Locking::Busy => Err(Error::LockTimedOut {
            registry: registry.host.clone(),
            after: settings.timeout,
        }),
        Locking::Held(_) | Locking::Unavailable => {
            debug!("cache miss for {registry}; asking AWS");
            fetch()
        }
    };
    match result {
        Ok(token) => {
            let (entry, dead) = fetched(token);
            if !dead {
                if let Err(e) = cache.write(&key, &entry) {
                    warn!(
                        "cannot write the token cache in {}: {e}",
                        cache.dir().display()
                    );
                }
                cache.prune(clock());
            }
            Ok(Served::from_entry(&entry, settings))
        }
        // Stale-while-error: only a fault that says nothing about our right to the token.
        Err(error) if error.is_transient() => match current.filter(|e| !e.is_expired(clock())) {
            Some(stale) => {
                let served = Served::from_entry(&stale, settings);
                warn!(
                    "serving the cached token of {registry}, valid until {}, because the refresh failed: {error}",
                    served.token.expires_at.format(&Rfc3339).unwrap_or_default()
                );
                Ok(served)
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
        warn!(
            "ECR returned a token for {registry} that expired at {} (is the clock right?); using it once, not caching it",
            token.expires_at.format(&Rfc3339).unwrap_or_default()
        );
    }
    expired
}

#[cfg(test)]
mod tests;
