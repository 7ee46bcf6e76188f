//! `get` against the mock APIs: exact answers, signing, endpoint selection, every error.

use std::time::Duration;

use serde_json::json;
use wiremock::ResponseTemplate;

use crate::support::*;

#[test]
fn private_get_answers_exactly_and_signs_for_the_hosts_region() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("pass-eu", 43_200)));
    let sandbox = Sandbox::new().static_keys().endpoints(&mock);
    for input in [
        HOST.to_owned(),
        format!("  https://{HOST}/v2/  \n"),
        format!("{HOST}:443"),
    ] {
        let run = sandbox.get(&input);
        assert_eq!(
            run.stdout,
            get_line(input.trim(), "pass-eu"),
            "{input:?} {run:?}"
        );
        assert_eq!(run.code, 0);
    }
    let requests = mock.requests();
    assert!(!requests.is_empty());
    for request in &requests {
        assert_eq!(header_of(request, "x-amz-target"), ECR_TARGET);
        let auth = header_of(request, "authorization");
        assert!(auth.starts_with("AWS4-HMAC-SHA256 "), "{auth}");
        assert!(
            auth.contains(&format!("Credential={ACCESS_KEY}/"))
                && auth.contains("/eu-west-1/ecr/aws4_request"),
            "{auth}"
        );
        // registryIds is deprecated: the token covers every registry of the region.
        let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
        assert_eq!(body, json!({}));
    }
}

#[test]
fn public_get_uses_the_public_api_in_us_east_1() {
    let mock = EcrMock::start();
    mock.public(json_reply(public_reply("pass-public", 3_600)));
    let sandbox = Sandbox::new().static_keys().endpoints(&mock);
    for host in ["public.ecr.aws", "ecr-public.aws.com"] {
        let run = sandbox.get(host);
        assert_eq!((run.code, run.stdout), (0, get_line(host, "pass-public")));
    }
    for request in mock.requests() {
        assert_eq!(header_of(&request, "x-amz-target"), PUBLIC_TARGET);
        assert!(
            header_of(&request, "authorization").contains("/us-east-1/ecr-public/aws4_request")
        );
    }
}

#[test]
fn other_regions_and_partitions_sign_for_their_region() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("p", 43_200)));
    let sandbox = Sandbox::new().static_keys().endpoints(&mock);
    for (host, region) in [
        (
            "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn",
            "cn-north-1",
        ),
        (
            "123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com",
            "us-gov-west-1",
        ),
        ("123456789012.dkr-ecr.ap-south-2.on.aws", "ap-south-2"),
    ] {
        let run = sandbox.get(host);
        assert_eq!(run.code, 0, "{host}: {run:?}");
        let last = mock.requests().pop().unwrap();
        assert!(
            header_of(&last, "authorization").contains(&format!("/{region}/ecr/aws4_request")),
            "{host}"
        );
    }
}

#[test]
fn every_endpoint_override_is_honoured() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("via-override", 43_200)));
    mock.public(json_reply(public_reply("via-override", 43_200)));

    let global = Sandbox::new()
        .static_keys()
        .env("AWS_ENDPOINT_URL", mock.url());
    assert_eq!(global.get(HOST).stdout, get_line(HOST, "via-override"));
    assert_eq!(
        global.get("public.ecr.aws").stdout,
        get_line("public.ecr.aws", "via-override")
    );

    let service = Sandbox::new()
        .static_keys()
        .env("AWS_ENDPOINT_URL_ECR", mock.url());
    assert_eq!(service.get(HOST).stdout, get_line(HOST, "via-override"));

    let profile = Sandbox::new().static_keys().env("AWS_PROFILE", "mock");
    profile.aws_file(
        "config",
        &format!("[profile mock]\nendpoint_url = {}\n", mock.url()),
    );
    assert_eq!(profile.get(HOST).stdout, get_line(HOST, "via-override"));
    assert_eq!(mock.requests().len(), 4);
}

#[test]
fn fips_and_dual_stack_hosts_pick_their_api_hosts() {
    let proxy = RecordingProxy::start();
    let sandbox = Sandbox::new()
        .static_keys()
        .env("HTTPS_PROXY", proxy.url.clone())
        .env("AWS_ECR_TIMEOUT", "5s");
    let table = [
        (
            "123456789012.dkr.ecr.us-east-1.amazonaws.com",
            "api.ecr.us-east-1.amazonaws.com",
        ),
        (
            "123456789012.dkr.ecr-fips.us-east-1.amazonaws.com",
            "api.ecr-fips.us-east-1.amazonaws.com",
        ),
        (
            "123456789012.dkr-ecr.us-east-1.on.aws",
            "ecr.us-east-1.api.aws",
        ),
        (
            "123456789012.dkr-ecr-fips.us-east-1.on.aws",
            "ecr-fips.us-east-1.api.aws",
        ),
        ("public.ecr.aws", "api.ecr-public.us-east-1.amazonaws.com"),
    ];
    for (host, api) in table {
        let run = sandbox.get(host);
        assert_eq!(run.code, 1, "{host}: the proxy refuses everything");
        let connect = format!("CONNECT {api}:443 ");
        assert!(
            proxy.lines().iter().any(|l| l.starts_with(&connect)),
            "{host}: expected {connect:?} in {:?}",
            proxy.lines()
        );
    }
}

#[test]
fn public_without_credentials_is_not_found_so_pulls_stay_anonymous() {
    let mock = EcrMock::start();
    mock.public(json_reply(public_reply("never", 3_600)));
    let run = Sandbox::new().endpoints(&mock).get("public.ecr.aws");
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (1, "credentials not found in native keychain\n", "")
    );
    assert!(mock.requests().is_empty());
}

#[test]
fn private_without_credentials_says_so_quickly() {
    let mock = EcrMock::start();
    let run = Sandbox::new().endpoints(&mock).get(HOST);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.starts_with("ecr-login: no AWS credentials: "),
        "{run:?}"
    );
    assert_eq!(run.stdout.lines().count(), 1);

    let named = Sandbox::new().endpoints(&mock).env("AWS_PROFILE", "prod");
    named.aws_file("config", "[profile prod]\nregion = eu-west-1\n");
    let run = named.get(HOST);
    assert!(
        run.stdout
            .starts_with(r#"ecr-login: no AWS credentials for profile "prod": "#)
            && run.stdout.contains("aws sso login --profile prod"),
        "{run:?}"
    );
    assert!(mock.requests().is_empty());
}

#[test]
fn a_metadata_service_that_never_answers_costs_about_a_second() {
    let imds = silent_listener(Duration::from_secs(30));
    let run = Sandbox::new()
        .without("AWS_EC2_METADATA_DISABLED")
        .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds)
        .get(HOST);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.starts_with("ecr-login: no AWS credentials: ")
            && run.stdout.contains("no instance metadata service answered"),
        "{run:?}"
    );
    // Functional bound, not a benchmark: the SDK defaults would take 8 s or more here.
    assert!(
        run.elapsed < Duration::from_secs(4) + START_UP,
        "took {:?}",
        run.elapsed
    );
}

#[test]
fn a_metadata_service_that_answers_slowly_or_fails_once_is_given_its_chance() {
    let failing_first = [
        ("a server error", ResponseTemplate::new(503)),
        ("throttling", ResponseTemplate::new(429)),
        (
            "a slow answer",
            ResponseTemplate::new(200)
                .insert_header("x-aws-ec2-metadata-token-ttl-seconds", "21600")
                .set_body_string("imds-session-token")
                .set_delay(Duration::from_millis(700)),
        ),
    ];
    for (case, first) in failing_first {
        let mock = EcrMock::start();
        mock.ecr(json_reply(ecr_reply("from-the-node-role", 43_200)))
            .imds(Some(first));
        let run = Sandbox::new()
            .endpoints(&mock)
            .without("AWS_EC2_METADATA_DISABLED")
            .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", mock.url())
            .get(HOST);
        assert_eq!(
            run.stdout,
            get_line(HOST, "from-the-node-role"),
            "{case}: {run:?}"
        );
        let requests = mock.requests();
        let api_call = requests.iter().find(|r| r.method.as_str() == "POST");
        let signed = header_of(api_call.unwrap(), "authorization");
        assert!(signed.contains("ASIAIMDSEXAMPLE00001"), "{case}: {signed}");
        // A refused token request was asked again (not skipped for IMDSv1), and the
        // credentials were read with the token of the second answer. (A slow answer may be
        // asked for twice too, if a busy machine holds the process past the read timeout.)
        let token_requests = requests
            .iter()
            .filter(|r| r.method.as_str() == "PUT" && r.url.path() == "/latest/api/token")
            .count();
        let at_least = if case == "a slow answer" { 1 } else { 2 };
        assert!(token_requests >= at_least, "{case}: {requests:?}");
        let reads = requests.iter().filter(|r| r.method.as_str() == "GET");
        for read in reads {
            assert_eq!(
                header_of(read, "x-aws-ec2-metadata-token"),
                "imds-session-token",
                "{case}: {read:?}"
            );
        }
    }
}

#[test]
fn a_metadata_service_that_keeps_failing_is_named_as_answering() {
    let mock = EcrMock::start();
    mock.imds_failing(500);
    let run = Sandbox::new()
        .without("AWS_EC2_METADATA_DISABLED")
        .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", mock.url())
        .get(HOST);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.starts_with("ecr-login: no AWS credentials: ")
            && run.stdout.contains("instance metadata answered but failed"),
        "{run:?}"
    );
}

#[test]
fn service_errors_name_their_cause() {
    let cases = [
        (
            aws_error(
                400,
                "AccessDeniedException",
                "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: ecr:GetAuthorizationToken",
            ),
            "ecr-login: AWS denied the token request for 123456789012.dkr.ecr.eu-west-1.amazonaws.com: User: arn:aws:iam::123456789012:user/ci is not authorized to perform: ecr:GetAuthorizationToken (AccessDeniedException); check that the credentials in use allow ecr:GetAuthorizationToken\n",
        ),
        (
            aws_error(
                400,
                "UnrecognizedClientException",
                "The security token included in the request is invalid.",
            ),
            "ecr-login: AWS denied the token request for 123456789012.dkr.ecr.eu-west-1.amazonaws.com: The security token included in the request is invalid. (UnrecognizedClientException); check that the credentials in use allow ecr:GetAuthorizationToken\n",
        ),
        (
            aws_error(400, "ThrottlingException", "Rate exceeded"),
            "ecr-login: ECR throttled the token request for 123456789012.dkr.ecr.eu-west-1.amazonaws.com (ThrottlingException): Rate exceeded; retry later\n",
        ),
        (
            aws_error(500, "ServerException", "internal failure"),
            "ecr-login: ECR returned an error for 123456789012.dkr.ecr.eu-west-1.amazonaws.com: HTTP 500 (ServerException): internal failure\n",
        ),
    ];
    for (response, expected) in cases {
        let mock = EcrMock::start();
        mock.ecr(response);
        let run = Sandbox::new().static_keys().endpoints(&mock).get(HOST);
        assert_eq!((run.code, run.stdout.as_str()), (1, expected));
    }
}

#[test]
fn a_plain_server_error_is_one_line() {
    let mock = EcrMock::start();
    mock.ecr(ResponseTemplate::new(502).set_body_string("<html>\nBad Gateway\n</html>"));
    let run = Sandbox::new().static_keys().endpoints(&mock).get(HOST);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .starts_with("ecr-login: ECR returned an error for "),
        "{run:?}"
    );
    assert!(run.stdout.contains("HTTP 502"), "{run:?}");
    assert_eq!(run.stdout.lines().count(), 1);
}

#[test]
fn bad_token_payloads_are_errors_not_panics() {
    let now = unix_now();
    let cases = [
        (
            json!({"authorizationData": []}),
            "the reply has no authorizationData",
        ),
        (
            json!({"authorizationData": [{"authorizationToken": "%%%", "expiresAt": now + 3600}]}),
            "authorizationToken is not valid base64",
        ),
        (
            json!({"authorizationData": [{"authorizationToken": b64("AWSnocolon"), "expiresAt": now + 3600}]}),
            "authorizationToken has no user:password separator",
        ),
        (
            json!({"authorizationData": [{"authorizationToken": b64("AWS:x")}]}),
            "the reply has no expiresAt",
        ),
    ];
    for (body, reason) in cases {
        let mock = EcrMock::start();
        mock.ecr(json_reply(body));
        let run = Sandbox::new().static_keys().endpoints(&mock).get(HOST);
        assert_eq!(
            (run.code, run.stdout),
            (
                1,
                format!("ecr-login: unusable token from ECR for {HOST}: {reason}\n")
            )
        );
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    }
}

#[test]
fn truncated_json_is_an_unreadable_reply() {
    let mock = EcrMock::start();
    mock.ecr(
        ResponseTemplate::new(200)
            .insert_header("content-type", "application/x-amz-json-1.1")
            .set_body_string(r#"{"authorizationData":[{"authorizationToken":"QVdTOn"#),
    );
    let run = Sandbox::new().static_keys().endpoints(&mock).get(HOST);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .starts_with(&format!("ecr-login: ECR returned an error for {HOST}: ")),
        "{run:?}"
    );
    assert!(
        !run.stdout.contains("QVdTOn"),
        "never echo the token: {run:?}"
    );
}

#[test]
fn the_whole_fetch_is_bounded_by_aws_ecr_timeout() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("slow", 3_600)).set_delay(Duration::from_secs(20)));
    let run = Sandbox::new()
        .static_keys()
        .endpoints(&mock)
        .env("AWS_ECR_TIMEOUT", "1s")
        .get(HOST);
    assert_eq!(
        (run.code, run.stdout),
        (
            1,
            format!(
                "ecr-login: timed out after 1s getting a token for {HOST}; check the network or raise AWS_ECR_TIMEOUT\n"
            )
        )
    );
    assert!(
        run.elapsed < Duration::from_secs(10) + START_UP,
        "took {:?}",
        run.elapsed
    );
}

#[test]
fn an_unreachable_api_is_a_network_error() {
    let run = Sandbox::new()
        .static_keys()
        .env("AWS_ENDPOINT_URL_ECR", "http://127.0.0.1:9")
        .get(HOST);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .starts_with(&format!("ecr-login: cannot reach the ECR API for {HOST}: ")),
        "{run:?}"
    );
}
