//! Profiles whose role asks for an MFA code (`mfa_serial`), on Linux: the code typed on a
//! terminal of the helper's own (a pty), the session kept so the next `get` asks nothing, the
//! AWS CLI's cached session used instead of asking, and no terminal at all said at once.

use std::time::Duration;

use serde_json::json;

use crate::support::*;

const SERIAL: &str = "arn:aws:iam::123456789012:mfa/alice";
const ADMIN: &str = "arn:aws:iam::123456789012:role/admin";
const APP: &str = "arn:aws:iam::210987654321:role/app";
const CODE: &str = "271828";
const ADMIN_SESSION: &str = "ASIAADMINSESSION0001";
const APP_SESSION: &str = "ASIAAPPSESSION000001";
const QUESTION: &str = "Enter MFA code for arn:aws:iam::123456789012:mfa/alice (profile prod): ";
const US_EAST: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
const US_WEST: &str = "123456789012.dkr.ecr.us-west-2.amazonaws.com";

/// `prod` assumes `admin`, whose trust policy asks for alice's MFA code, with `base`'s keys;
/// `app` assumes `app` with `prod`'s session.
fn setup() -> (EcrMock, Sandbox) {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("mfa-pw", 43_200)));
    mock.assume_role(&[
        Role {
            arn: ADMIN,
            caller: ACCESS_KEY,
            mfa: Some((SERIAL, CODE)),
            session: ADMIN_SESSION,
        },
        Role {
            arn: APP,
            caller: ADMIN_SESSION,
            mfa: None,
            session: APP_SESSION,
        },
    ]);
    let sandbox = Sandbox::new()
        .endpoints(&mock)
        .env("AWS_ENDPOINT_URL_STS", mock.url())
        .env("AWS_PROFILE", "prod")
        .debug_log_file();
    sandbox.aws_file(
        "credentials",
        &format!("[base]\naws_access_key_id = {ACCESS_KEY}\naws_secret_access_key = base-secret\n"),
    );
    let role = |arn: &str, source: &str| format!("role_arn = {arn}\nsource_profile = {source}\n");
    sandbox.aws_file(
        "config",
        &format!(
            "[profile prod]\n{}mfa_serial = {SERIAL}\n\n[profile twin]\n{}mfa_serial = {SERIAL}\n\n\
             [profile app]\n{}",
            role(ADMIN, "base"),
            role(ADMIN, "base"),
            role(APP, "prod"),
        ),
    );
    (mock, sandbox)
}

/// The access keys the ECR calls were signed with, in order.
fn ecr_callers(mock: &EcrMock) -> Vec<String> {
    mock.requests()
        .iter()
        .filter(|r| header_of(r, "x-amz-target") == ECR_TARGET)
        .map(caller)
        .collect()
}

/// The MFA session files in the sandbox's cache.
fn session_files(sandbox: &Sandbox) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(sandbox.cache_dir())
        .map(|dir| dir.flatten().map(|e| e.path()).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            name.starts_with("token-v1-session-") && name.ends_with(".json")
        })
        .collect()
}

fn assert_no_terminal_line(run: &Run) {
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(run.stdout.lines().count(), 1, "{run:?}");
    for part in [
        r#"ecr-login: profile "prod" needs an MFA code for arn:aws:iam::123456789012:mfa/alice, and there is no terminal to ask on"#,
        "aws sts get-session-token --serial-number arn:aws:iam::123456789012:mfa/alice --token-code",
        "aws sso login",
    ] {
        assert!(run.stdout.contains(part), "{part:?} not in {run:?}");
    }
    assert!(run.elapsed < START_UP + AT_ONCE, "{:?}", run.elapsed);
}

#[test]
fn the_code_is_asked_once_and_the_session_serves_the_next_gets() {
    let (mock, sandbox) = setup();
    let first = sandbox.run_on_terminal(&["get"], HOST, &format!("{CODE}\n"));
    assert_eq!(
        (first.run.code, first.run.stdout.as_str()),
        (0, get_line(HOST, "mfa-pw").as_str()),
        "{first:?}"
    );
    assert_eq!(first.terminal.matches(QUESTION).count(), 1, "{first:?}");
    let calls = mock.assume_role_requests();
    assert_eq!(calls.len(), 1, "{calls:?}");
    let (form, signer) = &calls[0];
    assert_eq!(form.get("RoleArn").map(String::as_str), Some(ADMIN));
    assert_eq!(form.get("SerialNumber").map(String::as_str), Some(SERIAL));
    assert_eq!(form.get("TokenCode").map(String::as_str), Some(CODE));
    assert_eq!(signer, ACCESS_KEY, "assumed with the source profile's keys");
    assert_eq!(ecr_callers(&mock), [ADMIN_SESSION]);

    let sessions = session_files(&sandbox);
    assert_eq!(sessions.len(), 1, "{sessions:?}");
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&sessions[0])
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // Another registry misses the token cache: the session answers, with nobody asked.
    let second = sandbox.run_on_terminal(&["get"], US_EAST, "");
    assert_eq!(
        (second.run.code, second.run.stdout.as_str()),
        (0, get_line(US_EAST, "mfa-pw").as_str()),
        "{second:?}"
    );
    assert!(!second.terminal.contains("MFA"), "{second:?}");
    let third = sandbox.run_without_terminal(&["get"], US_WEST);
    assert_eq!(third.code, 0, "{third:?}");
    assert_eq!(
        mock.assume_role_requests().len(),
        1,
        "one AssumeRole in all"
    );
    assert_eq!(ecr_callers(&mock), [ADMIN_SESSION; 3]);

    // Nothing secret in the log, and the code neither.
    let (secret, token) = session_secrets(ADMIN_SESSION);
    let logged = sandbox.logged(&["a role session with MFA, cached"]);
    for run in [&first.run, &second.run, &third] {
        for text in [&secret, &token, "base-secret", CODE] {
            assert!(!run.stderr.contains(text), "{text} in {}", run.stderr);
            assert!(!logged.contains(text), "{text} in the log");
        }
    }

    // Another profile naming the same role never gets this session.
    let twin = sandbox
        .clone_env()
        .env("AWS_PROFILE", "twin")
        .run_without_terminal(&["get"], US_WEST);
    assert_eq!(twin.code, 1, "{twin:?}");
    assert!(
        twin.stdout.contains(r#"profile "twin" needs an MFA code"#),
        "{twin:?}"
    );
}

#[test]
fn the_aws_clis_cached_session_is_used_instead_of_asking() {
    let (mock, sandbox) = setup();
    // Named as the AWS CLI names it: the SHA-1 of its AssumeRole arguments, in Python's JSON
    // ({"RoleArn": "...", "SerialNumber": "..."}).
    let dir = sandbox.home.path().join(".aws/cli/cache");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("c08bbcd61d2960e17757c33319b79219a44dea4e.json");
    let write = |expires_in: i64| {
        // As botocore writes it: strftime('%Y-%m-%dT%H:%M:%S%Z').
        let expiration = time::OffsetDateTime::from_unix_timestamp(unix_now() + expires_in)
            .unwrap()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap()
            .replace('Z', "UTC");
        let reply = json!({
            "Credentials": {
                "AccessKeyId": "ASIACLISESSION000001",
                "SecretAccessKey": "cli-secret",
                "SessionToken": "cli-token",
                "Expiration": expiration,
            },
            "AssumedRoleUser": {"Arn": "arn:aws:sts::123456789012:assumed-role/admin/s"},
            "ResponseMetadata": {"HTTPStatusCode": 200},
        });
        std::fs::write(&file, reply.to_string()).unwrap();
    };
    write(3000);
    let run = sandbox.run_without_terminal(&["get"], HOST);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, get_line(HOST, "mfa-pw").as_str()),
        "{run:?}"
    );
    assert!(mock.assume_role_requests().is_empty(), "no AssumeRole");
    assert_eq!(ecr_callers(&mock), ["ASIACLISESSION000001"]);
    assert!(
        session_files(&sandbox).is_empty(),
        "the CLI's session is not copied"
    );

    // An expired one is not there: a code is needed, and here nobody can be asked.
    write(-60);
    assert_no_terminal_line(&sandbox.run_without_terminal(&["get"], US_EAST));
    // Nor is one that is not a regular file.
    std::fs::remove_file(&file).unwrap();
    mkfifo(&file);
    assert_no_terminal_line(&sandbox.run_without_terminal(&["get"], US_EAST));
    assert!(mock.assume_role_requests().is_empty());
}

#[test]
fn without_a_terminal_one_line_says_what_to_run_instead_at_once() {
    let (mock, sandbox) = setup();
    let run = sandbox.run_without_terminal(&["get"], HOST);
    assert_no_terminal_line(&run);
    assert!(mock.assume_role_requests().is_empty());
    assert!(ecr_callers(&mock).is_empty());
    assert!(session_files(&sandbox).is_empty());
}

#[test]
fn a_wrong_code_is_aws_access_denied() {
    let (mock, sandbox) = setup();
    let wrong = sandbox.run_on_terminal(&["get"], HOST, "000000\n");
    assert_eq!(wrong.run.code, 1, "{wrong:?}");
    assert!(wrong.terminal.contains(QUESTION), "{wrong:?}");
    assert_eq!(wrong.run.stdout.lines().count(), 1, "{wrong:?}");
    assert!(
        wrong.run.stdout.starts_with(&format!("ecr-login: AWS denied the token request for {ADMIN}: MultiFactorAuthentication failed with invalid MFA one time pass code. (AccessDenied)")),
        "{wrong:?}"
    );
    let calls = mock.assume_role_requests();
    assert_eq!(calls.len(), 1);
    assert_eq!(
        calls[0].0.get("TokenCode").map(String::as_str),
        Some("000000")
    );
    assert!(ecr_callers(&mock).is_empty());
    assert!(session_files(&sandbox).is_empty(), "nothing kept");
}

#[test]
fn an_answer_that_is_not_six_digits_is_asked_again_twice_then_refused() {
    let (mock, sandbox) = setup();
    let refused = sandbox.run_on_terminal(&["get"], HOST, "12345\nabcdef\n1234567\n");
    assert_eq!(refused.run.code, 1, "{refused:?}");
    assert_eq!(
        refused.run.stdout,
        format!(
            "ecr-login: no MFA code for {SERIAL} (profile \"prod\"): 3 answers were not six digits\n"
        )
    );
    assert_eq!(refused.terminal.matches(QUESTION).count(), 3, "{refused:?}");
    assert!(mock.assume_role_requests().is_empty());

    let second_try = sandbox.run_on_terminal(&["get"], HOST, &format!("12\n{CODE}\n"));
    assert_eq!(second_try.run.code, 0, "{second_try:?}");
    assert_eq!(second_try.terminal.matches(QUESTION).count(), 2);
    assert!(second_try.terminal.contains("six digits"), "{second_try:?}");

    let closed = setup().1.run_on_terminal(&["get"], HOST, "");
    assert_eq!(closed.run.code, 1, "{closed:?}");
    assert!(
        closed.run.stdout.contains("the terminal closed"),
        "{closed:?}"
    );
}

#[test]
fn mfa_serial_on_a_source_profile_is_asked_for_in_the_chain() {
    let (mock, sandbox) = setup();
    let sandbox = sandbox.env("AWS_PROFILE", "app");
    let run = sandbox.run_on_terminal(&["get"], HOST, &format!("{CODE}\n"));
    assert_eq!(run.run.code, 0, "{run:?}");
    assert!(
        run.terminal.contains(QUESTION),
        "the source profile's question: {run:?}"
    );
    let calls = mock.assume_role_requests();
    let summary: Vec<_> = calls
        .iter()
        .map(|(form, signer)| {
            (
                form.get("RoleArn").cloned().unwrap_or_default(),
                form.contains_key("TokenCode"),
                signer.clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (ADMIN.to_owned(), true, ACCESS_KEY.to_owned()),
            (APP.to_owned(), false, ADMIN_SESSION.to_owned()),
        ]
    );
    assert_eq!(ecr_callers(&mock), [APP_SESSION]);

    // Within the hour, the chain starts from the kept session: only the last role is assumed.
    let again = sandbox.run_without_terminal(&["get"], US_EAST);
    assert_eq!(again.code, 0, "{again:?}");
    let calls = mock.assume_role_requests();
    assert_eq!(calls.len(), 3);
    assert_eq!(calls[2].0.get("RoleArn").map(String::as_str), Some(APP));
    assert_eq!(calls[2].1, ADMIN_SESSION);
}

#[test]
fn the_time_taken_to_type_the_code_does_not_count_against_the_timeout() {
    let (mock, sandbox) = setup();
    let sandbox = sandbox.env("AWS_ECR_TIMEOUT", "2s");
    // The code is typed when the deadline has long passed.
    let slow = sandbox.run_on_terminal_when(
        &["get"],
        HOST,
        &format!("{CODE}\n"),
        Some((QUESTION, Duration::from_secs(4))),
    );
    assert_eq!(
        (slow.run.code, slow.run.stdout.as_str()),
        (0, get_line(HOST, "mfa-pw").as_str()),
        "{slow:?}"
    );
    assert!(slow.run.elapsed >= Duration::from_secs(4));
    assert_eq!(mock.assume_role_requests().len(), 1);
}

#[test]
fn without_a_terminal_a_still_valid_token_bridges_a_refresh_that_needs_a_code() {
    let (_mock, sandbox) = setup();
    let first = sandbox.run_on_terminal(&["get"], HOST, &format!("{CODE}\n"));
    assert_eq!(first.run.code, 0, "{first:?}");
    // The session is gone (an hour later), the token due for refresh but not expired.
    for file in session_files(&sandbox) {
        std::fs::remove_file(file).unwrap();
    }
    let entries = sandbox.cache_entries();
    assert_eq!(entries.len(), 1, "{entries:?}");
    make_stale(&entries[0]);
    let quiet = sandbox.clone_env().env("AWS_ECR_LOG", "warn");
    let run = quiet.run_without_terminal(&["get"], HOST);
    assert_served_stale("no terminal", &run, "mfa-pw", "needs an MFA code");
}

#[test]
fn one_process_at_a_time_asks_and_the_others_use_its_session() {
    let (mock, sandbox) = setup();
    let mut first = sandbox.spawn_on_terminal(&["get"], HOST);
    first.wait_until_shown(QUESTION);
    // Another registry needs the same session: the second get waits for the first instead of
    // asking on its own terminal, where nobody types (its input is closed).
    let mut second = sandbox.spawn_on_terminal(&["get"], US_EAST);
    second.type_and_close("");
    assert!(
        wait_for(Duration::from_secs(60), || second
            .stderr()
            .contains("taking its lock, held by any other process")),
        "{}",
        second.stderr()
    );
    first.type_and_close(&format!("{CODE}\n"));
    let (first, second) = (first.finish(), second.finish());
    assert_eq!(first.run.code, 0, "{first:?}");
    assert_eq!(
        (second.run.code, second.run.stdout.as_str()),
        (0, get_line(US_EAST, "mfa-pw").as_str()),
        "{second:?}"
    );
    assert!(!second.terminal.contains("MFA"), "{second:?}");
    assert_eq!(mock.assume_role_requests().len(), 1);
}
