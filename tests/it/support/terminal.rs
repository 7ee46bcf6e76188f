//! What the MFA tests need: STS's `AssumeRole` for roles whose trust policy may ask for an MFA
//! code, and the binary run with a terminal (a pty from util-linux's `script`) or without any
//! (util-linux's `setsid`), on Linux.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use wiremock::matchers::method;
use wiremock::{Mock, Request, ResponseTemplate};

use super::{EcrMock, Run, Sandbox, header_of, helper_binary, unix_now};

/// A role the `AssumeRole` stand-in knows.
#[derive(Debug, Clone, Copy)]
pub struct Role {
    pub arn: &'static str,
    /// The access key the caller must sign with (its trust policy, in short).
    pub caller: &'static str,
    /// The MFA device and the one code it takes now, when the trust policy asks for MFA.
    pub mfa: Option<(&'static str, &'static str)>,
    /// The access key of the session it gives; its secret and token are made from it.
    pub session: &'static str,
}

/// The secret and session token of the session whose access key is `access_key`.
pub fn session_secrets(access_key: &str) -> (String, String) {
    (
        format!("{access_key}-secret-secret"),
        format!("{access_key}-session-token"),
    )
}

impl EcrMock {
    /// Plays STS's `AssumeRole` for `roles`, as STS answers: a session for an allowed caller
    /// with the right code, else `AccessDenied`.
    pub fn assume_role(&self, roles: &[Role]) -> &Self {
        let roles = roles.to_vec();
        self.runtime.block_on(
            Mock::given(method("POST"))
                .and(|request: &Request| {
                    form(request).get("Action").map(String::as_str) == Some("AssumeRole")
                })
                .respond_with(move |request: &Request| assume_role_reply(&roles, request))
                .mount(&self.server),
        );
        self
    }

    /// The `AssumeRole` requests received, each as its form.
    pub fn assume_role_requests(&self) -> Vec<(BTreeMap<String, String>, String)> {
        self.requests()
            .iter()
            .map(|request| (form(request), caller(request)))
            .filter(|(form, _)| form.get("Action").map(String::as_str) == Some("AssumeRole"))
            .collect()
    }
}

fn assume_role_reply(roles: &[Role], request: &Request) -> ResponseTemplate {
    let form = form(request);
    let field = |name: &str| form.get(name).map(String::as_str);
    let Some(role) = roles.iter().find(|role| Some(role.arn) == field("RoleArn")) else {
        return sts_error("AccessDenied", "no such role");
    };
    let caller = caller(request);
    if caller != role.caller {
        return sts_error(
            "AccessDenied",
            &format!(
                "User: {caller} is not authorized to perform: sts:AssumeRole on resource: {}",
                role.arn
            ),
        );
    }
    if let Some((serial, code)) = role.mfa {
        match (field("SerialNumber"), field("TokenCode")) {
            (Some(s), Some(c)) if s == serial && c == code => {}
            (Some(_), Some(_)) => {
                return sts_error(
                    "AccessDenied",
                    "MultiFactorAuthentication failed with invalid MFA one time pass code. ",
                );
            }
            _ => {
                return sts_error(
                    "AccessDenied",
                    &format!(
                        "User: {caller} is not authorized to perform: sts:AssumeRole on resource: {}",
                        role.arn
                    ),
                );
            }
        }
    }
    let (secret, token) = session_secrets(role.session);
    let expiration = time::OffsetDateTime::from_unix_timestamp(unix_now() + 3600)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    ResponseTemplate::new(200)
        .insert_header("content-type", "text/xml")
        .set_body_string(format!(
            r#"<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <Credentials>
      <AccessKeyId>{}</AccessKeyId>
      <SecretAccessKey>{secret}</SecretAccessKey>
      <SessionToken>{token}</SessionToken>
      <Expiration>{expiration}</Expiration>
    </Credentials>
    <AssumedRoleUser>
      <Arn>{}/session</Arn>
      <AssumedRoleId>AROAEXAMPLE:session</AssumedRoleId>
    </AssumedRoleUser>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>
</AssumeRoleResponse>"#,
            role.session,
            role.arn
                .replace(":iam::", ":sts::")
                .replace(":role/", ":assumed-role/"),
        ))
}

/// An STS (query protocol) error reply.
fn sts_error(code: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(403)
        .insert_header("content-type", "text/xml")
        .set_body_string(format!(
            r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>
  <RequestId>1</RequestId>
</ErrorResponse>"#
        ))
}

/// The access key a request is signed with (`Credential=<key>/...`).
pub fn caller(request: &Request) -> String {
    let auth = header_of(request, "authorization");
    auth.split("Credential=")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_default()
        .to_owned()
}

/// A form-encoded body's fields.
pub fn form(request: &Request) -> BTreeMap<String, String> {
    String::from_utf8_lossy(&request.body)
        .split('&')
        .filter_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            Some((unescape(key), unescape(value)))
        })
        .collect()
}

fn unescape(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let escaped = || {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            u8::from_str_radix(hex, 16).ok()
        };
        match (bytes[i], escaped()) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 2;
            }
            (b'+', _) => out.push(b' '),
            (byte, _) => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A run of the binary on a terminal: its stdout and stderr, and what the terminal showed (the
/// questions, and what was typed, echoed).
#[derive(Debug)]
pub struct TerminalRun {
    pub run: Run,
    pub terminal: String,
}

impl Sandbox {
    /// Runs the binary with `args` in the foreground of a terminal of its own, a pty (util-linux's
    /// `script`), with `stdin` on its stdin, as a client writes it, while `typed` is typed on
    /// the terminal (end of input after it).
    pub fn run_on_terminal(&self, args: &[&str], stdin: &str, typed: &str) -> TerminalRun {
        self.run_on_terminal_when(args, stdin, typed, None)
    }

    /// [`Sandbox::run_on_terminal`], with `typed` typed only once the terminal shows `shown`
    /// and then `later` has passed since the start: a person who takes their time.
    pub fn run_on_terminal_when(
        &self,
        args: &[&str],
        stdin: &str,
        typed: &str,
        after: Option<(&str, Duration)>,
    ) -> TerminalRun {
        let mut terminal = self.spawn_on_terminal(args, stdin);
        if let Some((question, later)) = after {
            terminal.wait_until_shown(question);
            std::thread::sleep(later.saturating_sub(terminal.started.elapsed()));
        }
        terminal.type_and_close(typed);
        terminal.finish()
    }

    /// Starts the binary as [`Sandbox::run_on_terminal`] does, with nothing typed yet.
    pub fn spawn_on_terminal(&self, args: &[&str], stdin: &str) -> OnTerminal {
        use std::io::Read;
        use std::process::Stdio;
        let files = tempfile::tempdir().unwrap();
        let path = |name: &str| files.path().join(name);
        std::fs::write(path("stdin"), stdin).unwrap();
        let mut words = program_words();
        words.extend(args.iter().map(|a| (*a).to_owned()));
        let command = format!(
            "{} <{} >{} 2>{}",
            words.iter().map(|w| quote(w)).collect::<Vec<_>>().join(" "),
            quote_path(&path("stdin")),
            quote_path(&path("stdout")),
            quote_path(&path("stderr")),
        );
        let mut script = std::process::Command::new("script");
        script.args(["-qec", &command, "/dev/null"]);
        let started = std::time::Instant::now();
        let mut child = self
            .prepare(script, &[])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("script runs");
        let shown = Arc::new(Mutex::new(Vec::new()));
        let reader = {
            let shown = shown.clone();
            let mut stdout = child.stdout.take().unwrap();
            std::thread::spawn(move || {
                let mut buffer = [0u8; 4096];
                while let Ok(n @ 1..) = stdout.read(&mut buffer) {
                    shown.lock().unwrap().extend_from_slice(&buffer[..n]);
                }
            })
        };
        OnTerminal {
            stdin: child.stdin.take(),
            child,
            reader,
            shown,
            files,
            started,
        }
    }

    /// Runs the binary with `args` and `stdin` in a session of its own without a controlling
    /// terminal (util-linux's `setsid`), as dockerd, a CI runner or the kubelet runs it.
    pub fn run_without_terminal(&self, args: &[&str], stdin: &str) -> Run {
        let mut setsid = std::process::Command::new("setsid");
        setsid.arg("--wait").args(program_words());
        super::run_command(self.prepare(setsid, args), stdin.as_bytes().to_vec())
    }
}

/// The binary under test as words of a command line, with its runner when one is set.
#[allow(
    clippy::disallowed_methods,
    reason = "the test's own switches, not the binary's environment"
)]
fn program_words() -> Vec<String> {
    let mut words = Vec::new();
    if let Some(runner) = std::env::var_os("ECR_LOGIN_RUNNER").filter(|r| !r.is_empty()) {
        words.push(runner.to_string_lossy().into_owned());
    }
    words.push(helper_binary().display().to_string());
    words
}

fn quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

fn quote_path(path: &Path) -> String {
    quote(&path.display().to_string())
}

/// The binary running on a terminal of its own ([`Sandbox::spawn_on_terminal`]).
pub struct OnTerminal {
    child: std::process::Child,
    stdin: Option<std::process::ChildStdin>,
    reader: std::thread::JoinHandle<()>,
    shown: Arc<Mutex<Vec<u8>>>,
    files: tempfile::TempDir,
    started: std::time::Instant,
}

impl OnTerminal {
    /// What the terminal has shown so far.
    pub fn shown(&self) -> String {
        String::from_utf8_lossy(&self.shown.lock().unwrap()).into_owned()
    }

    /// Its stderr so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.files.path().join("stderr")).unwrap_or_default()
    }

    /// Waits (a minute at most) until the terminal shows `text`.
    pub fn wait_until_shown(&self, text: &str) {
        assert!(
            super::wait_for(Duration::from_secs(60), || self.shown().contains(text)),
            "never shown {text:?}: {}",
            self.shown()
        );
    }

    /// Types `typed` on the terminal, then ends its input.
    pub fn type_and_close(&mut self, typed: &str) {
        use std::io::Write;
        let mut stdin = self.stdin.take().expect("typed once");
        stdin.write_all(typed.as_bytes()).unwrap();
    }

    /// Waits for the end (a minute at most, then it is killed) and collects the run.
    pub fn finish(mut self) -> TerminalRun {
        drop(self.stdin.take());
        let child = &mut self.child;
        if !super::wait_for(Duration::from_secs(60), || {
            child.try_wait().unwrap().is_some()
        }) {
            let _ = child.kill();
        }
        let status = child.wait().unwrap();
        self.reader.join().unwrap();
        let read =
            |name: &str| std::fs::read_to_string(self.files.path().join(name)).unwrap_or_default();
        let terminal = String::from_utf8_lossy(&self.shown.lock().unwrap()).into_owned();
        TerminalRun {
            run: Run {
                code: status.code().unwrap_or(-1),
                stdout: read("stdout"),
                stderr: read("stderr"),
                elapsed: self.started.elapsed(),
            },
            terminal,
        }
    }
}

/// Bounds "at once": the process start-up allowance and then some, far below a hang.
pub const AT_ONCE: Duration = Duration::from_secs(5);
