//! A stand-in for the Kubernetes API server: TLS on loopback with a test CA, recording every
//! request, and answering from a small store of namespaces, Secrets and service accounts as
//! the real one does (`objects.rs`): server-side apply, JSON patches, reads, lists with label
//! selectors and pages, and `Status` bodies for 401, 403, 404, 409 and 422.

mod objects;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde_json::{Value, json};

/// A CA with a server certificate for 127.0.0.1 and a client certificate.
pub struct Pki {
    pub ca_pem: String,
    pub server_pem: String,
    pub server_key: String,
    pub client_pem: String,
    pub client_key: String,
}

impl Pki {
    pub fn new() -> Pki {
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "test cluster CA");
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
        let leaf = |names: Vec<String>| {
            let key = KeyPair::generate().unwrap();
            let cert = CertificateParams::new(names)
                .unwrap()
                .signed_by(&key, &ca)
                .unwrap();
            (cert.pem(), key.serialize_pem())
        };
        let (server_pem, server_key) = leaf(vec!["127.0.0.1".into(), "localhost".into()]);
        let (client_pem, client_key) = leaf(vec!["ecr-refresher".into()]);
        Pki {
            ca_pem: ca.pem(),
            server_pem,
            server_key,
            client_pem,
            client_key,
        }
    }
}

/// One request as the stand-in saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub client_cert: bool,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The token of an `Authorization: Bearer` header.
    pub fn bearer(&self) -> Option<&str> {
        self.header("authorization")?.strip_prefix("Bearer ")
    }

    /// The body, parsed as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }

    /// The path, without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }

    /// The decoded value of the query parameter `name`.
    pub fn query(&self, name: &str) -> Option<String> {
        let (_, query) = self.target.split_once('?')?;
        query.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            (k == name).then(|| {
                percent_encoding::percent_decode_str(v)
                    .decode_utf8_lossy()
                    .into_owned()
            })
        })
    }

    /// The namespace in `/api/v1/namespaces/{ns}/secrets/{name}`.
    pub fn namespace(&self) -> &str {
        self.target.split('/').nth(4).unwrap_or_default()
    }
}

pub struct ApiServer {
    pub url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    store: Arc<Mutex<objects::Store>>,
}

pub use objects::Race;

/// What the stand-in accepts as credentials.
#[derive(Debug, Clone)]
pub enum Expect {
    Bearer(String),
    ClientCert,
}

impl ApiServer {
    /// Serves for at most a minute. Namespace `locked` refuses (RBAC), `gone` does not exist,
    /// `busy` answers 409 to every write; any other namespace takes writes, whether or not
    /// it is one of those [`ApiServer::add_namespace`] lists.
    pub fn start(pki: &Pki, expect: Expect) -> ApiServer {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap();
        let builder = match expect {
            Expect::ClientCert => {
                let mut roots = rustls::RootCertStore::empty();
                for cert in CertificateDer::pem_slice_iter(pki.ca_pem.as_bytes()) {
                    roots.add(cert.unwrap()).unwrap();
                }
                let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                    roots.into(),
                    provider,
                )
                .build()
                .unwrap();
                builder.with_client_cert_verifier(verifier)
            }
            Expect::Bearer(_) => builder.with_no_client_auth(),
        };
        let chain = CertificateDer::pem_slice_iter(pki.server_pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        let key = PrivateKeyDer::from_pem_slice(pki.server_key.as_bytes()).unwrap();
        let config = Arc::new(builder.with_single_cert(chain, key).unwrap());

        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("https://{}", listener.local_addr().unwrap());
        listener.set_nonblocking(true).unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let recorded = seen.clone();
        let store = Arc::new(Mutex::new(objects::Store::default()));
        let shared = store.clone();
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(60);
            while Instant::now() < deadline {
                let Ok((stream, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                };
                let (config, recorded, store, expect) = (
                    config.clone(),
                    recorded.clone(),
                    shared.clone(),
                    expect.clone(),
                );
                std::thread::spawn(move || {
                    let _ = stream.set_nonblocking(false);
                    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                    let Ok(conn) = rustls::ServerConnection::new(config) else {
                        return;
                    };
                    let mut tls = rustls::StreamOwned::new(conn, stream);
                    let Some(mut request) = read_request(&mut tls) else {
                        return;
                    };
                    request.client_cert = tls.conn.peer_certificates().is_some();
                    let (status, body) = if let Expect::Bearer(token) = &expect
                        && request.header("authorization") != Some(&format!("Bearer {token}"))
                    {
                        objects::status(401, "Unauthorized", "Unauthorized", json!({}))
                    } else {
                        store.lock().unwrap().answer(&request)
                    };
                    recorded.lock().unwrap().push(request);
                    let reply = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = tls.write_all(reply.as_bytes());
                    let _ = tls.flush();
                    tls.conn.send_close_notify();
                    let _ = tls.flush();
                });
            }
        });
        ApiServer { url, seen, store }
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// Adds a namespace to those the server lists, with `labels`.
    pub fn add_namespace(&self, name: &str, labels: &[(&str, &str)]) {
        self.store.lock().unwrap().add_namespace(name, labels);
    }

    /// Marks a listed namespace as being deleted.
    pub fn terminate_namespace(&self, name: &str) {
        self.store.lock().unwrap().terminate_namespace(name);
    }

    /// Refuses to list namespaces (RBAC), as for a Role without a ClusterRole.
    pub fn forbid_namespace_list(&self) {
        self.store.lock().unwrap().forbid_namespace_list = true;
    }

    /// Stores `secret` (a Secret object as someone else wrote it) in its namespace, with a
    /// uid and resourceVersion; returns it as stored.
    pub fn put_secret(&self, secret: Value) -> Value {
        self.store.lock().unwrap().put_secret(secret)
    }

    /// The Secret `namespace`/`name` as stored.
    pub fn secret(&self, namespace: &str, name: &str) -> Option<Value> {
        self.store.lock().unwrap().secret(namespace, name)
    }

    /// Stores a service account holding `image_pull_secrets` (null for none).
    pub fn put_service_account(&self, namespace: &str, name: &str, image_pull_secrets: Value) {
        self.store
            .lock()
            .unwrap()
            .put_service_account(namespace, name, image_pull_secrets);
    }

    /// The service account `namespace`/`name` as stored.
    pub fn service_account(&self, namespace: &str, name: &str) -> Option<Value> {
        self.store.lock().unwrap().service_account(namespace, name)
    }

    /// Makes someone else change the Secret `namespace`/`name` right after the next time
    /// it is read, before whatever the reader does next.
    pub fn race_after_read(&self, namespace: &str, name: &str, race: Race) {
        self.store.lock().unwrap().race_after_read(namespace, name, race);
    }
}

fn read_request(stream: &mut impl Read) -> Option<Seen> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (k, v) = header.split_once(':')?;
        headers.push((k.trim().to_owned(), v.trim().to_owned()));
    }
    let length: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Seen {
        method,
        target,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
        client_cert: false,
    })
}
