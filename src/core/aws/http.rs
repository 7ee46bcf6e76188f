//! The one HTTPS client every AWS call uses.
//!
//! hyper 1 + rustls with the ring provider: the SDK's default client would pull in aws-lc and,
//! through the service crates' default features, a second, legacy hyper 0.14 stack.
//!
//! Trust roots are where a cold `get` spends its time: the generic loader reads the system
//! bundle *and* every hashed file of `/etc/ssl/certs` (the same certificates again). We read
//! one PEM bundle instead, and vet every certificate first, because the client panics on one it
//! cannot parse. Windows and macOS have no bundle file: their roots come from the operating
//! system's store. Where a system has no roots at all (a `FROM scratch` image holding only the
//! static binary), Mozilla's roots compiled into the binary serve.

use std::path::Path;

use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};
use aws_smithy_http_client::{Builder, ConnectorBuilder};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

use super::error_chain;
use crate::env::Env;
use crate::error::Error;
use crate::log::debug;

/// Where distributions keep their CA bundle, most common first.
const SYSTEM_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
];

/// Far above any real bundle (a distribution's is a few hundred KiB), low enough that a path
/// pointed at something huge fails instead of filling memory.
const MAX_BUNDLE_BYTES: u64 = 16 << 20;

/// The client, with `HTTPS_PROXY`/`NO_PROXY` from the environment and [`trust_store`] roots.
pub fn client(env: &Env) -> Result<SharedHttpClient, Error> {
    let tls_context = TlsContext::builder()
        .with_trust_store(trust_store(env)?)
        .build()
        .map_err(|e| Error::Config(format!("bad TLS settings: {}", error_chain(&e))))?;
    Ok(
        Builder::new().build_with_connector_fn(move |settings, components| {
            let mut connector = ConnectorBuilder::default()
                .tls_provider(tls::Provider::Rustls(
                    tls::rustls_provider::CryptoMode::Ring,
                ))
                .tls_context(tls_context.clone());
            connector.set_connector_settings(settings.cloned());
            if let Some(components) = components {
                connector.set_sleep_impl(components.sleep_impl());
            }
            connector.set_proxy_config(Some(ProxyConfig::from_env()));
            connector.build()
        }),
    )
}

/// Where the trusted roots came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Roots {
    /// `AWS_CA_BUNDLE` or `SSL_CERT_FILE`.
    Bundle,
    /// `SSL_CERT_DIR`, read by the generic loader.
    Directory,
    /// The distribution's bundle file, or the OS store on Windows and macOS.
    System,
    /// Mozilla's roots, compiled in.
    CompiledIn,
}

/// The roots to trust, by the usual conventions:
/// - `AWS_CA_BUNDLE` replaces the system roots, as in the AWS CLI and SDKs;
/// - else `SSL_CERT_FILE`;
/// - else `SSL_CERT_DIR` alone goes to the generic loader, which reads directories;
/// - else the system's roots: the distribution's bundle file, or the OS store on Windows and
///   macOS;
/// - else the compiled-in Mozilla roots.
pub fn trust_store(env: &Env) -> Result<TrustStore, Error> {
    let (store, roots) = trust_store_from(env, SYSTEM_BUNDLES)?;
    debug!("trusted roots: {roots:?}");
    Ok(store)
}

fn trust_store_from(env: &Env, bundles: &[&str]) -> Result<(TrustStore, Roots), Error> {
    if let Some(path) = env.get("AWS_CA_BUNDLE") {
        return Ok((bundle(Path::new(path), "AWS_CA_BUNDLE")?, Roots::Bundle));
    }
    if let Some(path) = env.get("SSL_CERT_FILE") {
        return Ok((bundle(Path::new(path), "SSL_CERT_FILE")?, Roots::Bundle));
    }
    if env.get("SSL_CERT_DIR").is_some() {
        return Ok((TrustStore::default(), Roots::Directory));
    }
    Ok(match system_roots(bundles)? {
        Some(store) => (store, Roots::System),
        None => (
            TrustStore::empty().with_pem_certificate(compiled_in_roots()),
            Roots::CompiledIn,
        ),
    })
}

fn compiled_in_roots() -> Vec<u8> {
    to_pem(webpki_root_certs::TLS_SERVER_ROOT_CERTS.iter())
}

/// The distribution's bundle, the first of `bundles` that exists; a broken one is an error,
/// as it would be in any other program that reads it.
#[cfg(not(any(windows, target_os = "macos")))]
fn system_roots(bundles: &[&str]) -> Result<Option<TrustStore>, Error> {
    bundles
        .iter()
        .map(Path::new)
        .find(|p| p.is_file())
        .map(|path| bundle(path, "the system CA bundle"))
        .transpose()
}

/// The operating system's store, read here rather than by the client so that an empty one is
/// noticed.
#[cfg(any(windows, target_os = "macos"))]
fn system_roots(_bundles: &[&str]) -> Result<Option<TrustStore>, Error> {
    let found = rustls_native_certs::load_native_certs();
    if !found.errors.is_empty() {
        debug!("reading the system trust store: {:?}", found.errors);
    }
    let usable: Vec<_> = found
        .certs
        .into_iter()
        .filter(|der| rustls::RootCertStore::empty().add(der.clone()).is_ok())
        .collect();
    Ok((!usable.is_empty())
        .then(|| TrustStore::empty().with_pem_certificate(to_pem(usable.iter()))))
}

fn bundle(path: &Path, origin: &str) -> Result<TrustStore, Error> {
    let fail = |what: String| Error::Config(format!("{origin} {}: {what}", path.display()));
    let pem = crate::file::read_regular(path, MAX_BUNDLE_BYTES)
        .map_err(|e| fail(format!("cannot read: {e}")))?;
    let vetted = vet(&pem).map_err(fail)?;
    Ok(TrustStore::empty().with_pem_certificate(vetted))
}

/// The certificates of `pem` that can serve as trust anchors, re-encoded as PEM. Unusable
/// ones are skipped (system bundles carry a few); a bundle with none is an error.
fn vet(pem: &[u8]) -> Result<Vec<u8>, String> {
    let mut usable = Vec::new();
    let mut skipped = 0;
    for der in CertificateDer::pem_slice_iter(pem) {
        let der = der.map_err(|e| format!("not a PEM certificate bundle: {e}"))?;
        if rustls::RootCertStore::empty().add(der.clone()).is_ok() {
            usable.push(der);
        } else {
            skipped += 1;
        }
    }
    if skipped > 0 {
        debug!("skipped {skipped} unusable CA certificates");
    }
    if usable.is_empty() {
        return Err("no usable CA certificate in it".to_owned());
    }
    Ok(to_pem(usable.iter()))
}

/// The certificates as one PEM bundle, the form the client takes.
fn to_pem<'a>(certs: impl Iterator<Item = &'a CertificateDer<'a>>) -> Vec<u8> {
    let mut out = Vec::new();
    for der in certs {
        out.extend_from_slice(b"-----BEGIN CERTIFICATE-----\n");
        let encoded = STANDARD.encode(der.as_ref());
        for line in encoded.as_bytes().chunks(64) {
            out.extend_from_slice(line);
            out.push(b'\n');
        }
        out.extend_from_slice(b"-----END CERTIFICATE-----\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_system_bundle_vets_to_a_usable_store() {
        let Some(path) = SYSTEM_BUNDLES.iter().find(|p| Path::new(p).is_file()) else {
            return;
        };
        let pem = std::fs::read(path).unwrap();
        let vetted = vet(&pem).unwrap();
        let count = CertificateDer::pem_slice_iter(&vetted).count();
        assert!(count > 50, "{count} roots");
    }

    #[test]
    fn with_no_system_roots_the_compiled_in_ones_serve() {
        let (_, roots) = trust_store_from(&Env::from_pairs([]), &[]).unwrap();
        if cfg!(any(windows, target_os = "macos")) {
            return;
        }
        assert_eq!(roots, Roots::CompiledIn);
        let count = CertificateDer::pem_slice_iter(&vet(&compiled_in_roots()).unwrap()).count();
        assert!(count > 100, "{count} compiled-in roots");
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("none.pem");
        let (_, roots) =
            trust_store_from(&Env::from_pairs([]), &[missing.to_str().unwrap()]).unwrap();
        assert_eq!(
            roots,
            Roots::CompiledIn,
            "a bundle path that does not exist"
        );
    }

    #[test]
    fn the_variables_come_before_the_system() {
        let dir = tempfile::tempdir().unwrap();
        let broken = dir.path().join("broken.pem");
        std::fs::write(&broken, "hello").unwrap();
        let broken = broken.to_str().unwrap();
        for var in ["AWS_CA_BUNDLE", "SSL_CERT_FILE"] {
            let err = trust_store_from(&Env::from_pairs([(var, broken)]), &[])
                .unwrap_err()
                .to_string();
            assert!(err.contains(var) && err.contains("no usable CA"), "{err}");
        }
        let (_, roots) =
            trust_store_from(&Env::from_pairs([("SSL_CERT_DIR", broken)]), &[]).unwrap();
        assert_eq!(roots, Roots::Directory);
        if !cfg!(any(windows, target_os = "macos")) {
            let err = trust_store_from(&Env::from_pairs([]), &[broken])
                .unwrap_err()
                .to_string();
            assert!(err.contains("the system CA bundle"), "{err}");
        }
    }

    #[test]
    fn bad_bundles_are_errors_not_panics() {
        assert_eq!(vet(b"").unwrap_err(), "no usable CA certificate in it");
        assert_eq!(vet(b"hello").unwrap_err(), "no usable CA certificate in it");
        let garbage = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert_eq!(vet(garbage).unwrap_err(), "no usable CA certificate in it");
        let broken = b"-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n";
        assert!(
            vet(broken)
                .unwrap_err()
                .starts_with("not a PEM certificate bundle")
        );
        let dir = tempfile::tempdir().unwrap();
        let env = Env::from_pairs([(
            "AWS_CA_BUNDLE",
            dir.path().join("nope.pem").to_str().unwrap(),
        )]);
        let err = trust_store(&env).unwrap_err().to_string();
        assert!(
            err.starts_with("ecr-login: AWS_CA_BUNDLE ") && err.contains("cannot read"),
            "{err}"
        );
    }
}
