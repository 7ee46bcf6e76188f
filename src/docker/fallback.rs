//! The fallback helper: the credential helper that keeps every registry that is not ECR.
//!
//! With `fallback_helper = "pass"` in the config file and `"credsStore": "ecr-login"` in
//! docker's, this helper is the only store docker knows: ECR hosts are ours, and `get`, `store`
//! and `erase` for any other host run `docker-credential-pass` with the same verb, hand it our
//! stdin unchanged and give back what it answers. `list` merges its list with ours.
//!
//! What runs is named only by the user's own config file, which checked the name when it was
//! read ([`crate::config`]), never by stdin or a host, and is found on PATH the way docker
//! finds helpers, minus relative PATH entries. It runs no longer than the command's deadline:
//! then it is killed (with its children on Linux, see [`crate::process`]) and the answer is a
//! one-line error. Its input and output are never logged: `store`'s input and `get`'s answer
//! hold a password.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use crate::env::Env;
use crate::error::Error;
use crate::log::{debug, warn};
use crate::settings::Settings;

/// Set in the fallback's environment. A fallback that turns out to be this helper again (a
/// renamed copy, a symlink) sees it and refuses instead of starting a chain of itself.
pub const NESTED_VAR: &str = "AWS_ECR_IN_FALLBACK";

/// Largest stdout or stderr taken from the fallback. A `get` answer is a few hundred bytes,
/// a `list` of many registries some kilobytes; more is a helper gone wrong.
pub const MAX_OUTPUT: u64 = 4 << 20;

/// What the fallback answered, to be handed on as it is.
pub struct Output {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// Its exit code; 1 when it has none that fits (killed by a signal, a Windows code above
    /// 255), so a failure stays a failure.
    pub code: u8,
}

/// By hand, not derived: a `get` answer holds the other registry's password.
impl std::fmt::Debug for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Output")
            .field(
                "stdout",
                &format_args!("{} bytes, REDACTED", self.stdout.len()),
            )
            .field("stderr", &format_args!("{} bytes", self.stderr.len()))
            .field("code", &self.code)
            .finish()
    }
}

/// The program a helper name stands for: `docker-credential-<name>` (`.exe` on Windows).
pub fn program(name: &str) -> String {
    format!("docker-credential-{name}{}", std::env::consts::EXE_SUFFIX)
}

/// Runs the configured fallback helper with `verb` and `stdin`, within the command's deadline.
pub fn run(
    name: &str,
    verb: &str,
    stdin: &[u8],
    env: &Env,
    settings: &Settings,
) -> Result<Output, Error> {
    let program = program(name);
    if env.get(NESTED_VAR).is_some() {
        return Err(Error::Fallback(format!(
            "fallback helper {program} was started by this helper's fallback already \
             ({NESTED_VAR} is set): it must not be this helper again"
        )));
    }
    let path = find(&program, env)?;
    debug!("{verb}: not ECR, asking {}", path.display());
    let mut child = Command::new(&path)
        .arg(verb)
        .env(NESTED_VAR, "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::Fallback(format!("cannot run {}: {e}", path.display())))?;
    let result = exchange(&mut child, stdin, settings.deadline);
    if result.is_err() {
        stop(&mut child);
    }
    result.map_err(|e| match e {
        Failure::TimedOut => Error::FallbackTimedOut {
            program,
            after: settings.timeout,
        },
        Failure::TooLarge => Error::Fallback(format!(
            "{program} answered more than {MAX_OUTPUT} bytes; stopped it"
        )),
        Failure::Io(e) => Error::Fallback(format!("talking to {program}: {e}")),
    })
}

/// The fallback's `list` (empty when there is none); a failing one is a warning, never an
/// error: `list` must not fail.
pub fn list(env: &Env, settings: &Settings) -> BTreeMap<String, String> {
    let Some(name) = &settings.config.fallback_helper else {
        return BTreeMap::new();
    };
    list_of(name, env, settings).unwrap_or_else(|why| {
        warn!("{why}; listing the ECR registries only");
        BTreeMap::new()
    })
}

fn list_of(name: &str, env: &Env, settings: &Settings) -> Result<BTreeMap<String, String>, String> {
    let program = program(name);
    // What the docker client sends; the reference helpers read no input for `list`.
    let output = run(name, "list", b"unused", env, settings).map_err(|e| {
        let message = e.to_string();
        message
            .strip_prefix("ecr-login: ")
            .unwrap_or(&message)
            .to_owned()
    })?;
    if output.code != 0 {
        let said = crate::escape::one_line(&String::from_utf8_lossy(&output.stdout));
        return Err(format!(
            "{program} list failed (exit code {}): {said}",
            output.code
        ));
    }
    serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("{program} list did not answer a JSON object of strings: {e}"))
}

/// `program` in the absolute directories of PATH (see [`crate::process::find_program`]).
fn find(program: &str, env: &Env) -> Result<PathBuf, Error> {
    crate::process::find_program(program, env).ok_or_else(|| Error::FallbackMissing {
        program: program.to_owned(),
        path: env.search_path().unwrap_or_default().to_owned(),
    })
}

#[derive(Debug)]
enum Failure {
    TimedOut,
    TooLarge,
    Io(std::io::Error),
}

/// How long the pipes may stay open once the helper has exited. What it wrote before exiting
/// is already in the pipe; a program it started (an agent) may hold the pipe for hours.
const DRAIN: Duration = Duration::from_millis(200);

/// How often we look whether the helper has exited: often once its pipes are closed (the exit
/// is a moment away), less often while they are open (it is still talking, or something it
/// started holds them).
const POLL: Duration = Duration::from_millis(2);
const POLL_OPEN: Duration = Duration::from_millis(20);

/// One pipe's bytes, filled by its reader thread as they arrive, so that what a helper wrote
/// can be taken even when the pipe never closes.
type Collected = Arc<Mutex<Vec<u8>>>;

/// Feeds `stdin`, collects stdout and stderr, and waits for the exit, all before `deadline`.
/// Threads do the pipe work so that a helper that reads nothing, or writes a lot before it
/// reads, cannot block us past it; threads left blocked end with the process.
///
/// The exit, not the end of its output, is the answer: a helper whose child keeps the pipes
/// open (`pass` starting a `gpg-agent`) has answered once it exits, and gets [`DRAIN`] to
/// let the last of its output through.
fn exchange(child: &mut Child, stdin: &[u8], deadline: Instant) -> Result<Output, Failure> {
    if let Some(mut pipe) = child.stdin.take() {
        let input = stdin.to_vec();
        // A helper that exits without reading its input closes the pipe: not our failure.
        std::thread::spawn(move || drop(pipe.write_all(&input)));
    }
    let (sender, receiver) = mpsc::channel();
    let readers = [
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    ];
    let mut collected: [Collected; 2] = Default::default();
    for ((index, pipe), buffer) in readers.into_iter().enumerate().zip(&mut collected) {
        let sender = sender.clone();
        let buffer = Arc::clone(buffer);
        std::thread::spawn(move || {
            let ended = match pipe {
                Some(pipe) => collect(pipe, &buffer),
                None => Ok(()),
            };
            let _ = sender.send((index, ended));
        });
    }
    drop(sender);
    let mut ended = [false; 2];
    let take_end = |ended: &mut [bool; 2], wait: Duration| -> Result<(), Failure> {
        if let Ok((index, result)) = receiver.recv_timeout(wait) {
            result.map_err(Failure::Io)?;
            ended[index] = true;
        }
        if collected.iter().any(|b| lock(b).len() as u64 > MAX_OUTPUT) {
            return Err(Failure::TooLarge);
        }
        Ok(())
    };
    let status = loop {
        if let Some(status) = child.try_wait().map_err(Failure::Io)? {
            break status;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Failure::TimedOut);
        }
        let poll = if ended.iter().all(|e| *e) {
            POLL
        } else {
            POLL_OPEN
        };
        take_end(&mut ended, poll.min(left))?;
    };
    let drained = (Instant::now() + DRAIN).min(deadline);
    while !ended.iter().all(|e| *e) {
        let left = drained.saturating_duration_since(Instant::now());
        if left.is_zero() {
            debug!("the fallback helper exited, but something it started holds its output open");
            break;
        }
        take_end(&mut ended, left)?;
    }
    let [stdout, stderr] = collected.map(|b| std::mem::take(&mut *lock(&b)));
    Ok(Output {
        stdout,
        stderr,
        code: status
            .code()
            .map_or(1, |code| u8::try_from(code).unwrap_or(1)),
    })
}

/// Reads `pipe` into `buffer` until it ends or holds more than [`MAX_OUTPUT`] bytes.
fn collect(mut pipe: Box<dyn Read + Send>, buffer: &Collected) -> std::io::Result<()> {
    let mut chunk = [0; 8192];
    loop {
        match pipe.read(&mut chunk) {
            Ok(0) => return Ok(()),
            Ok(n) => {
                let mut bytes = lock(buffer);
                bytes.extend_from_slice(&chunk[..n]);
                if bytes.len() as u64 > MAX_OUTPUT {
                    return Ok(());
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// A reader that panicked (it cannot) would leave its bytes as they were: still usable.
fn lock(buffer: &Collected) -> std::sync::MutexGuard<'_, Vec<u8>> {
    buffer
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Kills a fallback that overran: on Linux with everything it started (stopped first, so
/// nothing escapes to init), elsewhere the helper itself; then reaps it.
fn stop(child: &mut Child) {
    let killed = crate::process::kill_descendants();
    let _ = child.kill();
    let _ = child.wait();
    debug!("stopped the fallback helper ({killed} processes killed)");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn program_names() {
        let expected = if cfg!(windows) {
            "docker-credential-pass.exe"
        } else {
            "docker-credential-pass"
        };
        assert_eq!(program("pass"), expected);
    }

    #[test]
    fn relative_path_entries_are_never_searched() {
        let search = std::env::join_paths(["", ".", "bin"]).unwrap();
        let env = Env::from_pairs([("PATH", search.to_str().unwrap())]);
        let err = find(&program("pass"), &env).unwrap_err().to_string();
        assert!(err.contains("docker-credential-pass"), "{err}");
    }

    #[test]
    fn output_debug_hides_the_answer() {
        let output = Output {
            stdout: b"{\"Secret\":\"hunter2\"}".to_vec(),
            stderr: Vec::new(),
            code: 0,
        };
        assert!(!format!("{output:?}").contains("hunter2"));
    }
}
