//! ECR authorization tokens.
//!
//! `GetAuthorizationToken` answers `base64("AWS:<password>")` plus an expiry. A reply that is
//! missing a piece or does not decode is a reason string here, never a panic; the reason never
//! quotes the token.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use time::OffsetDateTime;

use crate::secret::Secret;

/// ECR's longest token lifetime. No token is trusted for longer, whatever its reply claims.
pub const MAX_LIFETIME: time::Duration = time::Duration::hours(12);

/// Decoded credentials for one registry, valid until `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub username: String,
    pub password: Secret,
    pub expires_at: OffsetDateTime,
}

impl Token {
    /// Decodes the API's `authorizationToken` and `expiresAt` (seconds since the epoch).
    pub fn decode(
        authorization_token: Option<&str>,
        expires_at: Option<(i64, u32)>,
    ) -> Result<Token, String> {
        let encoded = authorization_token
            .filter(|t| !t.is_empty())
            .ok_or("the reply has no authorizationToken")?;
        let (secs, nanos) = expires_at.ok_or("the reply has no expiresAt")?;
        let expires_at = OffsetDateTime::from_unix_timestamp(secs)
            .ok()
            .and_then(|t| t.checked_add(time::Duration::nanoseconds(i64::from(nanos))))
            .ok_or_else(|| format!("expiresAt {secs} is out of range"))?;
        let decoded = STANDARD
            .decode(encoded.trim())
            .map_err(|_| "authorizationToken is not valid base64".to_owned())?;
        let decoded = String::from_utf8(decoded)
            .map_err(|_| "authorizationToken does not decode to text".to_owned())?;
        let (username, password) = decoded
            .split_once(':')
            .ok_or("authorizationToken has no user:password separator")?;
        if username.is_empty() || password.is_empty() {
            return Err("authorizationToken has an empty user name or password".to_owned());
        }
        Ok(Token {
            username: username.to_owned(),
            password: Secret::new(password),
            expires_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        STANDARD.encode(s)
    }

    #[test]
    fn splits_on_the_first_colon() {
        let t = Token::decode(Some(&b64("AWS:pa:ss")), Some((1_900_000_000, 500))).unwrap();
        assert_eq!(t.username, "AWS");
        assert_eq!(t.password.expose(), "pa:ss");
        assert_eq!(t.expires_at.unix_timestamp(), 1_900_000_000);
    }

    proptest::proptest! {
        #[test]
        fn decoding_never_panics(token in ".{0,200}", secs in proptest::num::i64::ANY, nanos in 0u32..2_000_000_000) {
            let _ = Token::decode(Some(&token), Some((secs, nanos)));
            let _ = Token::decode(Some(&STANDARD.encode(&token)), Some((secs, nanos)));
        }
    }

    #[test]
    fn bad_payloads_are_reasons_not_panics() {
        let exp = Some((1_900_000_000, 0));
        let cases = [
            (None, exp, "the reply has no authorizationToken"),
            (
                Some(String::new()),
                exp,
                "the reply has no authorizationToken",
            ),
            (Some(b64("AWS:x")), None, "the reply has no expiresAt"),
            (
                Some("%%%not base64".into()),
                exp,
                "authorizationToken is not valid base64",
            ),
            (
                Some(b64("AWSpassword")),
                exp,
                "authorizationToken has no user:password separator",
            ),
            (
                Some(b64("AWS:")),
                exp,
                "authorizationToken has an empty user name or password",
            ),
            (
                Some(STANDARD.encode([0xff, b':', 0xfe])),
                exp,
                "authorizationToken does not decode to text",
            ),
            (
                Some(b64("AWS:x")),
                Some((i64::MAX, 0)),
                "expiresAt 9223372036854775807 is out of range",
            ),
        ];
        for (token, expiry, reason) in cases {
            assert_eq!(Token::decode(token.as_deref(), expiry).unwrap_err(), reason);
        }
    }
}
