//! Writing a Secret into a cluster (`kube-secret --apply`): server-side apply of the manifest
//! to each namespace, through a kubeconfig or the pod's service account.
//!
//! A small client over the HTTPS stack the AWS calls already use (hyper 1, rustls with ring)
//! rather than kube-rs: one request type does not justify a second dependency tree; the
//! README says more. Each namespace is written on its own, so one refusal does not stop the
//! others, and the whole run ends at the command's deadline.

mod client;
mod config;
mod exec;
mod kubeconfig;

#[cfg(fuzzing)]
pub(crate) use {
    exec::{Credential, parse as parse_exec_credential},
    kubeconfig::{Kubeconfig, parse as parse_kubeconfig},
};

use std::time::Instant;

pub use client::Applied;
pub use config::{Auth, Options, Target};

use crate::error::Error;
use crate::kubernetes::kube_secret::SecretData;
use crate::log::debug;
use crate::secret::Secret;
use crate::settings::Settings;

/// One namespace's result.
#[derive(Debug)]
pub struct Outcome {
    pub namespace: String,
    pub result: Result<Applied, Error>,
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

/// Applies the Secret `name` holding `data` to each of `namespaces` (the target's default
/// namespace when none is given). `Err` only when nothing could be tried (an exec plugin or
/// the TLS settings failed); a namespace's failure is in its [`Outcome`].
pub fn apply(
    target: &Target,
    data: &SecretData,
    name: &str,
    namespaces: &[String],
    settings: &Settings,
) -> Result<Vec<Outcome>, Error> {
    let namespaces = if namespaces.is_empty() {
        // It goes into the request path: a kubeconfig's value is checked like a flag's.
        crate::kubernetes::kube_secret::check_name(
            "the context's namespace",
            &target.namespace,
            63,
        )?;
        vec![target.namespace.clone()]
    } else {
        namespaces.to_vec()
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|source| Error::System {
            action: "start the I/O runtime",
            source,
        })?;
    let result = runtime.block_on(run(target, data, name, &namespaces, settings));
    runtime.shutdown_background();
    result
}

async fn run(
    target: &Target,
    data: &SecretData,
    name: &str,
    namespaces: &[String],
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
    let mut outcomes = Vec::new();
    for namespace in namespaces {
        let body = data
            .manifest(name, Some(namespace))
            .to_string()
            .into_bytes();
        let attempt = client::apply(
            &endpoint,
            bearer.as_ref(),
            namespace,
            name,
            body,
            &target.server,
        );
        let result = tokio::time::timeout_at(deadline.into(), attempt)
            .await
            .unwrap_or_else(|_| {
                Err(Error::KubeTimedOut {
                    namespace: namespace.clone(),
                    server: target.server.clone(),
                    after: settings.timeout,
                })
            });
        outcomes.push(Outcome {
            namespace: namespace.clone(),
            result,
        });
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
