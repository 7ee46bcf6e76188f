//! One cached token as stored on disk, and the rules that say when it may be served.
//!
//! Nothing in a file is taken on its word: an entry is served only for the registry and the
//! identity it names, and never past ECR's 12-hour token lifetime, whatever `expires_at` says
//! (a reply or a planted file claiming 300 years must not be believed).

use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::core::identity::Identity;
use crate::core::registry::Registry;
use crate::core::token::{MAX_LIFETIME, Token};
use crate::secret::Secret;

/// The entry format this build reads and writes. Other versions are misses and get rewritten.
pub const ENTRY_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub version: u32,
    /// The ECR host the token is for.
    pub host: String,
    /// The identity fingerprint it was fetched with.
    pub identity: String,
    pub username: String,
    pub password: Secret,
    /// Unix seconds.
    pub fetched_at: i64,
    /// Unix seconds, as ECR said; [`Entry::expires_at`] is what counts.
    pub expires_at: i64,
}

impl Entry {
    pub fn new(
        registry: &Registry,
        identity: &Identity,
        token: &Token,
        now: OffsetDateTime,
    ) -> Self {
        let mut entry = Entry {
            version: ENTRY_VERSION,
            host: registry.host.clone(),
            identity: identity.as_str().to_owned(),
            username: token.username.clone(),
            password: token.password.clone(),
            fetched_at: now.unix_timestamp(),
            expires_at: token.expires_at.unix_timestamp(),
        };
        entry.expires_at = entry.expires_at();
        entry
    }

    /// An entry file's bytes: an entry of this build's version, or why it is a miss.
    pub fn from_json(bytes: &[u8]) -> Result<Entry, String> {
        match serde_json::from_slice::<Entry>(bytes) {
            Ok(entry) if entry.version == ENTRY_VERSION => Ok(entry),
            Ok(entry) => Err(format!("entry version {}", entry.version)),
            Err(e) => Err(format!("corrupt entry: {e}")),
        }
    }

    /// True when this entry was fetched for `registry` by `identity`. The file name says so
    /// too, but a file copied over another entry's name must not be served for it.
    pub fn is_for(&self, registry: &Registry, identity: &Identity) -> bool {
        self.host == registry.host && self.identity == identity.as_str()
    }

    /// When the token stops being usable: what ECR said, capped at ECR's maximum lifetime.
    pub fn expires_at(&self) -> i64 {
        self.expires_at
            .min(self.fetched_at.saturating_add(MAX_LIFETIME.whole_seconds()))
    }

    pub fn token(&self) -> Token {
        Token {
            username: self.username.clone(),
            password: self.password.clone(),
            expires_at: OffsetDateTime::from_unix_timestamp(self.expires_at())
                .unwrap_or(OffsetDateTime::UNIX_EPOCH),
        }
    }

    /// When the entry stops being served without a refresh: `min(window, lifetime / 2)` before
    /// expiry. The halving keeps short-lived tokens (assumed-role sessions) cacheable.
    pub fn refresh_at(&self, window: Duration) -> i64 {
        let expires_at = self.expires_at();
        let lifetime = expires_at.saturating_sub(self.fetched_at).max(0);
        let window = i64::try_from(window.as_secs()).unwrap_or(i64::MAX);
        expires_at - window.min(lifetime / 2)
    }

    pub fn is_fresh(&self, now: OffsetDateTime, window: Duration) -> bool {
        now.unix_timestamp() < self.refresh_at(window)
    }

    pub fn is_expired(&self, now: OffsetDateTime) -> bool {
        now.unix_timestamp() >= self.expires_at()
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    const HOST: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
    const HOUR: Duration = Duration::from_secs(3600);

    fn at(secs: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(secs).unwrap()
    }

    /// An entry of `HOST` for identity `id`; the cache's tests use it too.
    pub(crate) fn entry(fetched_at: i64, expires_at: i64) -> Entry {
        Entry {
            version: ENTRY_VERSION,
            host: HOST.into(),
            identity: "id".into(),
            username: "AWS".into(),
            password: Secret::new("pw"),
            fetched_at,
            expires_at,
        }
    }

    #[test]
    fn a_12h_token_is_fresh_until_an_hour_before_expiry() {
        let e = entry(0, 12 * 3600);
        assert!(e.is_fresh(at(0), HOUR));
        assert!(e.is_fresh(at(11 * 3600 - 1), HOUR));
        assert!(!e.is_fresh(at(11 * 3600), HOUR));
        assert!(!e.is_expired(at(12 * 3600 - 1)));
        assert!(e.is_expired(at(12 * 3600)));
    }

    #[test]
    fn short_lived_tokens_refresh_at_half_life() {
        // A 40-minute token from an assumed-role session: fresh for 20 minutes, not zero.
        let e = entry(1000, 1000 + 2400);
        assert_eq!(e.refresh_at(HOUR), 1000 + 1200);
        assert!(e.is_fresh(at(1000 + 1199), HOUR));
        assert!(!e.is_fresh(at(1000 + 1200), HOUR));
        // A token that was already expired when fetched is never fresh.
        let dead = entry(1000, 900);
        assert!(!dead.is_fresh(at(1000), HOUR));
    }

    #[test]
    fn a_claimed_lifetime_beyond_12h_is_capped() {
        let centuries = entry(0, 300 * 365 * 24 * 3600);
        assert_eq!(centuries.expires_at(), 12 * 3600);
        assert!(centuries.is_expired(at(12 * 3600)));
        assert_eq!(centuries.refresh_at(HOUR), 11 * 3600);
        assert_eq!(centuries.token().expires_at, at(12 * 3600));
        let huge = entry(i64::MAX - 10, i64::MAX);
        assert_eq!(huge.expires_at(), i64::MAX);
    }
}
