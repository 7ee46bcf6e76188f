//! What users of the AWS CLI and of the Go helper expect to carry over: `password --region`
//! and `--public`, the FIPS and dual-stack settings, a log file.

use crate::support::*;

#[test]
fn password_for_a_region_is_signed_for_it_cached_and_kept_apart_from_hosts() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("region-pw", 43_200)));
    let sandbox = Sandbox::new().static_keys().endpoints(&mock);
    let run = sandbox.run(&["password", "--region", "us-west-2"], "");
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "region-pw\n"),
        "{run:?}"
    );
    let requests = mock.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(header_of(&requests[0], "x-amz-target"), ECR_TARGET);
    let auth = header_of(&requests[0], "authorization");
    assert!(auth.contains("/us-west-2/ecr/aws4_request"), "{auth}");
    let body: serde_json::Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert_eq!(body, serde_json::json!({}), "no registryIds");

    let again = sandbox.run(&["password", "--region", "us-west-2"], "");
    assert_eq!(again.stdout, "region-pw\n");
    assert_eq!(mock.requests().len(), 1, "a cache hit");

    // Another region, and a host in the same region, are other entries.
    sandbox.run(&["password", "--region", "eu-central-1"], "");
    let last = mock.requests().pop().unwrap();
    assert!(header_of(&last, "authorization").contains("/eu-central-1/ecr/aws4_request"));
    let host = "123456789012.dkr.ecr.us-west-2.amazonaws.com";
    assert_eq!(sandbox.get(host).code, 0);
    assert_eq!(mock.requests().len(), 3);
    assert_eq!(sandbox.cache_entries().len(), 3);
    // A region's entry has no host to offer docker.
    assert_eq!(
        sandbox.run(&["list"], "").stdout,
        format!("{{\"{host}\":\"AWS\"}}\n")
    );
}

#[test]
fn password_public_goes_to_the_public_api() {
    let mock = EcrMock::start();
    mock.public(json_reply(public_reply("public-pw", 43_200)));
    let sandbox = Sandbox::new().static_keys().endpoints(&mock);
    for _ in 0..2 {
        let run = sandbox.run(&["password", "--public"], "");
        assert_eq!(
            (run.code, run.stdout.as_str()),
            (0, "public-pw\n"),
            "{run:?}"
        );
    }
    let requests = mock.requests();
    assert_eq!(requests.len(), 1, "the second is a cache hit");
    assert_eq!(header_of(&requests[0], "x-amz-target"), PUBLIC_TARGET);
    assert!(
        header_of(&requests[0], "authorization").contains("/us-east-1/ecr-public/aws4_request")
    );
    // The same entry as the host's.
    assert_eq!(
        sandbox.run(&["password", "public.ecr.aws"], "").stdout,
        "public-pw\n"
    );
    assert_eq!(mock.requests().len(), 1);
}

#[test]
fn password_wants_one_of_registry_region_public() {
    let sandbox = Sandbox::new().static_keys();
    let run = sandbox.run(&["password", "--region", "EU-WEST-1"], "");
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (
            1,
            "",
            "ecr-login: --region \"EU-WEST-1\" is not an AWS region name (such as eu-west-1)\n"
        )
    );
    for args in [
        &["password", HOST, "--region", "eu-west-1"][..],
        &["password", "--public", "--region", "us-east-1"],
        &["password", HOST, "--public"],
        &["password"],
    ] {
        let run = sandbox.run(args, "");
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert_eq!(run.stdout, "");
        assert!(run.stderr.contains("error:"), "{args:?}: {}", run.stderr);
    }
}

/// The API host of the first connection the proxy saw from one run (it refuses them all).
fn api_host_of(sandbox: &Sandbox, proxy: &RecordingProxy, args: &[&str], stdin: &str) -> String {
    let before = proxy.lines().len();
    let run = sandbox.run(args, stdin);
    assert_eq!(run.code, 1, "{args:?}: the proxy refuses everything");
    let lines = proxy.lines();
    let line = lines.get(before).cloned().unwrap_or_default();
    line.strip_prefix("CONNECT ")
        .and_then(|rest| rest.split(':').next())
        .unwrap_or(&line)
        .to_owned()
}

/// Variables, AWS config file, arguments, stdin, the API host expected.
type Case<'a> = (
    &'a [(&'a str, &'a str)],
    &'a str,
    &'a [&'a str],
    &'a str,
    &'a str,
);

#[test]
fn fips_and_dual_stack_settings_pick_api_hosts_for_plain_hosts() {
    let proxy = RecordingProxy::start();
    let plain = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
    let get = ["get"];
    let region = ["password", "--region", "us-east-1"];
    let cases: [Case; 9] = [
        (&[], "", &get, plain, "api.ecr.us-east-1.amazonaws.com"),
        (
            &[("AWS_USE_FIPS_ENDPOINT", "TRUE")],
            "",
            &get,
            plain,
            "api.ecr-fips.us-east-1.amazonaws.com",
        ),
        (
            &[("AWS_USE_DUALSTACK_ENDPOINT", "true")],
            "",
            &get,
            plain,
            "ecr.us-east-1.api.aws",
        ),
        (
            &[
                ("AWS_USE_FIPS_ENDPOINT", "true"),
                ("AWS_USE_DUALSTACK_ENDPOINT", "True"),
            ],
            "",
            &region,
            "",
            "ecr-fips.us-east-1.api.aws",
        ),
        (
            &[("AWS_PROFILE", "gov")],
            "[profile gov]\nuse_fips_endpoint = true\n",
            &get,
            plain,
            "api.ecr-fips.us-east-1.amazonaws.com",
        ),
        (
            &[("AWS_PROFILE", "v6")],
            "[profile v6]\nuse_dualstack_endpoint = true\n",
            &region,
            "",
            "ecr.us-east-1.api.aws",
        ),
        // The environment wins over the profile, as in the SDK.
        (
            &[("AWS_PROFILE", "gov"), ("AWS_USE_FIPS_ENDPOINT", "false")],
            "[profile gov]\nuse_fips_endpoint = true\n",
            &get,
            plain,
            "api.ecr.us-east-1.amazonaws.com",
        ),
        // A FIPS or dual-stack host forces its own, whatever the settings say.
        (
            &[("AWS_USE_FIPS_ENDPOINT", "false")],
            "",
            &get,
            "123456789012.dkr-ecr-fips.us-east-1.on.aws",
            "ecr-fips.us-east-1.api.aws",
        ),
        (
            &[("AWS_USE_DUALSTACK_ENDPOINT", "true")],
            "",
            &get,
            "public.ecr.aws",
            "ecr-public.us-east-1.api.aws",
        ),
    ];
    for (vars, config, args, stdin, api) in cases {
        let mut sandbox = Sandbox::new()
            .static_keys()
            .env("HTTPS_PROXY", proxy.url.clone())
            .env("AWS_ECR_TIMEOUT", "5s");
        for (k, v) in vars {
            sandbox = sandbox.env(k, *v);
        }
        if !config.is_empty() {
            sandbox.aws_file("config", config);
        }
        assert_eq!(
            api_host_of(&sandbox, &proxy, args, stdin),
            api,
            "{vars:?} {config:?} {args:?} {stdin}"
        );
    }
}

#[test]
fn an_override_wins_over_the_settings_and_the_cache_keeps_them_apart() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("p", 43_200)));
    let plain = Sandbox::new().static_keys().endpoints(&mock);
    let fips = plain
        .clone_env()
        .env("AWS_USE_FIPS_ENDPOINT", "true")
        .env("AWS_USE_DUALSTACK_ENDPOINT", "true");
    assert_eq!(
        fips.get(HOST).stdout,
        get_line(HOST, "p"),
        "the override is used"
    );
    assert_eq!(plain.get(HOST).code, 0);
    assert_eq!(mock.requests().len(), 2, "two entries, not one");
    assert_eq!(fips.get(HOST).code, 0);
    assert_eq!(plain.get(HOST).code, 0);
    assert_eq!(mock.requests().len(), 2, "each a hit");
    assert_eq!(plain.cache_entries().len(), 2);
    let doctor = fips.run(&["doctor", HOST], "");
    assert!(
        doctor
            .stdout
            .contains("region        eu-west-1 (FIPS yes, dual-stack yes)")
            && doctor
                .stdout
                .contains(&format!("endpoint      {}", mock.url())),
        "{}",
        doctor.stdout
    );
}

/// Every line of a log file, checked to be one whole, stamped line of ours.
fn log_lines(path: &std::path::Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let lines: Vec<String> = text.lines().map(str::to_owned).collect();
    for line in &lines {
        let mut parts = line.splitn(3, ' ');
        let (stamp, pid, rest) = (parts.next(), parts.next(), parts.next());
        assert!(
            stamp.is_some_and(|s| s.len() == 24 && s.ends_with('Z'))
                && pid.is_some_and(|p| p.starts_with('[') && p.ends_with(']'))
                && rest.is_some_and(|r| {
                    r.starts_with("ecr-login: ") || r.starts_with("answered (exit 1): ")
                }),
            "not a whole log line: {line:?}"
        );
    }
    lines
}

#[test]
fn the_log_file_gets_every_line_and_every_failure_but_no_secret() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("log-file-pw", 43_200)));
    let sandbox = Sandbox::new().static_keys().endpoints(&mock);
    let path = sandbox.home.path().join("logs/helper/ecr.log");
    let sandbox = sandbox.env("AWS_ECR_LOG_FILE", path.display().to_string());
    let miss = sandbox.get(HOST);
    let hit = sandbox.get(HOST);
    assert_eq!(miss.stdout, get_line(HOST, "log-file-pw"));
    assert_eq!(
        (miss.stderr.as_str(), hit.stderr.as_str()),
        ("", ""),
        "stderr stays at warn"
    );
    let no_keys = sandbox.clone_env().without("AWS_ACCESS_KEY_ID");
    assert_eq!(no_keys.get(HOST).code, 1);
    assert_eq!(sandbox.run(&["password", "docker.io"], "").code, 1);
    let doctor = sandbox.run(&["doctor", HOST], "");

    let text = log_lines(&path).join("\n");
    for expected in [
        "ecr-login: debug: cache miss",
        "ecr-login: debug: AWS credentials from environment",
        "ecr-login: debug: cache hit",
        "answered (exit 1): ecr-login: no AWS credentials",
        "] ecr-login: \"docker.io\" is not an ECR registry host",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    assert!(!text.contains("log-file-pw") && !text.contains(&b64("AWS:log-file-pw")));
    assert!(!text.contains("secretsecret"));
    assert!(
        doctor
            .stdout
            .contains(&format!("log file      {} (every line", path.display())),
        "{}",
        doctor.stdout
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        assert_eq!(mode(path.parent().unwrap().parent().unwrap()), 0o700);
    }
}

#[test]
fn concurrent_processes_append_whole_lines() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("p", 43_200)));
    let sandbox = Sandbox::new().static_keys().endpoints(&mock);
    let path = sandbox.home.path().join("ecr.log");
    let sandbox = sandbox.env("AWS_ECR_LOG_FILE", path.display().to_string());
    for child in sandbox.spawn_gets(12, HOST) {
        let out = child.wait_with_output().unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout), get_line(HOST, "p"));
    }
    let lines = log_lines(&path);
    let hits = lines.iter().filter(|l| l.contains("cache hit")).count();
    assert!(lines.len() >= 12 && hits >= 11, "{lines:#?}");
}

#[cfg(unix)]
#[test]
fn a_log_file_that_cannot_be_written_never_fails_a_get() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("p", 43_200)));
    let sandbox = Sandbox::new().static_keys().endpoints(&mock);
    let victim = sandbox.home.path().join("victim");
    std::fs::write(&victim, "keep\n").unwrap();
    let link = sandbox.home.path().join("ecr.log");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    let sandbox = sandbox.env("AWS_ECR_LOG_FILE", link.display().to_string());
    let run = sandbox.get(HOST);
    assert_eq!((run.code, run.stdout), (0, get_line(HOST, "p")));
    assert!(
        run.stderr.contains("cannot write the log file") && run.stderr.contains("symbolic link"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.lines().count(), 1, "one warning per process");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep\n");
}

#[test]
fn an_aws_login_profile_without_a_login_says_to_run_aws_login() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("never", 43_200)));
    let sandbox = Sandbox::new().endpoints(&mock).env("AWS_PROFILE", "dev");
    sandbox.aws_file(
        "config",
        "[profile dev]\nlogin_session = arn:aws:iam::123456789012:user/Admin\nregion = eu-west-1\n",
    );
    let run = sandbox.get(HOST);
    assert_eq!(run.code, 1);
    assert_eq!(run.stdout.lines().count(), 1, "{run:?}");
    assert!(
        run.stdout
            .starts_with(r#"ecr-login: cannot load AWS credentials for profile "dev": "#)
            && run.stdout.contains("login")
            && run.stdout.ends_with("; run 'aws login --profile dev'\n"),
        "{run:?}"
    );
    assert!(mock.requests().is_empty());
}
