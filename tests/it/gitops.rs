//! `kube-secret` as GitOps set-ups run it: Argo CD repository Secrets, the password alone in
//! Secrets someone else manages, namespaces chosen by the cluster at each run, service
//! accounts' imagePullSecrets, and every bad input refused before any call.

use serde_json::{Value, json};

use crate::kube_api::{Expect, Race, Seen};
use crate::kube_apply::{
    Cluster, KUBE_TOKEN, PASSWORD, assert_apply_shape, assert_no_secret, ecr_sandbox,
    token_user,
};
use crate::support::*;

/// A cluster whose runs log warnings only: stderr holds the failures and nothing else.
fn cluster() -> Cluster {
    let mut c = Cluster::start(Expect::Bearer(KUBE_TOKEN.into()), |_| token_user());
    c.sandbox = c.sandbox.clone_env().env("AWS_ECR_LOG", "warn");
    c
}

/// The Secret `args` print (no --apply), parsed.
fn printed(sandbox: &Sandbox, args: &[&str]) -> Value {
    let mut all = vec!["kube-secret", HOST];
    all.extend(args);
    let run = sandbox.run(&all, "");
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{args:?}");
    serde_json::from_str(&run.stdout).unwrap()
}

/// The `data` of `secret`, decoded.
fn decoded(secret: &Value) -> Value {
    let data = secret["data"].as_object().unwrap();
    data.iter()
        .map(|(k, v)| {
            let bytes = base64::Engine::decode(
                &base64::engine::general_purpose::STANDARD,
                v.as_str().unwrap(),
            )
            .unwrap();
            (k.clone(), Value::from(String::from_utf8(bytes).unwrap()))
        })
        .collect::<serde_json::Map<_, _>>()
        .into()
}

#[test]
fn argocd_secrets_hold_what_argo_cd_reads_field_by_field() {
    let mock = EcrMock::start();
    let sandbox = ecr_sandbox(&mock).env("AWS_ECR_LOG", "warn");
    let repository = printed(
        &sandbox,
        &[
            "--name",
            "ecr-charts",
            "--namespace",
            "argocd",
            "--type",
            "argocd-repository",
        ],
    );
    assert_secret(&repository, "ecr-charts", "argocd");
    assert_eq!(repository["type"], "Opaque");
    assert_eq!(
        repository["metadata"]["labels"],
        json!({
            "app.kubernetes.io/managed-by": "docker-credential-ecr-login",
            "argocd.argoproj.io/secret-type": "repository",
        })
    );
    assert!(repository["metadata"]["annotations"]["ecr-login.expires-at"].is_string());
    assert_eq!(
        decoded(&repository),
        json!({
            "url": HOST, "username": "AWS", "password": PASSWORD, "name": "ecr-charts",
            "type": "helm", "enableOCI": "true",
        })
    );

    // A credential template for a path, as Argo CD 3.1's oci type, restricted to a project,
    // with the user's labels and annotations beside ours.
    let creds = printed(
        &sandbox,
        &[
            "--name",
            "ecr-creds",
            "--type",
            "argocd-repo-creds",
            "--argocd-type",
            "oci",
            "--argocd-url",
            &format!("{HOST}/charts/"),
            "--argocd-project",
            "team-a",
            "--label",
            "example.com/team=platform",
            "--annotation",
            "note=refreshed by a CronJob",
        ],
    );
    assert_eq!(creds["type"], "Opaque");
    assert_eq!(
        creds["metadata"]["labels"],
        json!({
            "app.kubernetes.io/managed-by": "docker-credential-ecr-login",
            "argocd.argoproj.io/secret-type": "repo-creds",
            "example.com/team": "platform",
        })
    );
    let annotations = &creds["metadata"]["annotations"];
    assert_eq!(annotations["note"], "refreshed by a CronJob");
    assert!(annotations["ecr-login.expires-at"].is_string());
    assert_eq!(
        decoded(&creds),
        json!({
            "url": format!("oci://{HOST}/charts"), "username": "AWS", "password": PASSWORD,
            "name": "ecr-creds", "type": "oci", "project": "team-a",
        })
    );

    // An oci:// given to the helm type is the same repository without the scheme.
    let helm = printed(
        &sandbox,
        &[
            "--name",
            "x",
            "--type",
            "argocd-repo-creds",
            "--argocd-url",
            &format!("oci://{HOST}/charts"),
        ],
    );
    assert_eq!(decoded(&helm)["url"], format!("{HOST}/charts"));
    assert_eq!(mock.requests().len(), 1, "one token, from the cache after");
}

#[test]
fn an_argocd_secret_applied_over_one_with_more_fields_keeps_them() {
    let c = cluster();
    c.api.put_secret(json!({
        "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
        "metadata": {"name": "ecr-charts", "namespace": "argocd",
                     "labels": {"argocd.argoproj.io/secret-type": "repository"}},
        "data": {"insecure": b64("false"), "password": b64("old")},
    }));
    let run = c.sandbox.kube_apply(
        "ecr-charts",
        &c.config,
        &["--namespace", "argocd", "--type", "argocd-repository"],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "secret/ecr-charts applied in namespace argocd\n");
    assert_no_secret(&run);
    let requests = c.api.requests();
    assert_apply_shape(&requests[0], "argocd", "ecr-charts");
    let stored = c.api.secret("argocd", "ecr-charts").unwrap();
    assert_eq!(decoded(&stored)["password"], PASSWORD);
    assert_eq!(decoded(&stored)["insecure"], "false", "{stored}");
    assert_eq!(decoded(&stored)["enableOCI"], "true");
}

/// A Secret someone else manages: its password replaced, nothing else.
fn managed_secret(namespace: &str, name: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
        "metadata": {
            "name": name, "namespace": namespace,
            "labels": {"argocd.argoproj.io/secret-type": "repository", "team": "platform"},
            "annotations": {"managed-by": "gitops"},
        },
        "data": {
            "url": b64(&format!("{HOST}/charts")), "username": b64("AWS"),
            "password": b64("expired"), "type": b64("helm"), "enableOCI": b64("true"),
            "project": b64("team-a"), "insecure": b64("false"),
        },
    })
}

/// `secret` without what every write moves.
fn without_version(mut secret: Value) -> Value {
    secret["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("resourceVersion");
    secret
}

fn patches(requests: &[Seen]) -> Vec<&Seen> {
    requests.iter().filter(|r| r.method == "PATCH").collect()
}

#[test]
fn password_only_replaces_the_password_alone_and_never_creates_a_secret() {
    let c = cluster();
    let before = c.api.put_secret(managed_secret("argocd", "my-repo"));
    let run = c.sandbox.kube_apply(
        "my-repo",
        &c.config,
        &[
            "--type",
            "argocd-repository",
            "--password-only",
            "--namespace",
            "argocd",
            "--namespace",
            "apps",
        ],
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(run.stdout, "secret/my-repo password applied in namespace argocd\n");
    assert_eq!(
        run.stderr,
        "ecr-login: namespace apps: secret/my-repo does not exist; --password-only updates the password of an existing Secret and never creates one\n"
    );
    assert_no_secret(&run);

    let after = c.api.secret("argocd", "my-repo").unwrap();
    assert_eq!(decoded(&after)["password"], PASSWORD);
    let mut expected = without_version(before.clone());
    expected["data"]["password"] = b64(PASSWORD).into();
    assert_eq!(without_version(after), expected, "every other field as it was");
    assert_eq!(c.api.secret("apps", "my-repo"), None, "nothing created");

    let requests = c.api.requests();
    let shape: Vec<(&str, &str)> = requests
        .iter()
        .map(|r| (r.method.as_str(), r.namespace()))
        .collect();
    assert_eq!(
        shape,
        [("GET", "argocd"), ("PATCH", "argocd"), ("GET", "apps")]
    );
    let patch = &requests[1];
    assert_eq!(
        patch.target,
        "/api/v1/namespaces/argocd/secrets/my-repo?fieldManager=docker-credential-ecr-login&force=true"
    );
    assert_eq!(
        patch.header("content-type"),
        Some("application/apply-patch+yaml")
    );
    assert_eq!(
        patch.json(),
        json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {
                "name": "my-repo", "namespace": "argocd",
                "uid": before["metadata"]["uid"],
                "resourceVersion": before["metadata"]["resourceVersion"],
            },
            "data": {"password": b64(PASSWORD)},
        }),
        "the password alone, conditional on the Secret as read"
    );
}

#[test]
fn password_only_reads_again_a_secret_changed_and_never_recreates_one_deleted() {
    let c = cluster();
    let args = [
        "--type",
        "basic-auth",
        "--password-only",
        "--namespace",
        "fleet-local",
    ];

    // Someone changes it between our read and our write: read again, keep their change.
    c.api.put_secret(managed_secret("fleet-local", "ecr-helm"));
    c.api
        .race_after_read("fleet-local", "ecr-helm", Race::Change);
    let run = c.sandbox.kube_apply("ecr-helm", &c.config, &args);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        "secret/ecr-helm password applied in namespace fleet-local\n"
    );
    let stored = c.api.secret("fleet-local", "ecr-helm").unwrap();
    assert_eq!(decoded(&stored)["password"], PASSWORD);
    assert_eq!(decoded(&stored)["touched"], "yes", "their change is kept");
    let methods: Vec<String> = c.api.requests().iter().map(|r| r.method.clone()).collect();
    assert_eq!(methods, ["GET", "PATCH", "GET", "PATCH"]);

    // Someone deletes it between our read and our write: it stays deleted.
    let before = c.api.requests().len();
    c.api
        .race_after_read("fleet-local", "ecr-helm", Race::Delete);
    let run = c.sandbox.kube_apply("ecr-helm", &c.config, &args);
    assert_eq!((run.code, run.stdout.as_str()), (1, ""), "{run:?}");
    assert!(
        run.stderr.contains(
            "ecr-login: namespace fleet-local: secret/ecr-helm does not exist; --password-only"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(c.api.secret("fleet-local", "ecr-helm"), None, "not re-created");
    let methods: Vec<String> = c.api.requests()[before..]
        .iter()
        .map(|r| r.method.clone())
        .collect();
    assert_eq!(methods, ["GET", "PATCH", "GET"], "the apply refused, then read again");
}

#[test]
fn all_namespaces_are_listed_at_each_run_less_the_excluded_and_terminating() {
    let c = cluster();
    for namespace in ["apps", "kube-system", "kube-public", "team-a", "leaving"] {
        c.api.add_namespace(namespace, &[]);
    }
    c.api.terminate_namespace("leaving");
    let args = ["--all-namespaces", "--exclude-namespace", "kube-*"];
    let run = c.sandbox.kube_apply("ecr-pull", &c.config, &args);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        "secret/ecr-pull created in namespace apps\nsecret/ecr-pull created in namespace team-a\n"
    );
    assert_no_secret(&run);
    let lists: Vec<Seen> = c
        .api
        .requests()
        .into_iter()
        .filter(|r| r.path() == "/api/v1/namespaces")
        .collect();
    assert!(lists.len() > 1, "read a page at a time: {lists:?}");
    assert_eq!(lists[0].target, "/api/v1/namespaces?limit=250");
    assert_eq!(lists[1].query("continue").as_deref(), Some("next&from=2"));
    assert!(lists.iter().all(|r| r.query("labelSelector").is_none()));

    // A namespace created since: written at the next run; the excluded ones never.
    c.api.add_namespace("new-team", &[]);
    let run = c.sandbox.kube_apply("ecr-pull", &c.config, &args);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        "secret/ecr-pull applied in namespace apps\nsecret/ecr-pull created in namespace new-team\nsecret/ecr-pull applied in namespace team-a\n"
    );
    let written: Vec<String> = c
        .api
        .requests()
        .iter()
        .filter(|r| r.method == "PATCH")
        .map(|r| r.namespace().to_owned())
        .collect();
    assert_eq!(written, ["apps", "team-a", "apps", "new-team", "team-a"]);
}

#[test]
fn a_namespace_selector_goes_to_the_server_which_picks() {
    let c = cluster();
    c.api
        .add_namespace("prod-a", &[("ecr-pull", "true"), ("env", "prod")]);
    c.api
        .add_namespace("dev-a", &[("ecr-pull", "true"), ("env", "dev")]);
    c.api.add_namespace("other", &[("env", "prod")]);
    let selector = "ecr-pull=true,env notin (dev)";
    let run = c.sandbox.kube_apply(
        "ecr-pull",
        &c.config,
        &["--namespace-selector", selector],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "secret/ecr-pull created in namespace prod-a\n");
    let list = &c.api.requests()[0];
    assert_eq!(list.path(), "/api/v1/namespaces");
    assert_eq!(list.query("labelSelector").as_deref(), Some(selector));
    assert!(
        !list.target.contains([' ', '(', ',']),
        "encoded: {}",
        list.target
    );
}

#[test]
fn a_forbidden_namespace_list_is_one_line_naming_the_permission() {
    let c = cluster();
    c.api.add_namespace("apps", &[]);
    c.api.forbid_namespace_list();
    let run = c
        .sandbox
        .kube_apply("ecr-pull", &c.config, &["--all-namespaces"]);
    assert_eq!((run.code, run.stdout.as_str()), (1, ""), "{run:?}");
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.starts_with(
            "ecr-login: listing namespaces: HTTP 403: lacks RBAC permission to list namespaces at cluster scope"
        ),
        "{}",
        run.stderr
    );
    assert!(patches(&c.api.requests()).is_empty());
}

#[test]
fn service_accounts_get_the_secret_once_keeping_their_other_entries() {
    let c = cluster();
    c.api
        .put_service_account("apps", "builder", json!([{"name": "dockerhub"}]));
    c.api.put_service_account("apps", "default", Value::Null);
    c.api.put_service_account(
        "apps",
        "ci",
        json!([{"name": "ecr-pull"}, {"name": "quay"}]),
    );
    let ci_before = c.api.service_account("apps", "ci").unwrap();
    let builder_before = c.api.service_account("apps", "builder").unwrap();
    let args = ["--namespace", "apps", "--service-account", "*"];
    let run = c.sandbox.kube_apply("ecr-pull", &c.config, &args);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        "secret/ecr-pull created in namespace apps
serviceaccount/builder patched in namespace apps
serviceaccount/ci unchanged in namespace apps
serviceaccount/default patched in namespace apps
"
    );
    let pulls = |name: &str| c.api.service_account("apps", name).unwrap()["imagePullSecrets"].clone();
    assert_eq!(pulls("builder"), json!([{"name": "dockerhub"}, {"name": "ecr-pull"}]));
    assert_eq!(pulls("default"), json!([{"name": "ecr-pull"}]));
    assert_eq!(c.api.service_account("apps", "ci").unwrap(), ci_before);

    let requests = c.api.requests();
    let patch = requests
        .iter()
        .find(|r| r.path() == "/api/v1/namespaces/apps/serviceaccounts/builder")
        .unwrap();
    assert_eq!(patch.method, "PATCH");
    assert_eq!(
        patch.header("content-type"),
        Some("application/json-patch+json")
    );
    assert_eq!(
        patch.json(),
        json!([
            {"op": "test", "path": "/metadata/resourceVersion",
             "value": builder_before["metadata"]["resourceVersion"]},
            {"op": "add", "path": "/imagePullSecrets/-", "value": {"name": "ecr-pull"}},
        ])
    );

    // Again: nothing to add, nothing written to any service account.
    let before = requests.len();
    let run = c.sandbox.kube_apply("ecr-pull", &c.config, &args);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        "secret/ecr-pull applied in namespace apps
serviceaccount/builder unchanged in namespace apps
serviceaccount/ci unchanged in namespace apps
serviceaccount/default unchanged in namespace apps
"
    );
    let again = &c.api.requests()[before..];
    assert!(
        again
            .iter()
            .all(|r| r.method == "GET" || r.path().contains("/secrets/")),
        "{again:?}"
    );

    // By name; one that does not exist is named, the others are done.
    let run = c.sandbox.kube_apply(
        "ecr-pull",
        &c.config,
        &[
            "--namespace",
            "apps",
            "--service-account",
            "ghost",
            "--service-account",
            "builder",
        ],
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        run.stdout,
        "secret/ecr-pull applied in namespace apps\nserviceaccount/builder unchanged in namespace apps\n"
    );
    assert!(
        run.stderr
            .contains("ecr-login: namespace apps: serviceaccount/ghost does not exist"),
        "{}",
        run.stderr
    );
}

#[test]
fn bad_input_is_a_usage_error_before_any_call() {
    let c = cluster();
    c.api.add_namespace("apps", &[]);
    let other = format!("{HOST}.example.com/charts");
    let https = format!("https://{HOST}");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["--namespace-selector", "env in (prod"],
            "not a label selector",
        ),
        (vec!["--namespace-selector", "env=a b"], "not a label selector"),
        (vec!["--namespace-selector", ""], "not a label selector"),
        (vec!["--label", "Bad_/x=y"], "the key"),
        (vec!["--label", "team=-x"], "the value"),
        (vec!["--label", "team"], "KEY=VALUE"),
        (
            vec!["--label", "app.kubernetes.io/managed-by=me"],
            "the Secret's own label",
        ),
        (
            vec!["--annotation", "ecr-login.expires-at=never"],
            "the Secret's own annotation",
        ),
        (vec!["--annotation", "/x=y"], "the key"),
        (
            vec!["--type", "argocd-repository", "--argocd-url", "evil.example.com/charts"],
            "is not on the registry",
        ),
        (
            vec!["--type", "argocd-repo-creds", "--argocd-url", &other],
            "is not on the registry",
        ),
        (
            vec!["--type", "argocd-repository", "--argocd-url", &https],
            "over OCI",
        ),
        (
            vec!["--type", "argocd-repository", "public.ecr.aws"],
            "holds the credentials of one registry",
        ),
        (
            vec!["--type", "basic-auth", "public.ecr.aws"],
            "holds the credentials of one registry",
        ),
        (vec!["--password-only"], "--type dockerconfigjson has not"),
        (
            vec!["--argocd-project", "team-a"],
            "are for --type argocd-repository",
        ),
        (
            vec!["--type", "argocd-repository", "--service-account", "default"],
            "imagePullSecrets",
        ),
        (vec!["--exclude-namespace", "kube-*"], "--all-namespaces"),
        (
            vec!["--all-namespaces", "--exclude-namespace", "Kube_*"],
            "a namespace name or a glob",
        ),
        (
            vec!["--all-namespaces", "--namespace", "apps"],
            "cannot be used with",
        ),
        (
            vec!["--namespace-selector", "a=b", "--namespace", "apps"],
            "cannot be used with",
        ),
        (
            vec!["--all-namespaces", "--namespace-selector", "a=b"],
            "cannot be used with",
        ),
        (vec!["--service-account", "Not Valid"], "service account name"),
    ];
    for (extra, expected) in &cases {
        let run = c.sandbox.kube_apply("ecr-pull", &c.config, extra);
        assert_eq!((run.code, run.stdout.as_str()), (2, ""), "{extra:?}: {run:?}");
        assert!(run.stderr.contains(expected), "{extra:?}: {}", run.stderr);
        assert!(run.stderr.starts_with("error: "), "{extra:?}: {}", run.stderr);
    }
    // Without --apply: the flags that only mean something for a cluster.
    for extra in [
        vec!["--password-only", "--type", "basic-auth"],
        vec!["--all-namespaces"],
        vec!["--namespace-selector", "a=b"],
        vec!["--service-account", "default"],
    ] {
        let mut args = vec!["kube-secret", HOST, "--name", "x"];
        args.extend(&extra);
        let run = c.sandbox.run(&args, "");
        assert_eq!(run.code, 2, "{extra:?}: {run:?}");
        assert!(run.stderr.contains("--apply"), "{extra:?}: {}", run.stderr);
    }
    assert!(c.api.requests().is_empty(), "no call reached the cluster");
    assert!(c.mock.requests().is_empty(), "no token was fetched");
}

#[test]
fn password_with_username_is_the_line_argo_cd_image_updater_reads() {
    let mock = EcrMock::start();
    let sandbox = ecr_sandbox(&mock).env("AWS_ECR_LOG", "warn");
    let run = sandbox.run(&["password", "--with-username", HOST], "");
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (0, format!("AWS:{PASSWORD}\n").as_str(), ""),
        "{run:?}"
    );
    let plain = sandbox.run(&["password", HOST], "");
    assert_eq!(plain.stdout, format!("{PASSWORD}\n"), "unchanged without it");
}
