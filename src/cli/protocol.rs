//! The Docker credential-helper protocol: one verb as the argument, input on stdin, answer on
//! stdout, errors as one line on stdout with exit code 1.
//!
//! Everything about the wire lives here: reading stdin as the reference helpers read it, the
//! reply shapes, which failures are "not found" (the exact line clients compare), the
//! unknown-verb line. The core below never sees the wire; it answers with tokens and
//! [`Error`]s. The shapes are what docker, containers/image (skopeo, podman, buildah), helm and
//! oras parse, so they are tested against exact strings. `get` also answers Bazel's request,
//! in Bazel's format (see [`super::bazel`]).

use std::io::Read;

use serde::{Deserialize, Serialize};

use super::bazel;
use crate::core::auth;
use crate::docker::config::listed;
use crate::docker::fallback;
use crate::env::Env;
use crate::error::{Error, Meaning};
use crate::escape::escape_controls;
use crate::log::{debug, warn};
use crate::settings::Settings;

/// The verbs of the protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Get,
    Store,
    Erase,
    List,
    Version,
}

impl Verb {
    /// The verb named `name`, if it is one.
    pub fn named(name: &str) -> Option<Verb> {
        Some(match name {
            "get" => Verb::Get,
            "store" => Verb::Store,
            "erase" => Verb::Erase,
            "list" => Verb::List,
            "version" => Verb::Version,
            _ => return None,
        })
    }
}

/// One verb's whole exchange: what goes to stdout, what also goes to stderr, and the exit
/// code. Bytes, not text: the fallback helper's answer is handed on exactly as it gave it.
#[derive(Debug, PartialEq, Eq)]
pub struct Exchange {
    pub stdout: Vec<u8>,
    pub stderr: Option<Vec<u8>>,
    pub code: u8,
    /// The fallback helper's answer: even a failing one may hold a password (a helper that
    /// prints the secret and then fails), so it is handed on but never logged.
    pub passed: bool,
}

/// What a verb answers: a reply of ours, or the fallback helper's, untouched.
enum Answer {
    Ours(String),
    Passed(fallback::Output),
}

impl Exchange {
    fn answer(result: Result<Answer, Error>) -> Exchange {
        match result {
            Ok(Answer::Ours(stdout)) => Exchange {
                stdout: stdout.into_bytes(),
                stderr: None,
                code: 0,
                passed: false,
            },
            Ok(Answer::Passed(output)) => Exchange {
                stdout: output.stdout,
                stderr: Some(output.stderr).filter(|e| !e.is_empty()),
                code: output.code,
                passed: true,
            },
            Err(e) => Exchange {
                stdout: format!("{}\n", escape_controls(&e.to_string())).into_bytes(),
                stderr: None,
                code: 1,
                passed: false,
            },
        }
    }
}

/// Runs `verb` on `stdin`; `helper` is the name docker knows this program by (see
/// [`listed::helper_name`]).
pub fn exchange(verb: Verb, stdin: impl Read, env: &Env, helper: &str) -> Exchange {
    let input = || read_bytes(stdin);
    match verb {
        Verb::Get => {
            let result = match input() {
                // Bazel's request is a JSON object; a server URL never starts with `{`. Only
                // the bytes already read are looked at: a docker `get` pays nothing for this.
                Ok(input) if bazel::is_request(&input) => {
                    bazel::answer(&input, env).map(Answer::Ours)
                }
                Ok(input) => get(&input, env),
                Err(e) => Err(e),
            };
            // Some clients (the docker CLI) drop a helper's error and carry on anonymously,
            // but pass its stderr through: the cause must reach the user there too.
            let echo = matches!(&result, Err(e) if e.meaning() == Meaning::Failure);
            let mut exchange = Exchange::answer(result);
            if echo {
                exchange.stderr = Some(exchange.stdout.clone());
            }
            exchange
        }
        Verb::Store => Exchange::answer(input().and_then(|input| store(&input, env))),
        Verb::Erase => Exchange::answer(input().and_then(|input| erase(&input, env))),
        // `list` reads no input, as the reference helpers: a person typing it at a terminal
        // must not have to press Ctrl-D.
        Verb::List => Exchange::answer(Ok(Answer::Ours(list(env, helper)))),
        Verb::Version => Exchange::answer(Ok(Answer::Ours(format!(
            "{} {}\n",
            crate::NAME,
            env!("CARGO_PKG_VERSION")
        )))),
    }
}

/// The answer to a verb we do not know, which clients print as is.
pub fn unknown_action(verb: &str) -> Exchange {
    Exchange {
        stdout: format!(
            "{}: unknown action: {}\n",
            crate::NAME,
            escape_controls(verb)
        )
        .into_bytes(),
        stderr: None,
        code: 1,
        passed: false,
    }
}

fn get(input: &[u8], env: &Env) -> Result<Answer, Error> {
    let server = server_url(&String::from_utf8_lossy(input))?;
    let settings = Settings::load(env)?;
    let Some(target) = settings.config.target(&server) else {
        return pass_on(&settings, "get", input, env, || Err(Error::NotFound));
    };
    let token = auth::for_target(&target, env, &settings).map_err(|e| {
        // Anonymous pulls from public.ecr.aws must keep working without AWS credentials.
        if target.registry.is_public() && e.is_no_credentials() {
            Error::NotFound
        } else {
            e
        }
    })?;
    Ok(Answer::Ours(
        GetReply {
            server_url: &server,
            username: &token.username,
            secret: token.password.expose(),
        }
        .to_line(),
    ))
}

/// `store` keeps nothing of ours: ECR passwords come from AWS, so for an ECR host (or alias)
/// there is nothing to keep and `docker login` may succeed. Any other host goes to the
/// fallback helper; without one, saying "stored" would throw the user's credentials away
/// behind their back, unless the user asked for exactly that
/// (`AWS_ECR_IGNORE_CREDS_STORAGE=true`, which CI scripts written for the Go helper set).
fn store(input: &[u8], env: &Env) -> Result<Answer, Error> {
    let server = check_store(&String::from_utf8_lossy(input))?;
    let settings = Settings::load(env)?;
    if settings.config.target(&server).is_some() {
        return Ok(Answer::Ours(String::new()));
    }
    pass_on(&settings, "store", input, env, || {
        let host = crate::core::registry::host_and_port(&server).to_ascii_lowercase();
        if settings.ignore_creds_storage {
            Ok(ignored("store", &host))
        } else {
            Err(Error::NotStored { host })
        }
    })
}

fn erase(input: &[u8], env: &Env) -> Result<Answer, Error> {
    let server = server_url(&String::from_utf8_lossy(input))?;
    let settings = Settings::load(env)?;
    let Some(target) = settings.config.target(&server) else {
        return pass_on(&settings, "erase", input, env, || {
            if settings.ignore_creds_storage {
                let host = crate::core::registry::host_and_port(&server).to_ascii_lowercase();
                Ok(ignored("erase", &host))
            } else {
                Err(Error::NotFound)
            }
        });
    };
    auth::erase(&target, env, &settings);
    Ok(Answer::Ours(String::new()))
}

/// Success for a `store` or `erase` we keep nothing for, because
/// `AWS_ECR_IGNORE_CREDS_STORAGE=true` asks for it, as the Go helper answers them.
fn ignored(verb: &str, host: &str) -> Answer {
    debug!(
        "{verb} for {}: nothing kept (AWS_ECR_IGNORE_CREDS_STORAGE=true)",
        escape_controls(host)
    );
    Answer::Ours(String::new())
}

/// A host that is neither ECR nor an alias: the fallback helper's answer to the same verb and
/// the same input, byte for byte; without a fallback, `otherwise`.
fn pass_on(
    settings: &Settings,
    verb: &str,
    input: &[u8],
    env: &Env,
    otherwise: impl FnOnce() -> Result<Answer, Error>,
) -> Result<Answer, Error> {
    let Some(name) = &settings.config.fallback_helper else {
        return otherwise();
    };
    fallback::run(name, verb, input, env, settings).map(Answer::Passed)
}

/// `list` never fails and never touches the network: containers/image aborts a whole pull on
/// a failed `list`. It names every registry `get` would answer that it can know of without
/// asking AWS: those with a cached token, those of the config file (registries and aliases),
/// and those docker's config hands to us, which the classic builder `get`s before a build
/// (see [`listed`]). The fallback's registries are merged in; where both name a host, ours
/// wins, since `get` for that host is answered by us, never by the fallback.
fn list(env: &Env, helper: &str) -> String {
    let settings = Settings::load_or_defaults(env);
    let mut registries = fallback::list(env, &settings);
    let from_docker = listed::registries_for(helper, env).unwrap_or_else(|why| {
        warn!(
            "{}; listing the other registries only",
            escape_controls(&why)
        );
        Vec::new()
    });
    let known = from_docker
        .into_iter()
        .filter(|key| settings.config.target(key).is_some())
        .chain(settings.config.registry_keys().map(str::to_owned));
    registries.extend(known.map(|key| (key, ECR_USERNAME.to_owned())));
    registries.extend(auth::list(env, &settings));
    let mut json = serde_json::to_string(&registries).unwrap_or_else(|_| "{}".into());
    json.push('\n');
    json
}

/// The user name of every ECR token, for registries listed before any token is fetched.
const ECR_USERNAME: &str = "AWS";

/// Largest stdin we read. A server URL or a `store` payload is a few hundred bytes; anything
/// bigger is not a client talking to us.
pub const MAX_INPUT: u64 = 1 << 20;

/// Reads a verb's whole input, bounded by [`MAX_INPUT`]. Invalid UTF-8 is replaced, not fatal:
/// such input can only be "not ECR" or "bad JSON", both answered below.
pub fn read_input(reader: impl Read) -> Result<String, Error> {
    Ok(String::from_utf8_lossy(&read_bytes(reader)?).into_owned())
}

/// The input as it came, for the fallback helper, which gets it unchanged.
fn read_bytes(mut reader: impl Read) -> Result<Vec<u8>, Error> {
    let mut bytes = Vec::new();
    (&mut reader)
        .take(MAX_INPUT + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::BadInput(format!("cannot read standard input: {e}")))?;
    if bytes.len() as u64 > MAX_INPUT {
        return Err(Error::BadInput(format!(
            "standard input is larger than {MAX_INPUT} bytes"
        )));
    }
    Ok(bytes)
}

/// The server URL of `get`, `erase` and `store`'s payload check: every line of the input
/// joined without separators, then trimmed, exactly as the reference helpers read it. So
/// `host\nevil.com` is the one string `hostevil.com`, not ECR, as with the Go helper.
pub fn server_url(input: &str) -> Result<String, Error> {
    let joined: String = input.lines().collect();
    let url = joined.trim();
    if url.is_empty() {
        Err(Error::MissingServerUrl)
    } else {
        Ok(url.to_owned())
    }
}

/// `get`'s answer.
#[derive(Debug, Serialize)]
struct GetReply<'a> {
    #[serde(rename = "ServerURL")]
    pub server_url: &'a str,
    #[serde(rename = "Username")]
    pub username: &'a str,
    #[serde(rename = "Secret")]
    pub secret: &'a str,
}

impl GetReply<'_> {
    /// The reply line, newline included.
    fn to_line(&self) -> String {
        let mut line = serde_json::to_string(self).expect("strings always serialise");
        line.push('\n');
        line
    }
}

/// `store`'s input. The secret is read only to validate the shape; it is never kept.
#[derive(Debug, Deserialize)]
struct StoreRequest {
    #[serde(rename = "ServerURL", default)]
    server_url: String,
    #[serde(rename = "Username", default)]
    username: String,
}

/// Validates a `store` payload and returns its server URL. What may be stored for it is the
/// caller's decision.
pub fn check_store(input: &str) -> Result<String, Error> {
    let request: StoreRequest = serde_json::from_str(input.trim()).map_err(|e| {
        Error::BadInput(format!(
            "store: standard input is not a credentials JSON object: {e}"
        ))
    })?;
    if request.server_url.trim().is_empty() {
        return Err(Error::MissingServerUrl);
    }
    if request.username.trim().is_empty() {
        return Err(Error::MissingUsername);
    }
    Ok(request.server_url.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_lines_are_exact() {
        let env = Env::default();
        assert_eq!(
            exchange(Verb::Version, &b""[..], &env, "ecr-login").stdout,
            format!(
                "docker-credential-ecr-login {}\n",
                env!("CARGO_PKG_VERSION")
            )
            .into_bytes()
        );
        assert_eq!(
            unknown_action("frobnicate\n"),
            Exchange {
                stdout: b"docker-credential-ecr-login: unknown action: frobnicate\\n\n".to_vec(),
                stderr: None,
                code: 1,
                passed: false,
            }
        );
        let not_ecr = exchange(Verb::Get, &b"docker.io\n"[..], &env, "ecr-login");
        assert_eq!(
            (&not_ecr.stdout[..], not_ecr.stderr, not_ecr.code),
            (&b"credentials not found in native keychain\n"[..], None, 1)
        );
    }

    #[test]
    fn get_reply_is_exact() {
        let reply = GetReply {
            server_url: "https://123456789012.dkr.ecr.us-east-1.amazonaws.com",
            username: "AWS",
            secret: "pw\"x",
        };
        assert_eq!(
            reply.to_line(),
            "{\"ServerURL\":\"https://123456789012.dkr.ecr.us-east-1.amazonaws.com\",\"Username\":\"AWS\",\"Secret\":\"pw\\\"x\"}\n"
        );
    }

    #[test]
    fn server_url_is_every_line_joined_then_trimmed() {
        assert_eq!(server_url("  host:5000 \r\n").unwrap(), "host:5000");
        assert_eq!(server_url("host\nevil.com\n").unwrap(), "hostevil.com");
        assert_eq!(server_url(" \n x").unwrap(), "x");
        assert!(matches!(server_url(""), Err(Error::MissingServerUrl)));
        assert!(matches!(
            server_url(" \r\n \n"),
            Err(Error::MissingServerUrl)
        ));
    }

    #[test]
    fn store_is_validated() {
        assert_eq!(
            check_store(r#"{"ServerURL":" h ","Username":"AWS","Secret":"s"}"#).unwrap(),
            "h"
        );
        assert_eq!(
            check_store(r#"{"Username":"AWS"}"#)
                .unwrap_err()
                .to_string(),
            "no credentials server URL"
        );
        assert_eq!(
            check_store(r#"{"ServerURL":"h","Secret":"s"}"#)
                .unwrap_err()
                .to_string(),
            "no credentials username"
        );
        let err = check_store("not json").unwrap_err().to_string();
        assert!(
            err.starts_with("store: standard input is not a credentials JSON object"),
            "{err}"
        );
        assert!(!err.contains('\n'));
    }

    proptest::proptest! {
        #[test]
        fn protocol_input_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let input = read_input(&bytes[..]).unwrap();
            if let Ok(url) = server_url(&input) {
                proptest::prop_assert!(!url.is_empty() && !url.contains('\n'));
                proptest::prop_assert_eq!(url.as_str(), url.trim());
            }
            if let Err(e) = check_store(&input) {
                proptest::prop_assert!(!e.to_string().contains('\n'));
            }
        }
    }

    #[test]
    fn input_is_bounded() {
        let big = vec![b'a'; (MAX_INPUT + 1) as usize];
        assert!(read_input(&big[..]).is_err());
        assert_eq!(read_input(&b"ok\xff"[..]).unwrap(), "ok\u{fffd}");
    }
}
