//! The commands people run by hand and in CI, and the config file behind them.

use serde_json::{Value, json};

use crate::support::*;

const ALIAS_CONFIG: &str = r#"
[registries."localhost:5443"]
alias_of = "123456789012.dkr.ecr.us-west-2.amazonaws.com"

[registries."123456789012.dkr.ecr.eu-west-1.amazonaws.com"]
profile = "puller"
"#;

fn with_config(sandbox: Sandbox, text: &str) -> Sandbox {
    let path = sandbox.home.path().join("ecr-login.toml");
    std::fs::write(&path, text).unwrap();
    sandbox.env("AWS_ECR_CONFIG", path.display().to_string())
}

#[test]
fn password_prints_the_password_alone() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("just-the-pw", 43_200)));
    let sandbox = Sandbox::new().static_keys().endpoints(&mock);
    let run = sandbox.run(&["password", HOST], "");
    assert_eq!((run.code, run.stdout.as_str()), (0, "just-the-pw\n"));
    sandbox.run(&["password", HOST], "");
    assert_eq!(mock.requests().len(), 1, "cached like get");

    let run = sandbox.run(&["password", "docker.io"], "");
    assert_eq!((run.code, run.stdout.as_str()), (1, ""));
    assert_eq!(
        run.stderr,
        "ecr-login: \"docker.io\" is not an ECR registry host, nor an alias in the config file\n"
    );
    let run = Sandbox::new()
        .endpoints(&mock)
        .run(&["password", "public.ecr.aws"], "");
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.starts_with("ecr-login: no AWS credentials"),
        "{run:?}"
    );
}

#[test]
fn dockerconfig_holds_every_registry() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("pw1", 43_200)));
    mock.public(json_reply(public_reply("pw2", 43_200)));
    let sandbox = Sandbox::new().static_keys().endpoints(&mock);
    let run = sandbox.run(
        &[
            "dockerconfig",
            &format!("https://{HOST}/"),
            "public.ecr.aws",
        ],
        "",
    );
    assert_eq!(run.code, 0, "{run:?}");
    let value: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        value,
        json!({"auths": {
            HOST: {"username": "AWS", "password": "pw1", "auth": b64("AWS:pw1")},
            "public.ecr.aws": {"username": "AWS", "password": "pw2", "auth": b64("AWS:pw2")},
        }})
    );
}

#[test]
fn an_alias_gets_its_registrys_token_and_keeps_its_own_name() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("aliased", 43_200)));
    let sandbox = with_config(Sandbox::new().static_keys().endpoints(&mock), ALIAS_CONFIG);
    let run = sandbox.get("localhost:5443");
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, get_line("localhost:5443", "aliased").as_str())
    );
    let auth = header_of(&mock.requests()[0], "authorization");
    assert!(auth.contains("/us-west-2/ecr/aws4_request"), "{auth}");
    assert_eq!(
        sandbox.get("localhost:5000").stdout,
        "credentials not found in native keychain\n"
    );
}

#[test]
fn a_registry_profile_picks_the_credentials() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("p", 43_200)));
    let sandbox = with_config(Sandbox::new().endpoints(&mock), ALIAS_CONFIG);
    sandbox.aws_file(
        "credentials",
        "[puller]\naws_access_key_id = AKIDPULLERPULLERPULL\naws_secret_access_key = s\n",
    );
    let run = sandbox.get(HOST);
    assert_eq!(run.code, 0, "{run:?}");
    let auth = header_of(&mock.requests()[0], "authorization");
    assert!(auth.contains("Credential=AKIDPULLERPULLERPULL/"), "{auth}");
}

#[test]
fn a_broken_config_names_the_file_and_line() {
    let sandbox = with_config(
        Sandbox::new().static_keys(),
        "\n[registries.\"x.example\"]\nalias_of = 42\n",
    );
    let run = sandbox.get(HOST);
    assert_eq!(run.code, 1);
    let path = sandbox.home.path().join("ecr-login.toml");
    assert!(
        run.stdout.starts_with(&format!(
            "ecr-login: config file {}, line 3: ",
            path.display()
        )),
        "{run:?}"
    );
    assert_eq!(run.stdout.lines().count(), 1);
    assert_eq!(
        sandbox.run(&["list"], "").stdout,
        "{}\n",
        "list never fails"
    );
}

#[test]
fn configure_keeps_unknown_keys_in_order_and_is_idempotent() {
    let sandbox = Sandbox::new();
    let docker = sandbox.home.path().join("docker");
    std::fs::create_dir(&docker).unwrap();
    let original = "{\n\t\"auths\": {\"ghcr.io\": {}},\n\t\"someFutureKey\": {\"b\": 1, \"a\": 2},\n\t\"credsStore\": \"desktop\"\n}";
    std::fs::write(docker.join("config.json"), original).unwrap();
    let sandbox = sandbox.env("DOCKER_CONFIG", docker.display().to_string());
    let run = sandbox.run(&["configure", HOST, "https://public.ecr.aws"], "");
    assert_eq!(run.code, 0, "{run:?}");
    let text = std::fs::read_to_string(docker.join("config.json")).unwrap();
    let value: Value = serde_json::from_str(&text).unwrap();
    let keys: Vec<&String> = value.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["auths", "someFutureKey", "credsStore", "credHelpers"]
    );
    let inner: Vec<&String> = value["someFutureKey"].as_object().unwrap().keys().collect();
    assert_eq!(inner, ["b", "a"]);
    assert_eq!(
        value["credHelpers"],
        json!({HOST: "ecr-login", "public.ecr.aws": "ecr-login"})
    );
    let again = sandbox.run(&["configure", HOST], "");
    assert!(again.stdout.starts_with("already up to date:"), "{again:?}");
    assert_eq!(
        std::fs::read_to_string(docker.join("config.json")).unwrap(),
        text
    );

    let refused = sandbox.run(&["configure", "docker.io"], "");
    assert_eq!(refused.code, 1);
}

#[test]
fn configure_helm_honours_helm_registry_config() {
    let sandbox = Sandbox::new();
    let helm = sandbox.home.path().join("helm-registry.json");
    let docker = sandbox.home.path().join("d.json");
    let sandbox = sandbox.env("HELM_REGISTRY_CONFIG", helm.display().to_string());
    let run = sandbox.configure(&docker, &["--helm", HOST]);
    assert_eq!(run.code, 0, "{run:?}");
    for file in [&helm, &docker] {
        let value: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        assert_eq!(
            value,
            json!({"credHelpers": {HOST: "ecr-login"}}),
            "{}",
            file.display()
        );
    }
}

#[test]
fn doctor_explains_without_secrets() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("doctor-pw", 43_200)));
    let sandbox = Sandbox::new().static_keys().endpoints(&mock);
    let run = sandbox.run(&["doctor", HOST], "");
    assert_eq!(run.code, 0, "{run:?}");
    for expected in [
        "service       ECR (private), account 123456789012",
        "region        eu-west-1 (FIPS no, dual-stack no)",
        &format!("endpoint      {}", mock.url()),
        "credentials   environment (found in ",
        "cache entry   no entry",
        "fetch         ok in ",
    ] {
        assert!(
            run.stdout.contains(expected),
            "missing {expected:?} in\n{}",
            run.stdout
        );
    }
    assert!(!run.stdout.contains("doctor-pw") && !run.stdout.contains("secretsecret"));

    let failing = Sandbox::new().endpoints(&mock).run(&["doctor", HOST], "");
    assert_eq!(failing.code, 1);
    assert!(
        failing
            .stdout
            .contains("cause         ecr-login: no AWS credentials"),
        "{}",
        failing.stdout
    );
    assert!(
        failing
            .stdout
            .contains(&format!("endpoint      {}", mock.url())),
        "the endpoint is known before credentials: {}",
        failing.stdout
    );
    let other = sandbox.run(&["doctor", "docker.io"], "");
    assert_eq!(other.code, 1);
}

/// Docker runs the first `docker-credential-ecr-login` on PATH; Docker Desktop bundles the Go
/// helper under that name. `doctor` says which one docker runs.
#[test]
#[allow(
    clippy::disallowed_methods,
    reason = "the PATH under test starts with ours, then the test process's own"
)]
fn doctor_names_the_program_docker_runs() {
    let name = format!(
        "docker-credential-ecr-login{}",
        std::env::consts::EXE_SUFFIX
    );
    // The binary under test runs from its own directory (on Windows its DLLs are there).
    let helper = helper_binary();
    let helpers_dir = helper.parent().unwrap();
    let dirs = tempfile::tempdir().unwrap();
    let copies = dirs.path().join("copies");
    let theirs = dirs.path().join("theirs");
    std::fs::create_dir_all(&copies).unwrap();
    std::fs::create_dir_all(&theirs).unwrap();
    std::fs::copy(&helper, copies.join(&name)).unwrap();
    let other = theirs.join(&name);
    std::fs::write(&other, "#!/bin/sh\necho 'the Go helper'\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&other, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let system = std::env::var("PATH").unwrap_or_default();
    let path = |first: &[&std::path::Path]| {
        let mut dirs: Vec<std::path::PathBuf> = first.iter().map(|d| d.to_path_buf()).collect();
        dirs.extend(std::env::split_paths(&system));
        std::env::join_paths(dirs)
            .unwrap()
            .to_string_lossy()
            .into_owned()
    };
    let program_row = |first: &[&std::path::Path]| {
        let run = Sandbox::new()
            .env("PATH", path(first))
            .run(&["doctor", "docker.io"], "");
        assert_eq!(run.code, 1, "docker.io is not ECR: {run:?}");
        run.stdout
            .lines()
            .find(|line| line.starts_with("program "))
            .unwrap_or_default()
            .to_owned()
    };

    let row = program_row(&[helpers_dir]);
    assert!(row.contains("docker runs this one"), "{row}");
    let row = program_row(&[&copies, helpers_dir]);
    assert!(row.contains("an identical copy"), "{row}");
    let row = program_row(&[&theirs, helpers_dir]);
    assert!(
        row.contains("WARNING: docker runs") && row.contains(&other.display().to_string()),
        "{row}"
    );
    assert!(row.contains("another program"), "{row}");

    // Nowhere on PATH: docker cannot run it at all.
    #[cfg(unix)]
    {
        let run = Sandbox::new()
            .env("PATH", dirs.path().display().to_string())
            .run(&["doctor", "docker.io"], "");
        assert!(run.stdout.contains("docker cannot run it"), "{run:?}");
    }
}

#[test]
fn debug_logs_go_to_stderr_and_never_hold_the_password() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("log-pw", 43_200)));
    let sandbox = Sandbox::new()
        .static_keys()
        .endpoints(&mock)
        .env("AWS_ECR_LOG", "debug");
    let miss = sandbox.get(HOST);
    let hit = sandbox.get(HOST);
    assert!(
        miss.stderr.contains("cache miss")
            && miss.stderr.contains("AWS credentials from environment"),
        "{}",
        miss.stderr
    );
    assert!(hit.stderr.contains("cache hit"), "{}", hit.stderr);
    for run in [&miss, &hit] {
        assert!(!run.stderr.contains("log-pw") && !run.stderr.contains(&b64("AWS:log-pw")));
    }
    let quiet = Sandbox::new().static_keys().endpoints(&mock).get(HOST);
    assert_eq!(quiet.stderr, "", "warn is the default level");
}

/// `configure --print`: the entries for GitLab's `DOCKER_AUTH_CONFIG` (and any tool that takes
/// docker's config as a value), with nothing written anywhere.
#[test]
fn configure_print_prints_cred_helpers_and_writes_nothing() {
    let sandbox = with_config(Sandbox::new(), ALIAS_CONFIG);
    let docker = sandbox.home.path().join("docker");
    let sandbox = sandbox.env("DOCKER_CONFIG", docker.display().to_string());
    let run = sandbox.run(
        &[
            "configure",
            "--print",
            HOST,
            "https://public.ecr.aws",
            "localhost:5443",
        ],
        "",
    );
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (
            0,
            format!(
                "{{\"credHelpers\":{{\"{HOST}\":\"ecr-login\",\"public.ecr.aws\":\"ecr-login\",\"localhost:5443\":\"ecr-login\"}}}}\n"
            )
            .as_str(),
            ""
        )
    );
    assert!(!docker.exists(), "--print wrote docker's config");
    assert!(!sandbox.home.path().join(".docker").exists());

    let nothing = sandbox.run(&["configure", "--print"], "");
    assert_eq!(
        (nothing.code, nothing.stdout.as_str()),
        (2, ""),
        "{nothing:?}"
    );
    let refused = sandbox.run(&["configure", "--print", "docker.io"], "");
    assert_eq!(
        (refused.code, refused.stdout.as_str()),
        (1, ""),
        "{refused:?}"
    );
    assert_eq!(refused.stderr.lines().count(), 1, "{refused:?}");
    let both = sandbox.run(&["configure", "--print", "--helm", HOST], "");
    assert_eq!(both.code, 2, "{both:?}");
}

/// `configure --fallback-helper`: the key set in the file the helper reads, the rest of the
/// file as it was.
#[test]
fn configure_fallback_helper_sets_the_key_and_keeps_the_rest() {
    let sandbox = Sandbox::new();
    let config = sandbox.home.path().join("conf").join("ecr-login.toml");
    let sandbox = sandbox.env("AWS_ECR_CONFIG", config.display().to_string());
    // No file yet (AWS_ECR_CONFIG may name one to be made).
    let run = sandbox.run(&["configure", "--fallback-helper", "pass"], "");
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        format!(
            "updated {} (fallback_helper = \"pass\")\n",
            config.display()
        )
    );
    assert_eq!(
        std::fs::read_to_string(&config).unwrap(),
        "fallback_helper = \"pass\"\n"
    );

    let mine = format!(
        "# mine\nrefresh_window = \"20m\"\nfallback_helper = \"desktop\" # for ghcr.io\n\n[registries.\"localhost:5443\"]\nalias_of = \"{HOST}\" # a tunnel\n"
    );
    std::fs::write(&config, &mine).unwrap();
    let run = sandbox.run(&["configure", "--fallback-helper", "secretservice"], "");
    assert_eq!(run.code, 0, "{run:?}");
    let expected = mine.replace("\"desktop\"", "\"secretservice\"");
    assert_eq!(std::fs::read_to_string(&config).unwrap(), expected);
    let again = sandbox.run(&["configure", "--fallback-helper", "secretservice"], "");
    assert!(
        again.stdout.starts_with("already up to date: "),
        "{again:?}"
    );
    assert_eq!(std::fs::read_to_string(&config).unwrap(), expected);
    // The helper reads what was written: other hosts now go to docker-credential-secretservice.
    let get = sandbox.env("PATH", "/nonexistent").get("ghcr.io");
    assert!(
        get.stdout.contains("docker-credential-secretservice"),
        "{get:?}"
    );
}

#[cfg(unix)]
#[test]
fn configure_fallback_helper_writes_the_default_config_file() {
    let sandbox = Sandbox::new().without("XDG_CONFIG_HOME");
    let run = sandbox.run(&["configure", "--fallback-helper", "pass"], "");
    assert_eq!(run.code, 0, "{run:?}");
    let expected = if cfg!(target_os = "macos") {
        "Library/Application Support/docker-credential-ecr-login/config.toml"
    } else {
        ".config/docker-credential-ecr-login/config.toml"
    };
    let written = std::fs::read_to_string(sandbox.home.path().join(expected)).unwrap();
    assert_eq!(written, "fallback_helper = \"pass\"\n");
    let get = sandbox.env("PATH", "/nonexistent").get("ghcr.io");
    assert!(get.stdout.contains("docker-credential-pass"), "{get:?}");
}

/// A bad name, a broken file or a refused registry: one line, exit 1, and no file touched.
#[test]
fn configure_fallback_helper_refuses_before_writing_anything() {
    let sandbox = Sandbox::new();
    let config = sandbox.home.path().join("ecr-login.toml");
    let docker = sandbox.home.path().join("docker.json");
    let sandbox = sandbox.env("AWS_ECR_CONFIG", config.display().to_string());
    for name in ["../../bin/sh", "ecr-login", "pass word", ""] {
        let run = sandbox.run(&["configure", "--fallback-helper", name], "");
        assert_eq!(
            (run.code, run.stdout.as_str()),
            (1, ""),
            "{name:?}: {run:?}"
        );
        assert_eq!(run.stderr.lines().count(), 1, "{name:?}: {run:?}");
        assert!(run.stderr.contains("fallback_helper"), "{name:?}: {run:?}");
        assert!(!config.exists(), "{name:?}");
    }
    let broken = "refresh_window = \"1h\"\n\n[registries.\"x.example\"]\nalias_of = 42\n";
    std::fs::write(&config, broken).unwrap();
    let run = sandbox.run(&["configure", "--fallback-helper", "pass"], "");
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        run.stderr.lines().next().unwrap_or_default(),
        run.stderr.trim_end()
    );
    assert!(
        run.stderr.starts_with(&format!(
            "ecr-login: config file {}, line 4: ",
            config.display()
        )),
        "{run:?}"
    );
    assert_eq!(std::fs::read_to_string(&config).unwrap(), broken);

    std::fs::write(&config, "refresh_window = \"1h\"\n").unwrap();
    let path = docker.display().to_string();
    let run = sandbox.run(
        &[
            "configure",
            "--fallback-helper",
            "pass",
            "--docker-config",
            &path,
            HOST,
            "docker.io",
        ],
        "",
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        std::fs::read_to_string(&config).unwrap(),
        "refresh_window = \"1h\"\n"
    );
    assert!(!docker.exists());
    // Both at once, when every part is right.
    let run = sandbox.run(
        &[
            "configure",
            "--fallback-helper",
            "pass",
            "--docker-config",
            &path,
            HOST,
        ],
        "",
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        std::fs::read_to_string(&config).unwrap(),
        "refresh_window = \"1h\"\nfallback_helper = \"pass\"\n"
    );
    assert!(std::fs::read_to_string(&docker).unwrap().contains(HOST));
}
