//! A password in a kubeconfig's server URL (`https://user:pw@host`) is never echoed: not in
//! an error, not on stderr, not in the log file.

use std::time::Duration;

use crate::kube_api::{ApiServer, Expect, Pki};
use crate::support::*;

const PASSWORD: &str = "s3cretpw";
const KUBE_TOKEN: &str = "kube-token-Rt5yUi0";

/// `url` (`scheme://host:port`) with `user:s3cretpw@` before its host.
fn with_userinfo(url: &str) -> String {
    url.replacen("://", &format!("://user:{PASSWORD}@"), 1)
}

#[test]
fn a_password_in_the_server_url_is_never_shown() {
    let pki = Pki::new();
    let api = ApiServer::start(&pki, Expect::Bearer(KUBE_TOKEN.into()));
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("ecr-pw", 43_200)));
    let sandbox = Sandbox::new()
        .static_keys()
        .endpoints(&mock)
        .debug_log_file()
        .env("AWS_ECR_TIMEOUT", "2s");
    let refusing = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("https://{}", listener.local_addr().unwrap())
    };
    let silent = silent_listener(Duration::from_secs(20)).replace("http://", "https://");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ca.pem"), &pki.ca_pem).unwrap();
    let cases = [
        // The user info is dropped, not sent: the token authenticates.
        (api.url.clone(), 0, "created in namespace"),
        (
            refusing,
            1,
            "cannot reach the Kubernetes API at https://127.0.0.1:",
        ),
        (
            silent,
            1,
            "no answer from the Kubernetes API at https://127.0.0.1:",
        ),
        (
            api.url.replace("https://", "http://"),
            1,
            "server \"http://127.0.0.1:",
        ),
    ];
    for (url, code, expected) in cases {
        let server = with_userinfo(&url);
        let config = dir.path().join("kubeconfig");
        std::fs::write(
            &config,
            format!(
                "clusters: [{{name: c, cluster: {{server: '{server}', certificate-authority: ca.pem}}}}]
contexts: [{{name: c, context: {{cluster: c, user: u, namespace: team}}}}]
current-context: c
users: [{{name: u, user: {{token: {KUBE_TOKEN}}}}}]
"
            ),
        )
        .unwrap();
        let run = sandbox.kube_apply("x", &config, &[]);
        assert_eq!(run.code, code, "{server}: {run:?}");
        let output = format!("{}{}", run.stdout, run.stderr);
        assert!(output.contains(expected), "{server}: {output}");
        assert!(!output.contains(PASSWORD), "{output}");
    }
    let requests = api.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].bearer(), Some(KUBE_TOKEN));
    let logged = sandbox.logged(&[
        "Kubernetes API https://127.0.0.1:",
        "user name and password are ignored",
    ]);
    assert!(!logged.contains(PASSWORD), "{logged}");
}
