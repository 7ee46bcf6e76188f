//! The files the AWS SDK reads by itself, vetted before it reads them.
//!
//! The SDK reads its files with a plain blocking read of whatever is at the path: a FIFO there
//! blocks the thread the fetch runs on, and `/dev/zero` fills memory until the kernel kills us.
//! The watchdog in [`super::fetch_traced`] bounds the time whatever happens; vetting bounds the
//! memory, and turns a mistake into one line that names the file. It covers every file we can
//! name before the SDK opens it: the config and credentials files and the token files named in
//! the environment, then, when the profile is about to be asked for credentials, the files the
//! profile names along its `source_profile` chain (`web_identity_token_file`, and the SSO and
//! `aws login` token caches it selects).
//!
//! A missing file stays missing (the SDK says what it lacks), and so does one we may not stat
//! (the SDK reports that too).

use std::path::{Path, PathBuf};

use aws_config::profile::ProfileSet;

use crate::env::Env;
use crate::error::Error;

/// Far above any real AWS config, credentials or token file (config files can hold hundreds of
/// profiles), low enough that a path pointed at something huge fails instead of filling memory.
const MAX_BYTES: u64 = 16 << 20;

/// Longest `source_profile` chain followed; the SDK refuses loops, we only stop walking.
const MAX_CHAIN: usize = 16;

/// The files named by the environment, before the SDK loads anything.
pub fn check_environment(env: &Env) -> Result<(), Error> {
    let [(_, config), (_, credentials)] = crate::core::identity::aws_files(env);
    let named = |var: &str| env.get(var).map(PathBuf::from);
    let files = [
        ("AWS_CONFIG_FILE", "the AWS config file", Some(config)),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            "the AWS credentials file",
            Some(credentials),
        ),
        (
            "AWS_WEB_IDENTITY_TOKEN_FILE",
            "",
            named("AWS_WEB_IDENTITY_TOKEN_FILE"),
        ),
        (
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
            "",
            named("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"),
        ),
    ];
    for (var, default_name, path) in files {
        let Some(path) = path else { continue };
        let origin = if env.get(var).is_some() {
            var
        } else {
            default_name
        };
        check(&path, origin, &format!("set {var} to one"))?;
    }
    Ok(())
}

/// The profiles as the SDK reads them, with `profile` (or the environment's) selected; `None`
/// for files it cannot parse.
pub async fn load_profiles(env: &Env, profile: Option<&str>) -> Option<ProfileSet> {
    let sdk_env = aws_types::os_shim_internal::Env::from(env.to_map());
    let fs = aws_types::os_shim_internal::Fs::real();
    let chosen = profile.map(|p| std::borrow::Cow::Owned(p.to_owned()));
    aws_config::profile::load(&fs, &sdk_env, &Default::default(), chosen)
        .await
        .ok()
}

/// The files the credentials of `profile` (or of the environment's profile) would read; the
/// profiles, for what else needs them (`mfa_serial`), when they could be loaded.
pub async fn check_profile(env: &Env, profile: Option<&str>) -> Result<Option<ProfileSet>, Error> {
    // A broken file is the SDK's to report, with its line.
    let Some(set) = load_profiles(env, profile).await else {
        return Ok(None);
    };
    let home = env.home().unwrap_or_default();
    let mut name = set.selected_profile().to_owned();
    let mut walked = Vec::new();
    while let Some(profile) = set.get_profile(&name) {
        if walked.contains(&name) || walked.len() >= MAX_CHAIN {
            break;
        }
        for (key, path) in named_files(profile, env, &home) {
            let fix = if key.contains("cache") {
                "remove it and log in again"
            } else {
                "point the profile at one"
            };
            check(&path, &format!("profile {name:?}: {key}"), fix)?;
        }
        walked.push(name);
        match profile.get("source_profile") {
            Some(next) => name = next.to_owned(),
            None => break,
        }
    }
    Ok(Some(set))
}

/// What `profile` makes the SDK read, by the key that selects it.
fn named_files(
    profile: &aws_config::profile::Profile,
    env: &Env,
    home: &Path,
) -> Vec<(&'static str, PathBuf)> {
    let mut files = Vec::new();
    if let Some(path) = profile.get("web_identity_token_file") {
        files.push(("web_identity_token_file", PathBuf::from(path)));
    }
    // The SSO token cache is keyed by the session's name, or by the start URL of a legacy
    // profile without one (aws-config's sso/cache.rs).
    let sso = profile
        .get("sso_session")
        .map(|session| ("the SSO token cache of sso_session", session))
        .or_else(|| {
            profile
                .get("sso_start_url")
                .map(|url| ("the SSO token cache of sso_start_url", url))
        });
    if let Some((key, identifier)) = sso {
        use sha1::Digest;
        let name = hex::encode(sha1::Sha1::digest(identifier.as_bytes()));
        let path = home.join(".aws/sso/cache").join(format!("{name}.json"));
        files.push((key, path));
    }
    // `aws login` keeps its tokens by the hash of the trimmed session ARN (login/cache.rs).
    if let Some(session) = profile.get("login_session") {
        use sha2::Digest;
        let name = hex::encode(sha2::Sha256::digest(session.trim().as_bytes()));
        let dir = env
            .get("AWS_LOGIN_CACHE_DIRECTORY")
            .map_or_else(|| home.join(".aws/login/cache"), PathBuf::from);
        files.push((
            "the aws login token cache of login_session",
            dir.join(format!("{name}.json")),
        ));
    }
    files
}

/// `Ok` unless something other than a bounded regular file is at `path`.
fn check(path: &Path, origin: &str, fix: &str) -> Result<(), Error> {
    let Ok(meta) = std::fs::metadata(path) else {
        return Ok(());
    };
    crate::file::check_regular(&meta, MAX_BYTES).map_err(|e| {
        Error::Config(format!(
            "{origin} {} is {e}; make it a regular file or {fix}",
            path.display()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
    }

    #[test]
    fn cache_paths_are_the_sdks() {
        // The names aws-config's own tests give for these identifiers.
        let text = "[profile sso]\nsso_session = dev\nsso_start_url = https://x.example/start\n\
                    [profile legacy]\nsso_start_url = https://d-92671207e4.awsapps.com/start\n\
                    [profile login]\nlogin_session = arn:aws:iam::0123456789012:user/Admin\n";
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config");
        std::fs::write(&config, text).unwrap();
        let home = Path::new("/home");
        let env = Env::from_pairs([]);
        let set = runtime().block_on(async {
            let sdk_env = aws_types::os_shim_internal::Env::from_slice(&[(
                "AWS_CONFIG_FILE",
                config.to_str().unwrap(),
            )]);
            aws_config::profile::load(
                &aws_types::os_shim_internal::Fs::real(),
                &sdk_env,
                &Default::default(),
                None,
            )
            .await
            .unwrap()
        });
        let sso = named_files(set.get_profile("sso").unwrap(), &env, home);
        assert_eq!(
            sso[0].1,
            Path::new("/home/.aws/sso/cache/34c6fceca75e456f25e7e99531e2425c6c1de443.json"),
            "by the session's name"
        );
        let legacy = named_files(set.get_profile("legacy").unwrap(), &env, home);
        assert_eq!(
            legacy[0].1,
            Path::new("/home/.aws/sso/cache/13f9d35043871d073ab260e020f0ffde092cb14b.json"),
            "by the start URL"
        );
        let login = named_files(set.get_profile("login").unwrap(), &env, home);
        assert_eq!(
            login[0].1,
            Path::new(
                "/home/.aws/login/cache/36db1d138ff460920374e4c3d8e01f53f9f73537e89c88d639f68393df0e2726.json"
            )
        );
    }
}
