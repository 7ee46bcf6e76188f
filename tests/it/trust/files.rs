//! Files a user can point elsewhere (config, CA bundle, AWS files, web identity token): a FIFO
//! or a device there is a clear error, never a hang.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::support::*;

const TIMEOUT_SECS: u64 = 2;

/// A FIFO with no writer: reading it blocks forever.
fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success(), "mkfifo {}", path.display());
}

/// `get` must fail fast, on one line that contains `names`.
fn assert_refused(case: &str, sandbox: &Sandbox, names: &str) {
    let run = sandbox.get(HOST);
    assert!(
        run.elapsed < Duration::from_secs(TIMEOUT_SECS + 1) + START_UP,
        "{case}: took {:?}: {run:?}",
        run.elapsed
    );
    assert_eq!(run.code, 1, "{case}: {run:?}");
    assert_eq!(run.stdout.lines().count(), 1, "{case}: {run:?}");
    assert!(
        run.stdout.starts_with("ecr-login: ") && run.stdout.contains(names),
        "{case}: {}",
        run.stdout
    );
    assert!(
        run.stdout.contains("not a regular file (a fifo)"),
        "{case}: {}",
        run.stdout
    );
}

/// A sandbox with working credentials and API, bounded by `AWS_ECR_TIMEOUT`: only the planted
/// file can make it fail.
fn working(mock: &EcrMock) -> Sandbox {
    Sandbox::new()
        .static_keys()
        .endpoints(mock)
        .env("AWS_ECR_TIMEOUT", format!("{TIMEOUT_SECS}s"))
}

fn fifo_in(sandbox: &Sandbox, name: &str) -> PathBuf {
    let path = sandbox.home.path().join(name);
    mkfifo(&path);
    path
}

#[test]
fn a_fifo_as_ca_bundle_or_config_file_is_an_error_not_a_hang() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("pw", 43_200)));
    for var in ["AWS_CA_BUNDLE", "SSL_CERT_FILE", "AWS_ECR_CONFIG"] {
        let base = working(&mock);
        let fifo = fifo_in(&base, "fifo");
        let sandbox = base.env(var, fifo.display().to_string());
        assert_refused(var, &sandbox, &format!("{}", fifo.display()));
        assert_refused(var, &sandbox, var);
    }
}

#[test]
fn a_fifo_as_an_aws_file_is_an_error_not_a_hang() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("pw", 43_200)));
    for var in ["AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"] {
        let base = working(&mock);
        let fifo = fifo_in(&base, "fifo");
        assert_refused(var, &base.env(var, fifo.display().to_string()), var);
    }

    // A symlink to a FIFO is a FIFO.
    let base = working(&mock);
    let fifo = fifo_in(&base, "fifo");
    let link = base.home.path().join("credentials-link");
    std::os::unix::fs::symlink(&fifo, &link).unwrap();
    let sandbox = base.env("AWS_SHARED_CREDENTIALS_FILE", link.display().to_string());
    assert_refused("symlink", &sandbox, "AWS_SHARED_CREDENTIALS_FILE");

    // The default path, with no variable pointing at it.
    let base = working(&mock).without("AWS_CONFIG_FILE");
    std::fs::create_dir_all(base.home.path().join(".aws")).unwrap();
    fifo_in(&base, ".aws/config");
    assert_refused("default path", &base, "the AWS config file");
}

#[test]
fn a_fifo_as_web_identity_token_file_is_an_error_not_a_hang() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("pw", 43_200)));
    let base = Sandbox::new()
        .endpoints(&mock)
        .env("AWS_ENDPOINT_URL_STS", mock.url())
        .env("AWS_ECR_TIMEOUT", format!("{TIMEOUT_SECS}s"))
        .env("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/pull");
    let fifo = fifo_in(&base, "token");
    let sandbox = base.env("AWS_WEB_IDENTITY_TOKEN_FILE", fifo.display().to_string());
    assert_refused("web identity", &sandbox, "AWS_WEB_IDENTITY_TOKEN_FILE");
}

#[test]
fn a_missing_aws_file_is_still_just_absent() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("pw", 43_200)));
    let sandbox = working(&mock)
        .env("AWS_CONFIG_FILE", "/nonexistent/config")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials");
    let run = sandbox.get(HOST);
    assert_eq!(run.stdout, get_line(HOST, "pw"), "{run:?}");
}
