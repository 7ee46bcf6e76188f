//! A role's session credentials got with an MFA code, kept so that the fetches of the next
//! hour ask for no code (another registry, a token past its refresh point).
//!
//! Stored beside the tokens, under the same rules (the checked directory, private files opened
//! without following links, atomic replacement), but named apart (`token-v1-session-<key>`),
//! so nothing that reads tokens ever reads one. As with tokens, nothing in a file is taken on
//! its word: a session is used only under the key it was written for, and never past the
//! longest session STS grants.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::secret::Secret;

/// The format this build reads and writes; another version is a miss.
pub const SESSION_VERSION: u32 = 1;

/// A session is used until this long before it expires, so the calls made with it (STS, ECR)
/// never carry credentials that lapse on the way.
pub const MARGIN_SECS: i64 = 5 * 60;

/// The longest session `AssumeRole` grants (`duration_seconds` of 12 hours).
pub const MAX_LIFETIME_SECS: i64 = 12 * 3600;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub version: u32,
    /// The key it was made for ([`crate::core::identity::Identity::role_session`]).
    pub key: String,
    pub access_key_id: String,
    pub secret_access_key: Secret,
    pub session_token: Secret,
    /// Unix seconds.
    pub fetched_at: i64,
    /// Unix seconds, as STS said; [`Session::expires_at`] is what counts.
    pub expires_at: i64,
}

impl Session {
    /// A file's bytes: a session of this build's version, or why it is a miss.
    pub fn from_json(bytes: &[u8]) -> Result<Session, String> {
        match serde_json::from_slice::<Session>(bytes) {
            Ok(session) if session.version == SESSION_VERSION => Ok(session),
            Ok(session) => Err(format!("session version {}", session.version)),
            Err(e) => Err(format!("corrupt session: {e}")),
        }
    }

    /// When it stops being valid: what STS said, capped at the longest session it grants.
    pub fn expires_at(&self) -> i64 {
        self.expires_at
            .min(self.fetched_at.saturating_add(MAX_LIFETIME_SECS))
    }

    /// True while it may still be used: until [`MARGIN_SECS`] before it expires.
    pub fn is_usable(&self, now: OffsetDateTime) -> bool {
        now.unix_timestamp() < self.expires_at().saturating_sub(MARGIN_SECS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(fetched_at: i64, expires_at: i64) -> Session {
        Session {
            version: SESSION_VERSION,
            key: "k".into(),
            access_key_id: "ASIA".into(),
            secret_access_key: Secret::new("secret"),
            session_token: Secret::new("token"),
            fetched_at,
            expires_at,
        }
    }

    fn at(secs: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(secs).unwrap()
    }

    #[test]
    fn an_hour_session_is_used_until_five_minutes_before_its_end() {
        let s = session(0, 3600);
        assert!(s.is_usable(at(0)));
        assert!(s.is_usable(at(3600 - MARGIN_SECS - 1)));
        assert!(!s.is_usable(at(3600 - MARGIN_SECS)));
        assert!(!s.is_usable(at(7200)));
    }

    #[test]
    fn a_claimed_lifetime_beyond_twelve_hours_is_capped() {
        let s = session(0, 300 * 365 * 24 * 3600);
        assert_eq!(s.expires_at(), 12 * 3600);
        assert!(!s.is_usable(at(12 * 3600)));
        assert_eq!(session(i64::MAX - 1, i64::MAX).expires_at(), i64::MAX);
    }

    #[test]
    fn other_versions_and_garbage_are_misses_and_debug_hides_the_secrets() {
        let s = session(0, 3600);
        let json = serde_json::to_vec(&s).unwrap();
        assert_eq!(Session::from_json(&json).unwrap(), s);
        let mut other = s.clone();
        other.version = 2;
        let json = serde_json::to_vec(&other).unwrap();
        assert!(Session::from_json(&json).is_err());
        assert!(Session::from_json(b"{").is_err());
        let debug = format!("{s:?}");
        assert!(
            !debug.contains("\"secret\"") && !debug.contains("\"token\""),
            "{debug}"
        );
        assert!(debug.contains("REDACTED"), "{debug}");
    }
}
