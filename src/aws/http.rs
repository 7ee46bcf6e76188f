//! The one HTTPS client every AWS call uses.
//!
//! hyper 1 + rustls with the ring provider: the SDK's default client would pull in aws-lc and,
//! through the service crates' default features, a second, legacy hyper 0.14 stack.

use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};
use aws_smithy_http_client::{Builder, ConnectorBuilder};
use aws_smithy_runtime_api::client::http::SharedHttpClient;

use super::error_chain;
use crate::env::Env;
use crate::error::Error;

/// The system roots plus `AWS_CA_BUNDLE` (rustls-native-certs already honours
/// `SSL_CERT_FILE`/`SSL_CERT_DIR`), and `HTTPS_PROXY`/`NO_PROXY` from the environment.
pub fn client(env: &Env) -> Result<SharedHttpClient, Error> {
    let mut trust = TrustStore::default();
    if let Some(path) = env.get("AWS_CA_BUNDLE") {
        let pem = std::fs::read(path)
            .map_err(|e| Error::Config(format!("cannot read AWS_CA_BUNDLE {path}: {e}")))?;
        trust = trust.with_pem_certificate(pem);
    }
    let tls_context = TlsContext::builder()
        .with_trust_store(trust)
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
