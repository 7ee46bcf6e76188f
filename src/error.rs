//! Everything that can go wrong, phrased for the person who has to act on it.
//!
//! Each variant's message is the single line the credential-helper protocol prints on stdout,
//! and each variant says what happens next: [`Error::NotFound`] makes docker and
//! containers/image carry on anonymously, the `ecr-login:` ones stop the pull with a cause the
//! user can fix. Messages never contain a token or a password.

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

    /// The kubeconfig, its context or the pod's service account is unusable: fix the file or
    /// the flags. Nothing was written.
    #[error("ecr-login: {file}: {problem}")]
    KubeConfig { file: String, problem: String },

    /// The Kubernetes API server could not be reached for one namespace (connection, TLS,
    /// a broken answer); the other namespaces are still tried.
    #[error(
        "ecr-login: namespace {namespace}: cannot reach the Kubernetes API at {server}: {cause}"
    )]
    KubeUnreachable {
        namespace: String,
        server: String,
        cause: String,
    },

    /// The API server did not answer for one namespace before the deadline.
    #[error("ecr-login: namespace {namespace}: no answer from the Kubernetes API at {server} within {}; check the network or raise AWS_ECR_TIMEOUT", humantime::format_duration(*.after))]
    KubeTimedOut {
        namespace: String,
        server: String,
        after: Duration,
    },

    /// The API server refused the Secret in one namespace (RBAC, a missing namespace, bad
    /// credentials): the hint says what to grant or fix.
    #[error("ecr-login: namespace {namespace}: HTTP {status}: {hint}: {message}")]
    KubeRefused {
        namespace: String,
        status: u16,
        hint: String,
        message: String,
    },
}

impl Error {
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

/// `text` with every control character, line separator and format character escaped (`\n`,
/// `\u{1b}`, `\u{2028}`, `\u{202e}`...), so that whatever was echoed from input (a host, a
/// role ARN, an annotation) cannot start a second, forged line, drive a terminal, or show
/// something other than what it is (a right-to-left override that reverses the rest of the
/// line, a zero-width character that makes two hosts look alike).
pub fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains(needs_escape) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Characters that may not reach a log line or a reply as they are: controls (Cc), format
/// characters (Cf) and the line and paragraph separators.
pub fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') || is_format(c)
}

/// Unicode's general category Cf ("Other, format") as of Unicode 16.0: bidirectional controls,
/// zero-width characters, the byte order mark, the soft hyphen, interlinear annotation marks
/// and tag characters. std has no general category and a crate's tables would be a hundred
/// times this one; a unit test compares it with the Unicode tables of `regex-syntax`, so a
/// newer Unicode version that adds to the category is noticed.
const FORMAT: &[(char, char)] = &[
    ('\u{ad}', '\u{ad}'),
    ('\u{600}', '\u{605}'),
    ('\u{61c}', '\u{61c}'),
    ('\u{6dd}', '\u{6dd}'),
    ('\u{70f}', '\u{70f}'),
    ('\u{890}', '\u{891}'),
    ('\u{8e2}', '\u{8e2}'),
    ('\u{180e}', '\u{180e}'),
    ('\u{200b}', '\u{200f}'),
    ('\u{202a}', '\u{202e}'),
    ('\u{2060}', '\u{2064}'),
    ('\u{2066}', '\u{206f}'),
    ('\u{feff}', '\u{feff}'),
    ('\u{fff9}', '\u{fffb}'),
    ('\u{110bd}', '\u{110bd}'),
    ('\u{110cd}', '\u{110cd}'),
    ('\u{13430}', '\u{1343f}'),
    ('\u{1bca0}', '\u{1bca3}'),
    ('\u{1d173}', '\u{1d17a}'),
    ('\u{e0001}', '\u{e0001}'),
    ('\u{e0020}', '\u{e007f}'),
];

fn is_format(c: char) -> bool {
    // Below the soft hyphen, the first of them, nothing to look up: most text is ASCII.
    c >= '\u{ad}'
        && FORMAT
            .binary_search_by(|&(low, high)| {
                if high < c {
                    std::cmp::Ordering::Less
                } else if low > c {
                    std::cmp::Ordering::Greater
                } else {
                    std::cmp::Ordering::Equal
                }
            })
            .is_ok()
}

/// Folds a multi-line cause (SDK error chains can span lines) into the one line the protocol
/// allows.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
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

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(escape_controls("plain host:5000"), "plain host:5000");
        assert_eq!(
            escape_controls("arn:aws:iam::1:role/x\necr-login: forged\r\u{1b}[2J\t"),
            "arn:aws:iam::1:role/x\\necr-login: forged\\r\\u{1b}[2J\\t"
        );
    }

    #[test]
    fn escape_keeps_one_line() {
        assert_eq!(escape_controls("plain:arn/x"), "plain:arn/x");
        assert_eq!(
            escape_controls("a\nb\r\tc\u{1b}[31m\u{85}\u{2028}d"),
            "a\\nb\\r\\tc\\u{1b}[31m\\u{85}\\u{2028}d"
        );
        assert_eq!(
            escape_controls("üñí"),
            "üñí",
            "printable text is left alone"
        );
    }

    #[test]
    fn format_characters_are_escaped() {
        // A right-to-left override would show `moc.live` as `evil.com`; bidi isolates, marks
        // and zero-width characters disguise what is there.
        assert_eq!(
            escape_controls("x.dkr.ecr.\u{202e}moc.live"),
            "x.dkr.ecr.\\u{202e}moc.live"
        );
        for c in [
            '\u{61c}',
            '\u{200b}',
            '\u{200c}',
            '\u{200d}',
            '\u{200e}',
            '\u{200f}',
            '\u{202a}',
            '\u{202b}',
            '\u{202c}',
            '\u{202d}',
            '\u{2060}',
            '\u{2064}',
            '\u{2066}',
            '\u{2069}',
            '\u{feff}',
            '\u{ad}',
            '\u{180e}',
            '\u{fff9}',
            '\u{fffb}',
            '\u{e0001}',
            '\u{e0020}',
            '\u{e007f}',
        ] {
            let text = format!("a{c}b");
            assert_eq!(escape_controls(&text), format!("a\\u{{{:x}}}b", c as u32));
        }
        for c in [
            '\u{ac}',
            '\u{ae}',
            '\u{2010}',
            '\u{2065}',
            '\u{fffc}',
            '\u{e0080}',
            'ü',
            '中',
        ] {
            assert!(!needs_escape(c), "{c:?}");
        }
    }

    /// The table is the whole category Cf, as the Unicode tables of `regex-syntax` have it.
    #[test]
    fn the_format_table_is_unicode_category_cf() {
        use regex_syntax::hir::{Class, HirKind};
        let hir = regex_syntax::parse(r"\p{Cf}").unwrap();
        let HirKind::Class(Class::Unicode(class)) = hir.kind() else {
            panic!("{hir:?}");
        };
        let cf: Vec<(char, char)> = class.iter().map(|r| (r.start(), r.end())).collect();
        assert_eq!(FORMAT, cf.as_slice());
        for c in (0..=0x10_ffff).filter_map(char::from_u32) {
            let in_cf = cf.iter().any(|&(low, high)| low <= c && c <= high);
            assert_eq!(is_format(c), in_cf, "{c:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn escaped_text_is_one_line(text in "(\\PC|\\p{Cc}|\\p{Cf}|\u{2028}|\u{2029}){0,100}") {
            let escaped = escape_controls(&text);
            proptest::prop_assert!(!escaped.chars().any(needs_escape));
            proptest::prop_assert!(escaped.lines().count() <= 1);
        }
    }

    #[test]
    fn one_line_folds_whitespace() {
        assert_eq!(one_line("a\n  b\r\nc\t"), "a b c");
    }
}
