//! The HTTPS transport to the API server (hyper 1, rustls with ring): where to connect, with
//! which certificates and credentials, one request and its bounded answer.
//!
//! A connection per request keeps it simple; a refresher makes a few requests per namespace.

use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use serde::de::DeserializeOwned;

use crate::error::Error;
use crate::secret::Secret;

/// Bound on an answer: a Secret, a Status or a page of a list is at most a few hundred KiB.
const MAX_ANSWER_BYTES: usize = 4 << 20;

/// Where to connect and with what.
#[derive(Debug)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
    /// Prefix before `/api` (a proxy such as Rancher's), without a trailing `/`.
    pub base_path: String,
    pub server_name: ServerName<'static>,
    pub tls: Arc<rustls::ClientConfig>,
}

impl Endpoint {
    /// Parses `server` (`https://host[:port][/prefix]`).
    pub fn new(
        server: &str,
        server_name: Option<&str>,
        tls: Arc<rustls::ClientConfig>,
    ) -> Result<Endpoint, String> {
        let uri: http::Uri = server
            .parse()
            .map_err(|e| format!("server {server:?} is not a URL: {e}"))?;
        if uri.scheme() != Some(&http::uri::Scheme::HTTPS) {
            return Err(format!("server {server:?} is not an https:// URL"));
        }
        let authority = uri
            .authority()
            .ok_or_else(|| format!("server {server:?} has no host"))?;
        // An IPv6 literal comes bracketed, as it is written in a URL.
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']');
        if host.is_empty() {
            return Err(format!("server {server:?} has no host"));
        }
        // `port()` is `None` for a port that is not a number as well as for none at all.
        let host_and_port = authority.as_str().rsplit('@').next().unwrap_or_default();
        let port = match authority.port() {
            Some(port) => port.as_u16(),
            None if host_and_port == authority.host() => 443,
            None => return Err(format!("server {server:?} has a bad port")),
        };
        let path = uri.path().trim_matches('/');
        let name = server_name.unwrap_or(host).to_owned();
        let server_name = ServerName::try_from(name)
            .map_err(|_| format!("server {server:?}: not a valid TLS server name"))?;
        Ok(Endpoint {
            host: host.to_owned(),
            port,
            base_path: format!("/{path}").trim_end_matches('/').to_owned(),
            server_name,
            tls,
        })
    }
}

/// `server` without a user name or password in its authority (`https://user:pw@host`), and
/// whether it had one. The URL is shown in errors and logs, and that password never may be;
/// nor is it sent: Kubernetes dropped basic authentication in 1.19, and kubectl too sends
/// the user's token or certificate instead when it has one.
pub fn strip_userinfo(server: &str) -> (String, bool) {
    let start = server.find("://").map_or(0, |i| i + 3);
    let rest = &server[start..];
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    match authority.rfind('@') {
        Some(at) => (format!("{}{}", &server[..start], &rest[at + 1..]), true),
        None => (server.to_owned(), false),
    }
}

/// The TLS settings: `ca_pem` (else the compiled-in public roots), an optional client
/// certificate (PEM chain, PEM key).
pub fn tls_config(
    ca_pem: Option<&[u8]>,
    client_cert: Option<(&[u8], &Secret)>,
) -> Result<Arc<rustls::ClientConfig>, String> {
    let mut roots = rustls::RootCertStore::empty();
    match ca_pem {
        Some(pem) => {
            for cert in CertificateDer::pem_slice_iter(pem) {
                let cert = cert.map_err(|e| format!("the CA is not PEM: {e}"))?;
                roots
                    .add(cert)
                    .map_err(|e| format!("unusable CA certificate: {e}"))?;
            }
            if roots.is_empty() {
                return Err("no CA certificate in the certificate authority".into());
            }
        }
        None => {
            for der in webpki_root_certs::TLS_SERVER_ROOT_CERTS {
                let _ = roots.add(der.clone());
            }
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_root_certificates(roots);
    let mut config = match client_cert {
        None => builder.with_no_client_auth(),
        Some((chain, key)) => {
            let chain = CertificateDer::pem_slice_iter(chain)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("the client certificate is not PEM: {e}"))?;
            if chain.is_empty() {
                return Err("no certificate in the client certificate".into());
            }
            // The parse error would not echo the key, but say nothing of it anyway.
            let key = PrivateKeyDer::from_pem_slice(key.expose().as_bytes())
                .map_err(|_| "the client key is not a PEM private key".to_owned())?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| format!("unusable client certificate or key: {e}"))?
        }
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// The API server, the credentials we present, and the deadline every request ends by.
pub struct Api<'a> {
    pub endpoint: &'a Endpoint,
    pub bearer: Option<&'a Secret>,
    /// The server's URL, for messages.
    pub server: &'a str,
    pub deadline: Instant,
    /// The bound the deadline came from, for messages.
    pub timeout: Duration,
}

/// The API server's answer.
pub struct Answer {
    pub status: StatusCode,
    pub body: Bytes,
}

impl Api<'_> {
    /// `method` on `path` (from `/api/...`, the query already encoded) with an optional
    /// body of `content_type`; `place` names what is being done in errors.
    pub async fn send(
        &self,
        place: &str,
        method: Method,
        path: &str,
        body: Option<(&str, Vec<u8>)>,
    ) -> Result<Answer, Error> {
        tokio::time::timeout_at(self.deadline.into(), self.exchange(method, path, body))
            .await
            .unwrap_or_else(|_| Err(Timeout))
            .map_err(|failure| match failure {
                Timeout => Error::KubeTimedOut {
                    place: place.to_owned(),
                    server: self.server.to_owned(),
                    after: self.timeout,
                },
                Failure::Unreachable(cause) => Error::KubeUnreachable {
                    place: place.to_owned(),
                    server: self.server.to_owned(),
                    cause,
                },
            })
    }

    /// The answer's body as `T`, for a success; a body that is not one is a broken answer.
    pub fn parse<T: DeserializeOwned>(&self, place: &str, answer: &Answer) -> Result<T, Error> {
        serde_json::from_slice(&answer.body).map_err(|e| Error::KubeUnreachable {
            place: place.to_owned(),
            server: self.server.to_owned(),
            cause: format!("unreadable answer: {e}"),
        })
    }

    async fn exchange(
        &self,
        method: Method,
        path: &str,
        body: Option<(&str, Vec<u8>)>,
    ) -> Result<Answer, Failure> {
        let endpoint = self.endpoint;
        let unreachable = Failure::Unreachable;
        let tcp = tokio::net::TcpStream::connect((endpoint.host.as_str(), endpoint.port))
            .await
            .map_err(|e| unreachable(e.to_string()))?;
        let tls = tokio_rustls::TlsConnector::from(endpoint.tls.clone())
            .connect(endpoint.server_name.clone(), tcp)
            .await
            .map_err(|e| unreachable(format!("TLS: {e}")))?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
            .await
            .map_err(|e| unreachable(e.to_string()))?;
        tokio::spawn(connection);
        let mut request = Request::builder()
            .method(method)
            .uri(format!("{}{path}", endpoint.base_path))
            .header(hyper::header::HOST, host_header(endpoint))
            .header(hyper::header::ACCEPT, "application/json")
            .header(
                hyper::header::USER_AGENT,
                concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION")),
            );
        if let Some(token) = self.bearer {
            let mut value =
                hyper::header::HeaderValue::from_str(&format!("Bearer {}", token.expose()))
                    .map_err(|_| unreachable("the token is not a valid header value".into()))?;
            value.set_sensitive(true);
            request = request.header(hyper::header::AUTHORIZATION, value);
        }
        let body = match body {
            Some((content_type, body)) => {
                request = request.header(hyper::header::CONTENT_TYPE, content_type);
                Bytes::from(body)
            }
            None => Bytes::new(),
        };
        let request = request
            .body(Full::new(body))
            .map_err(|e| unreachable(e.to_string()))?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| unreachable(e.to_string()))?;
        let status = response.status();
        let body = Limited::new(response.into_body(), MAX_ANSWER_BYTES)
            .collect()
            .await
            .map_err(|e| unreachable(format!("reading the answer: {e}")))?
            .to_bytes();
        Ok(Answer { status, body })
    }
}

/// Why a request got no answer.
enum Failure {
    Timeout,
    Unreachable(String),
}
use Failure::Timeout;

fn host_header(endpoint: &Endpoint) -> String {
    let host = if endpoint.host.contains(':') {
        format!("[{}]", endpoint.host)
    } else {
        endpoint.host.clone()
    };
    if endpoint.port == 443 {
        host
    } else {
        format!("{host}:{}", endpoint.port)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_parse() {
        let tls = tls_config(None, None).unwrap();
        let e = Endpoint::new("https://10.0.0.1:6443", None, tls.clone()).unwrap();
        assert_eq!(
            (e.host.as_str(), e.port, e.base_path.as_str()),
            ("10.0.0.1", 6443, "")
        );
        let e = Endpoint::new(
            "https://rancher.example/k8s/clusters/c-1/",
            None,
            tls.clone(),
        )
        .unwrap();
        assert_eq!(
            (e.host.as_str(), e.port, e.base_path.as_str()),
            ("rancher.example", 443, "/k8s/clusters/c-1")
        );
        let e = Endpoint::new("https://[fd00::1]:443", Some("kubernetes"), tls.clone()).unwrap();
        assert_eq!(
            (e.host.as_str(), host_header(&e)),
            ("fd00::1", "[fd00::1]".to_owned())
        );
        assert!(Endpoint::new("http://x", None, tls.clone()).is_err());
        for bad in [
            "https://x:port",
            "https://x:99999",
            "https://:443",
            "https:///k8s",
            "x:6443",
            "HTTP://x",
            "https://x y",
        ] {
            assert!(Endpoint::new(bad, None, tls.clone()).is_err(), "{bad}");
        }
        let e = Endpoint::new("HTTPS://Example.COM:8443?x", None, tls).unwrap();
        assert_eq!((e.port, e.base_path.as_str()), (8443, ""));
    }

    #[test]
    fn userinfo_is_stripped_from_the_authority_only() {
        for (url, stripped, had) in [
            ("https://u:pw@10.0.0.1:6443", "https://10.0.0.1:6443", true),
            ("https://u@h/k8s/p", "https://h/k8s/p", true),
            (
                "https://u:p@ss@[fd00::1]:443/x",
                "https://[fd00::1]:443/x",
                true,
            ),
            ("http://u:pw@h", "http://h", true),
            ("u:pw@h:6443", "h:6443", true),
            (
                "https://h/path@not-userinfo",
                "https://h/path@not-userinfo",
                false,
            ),
            ("https://h?q=a@b", "https://h?q=a@b", false),
            ("https://h:6443", "https://h:6443", false),
        ] {
            assert_eq!(strip_userinfo(url), (stripped.to_owned(), had), "{url}");
        }
    }

    #[test]
    fn client_certificates_must_be_pem() {
        let err = tls_config(None, Some((b"nope", &Secret::new("key")))).unwrap_err();
        assert!(err.contains("no certificate"), "{err}");
        let err = tls_config(Some(b"nope"), None).unwrap_err();
        assert!(err.contains("no CA certificate"), "{err}");
    }
}
