//! Setting `fallback_helper` in the config file (`configure --fallback-helper`).
//!
//! The file is the user's: its comments, order and other keys stay as they were, and only the
//! one value changes (a format-preserving TOML edit), so running it again changes nothing. A
//! broken file is refused, naming its line, rather than rewritten: the user's mistake is theirs
//! to see. The name is checked by the same rule as when the file is read, so what is written
//! is always a file the helper accepts.

use std::path::Path;

use toml_edit::{DocumentMut, Item, Value};

use super::{Config, helper_name};
use crate::error::Error;

const KEY: &str = "fallback_helper";

/// The config file's new text with `fallback_helper = "<name>"` (`text`: the file's, `None`
/// when there is none), and the config it then is.
pub fn with_fallback_helper(
    text: Option<&str>,
    name: &str,
    path: &Path,
) -> Result<(String, Config), Error> {
    let name = helper_name::check(name).map_err(Error::Config)?;
    let text = text.unwrap_or_default();
    Config::parse(text, path.to_owned())?;
    let mut document: DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
        Error::Config(format!(
            "config file {}: {}",
            path.display(),
            crate::escape::one_line(e.message())
        ))
    })?;
    match document.get_mut(KEY).and_then(Item::as_value_mut) {
        // The comment after the old value, and the spacing around it, stay.
        Some(value) => {
            let decor = value.decor().clone();
            *value = Value::from(name);
            *value.decor_mut() = decor;
        }
        // A new top-level key goes with the others, before the first [table].
        None => {
            document.insert(KEY, toml_edit::value(name));
        }
    }
    let new = document.to_string();
    let config = Config::parse(&new, path.to_owned())?;
    Ok((new, config))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(text: Option<&str>, name: &str) -> Result<String, String> {
        with_fallback_helper(text, name, Path::new("/c.toml"))
            .map(|(text, config)| {
                assert_eq!(config.fallback_helper.as_deref(), Some(name));
                text
            })
            .map_err(|e| e.to_string())
    }

    #[test]
    fn only_the_value_changes() {
        assert_eq!(set(None, "pass").unwrap(), "fallback_helper = \"pass\"\n");
        assert_eq!(
            set(Some(""), "pass").unwrap(),
            "fallback_helper = \"pass\"\n"
        );
        let file = "# mine\nrefresh_window = \"30m\"\n\n# other registries\nfallback_helper   =   'desktop'  # keeps ghcr.io\n\n[registries.\"localhost:5443\"]\n# a tunnel\nalias_of = \"123456789012.dkr.ecr.eu-west-1.amazonaws.com\"\n";
        assert_eq!(
            set(Some(file), "pass").unwrap(),
            file.replace("'desktop'", "\"pass\"")
        );
        let without = "# mine\nrefresh_window = \"30m\"\n\n[registries.\"localhost:5443\"]\nalias_of = \"123456789012.dkr.ecr.eu-west-1.amazonaws.com\"\n";
        let with = set(Some(without), "secretservice").unwrap();
        assert_eq!(
            with,
            without.replace(
                "\"30m\"\n",
                "\"30m\"\nfallback_helper = \"secretservice\"\n"
            )
        );
        assert_eq!(
            set(Some(&with), "secretservice").unwrap(),
            with,
            "idempotent"
        );
    }

    #[test]
    fn a_bad_name_or_a_broken_file_is_refused() {
        let err = set(None, "../bin/sh").unwrap_err();
        assert!(err.contains("is not a helper name"), "{err}");
        let err = set(None, "ecr-login").unwrap_err();
        assert!(err.contains("is this helper itself"), "{err}");
        let err = set(Some("refresh_window = \"1h\"\n[registries\n"), "pass").unwrap_err();
        assert!(
            err.starts_with("ecr-login: config file /c.toml, line 2: "),
            "{err}"
        );
        let err = set(Some("refresh_window = 5\n"), "pass").unwrap_err();
        assert!(
            err.starts_with("ecr-login: config file /c.toml, line 1: "),
            "{err}"
        );
        assert!(!err.contains('\n'));
    }
}
