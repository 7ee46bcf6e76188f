//! Every setting of ours, resolved once per command and passed down.
//!
//! The bound on a command, the refresh window, where the cache and the config file live, the
//! FIPS and dual-stack settings, and the config file itself: read from [`Env`] (and the file it names) in one place, so no
//! module below goes looking for a variable of its own and tests can hand in any of them.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::core::registry::Registry;
use crate::env::{Env, parse_duration};
use crate::error::Error;
use crate::log::warn;

/// How long before expiry a cached token is refreshed (`AWS_ECR_REFRESH_WINDOW`).
pub const DEFAULT_REFRESH_WINDOW: Duration = Duration::from_secs(3600);

/// The bound on every command (`AWS_ECR_TIMEOUT`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

/// Our directory's name under the platform's cache and config directories.
const DIR_NAME: &str = "docker-credential-ecr-login";

#[derive(Debug)]
pub struct Settings {
    /// `AWS_ECR_TIMEOUT`, for messages and the SDK's own timeouts.
    pub timeout: Duration,
    /// When the command must have answered: `timeout` after the process started, whatever
    /// it waited for on the way (another process's lock, a slow file system).
    pub deadline: Instant,
    /// `AWS_ECR_REFRESH_WINDOW`, else the config file's, else an hour.
    pub refresh_window: Duration,
    /// `None` when the cache is off (`AWS_ECR_DISABLE_CACHE`) or neither the variables nor the
    /// operating system name a cache directory.
    pub cache_dir: Option<PathBuf>,
    /// The config file, `Config::default()` when there is none.
    pub config: Config,
    /// `AWS_USE_FIPS_ENDPOINT`; `None` when unset (a profile's `use_fips_endpoint` may then
    /// apply: the SDK reads it on a miss, and the identity covers the profile's file).
    pub use_fips: Option<bool>,
    /// `AWS_USE_DUALSTACK_ENDPOINT`, likewise.
    pub use_dual_stack: Option<bool>,
    /// `AWS_ECR_IGNORE_CREDS_STORAGE=true`, the Go helper's variable: `store` and `erase`
    /// succeed for every host, keeping nothing, where no fallback helper takes them.
    pub ignore_creds_storage: bool,
}

impl Settings {
    /// Reads every setting; a bad value or a broken config file is an error that names it.
    pub fn load(env: &Env) -> Result<Settings, Error> {
        let config = match config_path(env) {
            Some((path, explicit)) => Config::load(path, explicit)?,
            None => Config::default(),
        };
        Settings::with_config(env, config)
    }

    /// [`Settings::load`] with `config` in place of the file's (`configure` about to write it).
    pub fn with_config(env: &Env, config: Config) -> Result<Settings, Error> {
        let timeout = timeout(env)?;
        let refresh_window = match env.get("AWS_ECR_REFRESH_WINDOW") {
            None => config.refresh_window.unwrap_or(DEFAULT_REFRESH_WINDOW),
            Some(v) => parse_duration(v).ok_or_else(|| {
                Error::Config(format!(
                    "AWS_ECR_REFRESH_WINDOW={v:?} is not a duration (try 1h)"
                ))
            })?,
        };
        Ok(Settings {
            timeout,
            deadline: env.started() + timeout,
            refresh_window,
            cache_dir: cache_dir(env),
            config,
            use_fips: flag(env, "AWS_USE_FIPS_ENDPOINT"),
            use_dual_stack: flag(env, "AWS_USE_DUALSTACK_ENDPOINT"),
            ignore_creds_storage: ignore_creds_storage(env),
        })
    }

    /// [`Settings::load`] for the kubelet plugin on a node: where no variable names a cache
    /// directory, `node_dir` rather than the operating system's answer.
    ///
    /// The kubelet runs a plugin with its own environment plus its config's `env`. A config
    /// the node's bootstrap writes (EKS's `nodeadm` rewrites it at every boot) sets no `env`,
    /// and a kubelet started by systemd has no `HOME`, so the passwd database would place the
    /// cache in root's home. `node_dir` is the directory our own config names, so the plugin
    /// keeps one cache whichever config the kubelet runs, beside the kubelet's state.
    pub fn load_on_node(env: &Env, node_dir: &Path) -> Result<Settings, Error> {
        let mut settings = Settings::load(env)?;
        let named = env.get("AWS_ECR_CACHE_DIR").is_some() || env.cache_home_from_vars().is_some();
        if settings.cache_dir.is_some() && !named {
            settings.cache_dir = Some(node_dir.to_owned());
        }
        Ok(settings)
    }

    /// `registry` with the FIPS and dual-stack settings of the environment applied: the
    /// registry a token is fetched and cached for.
    pub fn effective(&self, registry: &Registry) -> Registry {
        registry
            .clone()
            .with_settings(self.use_fips, self.use_dual_stack)
    }

    /// [`Settings::load`], or for what must never fail (`list`) the defaults in place of
    /// whatever is broken, with a warning.
    pub fn load_or_defaults(env: &Env) -> Settings {
        Settings::load(env).unwrap_or_else(|e| {
            warn!("{e}; going on with the defaults");
            Settings {
                timeout: DEFAULT_TIMEOUT,
                deadline: env.started() + DEFAULT_TIMEOUT,
                refresh_window: DEFAULT_REFRESH_WINDOW,
                cache_dir: cache_dir(env),
                config: Config::default(),
                use_fips: flag(env, "AWS_USE_FIPS_ENDPOINT"),
                use_dual_stack: flag(env, "AWS_USE_DUALSTACK_ENDPOINT"),
                ignore_creds_storage: ignore_creds_storage(env),
            }
        })
    }
}

/// A boolean AWS setting read as the SDK reads it: `true` or `false` in any case. Anything
/// else is ignored with a warning, as the SDK ignores it, so both agree on the endpoint.
fn flag(env: &Env, var: &str) -> Option<bool> {
    let value = env.get(var)?;
    if value.eq_ignore_ascii_case("true") {
        Some(true)
    } else if value.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        warn!("{var}={value:?} is neither true nor false; ignoring it, as the AWS SDK does");
        None
    }
}

/// `AWS_ECR_IGNORE_CREDS_STORAGE`: on for `true` in any case, as the Go helper reads it
/// (which compares with `true`); any other value is off, with a warning, so a `1` that the
/// user meant as on does not go unnoticed.
fn ignore_creds_storage(env: &Env) -> bool {
    const VAR: &str = "AWS_ECR_IGNORE_CREDS_STORAGE";
    match env.get(VAR) {
        None => false,
        Some(v) if v.eq_ignore_ascii_case("true") => true,
        Some(v) if v.eq_ignore_ascii_case("false") => false,
        Some(v) => {
            warn!(
                "{VAR}={v:?} is neither true nor false; taking it as false, as the Go helper does"
            );
            false
        }
    }
}

/// The longest `AWS_ECR_TIMEOUT`: far beyond any fetch, and small enough that every deadline
/// computed from it is a time the clock can hold (a huge value would overflow the deadline and
/// abort the process with no answer for the client).
const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 3600);

/// `AWS_ECR_TIMEOUT`: a duration such as `15s`, `500ms`, `2m`, or plain seconds.
fn timeout(env: &Env) -> Result<Duration, Error> {
    let Some(v) = env.get("AWS_ECR_TIMEOUT") else {
        return Ok(DEFAULT_TIMEOUT);
    };
    let timeout = parse_duration(v).filter(|d| !d.is_zero()).ok_or_else(|| {
        Error::Config(format!("AWS_ECR_TIMEOUT={v:?} is not a duration (try 15s)"))
    })?;
    if timeout > MAX_TIMEOUT {
        return Err(Error::Config(format!(
            "AWS_ECR_TIMEOUT={v:?} is longer than a day (try 15s)"
        )));
    }
    Ok(timeout)
}

/// `AWS_ECR_CACHE_DIR`, else the platform cache directory's; `None` when disabled.
fn cache_dir(env: &Env) -> Option<PathBuf> {
    if env.get("AWS_ECR_DISABLE_CACHE").is_some() {
        return None;
    }
    match env.get("AWS_ECR_CACHE_DIR") {
        Some(dir) => Some(PathBuf::from(dir)),
        None => Some(env.cache_home()?.join(DIR_NAME)),
    }
}

/// The config file the helper reads, whether or not it exists (for `configure` to write).
pub fn config_file(env: &Env) -> Option<PathBuf> {
    config_path(env).map(|(path, _)| path)
}

/// `AWS_ECR_CONFIG` (explicit: it must exist), else the platform config directory's
/// `config.toml` (optional).
fn config_path(env: &Env) -> Option<(PathBuf, bool)> {
    match env.get("AWS_ECR_CONFIG") {
        Some(path) => Some((PathBuf::from(path), true)),
        None => Some((env.config_home()?.join(DIR_NAME).join("config.toml"), false)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts() {
        let t = |v| timeout(&Env::from_pairs([("AWS_ECR_TIMEOUT", v)]));
        assert_eq!(timeout(&Env::default()).unwrap(), DEFAULT_TIMEOUT);
        assert_eq!(t("3").unwrap(), Duration::from_secs(3));
        assert_eq!(t("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(t("1m30s").unwrap(), Duration::from_secs(90));
        assert_eq!(
            t("soon").unwrap_err().to_string(),
            r#"ecr-login: AWS_ECR_TIMEOUT="soon" is not a duration (try 15s)"#
        );
        assert!(t("0").is_err());
        assert_eq!(t("24h").unwrap(), MAX_TIMEOUT);
        // Beyond what a deadline can hold: an error, not an overflow.
        for huge in [
            "18446744073709551615",
            "9223372036854775807",
            "500000000000y",
            "25h",
        ] {
            assert_eq!(
                t(huge).unwrap_err().to_string(),
                format!("ecr-login: AWS_ECR_TIMEOUT={huge:?} is longer than a day (try 15s)")
            );
            assert!(Settings::load(&Env::from_pairs([("AWS_ECR_TIMEOUT", huge)])).is_err());
        }
    }

    #[test]
    fn locations_come_from_the_environment_given() {
        let home = tempfile::tempdir().unwrap();
        let home_str = home.path().to_str().unwrap();
        let local = home.path().join("AppData").join("Local");
        let local = local.to_str().unwrap();
        let homes = [
            ("HOME", home_str),
            ("USERPROFILE", home_str),
            ("LOCALAPPDATA", local),
        ];
        let env = Env::from_pairs(homes);
        let cache_dir = Settings::load(&env).unwrap().cache_dir.unwrap();
        assert_eq!(cache_dir, env.cache_home().unwrap().join(DIR_NAME));
        assert!(
            cache_dir.starts_with(home.path()),
            "{}",
            cache_dir.display()
        );
        let off = Env::from_pairs(homes.into_iter().chain([("AWS_ECR_DISABLE_CACHE", "1")]));
        assert_eq!(Settings::load(&off).unwrap().cache_dir, None);
    }

    /// The kubelet plugin as EKS's own config runs it: no `env`, no `HOME`. Its cache is
    /// then the node directory, not root's home from the passwd database; any variable that
    /// names one still wins, and the cache can still be turned off.
    #[cfg(all(unix, not(target_os = "macos")))]
    #[test]
    fn on_a_node_without_home_the_cache_is_the_node_directory() {
        let node = Path::new("/var/lib/kubelet/ecr-login-cache");
        let passwd = |env: Env| env.with_platform(Some(PathBuf::from("/root/.cache")), None);
        let cache = |pairs: &[(&str, &str)]| {
            Settings::load_on_node(&passwd(Env::from_pairs(pairs.iter().copied())), node)
                .unwrap()
                .cache_dir
        };
        assert_eq!(cache(&[]), Some(node.to_owned()));
        assert_eq!(cache(&[("PATH", "/usr/bin")]), Some(node.to_owned()));
        assert_eq!(
            cache(&[("HOME", "/home/k")]),
            Some(PathBuf::from("/home/k/.cache").join(DIR_NAME))
        );
        assert_eq!(
            cache(&[("XDG_CACHE_HOME", "/x")]),
            Some(PathBuf::from("/x").join(DIR_NAME))
        );
        assert_eq!(
            cache(&[("AWS_ECR_CACHE_DIR", "/c")]),
            Some(PathBuf::from("/c"))
        );
        assert_eq!(cache(&[("AWS_ECR_DISABLE_CACHE", "1")]), None);
        // Every other command still takes the operating system's answer.
        assert_eq!(
            Settings::load(&passwd(Env::default())).unwrap().cache_dir,
            Some(PathBuf::from("/root/.cache").join(DIR_NAME))
        );
    }

    #[test]
    fn endpoint_flags_read_as_the_sdk_reads_them() {
        let f = |v| {
            flag(
                &Env::from_pairs([("AWS_USE_FIPS_ENDPOINT", v)]),
                "AWS_USE_FIPS_ENDPOINT",
            )
        };
        assert_eq!(
            (f("true"), f("TRUE"), f("True")),
            (Some(true), Some(true), Some(true))
        );
        assert_eq!((f("false"), f("FALSE")), (Some(false), Some(false)));
        assert_eq!((f("yes"), f("1"), f("")), (None, None, None));
        let env = Env::from_pairs([
            ("AWS_USE_FIPS_ENDPOINT", "true"),
            ("AWS_USE_DUALSTACK_ENDPOINT", "false"),
            ("AWS_ECR_DISABLE_CACHE", "1"),
        ]);
        let settings = Settings::load(&env).unwrap();
        let plain = Registry::parse("123456789012.dkr.ecr.us-east-1.amazonaws.com").unwrap();
        let effective = settings.effective(&plain);
        assert!(effective.fips && !effective.dual_stack);
    }

    #[test]
    fn the_refresh_window_prefers_the_environment_then_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "refresh_window = \"20m\"\n").unwrap();
        let file = file.to_str().unwrap();
        let from_file = Env::from_pairs([("AWS_ECR_CONFIG", file)]);
        assert_eq!(
            Settings::load(&from_file).unwrap().refresh_window,
            Duration::from_secs(1200)
        );
        let both = Env::from_pairs([("AWS_ECR_CONFIG", file), ("AWS_ECR_REFRESH_WINDOW", "5m")]);
        assert_eq!(
            Settings::load(&both).unwrap().refresh_window,
            Duration::from_secs(300)
        );
        let neither = Env::from_pairs([("HOME", dir.path().to_str().unwrap())]);
        assert_eq!(
            Settings::load(&neither).unwrap().refresh_window,
            DEFAULT_REFRESH_WINDOW
        );
    }
}
