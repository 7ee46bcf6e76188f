//! Kubeconfig exec credential plugins (`aws eks get-token`, `gke-gcloud-auth-plugin`,
//! `kubelogin`): run the command, read the `ExecCredential` it prints.
//!
//! The plugin gets our environment plus the kubeconfig's `env`, and `KUBERNETES_EXEC_INFO`
//! saying it may not prompt; its stderr is passed through (that is where it explains a
//! failure). It is killed at the command's deadline.

use std::process::Stdio;
use std::time::Instant;

use serde::Deserialize;

use super::kubeconfig::Exec;
use crate::error::{Error, one_line};
use crate::log::debug;
use crate::secret::Secret;

const DEFAULT_API_VERSION: &str = "client.authentication.k8s.io/v1beta1";

/// What a plugin may give: a bearer token, or a client certificate and key (PEM).
#[derive(Debug)]
pub enum Credential {
    Token(Secret),
    ClientCert(Vec<u8>, Secret),
}

#[derive(Deserialize)]
struct ExecCredential {
    status: Option<Status>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Status {
    token: Option<Secret>,
    client_certificate_data: Option<String>,
    client_key_data: Option<Secret>,
}

/// Runs `exec`; `source` names the kubeconfig for messages.
pub async fn run(exec: &Exec, source: &str, deadline: Instant) -> Result<Credential, Error> {
    let command = exec.command.display().to_string();
    let fail = |problem: String| Error::KubeConfig {
        file: source.to_owned(),
        problem: format!("exec plugin {command}: {problem}"),
    };
    let api_version = exec.api_version.as_deref().unwrap_or(DEFAULT_API_VERSION);
    let info = serde_json::json!({
        "apiVersion": api_version,
        "kind": "ExecCredential",
        "spec": {"interactive": false},
    });
    let mut cmd = tokio::process::Command::new(&exec.command);
    cmd.args(&exec.args)
        .env("KUBERNETES_EXEC_INFO", info.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    for var in exec.env.iter().flatten() {
        cmd.env(&var.name, &var.value);
    }
    debug!("running the kubeconfig's exec plugin {command}");
    let child = cmd.spawn().map_err(|e| {
        let hint = match (&exec.install_hint, e.kind()) {
            (Some(hint), std::io::ErrorKind::NotFound) => format!("; {}", one_line(hint)),
            _ => String::new(),
        };
        fail(format!("cannot run: {e}{hint}"))
    })?;
    let output = tokio::time::timeout_at(deadline.into(), child.wait_with_output())
        .await
        .map_err(|_| fail("did not finish before the deadline (AWS_ECR_TIMEOUT)".into()))?
        .map_err(|e| fail(format!("failed: {e}")))?;
    if !output.status.success() {
        return Err(fail(format!("exited with {}", output.status)));
    }
    parse(&output.stdout).map_err(fail)
}

pub fn parse(stdout: &[u8]) -> Result<Credential, String> {
    // Only where it failed: serde's message would quote the value, which may be the token.
    let credential: ExecCredential = serde_json::from_slice(stdout).map_err(|e| {
        format!(
            "did not print an ExecCredential (at line {}, column {})",
            e.line(),
            e.column()
        )
    })?;
    let status = credential
        .status
        .ok_or_else(|| "its ExecCredential has no status".to_owned())?;
    if let Some(token) = status.token.filter(|t| !t.expose().is_empty()) {
        return Ok(Credential::Token(token));
    }
    match (status.client_certificate_data, status.client_key_data) {
        (Some(cert), Some(key)) => Ok(Credential::ClientCert(cert.into_bytes(), key)),
        _ => Err("its ExecCredential has neither a token nor a client certificate".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exec_credentials_parse() {
        let token = br#"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","spec":{},"status":{"expirationTimestamp":"2030-01-01T00:00:00Z","token":"k8s-aws-v1.abc"}}"#;
        match parse(token).unwrap() {
            Credential::Token(t) => assert_eq!(t.expose(), "k8s-aws-v1.abc"),
            other => panic!("{other:?}"),
        }
        let cert = br#"{"status":{"clientCertificateData":"CERT","clientKeyData":"KEY"}}"#;
        assert!(matches!(parse(cert).unwrap(), Credential::ClientCert(..)));
        for bad in [&b"nope"[..], b"{}", br#"{"status":{"token":""}}"#] {
            assert!(parse(bad).is_err());
        }
        let err = parse(br#"{"status":"k8s-aws-v1.secret"}"#).unwrap_err();
        assert!(!err.contains("k8s-aws-v1"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn a_plugin_runs_with_its_env_and_is_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("plugin");
        std::fs::write(
            &script,
            "#!/bin/sh\nprintf '{\"status\":{\"token\":\"%s-%s\"}}' \"$1\" \"$PLUGIN_VAR\"\n",
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let exec = Exec {
            command: script.clone(),
            args: vec!["arg".into()],
            env: Some(vec![super::super::kubeconfig::ExecEnv {
                name: "PLUGIN_VAR".into(),
                value: "val".into(),
            }]),
            api_version: None,
            install_hint: None,
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let deadline = Instant::now() + std::time::Duration::from_secs(10);
        match rt.block_on(run(&exec, "k", deadline)).unwrap() {
            Credential::Token(t) => assert_eq!(t.expose(), "arg-val"),
            other => panic!("{other:?}"),
        }
        std::fs::write(&script, "#!/bin/sh\nsleep 30\n").unwrap();
        let start = Instant::now();
        let deadline = start + std::time::Duration::from_millis(300);
        let err = rt.block_on(run(&exec, "k", deadline)).unwrap_err();
        assert!(err.to_string().contains("deadline"), "{err}");
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
        let missing = Exec {
            command: dir.path().join("absent"),
            install_hint: Some("install it".into()),
            ..exec
        };
        let err = rt.block_on(run(&missing, "k", deadline)).unwrap_err();
        assert!(err.to_string().contains("install it"), "{err}");
    }
}
