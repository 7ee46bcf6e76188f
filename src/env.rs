//! The process environment, read in one place.
//!
//! Every variable of ours is looked up here, so unit tests can hand in a made-up environment
//! instead of mutating the real one, and so the list of what we read stays in one file.
//! (The AWS SDK reads its own variables, `AWS_PROFILE`, `AWS_ENDPOINT_URL_*` and the like, from
//! the process itself.)

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::error::Error;

/// How long before expiry a cached token is refreshed (`AWS_ECR_REFRESH_WINDOW`).
pub const DEFAULT_REFRESH_WINDOW: Duration = Duration::from_secs(3600);

/// Overall bound on one token fetch (`AWS_ECR_TIMEOUT`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

#[derive(Debug, Clone)]
pub struct Env {
    vars: HashMap<String, String>,
    /// When the process (or the test's made-up one) started: every bound counts from here.
    started: Instant,
}

impl Default for Env {
    fn default() -> Self {
        Env::from_pairs([])
    }
}

impl Env {
    /// A snapshot of the real environment. Variables that are not valid UTF-8 are skipped:
    /// none of ours can be, and the SDK reads its own.
    pub fn from_process() -> Self {
        Env {
            vars: std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
            started: Instant::now(),
        }
    }

    /// A made-up environment, for tests.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Env {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            started: Instant::now(),
        }
    }

    /// A variable's value; unset and empty are the same thing, as for most AWS variables.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.vars
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// The AWS profile the SDK will use when nothing else picks one.
    pub fn profile(&self) -> Option<&str> {
        self.get("AWS_PROFILE")
            .or_else(|| self.get("AWS_DEFAULT_PROFILE"))
    }

    /// `AWS_ECR_TIMEOUT`: a duration such as `15s`, `500ms`, `2m`, or plain seconds.
    pub fn timeout(&self) -> Result<Duration, Error> {
        match self.get("AWS_ECR_TIMEOUT") {
            None => Ok(DEFAULT_TIMEOUT),
            Some(v) => parse_duration(v).filter(|d| !d.is_zero()).ok_or_else(|| {
                Error::Config(format!("AWS_ECR_TIMEOUT={v:?} is not a duration (try 15s)"))
            }),
        }
    }

    /// When every command must have answered: [`Env::timeout`] after the process started,
    /// whatever it waited for on the way (another process's lock, a slow file system).
    pub fn deadline(&self) -> Result<Instant, Error> {
        Ok(self.started + self.timeout()?)
    }
}

impl Env {
    /// `AWS_ECR_REFRESH_WINDOW`, or `configured` (the config file), or one hour.
    pub fn refresh_window(&self, configured: Option<Duration>) -> Result<Duration, Error> {
        match self.get("AWS_ECR_REFRESH_WINDOW") {
            None => Ok(configured.unwrap_or(DEFAULT_REFRESH_WINDOW)),
            Some(v) => parse_duration(v).ok_or_else(|| {
                Error::Config(format!(
                    "AWS_ECR_REFRESH_WINDOW={v:?} is not a duration (try 1h)"
                ))
            }),
        }
    }
}

/// Parses `90`, `90s`, `1m30s`, `500ms`, `1h`. Bare numbers are seconds.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    if let Ok(secs) = text.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    humantime::parse_duration(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_is_unset() {
        let env = Env::from_pairs([("AWS_PROFILE", ""), ("AWS_DEFAULT_PROFILE", "dflt")]);
        assert_eq!(env.profile(), Some("dflt"));
        let env = Env::from_pairs([("AWS_PROFILE", "p"), ("AWS_DEFAULT_PROFILE", "dflt")]);
        assert_eq!(env.profile(), Some("p"));
    }

    #[test]
    fn timeouts() {
        let t = |v| Env::from_pairs([("AWS_ECR_TIMEOUT", v)]).timeout();
        assert_eq!(Env::default().timeout().unwrap(), DEFAULT_TIMEOUT);
        assert_eq!(t("3").unwrap(), Duration::from_secs(3));
        assert_eq!(t("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(t("1m30s").unwrap(), Duration::from_secs(90));
        assert_eq!(
            t("soon").unwrap_err().to_string(),
            r#"ecr-login: AWS_ECR_TIMEOUT="soon" is not a duration (try 15s)"#
        );
        assert!(t("0").is_err());
    }
}
