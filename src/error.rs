//! Everything that can go wrong, phrased for the person who has to act on it.
//!
//! Each variant's message is the single line the credential-helper protocol prints on stdout,
//! and each variant says what happens next: [`Error::NotFound`] makes docker and
//! containers/image carry on anonymously, the `ecr-login:` ones stop the pull with a cause the
//! user can fix. Messages never contain a token or a password.

use std::io;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Not an ECR registry, or ECR Public without AWS credentials: the client pulls anonymously.
    #[error("credentials not found in native keychain")]
    NotFound,

    /// `get`/`erase`/`store` got no server URL.
    #[error("no credentials server URL")]
    MissingServerUrl,

    /// `store` got no user name.
    #[error("no credentials username")]
    MissingUsername,

    /// `store` for a host that is not ECR: nothing would keep the credentials.
    #[error(
        "ecr-login: credentials for {host} were not stored: this helper keeps none, it only serves ECR registries (their passwords come from AWS); keep your credsStore for other registries and name ecr-login per ECR registry in credHelpers (docker-credential-ecr-login configure <registry>), or set fallback_helper in the config file to the helper that should keep them"
    )]
    NotStored { host: String },

    /// The client sent something we cannot read.
    #[error("{0}")]
    BadInput(String),

    /// No credential source had anything: the user must log in or pick a profile.
    #[error("ecr-login: no AWS credentials{}: {hint}", for_profile(.profile))]
    NoCredentials {
        profile: Option<String>,
        hint: String,
    },

    /// A credential source exists but failed (expired SSO session, broken profile, failing
    /// `credential_process`, unreachable STS).
    #[error("ecr-login: cannot load AWS credentials{}: {cause}{}", for_profile(.profile), hint_suffix(.hint))]
    CredentialsFailed {
        profile: Option<String>,
        cause: String,
        hint: Option<String>,
    },

    /// AWS refused the credentials or the permission; fix IAM or log in again.
    #[error(
        "ecr-login: AWS denied the token request for {registry}: {message} ({code}); check that the credentials in use allow {action}"
    )]
    AccessDenied {
        registry: String,
        code: String,
        message: String,
        action: &'static str,
    },

    /// Too many requests, even after retries; try again later.
    #[error(
        "ecr-login: ECR throttled the token request for {registry} ({code}): {message}; retry later"
    )]
    Throttled {
        registry: String,
        code: String,
        message: String,
    },

    /// The whole fetch took longer than `AWS_ECR_TIMEOUT`.
    #[error("ecr-login: timed out after {} getting a token for {registry}; check the network or raise AWS_ECR_TIMEOUT", humantime::format_duration(*.after))]
    TimedOut { registry: String, after: Duration },

    /// Waiting for another process that is fetching the same token took until the deadline.
    #[error("ecr-login: timed out after {} waiting for another process that is getting a token for {registry}; check the network or raise AWS_ECR_TIMEOUT", humantime::format_duration(*.after))]
    LockTimedOut { registry: String, after: Duration },

    /// The API answered with an error we do not classify (server errors included).
    #[error("ecr-login: ECR returned an error for {registry}: {detail}")]
    Service {
        registry: String,
        detail: String,
        /// A server fault (5xx, an unreadable reply) rather than an answer about the caller.
        transient: bool,
    },

    /// The API could not be reached (DNS, TLS, connection refused, proxy).
    #[error("ecr-login: cannot reach the ECR API for {registry}: {cause}")]
    Network { registry: String, cause: String },

    /// The API answered, but the token in it is unusable.
    #[error("ecr-login: unusable token from ECR for {registry}: {reason}")]
    BadToken { registry: String, reason: String },

    /// The configured fallback helper is not on PATH.
    #[error(
        "ecr-login: fallback helper {program} not found: no executable of that name in the absolute directories of PATH ({path}); install it or change fallback_helper in the config file"
    )]
    FallbackMissing { program: String, path: String },

    /// The fallback helper did not answer within `AWS_ECR_TIMEOUT`; it was killed.
    #[error("ecr-login: fallback helper {program} did not answer within {} and was stopped; check it (a locked keychain, a gpg-agent waiting for a passphrase?) or raise AWS_ECR_TIMEOUT", humantime::format_duration(*.after))]
    FallbackTimedOut { program: String, after: Duration },

    /// The fallback helper could not be run or answered something unusable.
    #[error("ecr-login: fallback helper: {0}")]
    Fallback(String),

    /// Our own configuration (variables, config file) is wrong.
    #[error("ecr-login: {0}")]
    Config(String),

    /// A file this command reads or writes on this machine (the kubelet plugin's files on a
    /// node, the running binary it copies) could not be: the path and the system's reason say
    /// what to fix. The reason is also the error's [`source`](std::error::Error::source), for
    /// callers that walk the chain; the protocol allows one line, so it is in the message too.
    #[error("ecr-login: cannot {action} {}: {source}", .path.display())]
    Io {
        /// What was being done, as a verb phrase: `write`, `restore`, `read the running binary`.
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    /// The file at `path` is not ours and could not be kept aside as `kept`, so nothing was
    /// replaced.
    #[error("ecr-login: cannot keep {} as {} before replacing it: {source}", .path.display(), .kept.display())]
    NotKept {
        path: PathBuf,
        kept: PathBuf,
        #[source]
        source: io::Error,
    },

    /// The operating system refused what the command needs to run at all (a thread, the
    /// async runtime, the path of the running binary): nothing was attempted.
    #[error("ecr-login: cannot {action}: {source}")]
    System {
        /// What was being done: `start the I/O runtime`, `find the running binary`.
        action: &'static str,
        #[source]
        source: io::Error,
    },

    /// Writing out generated text (the man page) failed.
    #[error("ecr-login: cannot render: {source}")]
    Render {
        #[source]
        source: io::Error,
    },

    /// The kubeconfig, its context or the pod's service account is unusable: fix the file or
    /// the flags. Nothing was written.
    #[error("ecr-login: {file}: {problem}")]
    KubeConfig { file: String, problem: String },

    /// The Kubernetes API server could not be reached for one object (connection, TLS, a
    /// broken answer); the others are still tried. `place` says which: `namespace team`,
    /// `namespace team: serviceaccount/ci`, `listing namespaces`.
    #[error("ecr-login: {place}: cannot reach the Kubernetes API at {server}: {cause}")]
    KubeUnreachable {
        place: String,
        server: String,
        cause: String,
    },

    /// The API server did not answer for one object before the deadline.
    #[error("ecr-login: {place}: no answer from the Kubernetes API at {server} within {}; check the network or raise AWS_ECR_TIMEOUT", humantime::format_duration(*.after))]
    KubeTimedOut {
        place: String,
        server: String,
        after: Duration,
    },

    /// The API server refused a request (RBAC, a missing namespace, bad credentials): the
    /// hint says what to grant or fix.
    #[error("ecr-login: {place}: HTTP {status}: {hint}: {message}")]
    KubeRefused {
        place: String,
        status: u16,
        hint: String,
        message: String,
    },

    /// An object the command changes but never creates is not there.
    #[error("ecr-login: {place}: {object} does not exist{why}")]
    KubeMissing {
        place: String,
        object: String,
        /// Empty, or `; ` and why it is not created.
        why: String,
    },
}

/// What an error means to a credential-helper client, whatever its cause: the protocol's
/// answer is decided by this alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Meaning {
    /// Nothing here for this host: the client carries on anonymously or asks the next helper,
    /// so nothing is said on stderr.
    NotFound,
    /// The client gave no server URL: a client bug, answered on stdout alone.
    NoServerUrl,
    /// A failure with a cause the user must see and can fix.
    Failure,
}

impl Error {
    /// What the protocol does with this error (see [`Meaning`]).
    pub fn meaning(&self) -> Meaning {
        match self {
            Error::NotFound => Meaning::NotFound,
            Error::MissingServerUrl => Meaning::NoServerUrl,
            _ => Meaning::Failure,
        }
    }

    /// True when the failure is "no AWS credentials at all", as opposed to credentials that
    /// exist but do not work.
    pub fn is_no_credentials(&self) -> bool {
        matches!(self, Error::NoCredentials { .. })
    }

    /// True for faults that say nothing about the caller's right to a token: throttling,
    /// server errors and unusable replies, timeouts, unreachable endpoints. Only these may be
    /// bridged with a cached token; a denial (refused, invalid, expired or missing
    /// credentials, a role STS will not grant) is the answer.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Throttled { .. }
            | Error::TimedOut { .. }
            | Error::LockTimedOut { .. }
            | Error::Network { .. }
            | Error::BadToken { .. } => true,
            Error::Service { transient, .. } => *transient,
            _ => false,
        }
    }
}

fn for_profile(profile: &Option<String>) -> String {
    profile
        .as_deref()
        .map(|p| format!(" for profile {p:?}"))
        .unwrap_or_default()
}

fn hint_suffix(hint: &Option<String>) -> String {
    hint.as_deref()
        .map(|h| format!("; {h}"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_lines_are_exact() {
        // The exact line clients compare to decide "no credentials here, go on without".
        assert_eq!(
            Error::NotFound.to_string(),
            "credentials not found in native keychain"
        );
        assert_eq!(
            Error::MissingServerUrl.to_string(),
            "no credentials server URL"
        );
        assert_eq!(
            Error::MissingUsername.to_string(),
            "no credentials username"
        );
    }

    /// A failed file step reads as one line naming the step and the path, and keeps the
    /// system's error as its source for whoever walks the chain.
    #[test]
    fn file_errors_keep_their_cause() {
        let e = Error::Io {
            action: "write",
            path: PathBuf::from("/etc/eks/image-credential-provider/ecr-credential-provider"),
            source: io::Error::from(io::ErrorKind::PermissionDenied),
        };
        assert_eq!(
            e.to_string(),
            "ecr-login: cannot write /etc/eks/image-credential-provider/ecr-credential-provider: permission denied"
        );
        let source = std::error::Error::source(&e).expect("the cause");
        assert_eq!(
            source.downcast_ref::<io::Error>().map(io::Error::kind),
            Some(io::ErrorKind::PermissionDenied)
        );
        assert_eq!(e.meaning(), Meaning::Failure);
        assert_eq!(Error::NotFound.meaning(), Meaning::NotFound);
        let system = Error::System {
            action: "start the I/O runtime",
            source: io::Error::other("no threads"),
        };
        assert_eq!(
            system.to_string(),
            "ecr-login: cannot start the I/O runtime: no threads"
        );
        assert!(std::error::Error::source(&system).is_some());
    }

    #[test]
    fn no_credentials_names_the_profile_and_the_fix() {
        let e = Error::NoCredentials {
            profile: Some("prod".into()),
            hint: "run 'aws sso login --profile prod'".into(),
        };
        assert_eq!(
            e.to_string(),
            r#"ecr-login: no AWS credentials for profile "prod": run 'aws sso login --profile prod'"#
        );
    }
}
