//! The protocol verbs' exact shapes, none of which needs the network.

use crate::support::Sandbox;

const NOT_FOUND: &str = "credentials not found in native keychain\n";

#[test]
fn non_ecr_hosts_are_not_found_silently() {
    let sandbox = Sandbox::new().static_keys();
    for host in [
        "docker.io",
        "https://index.docker.io/v1/",
        "ghcr.io",
        "localhost:5000",
        "123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.example",
    ] {
        let run = sandbox.get(host);
        assert_eq!(
            (run.code, run.stdout.as_str(), run.stderr.as_str()),
            (1, NOT_FOUND, ""),
            "{host}"
        );
    }
}

#[test]
fn empty_input_is_a_missing_server_url() {
    for verb in ["get", "erase"] {
        let run = Sandbox::new().run(&[verb], " \n");
        assert_eq!(
            (run.code, run.stdout.as_str()),
            (1, "no credentials server URL\n"),
            "{verb}"
        );
    }
}

#[test]
fn store_validates_and_stores_nothing_for_ecr() {
    let sandbox = Sandbox::new();
    let ok = sandbox.run(&["store"], r#"{"ServerURL":"123456789012.dkr.ecr.us-east-1.amazonaws.com","Username":"AWS","Secret":"x"}"#);
    assert_eq!((ok.code, ok.stdout.as_str()), (0, ""));
    let no_url = sandbox.run(&["store"], r#"{"Username":"AWS","Secret":"x"}"#);
    assert_eq!(
        (no_url.code, no_url.stdout.as_str()),
        (1, "no credentials server URL\n")
    );
    let no_user = sandbox.run(&["store"], r#"{"ServerURL":"h","Secret":"x"}"#);
    assert_eq!(
        (no_user.code, no_user.stdout.as_str()),
        (1, "no credentials username\n")
    );
    let junk = sandbox.run(&["store"], "{not json");
    assert_eq!(junk.code, 1);
    assert_eq!(junk.stdout.lines().count(), 1, "{junk:?}");
    let ignored = Sandbox::new()
        .env("AWS_ECR_IGNORE_CREDS_STORAGE", "true")
        .run(
            &["store"],
            r#"{"ServerURL":"public.ecr.aws","Username":"AWS","Secret":"x"}"#,
        );
    assert_eq!((ignored.code, ignored.stdout.as_str()), (0, ""));
}

#[test]
fn erase_accepts_ecr_and_refuses_others() {
    let sandbox = Sandbox::new();
    let ecr = sandbox.run(
        &["erase"],
        "https://123456789012.dkr.ecr.us-east-1.amazonaws.com",
    );
    assert_eq!((ecr.code, ecr.stdout.as_str()), (0, ""));
    let other = sandbox.run(&["erase"], "docker.io");
    assert_eq!((other.code, other.stdout.as_str()), (1, NOT_FOUND));
}

/// Scripts written for the Go helper set `AWS_ECR_IGNORE_CREDS_STORAGE=true` so that, with
/// `credsStore: ecr-login` and `set -e`, a `docker login` to another registry succeeds.
#[test]
fn ignore_creds_storage_lets_store_and_erase_succeed_for_any_host() {
    let store_ghcr = r#"{"ServerURL":"ghcr.io","Username":"me","Secret":"x"}"#;
    let ignoring = Sandbox::new().env("AWS_ECR_IGNORE_CREDS_STORAGE", "true");
    for (verb, input) in [
        ("store", store_ghcr),
        ("erase", "ghcr.io"),
        ("erase", "https://index.docker.io/v1/"),
    ] {
        let run = ignoring.run(&[verb], input);
        assert_eq!(
            (run.code, run.stdout.as_str(), run.stderr.as_str()),
            (0, "", ""),
            "{verb} {input}"
        );
    }
    // Any case of `true`, as the other boolean settings.
    let upper = Sandbox::new().env("AWS_ECR_IGNORE_CREDS_STORAGE", "TRUE");
    assert_eq!(upper.run(&["store"], store_ghcr).code, 0);
    // Still a protocol: invalid input is refused, not ignored.
    let no_user = ignoring.run(&["store"], r#"{"ServerURL":"ghcr.io","Secret":"x"}"#);
    assert_eq!(
        (no_user.code, no_user.stdout.as_str()),
        (1, "no credentials username\n")
    );

    // Without it (or set to anything but true), nothing is thrown away silently.
    let refused = Sandbox::new().run(&["store"], store_ghcr);
    assert_eq!(refused.code, 1);
    assert!(
        refused
            .stdout
            .starts_with("ecr-login: credentials for ghcr.io were not stored"),
        "{refused:?}"
    );
    let erase = Sandbox::new().run(&["erase"], "ghcr.io");
    assert_eq!((erase.code, erase.stdout.as_str()), (1, NOT_FOUND));
    let one = Sandbox::new().env("AWS_ECR_IGNORE_CREDS_STORAGE", "1");
    let run = one.run(&["store"], store_ghcr);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .contains("AWS_ECR_IGNORE_CREDS_STORAGE=\"1\" is neither true nor false"),
        "{run:?}"
    );
}

#[test]
fn list_is_an_object() {
    for input in ["", "unused"] {
        let run = Sandbox::new().run(&["list"], input);
        assert_eq!((run.code, run.stdout.as_str()), (0, "{}\n"));
    }
}

#[test]
fn version_both_ways() {
    let expected = format!(
        "docker-credential-ecr-login {}\n",
        env!("CARGO_PKG_VERSION")
    );
    // `-v` is the Go helper's spelling; `-V` is clap's.
    for args in [
        &["version"][..],
        &["--version"][..],
        &["-v"][..],
        &["-V"][..],
    ] {
        let run = Sandbox::new().run(args, "");
        assert_eq!(
            (run.code, run.stdout.as_str()),
            (0, expected.as_str()),
            "{args:?}"
        );
    }
}

#[test]
fn unknown_verb_gets_the_protocol_line() {
    let run = Sandbox::new().run(&["frobnicate"], "");
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (
            1,
            "docker-credential-ecr-login: unknown action: frobnicate\n"
        )
    );
}

#[test]
fn help_teaches() {
    let run = Sandbox::new().run(&["--help"], "");
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("credHelpers"), "{}", run.stdout);
    assert!(run.stdout.contains("AWS_ECR_TIMEOUT"), "{}", run.stdout);
}
