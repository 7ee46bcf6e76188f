//! A stand-in for the Kubernetes API server: TLS on loopback with a test CA, recording every
//! request and answering server-side apply as the real one does (the applied Secret, or a
//! `Status` body for 401, 403, 404 and 409).

use std::collections::HashSet;
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

    /// The namespace in `/api/v1/namespaces/{ns}/secrets/{name}`.
    pub fn namespace(&self) -> &str {
        self.target.split('/').nth(4).unwrap_or_default()
    }
}

pub struct ApiServer {
    pub url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

/// What the stand-in accepts as credentials.
#[derive(Debug, Clone)]
pub enum Expect {
    Bearer(String),
    ClientCert,
}

impl ApiServer {
    /// Serves for at most a minute. Namespace `locked` refuses (RBAC), `gone` does not exist,
    /// `busy` answers 409; others create the Secret, then update it.
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
        let created = Arc::new(Mutex::new(HashSet::new()));
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(60);
            while Instant::now() < deadline {
                let Ok((stream, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                };
                let (config, recorded, created, expect) = (
                    config.clone(),
                    recorded.clone(),
                    created.clone(),
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
                    let (status, body) = answer(&request, &expect, &created);
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
        ApiServer { url, seen }
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
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

fn status(code: u16, reason: &str, message: &str, details: Value) -> (u16, String) {
    let body = json!({
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": message, "reason": reason, "details": details, "code": code,
    });
    (code, body.to_string())
}

fn answer(request: &Seen, expect: &Expect, created: &Mutex<HashSet<String>>) -> (u16, String) {
    if let Expect::Bearer(token) = expect
        && request.header("authorization") != Some(&format!("Bearer {token}"))
    {
        return status(401, "Unauthorized", "Unauthorized", json!({}));
    }
    let namespace = request.namespace().to_owned();
    let name = request
        .target
        .split('/')
        .nth(6)
        .and_then(|n| n.split('?').next())
        .unwrap_or_default()
        .to_owned();
    match namespace.as_str() {
        "locked" => status(
            403,
            "Forbidden",
            &format!(
                "secrets \"{name}\" is forbidden: User \"system:serviceaccount:ci:ecr-login\" cannot patch resource \"secrets\" in API group \"\" in the namespace \"locked\""
            ),
            json!({"name": name, "kind": "secrets"}),
        ),
        "gone" => status(
            404,
            "NotFound",
            "namespaces \"gone\" not found",
            json!({"name": "gone", "kind": "namespaces"}),
        ),
        "busy" => status(
            409,
            "Conflict",
            &format!(
                "Operation cannot be fulfilled on secrets \"{name}\": the object has been modified; please apply your changes to the latest version and try again"
            ),
            json!({"name": name, "kind": "secrets"}),
        ),
        _ => {
            let mut secret: Value = serde_json::from_str(&request.body).unwrap_or_default();
            secret["metadata"]["uid"] = "8d2f0c1e-0000-4000-8000-000000000001".into();
            secret["metadata"]["resourceVersion"] = "1234".into();
            let first = created
                .lock()
                .unwrap()
                .insert(format!("{namespace}/{name}"));
            (if first { 201 } else { 200 }, secret.to_string())
        }
    }
}
