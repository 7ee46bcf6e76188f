use std::cell::Cell;
use std::time::{Duration, Instant};

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
    settings: Settings,
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
            settings: Settings {
                refresh_window: Duration::from_secs(3600),
                deadline: Instant::now() + Duration::from_secs(5),
                timeout: Duration::from_secs(5),
                cache_dir: None,
                config: crate::config::Config::default(),
                use_fips: None,
                use_dual_stack: None,
                ignore_creds_storage: false,
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
            &self.settings,
            || at(now),
            || {
                self.fetches.set(self.fetches.get() + 1);
                answer
            },
        )
        .map(|served| served.token.password.expose().to_owned())
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
    let serve = |cache: Option<&Cache>| {
        cached(
            cache,
            &w.registry,
            &w.identity,
            &w.settings,
            || at(0),
            || Ok(token("long", centuries)),
        )
        .unwrap()
    };
    let served = serve(Some(&w.cache));
    assert_eq!(served.token.expires_at, at(12 * HOUR));
    assert_eq!(
        served.refresh_at,
        at(11 * HOUR),
        "the kubelet's cacheDuration"
    );
    let stored = w.cache.read(&cache_key(&w.registry, &w.identity)).unwrap();
    assert_eq!(stored.expires_at, 12 * HOUR);
    assert!(w.get(12 * HOUR, Err(down())).is_err(), "expired at 12 h");
    let uncached = serve(None);
    assert_eq!(uncached.token.expires_at, at(12 * HOUR));
}

#[test]
fn a_busy_lock_is_waited_for_until_the_deadline_only() {
    let mut w = World::new();
    w.get(0, Ok(token("one", 12 * HOUR))).unwrap();
    let key = cache_key(&w.registry, &w.identity);
    let Locking::Held(_held) = w.cache.lock(&key, Instant::now()) else {
        panic!("lock");
    };
    w.settings.deadline = Instant::now() + Duration::from_millis(200);
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
