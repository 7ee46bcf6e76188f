//! The process environment, read in one place.
//!
//! Every variable of ours is looked up here, and so are the home directory and the platform's
//! cache and config directories, so unit tests can hand in a made-up environment instead of
//! mutating the real one, and so the list of what we read stays in one file. (The AWS SDK reads
//! its own variables, `AWS_PROFILE`, `AWS_ENDPOINT_URL_*` and the like, from the process
//! itself.)
//!
//! Our cache and config directories are the platform's, found by one rule: first from the
//! variables the platform's own rules read (`XDG_CACHE_HOME`/`XDG_CONFIG_HOME`, else `HOME`,
//! on Linux and other Unix systems; `HOME` on macOS; `LOCALAPPDATA`/`APPDATA` on Windows),
//! then, where those name none, from the operating system through `directories`: the passwd
//! database when `HOME` is unset (a program started by systemd), the known-folder API on
//! Windows. The kubelet plugin on a Unix node has its own fallback for the cache, the node
//! directory of [`crate::settings::Settings::load_on_node`]. The variables come first because that is where every path was found before, where
//! Go's helper looks (`os.UserCacheDir` reads the same ones), and what a test can inject: the
//! known-folder API ignores them. Only the real process asks the operating system
//! ([`Env::from_process`]); a made-up environment has the variables it was given and nothing
//! else.
//!
//! The home directory itself ([`Env::home`]) is the variables' alone, by the AWS SDK's rule
//! (`HOME`, then `USERPROFILE` on Windows): the SDK and kubectl find their files from the
//! variables, never from the passwd database, and we must look where they look. Docker's own
//! config is found by docker's rule instead (`crate::docker::config`).

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct Env {
    vars: HashMap<String, String>,
    /// When the process (or the test's made-up one) started: every bound counts from here.
    started: Instant,
    /// Where the cache and config directories come from when the variables name none.
    platform: Platform,
}

/// The operating system's answer for the directories the variables leave out.
#[derive(Debug, Clone)]
enum Platform {
    /// Asked through `directories`, when needed: the real process.
    Ask,
    /// Made up, for tests; none by default.
    Given {
        cache: Option<PathBuf>,
        config: Option<PathBuf>,
    },
}

impl Platform {
    fn cache(&self) -> Option<PathBuf> {
        match self {
            Platform::Ask => directories::BaseDirs::new().map(|dirs| dirs.cache_dir().to_owned()),
            Platform::Given { cache, .. } => cache.clone(),
        }
    }

    fn config(&self) -> Option<PathBuf> {
        match self {
            Platform::Ask => directories::BaseDirs::new().map(|dirs| dirs.config_dir().to_owned()),
            Platform::Given { config, .. } => config.clone(),
        }
    }
}

impl Default for Env {
    fn default() -> Self {
        Env::from_pairs([])
    }
}

impl Env {
    /// A snapshot of the real environment, with the operating system to ask for the
    /// directories the variables leave out. Variables that are not valid UTF-8 are skipped:
    /// none of ours can be, and the SDK reads its own.
    pub fn from_process() -> Self {
        Env {
            vars: std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
            started: Instant::now(),
            platform: Platform::Ask,
        }
    }

    /// This environment with made-up answers of the operating system, for tests.
    #[cfg(test)]
    pub fn with_platform(self, cache: Option<PathBuf>, config: Option<PathBuf>) -> Self {
        Env {
            platform: Platform::Given { cache, config },
            ..self
        }
    }

    /// A made-up environment, for tests: these variables and no platform directories.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Env {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            started: Instant::now(),
            platform: Platform::Given {
                cache: None,
                config: None,
            },
        }
    }

    /// Every variable, for a library that takes the environment as a map (the AWS SDK's
    /// profile loader).
    pub fn to_map(&self) -> HashMap<String, String> {
        self.vars.clone()
    }

    /// A variable's value; unset and empty are the same thing, as for most AWS variables.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.vars
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// `PATH`, the program search path. Windows spells it `Path` and matches variable names
    /// without regard to case.
    pub fn search_path(&self) -> Option<&str> {
        if cfg!(windows) {
            self.vars
                .iter()
                .find(|(k, v)| k.eq_ignore_ascii_case("PATH") && !v.is_empty())
                .map(|(_, v)| v.as_str())
        } else {
            self.get("PATH")
        }
    }

    pub fn started(&self) -> Instant {
        self.started
    }

    /// The AWS profile the SDK will use when nothing else picks one.
    pub fn profile(&self) -> Option<&str> {
        self.get("AWS_PROFILE")
            .or_else(|| self.get("AWS_DEFAULT_PROFILE"))
    }

    /// The user's home directory, from the variables alone (see the module's docs), by the
    /// AWS SDK's rule: `HOME`, then on Windows `USERPROFILE`, then `HOMEDRIVE` + `HOMEPATH`.
    /// The cache key is computed from the AWS files found under it, so it must be exactly the
    /// home the SDK reads them from: on Windows with only `USERPROFILE` set, any other rule
    /// would fingerprint files the SDK never reads and miss an edit of the ones it does.
    pub fn home(&self) -> Option<PathBuf> {
        if let Some(home) = self.get("HOME") {
            return Some(PathBuf::from(home));
        }
        if !cfg!(windows) {
            return None;
        }
        if let Some(profile) = self.get("USERPROFILE") {
            return Some(PathBuf::from(profile));
        }
        self.home_drive_path().map(PathBuf::from)
    }

    /// Windows' `%HOMEDRIVE%%HOMEPATH%`, when both are set.
    pub fn home_drive_path(&self) -> Option<String> {
        Some(format!(
            "{}{}",
            self.get("HOMEDRIVE")?,
            self.get("HOMEPATH")?
        ))
    }

    /// `path` with a leading `~` component replaced by [`Env::home`], as the AWS SDK expands
    /// `AWS_CONFIG_FILE` and the like (`~/` anywhere, `~\` too on Windows); unchanged when it
    /// has none or no home is known.
    pub fn expand_home(&self, path: &str) -> PathBuf {
        let path = std::path::Path::new(path);
        let mut components = path.components();
        match (components.next(), self.home()) {
            (Some(std::path::Component::Normal(first)), Some(home)) if first == "~" => {
                home.join(components.as_path())
            }
            _ => path.to_owned(),
        }
    }

    /// The platform's per-user cache directory: `$XDG_CACHE_HOME` or `~/.cache` on Linux and
    /// other Unix systems, `~/Library/Caches` on macOS, `%LOCALAPPDATA%` on Windows; else the
    /// operating system's answer.
    pub fn cache_home(&self) -> Option<PathBuf> {
        self.cache_home_from_vars()
            .or_else(|| self.platform.cache())
    }

    /// [`Env::cache_home`] as the variables alone give it, without asking the operating
    /// system: `None` when they name none (a kubelet plugin run by systemd).
    pub fn cache_home_from_vars(&self) -> Option<PathBuf> {
        if cfg!(windows) {
            self.get("LOCALAPPDATA").map(PathBuf::from)
        } else if cfg!(target_os = "macos") {
            self.home().map(|home| home.join("Library/Caches"))
        } else {
            self.xdg("XDG_CACHE_HOME", ".cache")
        }
    }

    /// The platform's per-user config directory: `$XDG_CONFIG_HOME` or `~/.config` on Linux
    /// and other Unix systems, `~/Library/Application Support` on macOS, `%APPDATA%` on
    /// Windows; else the operating system's answer.
    pub fn config_home(&self) -> Option<PathBuf> {
        let from_vars = if cfg!(windows) {
            self.get("APPDATA").map(PathBuf::from)
        } else if cfg!(target_os = "macos") {
            self.home()
                .map(|home| home.join("Library/Application Support"))
        } else {
            self.xdg("XDG_CONFIG_HOME", ".config")
        };
        from_vars.or_else(|| self.platform.config())
    }

    /// An XDG base directory: the variable if it holds an absolute path (the spec says to
    /// ignore a relative one), else `~/<fallback>`.
    fn xdg(&self, var: &str, fallback: &str) -> Option<PathBuf> {
        match self.get(var).map(PathBuf::from) {
            Some(path) if path.is_absolute() => Some(path),
            _ => Some(self.home()?.join(fallback)),
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

    #[cfg(all(unix, not(target_os = "macos")))]
    #[test]
    fn xdg_directories() {
        let env = Env::from_pairs([("HOME", "/home/u")]);
        assert_eq!(env.cache_home().unwrap(), PathBuf::from("/home/u/.cache"));
        assert_eq!(env.config_home().unwrap(), PathBuf::from("/home/u/.config"));
        let env = Env::from_pairs([
            ("HOME", "/home/u"),
            ("XDG_CACHE_HOME", "/fast/cache"),
            ("XDG_CONFIG_HOME", "relative/is/ignored"),
        ]);
        assert_eq!(env.cache_home().unwrap(), PathBuf::from("/fast/cache"));
        assert_eq!(env.config_home().unwrap(), PathBuf::from("/home/u/.config"));
        assert_eq!(Env::default().cache_home(), None);
    }

    #[cfg(target_os = "macos")]
    #[test]
    fn macos_directories() {
        let env = Env::from_pairs([("HOME", "/Users/u"), ("XDG_CACHE_HOME", "/not/on/macos")]);
        assert_eq!(
            env.cache_home().unwrap(),
            PathBuf::from("/Users/u/Library/Caches")
        );
        assert_eq!(
            env.config_home().unwrap(),
            PathBuf::from("/Users/u/Library/Application Support")
        );
        assert_eq!(Env::default().cache_home(), None);
    }

    /// A made-up operating system whose answers differ from anything the variables give.
    fn with_platform(env: Env) -> Env {
        env.with_platform(
            Some(PathBuf::from("/os/cache")),
            Some(PathBuf::from("/os/config")),
        )
    }

    #[test]
    fn the_operating_system_answers_where_the_variables_name_nothing() {
        let bare = with_platform(Env::default());
        assert_eq!(bare.cache_home(), Some(PathBuf::from("/os/cache")));
        assert_eq!(bare.cache_home_from_vars(), None);
        assert_eq!(bare.config_home(), Some(PathBuf::from("/os/config")));
        // The home stays the variable's: the SDK and kubectl look nowhere else.
        assert_eq!(bare.home(), None);
    }

    #[test]
    fn the_variables_win_over_the_operating_system() {
        let vars: &[(&str, &str)] = if cfg!(windows) {
            &[("LOCALAPPDATA", "C:\\L"), ("APPDATA", "C:\\R")]
        } else {
            &[("HOME", "/home/u")]
        };
        let env = with_platform(Env::from_pairs(vars.iter().copied()));
        let (cache, config) = if cfg!(windows) {
            ("C:\\L", "C:\\R")
        } else if cfg!(target_os = "macos") {
            (
                "/home/u/Library/Caches",
                "/home/u/Library/Application Support",
            )
        } else {
            ("/home/u/.cache", "/home/u/.config")
        };
        assert_eq!(env.cache_home(), Some(PathBuf::from(cache)));
        assert_eq!(env.config_home(), Some(PathBuf::from(config)));
    }

    /// The real operating system, asked with none of the variables: a program started by
    /// systemd (no `HOME`) still gets a cache, from the passwd database; on Windows the
    /// known-folder API answers.
    #[test]
    fn the_real_process_asks_the_operating_system() {
        let env = Env {
            platform: Platform::Ask,
            ..Env::default()
        };
        let cache = env
            .cache_home()
            .expect("the operating system names a cache directory");
        let config = env.config_home().expect("and a config directory");
        assert!(cache.is_absolute(), "{}", cache.display());
        assert!(config.is_absolute(), "{}", config.display());
    }

    /// The AWS SDK's rule on every platform: `HOME`; then, on Windows only, `USERPROFILE`,
    /// then `HOMEDRIVE` + `HOMEPATH`.
    #[test]
    fn home_is_found_as_the_aws_sdk_finds_it() {
        let both = Env::from_pairs([("HOME", "/h"), ("USERPROFILE", "C:\\Users\\u")]);
        assert_eq!(both.home(), Some(PathBuf::from("/h")));
        let profile = Env::from_pairs([("USERPROFILE", "C:\\Users\\u"), ("HOMEDRIVE", "D:")]);
        let drive = Env::from_pairs([("HOMEDRIVE", "D:"), ("HOMEPATH", "\\Users\\d")]);
        if cfg!(windows) {
            assert_eq!(profile.home(), Some(PathBuf::from("C:\\Users\\u")));
            assert_eq!(drive.home(), Some(PathBuf::from("D:\\Users\\d")));
        } else {
            assert_eq!(profile.home(), None);
            assert_eq!(drive.home(), None);
        }
        assert_eq!(Env::from_pairs([("HOMEDRIVE", "D:")]).home(), None);
    }

    /// `~` as the first component only, as the SDK expands `AWS_CONFIG_FILE` and the like.
    #[test]
    fn a_leading_tilde_is_the_home() {
        let env = Env::from_pairs([("HOME", "/h")]);
        assert_eq!(env.expand_home("~/.aws/x"), PathBuf::from("/h/.aws/x"));
        assert_eq!(env.expand_home("~"), PathBuf::from("/h"));
        assert_eq!(env.expand_home("/a/~/b"), PathBuf::from("/a/~/b"));
        assert_eq!(env.expand_home("~user/x"), PathBuf::from("~user/x"));
        assert_eq!(Env::default().expand_home("~/x"), PathBuf::from("~/x"));
        if cfg!(windows) {
            assert_eq!(env.expand_home("~\\x"), PathBuf::from("/h").join("x"));
        }
    }

    #[cfg(windows)]
    #[test]
    fn windows_directories() {
        let env = Env::from_pairs([
            ("HOME", "C:\\msys\\home\\u"),
            ("USERPROFILE", "C:\\Users\\u"),
            ("LOCALAPPDATA", "C:\\Users\\u\\AppData\\Local"),
            ("APPDATA", "C:\\Users\\u\\AppData\\Roaming"),
        ]);
        // HOME first, as the AWS SDK has it (an MSYS or Git Bash shell sets it).
        assert_eq!(env.home().unwrap(), PathBuf::from("C:\\msys\\home\\u"));
        assert_eq!(
            env.cache_home().unwrap(),
            PathBuf::from("C:\\Users\\u\\AppData\\Local")
        );
        assert_eq!(
            env.config_home().unwrap(),
            PathBuf::from("C:\\Users\\u\\AppData\\Roaming")
        );
    }
}
