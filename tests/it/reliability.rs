//! Faults, storms, tampering and hostile input: every answer one line, the right exit code,
//! never a panic, never an expired or torn token, never a secret in what is printed.

// The storm and the tampering tests are Unix-only (see each); what only they use is too.
#[cfg(unix)]
use std::collections::HashMap;
#[cfg(unix)]
use std::io::Read;
#[cfg(unix)]
use std::os::unix::fs::PermissionsExt;
#[cfg(unix)]
use std::sync::{Arc, Mutex};
use std::time::Duration;
#[cfg(unix)]
use std::time::Instant;

#[cfg(unix)]
use serde_json::Value;
use serde_json::json;
use wiremock::ResponseTemplate;

use crate::support::*;

/// Room for the SDK's retries with backoff (a throttled call is tried three times) on a slow
/// machine, short enough that a hung server costs little.
const TIMEOUT_SECS: u64 = 5;

/// Each fault, and the start of the line it must produce.
fn faults() -> Vec<(&'static str, ResponseTemplate, &'static str)> {
    let now = unix_now();
    vec![
        (
            "HTTP 500",
            aws_error(500, "ServerException", "boom"),
            "ecr-login: ECR returned an error",
        ),
        (
            "throttling",
            aws_error(400, "ThrottlingException", "Rate exceeded"),
            "ecr-login: ECR throttled",
        ),
        (
            "access denied",
            aws_error(400, "AccessDeniedException", "no"),
            "ecr-login: AWS denied",
        ),
        (
            "truncated JSON",
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/x-amz-json-1.1")
                .set_body_string("{\"authorizationData\":[{\"authorizationTo"),
            "ecr-login: ECR returned an error",
        ),
        (
            "bad base64",
            json_reply(
                json!({"authorizationData": [{"authorizationToken": "!!", "expiresAt": now + 3600}]}),
            ),
            "ecr-login: unusable token",
        ),
        (
            "empty authorizationData",
            json_reply(json!({"authorizationData": []})),
            "ecr-login: unusable token",
        ),
        (
            "a server that never answers",
            json_reply(ecr_reply("late", 3600)).set_delay(Duration::from_secs(60)),
            "ecr-login: timed out after 5s",
        ),
    ]
}

#[test]
fn every_fault_is_one_line_in_bounded_time_and_caches_nothing() {
    for (name, response, prefix) in faults() {
        let mock = EcrMock::start();
        mock.ecr(response);
        let sandbox = Sandbox::new()
            .static_keys()
            .endpoints(&mock)
            .env("AWS_ECR_TIMEOUT", format!("{TIMEOUT_SECS}s"));
        let run = sandbox.get(HOST);
        assert_eq!(run.code, 1, "{name}: {run:?}");
        assert_eq!(run.stdout.lines().count(), 1, "{name}: {run:?}");
        assert!(run.stdout.starts_with(prefix), "{name}: {}", run.stdout);
        assert!(!run.stderr.contains("panicked"), "{name}: {}", run.stderr);
        assert!(
            run.elapsed < Duration::from_secs(TIMEOUT_SECS + 2) + START_UP,
            "{name}: took {:?}",
            run.elapsed
        );
        assert!(sandbox.cache_entries().is_empty(), "{name}: nothing cached");
    }
}

/// Denials are the answer; only the other faults may be bridged with a cached token.
const DENIALS: &[&str] = &["access denied"];

#[test]
fn only_transient_faults_are_bridged_with_an_earlier_valid_entry() {
    for (name, response, prefix) in faults() {
        let mock = EcrMock::start();
        mock.ecr_once(json_reply(ecr_reply("earlier", 43_200)));
        mock.ecr(response);
        let sandbox = Sandbox::new()
            .static_keys()
            .endpoints(&mock)
            .env("AWS_ECR_TIMEOUT", format!("{TIMEOUT_SECS}s"));
        let entry = sandbox.stale_entry(HOST);
        let before = std::fs::read(&entry).unwrap();
        let run = sandbox.get(HOST);
        if DENIALS.contains(&name) {
            // The denial is the answer, not the token fetched before it.
            assert_eq!(run.code, 1, "{name}: {run:?}");
            assert!(run.stdout.starts_with(prefix), "{name}: {}", run.stdout);
            continue;
        }
        assert_served_stale(name, &run, "earlier", prefix);
        assert_eq!(
            std::fs::read(&entry).unwrap(),
            before,
            "{name}: the entry is untouched"
        );
    }
}

#[test]
fn a_short_throttling_blip_is_retried() {
    let mock = EcrMock::start();
    mock.ecr_once(aws_error(400, "ThrottlingException", "Rate exceeded"));
    mock.ecr(json_reply(ecr_reply("after-retry", 43_200)));
    let run = Sandbox::new().static_keys().endpoints(&mock).get(HOST);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, get_line(HOST, "after-retry").as_str())
    );
    assert_eq!(mock.requests().len(), 2);
}

/// A storm: many processes, many rounds, tokens that expire within the test and are
/// refreshed. Every answer must be a token that was issued and had not expired.
///
/// Judged to the millisecond, with eight seconds of life per token: the helper stops serving
/// one four seconds before it expires (half its life), so only a process kept from running
/// for four seconds between deciding and answering could make an honest answer look stale,
/// which two busy cores do not do. A helper that served a token past its refresh point, or
/// an expired one, is caught within the ten seconds the storm lasts.
///
/// Native only: under wine, 24 emulated processes on a small machine wait seconds to be
/// scheduled between deciding and writing their answer, so "served before it expired" cannot
/// be judged from outside to the second.
#[test]
#[cfg(unix)]
fn a_storm_of_processes_always_gets_a_valid_token() {
    let mock = EcrMock::start();
    let issued: Arc<Mutex<HashMap<String, i64>>> = Arc::default();
    let log = issued.clone();
    mock.ecr_with(move |_| {
        let mut issued = log.lock().unwrap();
        let password = format!("storm-{}", issued.len());
        // Eight seconds of life: fresh for four, then refreshed while the storm goes on.
        let expires = unix_now() + 8;
        issued.insert(password.clone(), expires);
        json_reply(json!({"authorizationData": [{
            "authorizationToken": b64(&format!("AWS:{password}")),
            "expiresAt": expires,
        }]}))
    });
    let sandbox = Sandbox::new().static_keys().endpoints(&mock);
    let start = Instant::now();
    let mut answers = 0;
    while start.elapsed() < Duration::from_secs(10) {
        let children = sandbox.spawn_gets(24, HOST);
        // The time a reply is served is when its first byte arrives, not when the process
        // is reaped: reaping 24 processes one after the other lags behind.
        let readers: Vec<_> = children
            .into_iter()
            .map(|mut child| {
                let mut stdout = child.stdout.take().unwrap();
                std::thread::spawn(move || {
                    let mut reply = vec![0; 1];
                    let n = stdout.read(&mut reply).unwrap();
                    let answered_at = unix_now_ms();
                    reply.truncate(n);
                    stdout.read_to_end(&mut reply).unwrap();
                    (answered_at, reply, child.wait_with_output().unwrap())
                })
            })
            .collect();
        for reader in readers {
            let (answered_at, reply, out) = reader.join().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                out.status.success() && !stderr.contains("panicked"),
                "{out:?}"
            );
            let reply: Value = serde_json::from_slice(&reply).expect("a whole JSON answer");
            let password = reply["Secret"].as_str().unwrap();
            let expires = *issued
                .lock()
                .unwrap()
                .get(password)
                .expect("an issued token");
            assert!(
                answered_at < expires * 1000,
                "{password} expired at {expires} s, served at {answered_at} ms"
            );
            answers += 1;
        }
    }
    let fetches = issued.lock().unwrap().len();
    assert!(
        fetches >= 2,
        "tokens were refreshed during the storm ({fetches} fetches)"
    );
    assert!(
        fetches * 6 < answers,
        "{fetches} fetches for {answers} answers"
    );
}

#[test]
#[cfg(unix)]
fn tampered_files_and_directories_are_handled() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("fresh", 43_200)));
    let sandbox = Sandbox::new().static_keys().endpoints(&mock);
    sandbox.get(HOST);
    let entry = sandbox.cache_entries().pop().unwrap();

    // A symlinked entry pointing at a planted token: never followed, never written through.
    let planted = sandbox.home.path().join("planted.json");
    let mut fake: Value = serde_json::from_slice(&std::fs::read(&entry).unwrap()).unwrap();
    fake["password"] = "planted".into();
    std::fs::write(&planted, fake.to_string()).unwrap();
    std::fs::remove_file(&entry).unwrap();
    std::os::unix::fs::symlink(&planted, &entry).unwrap();
    let run = sandbox.get(HOST);
    assert_eq!(run.stdout, get_line(HOST, "fresh"));
    assert!(
        std::fs::read_to_string(&planted)
            .unwrap()
            .contains("planted")
    );
    assert!(!std::fs::symlink_metadata(&entry).unwrap().is_symlink());

    // A group-writable entry is not trusted.
    let mut fake: Value = serde_json::from_slice(&std::fs::read(&entry).unwrap()).unwrap();
    fake["password"] = "tampered".into();
    std::fs::write(&entry, fake.to_string()).unwrap();
    std::fs::set_permissions(&entry, std::fs::Permissions::from_mode(0o666)).unwrap();
    assert_eq!(sandbox.get(HOST).stdout, get_line(HOST, "fresh"));

    // An entry owned by someone else is not trusted (root can give it away; CI runs as root).
    std::fs::write(&entry, fake.to_string()).unwrap();
    std::fs::set_permissions(&entry, std::fs::Permissions::from_mode(0o600)).unwrap();
    if std::os::unix::fs::chown(&entry, Some(65534), Some(65534)).is_ok() {
        assert_eq!(sandbox.get(HOST).stdout, get_line(HOST, "fresh"));
    }

    // A group-writable cache directory: a warning, then uncached answers.
    let dir = entry.parent().unwrap();
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o770)).unwrap();
    let run = sandbox.get(HOST);
    assert_eq!(run.stdout, get_line(HOST, "fresh"));
    assert!(
        run.stderr.contains("others can write to it"),
        "{}",
        run.stderr
    );
}

#[test]
fn hostile_stdin_gets_one_line_and_the_right_exit_code() {
    let mut random = Vec::new();
    let mut x: u32 = 0x1234_5678;
    for _ in 0..4096 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        random.push(x as u8);
    }
    let inputs: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("1 MiB", vec![b'a'; 1 << 20]),
        ("over 1 MiB", vec![b'a'; (1 << 20) + 1]),
        ("random bytes", random),
        ("NUL bytes", b"\0\0\0".to_vec()),
        ("invalid UTF-8", b"\xff\xfe\xfd".to_vec()),
        ("several lines", b"docker.io\nsecond\nthird\n".to_vec()),
        (
            "an ECR host then junk",
            format!("{HOST}\n\0junk").into_bytes(),
        ),
    ];
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("p", 43_200)));
    let sandbox = Sandbox::new().static_keys().endpoints(&mock);
    for (verb, ok_code) in [
        ("get", None),
        ("store", Some(1)),
        ("erase", None),
        ("list", Some(0)),
        ("version", Some(0)),
    ] {
        for (name, input) in &inputs {
            let run = sandbox.run(&[verb], input.clone());
            // One line, except that a successful store or erase says nothing at all.
            let lines = run.stdout.lines().count();
            let silent_success = run.code == 0 && matches!(verb, "store" | "erase");
            assert_eq!(
                lines,
                usize::from(!silent_success),
                "{verb} {name}: {run:?}"
            );
            assert!(
                !run.stderr.contains("panicked"),
                "{verb} {name}: {}",
                run.stderr
            );
            match ok_code {
                Some(code) => assert_eq!(run.code, code, "{verb} {name}: {run:?}"),
                None => assert!(run.code == 0 || run.code == 1, "{verb} {name}: {run:?}"),
            }
        }
    }
    let run = sandbox.run(&["kubelet-plugin"], vec![0xff, 0, 1]);
    assert_eq!((run.code, run.stdout.as_str()), (1, ""));
    assert_eq!(run.stderr.lines().count(), 1);
}

/// Everything the helper prints, across the scenarios above, holds neither the password nor
/// the token nor the secret key (stdout of the verbs that hand out a password excepted).
#[test]
fn nothing_printed_holds_a_secret() {
    let password = "Sup3r-Secret-Pw";
    let token = b64(&format!("AWS:{password}"));
    let secret_key = "secretsecretsecretsecretsecret";
    let mock = EcrMock::start();
    mock.ecr_once(json_reply(ecr_reply(password, 43_200)));
    mock.ecr(aws_error(500, "ServerException", "down"));
    let sandbox = Sandbox::new()
        .static_keys()
        .endpoints(&mock)
        .env("AWS_ECR_LOG", "debug");
    let mut printed = Vec::new();
    let miss = sandbox.get(HOST);
    assert_eq!(miss.code, 0);
    printed.push(miss.stderr);
    let hit = sandbox.get(HOST);
    printed.push(hit.stderr);
    let entry = sandbox.cache_entries().pop().unwrap();
    make_stale(&entry);
    let stale = sandbox.get(HOST);
    assert_eq!(stale.code, 0, "stale-while-error");
    printed.push(stale.stderr);
    for (args, stdin) in [
        (&["list"][..], String::new()),
        (
            &["store"][..],
            format!("{{\"ServerURL\":\"{HOST}\",\"Username\":\"AWS\",\"Secret\":\"{password}\"}}"),
        ),
        (
            &["store"][..],
            format!("{{\"ServerURL\":\"\",\"Username\":\"AWS\",\"Secret\":\"{password}\"}}"),
        ),
        (&["store"][..], format!("{{\"Secret\":\"{password}\"")),
        (&["doctor", HOST][..], String::new()),
        (&["erase"][..], HOST.to_owned()),
        (&["version"][..], String::new()),
    ] {
        let run = sandbox.run(args, stdin);
        printed.push(run.stdout);
        printed.push(run.stderr);
    }
    // Failures after the entry is gone: stdout is then an error line.
    for _ in 0..2 {
        let failed = sandbox.get(HOST);
        assert_eq!(failed.code, 1);
        printed.push(failed.stdout);
        printed.push(failed.stderr);
    }
    let all = printed.concat();
    assert!(all.contains("cache hit"), "debug logs were on: {all}");
    for secret in [password, &token, secret_key] {
        assert!(!all.contains(secret), "{secret:?} printed in:\n{all}");
    }
}
