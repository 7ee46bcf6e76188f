//! The registries docker's config hands to us, for `list`.
//!
//! With `"credsStore": "ecr-login"` the classic builder (`DOCKER_BUILDKIT=0 docker build`)
//! cannot know which registries a Dockerfile's `FROM` lines need: it asks the store to `list`
//! every registry it holds and then `get`s each one before the build starts. A registry missing
//! from that list gets no credentials, so a `FROM` an ECR image fails with a cold cache unless
//! `list` names it. The user's docker config already says which registries are ours: the
//! `credHelpers` entries that name this helper, and, when the whole store is ours, the `auths`
//! keys (`docker login` and the old "empty auths entry" workaround leave them there).
//!
//! Docker runs `docker-credential-<name>` for a helper named `<name>`, so which entries are
//! ours depends on the name this binary was started under ([`helper_name`]): a copy installed
//! as `docker-credential-ecr` answers for `"ecr"`, not for `"ecr-login"` (which would run
//! some other program).
//!
//! `list` must never fail (containers/image aborts a pull on a failed `list`), so a broken
//! file is a reason for a warning, never an error of the verb.

use std::ffi::OsStr;
use std::path::Path;

use serde_json::Value;

use super::{HELPER, MAX_CONFIG_BYTES, docker_config_path};
use crate::env::Env;

/// The prefix docker puts before a helper's name to find its program.
const PROGRAM_PREFIX: &str = "docker-credential-";

/// The helper name docker knows this program by: the part of its file name after
/// `docker-credential-` (without `.exe` on Windows). Under any other name (run by hand as
/// `./target/release/...`, a renamed copy) it is the name we are installed under by default.
pub fn helper_name(program: Option<&OsStr>) -> String {
    let Some(file) = program
        .map(Path::new)
        .and_then(Path::file_name)
        .and_then(OsStr::to_str)
    else {
        return HELPER.to_owned();
    };
    let file = match file.len().checked_sub(4) {
        Some(cut)
            if cfg!(windows)
                && file
                    .get(cut..)
                    .is_some_and(|ext| ext.eq_ignore_ascii_case(".exe")) =>
        {
            &file[..cut]
        }
        _ => file,
    };
    match file.get(..PROGRAM_PREFIX.len()) {
        Some(prefix) if same_name(prefix, PROGRAM_PREFIX) && file.len() > PROGRAM_PREFIX.len() => {
            file[PROGRAM_PREFIX.len()..].to_owned()
        }
        _ => HELPER.to_owned(),
    }
}

/// Whether two helper names find the same program: exactly, except where file systems ignore
/// case (Windows, macOS), as docker's lookup of the program then does.
fn same_name(a: &str, b: &str) -> bool {
    if cfg!(any(windows, target_os = "macos")) {
        a.eq_ignore_ascii_case(b)
    } else {
        a == b
    }
}

/// The registry keys of docker's config (`DOCKER_CONFIG`, else `~/.docker`) that docker would
/// ask the helper `ours` about; empty when there is no such file. `Err` says why the file
/// could not be used, for a warning.
pub fn registries_for(ours: &str, env: &Env) -> Result<Vec<String>, String> {
    // No home and no DOCKER_CONFIG: docker itself has no config to read either.
    let Ok(path) = docker_config_path(None, env) else {
        return Ok(Vec::new());
    };
    let bytes = match crate::file::read_regular(&path, MAX_CONFIG_BYTES) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let text =
        String::from_utf8(bytes).map_err(|_| format!("{} is not valid UTF-8", path.display()))?;
    handed_to(&text, ours).map_err(|why| format!("{}: {why}", path.display()))
}

/// The keys of a docker config's text that name `ours`: every `credHelpers` entry whose
/// helper it is, and every `auths` key when `credsStore` is it. Not yet checked to be ECR.
pub fn handed_to(text: &str, ours: &str) -> Result<Vec<String>, String> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let root: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let object = root.as_object().ok_or("not a JSON object")?;
    let names_us = |value: &Value| value.as_str().is_some_and(|name| same_name(name, ours));
    let mut keys = Vec::new();
    if let Some(helpers) = object.get("credHelpers") {
        let helpers = helpers
            .as_object()
            .ok_or("credHelpers is not a JSON object")?;
        keys.extend(
            helpers
                .iter()
                .filter(|(_, helper)| names_us(helper))
                .map(|(key, _)| key.clone()),
        );
    }
    if object.get("credsStore").is_some_and(names_us)
        && let Some(auths) = object.get("auths")
    {
        let auths = auths.as_object().ok_or("auths is not a JSON object")?;
        keys.extend(auths.keys().cloned());
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_helper_name_is_the_program_name_after_docker_credential() {
        let name = |program: &str| helper_name(Some(OsStr::new(program)));
        assert_eq!(name("docker-credential-ecr-login"), "ecr-login");
        assert_eq!(
            name("/usr/local/bin/docker-credential-ecr-login"),
            "ecr-login"
        );
        assert_eq!(name("docker-credential-ecr"), "ecr");
        assert_eq!(name("./target/release/ecr-login-test"), "ecr-login");
        assert_eq!(name("docker-credential-"), "ecr-login");
        assert_eq!(helper_name(None), "ecr-login");
        if cfg!(windows) {
            assert_eq!(name("C:\\bin\\docker-credential-ecr.EXE"), "ecr");
        }
    }

    #[test]
    fn only_the_entries_that_name_us() {
        let text = r#"{
            "auths": {"111111111111.dkr.ecr.eu-west-1.amazonaws.com": {}, "ghcr.io": {"auth": "x"}},
            "credHelpers": {
                "222222222222.dkr.ecr.us-east-1.amazonaws.com": "ecr-login",
                "gcr.io": "gcloud",
                "333333333333.dkr.ecr.us-east-1.amazonaws.com": "ecr"
            }
        }"#;
        assert_eq!(
            handed_to(text, "ecr-login").unwrap(),
            ["222222222222.dkr.ecr.us-east-1.amazonaws.com"]
        );
        assert_eq!(
            handed_to(text, "ecr").unwrap(),
            ["333333333333.dkr.ecr.us-east-1.amazonaws.com"]
        );
        let store = text.replacen('{', r#"{"credsStore": "ecr-login","#, 1);
        assert_eq!(
            handed_to(&store, "ecr-login").unwrap(),
            [
                "222222222222.dkr.ecr.us-east-1.amazonaws.com",
                "111111111111.dkr.ecr.eu-west-1.amazonaws.com",
                "ghcr.io"
            ]
        );
        assert_eq!(handed_to("", "ecr-login").unwrap(), Vec::<String>::new());
        assert_eq!(handed_to("{}", "ecr-login").unwrap(), Vec::<String>::new());
        for broken in [
            "{",
            "[]",
            r#"{"credHelpers": []}"#,
            r#"{"credsStore": "ecr-login", "auths": 1}"#,
        ] {
            let err = handed_to(broken, "ecr-login").unwrap_err();
            assert!(!err.contains('\n'), "{err}");
        }
    }
}
