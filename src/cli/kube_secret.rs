//! The front end of `kube-secret`: the manifests on stdout, or with `--apply` one result line
//! per object written (the Secret in each namespace, each service account) on stdout, one
//! error line per failed object on stderr, and exit code 1 if any failed (0 with
//! `--exit-zero`).

use std::process::ExitCode;

use crate::env::Env;
use crate::escape::escape_controls;
use crate::kubernetes::api::{self, Done, Namespaces, Patched, Plan, Written};
use crate::kubernetes::kube_secret::{self, Spec};
use crate::settings::Settings;

/// Namespaces the cluster chooses at each run.
#[derive(Debug)]
pub struct Chosen {
    /// A label selector (none: every namespace).
    pub selector: Option<String>,
    /// Globs of namespaces left out.
    pub exclude: Vec<String>,
}

/// What `kube-secret` was asked for, its flags checked.
#[derive(Debug)]
pub struct Request {
    pub registries: Vec<String>,
    pub name: String,
    pub namespaces: Vec<String>,
    /// Set: the namespaces are listed from the cluster rather than `namespaces`.
    pub chosen: Option<Chosen>,
    pub spec: Spec,
    pub password_only: bool,
    pub service_accounts: Vec<String>,
    /// Set: write to the cluster rather than print.
    pub apply: Option<api::Options>,
    pub exit_zero: bool,
}

/// Prints the manifests, or applies them.
pub fn run(request: &Request, env: &Env) -> ExitCode {
    let code = match &request.apply {
        None => print(request, env),
        Some(options) => apply(request, options, env),
    };
    if request.exit_zero {
        ExitCode::SUCCESS
    } else {
        code
    }
}

fn build(request: &Request, env: &Env, settings: &Settings) -> Result<kube_secret::SecretData, crate::error::Error> {
    kube_secret::build(
        &request.registries,
        &request.name,
        &request.namespaces,
        &request.spec,
        env,
        settings,
    )
}

fn print(request: &Request, env: &Env) -> ExitCode {
    super::command_reply(Settings::load(env).and_then(|settings| {
        let data = build(request, env, &settings)?;
        Ok(kube_secret::manifests(
            &data,
            &request.name,
            &request.namespaces,
        ))
    }))
}

fn apply(request: &Request, options: &api::Options, env: &Env) -> ExitCode {
    let namespaces = match &request.chosen {
        None => Namespaces::Given(&request.namespaces),
        Some(chosen) => Namespaces::Chosen {
            selector: chosen.selector.as_deref(),
            exclude: &chosen.exclude,
        },
    };
    let plan = Plan {
        name: &request.name,
        namespaces,
        password_only: request.password_only,
        service_accounts: &request.service_accounts,
    };
    // The cluster settings first: a broken kubeconfig fails before any AWS call.
    let prepared = Settings::load(env).and_then(|settings| {
        let target = api::Target::resolve(options, env)?;
        api::preflight(&target)?;
        let data = build(request, env, &settings)?;
        api::apply(&target, &data, &plan, &settings)
    });
    let outcomes = match prepared {
        Ok(outcomes) => outcomes,
        Err(e) => return super::command_reply(Err(e)),
    };
    let mut lines = String::new();
    let mut failed = false;
    for outcome in outcomes {
        let namespace = escape_controls(&outcome.namespace);
        match outcome.result {
            Ok(done) => {
                let object = match done {
                    Done::Secret(written) => {
                        let what = match written {
                            Written::Created => "created",
                            Written::Applied => "applied",
                            Written::Password => "password applied",
                        };
                        format!("secret/{} {what}", request.name)
                    }
                    Done::ServiceAccount(account, patched) => {
                        let what = match patched {
                            Patched::Added => "patched",
                            Patched::Unchanged => "unchanged",
                        };
                        format!("serviceaccount/{} {what}", escape_controls(&account))
                    }
                };
                lines.push_str(&format!("{object} in namespace {namespace}\n"));
            }
            Err(e) => {
                failed = true;
                super::write_stderr_line(&escape_controls(&e.to_string()));
            }
        }
    }
    super::write_stdout(&lines);
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
