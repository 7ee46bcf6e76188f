//! What the Kubernetes tests share: STS's answer to a pod's role, the kubelet's request that
//! asks for it, the plugin's refusals, and the checks of a Secret, printed or applied.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use wiremock::ResponseTemplate;

use super::{HOST, Run, Sandbox, b64, unix_now};

/// STS's answer to `AssumeRoleWithWebIdentity`: credentials with `access_key` and
/// `session_token`, valid for an hour.
pub fn sts_credentials(access_key: &str, session_token: &str) -> ResponseTemplate {
    let expiration = time::OffsetDateTime::from_unix_timestamp(unix_now() + 3600)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    ResponseTemplate::new(200)
        .insert_header("content-type", "text/xml")
        .set_body_string(format!(
            r#"<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <Credentials>
      <AccessKeyId>{access_key}</AccessKeyId>
      <SecretAccessKey>rolesecret</SecretAccessKey>
      <SessionToken>{session_token}</SessionToken>
      <Expiration>{expiration}</Expiration>
    </Credentials>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/team-pull/docker-credential-ecr-login</Arn>
      <AssumedRoleId>AROAEXAMPLE:docker-credential-ecr-login</AssumedRoleId>
    </AssumedRoleUser>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>"#
        ))
}

/// A kubelet request for an image of HOST whose pod's service account (`token`) is to assume
/// `role_arn`.
pub fn role_request(token: &str, role_arn: &str) -> String {
    json!({
        "apiVersion": "credentialprovider.kubelet.k8s.io/v1",
        "kind": "CredentialProviderRequest",
        "image": format!("{HOST}/team/app:1"),
        "serviceAccountToken": token,
        "serviceAccountAnnotations": {"eks.amazonaws.com/ecr-role-arn": role_arn},
    })
    .to_string()
}

/// Asserts that `secret` is a Secret manifest named `name` in `namespace`.
pub fn assert_secret(secret: &Value, name: &str, namespace: &str) {
    assert_eq!(secret["apiVersion"], "v1", "{secret}");
    assert_eq!(secret["kind"], "Secret", "{secret}");
    assert_eq!(secret["metadata"]["name"], name, "{secret}");
    assert_eq!(secret["metadata"]["namespace"], namespace, "{secret}");
}

/// The docker config that `secret`, a `kubernetes.io/dockerconfigjson` Secret, carries.
pub fn dockerconfigjson(secret: &Value) -> Value {
    assert_eq!(secret["type"], "kubernetes.io/dockerconfigjson", "{secret}");
    let encoded = secret["data"][".dockerconfigjson"]
        .as_str()
        .expect("base64 text");
    serde_json::from_slice(&STANDARD.decode(encoded).unwrap()).unwrap()
}

/// Asserts that `secret` is a `kubernetes.io/basic-auth` Secret holding AWS and `password`.
pub fn assert_basic_auth(secret: &Value, password: &str) {
    assert_eq!(secret["type"], "kubernetes.io/basic-auth", "{secret}");
    assert_eq!(
        secret["data"],
        json!({"username": b64("AWS"), "password": b64(password)})
    );
}

/// Asserts that the kubelet plugin refuses `input`: it fails, leaves nothing on stdout for the
/// kubelet to take, and says why on one line of stderr that holds `message`.
pub fn assert_plugin_refuses(sandbox: &Sandbox, input: &str, message: &str) -> Run {
    let run = sandbox.run(&["kubelet-plugin"], input);
    assert_ne!(run.code, 0, "{input}");
    assert_eq!(run.stdout, "", "{input}");
    assert!(run.stderr.contains(message), "{input}: {}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    run
}
