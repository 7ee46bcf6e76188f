//! What the Kubernetes tests share: the checks of a Secret, printed or applied.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::b64;

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
