//! The role sessions the AWS CLI keeps in `~/.aws/cli/cache`, reused rather than asking for
//! another MFA code.
//!
//! The CLI (botocore's `AssumeRoleCredentialFetcher` and `JSONFileCache`) names each file
//! after the SHA-1 of the JSON of its `AssumeRole` arguments but the code (`RoleArn`, and
//! `ExternalId`, `RoleSessionName`, `SerialNumber` and `DurationSeconds` when the profile sets
//! them), as Python's `json.dumps(args, sort_keys=True)` writes it, and stores STS's reply in
//! it: `{"Credentials": {"AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}}`.
//! A file is read only if it is a regular file of bounded size; one that is expired, about to
//! be, claims more than any session lasts, or cannot be read is not there.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::chain::Hop;
use crate::core::cache::{MAX_LIFETIME_SECS, SESSION_VERSION, Session};
use crate::log::debug;
use crate::secret::Secret;

/// A reply of STS is a few kilobytes.
const MAX_BYTES: u64 = 64 * 1024;

/// The session of `hop` the AWS CLI cached under `home`, if it is still usable at `now`.
pub fn session(home: &Path, hop: &Hop, now: OffsetDateTime) -> Option<Session> {
    let path = path(home, hop);
    let bytes = match crate::file::read_regular(&path, MAX_BYTES) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => {
            debug!("not using {}: {e}", path.display());
            return None;
        }
    };
    let session = parse(&bytes, now)
        .inspect_err(|why| debug!("not using {}: {why}", path.display()))
        .ok()?;
    session.is_usable(now).then_some(session)
}

/// The file the AWS CLI keeps the session of `hop` in.
fn path(home: &Path, hop: &Hop) -> PathBuf {
    use sha1::Digest;
    let key = hex::encode(sha1::Sha1::digest(arguments_json(hop).as_bytes()));
    home.join(".aws")
        .join("cli")
        .join("cache")
        .join(format!("{key}.json"))
}

/// `json.dumps(arguments, sort_keys=True)`: keys in order, `", "` and `": "` between items,
/// strings escaped to ASCII.
fn arguments_json(hop: &Hop) -> String {
    let mut fields: Vec<(&str, String)> = vec![("RoleArn", python_string(&hop.role_arn))];
    if let Some(seconds) = hop.duration_seconds {
        fields.push(("DurationSeconds", seconds.to_string()));
    }
    for (key, value) in [
        ("ExternalId", &hop.external_id),
        ("RoleSessionName", &hop.session_name),
        ("SerialNumber", &hop.mfa_serial),
    ] {
        if let Some(value) = value {
            fields.push((key, python_string(value)));
        }
    }
    fields.sort();
    let items: Vec<String> = fields
        .into_iter()
        .map(|(key, value)| format!("\"{key}\": {value}"))
        .collect();
    format!("{{{}}}", items.join(", "))
}

/// A JSON string as Python's `json` module writes it with `ensure_ascii` (its default).
fn python_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
    out
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Reply {
    credentials: Credentials,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Credentials {
    access_key_id: String,
    secret_access_key: Secret,
    session_token: Secret,
    expiration: String,
}

/// A cached reply as a session, fetched `now` as far as we know.
fn parse(bytes: &[u8], now: OffsetDateTime) -> Result<Session, String> {
    let reply: Reply = serde_json::from_slice(bytes).map_err(|e| format!("not a reply: {e}"))?;
    let credentials = reply.credentials;
    let expires_at = expiration(&credentials.expiration)
        .ok_or_else(|| format!("unreadable Expiration {:?}", credentials.expiration))?
        .unix_timestamp();
    if expires_at > now.unix_timestamp().saturating_add(MAX_LIFETIME_SECS) {
        return Err("it expires later than any session can".into());
    }
    Ok(Session {
        version: SESSION_VERSION,
        key: String::new(),
        access_key_id: credentials.access_key_id,
        secret_access_key: credentials.secret_access_key,
        session_token: credentials.session_token,
        // Not known; what counts is when it expires.
        fetched_at: now.unix_timestamp(),
        expires_at,
    })
}

/// `Expiration` as botocore writes it (`strftime('%Y-%m-%dT%H:%M:%S%Z')`:
/// `2026-05-04T12:00:00UTC`) or as RFC 3339 (`...Z`, `...+00:00`).
fn expiration(text: &str) -> Option<OffsetDateTime> {
    let text = text.trim();
    match text.strip_suffix("UTC") {
        Some(utc) => OffsetDateTime::parse(&format!("{utc}Z"), &Rfc3339).ok(),
        None => OffsetDateTime::parse(text, &Rfc3339).ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hop() -> Hop {
        Hop {
            profile: "prod".into(),
            role_arn: "arn:aws:iam::123456789012:role/admin".into(),
            mfa_serial: Some("arn:aws:iam::123456789012:mfa/alice".into()),
            external_id: None,
            session_name: None,
            duration_seconds: None,
        }
    }

    /// The names Python gives: `hashlib.sha1(json.dumps(args, sort_keys=True).encode())`.
    #[test]
    fn file_names_are_the_aws_clis() {
        let home = Path::new("/home/u");
        let dir = home.join(".aws/cli/cache");
        let mut hop = hop();
        assert_eq!(
            path(home, &hop),
            dir.join("c08bbcd61d2960e17757c33319b79219a44dea4e.json")
        );
        hop.mfa_serial = None;
        assert_eq!(
            path(home, &hop),
            dir.join("85df843ebbf3964c64e26d66d796d302b1a7a5ff.json")
        );
        hop.mfa_serial = Some("arn:aws:iam::123456789012:mfa/alice".into());
        hop.session_name = Some("alice".into());
        hop.external_id = Some("ex\"t\u{e9}\u{1f600}\n".into());
        hop.duration_seconds = Some(7200);
        assert_eq!(
            arguments_json(&hop),
            r#"{"DurationSeconds": 7200, "ExternalId": "ex\"t\u00e9\ud83d\ude00\n", "RoleArn": "arn:aws:iam::123456789012:role/admin", "RoleSessionName": "alice", "SerialNumber": "arn:aws:iam::123456789012:mfa/alice"}"#
        );
        assert_eq!(
            path(home, &hop),
            dir.join("b8306553ad2cd92afcda50189e4f7eb5560ad610.json")
        );
    }

    fn reply(expiration: &str) -> Vec<u8> {
        serde_json::json!({
            "Credentials": {
                "AccessKeyId": "ASIACLI", "SecretAccessKey": "cli-secret",
                "SessionToken": "cli-token", "Expiration": expiration,
            },
            "AssumedRoleUser": {"Arn": "arn:aws:sts::1:assumed-role/admin/s"},
            "ResponseMetadata": {"HTTPStatusCode": 200},
        })
        .to_string()
        .into_bytes()
    }

    #[test]
    fn replies_are_read_in_every_form_botocore_writes() {
        // Eight hours before 2027-01-15T08:00:00Z.
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000 - 8 * 3600).unwrap();
        for text in [
            "2027-01-15T08:00:00UTC",
            "2027-01-15T08:00:00Z",
            "2027-01-15T08:00:00+00:00",
            "2027-01-15T09:00:00+01:00",
        ] {
            let session = parse(&reply(text), now).unwrap();
            assert_eq!(session.expires_at, 1_800_000_000, "{text}");
            assert_eq!(session.access_key_id, "ASIACLI");
            assert_eq!(session.session_token.expose(), "cli-token");
        }
        for bad in [
            &b"{}"[..],
            b"[]",
            b"{\"Credentials\": {}}",
            &reply("tomorrow"),
        ] {
            assert!(parse(bad, now).is_err());
        }
    }

    #[test]
    fn only_a_usable_regular_file_is_a_session() {
        let home = tempfile::tempdir().unwrap();
        let hop = hop();
        let file = path(home.path(), &hop);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        let now = OffsetDateTime::now_utc();
        let stamp = |secs: i64| {
            (now + time::Duration::seconds(secs))
                .format(&Rfc3339)
                .unwrap()
        };
        assert!(session(home.path(), &hop, now).is_none(), "no file");
        std::fs::write(&file, reply(&stamp(3000))).unwrap();
        assert!(session(home.path(), &hop, now).is_some());
        std::fs::write(&file, reply(&stamp(60))).unwrap();
        assert!(session(home.path(), &hop, now).is_none(), "about to expire");
        std::fs::write(&file, reply(&stamp(-60))).unwrap();
        assert!(session(home.path(), &hop, now).is_none(), "expired");
        std::fs::write(&file, reply(&stamp(100 * 24 * 3600))).unwrap();
        assert!(
            session(home.path(), &hop, now).is_none(),
            "longer than any session"
        );
        std::fs::write(&file, b"{\"Credentials\": ").unwrap();
        assert!(session(home.path(), &hop, now).is_none(), "truncated");
        std::fs::write(&file, vec![b' '; MAX_BYTES as usize + 1]).unwrap();
        assert!(session(home.path(), &hop, now).is_none(), "too large");
        #[cfg(unix)]
        {
            std::fs::remove_file(&file).unwrap();
            crate::test_support::mkfifo(&file);
            assert!(
                session(home.path(), &hop, now).is_none(),
                "a FIFO, not a hang"
            );
        }
    }
}
