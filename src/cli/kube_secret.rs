//! The front end of `kube-secret`: the manifests on stdout, or with `--apply` one result line
//! per namespace on stdout, one error line per failed namespace on stderr, and exit code 1 if
//! any failed.

use std::process::ExitCode;

use crate::env::Env;
use crate::escape::escape_controls;
use crate::kubernetes::api::{self, Applied};
use crate::kubernetes::kube_secret::{self, SecretType};
use crate::settings::Settings;

/// What `kube-secret` was asked for.
#[derive(Debug)]
pub struct Request<'a> {
    pub registries: &'a [String],
    pub name: &'a str,
    pub namespaces: &'a [String],
    pub kind: SecretType,
}

/// Prints the manifests, or applies them when `apply` holds the cluster options.
pub fn run(request: &Request<'_>, apply: Option<&api::Options>, env: &Env) -> ExitCode {
    let build = |settings: &Settings| {
        kube_secret::build(
            request.registries,
            request.name,
            request.namespaces,
            request.kind,
            env,
            settings,
        )
    };
    let Some(options) = apply else {
        return super::command_reply(Settings::load(env).and_then(|settings| {
            let data = build(&settings)?;
            Ok(kube_secret::manifests(
                &data,
                request.name,
                request.namespaces,
            ))
        }));
    };
    // The cluster settings first: a broken kubeconfig fails before any AWS call.
    let prepared = Settings::load(env).and_then(|settings| {
        let target = api::Target::resolve(options, env)?;
        api::preflight(&target)?;
        let data = build(&settings)?;
        api::apply(&target, &data, request.name, request.namespaces, &settings)
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
            Ok(applied) => {
                let what = match applied {
                    Applied::Created => "created",
                    Applied::Updated => "applied",
                };
                lines.push_str(&format!(
                    "secret/{} {what} in namespace {namespace}\n",
                    request.name
                ));
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
