//! Files a user can point elsewhere (config, CA bundle, AWS files, web identity token): a FIFO
//! or a device there is a clear error, never a hang.

use std::path::PathBuf;
use std::time::Duration;

use crate::support::*;

const TIMEOUT_SECS: u64 = 2;

/// `get` must fail fast, on one line that contains `names` and says it met a FIFO.
fn assert_refused(case: &str, sandbox: &Sandbox, names: &str) {
    assert_refused_as(case, sandbox, names, "not a regular file (a fifo)");
}

/// `get` must fail fast, on one line that contains `names` and `what`.
fn assert_refused_as(case: &str, sandbox: &Sandbox, names: &str, what: &str) {
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
    assert!(run.stdout.contains(what), "{case}: {}", run.stdout);
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
fn files_a_profile_names_are_vetted_before_the_sdk_reads_them() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("pw", 43_200)));
    let base = Sandbox::new()
        .endpoints(&mock)
        .env("AWS_ENDPOINT_URL_STS", mock.url())
        .env("AWS_ECR_TIMEOUT", format!("{TIMEOUT_SECS}s"));
    let fifo = fifo_in(&base, "token");
    // The SDK reads these with a blocking read of whatever is there: a FIFO held it past any
    // deadline, /dev/zero filled memory.
    for (token_file, what) in [
        (fifo.display().to_string(), "not a regular file (a fifo)"),
        (
            "/dev/zero".to_owned(),
            "not a regular file (a character device)",
        ),
    ] {
        base.aws_file(
            "config",
            &format!(
                "[profile pull]\nrole_arn = arn:aws:iam::123456789012:role/pull\n\
                 web_identity_token_file = {token_file}\n\
                 [default]\nsource_profile = pull\nrole_arn = arn:aws:iam::123456789012:role/two\n"
            ),
        );
        assert_refused_as(
            &token_file,
            &base,
            &format!("profile \"pull\": web_identity_token_file {token_file}"),
            what,
        );
    }

    // The SSO token cache the profile's session selects (named by the SHA-1 of its name).
    base.aws_file(
        "config",
        "[default]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = pull\n\
         [sso-session corp]\nsso_region = eu-west-1\nsso_start_url = https://corp.example/start\n",
    );
    let cache = base.home.path().join(".aws/sso/cache");
    std::fs::create_dir_all(&cache).unwrap();
    let session = "the SSO token cache of sso_session";
    let planted = cache.join(format!("{}.json", sha1_hex("corp")));
    mkfifo(&planted);
    assert_refused(session, &base, session);
}

/// The SHA-1 of `text` in hex, as the SDK names its SSO cache files (through sha1sum).
fn sha1_hex(text: &str) -> String {
    use std::io::Write;
    let mut child = std::process::Command::new("sha1sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8(out.stdout).unwrap()[..40].to_owned()
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
