//! Kubeconfig exec credential plugins (`aws eks get-token`, `gke-gcloud-auth-plugin`,
//! `kubelogin`): run the command, read the `ExecCredential` it prints.
//!
//! The plugin gets our environment plus the kubeconfig's `env`, and `KUBERNETES_EXEC_INFO`
//! saying it may not prompt; its stderr is passed through (that is where it explains a
//! failure). A bare command name is found only in absolute `PATH` entries, as kubectl finds
//! it: a `./kubelogin` planted in the directory we happen to run in must not get to hand its
//! token to the API server. What it prints is read up to a bound, and at the command's
//! deadline it is killed with what it started (see [`crate::process`]).

use std::process::Stdio;
use std::time::Instant;

use serde::Deserialize;
use tokio::io::AsyncReadExt;

use super::kubeconfig::Exec;
use crate::env::Env;
use crate::error::Error;
use crate::escape::one_line;
use crate::log::debug;
use crate::secret::Secret;

const DEFAULT_API_VERSION: &str = "client.authentication.k8s.io/v1beta1";

/// Largest `ExecCredential` taken from a plugin: a token or a certificate and key are a few
/// KiB; more is a plugin gone wrong, and must not fill our memory.
const MAX_OUTPUT: u64 = 1 << 20;

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

/// Makes a bare command name the program it names in the absolute directories of `PATH`
/// (a command with a separator was made absolute against its kubeconfig's directory).
pub fn locate(exec: &mut Exec, source: &str, env: &Env) -> Result<(), Error> {
    let mut parts = exec.command.components();
    let (Some(std::path::Component::Normal(name)), None) = (parts.next(), parts.next()) else {
        return Ok(());
    };
    let name = name.to_string_lossy().into_owned();
    let mut wanted = vec![name.clone()];
    if cfg!(windows) && std::path::Path::new(&name).extension().is_none() {
        wanted.insert(0, format!("{name}.exe"));
    }
    match wanted
        .iter()
        .find_map(|program| crate::process::find_program(program, env))
    {
        Some(found) => {
            exec.command = found;
            Ok(())
        }
        None => {
            let hint = exec
                .install_hint
                .as_deref()
                .map(|hint| format!("; {}", one_line(hint)))
                .unwrap_or_default();
            Err(Error::KubeConfig {
                file: source.to_owned(),
                problem: format!(
                    "exec plugin {name}: not found in PATH (only its absolute directories are searched){hint}"
                ),
            })
        }
    }
}

/// Runs `exec`; `source` names the kubeconfig for messages.
pub async fn run(exec: &Exec, source: &str, deadline: Instant) -> Result<Credential, Error> {
    let command = exec.command.display().to_string();
    let fail = |problem: String| Error::KubeConfig {
        file: source.to_owned(),
        problem: format!("exec plugin {command}: {problem}"),
    };
    let output = tokio::time::timeout_at(deadline.into(), output_of(exec, &command, &fail))
        .await
        .unwrap_or_else(|_| {
            // The plugin and what it started, all at once: killed first, the plugin would
            // hand its children to init, out of our sight.
            crate::process::kill_descendants();
            Err(fail(
                "did not finish before the deadline (AWS_ECR_TIMEOUT)".into(),
            ))
        })?;
    parse(&output).map_err(fail)
}

/// The plugin's stdout, once it has exited successfully.
async fn output_of(
    exec: &Exec,
    command: &str,
    fail: &impl Fn(String) -> Error,
) -> Result<Vec<u8>, Error> {
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
        .stderr(Stdio::inherit());
    for var in exec.env.iter().flatten() {
        cmd.env(&var.name, &var.value);
    }
    debug!("running the kubeconfig's exec plugin {command}");
    let mut child = cmd.spawn().map_err(|e| {
        let hint = match (&exec.install_hint, e.kind()) {
            (Some(hint), std::io::ErrorKind::NotFound) => format!("; {}", one_line(hint)),
            _ => String::new(),
        };
        fail(format!("cannot run: {e}{hint}"))
    })?;
    let mut stdout = Vec::new();
    if let Some(pipe) = child.stdout.take() {
        pipe.take(MAX_OUTPUT + 1)
            .read_to_end(&mut stdout)
            .await
            .map_err(|e| {
                crate::process::kill_descendants();
                fail(format!("reading its output: {e}"))
            })?;
    }
    if stdout.len() as u64 > MAX_OUTPUT {
        crate::process::kill_descendants();
        return Err(fail(format!(
            "printed more than {} KiB, which is not an ExecCredential; stopped it",
            MAX_OUTPUT >> 10
        )));
    }
    let status = child
        .wait()
        .await
        .map_err(|e| fail(format!("failed: {e}")))?;
    if !status.success() {
        return Err(fail(format!("exited with {status}")));
    }
    Ok(stdout)
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
    fn a_plugin_runs_with_its_env() {
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
        // The deadline, which kills every process we started, is tested end to end
        // (tests/it/trust/process.rs): here it would reach the other tests' children.
        let missing = Exec {
            command: dir.path().join("absent"),
            install_hint: Some("install it".into()),
            ..exec
        };
        let err = rt.block_on(run(&missing, "k", deadline)).unwrap_err();
        assert!(err.to_string().contains("install it"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn bare_commands_are_found_in_absolute_path_entries_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let plugin = dir.path().join("kubelogin");
        std::fs::write(&plugin, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).unwrap();
        let exec = |command: &str| Exec {
            command: command.into(),
            args: Vec::new(),
            env: None,
            api_version: None,
            install_hint: Some("see the docs".into()),
        };
        let absolute = dir.path().to_str().unwrap();
        let env = Env::from_pairs([("PATH", absolute)]);
        let mut found = exec("kubelogin");
        locate(&mut found, "k", &env).unwrap();
        assert_eq!(found.command, plugin);
        let mut given = exec("/opt/bin/kubelogin");
        locate(&mut given, "k", &env).unwrap();
        assert_eq!(given.command, std::path::Path::new("/opt/bin/kubelogin"));
        let relative = std::env::join_paths(["", ".", "rel"]).unwrap();
        let env = Env::from_pairs([("PATH", relative.to_str().unwrap())]);
        let err = locate(&mut exec("kubelogin"), "k", &env).unwrap_err();
        assert!(
            err.to_string().contains("not found in PATH")
                && err.to_string().contains("see the docs"),
            "{err}"
        );
    }
}
