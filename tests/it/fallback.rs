//! The fallback helper (`fallback_helper` in the config file): every host that is not ECR goes
//! to `docker-credential-<name>`, byte for byte, within the deadline. A fake helper, a shell
//! script on PATH, answers from files and records what it was given.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use crate::support::{HOST, START_UP, Sandbox, ecr_reply, get_line, json_reply};

/// The fake: answers `<verb>.out` on stdout and `<verb>.err` on stderr with exit code
/// `<verb>.code` from `$FAKE_DIR`, records each verb in `calls` and its stdin in
/// `stdin.<verb>`; with `<verb>.hang` it starts a child and waits for it forever; with
/// `<verb>.hold` it leaves a child behind that keeps its stdout open, as `pass` leaves a
/// `gpg-agent`.
const FAKE: &str = r#"#!/bin/sh
d=$FAKE_DIR
echo "$1" >>"$d/calls"
cat >"$d/stdin.$1"
if [ -f "$d/$1.hold" ]; then
    sleep 300 &
    echo $! >"$d/holder.pid"
fi
if [ -f "$d/$1.hang" ]; then
    echo $$ >"$d/helper.pid"
    sleep 300 &
    echo $! >"$d/child.pid"
    wait
fi
if [ -f "$d/$1.out" ]; then cat "$d/$1.out"; fi
if [ -f "$d/$1.err" ]; then cat "$d/$1.err" >&2; fi
exit "$(cat "$d/$1.code" 2>/dev/null || echo 0)"
"#;

/// The directory holding `docker-credential-fake` and `docker-credential-loop` (this helper
/// under another name), written once: a script written while other tests fork could be
/// briefly open for writing in a child, and executing it would fail with ETXTBSY.
#[allow(
    clippy::disallowed_methods,
    reason = "the test's own setting: the binary under test, as support::helper_command picks it"
)]
fn bin_dir() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let fake = dir.path().join("docker-credential-fake");
        std::fs::write(&fake, FAKE).unwrap();
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        let helper = std::env::var_os("ECR_LOGIN_BIN")
            .filter(|b| !b.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| env!("CARGO_BIN_EXE_docker-credential-ecr-login").into());
        std::os::unix::fs::symlink(helper, dir.path().join("docker-credential-loop")).unwrap();
        dir
    })
    .path()
}

/// A sandbox whose config names `helper` as the fallback, with the fake's state directory.
struct Fake {
    sandbox: Sandbox,
    dir: PathBuf,
}

impl Fake {
    fn new(helper: &str) -> Fake {
        let sandbox = Sandbox::new();
        let dir = sandbox.home.path().join("fake");
        std::fs::create_dir_all(&dir).unwrap();
        let config = sandbox.home.path().join("ecr-login.toml");
        std::fs::write(
            &config,
            format!(
                "fallback_helper = \"{helper}\"\n\n[registries.\"localhost:5443\"]\nalias_of = \"{HOST}\"\n"
            ),
        )
        .unwrap();
        let sandbox = sandbox
            .env("PATH", format!("{}:/usr/bin:/bin", bin_dir().display()))
            .env("AWS_ECR_CONFIG", config.display().to_string())
            .env("FAKE_DIR", dir.display().to_string());
        Fake { sandbox, dir }
    }

    /// Makes the fake answer `verb` with `stdout`, `stderr` and `code`.
    fn answer(&self, verb: &str, stdout: &[u8], stderr: &[u8], code: u8) {
        std::fs::write(self.dir.join(format!("{verb}.out")), stdout).unwrap();
        std::fs::write(self.dir.join(format!("{verb}.err")), stderr).unwrap();
        std::fs::write(self.dir.join(format!("{verb}.code")), code.to_string()).unwrap();
    }

    fn calls(&self) -> String {
        std::fs::read_to_string(self.dir.join("calls")).unwrap_or_default()
    }

    fn stdin_of(&self, verb: &str) -> Vec<u8> {
        std::fs::read(self.dir.join(format!("stdin.{verb}"))).unwrap()
    }

    /// Runs `verb` and returns the exact bytes.
    fn run(&self, verb: &str, stdin: &[u8]) -> std::process::Output {
        assert_cmd::Command::from_std(self.sandbox.command(&[verb]))
            .write_stdin(stdin.to_vec())
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap()
    }
}

#[test]
fn get_store_erase_are_passed_through_byte_for_byte() {
    let fake = Fake::new("fake");
    // Not UTF-8, a NUL, an escape sequence: whatever the helper says is handed on untouched.
    let answer = b"{\"ServerURL\":\"ghcr.io\",\"Username\":\"me\",\"Secret\":\"s\xff\x00\"}\n";
    fake.answer("get", answer, b"fake: a note\x1b[0m\n", 0);
    let input = b"ghcr.io\r\n\xfe";
    let out = fake.run("get", input);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(out.stdout, answer);
    assert_eq!(out.stderr, b"fake: a note\x1b[0m\n");
    assert_eq!(fake.stdin_of("get"), input);

    fake.answer("store", b"", b"", 0);
    let payload = br#"{"ServerURL":"https://ghcr.io","Username":"me","Secret":"hunter2"}"#;
    let out = fake.run("store", payload);
    assert_eq!((out.status.code(), &out.stdout[..]), (Some(0), &b""[..]));
    assert_eq!(fake.stdin_of("store"), payload);

    fake.answer("erase", b"not here\n", b"", 3);
    let out = fake.run("erase", b"ghcr.io\n");
    assert_eq!(
        (out.status.code(), &out.stdout[..], &out.stderr[..]),
        (Some(3), &b"not here\n"[..], &b""[..])
    );
    assert_eq!(fake.stdin_of("erase"), b"ghcr.io\n");

    // A failing get is the helper's failure, as it gave it.
    fake.answer("get", b"credentials not found in native keychain\n", b"", 1);
    let out = fake.run("get", b"docker.io");
    assert_eq!(
        (out.status.code(), &out.stdout[..], &out.stderr[..]),
        (
            Some(1),
            &b"credentials not found in native keychain\n"[..],
            &b""[..]
        )
    );
    assert_eq!(fake.calls(), "get\nstore\nerase\nget\n");
}

#[test]
fn our_own_checks_come_first() {
    let fake = Fake::new("fake");
    let out = fake.run("get", b" \n");
    assert_eq!(out.stdout, b"no credentials server URL\n");
    let out = fake.run("store", br#"{"ServerURL":"ghcr.io","Secret":"x"}"#);
    assert_eq!(out.stdout, b"no credentials username\n");
    assert_eq!(fake.calls(), "", "invalid input never reaches the fallback");
}

/// `AWS_ECR_IGNORE_CREDS_STORAGE` is for where nothing would keep the credentials: a
/// configured fallback still gets them.
#[test]
fn ignore_creds_storage_does_not_bypass_the_fallback() {
    let mut fake = Fake::new("fake");
    fake.sandbox = fake.sandbox.env("AWS_ECR_IGNORE_CREDS_STORAGE", "true");
    fake.answer("store", b"", b"", 0);
    fake.answer("erase", b"refused\n", b"", 1);
    let payload = br#"{"ServerURL":"ghcr.io","Username":"me","Secret":"x"}"#;
    let out = fake.run("store", payload);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(fake.stdin_of("store"), payload);
    let out = fake.run("erase", b"ghcr.io");
    assert_eq!(
        (out.status.code(), &out.stdout[..]),
        (Some(1), &b"refused\n"[..]),
        "the fallback's answer, not ours"
    );
    assert_eq!(fake.calls(), "store\nerase\n");
}

#[test]
fn ecr_hosts_and_aliases_never_reach_the_fallback() {
    let mock = crate::support::EcrMock::start();
    mock.ecr(json_reply(ecr_reply("ecr-pw", 43_200)));
    let mut fake = Fake::new("fake");
    fake.sandbox = fake.sandbox.static_keys().endpoints(&mock);
    fake.answer("get", b"wrong\n", b"", 0);
    for server in [HOST, "https://localhost:5443"] {
        let out = fake.run("get", server.as_bytes());
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            get_line(server, "ecr-pw")
        );
        let store = format!(r#"{{"ServerURL":"{server}","Username":"AWS","Secret":"x"}}"#);
        let out = fake.run("store", store.as_bytes());
        assert_eq!((out.status.code(), &out.stdout[..]), (Some(0), &b""[..]));
        let out = fake.run("erase", server.as_bytes());
        assert_eq!((out.status.code(), &out.stdout[..]), (Some(0), &b""[..]));
    }
    // ECR Public too, and a look-alike host is not ECR.
    let out = fake.run(
        "store",
        br#"{"ServerURL":"public.ecr.aws","Username":"AWS","Secret":"x"}"#,
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(fake.calls(), "");
    fake.run("get", format!("{HOST}.evil.example").as_bytes());
    assert_eq!(fake.calls(), "get\n");
}

#[test]
fn list_merges_both_and_ours_wins() {
    let mock = crate::support::EcrMock::start();
    mock.ecr(json_reply(ecr_reply("ecr-pw", 43_200)));
    let mut fake = Fake::new("fake");
    fake.sandbox = fake.sandbox.static_keys().endpoints(&mock);
    assert_eq!(fake.run("get", HOST.as_bytes()).status.code(), Some(0));
    let theirs =
        format!(r#"{{"ghcr.io":"me","https://index.docker.io/v1/":"you","{HOST}":"old"}}"#);
    fake.answer("list", theirs.as_bytes(), b"", 0);
    let out = fake.run("list", b"");
    assert_eq!((out.status.code(), &out.stderr[..]), (Some(0), &b""[..]));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!(
            r#"{{"{HOST}":"AWS","ghcr.io":"me","https://index.docker.io/v1/":"you","localhost:5443":"AWS"}}"#
        ) + "\n"
    );
    assert_eq!(fake.stdin_of("list"), b"unused");
}

/// With `"credsStore": "ecr-login"` the `auths` keys that are ECR are ours to list; the others
/// are listed only as the fallback lists them (it keeps them, not us).
#[test]
fn list_takes_only_ecr_hosts_from_docker_and_the_rest_from_the_fallback() {
    let mut fake = Fake::new("fake");
    let docker = fake.sandbox.home.path().join("docker");
    std::fs::create_dir(&docker).unwrap();
    std::fs::write(
        docker.join("config.json"),
        format!(
            r#"{{"credsStore": "ecr-login", "auths": {{"{HOST}": {{}}, "ghcr.io": {{}}, "quay.io": {{}}}}}}"#
        ),
    )
    .unwrap();
    fake.sandbox = fake
        .sandbox
        .env("DOCKER_CONFIG", docker.display().to_string());
    fake.answer("list", br#"{"ghcr.io":"me"}"#, b"", 0);
    let out = fake.run("list", b"");
    assert_eq!((out.status.code(), &out.stderr[..]), (Some(0), &b""[..]));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!(r#"{{"{HOST}":"AWS","ghcr.io":"me","localhost:5443":"AWS"}}"#) + "\n"
    );
}

/// Bazel's request is never handed to the fallback, which speaks docker's protocol only: a
/// host that is not ECR gets "no credentials".
#[test]
fn a_bazel_request_never_reaches_the_fallback() {
    let fake = Fake::new("fake");
    let out = fake.run("get", br#"{"uri":"https://ghcr.io/v2/"}"#);
    assert_eq!(
        (out.status.code(), &out.stdout[..], &out.stderr[..]),
        (Some(0), &b"{}\n"[..], &b""[..])
    );
    assert_eq!(fake.calls(), "");
}

#[test]
fn a_failing_fallback_list_is_a_warning_and_ours_alone() {
    let fake = Fake::new("fake");
    for (stdout, code) in [(&b"boom\n"[..], 1), (&b"not json"[..], 0)] {
        fake.answer("list", stdout, b"", code);
        let out = fake.run("list", b"unused");
        assert_eq!(
            (
                out.status.code(),
                String::from_utf8_lossy(&out.stdout).as_ref()
            ),
            (Some(0), "{\"localhost:5443\":\"AWS\"}\n")
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.starts_with("ecr-login: warning: docker-credential-fake list ")
                && stderr.contains("listing the ECR registries only"),
            "{stderr}"
        );
    }
    let missing = Fake::new("absent");
    let out = missing.run("list", b"");
    assert_eq!(
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).as_ref()
        ),
        (Some(0), "{\"localhost:5443\":\"AWS\"}\n")
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("docker-credential-absent not found"));
}

#[test]
fn a_hung_fallback_is_stopped_at_the_deadline() {
    let mut fake = Fake::new("fake");
    fake.sandbox = fake.sandbox.env("AWS_ECR_TIMEOUT", "1s");
    std::fs::write(fake.dir.join("get.hang"), "").unwrap();
    let start = std::time::Instant::now();
    let out = fake.run("get", b"ghcr.io");
    let elapsed = start.elapsed();
    assert!(elapsed < Duration::from_secs(5) + START_UP, "{elapsed:?}");
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(
        stdout.starts_with(
            "ecr-login: fallback helper docker-credential-fake did not answer within 1s and was stopped"
        ),
        "{stdout}"
    );
    // The helper and what it started are gone (Linux; elsewhere the helper alone).
    for file in ["helper.pid", "child.pid"] {
        let pid = std::fs::read_to_string(fake.dir.join(file)).unwrap();
        if cfg!(target_os = "linux") || file == "helper.pid" {
            assert!(gone(pid.trim()), "{file} {pid} still runs");
        }
    }
}

/// True once `pid` has exited (a zombie waiting for its parent counts as exited).
fn gone(pid: &str) -> bool {
    for _ in 0..50 {
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Err(_) => return true,
            Ok(stat)
                if stat
                    .rsplit(')')
                    .next()
                    .is_some_and(|s| s.trim_start().starts_with('Z')) =>
            {
                return true;
            }
            Ok(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    !cfg!(target_os = "linux")
}

#[test]
fn a_missing_fallback_is_one_clear_line() {
    let fake = Fake::new("absent");
    for (verb, input) in [
        ("get", &b"ghcr.io"[..]),
        (
            "store",
            br#"{"ServerURL":"ghcr.io","Username":"u","Secret":"s"}"#,
        ),
        ("erase", b"ghcr.io"),
    ] {
        let out = fake.run(verb, input);
        assert_eq!(out.status.code(), Some(1), "{verb}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(stdout.lines().count(), 1, "{stdout}");
        assert!(
            stdout.starts_with("ecr-login: fallback helper docker-credential-absent not found")
                && stdout.contains(&bin_dir().display().to_string()),
            "{verb}: {stdout}"
        );
    }
}

#[test]
fn relative_path_entries_are_never_searched() {
    // The fake lies in the current directory, reachable only through `.` or an empty entry.
    let mut fake = Fake::new("fake");
    fake.sandbox = fake.sandbox.env("PATH", ":.:/usr/bin:/bin");
    let mut command = fake.sandbox.command(&["get"]);
    command.current_dir(bin_dir());
    let out = assert_cmd::Command::from_std(command)
        .write_stdin("ghcr.io")
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with("ecr-login: fallback helper docker-credential-fake not found"),
        "{stdout}"
    );
    assert_eq!(fake.calls(), "");
}

#[test]
fn the_helper_never_falls_back_to_itself() {
    let ours = Fake::new("ecr-login");
    let out = ours.run("get", b"ghcr.io");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout.contains("is this helper itself"), "{stdout}");
    // Under another name (a symlink to this binary), the copy refuses to go on.
    let looped = Fake::new("loop");
    let out = looped.run("get", b"ghcr.io");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(stdout.contains("must not be this helper again"), "{stdout}");
}

#[test]
fn the_store_payload_is_never_logged() {
    let mut fake = Fake::new("fake");
    fake.sandbox = fake.sandbox.env("AWS_ECR_LOG", "debug");
    fake.answer("store", b"", b"", 0);
    let out = fake.run(
        "store",
        br#"{"ServerURL":"ghcr.io","Username":"me","Secret":"hunter2-secret"}"#,
    );
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("docker-credential-fake"), "{stderr}");
    assert!(!stderr.contains("hunter2"), "{stderr}");
}

#[test]
fn an_answer_is_given_when_a_child_of_the_fallback_holds_its_output_open() {
    let mut fake = Fake::new("fake");
    fake.sandbox = fake.sandbox.env("AWS_ECR_TIMEOUT", "10s");
    let answer = b"{\"ServerURL\":\"ghcr.io\",\"Username\":\"me\",\"Secret\":\"s\"}\n";
    fake.answer("get", answer, b"", 0);
    std::fs::write(fake.dir.join("get.hold"), "").unwrap();
    let start = std::time::Instant::now();
    let out = fake.run("get", b"ghcr.io");
    let elapsed = start.elapsed();
    let holder = std::fs::read_to_string(fake.dir.join("holder.pid")).unwrap();
    let _ = std::process::Command::new("kill")
        .arg(holder.trim())
        .status();
    assert_eq!(
        (out.status.code(), &out.stdout[..]),
        (Some(0), &answer[..]),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // Not the 10 s deadline: the helper's exit is its answer.
    assert!(elapsed < Duration::from_secs(5) + START_UP, "{elapsed:?}");
}

#[test]
fn a_failing_fallbacks_answer_is_handed_on_but_never_logged() {
    let mut fake = Fake::new("fake");
    fake.sandbox = fake.sandbox.debug_log_file();
    // A helper that prints the secret and then fails: its answer still goes to the client,
    // which owns it, but not into a file that outlives the call.
    let answer = b"{\"Secret\":\"hunter2-secret\"}\n";
    fake.answer("get", answer, b"", 1);
    let out = fake.run("get", b"ghcr.io");
    assert_eq!((out.status.code(), &out.stdout[..]), (Some(1), &answer[..]));
    let logged = fake.sandbox.logged(&["answered (exit 1)"]);
    assert!(!logged.contains("hunter2"), "{logged}");
}
