//! The kubelet credential provider plugin and the Secret manifests.

use std::time::Instant;

use serde_json::{Value, json};

use crate::support::*;

const VERSIONS: [(&str, &str, &str); 3] = [
    (
        include_str!("../fixtures/kubelet/request-v1.json"),
        include_str!("../fixtures/kubelet/response-v1.json"),
        "v1",
    ),
    (
        include_str!("../fixtures/kubelet/request-v1beta1.json"),
        include_str!("../fixtures/kubelet/response-v1beta1.json"),
        "v1beta1",
    ),
    (
        include_str!("../fixtures/kubelet/request-v1alpha1.json"),
        include_str!("../fixtures/kubelet/response-v1alpha1.json"),
        "v1alpha1",
    ),
];

/// Go duration text → seconds (only the `XhYmZs` forms we emit).
fn go_seconds(text: &str) -> u64 {
    let mut total = 0;
    let mut number = String::new();
    for c in text.chars() {
        match c {
            '0'..='9' => number.push(c),
            'h' | 'm' | 's' => {
                let n: u64 = number.parse().unwrap();
                total += n * match c {
                    'h' => 3600,
                    'm' => 60,
                    _ => 1,
                };
                number.clear();
            }
            _ => panic!("not a Go duration: {text}"),
        }
    }
    total
}

/// The response with its cacheDuration checked against `expected` and replaced by the
/// fixture's value.
///
/// `expected` is the duration at the moment the token's reply was made, after `issued_after`:
/// the plugin's answer may be short of it by the time gone since then (a busy machine, or
/// emulated processes under wine, take seconds per run) and by its rounding to whole seconds.
fn normalised(stdout: &str, expected: u64, issued_after: Instant, fixture_value: &str) -> Value {
    let mut response: Value = serde_json::from_str(stdout).unwrap();
    let duration = go_seconds(response["cacheDuration"].as_str().unwrap());
    // Whole seconds twice over (the expiry the stand-in writes, the duration the plugin prints)
    // and the time gone since the reply was made; never less than five seconds.
    let gone = (issued_after.elapsed().as_secs() + 3).max(5);
    assert!(
        (expected.saturating_sub(gone)..=expected).contains(&duration),
        "cacheDuration {duration}s, expected {expected}s less at most {gone}s"
    );
    response["cacheDuration"] = fixture_value.into();
    response
}

#[test]
fn every_api_version_is_answered_in_kind() {
    let start = Instant::now();
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("kubelet-pw", 43_200)));
    let sandbox = Sandbox::new().static_keys().endpoints(&mock);
    for (request, response, version) in VERSIONS {
        let run = sandbox.run(&["kubelet-plugin"], request);
        assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{version}");
        let expected: Value = serde_json::from_str(response).unwrap();
        assert_eq!(
            normalised(&run.stdout, 11 * 3600, start, "11h0m0s"),
            expected,
            "{version}"
        );
    }
    assert_eq!(mock.requests().len(), 1, "the plugin shares the disk cache");
    assert_eq!(
        sandbox.get(HOST).stdout,
        get_line(HOST, "kubelet-pw"),
        "and so does get"
    );
}

#[test]
fn cache_duration_tracks_the_refresh_point_of_short_tokens() {
    let start = Instant::now();
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("short", 1_800)));
    let run = Sandbox::new()
        .static_keys()
        .endpoints(&mock)
        .run(&["kubelet-plugin"], VERSIONS[0].0);
    assert_eq!(run.code, 0, "{run:?}");
    normalised(&run.stdout, 900, start, "x");
}

#[test]
fn an_aliased_image_is_keyed_by_its_own_host() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("alias-pw", 43_200)));
    let sandbox = Sandbox::new().static_keys().endpoints(&mock);
    let config = sandbox.home.path().join("c.toml");
    std::fs::write(
        &config,
        "[registries.\"localhost:5443\"]\nalias_of = \"123456789012.dkr.ecr.eu-west-1.amazonaws.com\"\n",
    )
    .unwrap();
    let sandbox = sandbox.env("AWS_ECR_CONFIG", config.display().to_string());
    let request = json!({"apiVersion": "credentialprovider.kubelet.k8s.io/v1", "kind": "CredentialProviderRequest", "image": "localhost:5443/app@sha256:0123"});
    let run = sandbox.run(&["kubelet-plugin"], request.to_string());
    assert_eq!(run.code, 0, "{run:?}");
    let response: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        response["auth"],
        json!({"localhost:5443": {"username": "AWS", "password": "alias-pw"}})
    );
}

#[test]
fn bad_requests_fail_on_stderr_with_empty_stdout() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("never", 43_200)));
    let sandbox = Sandbox::new().static_keys().endpoints(&mock);
    let request = |api: &str, kind: &str, image: &str| {
        json!({"apiVersion": api, "kind": kind, "image": image}).to_string()
    };
    let v1 = "credentialprovider.kubelet.k8s.io/v1";
    let cases = [
        ("{not json".to_owned(), "is not a CredentialProviderRequest"),
        (
            request(v1, "CredentialProviderRequest", "docker.io/library/nginx:1"),
            "docker.io is not an ECR registry",
        ),
        (
            request(v1, "CredentialProviderRequest", "nginx"),
            "docker.io is not an ECR registry",
        ),
        (
            request(
                v1,
                "SomethingElse",
                "123456789012.dkr.ecr.eu-west-1.amazonaws.com/a",
            ),
            "unsupported kind",
        ),
        (
            request(
                "credentialprovider.kubelet.k8s.io/v2",
                "CredentialProviderRequest",
                "123456789012.dkr.ecr.eu-west-1.amazonaws.com/a",
            ),
            "unsupported apiVersion",
        ),
        (
            request(
                "v1",
                "CredentialProviderRequest",
                "123456789012.dkr.ecr.eu-west-1.amazonaws.com/a",
            ),
            "unsupported apiVersion",
        ),
        (
            request(v1, "CredentialProviderRequest", ""),
            "no image in the request",
        ),
        (String::new(), "is not a CredentialProviderRequest"),
    ];
    for (input, message) in cases {
        assert_plugin_refuses(&sandbox, &input, message);
    }
    assert!(mock.requests().is_empty());
}

#[test]
fn a_service_account_role_is_assumed_and_cached_per_role() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("role-pw", 43_200)));
    mock.sts(sts_credentials("ASIAROLEROLEROLEROLE", "rolesession"));
    // The node itself has no credentials at all: the pod's role is enough.
    let sandbox = Sandbox::new()
        .endpoints(&mock)
        .env("AWS_ENDPOINT_URL_STS", mock.url());
    let request = include_str!("../fixtures/kubelet/request-service-account.json");
    let run = sandbox.run(&["kubelet-plugin"], request);
    assert_eq!(run.code, 0, "{run:?}");
    let response: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(response["auth"][HOST]["password"], "role-pw");

    let requests = mock.requests();
    let sts = requests
        .iter()
        .find(|r| header_of(r, "x-amz-target").is_empty())
        .unwrap();
    let body = String::from_utf8_lossy(&sts.body);
    assert!(body.contains("Action=AssumeRoleWithWebIdentity"), "{body}");
    assert!(
        body.contains("RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fteam-pull"),
        "{body}"
    );
    let fixture: Value = serde_json::from_str(request).unwrap();
    let token = fixture["serviceAccountToken"].as_str().unwrap();
    // A JWT is all URL-safe characters: the form value is the token as it is.
    assert!(
        body.contains(&format!("WebIdentityToken={token}&"))
            || body.ends_with(&format!("WebIdentityToken={token}")),
        "{body}"
    );
    let ecr = requests
        .iter()
        .find(|r| header_of(r, "x-amz-target") == ECR_TARGET)
        .unwrap();
    assert!(header_of(ecr, "authorization").contains("Credential=ASIAROLEROLEROLEROLE/"));
    assert_eq!(header_of(ecr, "x-amz-security-token"), "rolesession");

    sandbox.run(&["kubelet-plugin"], request);
    assert_eq!(mock.requests().len(), 2, "the same role is a cache hit");
    let other_role = request.replace("role/team-pull", "role/other-team");
    assert_eq!(sandbox.run(&["kubelet-plugin"], other_role).code, 0);
    assert_eq!(mock.requests().len(), 4, "another role is another entry");

    let no_token = json!({
        "apiVersion": "credentialprovider.kubelet.k8s.io/v1", "kind": "CredentialProviderRequest",
        "image": format!("{HOST}/app"),
        "serviceAccountAnnotations": {"eks.amazonaws.com/ecr-role-arn": "arn:aws:iam::123456789012:role/x"},
    });
    let run = sandbox.run(&["kubelet-plugin"], no_token.to_string());
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("carries no token"), "{}", run.stderr);
}

#[test]
fn kube_secret_dockerconfigjson_holds_every_registry() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("pw-a", 43_200)));
    mock.public(json_reply(public_reply("pw-b", 43_200)));
    let sandbox = Sandbox::new().static_keys().endpoints(&mock);
    let run = sandbox.run(
        &[
            "kube-secret",
            HOST,
            "public.ecr.aws",
            "--name",
            "ecr-pull",
            "--namespace",
            "flux-system",
        ],
        "",
    );
    assert_eq!(run.code, 0, "{run:?}");
    let secret: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_secret(&secret, "ecr-pull", "flux-system");
    assert!(secret["metadata"]["annotations"]["ecr-login.expires-at"].is_string());
    assert_eq!(
        dockerconfigjson(&secret),
        json!({"auths": {
            HOST: {"username": "AWS", "password": "pw-a", "auth": b64("AWS:pw-a")},
            "public.ecr.aws": {"username": "AWS", "password": "pw-b", "auth": b64("AWS:pw-b")},
        }})
    );
}

#[test]
fn kube_secret_basic_auth_for_fleet() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("fleet-pw", 43_200)));
    let sandbox = Sandbox::new().static_keys().endpoints(&mock);
    let run = sandbox.run(
        &[
            "kube-secret",
            HOST,
            "--name",
            "ecr-helm",
            "--type",
            "basic-auth",
        ],
        "",
    );
    assert_eq!(run.code, 0, "{run:?}");
    let secret: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_basic_auth(&secret, "fleet-pw");
    assert!(secret["metadata"].get("namespace").is_none());

    let two = sandbox.run(
        &[
            "kube-secret",
            HOST,
            "public.ecr.aws",
            "--name",
            "x",
            "--type",
            "basic-auth",
        ],
        "",
    );
    assert_eq!((two.code, two.stdout.as_str()), (2, ""));
    let bad_name = sandbox.run(&["kube-secret", HOST, "--name", "Not_Valid"], "");
    assert_eq!(bad_name.code, 1);
    assert!(
        bad_name.stderr.contains("not a valid Kubernetes name"),
        "{}",
        bad_name.stderr
    );
}

#[test]
fn a_public_image_without_credentials_says_to_leave_it_out_of_match_images() {
    let request = json!({"apiVersion": "credentialprovider.kubelet.k8s.io/v1", "kind": "CredentialProviderRequest", "image": "public.ecr.aws/docker/library/nginx:1"});
    let run = Sandbox::new().run(&["kubelet-plugin"], request.to_string());
    assert_eq!((run.code, run.stdout.as_str()), (1, ""));
    assert!(
        run.stderr
            .contains("leave public.ecr.aws out of matchImages"),
        "{}",
        run.stderr
    );
}
