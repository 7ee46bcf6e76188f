//! Entry points for the fuzz targets (`fuzz/`), compiled only under `cargo fuzz`, which passes
//! `--cfg fuzzing`: the parsers stay private to the crate, and nothing here is part of the API.
//!
//! Each function feeds one parser of untrusted input arbitrary bytes and asserts what must hold
//! of its answer, beyond "no panic": a property that breaks is a panic, which the fuzzer keeps
//! as a crash. The secret checks plant nothing: when the input itself carries a token or a
//! password long enough to be told apart, the error must not repeat it.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::cli as cli_protocol;
use crate::config::Config;
use crate::core::cache::{self, Entry};
use crate::core::registry::{self, Registry};
use crate::kubernetes::api::{
    Credential, Kubeconfig, glob_match, parse_exec_credential, parse_kubeconfig,
};
use crate::kubernetes::kubelet;

/// What every error message must be: one non-empty line.
fn assert_one_line(message: &str) {
    assert!(!message.is_empty(), "an empty error message");
    assert!(!message.contains('\n'), "a multi-line error: {message:?}");
}

/// Asserts that the error `error_of` gives for the JSON `input` does not repeat the secret at
/// `pointer` in it. A secret short enough to be mistaken, or written elsewhere in the input too
/// (a message may rightly quote the other place), proves nothing and is skipped; so is one the
/// message holds also when the input's secret is blanked out: then it is the message's own
/// words (the fuzzer likes to make a secret of those).
fn assert_secret_kept(input: &str, pointer: &str, error_of: impl Fn(&str) -> Option<String>) {
    let Some(message) = error_of(input) else {
        return;
    };
    let Ok(value) = serde_json::from_str::<Value>(input) else {
        return;
    };
    let Some(secret) = value.pointer(pointer).and_then(Value::as_str) else {
        return;
    };
    if secret.len() < 8 || input.matches(secret).count() != 1 || !message.contains(secret) {
        return;
    }
    let blanked = error_of(&input.replacen(secret, &"Z".repeat(secret.len()), 1));
    assert!(
        blanked.is_some_and(|m| m.contains(secret)),
        "a secret in an error: {message:?}"
    );
}

/// `get`/`erase`'s stdin (the server URL) and `store`'s payload.
pub fn protocol(data: &[u8]) {
    let Ok(input) = cli_protocol::read_input(data) else {
        assert!(
            data.len() as u64 > cli_protocol::MAX_INPUT,
            "a small input refused"
        );
        return;
    };
    match cli_protocol::server_url(&input) {
        Ok(url) => {
            assert!(!url.is_empty() && !url.contains('\n'), "{url:?}");
            assert_eq!(url, url.trim());
            // What was read is read the same way again.
            assert_eq!(cli_protocol::server_url(&url).ok().as_deref(), Some(&*url));
            host(&url);
        }
        Err(e) => assert_one_line(&e.to_string()),
    }
    // Bazel's request, told apart by its first byte: its `uri`, or a short line that does not
    // repeat the input.
    if cli_protocol::is_bazel_request(data) {
        match cli_protocol::bazel_request_uri(data) {
            Ok(uri) => host(&uri),
            Err(e) => {
                let message = e.to_string();
                assert_one_line(&message);
                assert!(message.len() < 300, "{message}");
            }
        }
    }
    match cli_protocol::check_store(&input) {
        Ok(url) => {
            assert!(!url.is_empty() && url == url.trim(), "{url:?}");
            let again = serde_json::json!({"ServerURL": url, "Username": "u"}).to_string();
            assert_eq!(cli_protocol::check_store(&again).ok(), Some(url.clone()));
            let key = registry::host_and_port(&url).to_ascii_lowercase();
            assert!(!key.contains(['/', '?', '#', '@']), "{key:?}");
        }
        Err(e) => {
            let message = e.to_string();
            assert_one_line(&message);
            assert_secret_kept(input.trim(), "/Secret", |input| {
                cli_protocol::check_store(input)
                    .err()
                    .map(|e| e.to_string())
            });
        }
    }
}

/// Registry hosts as clients send them, image references and region names.
pub fn hosts(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    host(&text);
    image(&text);
    if let Ok(registry) = Registry::for_region(&text) {
        assert!(
            !text.contains(|c: char| c.is_whitespace() || c.is_control()),
            "{text:?}"
        );
        assert_eq!(registry.region, text);
        // A region's registry is never a host, so its entries are never served for one.
        assert_eq!(Registry::parse(&registry.host), None);
    }
    if let Ok(pattern) = crate::kubernetes::provider_config::mirror_pattern(&text) {
        // What `--mirror` puts into matchImages: a host's characters only, and settled.
        assert!(
            pattern
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-.:*".contains(&b)),
            "{pattern:?}"
        );
        assert_eq!(
            crate::kubernetes::provider_config::mirror_pattern(&pattern).as_deref(),
            Ok(pattern.as_str())
        );
    }
}

fn host(input: &str) {
    let with_port = registry::host_and_port(input);
    assert!(!with_port.contains(['/', '?', '#', '@']), "{with_port:?}");
    let normalised = registry::normalise(input);
    let Some(registry) = Registry::parse(input) else {
        assert_eq!(Registry::from_host(&normalised), None);
        return;
    };
    // A parsed host re-normalises to itself and names the same registry.
    assert_eq!(registry.host, normalised);
    assert_eq!(registry::normalise(&registry.host), registry.host);
    assert_eq!(Registry::parse(&registry.host).as_ref(), Some(&registry));
    assert_eq!(
        Registry::from_host(&registry.host).as_ref(),
        Some(&registry)
    );
    assert!(registry.host.is_ascii(), "{:?}", registry.host);
    match registry.account() {
        Some(account) => {
            assert!(account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()));
            assert!(registry.host.starts_with(account));
            assert!(registry.host.contains(&format!(".{}.", registry.region)));
        }
        None => assert!(registry.is_public()),
    }
}

fn image(reference: &str) {
    let Some(host) = kubelet::image_host(reference) else {
        assert!(reference.trim().is_empty(), "{reference:?}");
        return;
    };
    assert!(!host.is_empty() && !host.contains('/'), "{host:?}");
    assert_eq!(host, host.to_ascii_lowercase());
    // The host of an image on that host is that host.
    assert_eq!(
        kubelet::image_host(&format!("{host}/app")),
        Some(host.clone())
    );
}

/// The kubelet's `CredentialProviderRequest`, checked as far as it goes without settings.
pub fn kubelet_request(data: &[u8]) {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    assert_secret_kept(input, "/serviceAccountToken", kubelet_error);
    match kubelet::check(input) {
        Ok(request) => {
            assert_eq!(
                kubelet::image_host(&request.image),
                Some(request.host.clone())
            );
            assert!(["v1", "v1beta1", "v1alpha1"].contains(&request.version));
            if let Some(role) = request
                .service_account_annotations
                .get(kubelet::ROLE_ANNOTATION)
            {
                match kubelet::role_arn_of(role) {
                    Ok(arn) => {
                        assert!(arn.starts_with("arn:"));
                        assert!(!arn.contains(|c: char| c.is_whitespace() || c.is_control()));
                    }
                    Err(e) => {
                        let message = e.to_string();
                        assert_one_line(&message);
                        assert!(!message.contains(char::is_control), "{message:?}");
                    }
                }
            }
        }
        Err(e) => assert_one_line(&e.to_string()),
    }
}

/// The first error the plugin gives for `input` before it looks at the settings.
fn kubelet_error(input: &str) -> Option<String> {
    let request = match kubelet::check(input) {
        Ok(request) => request,
        Err(e) => return Some(e.to_string()),
    };
    let role = request
        .service_account_annotations
        .get(kubelet::ROLE_ANNOTATION)?;
    kubelet::role_arn_of(role).err().map(|e| e.to_string())
}

/// A kubeconfig file, and the context picked from it.
pub fn kubeconfig(data: &[u8]) {
    match parse_kubeconfig(data, "fuzz/config") {
        Ok(mut config) => {
            config.resolve_paths(Path::new("/kube"));
            let empty = config.is_empty();
            match Kubeconfig::pick(config, None, "fuzz/config") {
                Ok(picked) => {
                    assert!(!empty);
                    assert!(!picked.context.is_empty());
                    assert_ne!(picked.namespace.as_deref(), Some(""));
                }
                Err(e) => assert_one_line(&e.to_string()),
            }
        }
        Err(e) => {
            let message = e.to_string();
            assert_one_line(&message);
            assert!(message.starts_with("ecr-login: fuzz/config: "), "{message}");
            // The values of a broken file stay out of the message: any of them may be a token.
            // The seeds mark their secrets SEKRET.
            assert!(!message.contains("SEKRET"), "{message}");
        }
    }
}

/// What a kubeconfig's exec plugin prints (`ExecCredential`).
pub fn exec_credential(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let error_of = |text: &str| parse_exec_credential(text.as_bytes()).err();
    assert_secret_kept(&text, "/status/token", error_of);
    assert_secret_kept(&text, "/status/clientKeyData", error_of);
    match parse_exec_credential(data) {
        Ok(Credential::Token(token)) => assert!(!token.expose().is_empty()),
        Ok(Credential::ClientCert(..)) => {}
        Err(message) => assert_one_line(&message),
    }
}

/// A cache entry file (and the name it was found under).
pub fn cache_entry(data: &[u8]) {
    if let Ok(name) = std::str::from_utf8(data)
        && let Some(key) = cache::entry_key(name)
    {
        assert_eq!(cache::entry_name(key), name);
    }
    let error_of = |text: &str| Entry::from_json(text.as_bytes()).err();
    assert_secret_kept(&String::from_utf8_lossy(data), "/password", error_of);
    let entry = match Entry::from_json(data) {
        Ok(entry) => entry,
        Err(why) => return assert_one_line(&why),
    };
    assert_eq!(entry.version, cache::ENTRY_VERSION);
    // An accepted entry is written back as the same entry.
    let json = serde_json::to_vec(&entry).expect("an entry always serialises");
    assert_eq!(Entry::from_json(&json).as_ref(), Ok(&entry));
    // No claim in a file outlives ECR's 12 hours, whatever the numbers.
    let expires_at = entry.expires_at();
    assert!(expires_at <= entry.expires_at);
    assert!(expires_at <= entry.fetched_at.saturating_add(12 * 3600));
    let token = entry.token();
    assert!(token.expires_at.unix_timestamp() <= expires_at.max(0));
    for window in [0, 1, 3600, 43_200, u64::MAX] {
        let refresh_at = entry.refresh_at(Duration::from_secs(window));
        assert!(refresh_at <= expires_at, "{refresh_at} > {expires_at}");
        assert!(refresh_at >= expires_at.saturating_sub(i64::try_from(window).unwrap_or(i64::MAX)));
    }
    for at in [entry.fetched_at, expires_at, expires_at.saturating_sub(1)] {
        if let Ok(now) = time::OffsetDateTime::from_unix_timestamp(at) {
            let fresh = entry.is_fresh(now, Duration::from_secs(3600));
            assert!(
                !(fresh && entry.is_expired(now)),
                "fresh and expired at {at}"
            );
        }
    }
    let _ = Registry::from_host(&entry.host);
}

/// The configuration file (TOML).
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let config = match Config::parse(text, "/fuzz/config.toml".into()) {
        Ok(config) => config,
        Err(e) => {
            let message = e.to_string();
            assert_one_line(&message);
            assert!(
                message.starts_with("ecr-login: config file /fuzz/config.toml"),
                "{message}"
            );
            return;
        }
    };
    // Every registry the file accepts is one a client can reach by the name it was given.
    for key in config.registry_keys() {
        let target = config.target(key);
        assert!(
            target.is_some(),
            "[registries.{key:?}] is accepted but unreachable"
        );
    }
    if let Some(helper) = &config.fallback_helper {
        assert!(
            !helper.is_empty() && !helper.contains(['/', '\\']),
            "{helper:?}"
        );
    }
    // `configure --fallback-helper` on any file the helper accepts: a file it still accepts,
    // with the same registries, and a second run changes nothing (or a one-line refusal).
    let path = Path::new("/fuzz/config.toml");
    match crate::config::edit::with_fallback_helper(Some(text), "pass", path) {
        Ok((edited, after)) => {
            assert_eq!(after.fallback_helper.as_deref(), Some("pass"));
            assert!(after.registry_keys().eq(config.registry_keys()));
            assert_eq!(after.refresh_window, config.refresh_window);
            let again = crate::config::edit::with_fallback_helper(Some(&edited), "pass", path)
                .map(|(again, _)| again);
            assert_eq!(
                again.ok().as_ref(),
                Some(&edited),
                "a second run changed it"
            );
        }
        Err(e) => assert_one_line(&e.to_string()),
    }
}

/// Docker's `config.json`, as `configure` edits it (in memory) and `list` reads it.
pub fn docker_config(data: &[u8]) {
    use crate::docker::config::{listed, render, with_cred_helpers};
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // What `list` takes from it: keys of the file, or a one-line reason.
    match listed::handed_to(text, "ecr-login") {
        Ok(keys) => {
            let root: Value = serde_json::from_str(text).unwrap_or_default();
            for key in keys {
                assert!(
                    root["credHelpers"].get(&key).is_some() || root["auths"].get(&key).is_some(),
                    "{key:?} is not a key of the file"
                );
            }
        }
        Err(why) => assert_one_line(&why),
    }
    let keys = [
        "123456789012.dkr.ecr.us-east-1.amazonaws.com".to_owned(),
        "public.ecr.aws".to_owned(),
    ];
    let (edited, _) = match with_cred_helpers(Some(text), &keys) {
        Ok(edited) => edited,
        Err(why) => return assert_one_line(&why),
    };
    // Every entry asked for is there; every other key is kept, in its order.
    for key in &keys {
        assert_eq!(edited["credHelpers"][key], "ecr-login");
    }
    if let Ok(Value::Object(before)) = serde_json::from_str::<Value>(text.trim()) {
        let after: Vec<&String> = edited
            .as_object()
            .map(|o| o.keys().collect())
            .unwrap_or_default();
        let mut expected: Vec<&String> = before.keys().collect();
        let helpers = "credHelpers".to_owned();
        if !before.contains_key("credHelpers") {
            expected.push(&helpers);
        }
        assert_eq!(after, expected);
        for (key, value) in &before {
            if key != "credHelpers" {
                assert_eq!(&edited[key], value, "{key:?} changed");
            }
        }
    }
    // The file written is read back as what was written, and a second run changes nothing.
    let written = render(&edited).expect("a JSON value always renders");
    let written = std::str::from_utf8(&written).expect("rendered JSON is UTF-8");
    assert_eq!(
        serde_json::from_str::<Value>(written).ok().as_ref(),
        Some(&edited)
    );
    let (again, changed) = with_cred_helpers(Some(written), &keys).expect("our own file reads");
    assert!(!changed, "a second configure changed the file");
    assert_eq!(again, edited);
}

/// Values of `kube-secret`'s flags, which a chart's values hand on: label selectors, label
/// keys and values, Argo CD URLs, namespace globs.
pub fn kube_values(data: &[u8]) {
    use crate::kubernetes::{argocd, names, selector};
    const HOST: &str = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";
    let text = String::from_utf8_lossy(data);
    match selector::check(&text) {
        // What the server is sent is ASCII, its only controls the separators it reads.
        Ok(()) => assert!(
            text.bytes()
                .all(|b| b.is_ascii_graphic() || matches!(b, b' ' | b'\t' | b'\r' | b'\n')),
            "{text:?}"
        ),
        Err(e) => assert_one_line(&e),
    }
    if names::qualified_name(&text).is_ok() {
        assert!(text.len() <= 253 + 1 + 63 && text.is_ascii(), "{text:?}");
        assert!(!text.contains(char::is_whitespace), "{text:?}");
    }
    if names::label_value(&text).is_ok() {
        assert!(
            text.len() <= 63 && !text.contains(['/', ' ', '=']),
            "{text:?}"
        );
    }
    for kind in [argocd::Kind::Helm, argocd::Kind::Oci] {
        match argocd::url(HOST, Some(&text), kind) {
            Ok(url) => {
                // On the registry whose password the Secret holds, and nowhere else.
                let location = url.strip_prefix("oci://").unwrap_or(&url);
                assert_eq!(url.starts_with("oci://"), kind == argocd::Kind::Oci);
                assert!(
                    location == HOST || location.starts_with(&format!("{HOST}/")),
                    "{url:?}"
                );
                assert!(!location.contains(['?', '#', '@', ' ', ':']), "{url:?}");
                assert_eq!(argocd::url(HOST, Some(&url), kind).as_ref(), Ok(&url));
            }
            Err(e) => assert_one_line(&e),
        }
    }
    let middle = (text.len() / 2..=text.len())
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(text.len());
    let (glob, name) = text.split_at(middle);
    if !glob.contains(['*', '?']) {
        assert_eq!(glob_match(glob, name), glob == name, "{glob:?} {name:?}");
    }
    if glob_match(glob, name) && !glob.contains('*') {
        // `?` stands for one byte: namespace names are ASCII.
        assert_eq!(glob.len(), name.len(), "{glob:?} {name:?}");
    }
}
