//! `list` for `"credsStore": "ecr-login"`: the classic builder (`DOCKER_BUILDKIT=0 docker
//! build`) `get`s only the registries `list` names, before the build, so with a cold cache
//! `list` must name every ECR registry it can know of without AWS: docker's config entries
//! that name this helper, and the config file's registries and aliases.

use crate::support::*;

const OTHER: &str = "210987654321.dkr.ecr.us-east-1.amazonaws.com";

/// A sandbox whose docker config (`DOCKER_CONFIG`) holds `docker_config`; its ECR API is a
/// mock that must never be asked (`list` makes no network call).
fn with_docker_config(docker_config: &str) -> (Sandbox, EcrMock) {
    let mock = EcrMock::start();
    let sandbox = Sandbox::new().static_keys().endpoints(&mock);
    let dir = sandbox.home.path().join("docker");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("config.json"), docker_config).unwrap();
    let sandbox = sandbox.env("DOCKER_CONFIG", dir.display().to_string());
    (sandbox, mock)
}

fn list(sandbox: &Sandbox) -> Run {
    let run = sandbox.run(&["list"], "");
    assert_eq!(run.code, 0, "{run:?}");
    run
}

#[test]
fn cred_helpers_naming_this_helper_are_listed_with_a_cold_cache() {
    let (sandbox, mock) = with_docker_config(&format!(
        r#"{{"credHelpers": {{"{HOST}": "ecr-login", "{OTHER}": "ecr", "gcr.io": "gcloud", "localhost:5000": "ecr-login"}}}}"#
    ));
    let run = list(&sandbox);
    // `localhost:5000` names us but is neither ECR nor an alias: `get` would not answer it.
    assert_eq!(run.stdout, format!("{{\"{HOST}\":\"AWS\"}}\n"), "{run:?}");
    assert_eq!(run.stderr, "");
    assert!(mock.requests().is_empty(), "list asked AWS");
}

#[test]
fn with_creds_store_the_ecr_keys_of_auths_are_listed() {
    let auths = format!(
        r#""auths": {{"https://{HOST}": {{}}, "{OTHER}": {{}}, "ghcr.io": {{"auth": "eDp5"}}, "https://index.docker.io/v1/": {{}}}}"#
    );
    let (sandbox, mock) = with_docker_config(&format!(r#"{{"credsStore": "ecr-login", {auths}}}"#));
    let run = list(&sandbox);
    assert_eq!(
        run.stdout,
        format!("{{\"{OTHER}\":\"AWS\",\"https://{HOST}\":\"AWS\"}}\n"),
        "{run:?}"
    );
    assert!(mock.requests().is_empty(), "list asked AWS");
    // The classic builder then gets each one: the key as listed is a server URL `get` takes.
    mock.ecr(json_reply(ecr_reply("pw", 43_200)));
    let get = sandbox.get(&format!("https://{HOST}"));
    assert_eq!(get.code, 0, "{get:?}");

    // auths are docker's own store when credsStore is not us: nothing to list.
    let (theirs, _mock) = with_docker_config(&format!(r#"{{"credsStore": "desktop", {auths}}}"#));
    assert_eq!(list(&theirs).stdout, "{}\n");
}

#[test]
fn the_config_files_registries_and_aliases_are_listed() {
    let (sandbox, mock) = with_docker_config("{}");
    let config = sandbox.home.path().join("ecr-login.toml");
    std::fs::write(
        &config,
        format!(
            "[registries.\"Registry.Example.com\"]\nalias_of = \"{HOST}\"\n\n[registries.\"{OTHER}\"]\nprofile = \"p\"\n"
        ),
    )
    .unwrap();
    let sandbox = sandbox.env("AWS_ECR_CONFIG", config.display().to_string());
    let run = list(&sandbox);
    assert_eq!(
        run.stdout,
        format!("{{\"{OTHER}\":\"AWS\",\"registry.example.com\":\"AWS\"}}\n"),
        "{run:?}"
    );
    assert!(mock.requests().is_empty(), "list asked AWS");
}

/// Docker runs `docker-credential-<name>`: a copy installed as `docker-credential-ecr` is the
/// helper `ecr`, and the `ecr-login` entries are some other program's.
#[cfg(unix)]
#[test]
fn the_entries_are_those_of_the_name_docker_runs_us_by() {
    let (sandbox, _mock) = with_docker_config(&format!(
        r#"{{"credHelpers": {{"{HOST}": "ecr-login", "{OTHER}": "ecr"}}}}"#
    ));
    let bin = tempfile::tempdir().unwrap();
    let renamed = bin.path().join("docker-credential-ecr");
    std::os::unix::fs::symlink(helper_binary(), &renamed).unwrap();
    let run = sandbox.run_program(&renamed, &["list"], "");
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, format!("{{\"{OTHER}\":\"AWS\"}}\n").as_str()),
        "{run:?}"
    );
}

#[test]
fn a_broken_docker_config_is_a_warning_and_the_rest_is_listed() {
    for broken in ["{\"credHelpers\": ", "[1, 2]", "{\"credHelpers\": [\"x\"]}"] {
        let (sandbox, _mock) = with_docker_config(broken);
        let config = sandbox.home.path().join("ecr-login.toml");
        std::fs::write(
            &config,
            format!("[registries.\"{OTHER}\"]\nprofile = \"p\"\n"),
        )
        .unwrap();
        let sandbox = sandbox.env("AWS_ECR_CONFIG", config.display().to_string());
        let run = list(&sandbox);
        assert_eq!(run.stdout, format!("{{\"{OTHER}\":\"AWS\"}}\n"), "{broken}");
        assert_eq!(run.stderr.lines().count(), 1, "{broken}: {run:?}");
        assert!(
            run.stderr.starts_with("ecr-login: warning: ") && run.stderr.contains("config.json"),
            "{broken}: {run:?}"
        );
    }
    // Not a file docker could read either: a directory in its place.
    let (sandbox, _mock) = with_docker_config("{}");
    let dir = sandbox.home.path().join("docker");
    std::fs::remove_file(dir.join("config.json")).unwrap();
    std::fs::create_dir(dir.join("config.json")).unwrap();
    let run = list(&sandbox);
    assert_eq!(run.stdout, "{}\n", "{run:?}");
    assert_eq!(run.stderr.lines().count(), 1, "{run:?}");
}
