//! Bazel's credential-helper protocol (`--credential_helper`): `get` with `{"uri": ...}` on
//! stdin answers the Authorization header Bazel adds, with the moment to ask again.

use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::support::*;

/// Bazel's request for `uri`, as Bazel writes it (compact, no newline).
fn request(uri: &str) -> String {
    json!({ "uri": uri }).to_string()
}

/// A private ECR reply expiring at `expires_at` (seconds since the epoch).
fn reply_expiring_at(password: &str, expires_at: i64) -> serde_json::Value {
    json!({"authorizationData": [{
        "authorizationToken": b64(&format!("AWS:{password}")),
        "expiresAt": expires_at,
        "proxyEndpoint": format!("https://{HOST}"),
    }]})
}

/// The exact answer for `password`, due for a new one at `refresh_at`.
fn answer(password: &str, refresh_at: i64) -> String {
    let expires = OffsetDateTime::from_unix_timestamp(refresh_at)
        .unwrap()
        .format(&Rfc3339)
        .unwrap();
    format!(
        "{{\"headers\":{{\"Authorization\":[\"Basic {}\"]}},\"expires\":\"{expires}\"}}\n",
        b64(&format!("AWS:{password}"))
    )
}

#[test]
fn an_ecr_uri_gets_basic_auth_until_the_refresh_point() {
    let expires_at = unix_now() + 43_200;
    let mock = EcrMock::start();
    mock.ecr(json_reply(reply_expiring_at("bazel-pw", expires_at)));
    let sandbox = Sandbox::new().static_keys().endpoints(&mock);
    let uri = format!("https://{HOST}/v2/app/manifests/sha256:0123");
    let run = sandbox.run(&["get"], request(&uri));
    // The refresh point: an hour (the default refresh window) before the token expires.
    let expected = answer("bazel-pw", expires_at - 3600);
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (0, expected.as_str(), ""),
        "{run:?}"
    );
    // Bazel's next request, and docker's, are hits of the same cache entry.
    let again = sandbox.run(&["get"], request(&format!("https://{HOST}/v2/")));
    assert_eq!((again.code, again.stdout.as_str()), (0, expected.as_str()));
    let docker = sandbox.get(HOST);
    assert_eq!(docker.stdout, get_line(HOST, "bazel-pw"));
    assert_eq!(mock.requests().len(), 1);
}

#[test]
fn the_refresh_window_sets_expires() {
    let expires_at = unix_now() + 43_200;
    let mock = EcrMock::start();
    mock.ecr(json_reply(reply_expiring_at("pw", expires_at)));
    let sandbox = Sandbox::new()
        .static_keys()
        .endpoints(&mock)
        .env("AWS_ECR_REFRESH_WINDOW", "3h");
    let run = sandbox.run(&["get"], request(&format!("https://{HOST}/v2/")));
    assert_eq!(run.stdout, answer("pw", expires_at - 3 * 3600), "{run:?}");
}

#[test]
fn an_alias_gets_its_registrys_token() {
    let expires_at = unix_now() + 43_200;
    let mock = EcrMock::start();
    mock.ecr(json_reply(reply_expiring_at("alias-pw", expires_at)));
    let config = format!("[registries.\"localhost:5443\"]\nalias_of = \"{HOST}\"\n");
    let sandbox = Sandbox::new().static_keys().endpoints(&mock);
    let path = sandbox.home.path().join("ecr-login.toml");
    std::fs::write(&path, config).unwrap();
    let sandbox = sandbox.env("AWS_ECR_CONFIG", path.display().to_string());
    let run = sandbox.run(
        &["get"],
        request("https://localhost:5443/v2/app/blobs/sha256:ab"),
    );
    assert_eq!(run.stdout, answer("alias-pw", expires_at - 3600), "{run:?}");
}

/// Hosts that are not ECR get no header and no error: a helper set for a wide scope must not
/// break Bazel's other downloads (ECR's layers come from S3 URLs). Nor does plain HTTP get a
/// token, nor ECR Public without AWS credentials (anonymous pulls).
#[test]
fn anything_else_gets_no_credentials() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("never", 43_200)));
    let sandbox = Sandbox::new().static_keys().endpoints(&mock);
    for uri in [
        "https://github.com/bazelbuild/rules_oci/releases/download/v2.0.0/rules_oci-v2.0.0.tar.gz",
        "https://prod-eu-west-1-starport-layer-bucket.s3.eu-west-1.amazonaws.com/a/b?X-Amz-Signature=x",
        &format!("https://{HOST}.evil.example/v2/"),
        &format!("http://{HOST}/v2/"),
        &format!("grpcs://{HOST}"),
        "",
    ] {
        let run = sandbox.run(&["get"], request(uri));
        assert_eq!(
            (run.code, run.stdout.as_str(), run.stderr.as_str()),
            (0, "{}\n", ""),
            "{uri}: {run:?}"
        );
    }
    assert!(mock.requests().is_empty());
    let anonymous = Sandbox::new().endpoints(&mock);
    let run = anonymous.run(
        &["get"],
        request("https://public.ecr.aws/v2/docker/library/alpine/manifests/3"),
    );
    assert_eq!((run.code, run.stdout.as_str()), (0, "{}\n"), "{run:?}");
}

/// ECR Public refuses basic auth: it takes the same token as a bearer token.
#[test]
fn ecr_public_gets_its_token_as_a_bearer_token() {
    let expires_at = unix_now() + 43_200;
    let mock = EcrMock::start();
    mock.public(json_reply(json!({"authorizationData": {
        "authorizationToken": b64("AWS:public-pw"),
        "expiresAt": expires_at,
    }})));
    let sandbox = Sandbox::new().static_keys().endpoints(&mock);
    let run = sandbox.run(
        &["get"],
        request("https://public.ecr.aws/v2/x/y/manifests/1"),
    );
    let expected = answer("public-pw", expires_at - 3600).replace("\"Basic ", "\"Bearer ");
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, expected.as_str()),
        "{run:?}"
    );
}

#[test]
fn a_request_that_is_not_one_is_one_line_and_exit_1() {
    let sandbox = Sandbox::new().static_keys();
    for input in [
        "{".to_owned(),
        "{\"url\": \"https://x\"}".to_owned(),
        "{\"uri\": 5}".to_owned(),
        "{\"uri\": null}".to_owned(),
        format!("  {{\"uri\": \"https://{HOST}/\"}} trailing"),
    ] {
        let run = sandbox.run(&["get"], input.clone());
        assert_eq!(run.code, 1, "{input}: {run:?}");
        assert_eq!(run.stdout.lines().count(), 1, "{input}: {run:?}");
        assert!(
            run.stdout
                .starts_with("get: standard input is not a Bazel credential request"),
            "{input}: {run:?}"
        );
        // Bazel shows a failing helper's stderr, not its stdout.
        assert_eq!(run.stderr, run.stdout, "{input}");
    }
}

/// A failure to get the token is Bazel's failure too, with the cause on stderr.
#[test]
fn a_failed_fetch_fails_with_the_cause() {
    let mock = EcrMock::start();
    mock.ecr(aws_error(400, "AccessDeniedException", "not allowed"));
    let sandbox = Sandbox::new().static_keys().endpoints(&mock);
    let run = sandbox.run(&["get"], request(&format!("https://{HOST}/v2/")));
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.starts_with("ecr-login: "), "{run:?}");
    assert!(run.stderr.contains("AccessDenied"), "{run:?}");
    assert_eq!(run.stderr.lines().count(), 1);
}
