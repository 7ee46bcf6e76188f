//! The optional configuration file.
//!
//! Most users need none: the registry host says everything. The file is for what the host
//! cannot say: which AWS profile pulls from which registry or account, which host names stand
//! in front of an ECR registry (a CNAME, a pull-through proxy, `localhost:5443` in tests), and
//! the refresh window, and which helper keeps the credentials of every other registry
//! (`fallback_helper`). A broken file is an error naming the file and the line, never a silent
//! default: a typo here would otherwise send the wrong credentials.
//!
//! It is read on every call, hits included, so it stays a small TOML parse (tens of
//! microseconds) and is skipped entirely when the file does not exist.

pub mod edit;
mod helper_name;

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use crate::core::registry::{self, Registry};
use crate::env::parse_duration;
use crate::error::Error;

/// A real config is a few hundred bytes; the bound only keeps a mistaken path (a log, an
/// image) from being read whole on every call.
const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// The parsed file; `Config::default()` when there is none.
#[derive(Debug, Default)]
pub struct Config {
    /// Where it came from, for messages.
    pub path: Option<PathBuf>,
    pub refresh_window: Option<Duration>,
    /// `fallback_helper`: the helper (`pass` for `docker-credential-pass`) that answers for
    /// every host that is neither ECR nor an alias. Validated to be a plain name.
    pub fallback_helper: Option<String>,
    /// Keyed by lower-case `host` or `host:port`.
    registries: BTreeMap<String, RegistryEntry>,
    accounts: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
struct RegistryEntry {
    profile: Option<String>,
    alias_of: Option<Registry>,
}

/// A client's registry, resolved through the config: the ECR registry to get a token for,
/// and the AWS profile to use (`None`: the environment's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub registry: Registry,
    pub profile: Option<String>,
    /// The configured alias the client used, if any.
    pub alias: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    refresh_window: Option<Spanned<String>>,
    fallback_helper: Option<Spanned<String>>,
    #[serde(default)]
    registries: BTreeMap<String, Spanned<RawRegistry>>,
    #[serde(default)]
    accounts: BTreeMap<String, Spanned<RawAccount>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegistry {
    profile: Option<String>,
    alias_of: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAccount {
    profile: Option<String>,
}

impl Target {
    /// The caller's registry in `region` (`password --region`): no host, so no alias and no
    /// configured profile; the environment's credentials.
    pub fn region(region: &str) -> Result<Target, Error> {
        Ok(Target {
            registry: Registry::for_region(region).map_err(Error::Config)?,
            profile: None,
            alias: None,
        })
    }
}

impl Config {
    /// The file at `path`; when it is not `explicit` (the default location) a missing file is
    /// an empty config.
    pub fn load(path: PathBuf, explicit: bool) -> Result<Config, Error> {
        let text = crate::file::read_regular(&path, MAX_CONFIG_BYTES).and_then(|bytes| {
            String::from_utf8(bytes)
                .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8"))
        });
        match text {
            Ok(text) => Config::parse(&text, path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => {
                Ok(Config::default())
            }
            Err(e) => Err(Error::Config(format!(
                "cannot read the config file {}{}: {e}",
                path.display(),
                if explicit { " (AWS_ECR_CONFIG)" } else { "" }
            ))),
        }
    }

    /// Parses `text`, naming `path` and the line in any error.
    pub fn parse(text: &str, path: PathBuf) -> Result<Config, Error> {
        let fail = |span: Option<Range<usize>>, message: String| {
            let line = span.map_or(String::new(), |s| {
                let before = text.get(..s.start).unwrap_or(text);
                format!(", line {}", before.matches('\n').count() + 1)
            });
            Error::Config(format!("config file {}{line}: {message}", path.display()))
        };
        let raw: RawConfig = toml::from_str(text)
            .map_err(|e| fail(e.span(), crate::escape::one_line(e.message())))?;

        let refresh_window = match raw.refresh_window {
            None => None,
            Some(value) => Some(parse_duration(value.get_ref()).ok_or_else(|| {
                fail(
                    Some(value.span()),
                    format!(
                        "refresh_window {:?} is not a duration (try \"1h\")",
                        value.get_ref()
                    ),
                )
            })?),
        };

        let fallback_helper = match raw.fallback_helper {
            None => None,
            Some(name) => Some(
                helper_name::check(name.get_ref())
                    .map_err(|why| fail(Some(name.span()), why))?
                    .to_owned(),
            ),
        };

        let mut registries = BTreeMap::new();
        for (key, entry) in raw.registries {
            let span = entry.span();
            let entry = entry.into_inner();
            let host = registry::host_and_port(&key).to_ascii_lowercase();
            // Clients' input is trimmed before it is looked up: a key with a space in its host
            // (`me@ host`) would be accepted and never match.
            if host.is_empty() || host.contains(char::is_whitespace) {
                return Err(fail(
                    Some(span),
                    format!("[registries.{key:?}] is not a host name"),
                ));
            }
            let alias_of = match entry.alias_of {
                None => None,
                Some(target) => Some(Registry::parse(target.get_ref()).ok_or_else(|| {
                    fail(
                        Some(target.span()),
                        format!(
                            "[registries.{key:?}] alias_of {:?} is not an ECR registry host",
                            target.get_ref()
                        ),
                    )
                })?),
            };
            if alias_of.is_none() && Registry::parse(&host).is_none() {
                return Err(fail(
                    Some(span),
                    format!(
                        "[registries.{key:?}] is not an ECR registry; add alias_of = \"<ECR registry>\""
                    ),
                ));
            }
            registries.insert(
                host,
                RegistryEntry {
                    profile: entry.profile,
                    alias_of,
                },
            );
        }

        let mut accounts = BTreeMap::new();
        for (account, entry) in raw.accounts {
            let span = entry.span();
            if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
                return Err(fail(
                    Some(span),
                    format!("[accounts.{account:?}] is not a 12-digit AWS account id"),
                ));
            }
            if let Some(profile) = entry.into_inner().profile {
                accounts.insert(account, profile);
            }
        }

        Ok(Config {
            path: Some(path),
            refresh_window,
            fallback_helper,
            registries,
            accounts,
        })
    }

    /// Resolves what a client sent: an alias first (by `host:port`, then by host), else an
    /// ECR host. `None` means "not ECR and not an alias".
    pub fn target(&self, input: &str) -> Option<Target> {
        let with_port = registry::host_and_port(input).to_ascii_lowercase();
        let host = registry::normalise(input);
        let alias = [&with_port, &host]
            .into_iter()
            .find_map(|key| Some((key, self.registries.get(key)?.clone())))
            .and_then(|(key, entry)| Some((key.clone(), entry.alias_of?, entry.profile)));
        if let Some((key, registry, profile)) = alias {
            let profile = profile.or_else(|| self.profile_for(&registry));
            return Some(Target {
                registry,
                profile,
                alias: Some(key),
            });
        }
        let registry = Registry::from_host(&host)?;
        Some(Target {
            profile: self.profile_for(&registry),
            registry,
            alias: None,
        })
    }

    /// [`Config::target`] for a registry named on the command line, or why it is not one.
    pub fn resolve(&self, registry: &str) -> Result<Target, Error> {
        self.target(registry).ok_or_else(|| {
            Error::Config(format!(
                "{registry:?} is not an ECR registry host, nor an alias in the config file"
            ))
        })
    }

    /// The `[registries]` keys, as stored (lower case): registries with a profile and aliases,
    /// every one a host `get` answers for.
    pub fn registry_keys(&self) -> impl Iterator<Item = &str> {
        self.registries.keys().map(String::as_str)
    }

    /// The profile configured for an ECR registry, by host, then by account.
    pub fn profile_for(&self, registry: &Registry) -> Option<String> {
        self.registries
            .get(&registry.host)
            .and_then(|e| e.profile.clone())
            .or_else(|| self.accounts.get(registry.account()?).cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"
refresh_window = "30m"

[registries."123456789012.dkr.ecr.us-east-1.amazonaws.com"]
profile = "prod-pull"

[registries."registry.example.com"]
alias_of = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"

[registries."localhost:5443"]
alias_of = "210987654321.dkr.ecr.eu-west-1.amazonaws.com"
profile = "local"

[accounts."210987654321"]
profile = "partner"
"#;

    fn example() -> Config {
        Config::parse(EXAMPLE, PathBuf::from("/etc/ecr.toml")).unwrap()
    }

    #[test]
    fn profiles_by_registry_then_account() {
        let c = example();
        assert_eq!(c.refresh_window, Some(Duration::from_secs(1800)));
        let t = c
            .target("https://123456789012.dkr.ecr.us-east-1.amazonaws.com/v2/")
            .unwrap();
        assert_eq!((t.profile.as_deref(), t.alias), (Some("prod-pull"), None));
        let t = c
            .target("210987654321.dkr.ecr.ap-south-1.amazonaws.com")
            .unwrap();
        assert_eq!(t.profile.as_deref(), Some("partner"));
        let t = c
            .target("123456789012.dkr.ecr.us-west-2.amazonaws.com")
            .unwrap();
        assert_eq!(t.profile, None);
    }

    #[test]
    fn the_fallback_helper_is_a_plain_name() {
        let c = Config::parse("fallback_helper = \"pass\"\n", PathBuf::from("/c.toml")).unwrap();
        assert_eq!(c.fallback_helper.as_deref(), Some("pass"));
        assert_eq!(example().fallback_helper, None);
    }

    #[test]
    fn aliases_resolve_to_their_registry() {
        let c = example();
        let t = c.target("Registry.Example.com:443").unwrap();
        assert_eq!(
            t.registry.host,
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
        );
        assert_eq!(
            (t.profile, t.alias.as_deref()),
            (None, Some("registry.example.com"))
        );
        let t = c.target("localhost:5443").unwrap();
        assert_eq!(t.registry.account(), Some("210987654321"));
        assert_eq!(t.profile.as_deref(), Some("local"));
        assert_eq!(c.target("localhost:5000"), None);
        assert_eq!(c.target("docker.io"), None);
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let cases = [
            ("refresh_window = \n", "config file /c.toml, line 1: "),
            (
                "\n\nrefresh_window = \"soon\"\n",
                "config file /c.toml, line 3: refresh_window \"soon\" is not a duration",
            ),
            (
                "[registries.\"x.example\"]\nalias_of = \"docker.io\"\n",
                "config file /c.toml, line 2: [registries.\"x.example\"] alias_of \"docker.io\" is not an ECR registry host",
            ),
            (
                "[registries.\"x.example\"]\nprofile = \"p\"\n",
                "config file /c.toml, line 1: [registries.\"x.example\"] is not an ECR registry",
            ),
            (
                "\n[registries.\"x.example\"]\nprofle = \"p\"\n",
                "config file /c.toml, line 3: unknown field `profle`",
            ),
            (
                "\nfallback_helper = \"../../bin/sh\"\n",
                "config file /c.toml, line 2: fallback_helper \"../../bin/sh\" is not a helper name",
            ),
            (
                "fallback_helper = \"ecr-login\"\n",
                "config file /c.toml, line 1: fallback_helper \"ecr-login\" is this helper itself",
            ),
            (
                "[registries.\"me@ registry.example.com\"]\nalias_of = \"public.ecr.aws\"\n",
                "config file /c.toml, line 1: [registries.\"me@ registry.example.com\"] is not a host name",
            ),
            (
                "[accounts.\"12\"]\nprofile = \"p\"\n",
                "config file /c.toml, line 1: [accounts.\"12\"] is not a 12-digit AWS account id",
            ),
        ];
        for (text, expected) in cases {
            let err = Config::parse(text, PathBuf::from("/c.toml"))
                .unwrap_err()
                .to_string();
            assert!(
                err.starts_with(&format!("ecr-login: {expected}")),
                "{text:?}: {err}"
            );
            assert!(!err.contains('\n'), "{err}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_text_parses_or_fails_with_one_line(text in "(\\PC|\n|\\[|\\]|=|\"){0,300}") {
            if let Err(e) = Config::parse(&text, PathBuf::from("/c.toml")) {
                let message = e.to_string();
                proptest::prop_assert!(message.starts_with("ecr-login: config file /c.toml"));
                proptest::prop_assert!(!message.contains('\n'), "{}", message);
            }
        }
    }

    #[test]
    fn a_missing_default_file_is_empty_but_a_named_one_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.toml");
        let default = Config::load(missing.clone(), false).unwrap();
        assert!(default.path.is_none() && default.refresh_window.is_none());
        let err = Config::load(missing, true).unwrap_err().to_string();
        assert!(err.contains("cannot read the config file"), "{err}");
        assert!(err.contains("(AWS_ECR_CONFIG)"), "{err}");
    }
}
