//! `doctor`: everything a user needs when a pull fails, in the order things happen.
//!
//! Host parsing, config, profile, endpoint, credential source, cache state, then a live fetch
//! (bypassing the cache) with its timing. It prints names and times, never a token, a
//! password or a key.

use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::Instant;

use time::format_description::well_known::Rfc3339;

use crate::aws::{self, FetchOptions, Trace};
use crate::cache::Cache;
use crate::cli::write_stdout;
use crate::config::Config;
use crate::credentials::{Policy, now};
use crate::env::Env;
use crate::identity::{Identity, cache_key};
use crate::registry::Service;

pub fn run(input: &str, env: &Env) -> ExitCode {
    let mut out = String::new();
    let ok = report(input, env, &mut out);
    write_stdout(&out);
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn yes_no(flag: bool) -> &'static str {
    if flag { "yes" } else { "no" }
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// Writes the report; false when something is wrong.
fn report(input: &str, env: &Env, out: &mut String) -> bool {
    let _ = writeln!(out, "registry      {input}");
    let config = match Config::load(env) {
        Ok(config) => {
            let path = config
                .path
                .as_ref()
                .map_or("none".to_owned(), |p| p.display().to_string());
            let _ = writeln!(out, "config file   {path}");
            config
        }
        Err(e) => {
            let _ = writeln!(out, "config file   BROKEN: {e}");
            return false;
        }
    };
    let Some(target) = config.target(input) else {
        let _ = writeln!(
            out,
            "result        not an ECR registry host, nor an alias in the config file: clients get \"not found\" and go on without credentials"
        );
        return false;
    };
    let registry = &target.registry;
    if let Some(alias) = &target.alias {
        let _ = writeln!(out, "alias         {alias} -> {}", registry.host);
    }
    match &registry.service {
        Service::Private { account } => {
            let _ = writeln!(out, "service       ECR (private), account {account}");
        }
        Service::Public => {
            let _ = writeln!(out, "service       ECR Public");
        }
    }
    let _ = writeln!(
        out,
        "region        {} (FIPS {}, dual-stack {})",
        registry.region,
        yes_no(registry.fips),
        yes_no(registry.dual_stack)
    );
    let profile_source = match (&target.profile, env.profile()) {
        (Some(p), _) => format!("{p} (from the config file)"),
        (None, Some(p)) => format!("{p} (from AWS_PROFILE/AWS_DEFAULT_PROFILE)"),
        (None, None) => "default".to_owned(),
    };
    let _ = writeln!(out, "profile       {profile_source}");

    let policy = match Policy::from_env(env, &config) {
        Ok(policy) => policy,
        Err(e) => {
            let _ = writeln!(out, "settings      {e}");
            return false;
        }
    };
    let identity = Identity::current(env, target.profile.as_deref());
    match Cache::open(env) {
        None => {
            let _ = writeln!(
                out,
                "cache         off (disabled, or the directory is not usable)"
            );
        }
        Some(cache) => {
            let key = cache_key(registry, &identity);
            let state = match cache.read(&key) {
                None => "no entry".to_owned(),
                Some(entry) => {
                    let token = entry.token();
                    let refresh = time::OffsetDateTime::from_unix_timestamp(
                        entry.refresh_at(policy.refresh_window),
                    )
                    .map(rfc3339)
                    .unwrap_or_default();
                    if entry.is_expired(now()) {
                        format!("expired at {}", rfc3339(token.expires_at))
                    } else if entry.is_fresh(now(), policy.refresh_window) {
                        format!(
                            "valid until {}, served until {refresh}",
                            rfc3339(token.expires_at)
                        )
                    } else {
                        format!(
                            "valid until {}, due for refresh since {refresh}",
                            rfc3339(token.expires_at)
                        )
                    }
                }
            };
            let _ = writeln!(out, "cache         {}", cache.entry_path(&key).display());
            let _ = writeln!(out, "cache entry   {state}");
        }
    }

    let options = match FetchOptions::from_env(env, target.profile.clone()) {
        Ok(options) => options,
        Err(e) => {
            let _ = writeln!(out, "settings      {e}");
            return false;
        }
    };
    let mut trace = Trace::default();
    let started = Instant::now();
    let result = aws::fetch_traced(registry, env, &options, &mut trace);
    let elapsed = started.elapsed();
    if let Some(endpoint) = &trace.endpoint {
        let _ = writeln!(out, "endpoint      {endpoint}");
    }
    match (trace.source, trace.credentials_time) {
        (Some(source), Some(took)) => {
            let _ = writeln!(
                out,
                "credentials   {source} (found in {} ms)",
                took.as_millis()
            );
        }
        _ => {
            let _ = writeln!(out, "credentials   none found");
        }
    }
    match result {
        Ok(token) => {
            let _ = writeln!(
                out,
                "fetch         ok in {} ms: user {}, token expires {}",
                elapsed.as_millis(),
                token.username,
                rfc3339(token.expires_at)
            );
            true
        }
        Err(e) => {
            let _ = writeln!(out, "fetch         FAILED after {} ms", elapsed.as_millis());
            let _ = writeln!(out, "cause         {e}");
            if registry.is_public() && e.is_no_credentials() {
                let _ = writeln!(
                    out,
                    "note          docker and skopeo still pull public images anonymously: the helper answers \"not found\""
                );
            }
            false
        }
    }
}
