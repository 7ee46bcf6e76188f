//! Writing a Secret into a cluster (`kube-secret --apply`): server-side apply of the manifest
//! to each namespace, through a kubeconfig or the pod's service account; with
//! `--password-only` the password alone; the namespaces given, or listed from the cluster at
//! each run; and the Secret added to service accounts' `imagePullSecrets`.
//!
//! A small client over the HTTPS stack the AWS calls already use (hyper 1, rustls with ring)
//! rather than kube-rs: a handful of request types does not justify a second dependency tree;
//! CONTRIBUTING.md says more. Each namespace and service account is written on its own, so one
//! refusal does not stop the others, and the whole run ends at the command's deadline.

mod client;
mod config;
mod exec;
mod kubeconfig;
mod list;
mod namespaces;
mod refusal;
mod secrets;
mod service_accounts;

#[cfg(fuzzing)]
pub(crate) use {
    exec::{Credential, parse as parse_exec_credential},
    kubeconfig::{Kubeconfig, parse as parse_kubeconfig},
};

use std::time::Instant;

pub use config::{Auth, Options, Target};
pub use secrets::Written;
pub use service_accounts::Patched;

use crate::error::Error;
use crate::kubernetes::kube_secret::SecretData;
use crate::log::debug;
use crate::secret::Secret;
use crate::settings::Settings;

/// Which namespaces to write to.
#[derive(Debug, Clone, Copy)]
pub enum Namespaces<'a> {
    /// These (none: the target's default namespace).
    Given(&'a [String]),
    /// Those the cluster lists at this run, `selector` picking (none: all), less those an
    /// `exclude` glob matches.
    Chosen {
        selector: Option<&'a str>,
        exclude: &'a [String],
    },
}

/// What to do in each namespace.
#[derive(Debug, Clone, Copy)]
pub struct Plan<'a> {
    /// The Secret's name.
    pub name: &'a str,
    pub namespaces: Namespaces<'a>,
    /// Only the password of an existing Secret.
    pub password_only: bool,
    /// Service accounts to add the Secret to (`*`: all of them).
    pub service_accounts: &'a [String],
}

/// One object's result.
#[derive(Debug)]
pub struct Outcome {
    pub namespace: String,
    pub result: Result<Done, Error>,
}

/// What was done to one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Done {
    Secret(Written),
    ServiceAccount(String, Patched),
}

/// Checks what can be checked before any token is fetched: the CA, a client certificate from
/// the kubeconfig and the server URL.
pub fn preflight(target: &Target) -> Result<(), Error> {
    let cert = target.client_cert.as_ref().map(|(c, k)| (c.as_slice(), k));
    client::tls_config(target.ca_pem.as_deref(), cert)
        .and_then(|tls| client::Endpoint::new(&target.server, target.server_name.as_deref(), tls))
        .map(drop)
        .map_err(|problem| Error::KubeConfig {
            file: target.source.clone(),
            problem,
        })
}

/// Writes the Secret holding `data` as `plan` says. `Err` when nothing could be done (an
/// exec plugin or the TLS settings failed, the namespaces could not be listed); each
/// object's failure is in its [`Outcome`].
pub fn apply(
    target: &Target,
    data: &SecretData,
    plan: &Plan<'_>,
    settings: &Settings,
) -> Result<Vec<Outcome>, Error> {
    let context_namespace = [target.namespace.clone()];
    let plan = match plan.namespaces {
        Namespaces::Given([]) => {
            // It goes into the request path: a kubeconfig's value is checked like a flag's.
            crate::kubernetes::kube_secret::check_name(
                "the context's namespace",
                &target.namespace,
                63,
            )?;
            Plan {
                namespaces: Namespaces::Given(&context_namespace),
                ..*plan
            }
        }
        _ => *plan,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|source| Error::System {
            action: "start the I/O runtime",
            source,
        })?;
    let result = runtime.block_on(run(target, data, &plan, settings));
    runtime.shutdown_background();
    result
}

async fn run(
    target: &Target,
    data: &SecretData,
    plan: &Plan<'_>,
    settings: &Settings,
) -> Result<Vec<Outcome>, Error> {
    let deadline = settings.deadline;
    debug!("Kubernetes API {} from {}", target.server, target.source);
    let (bearer, client_cert) = credentials(target, deadline).await?;
    let bad = |problem: String| Error::KubeConfig {
        file: target.source.clone(),
        problem,
    };
    let tls = client::tls_config(
        target.ca_pem.as_deref(),
        client_cert.as_ref().map(|(c, k)| (c.as_slice(), k)),
    )
    .map_err(bad)?;
    let endpoint =
        client::Endpoint::new(&target.server, target.server_name.as_deref(), tls).map_err(bad)?;
    let api = client::Api {
        endpoint: &endpoint,
        bearer: bearer.as_ref(),
        server: &target.server,
        deadline,
        timeout: settings.timeout,
    };
    let namespaces = match plan.namespaces {
        Namespaces::Given(namespaces) => namespaces.to_vec(),
        Namespaces::Chosen { selector, exclude } => {
            namespaces::chosen(&api, selector, exclude).await?
        }
    };
    let mut outcomes = Vec::new();
    for namespace in namespaces {
        let written = if plan.password_only {
            secrets::apply_password(&api, data, &namespace, plan.name).await
        } else {
            secrets::apply(&api, data, &namespace, plan.name).await
        };
        let secret_failed = written.is_err();
        outcomes.push(Outcome {
            namespace: namespace.clone(),
            result: written.map(Done::Secret),
        });
        // No service account is pointed at a Secret that could not be written.
        if secret_failed || plan.service_accounts.is_empty() {
            continue;
        }
        let patched =
            service_accounts::add_secret(&api, &namespace, plan.service_accounts, plan.name)
                .await;
        for (account, result) in patched {
            outcomes.push(Outcome {
                namespace: namespace.clone(),
                result: result.map(|p| Done::ServiceAccount(account, p)),
            });
        }
    }
    Ok(outcomes)
}

/// The bearer token and client certificate to present; an exec plugin runs here.
async fn credentials(
    target: &Target,
    deadline: Instant,
) -> Result<(Option<Secret>, Option<(Vec<u8>, Secret)>), Error> {
    let client_cert = target.client_cert.clone();
    Ok(match &target.auth {
        Auth::None => (None, client_cert),
        Auth::Bearer(token) => (Some(token.clone()), client_cert),
        Auth::Exec { exec, source } => match exec::run(exec, source, deadline).await? {
            exec::Credential::Token(token) => (Some(token), client_cert),
            exec::Credential::ClientCert(cert, key) => (None, Some((cert, key))),
        },
    })
}
