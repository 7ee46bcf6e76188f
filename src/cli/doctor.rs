//! `doctor`: everything a user needs when a pull fails, in the order things happen.
//!
//! Host parsing, config, profile, endpoint, credential source, cache state, then a live fetch
//! (bypassing the cache) with its timing. It prints names and times, never a token, a
//! password or a key.

use std::fmt::Display;
use std::path::Path;
use std::time::Instant;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::core::auth::now;
use crate::core::aws::{self, FetchOptions, Trace};
use crate::core::cache::{Cache, Entry};
use crate::core::identity::{Identity, cache_key};
use crate::core::registry::Service;
use crate::env::Env;
use crate::escape::escape_controls;
use crate::process::find_program;
use crate::settings::Settings;

/// The report, one `label  value` row per line.
#[derive(Debug, Default)]
pub struct Report(String);

impl Report {
    fn row(&mut self, label: &str, value: impl Display) {
        let value = value.to_string();
        self.0
            .push_str(&format!("{label:<13} {}\n", escape_controls(&value)));
    }

    pub fn text(&self) -> &str {
        &self.0
    }
}

fn yes_no(flag: bool) -> &'static str {
    if flag { "yes" } else { "no" }
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// Writes the report for `input`; true when a token could be had.
pub fn report(input: &str, env: &Env, out: &mut Report) -> bool {
    out.row("registry", input);
    out.row("program", which_runs(env));
    let settings = match Settings::load(env) {
        Ok(settings) => settings,
        Err(e) => {
            out.row("settings", format_args!("BROKEN: {e}"));
            return false;
        }
    };
    out.row(
        "log file",
        crate::log::file_path().map_or("none (AWS_ECR_LOG_FILE)".to_owned(), |p| {
            format!("{} (every line, debug included)", p.display())
        }),
    );
    let config_path = settings.config.path.as_ref();
    out.row(
        "config file",
        config_path.map_or("none".to_owned(), |p| p.display().to_string()),
    );
    let Some(target) = settings.config.target(input) else {
        out.row(
            "result",
            "not an ECR registry host, nor an alias in the config file: clients get \"not found\" and go on without credentials",
        );
        return false;
    };
    let registry = &settings.effective(&target.registry);
    if let Some(alias) = &target.alias {
        out.row("alias", format_args!("{alias} -> {}", registry.host));
    }
    match &registry.service {
        Service::Private { account } => {
            out.row("service", format_args!("ECR (private), account {account}"));
        }
        Service::PrivateInRegion => out.row(
            "service",
            "ECR (private), the account of the credentials in use",
        ),
        Service::Public => out.row("service", "ECR Public"),
    }
    out.row(
        "region",
        format_args!(
            "{} (FIPS {}, dual-stack {})",
            registry.region,
            yes_no(registry.fips),
            yes_no(registry.dual_stack)
        ),
    );
    let profile = match (&target.profile, env.profile()) {
        (Some(p), _) => {
            format!("{p} (from the config file; used ahead of keys in the environment)")
        }
        (None, Some(p)) => format!("{p} (from AWS_PROFILE/AWS_DEFAULT_PROFILE)"),
        (None, None) => "default".to_owned(),
    };
    out.row("profile", profile);

    let identity = Identity::current(env, target.profile.as_deref());
    match Cache::open(&settings) {
        None => out.row("cache", "off (disabled, or the directory is not usable)"),
        Some(cache) => {
            let key = cache_key(registry, &identity);
            let state = match cache.read(&key) {
                None => "no entry".to_owned(),
                Some(entry) if !entry.is_for(registry, &identity) => {
                    "not made for this registry and identity (ignored)".to_owned()
                }
                Some(entry) => entry_state(&entry, &settings),
            };
            out.row("cache", cache.entry_path(&key).display());
            out.row("cache entry", state);
        }
    }

    let options = FetchOptions::new(&settings, env, target.profile.clone());
    let mut trace = Trace::default();
    let started = Instant::now();
    let result = aws::fetch_traced(registry, env, &options, &mut trace);
    let elapsed = started.elapsed().as_millis();
    if let Some(endpoint) = &trace.endpoint {
        out.row("endpoint", endpoint);
    }
    match (trace.source, trace.credentials_time) {
        (Some(source), Some(took)) => out.row(
            "credentials",
            format_args!("{source} (found in {} ms)", took.as_millis()),
        ),
        _ => out.row("credentials", "none found"),
    }
    match result {
        Ok(token) => {
            out.row(
                "fetch",
                format_args!(
                    "ok in {elapsed} ms: user {}, token expires {}",
                    token.username,
                    rfc3339(token.expires_at)
                ),
            );
            true
        }
        Err(e) => {
            out.row("fetch", format_args!("FAILED after {elapsed} ms"));
            out.row("cause", &e);
            if registry.is_public() && e.is_no_credentials() {
                out.row(
                    "note",
                    "docker and skopeo still pull public images anonymously: the helper answers \"not found\"",
                );
            }
            false
        }
    }
}

/// Which `docker-credential-ecr-login` docker runs: the first on `PATH`, as Go's
/// `exec.LookPath` finds it. Docker Desktop bundles the Go helper under this very name, and on
/// Windows its system `PATH` entry comes before a user's, so a user may be debugging this
/// program while docker runs another.
fn which_runs(env: &Env) -> String {
    let name = format!("{}{}", crate::NAME, std::env::consts::EXE_SUFFIX);
    let this = std::env::current_exe().ok();
    let shown = this
        .as_ref()
        .map_or_else(|| "this program".to_owned(), |p| p.display().to_string());
    match find_program(&name, env) {
        None => format!(
            "{shown}; no {name} on PATH, so docker cannot run it: put its directory on PATH"
        ),
        Some(first) => match this.as_deref().map(|this| sameness(this, &first)) {
            Some(Same::File) => format!("{shown} (the first {name} on PATH: docker runs this one)"),
            Some(Same::Copy) => format!(
                "{shown}; docker runs {}, the first on PATH, an identical copy",
                first.display()
            ),
            _ => format!(
                "{shown}; WARNING: docker runs {}, the first {name} on PATH, which is another program (Docker Desktop bundles Amazon's Go helper under this name): put this one's directory ahead of it on PATH",
                first.display()
            ),
        },
    }
}

enum Same {
    File,
    Copy,
    Different,
}

fn sameness(this: &Path, other: &Path) -> Same {
    let canonical = |p: &Path| std::fs::canonicalize(p).ok();
    if canonical(this).is_some_and(|a| Some(a) == canonical(other)) {
        return Same::File;
    }
    // A binary is a few MB; reading both only happens in `doctor`.
    match (std::fs::read(this), std::fs::read(other)) {
        (Ok(a), Ok(b)) if a == b => Same::Copy,
        _ => Same::Different,
    }
}

fn entry_state(entry: &Entry, settings: &Settings) -> String {
    let expires = rfc3339(entry.token().expires_at);
    let refresh = OffsetDateTime::from_unix_timestamp(entry.refresh_at(settings.refresh_window))
        .map(rfc3339)
        .unwrap_or_default();
    if entry.is_expired(now()) {
        format!("expired at {expires}")
    } else if entry.is_fresh(now(), settings.refresh_window) {
        format!("valid until {expires}, served until {refresh}")
    } else {
        format!("valid until {expires}, due for refresh since {refresh}")
    }
}
