//! Bazel's credential-helper protocol, spoken by `get` when its input is Bazel's request.
//!
//! Bazel (`--credential_helper`, the EngFlow credential-helper spec) runs the helper with the
//! single argument `get`, as docker does, but writes `{"uri":"https://<host>/<path>"}` on
//! stdin and reads `{"headers":{...},"expires":"<RFC 3339>"}` from stdout; a non-zero exit is
//! a failure whose stderr Bazel shows. A private ECR registry takes its token as HTTP basic
//! auth (`AWS:<password>`) on every request, and ECR Public takes the same base64 token as a
//! bearer token (basic auth is refused there), so the answer is that one header: how rules_oci's
//! `oci_pull` and Bazel's downloader reach an ECR registry without `docker login`.
//!
//! The two requests cannot be confused: a docker server URL never starts with `{`. A URI that
//! is not ECR (nor an alias) gets `{}`, "no credentials needed": a helper configured for a
//! wide scope (`*.amazonaws.com`, or no scope at all) must not break Bazel's other downloads,
//! such as the S3 URLs ECR redirects layer downloads to. Credentials go only to `https://`
//! URIs: Bazel would send the header over plain HTTP as readily.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::core::auth::{self, Served};
use crate::env::Env;
use crate::error::{Error, Meaning};
use crate::settings::Settings;

/// The answer that adds no header.
const NO_CREDENTIALS: &str = "{}\n";

/// True when `input`, as read for `get`, is Bazel's request rather than a server URL.
pub fn is_request(input: &[u8]) -> bool {
    input.trim_ascii_start().first() == Some(&b'{')
}

/// The reply to Bazel's request `input`, newline included.
pub fn answer(input: &[u8], env: &Env) -> Result<String, Error> {
    let uri = request_uri(input)?;
    let settings = Settings::load(env)?;
    let Some(target) = https(&uri).then(|| settings.config.target(&uri)).flatten() else {
        return Ok(NO_CREDENTIALS.to_owned());
    };
    match auth::for_target_as(&target, env, &settings, None) {
        Ok(served) => Ok(reply(&served, target.registry.is_public())),
        // Anonymous pulls from public.ecr.aws must keep working without AWS credentials.
        Err(e) if target.registry.is_public() && e.is_no_credentials() => {
            Ok(NO_CREDENTIALS.to_owned())
        }
        Err(e) if e.meaning() == Meaning::NotFound => Ok(NO_CREDENTIALS.to_owned()),
        Err(e) => Err(e),
    }
}

/// The request's `uri`. The input is not echoed: a line is all an error may take, and the
/// request is not ours to repeat.
pub fn request_uri(input: &[u8]) -> Result<String, Error> {
    let fail = |why: String| {
        Error::BadInput(format!(
            "get: standard input is not a Bazel credential request ({{\"uri\":\"https://...\"}}): {why}"
        ))
    };
    let request: Value =
        serde_json::from_slice(input).map_err(|e| fail(format!("not JSON: {e}")))?;
    let object = request
        .as_object()
        .ok_or_else(|| fail("not a JSON object".to_owned()))?;
    match object.get("uri") {
        Some(Value::String(uri)) => Ok(uri.clone()),
        Some(_) => Err(fail("\"uri\" is not a string".to_owned())),
        None => Err(fail("no \"uri\"".to_owned())),
    }
}

fn https(uri: &str) -> bool {
    uri.get(..8)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
}

/// `{"headers":{"Authorization":["Basic ..."]},"expires":"..."}` (`Bearer` for ECR Public).
///
/// `expires` is the token's refresh point, not its expiry: Bazel keeps a credential until
/// exactly `expires` and asks again only after it (it never refreshes early), so handing it
/// the expiry would let a build go on using a token with seconds left, which our refresh
/// window exists to prevent. At the refresh point Bazel asks us, and we refresh. A token
/// served stale (its refresh failed) is already past that point, so Bazel asks again at its
/// next request rather than keeping it.
fn reply(served: &Served, public: bool) -> String {
    let token = &served.token;
    let encoded = STANDARD.encode(format!("{}:{}", token.username, token.password.expose()));
    let scheme = if public { "Bearer" } else { "Basic" };
    let mut reply = json!({ "headers": { "Authorization": [format!("{scheme} {encoded}")] } });
    if let Some(expires) = rfc3339_seconds(served.refresh_at) {
        reply["expires"] = Value::String(expires);
    }
    let mut line = reply.to_string();
    line.push('\n');
    line
}

/// `at` in UTC, to the second, with a `Z`: the one form Bazel's parser takes
/// (`yyyy-MM-dd'T'HH:mm:ssXXX`; a fraction of a second fails its parse, and the credential
/// with it).
fn rfc3339_seconds(at: OffsetDateTime) -> Option<String> {
    at.to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .ok()?
        .format(&Rfc3339)
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::token::Token;
    use crate::secret::Secret;

    #[test]
    fn requests_are_told_from_server_urls_by_their_first_byte() {
        assert!(is_request(br#"{"uri":"https://h/"}"#));
        assert!(is_request(b" \n{"));
        for docker in [
            &b"123456789012.dkr.ecr.eu-west-1.amazonaws.com"[..],
            b"",
            b"  ",
            b"https://{",
        ] {
            assert!(!is_request(docker));
        }
    }

    #[test]
    fn the_reply_is_exact() {
        let at = |s| OffsetDateTime::from_unix_timestamp(s).unwrap();
        let served = Served {
            token: Token {
                username: "AWS".into(),
                password: Secret::new("pw"),
                expires_at: at(1_700_003_600),
            },
            refresh_at: at(1_700_000_000) + time::Duration::milliseconds(250),
        };
        assert_eq!(
            reply(&served, false),
            "{\"headers\":{\"Authorization\":[\"Basic QVdTOnB3\"]},\"expires\":\"2023-11-14T22:13:20Z\"}\n"
        );
        assert_eq!(
            reply(&served, true),
            "{\"headers\":{\"Authorization\":[\"Bearer QVdTOnB3\"]},\"expires\":\"2023-11-14T22:13:20Z\"}\n"
        );
    }

    #[test]
    fn bad_requests_are_one_line_that_does_not_repeat_them() {
        let secret = "s3cr3t-value";
        for input in [
            format!("{{\"uri\": \"{secret}"),
            format!("{{\"url\": \"{secret}\"}}"),
            "{\"uri\": 5}".to_owned(),
            format!("[\"{secret}\"]"),
        ] {
            // A JSON array does not start with `{`, but the parse is what is checked here.
            let err = request_uri(input.as_bytes()).unwrap_err().to_string();
            assert!(
                err.starts_with("get: standard input is not a Bazel credential request"),
                "{err}"
            );
            assert!(!err.contains('\n') && !err.contains(secret), "{err}");
        }
        assert_eq!(
            request_uri(br#"{"uri":"https://h/v2/","extra":1}"#).unwrap(),
            "https://h/v2/"
        );
    }

    #[test]
    fn only_https_uris_get_credentials() {
        assert!(https("https://h/") && https("HTTPS://h"));
        assert!(!https("http://h/") && !https("grpcs://h") && !https("h"));
    }
}
