//! The protocol verbs never report success for what they did not do, and never let input
//! forge output.

use crate::support::*;

#[test]
fn store_for_a_registry_that_is_not_ecr_fails_and_says_why() {
    let sandbox = Sandbox::new();
    for ignore in [None, Some("1")] {
        let sandbox = match ignore {
            Some(v) => sandbox.clone_env().env("AWS_ECR_IGNORE_CREDS_STORAGE", v),
            None => sandbox.clone_env(),
        };
        let run = sandbox.run(
            &["store"],
            r#"{"ServerURL":"https://ghcr.io","Username":"me","Secret":"ghp_secret"}"#,
        );
        assert_eq!(run.code, 1, "{run:?}");
        assert_eq!(run.stdout.lines().count(), 1, "{run:?}");
        assert!(
            run.stdout
                .starts_with("ecr-login: credentials for ghcr.io were not stored"),
            "{}",
            run.stdout
        );
        assert!(run.stdout.contains("credHelpers"), "{}", run.stdout);
        assert!(!run.stdout.contains("ghp_secret"));
        let ecr = sandbox.run(
            &["store"],
            format!(r#"{{"ServerURL":"{HOST}","Username":"AWS","Secret":"x"}}"#),
        );
        assert_eq!((ecr.code, ecr.stdout.as_str()), (0, ""), "{ecr:?}");
    }
}

#[test]
fn every_line_of_stdin_is_one_server_url() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("p", 43_200)));
    let sandbox = Sandbox::new().static_keys().endpoints(&mock);
    let run = sandbox.run(&["get"], format!("{HOST}\nevil.com\n"));
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (1, "credentials not found in native keychain\n")
    );
    assert!(mock.requests().is_empty());
    let split = &HOST[..10];
    let run = sandbox.run(&["get"], format!("{split}\r\n{}\n", &HOST[10..]));
    assert_eq!(run.stdout, get_line(HOST, "p"), "{run:?}");
}

#[test]
fn an_echoed_role_arn_cannot_forge_a_line() {
    let mock = EcrMock::start();
    mock.sts(
        wiremock::ResponseTemplate::new(403)
            .insert_header("content-type", "text/xml")
            .set_body_string(
                "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>Not authorized</Message></Error><RequestId>1</RequestId></ErrorResponse>",
            ),
    );
    let sandbox = Sandbox::new()
        .endpoints(&mock)
        .env("AWS_ENDPOINT_URL_STS", mock.url())
        .env("AWS_ECR_LOG", "debug");
    let request = role_request(
        "header.payload.signature",
        "arn:aws:iam::123456789012:role/x\necr-login: forged\u{1b}[2J",
    );
    let run = sandbox.run(&["kubelet-plugin"], request);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(!run.stderr.contains('\u{1b}'), "{}", run.stderr);
    for line in run.stderr.lines() {
        assert!(!line.starts_with("ecr-login: forged"), "{}", run.stderr);
    }
    assert!(
        run.stderr.contains("role/x\\necr-login: forged"),
        "{}",
        run.stderr
    );
}

/// True for what must never reach output as it is: a control (but the newline ending a
/// line) or a format character such as U+202E RIGHT-TO-LEFT OVERRIDE.
fn is_hidden(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(
            c,
            '\u{ad}' | '\u{61c}' | '\u{180e}' | '\u{feff}' | '\u{e0001}'
        )
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{206f}')
        || matches!(c, '\u{fff9}'..='\u{fffb}' | '\u{e0020}'..='\u{e007f}')
}

#[test]
fn format_characters_in_echoed_input_are_escaped() {
    let sandbox = Sandbox::new().debug_log_file();
    // A right-to-left override shows `gh\u{202e}moc.live` as `ghevil.com`.
    let rlo = "\u{202e}moc.live";
    let check = |run: &Run, escaped: &str| {
        let all = format!("{}{}", run.stdout, run.stderr);
        assert!(!all.chars().any(is_hidden), "{all:?}");
        assert!(all.contains(escaped), "{all:?}");
    };

    let run = sandbox.run(&[&format!("frobnicate{rlo}")], "");
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (
            1,
            "docker-credential-ecr-login: unknown action: frobnicate\\u{202e}moc.live\n"
        )
    );

    let run = sandbox.run(
        &["store"],
        format!(r#"{{"ServerURL":"https://gh{rlo}","Username":"me","Secret":"x"}}"#),
    );
    assert_eq!(run.code, 1, "{run:?}");
    check(&run, "credentials for gh\\u{202e}moc.live were not stored");

    let request = role_request(
        "header.payload.signature",
        &format!("arn:aws:iam::123456789012:role/x{rlo}\u{200b}"),
    );
    let run = sandbox.run(&["kubelet-plugin"], request);
    assert_eq!(run.code, 1, "{run:?}");
    check(
        &run,
        "is not a role ARN: \"arn:aws:iam::123456789012:role/x\\u{202e}moc.live\\u{200b}\"",
    );

    let kubeconfig = sandbox.home.path().join(format!("kube{rlo}"));
    let run = sandbox.kube_apply("x", &kubeconfig, &[]);
    assert_eq!(run.code, 1, "{run:?}");
    check(&run, "kube\\u{202e}moc.live: cannot read");

    let docker = sandbox.home.path().join(format!("docker{rlo}.json"));
    let run = sandbox.configure(&docker, &[HOST]);
    assert_eq!(run.code, 0, "{run:?}");
    check(&run, "docker\\u{202e}moc.live.json");

    let logged = sandbox.logged(&["\\u{202e}"]);
    assert!(!logged.chars().any(is_hidden), "{logged:?}");
}

#[cfg(target_os = "linux")]
#[test]
fn the_process_can_dump_no_core() {
    use std::process::Stdio;
    let mut child = Sandbox::new()
        .command(&["get"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // `get` sets its limits first thing, then blocks reading stdin: wait for the limit itself
    // (a busy machine may take a while to get the process that far).
    let core_limit = || {
        let limits =
            std::fs::read_to_string(format!("/proc/{}/limits", child.id())).unwrap_or_default();
        limits
            .lines()
            .find(|l| l.starts_with("Max core file size"))
            .map(|l| {
                l.split_whitespace()
                    .skip(4)
                    .take(2)
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default()
    };
    let off = wait_for(std::time::Duration::from_secs(20), || core_limit() == "0 0");
    let last = core_limit();
    drop(child.stdin.take());
    let _ = child.kill();
    let _ = child.wait();
    assert!(off, "the core file size limit stayed {last:?}");
}

#[test]
fn a_profile_named_in_the_config_wins_over_keys_in_the_environment() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("p", 43_200)));
    let sandbox = Sandbox::new().static_keys().endpoints(&mock);
    sandbox.aws_file(
        "credentials",
        "[partner]\naws_access_key_id = AKIDPARTNERPARTNER01\naws_secret_access_key = partnersecret\n",
    );
    let config = sandbox.home.path().join("ecr.toml");
    std::fs::write(
        &config,
        "[accounts.\"123456789012\"]\nprofile = \"partner\"\n",
    )
    .unwrap();
    let run = sandbox
        .env("AWS_ECR_CONFIG", config.display().to_string())
        .get(HOST);
    assert_eq!(run.stdout, get_line(HOST, "p"), "{run:?}");
    let auth = header_of(&mock.requests()[0], "authorization");
    assert!(auth.contains("Credential=AKIDPARTNERPARTNER01/"), "{auth}");
}
