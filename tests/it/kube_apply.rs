//! `kube-secret --apply`: the Secret written by server-side apply to an API server stand-in
//! over TLS, through a kubeconfig or the pod's service account.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use crate::kube_api::{ApiServer, Expect, Pki, Seen};
use crate::support::*;

pub const KUBE_TOKEN: &str = "kube-token-Zq9vXw2";
const SA_TOKEN: &str = "sa-token-Pf3kLm8";
pub const PASSWORD: &str = "ecr-pw-Hd7sQ1";

/// A kubeconfig for `server` with the CA in a file beside it and `user` (YAML flow map).
pub fn kubeconfig(dir: &Path, server: &str, ca_pem: &str, user: &str) -> PathBuf {
    std::fs::write(dir.join("ca.pem"), ca_pem).unwrap();
    let path = dir.join("kubeconfig");
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1
kind: Config
current-context: test
clusters:
- name: test
  cluster:
    server: {server}
    certificate-authority: ca.pem
contexts:
- name: test
  context:
    cluster: test
    user: refresher
    namespace: flux-system
users:
- name: refresher
  user: {user}
"
        ),
    )
    .unwrap();
    path
}

pub fn ecr_sandbox(mock: &EcrMock) -> Sandbox {
    mock.ecr(json_reply(ecr_reply(PASSWORD, 43_200)));
    Sandbox::new()
        .static_keys()
        .endpoints(mock)
        .env("AWS_ECR_LOG", "debug")
}

pub fn token_user() -> String {
    format!("{{token: {KUBE_TOKEN}}}")
}

fn client_cert_user(pki: &Pki) -> String {
    format!(
        "{{client-certificate-data: {}, client-key-data: {}}}",
        b64(&pki.client_pem),
        b64(&pki.client_key)
    )
}

/// An API server stand-in that accepts `expect`, the ECR mock behind the sandbox, and a
/// kubeconfig for that server, whose user is what `user` makes of the certificates.
pub struct Cluster {
    pub pki: Pki,
    pub api: ApiServer,
    pub mock: EcrMock,
    pub sandbox: Sandbox,
    /// Holds the kubeconfig and its CA file for as long as the cluster lives.
    _dir: tempfile::TempDir,
    pub config: PathBuf,
}

impl Cluster {
    pub fn start(expect: Expect, user: impl FnOnce(&Pki) -> String) -> Cluster {
        let pki = Pki::new();
        let api = ApiServer::start(&pki, expect);
        let mock = EcrMock::start();
        let sandbox = ecr_sandbox(&mock);
        let dir = tempfile::tempdir().unwrap();
        let config = kubeconfig(dir.path(), &api.url, &pki.ca_pem, &user(&pki));
        Cluster {
            pki,
            api,
            mock,
            sandbox,
            _dir: dir,
            config,
        }
    }
}

/// The request shapes of a server-side apply.
pub fn assert_apply_shape(request: &Seen, namespace: &str, name: &str) {
    assert_eq!(request.method, "PATCH");
    assert_eq!(
        request.target,
        format!(
            "/api/v1/namespaces/{namespace}/secrets/{name}?fieldManager=docker-credential-ecr-login&force=true"
        )
    );
    assert_eq!(
        request.header("content-type"),
        Some("application/apply-patch+yaml")
    );
    assert_secret(&request.json(), name, namespace);
}

pub fn assert_no_secret(run: &Run) {
    for secret in [
        KUBE_TOKEN,
        SA_TOKEN,
        PASSWORD,
        &b64(&format!("AWS:{PASSWORD}")),
    ] {
        assert!(
            !run.stdout.contains(secret) && !run.stderr.contains(secret),
            "{secret} leaked: {run:?}"
        );
    }
}

#[test]
fn apply_writes_a_dockerconfigjson_secret_to_each_namespace_with_a_kubeconfig_token() {
    let c = Cluster::start(Expect::Bearer(KUBE_TOKEN.into()), |_| token_user());
    let namespaces = ["--namespace", "flux-system", "--namespace", "apps"];
    let run = c.sandbox.kube_apply("ecr-pull", &c.config, &namespaces);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        "secret/ecr-pull created in namespace flux-system\nsecret/ecr-pull created in namespace apps\n"
    );
    assert_no_secret(&run);
    let requests = c.api.requests();
    assert_eq!(requests.len(), 2);
    for (request, namespace) in requests.iter().zip(["flux-system", "apps"]) {
        assert_apply_shape(request, namespace, "ecr-pull");
        assert_eq!(request.bearer(), Some(KUBE_TOKEN));
        let inner = dockerconfigjson(&request.json());
        assert_eq!(inner["auths"][HOST]["password"], PASSWORD);
    }

    // Applying again is no error; KUBECONFIG finds the same file.
    let again = c
        .sandbox
        .clone_env()
        .env("KUBECONFIG", c.config.display().to_string())
        .run(&["kube-secret", HOST, "--name", "ecr-pull", "--apply"], "");
    assert_eq!(again.code, 0, "{again:?}");
    assert_eq!(
        again.stdout, "secret/ecr-pull applied in namespace flux-system\n",
        "the context's namespace"
    );
    assert_eq!(
        c.mock.requests().len(),
        1,
        "the ECR token came from the cache"
    );
}

#[test]
fn apply_in_cluster_writes_basic_auth_with_the_service_account() {
    let pki = Pki::new();
    let api = ApiServer::start(&pki, Expect::Bearer(SA_TOKEN.into()));
    let mock = EcrMock::start();
    let dir = tempfile::tempdir().unwrap();
    let sa = dir.path().join("serviceaccount");
    std::fs::create_dir_all(&sa).unwrap();
    std::fs::write(sa.join("token"), "stale-token").unwrap();
    std::fs::write(sa.join("ca.crt"), &pki.ca_pem).unwrap();
    std::fs::write(sa.join("namespace"), "fleet-local\n").unwrap();
    let port = api.url.rsplit(':').next().unwrap().to_owned();
    let sandbox = ecr_sandbox(&mock)
        .env("KUBERNETES_SERVICE_HOST", "127.0.0.1")
        .env("KUBERNETES_SERVICE_PORT", port)
        .env("AWS_ECR_SERVICE_ACCOUNT_DIR", sa.display().to_string());
    let args = [
        "kube-secret",
        HOST,
        "--name",
        "ecr-helm",
        "--type",
        "basic-auth",
        "--apply",
    ];
    let stale = sandbox.run(&args, "");
    assert_eq!(stale.code, 1, "{stale:?}");
    assert!(
        stale.stderr.contains("namespace fleet-local: HTTP 401"),
        "{}",
        stale.stderr
    );
    assert!(!stale.stderr.contains("stale-token"), "{}", stale.stderr);

    // The kubelet rotated the token: it is read again on every run.
    std::fs::write(sa.join("token"), format!("{SA_TOKEN}\n")).unwrap();
    let run = sandbox.run(&args, "");
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        "secret/ecr-helm created in namespace fleet-local\n"
    );
    assert_no_secret(&run);
    let requests = api.requests();
    let last = requests.last().unwrap();
    assert_apply_shape(last, "fleet-local", "ecr-helm");
    assert_eq!(last.bearer(), Some(SA_TOKEN));
    assert_basic_auth(&last.json(), PASSWORD);
}

#[test]
fn refusing_and_missing_namespaces_are_named_and_the_others_still_written() {
    let c = Cluster::start(Expect::Bearer(KUBE_TOKEN.into()), |_| token_user());
    let namespaces: Vec<&str> = ["first", "locked", "gone", "busy", "last"]
        .into_iter()
        .flat_map(|ns| ["--namespace", ns])
        .collect();
    let run = c.sandbox.kube_apply("ecr-pull", &c.config, &namespaces);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        run.stdout,
        "secret/ecr-pull created in namespace first\nsecret/ecr-pull created in namespace last\n"
    );
    let errors: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("namespace"))
        .collect();
    let find = |ns: &str| {
        errors
            .iter()
            .find(|l| l.starts_with(&format!("ecr-login: namespace {ns}:")))
            .unwrap_or_else(|| panic!("no line for {ns}: {}", run.stderr))
            .to_string()
    };
    let locked = find("locked");
    assert!(locked.contains("HTTP 403"), "{locked}");
    assert!(
        locked.contains("lacks RBAC permission to patch secrets"),
        "{locked}"
    );
    let gone = find("gone");
    assert!(
        gone.contains("HTTP 404") && gone.contains("namespace gone does not exist"),
        "{gone}"
    );
    let busy = find("busy");
    assert!(
        busy.contains("HTTP 409") && busy.contains("Operation cannot be fulfilled"),
        "{busy}"
    );
    assert_no_secret(&run);
    let namespaces: Vec<String> = c
        .api
        .requests()
        .iter()
        .map(|r| r.namespace().to_owned())
        .collect();
    assert_eq!(namespaces, ["first", "locked", "gone", "busy", "last"]);
}

#[test]
fn a_client_certificate_authenticates_and_the_server_must_carry_the_ca() {
    let c = Cluster::start(Expect::ClientCert, client_cert_user);
    let run = c.sandbox.kube_apply("ecr-pull", &c.config, &[]);
    assert_eq!(run.code, 0, "{run:?}");
    let requests = c.api.requests();
    assert_eq!(requests.len(), 1);
    assert!(
        requests[0].client_cert,
        "the client certificate was presented"
    );
    assert_eq!(requests[0].header("authorization"), None);
    assert_apply_shape(&requests[0], "flux-system", "ecr-pull");
    assert!(!run.stderr.contains(&c.pki.client_key), "{}", run.stderr);

    // Another CA: the server is not trusted, nothing is sent.
    let other = Pki::new();
    let untrusted_dir = tempfile::tempdir().unwrap();
    let user = client_cert_user(&c.pki);
    let untrusted = kubeconfig(untrusted_dir.path(), &c.api.url, &other.ca_pem, &user);
    let run = c.sandbox.kube_apply("ecr-pull", &untrusted, &[]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("cannot reach the Kubernetes API") && run.stderr.contains("TLS"),
        "{}",
        run.stderr
    );
    assert_eq!(c.api.requests().len(), 1);
}

#[test]
fn bad_kubeconfigs_are_one_line_errors_before_any_aws_call() {
    let mock = EcrMock::start();
    let sandbox = ecr_sandbox(&mock).env("AWS_ECR_LOG", "warn");
    let dir = tempfile::tempdir().unwrap();
    let good = kubeconfig(
        dir.path(),
        "https://127.0.0.1:1",
        "not a pem",
        &token_user(),
    );
    let good_text = std::fs::read_to_string(&good).unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    #[cfg_attr(not(unix), allow(unused_mut))]
    let mut cases = vec![
        (dir.path().join("missing"), vec![], "cannot read"),
        (
            write("yaml", "clusters: [\n  {name: x"),
            vec![],
            "not a kubeconfig",
        ),
        (
            good.clone(),
            vec!["--context", "nope"],
            "no context named \"nope\"",
        ),
        (
            write("user", &good_text.replace("user: refresher", "user: ghost")),
            vec![],
            "names user \"ghost\"",
        ),
        (
            write("ca", &good_text.replace("ca.pem", "absent.pem")),
            vec![],
            "certificate-authority",
        ),
        (good.clone(), vec![], "no CA certificate"),
    ];
    #[cfg(unix)]
    {
        let fifo = dir.path().join("fifo");
        mkfifo(&fifo);
        cases.push((fifo, vec![], "not a regular file"));
    }
    for (path, extra, expected) in cases {
        let run = sandbox.kube_apply("x", &path, &extra);
        let path = path.display();
        assert_eq!((run.code, run.stdout.as_str()), (1, ""), "{path}: {run:?}");
        assert!(run.stderr.contains(expected), "{path}: {}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        assert!(run.stderr.starts_with("ecr-login: "), "{}", run.stderr);
    }
    assert!(
        mock.requests().is_empty(),
        "no token is fetched for a broken kubeconfig"
    );

    let without_apply = sandbox.run(
        &["kube-secret", HOST, "--name", "x", "--kubeconfig", "k"],
        "",
    );
    assert_eq!(without_apply.code, 2, "{without_apply:?}");
    assert!(
        without_apply.stderr.contains("--apply"),
        "{}",
        without_apply.stderr
    );

    let nowhere = sandbox.run(&["kube-secret", HOST, "--name", "x", "--apply"], "");
    assert_eq!(nowhere.code, 1);
    assert!(
        nowhere.stderr.contains("not running in a pod"),
        "{}",
        nowhere.stderr
    );
}

#[test]
fn a_silent_api_server_is_bounded_by_the_timeout() {
    let pki = Pki::new();
    let mock = EcrMock::start();
    // The token first, into the cache, with the default timeout: what the 2 s bound below
    // holds is the API server's silence, and a token fetch on a busy machine (under wine, at a
    // high load) can take most of 2 s by itself.
    let warm = ecr_sandbox(&mock);
    assert_eq!(warm.get(HOST).code, 0);
    let sandbox = warm.env("AWS_ECR_TIMEOUT", "2s");
    let silent = silent_listener(Duration::from_secs(20)).replace("http://", "https://");
    let dir = tempfile::tempdir().unwrap();
    let config = kubeconfig(dir.path(), &silent, &pki.ca_pem, &token_user());
    let run = sandbox.kube_apply("x", &config, &["--namespace", "a", "--namespace", "b"]);
    assert_eq!((run.code, run.stdout.as_str()), (1, ""), "{run:?}");
    assert!(
        run.elapsed < Duration::from_secs(6) + START_UP,
        "{:?}",
        run.elapsed
    );
    for ns in ["a", "b"] {
        assert!(
            run.stderr.contains(&format!(
                "namespace {ns}: no answer from the Kubernetes API"
            )),
            "{}",
            run.stderr
        );
    }
    assert!(run.stderr.contains("AWS_ECR_TIMEOUT"), "{}", run.stderr);
}

#[cfg(unix)]
#[test]
fn an_exec_plugin_supplies_the_token() {
    use std::os::unix::fs::PermissionsExt;
    let user = "{exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: ./get-token, args: [eks], env: [{name: CLUSTER, value: prod}]}}";
    let c = Cluster::start(Expect::Bearer(KUBE_TOKEN.into()), |_| user.into());
    // Beside the kubeconfig, which `./get-token` is relative to.
    let plugin = c.config.with_file_name("get-token");
    std::fs::write(
        &plugin,
        format!(
            "#!/bin/sh\n[ \"$1\" = eks ] && [ \"$CLUSTER\" = prod ] || exit 3\necho '{{\"kind\":\"ExecCredential\",\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"status\":{{\"token\":\"{KUBE_TOKEN}\"}}}}'\n"
        ),
    )
    .unwrap();
    std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let run = c.sandbox.kube_apply("ecr-pull", &c.config, &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_no_secret(&run);
    assert_eq!(c.api.requests()[0].bearer(), Some(KUBE_TOKEN));
}

#[test]
fn printing_for_several_namespaces_makes_one_document_each() {
    let mock = EcrMock::start();
    let sandbox = ecr_sandbox(&mock);
    let run = sandbox.run(
        &[
            "kube-secret",
            HOST,
            "--name",
            "ecr-pull",
            "--namespace",
            "a",
            "--namespace",
            "b",
        ],
        "",
    );
    assert_eq!(run.code, 0, "{run:?}");
    let documents: Vec<Value> = run
        .stdout
        .split("---\n")
        .map(|d| serde_json::from_str(d).unwrap())
        .collect();
    assert_eq!(documents.len(), 2);
    assert_eq!(documents[0]["metadata"]["namespace"], "a");
    assert_eq!(documents[1]["metadata"]["namespace"], "b");
    assert_eq!(documents[0]["data"], documents[1]["data"]);
}

/// `--exit-zero`, for a first run that must not fail a Helm release: every failure is still
/// on stderr with its cause, the namespaces that accept the Secret get it, and the exit code
/// is 0; without the flag the same runs exit 1.
#[test]
fn exit_zero_keeps_each_failure_on_stderr_and_exits_zero() {
    let pki = Pki::new();
    let api = ApiServer::start(&pki, Expect::Bearer(KUBE_TOKEN.into()));
    let mock = EcrMock::start();
    let sandbox = ecr_sandbox(&mock);
    let dir = tempfile::tempdir().unwrap();
    let config = kubeconfig(dir.path(), &api.url, &pki.ca_pem, &token_user());
    let mut args = vec!["kube-secret", HOST, "--name", "ecr-pull", "--apply"];
    args.extend(["--kubeconfig", config.to_str().unwrap()]);
    args.extend(["--namespace", "first", "--namespace", "locked"]);

    let strict = sandbox.run(&args, "");
    assert_eq!(strict.code, 1, "{strict:?}");
    args.push("--exit-zero");
    let lenient = sandbox.run(&args, "");
    assert_eq!(lenient.code, 0, "{lenient:?}");
    assert_eq!(
        lenient.stdout,
        "secret/ecr-pull applied in namespace first\n"
    );
    assert!(
        lenient
            .stderr
            .lines()
            .any(|l| l.starts_with("ecr-login: namespace locked: HTTP 403")),
        "{}",
        lenient.stderr
    );

    // The pod's AWS identity not ready yet: the token is refused, nothing is written.
    let denied = EcrMock::start();
    denied.ecr(aws_error(
        400,
        "AccessDeniedException",
        "not authorized to perform: ecr:GetAuthorizationToken",
    ));
    let before = api.requests().len();
    let run = Sandbox::new()
        .static_keys()
        .endpoints(&denied)
        .run(&args, "");
    assert_eq!((run.code, run.stdout.as_str()), (0, ""), "{run:?}");
    assert!(
        run.stderr.contains("AWS denied the token request"),
        "{}",
        run.stderr
    );
    assert_eq!(api.requests().len(), before, "no Secret without a token");
    assert_no_secret(&run);

    // Only with --apply.
    let printing = sandbox.run(&["kube-secret", HOST, "--name", "x", "--exit-zero"], "");
    assert_eq!(printing.code, 2, "{printing:?}");
}
