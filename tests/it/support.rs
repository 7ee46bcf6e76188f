//! Test helpers: a sandboxed run of the binary, a mock ECR API, and the checks several test
//! files make the same way (those of Kubernetes in `support/kube.rs`).

use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use tempfile::TempDir;
use wiremock::matchers::{header, method};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

mod kube;
pub use kube::*;
#[cfg(target_os = "linux")]
mod terminal;
#[cfg(target_os = "linux")]
pub use terminal::*;

pub const ECR_TARGET: &str = "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken";
pub const PUBLIC_TARGET: &str = "SpencerFrontendService.GetAuthorizationToken";
pub const HOST: &str = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";
pub const ACCESS_KEY: &str = "AKIDEXAMPLEEXAMPLE01";

/// What starting a process and getting its answer back may cost on top of a bound the helper
/// keeps from its own start: a busy machine (two cores building a release beside the tests)
/// can keep a native process waiting to be scheduled for a second or more, and the Windows
/// build, whose tests run under wine here, longer still. The bounds still catch a hang: every
/// hung server, lock holder or helper in these tests holds on far longer than bound and margin.
pub const START_UP: Duration = if cfg!(windows) {
    Duration::from_secs(3)
} else {
    Duration::from_secs(2)
};

/// The result of one run of the binary.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

/// A throwaway HOME and a clean environment: nothing of the machine's AWS set-up leaks in.
#[derive(Debug, Clone)]
pub struct Sandbox {
    pub home: Rc<TempDir>,
    vars: Vec<(String, String)>,
    cwd: Option<PathBuf>,
}

impl Sandbox {
    #[allow(
        clippy::disallowed_methods,
        reason = "the test process passes its own PATH on; the binary under test reads Env"
    )]
    pub fn new() -> Self {
        let home = tempfile::tempdir().expect("temp HOME");
        let aws = home.path().join(".aws");
        let vars = vec![
            ("HOME".to_owned(), home.path().display().to_string()),
            ("PATH".to_owned(), std::env::var("PATH").unwrap_or_default()),
            (
                "AWS_CONFIG_FILE".to_owned(),
                aws.join("config").display().to_string(),
            ),
            (
                "AWS_SHARED_CREDENTIALS_FILE".to_owned(),
                aws.join("credentials").display().to_string(),
            ),
            ("AWS_EC2_METADATA_DISABLED".to_owned(), "true".to_owned()),
        ];
        // On Windows the same layout under the sandbox's home, and what every Windows process
        // needs to start its network stack.
        #[cfg(windows)]
        let vars = {
            let mut vars = vars;
            let home_dir = home.path().display().to_string();
            vars.push(("USERPROFILE".to_owned(), home_dir));
            let local = home.path().join(".cache").display().to_string();
            vars.push(("LOCALAPPDATA".to_owned(), local));
            let roaming = home.path().join(".config").display().to_string();
            vars.push(("APPDATA".to_owned(), roaming));
            for name in ["SystemRoot", "SYSTEMROOT", "windir", "TEMP", "TMP"] {
                if let Ok(value) = std::env::var(name) {
                    vars.push((name.to_owned(), value));
                }
            }
            vars
        };
        Sandbox {
            home: Rc::new(home),
            vars,
            cwd: None,
        }
    }

    /// Sets (or replaces) a variable.
    pub fn env(mut self, key: &str, value: impl Into<String>) -> Self {
        self.vars.retain(|(k, _)| k != key);
        self.vars.push((key.to_owned(), value.into()));
        self
    }

    pub fn without(mut self, key: &str) -> Self {
        self.vars.retain(|(k, _)| k != key);
        self
    }

    /// Runs the binary in `dir` rather than in the test's own directory (for the Linux-only
    /// tests of what a relative path finds there).
    #[cfg(target_os = "linux")]
    pub fn in_dir(mut self, dir: &Path) -> Self {
        self.cwd = Some(dir.to_owned());
        self
    }

    /// Static keys in the environment, the simplest credential source.
    pub fn static_keys(self) -> Self {
        self.env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", "secretsecretsecretsecretsecret")
    }

    /// Both ECR APIs point at the mock.
    pub fn endpoints(self, mock: &EcrMock) -> Self {
        self.env("AWS_ENDPOINT_URL_ECR", mock.url())
            .env("AWS_ENDPOINT_URL_ECR_PUBLIC", mock.url())
    }

    /// Every log line, debug included, on stderr and in the log file that `logged` reads.
    pub fn debug_log_file(self) -> Self {
        let path = self.log_file();
        self.env("AWS_ECR_LOG", "debug")
            .env("AWS_ECR_LOG_FILE", path.display().to_string())
    }

    fn log_file(&self) -> PathBuf {
        self.home.path().join("ecr-login.log")
    }

    /// The text of the log file of `debug_log_file`, asserted to hold each of `expected`.
    pub fn logged(&self, expected: &[&str]) -> String {
        let logged = std::fs::read_to_string(self.log_file()).expect("the log file was written");
        for text in expected {
            assert!(logged.contains(text), "{text:?} not logged in:\n{logged}");
        }
        logged
    }

    /// Writes `~/.aws/<name>`.
    pub fn aws_file(&self, name: &str, text: &str) -> PathBuf {
        let dir = self.home.path().join(".aws");
        std::fs::create_dir_all(&dir).expect("mkdir .aws");
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write aws file");
        path
    }

    /// Another sandbox sharing this one's HOME, for a variation of the environment.
    pub fn clone_env(&self) -> Sandbox {
        self.clone()
    }

    /// The binary as a plain command, for running several at once.
    pub fn command(&self, args: &[&str]) -> std::process::Command {
        self.prepare(helper_command(), args)
    }

    fn prepare(&self, mut cmd: std::process::Command, args: &[&str]) -> std::process::Command {
        cmd.env_clear()
            .envs(self.vars.iter().map(|(k, v)| (k, v)))
            .args(args);
        if let Some(dir) = &self.cwd {
            cmd.current_dir(dir);
        }
        cmd
    }

    /// The default cache directory under this sandbox's HOME.
    pub fn cache_dir(&self) -> PathBuf {
        self.home.path().join(".cache/docker-credential-ecr-login")
    }

    /// The cache entry files in the default cache directory.
    pub fn cache_entries(&self) -> Vec<PathBuf> {
        entry_files(&self.cache_dir())
    }

    /// Starts `count` concurrent `get`s for `server`; collect them with `wait_with_output`.
    pub fn spawn_gets(&self, count: usize, server: &str) -> Vec<std::process::Child> {
        use std::io::Write;
        use std::process::Stdio;
        (0..count)
            .map(|_| {
                let mut child = self
                    .command(&["get"])
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("spawn");
                let mut stdin = child.stdin.take().unwrap();
                stdin.write_all(server.as_bytes()).unwrap();
                child
            })
            .collect()
    }

    /// Runs the binary with `args` and `stdin`.
    pub fn run(&self, args: &[&str], stdin: impl Into<Vec<u8>>) -> Run {
        run_command(self.command(args), stdin.into())
    }

    /// Runs `program` (a copy of the helper under another name) with `args` and `stdin`.
    pub fn run_program(&self, program: &Path, args: &[&str], stdin: impl Into<Vec<u8>>) -> Run {
        run_command(self.prepare(program_command(program), args), stdin.into())
    }

    /// `get` for `server`.
    pub fn get(&self, server: &str) -> Run {
        self.run(&["get"], server)
    }

    /// A `get` that fills the cache for `server`, whose entry is then put inside its refresh
    /// window (`make_stale`): the entry's path.
    pub fn stale_entry(&self, server: &str) -> PathBuf {
        let run = self.get(server);
        assert_eq!(run.code, 0, "priming: {run:?}");
        let mut entries = self.cache_entries();
        assert_eq!(entries.len(), 1, "{entries:?}");
        let entry = entries.pop().unwrap();
        make_stale(&entry);
        entry
    }

    /// `configure --docker-config <docker_config>`, then `more` (flags and registries).
    pub fn configure(&self, docker_config: &Path, more: &[&str]) -> Run {
        let path = docker_config.display().to_string();
        let mut args = vec!["configure", "--docker-config", &path];
        args.extend(more);
        self.run(&args, "")
    }

    /// `kube-secret HOST --name <name> --apply --kubeconfig <kubeconfig>`, then `more`.
    pub fn kube_apply(&self, name: &str, kubeconfig: &Path, more: &[&str]) -> Run {
        let path = kubeconfig.display().to_string();
        let mut args = vec![
            "kube-secret",
            HOST,
            "--name",
            name,
            "--apply",
            "--kubeconfig",
            &path,
        ];
        args.extend(more);
        self.run(&args, "")
    }
}

/// The binary under test: the one cargo built, or a release artifact named by
/// `ECR_LOGIN_BIN`, run through `ECR_LOGIN_RUNNER` (`qemu-aarch64`, `wine`) when that is set.
pub fn helper_command() -> std::process::Command {
    program_command(&helper_binary())
}

/// The binary under test: `ECR_LOGIN_BIN`, else the one cargo built.
#[allow(
    clippy::disallowed_methods,
    reason = "the test's own switches, not the binary's environment"
)]
pub fn helper_binary() -> PathBuf {
    std::env::var_os("ECR_LOGIN_BIN")
        .filter(|b| !b.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| native_path(env!("CARGO_BIN_EXE_docker-credential-ecr-login")))
}

/// A command for `binary` (a copy of the helper), through `ECR_LOGIN_RUNNER` when one is set.
#[allow(
    clippy::disallowed_methods,
    reason = "the test's own switches, not the binary's environment"
)]
pub fn program_command(binary: &Path) -> std::process::Command {
    match std::env::var_os("ECR_LOGIN_RUNNER").filter(|r| !r.is_empty()) {
        Some(runner) => {
            let mut cmd = std::process::Command::new(runner);
            cmd.arg(binary);
            cmd
        }
        None => std::process::Command::new(binary),
    }
}

/// Cargo's path to the binary, as this process can open it: under wine, cargo (a Linux
/// program) hands a Windows test a Unix path, which wine maps on its `Z:` drive.
fn native_path(path: &str) -> PathBuf {
    if cfg!(windows) && path.starts_with('/') {
        PathBuf::from(format!("Z:{}", path.replace('/', "\\")))
    } else {
        PathBuf::from(path)
    }
}

fn run_command(command: std::process::Command, stdin: Vec<u8>) -> Run {
    let mut cmd = assert_cmd::Command::from_std(command);
    cmd.write_stdin(stdin).timeout(Duration::from_secs(60));
    let start = std::time::Instant::now();
    // A binary a test has just copied can be busy for a moment: another test thread's fork
    // holds the copy's write descriptor until its child execs. Linux's ETXTBSY, not ours.
    let mut tries = 0;
    let out = loop {
        match cmd.output() {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy && tries < 100 => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(20));
            }
            result => break result.expect("runs"),
        }
    };
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        elapsed: start.elapsed(),
    }
}

/// The cache entry files (`token-*.json`) in `dir`, sorted.
pub fn entry_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| {
        p.extension().is_some_and(|e| e == "json")
            && p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("token-"))
    });
    files.sort();
    files
}

/// Rewrites a cache entry's JSON through `edit`.
pub fn edit_entry(path: &Path, edit: impl FnOnce(&mut Value)) {
    let mut entry: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    edit(&mut entry);
    std::fs::write(path, entry.to_string()).unwrap();
}

/// Puts an entry inside its refresh window, not yet expired: served only if a refresh fails.
pub fn make_stale(path: &Path) {
    edit_entry(path, |e| {
        e["fetched_at"] = (unix_now() - 40_000).into();
        e["expires_at"] = (unix_now() + 600).into();
    });
}

/// Puts an entry past its expiry: never served again, whatever happens to a refresh.
pub fn make_expired(path: &Path) {
    edit_entry(path, |e| e["expires_at"] = (unix_now() - 1).into());
}

/// Asserts that `run`, a `get` of HOST in `case`, answered the cached token with `password`
/// over a failed refresh: one warning line that says so and names the `cause`.
pub fn assert_served_stale(case: &str, run: &Run, password: &str, cause: &str) {
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, get_line(HOST, password).as_str()),
        "{case}: {run:?}"
    );
    assert_eq!(run.stderr.lines().count(), 1, "{case}: {}", run.stderr);
    assert!(
        run.stderr.contains("because the refresh failed") && run.stderr.contains(cause),
        "{case}: {}",
        run.stderr
    );
}

/// Makes a FIFO at `path` that nobody writes to: opening it for reading blocks forever, so the
/// helper must refuse it or give up, never hang.
#[cfg(unix)]
pub fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success(), "mkfifo {}", path.display());
}

/// Waits until `done` holds, checking every few milliseconds for at most `within`: the signal
/// that something has happened, where a sleep would only guess. False if it never did.
#[cfg(target_os = "linux")]
pub fn wait_for(within: Duration, mut done: impl FnMut() -> bool) -> bool {
    let started = std::time::Instant::now();
    while started.elapsed() < within {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    done()
}

/// The state letter of the Linux process `pid` (`S` asleep, `R` running, `Z` a zombie...),
/// from `/proc/<pid>/stat`, which stays readable when the process makes itself undumpable.
#[cfg(target_os = "linux")]
pub fn process_state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat[stat.rfind(')')? + 1..].trim_start().chars().next()
}

/// Now, in milliseconds since 1970 (for the storm, which runs natively on Unix only).
#[cfg(unix)]
pub fn unix_now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_millis() as i64
}

pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs() as i64
}

pub fn b64(text: &str) -> String {
    STANDARD.encode(text)
}

/// A private ECR reply: `AWS:<password>`, expiring `expires_in` seconds from now.
pub fn ecr_reply(password: &str, expires_in: i64) -> Value {
    json!({"authorizationData": [{
        "authorizationToken": b64(&format!("AWS:{password}")),
        "expiresAt": unix_now() + expires_in,
        "proxyEndpoint": format!("https://{HOST}"),
    }]})
}

/// An ECR Public reply.
pub fn public_reply(password: &str, expires_in: i64) -> Value {
    json!({"authorizationData": {
        "authorizationToken": b64(&format!("AWS:{password}")),
        "expiresAt": unix_now() + expires_in,
    }})
}

/// The expected `get` answer.
pub fn get_line(server: &str, password: &str) -> String {
    format!("{{\"ServerURL\":\"{server}\",\"Username\":\"AWS\",\"Secret\":\"{password}\"}}\n")
}

/// An AWS JSON-protocol error reply.
pub fn aws_error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("content-type", "application/x-amz-json-1.1")
        .set_body_json(json!({"__type": code, "message": message}))
}

pub fn json_reply(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("content-type", "application/x-amz-json-1.1")
        .set_body_json(body)
}

/// An in-process mock of both token APIs. Its server runs on its own thread, so tests can
/// block on the binary while it answers.
pub struct EcrMock {
    runtime: tokio::runtime::Runtime,
    server: MockServer,
}

impl EcrMock {
    pub fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let server = runtime.block_on(MockServer::start());
        EcrMock { runtime, server }
    }

    pub fn url(&self) -> String {
        self.server.uri()
    }

    /// Answers the private API (by `X-Amz-Target`) with `response`.
    pub fn ecr(&self, response: ResponseTemplate) -> &Self {
        self.mount(ECR_TARGET, response)
    }

    /// Answers the private API with whatever `respond` makes of each request.
    pub fn ecr_with(
        &self,
        respond: impl Fn(&Request) -> ResponseTemplate + Send + Sync + 'static,
    ) -> &Self {
        self.runtime.block_on(
            Mock::given(method("POST"))
                .and(header("x-amz-target", ECR_TARGET))
                .respond_with(respond)
                .mount(&self.server),
        );
        self
    }

    /// Answers the private API with `response` once, before any other answer.
    pub fn ecr_once(&self, response: ResponseTemplate) -> &Self {
        self.runtime.block_on(
            Mock::given(method("POST"))
                .and(header("x-amz-target", ECR_TARGET))
                .respond_with(response)
                .up_to_n_times(1)
                .with_priority(1)
                .mount(&self.server),
        );
        self
    }

    /// Answers ECR Public's API with `response`.
    pub fn public(&self, response: ResponseTemplate) -> &Self {
        self.mount(PUBLIC_TARGET, response)
    }

    /// Answers STS (query protocol: no `X-Amz-Target`) with `response`.
    pub fn sts(&self, response: ResponseTemplate) -> &Self {
        self.runtime.block_on(
            Mock::given(method("POST"))
                .and(wiremock::matchers::body_string_contains(
                    "Action=AssumeRoleWithWebIdentity",
                ))
                .respond_with(response)
                .mount(&self.server),
        );
        self
    }

    fn mount(&self, target: &str, response: ResponseTemplate) -> &Self {
        self.runtime.block_on(
            Mock::given(method("POST"))
                .and(header("x-amz-target", target))
                .respond_with(response)
                .mount(&self.server),
        );
        self
    }

    /// Plays the EC2 instance metadata service (IMDSv2) for `AWS_EC2_METADATA_SERVICE_ENDPOINT`:
    /// a session token, the instance's role `node-role`, and its credentials. `first`, when
    /// given, answers the first token request instead.
    pub fn imds(&self, first: Option<ResponseTemplate>) -> &Self {
        let token = || {
            ResponseTemplate::new(200)
                .insert_header("x-aws-ec2-metadata-token-ttl-seconds", "21600")
                .set_body_string("imds-session-token")
        };
        let credentials = serde_json::json!({
            "Code": "Success",
            "LastUpdated": "2026-01-01T00:00:00Z",
            "Type": "AWS-HMAC",
            "AccessKeyId": "ASIAIMDSEXAMPLE00001",
            "SecretAccessKey": "imds-secret-imds-secret-imds-secret",
            "Token": "imds-session",
            "Expiration": "2099-01-01T00:00:00Z",
        });
        let role_path = "/latest/meta-data/iam/security-credentials/";
        self.runtime.block_on(async {
            if let Some(first) = first {
                Mock::given(method("PUT"))
                    .and(wiremock::matchers::path("/latest/api/token"))
                    .respond_with(first)
                    .up_to_n_times(1)
                    .with_priority(1)
                    .mount(&self.server)
                    .await;
            }
            Mock::given(method("PUT"))
                .and(wiremock::matchers::path("/latest/api/token"))
                .respond_with(token())
                .mount(&self.server)
                .await;
            Mock::given(method("GET"))
                .and(wiremock::matchers::path(role_path))
                .respond_with(ResponseTemplate::new(200).set_body_string("node-role"))
                .mount(&self.server)
                .await;
            Mock::given(method("GET"))
                .and(wiremock::matchers::path(format!("{role_path}node-role")))
                .respond_with(ResponseTemplate::new(200).set_body_json(credentials))
                .mount(&self.server)
                .await;
        });
        self
    }

    /// Plays the metadata service of an instance in `region`: a session token, and the region
    /// (as `/latest/meta-data/placement/region` gives it, no newline).
    pub fn imds_region(&self, region: &str) -> &Self {
        self.runtime.block_on(async {
            Mock::given(method("PUT"))
                .and(wiremock::matchers::path("/latest/api/token"))
                .respond_with(
                    ResponseTemplate::new(200)
                        .insert_header("x-aws-ec2-metadata-token-ttl-seconds", "21600")
                        .set_body_string("imds-session-token"),
                )
                .mount(&self.server)
                .await;
            Mock::given(method("GET"))
                .and(wiremock::matchers::path(
                    "/latest/meta-data/placement/region",
                ))
                .and(header("x-aws-ec2-metadata-token", "imds-session-token"))
                .respond_with(ResponseTemplate::new(200).set_body_string(region))
                .mount(&self.server)
                .await;
        });
        self
    }

    /// A metadata service whose token requests all fail with `status`.
    pub fn imds_failing(&self, status: u16) -> &Self {
        self.runtime.block_on(
            Mock::given(method("PUT"))
                .and(wiremock::matchers::path("/latest/api/token"))
                .respond_with(ResponseTemplate::new(status))
                .mount(&self.server),
        );
        self
    }

    /// Forgets every mounted answer and recorded request.
    pub fn reset(&self) {
        self.runtime.block_on(self.server.reset());
    }

    pub fn requests(&self) -> Vec<Request> {
        self.runtime
            .block_on(self.server.received_requests())
            .unwrap_or_default()
    }
}

/// A request's header as text.
pub fn header_of(request: &Request, name: &str) -> String {
    request
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// A loopback listener that accepts connections and answers nothing: a metadata service or
/// API that hangs. It holds what it accepted for `hold`, then stops.
pub fn silent_listener(hold: Duration) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    listener.set_nonblocking(true).expect("nonblocking");
    std::thread::spawn(move || {
        let deadline = std::time::Instant::now() + hold;
        let mut held = Vec::new();
        while std::time::Instant::now() < deadline {
            match listener.accept() {
                Ok((stream, _)) => held.push(stream),
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    });
    format!("http://{addr}")
}

/// A proxy that records the first request line of each connection (`CONNECT host:443 ...`)
/// and refuses it: proof of which API host the binary chose, with no DNS or network.
pub struct RecordingProxy {
    pub url: String,
    lines: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl RecordingProxy {
    pub fn start() -> Self {
        use std::io::{BufRead, BufReader, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        listener.set_nonblocking(true).expect("nonblocking");
        let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = lines.clone();
        std::thread::spawn(move || {
            let deadline = std::time::Instant::now() + Duration::from_secs(60);
            while std::time::Instant::now() < deadline {
                let Ok((stream, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                };
                let _ = stream.set_nonblocking(false);
                let mut reader = BufReader::new(stream);
                let mut line = String::new();
                let _ = reader.read_line(&mut line);
                seen.lock().expect("lock").push(line.trim().to_owned());
                let _ = reader
                    .get_mut()
                    .write_all(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n");
            }
        });
        RecordingProxy { url, lines }
    }

    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().expect("lock").clone()
    }
}
