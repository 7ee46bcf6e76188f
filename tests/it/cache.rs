//! The token cache seen from outside: hits that touch nothing, one fetch for many callers,
//! identities kept apart, files kept private, failures that never lose an answer.

#[cfg(unix)]
use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use serde_json::Value;

use crate::support::*;

#[test]
#[cfg(unix)]
fn a_hit_resolves_no_credentials_and_needs_no_network() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("cached-pw", 43_200)));
    let sandbox = Sandbox::new().endpoints(&mock).env("AWS_PROFILE", "proc");
    let marker = sandbox.home.path().join("credential-process-ran");
    let script = sandbox.home.path().join("creds.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\ntouch '{}'\necho '{{\"Version\":1,\"AccessKeyId\":\"{ACCESS_KEY}\",\"SecretAccessKey\":\"s\"}}'\n",
            marker.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    sandbox.aws_file(
        "config",
        &format!(
            "[profile proc]\ncredential_process = {}\n",
            script.display()
        ),
    );

    let miss = sandbox.get(HOST);
    assert_eq!(
        (miss.code, miss.stdout.as_str()),
        (0, get_line(HOST, "cached-pw").as_str()),
        "{miss:?}"
    );
    assert!(marker.exists(), "the miss ran credential_process");
    std::fs::remove_file(&marker).unwrap();

    // The API now hangs: only a cache hit can still answer, and fast.
    mock.reset();
    mock.ecr(json_reply(ecr_reply("never", 43_200)).set_delay(Duration::from_secs(30)));
    let hit = sandbox.clone_env().env("AWS_ECR_TIMEOUT", "3s").get(HOST);
    assert_eq!(
        (hit.code, hit.stdout.as_str()),
        (0, get_line(HOST, "cached-pw").as_str()),
        "{hit:?}"
    );
    assert!(!marker.exists(), "the hit must not resolve AWS credentials");
    assert!(mock.requests().is_empty(), "the hit must not call the API");
}

#[test]
fn concurrent_cold_gets_make_one_api_call() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("shared", 43_200)).set_delay(Duration::from_millis(300)));
    let sandbox = Sandbox::new().static_keys().endpoints(&mock);
    let children = sandbox.spawn_gets(32, HOST);
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{out:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            get_line(HOST, "shared")
        );
    }
    assert_eq!(mock.requests().len(), 1);
}

#[test]
fn files_are_private_named_without_secrets_and_beside_the_go_helper() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("pw-in-file", 43_200)));
    let shared = tempfile::tempdir().unwrap();
    let dir = shared.path().join("ecr");
    std::fs::create_dir(&dir).unwrap();
    #[cfg(unix)]
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    let go_cache = r#"{"version":"1.0","registries":{}}"#;
    std::fs::write(dir.join("cache.json"), go_cache).unwrap();
    let sandbox = Sandbox::new()
        .static_keys()
        .endpoints(&mock)
        .env("AWS_ECR_CACHE_DIR", dir.display().to_string());
    assert_eq!(sandbox.get(HOST).code, 0);
    assert_eq!(
        std::fs::read_to_string(dir.join("cache.json")).unwrap(),
        go_cache
    );
    let files = entry_files(&dir);
    assert_eq!(files.len(), 1);
    let name = files[0].file_name().unwrap().to_string_lossy().into_owned();
    for secret in ["pw-in-file", ACCESS_KEY, "123456789012"] {
        assert!(!name.contains(secret), "{name}");
    }
    #[cfg(unix)]
    assert_eq!(
        std::fs::metadata(&files[0]).unwrap().permissions().mode() & 0o777,
        0o600
    );

    let fresh = Sandbox::new().static_keys().endpoints(&mock);
    assert_eq!(fresh.get(HOST).code, 0);
    #[cfg(unix)]
    let mode = std::fs::metadata(fresh.cache_dir())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    #[cfg(unix)]
    assert_eq!(mode, 0o700);
}

#[test]
fn disabling_the_cache_fetches_every_time() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("p", 43_200)));
    let sandbox = Sandbox::new()
        .static_keys()
        .endpoints(&mock)
        .env("AWS_ECR_DISABLE_CACHE", "1");
    for _ in 0..3 {
        assert_eq!(sandbox.get(HOST).code, 0);
    }
    assert_eq!(mock.requests().len(), 3);
    assert!(sandbox.cache_entries().is_empty());
}

#[test]
fn another_identity_or_an_edited_aws_config_is_another_entry() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("p", 43_200)));
    let sandbox = Sandbox::new().static_keys().endpoints(&mock);
    sandbox.get(HOST);
    sandbox.get(HOST);
    assert_eq!(mock.requests().len(), 1);
    let other_key = sandbox
        .clone_env()
        .env("AWS_ACCESS_KEY_ID", "AKIDOTHEROTHEROTHER0");
    other_key.get(HOST);
    assert_eq!(mock.requests().len(), 2);
    sandbox.aws_file("config", "[default]\ncli_pager =\n");
    sandbox.get(HOST);
    assert_eq!(mock.requests().len(), 3);
    sandbox.get(HOST);
    assert_eq!(mock.requests().len(), 3);
}

#[test]
fn list_and_erase_work_on_the_cache() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("p", 43_200)));
    mock.public(json_reply(public_reply("q", 43_200)));
    let sandbox = Sandbox::new().static_keys().endpoints(&mock);
    assert_eq!(sandbox.run(&["list"], "unused").stdout, "{}\n");
    sandbox.get(&format!("https://{HOST}"));
    sandbox.get("public.ecr.aws");
    let listed = sandbox.run(&["list"], "unused");
    assert_eq!(
        (listed.code, listed.stdout.as_str()),
        (
            0,
            format!("{{\"{HOST}\":\"AWS\",\"public.ecr.aws\":\"AWS\"}}\n").as_str()
        )
    );
    let stranger = sandbox
        .clone_env()
        .env("AWS_ACCESS_KEY_ID", "AKIDSTRANGERSTRANGER");
    assert_eq!(
        stranger.run(&["list"], "").stdout,
        "{}\n",
        "another identity sees nothing"
    );

    let erased = sandbox.run(&["erase"], format!("https://{HOST}"));
    assert_eq!((erased.code, erased.stdout.as_str()), (0, ""));
    assert_eq!(
        sandbox.run(&["list"], "").stdout,
        "{\"public.ecr.aws\":\"AWS\"}\n"
    );
    let before = mock.requests().len();
    sandbox.get(HOST);
    assert_eq!(
        mock.requests().len(),
        before + 1,
        "erased means fetched again"
    );
}

#[test]
fn stale_while_error_but_never_an_expired_token() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("old-pw", 43_200)));
    let sandbox = Sandbox::new().static_keys().endpoints(&mock);
    let entry = sandbox.stale_entry(HOST);
    mock.reset();
    mock.ecr(aws_error(500, "ServerException", "down"));
    let run = sandbox.get(HOST);
    assert_served_stale("HTTP 500", &run, "old-pw", "ECR returned an error");

    make_expired(&entry);
    let run = sandbox.get(HOST);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.starts_with("ecr-login: ECR returned an error"),
        "{run:?}"
    );
    assert!(!run.stdout.contains("old-pw"));
}

#[test]
fn a_token_expired_on_arrival_is_answered_once_and_not_cached() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("moto-like", -3_600)));
    let sandbox = Sandbox::new().static_keys().endpoints(&mock);
    let run = sandbox.get(HOST);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, get_line(HOST, "moto-like").as_str())
    );
    assert!(run.stderr.contains("not caching it"), "{}", run.stderr);
    assert!(sandbox.cache_entries().is_empty());
    sandbox.get(HOST);
    assert_eq!(mock.requests().len(), 2);
}

#[test]
fn corrupt_entries_are_misses_and_get_rewritten() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("p", 43_200)));
    let sandbox = Sandbox::new().static_keys().endpoints(&mock);
    sandbox.get(HOST);
    let entry = sandbox.cache_entries().pop().unwrap();
    for junk in [
        &b""[..],
        b"{\"version\":1,",
        b"{\"version\":99}",
        b"\xff\xfe",
    ] {
        std::fs::write(&entry, junk).unwrap();
        let run = sandbox.get(HOST);
        assert_eq!(
            (run.code, run.stdout.as_str()),
            (0, get_line(HOST, "p").as_str())
        );
        let rewritten: Value = serde_json::from_slice(&std::fs::read(&entry).unwrap()).unwrap();
        assert_eq!(rewritten["version"], 1);
    }
    assert_eq!(mock.requests().len(), 5);
}

#[test]
#[cfg(unix)]
fn an_unsafe_or_unusable_cache_directory_still_yields_credentials() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("p", 43_200)));
    let tmp = tempfile::tempdir().unwrap();
    let open = tmp.path().join("open");
    std::fs::create_dir(&open).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
    let run = Sandbox::new()
        .static_keys()
        .endpoints(&mock)
        .env("AWS_ECR_CACHE_DIR", open.display().to_string())
        .get(HOST);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, get_line(HOST, "p").as_str())
    );
    assert!(
        run.stderr.contains("others can write to it"),
        "{}",
        run.stderr
    );
    assert!(entry_files(&open).is_empty());

    let blocked = tmp.path().join("a-file");
    std::fs::write(&blocked, "").unwrap();
    let run = Sandbox::new()
        .static_keys()
        .endpoints(&mock)
        .env(
            "AWS_ECR_CACHE_DIR",
            blocked.join("cache").display().to_string(),
        )
        .get(HOST);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, get_line(HOST, "p").as_str())
    );
}
