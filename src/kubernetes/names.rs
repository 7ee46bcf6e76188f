//! The syntax Kubernetes holds names, label keys and label values to, checked here so that a
//! bad flag or chart value is a usage error before any call rather than the API server's
//! refusal in every namespace after the token was fetched.
//!
//! The rules are apimachinery's (`IsDNS1123Subdomain`, `IsQualifiedName`, `IsValidLabelValue`);
//! each check returns what is wrong as a phrase for the caller's message.

/// Longest label value, and longest name part of a qualified name.
const MAX_NAME_PART: usize = 63;
/// Longest DNS subdomain (an object name, a label key's prefix).
const MAX_SUBDOMAIN: usize = 253;

/// A DNS-1123 subdomain: dot-separated lower-case alphanumeric labels with inner `-`.
pub fn dns_subdomain(text: &str) -> Result<(), String> {
    if text.is_empty() || text.len() > MAX_SUBDOMAIN {
        return Err(format!(
            "must be 1 to {MAX_SUBDOMAIN} characters (a DNS subdomain)"
        ));
    }
    let label_ok = |label: &str| {
        !label.is_empty()
            && label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    if text.split('.').all(label_ok) {
        Ok(())
    } else {
        Err("must be lower-case letters, digits, '-' and '.', each dot-separated part starting and ending with a letter or digit (a DNS subdomain)".into())
    }
}

/// The name part of a qualified name, or a non-empty label value: at most 63 characters,
/// alphanumeric at both ends, `-`, `_` and `.` inside.
fn name_part(text: &str) -> bool {
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    !text.is_empty()
        && text.len() <= MAX_NAME_PART
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && edge(text.chars().next())
        && edge(text.chars().last())
}

/// A label or annotation key: `[prefix/]name`, the prefix a DNS subdomain.
pub fn qualified_name(key: &str) -> Result<(), String> {
    let (prefix, name) = match key.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    if let Some(prefix) = prefix {
        dns_subdomain(prefix).map_err(|e| format!("its prefix {prefix:?} {e}"))?;
    }
    if name_part(name) {
        Ok(())
    } else {
        Err(format!(
            "its name {name:?} must be 1 to {MAX_NAME_PART} letters, digits, '-', '_' or '.', starting and ending with a letter or digit (a qualified name: [prefix/]name)"
        ))
    }
}

/// A label value: empty, or like the name part of a key.
pub fn label_value(value: &str) -> Result<(), String> {
    if value.is_empty() || name_part(value) {
        Ok(())
    } else {
        Err(format!(
            "must be empty or at most {MAX_NAME_PART} letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualified_names() {
        for good in [
            "app",
            "a",
            "app.kubernetes.io/name",
            "example.com/Team_1",
            "x/y.z",
            &"k".repeat(63),
            &format!("{}/n", "p".repeat(253)),
        ] {
            assert!(qualified_name(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "/name",
            "prefix/",
            "a/b/c",
            "Upper.Prefix/x",
            "-lead",
            "trail_",
            "sp ace",
            "ünï",
            "a..b/x",
            &"k".repeat(64),
            &format!("{}/n", "p".repeat(254)),
        ] {
            assert!(qualified_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn label_values() {
        for good in ["", "v1", "A-b_c.d", &"v".repeat(63)] {
            assert!(label_value(good).is_ok(), "{good}");
        }
        for bad in ["-x", "x-", "a b", "a/b", "é", &"v".repeat(64), "a\nb"] {
            assert!(label_value(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn subdomains() {
        assert!(dns_subdomain("ecr-pull.v1").is_ok());
        for bad in ["", "a.", ".a", "a..b", "A", "a_b", "-a", "a-.b"] {
            assert!(dns_subdomain(bad).is_err(), "{bad}");
        }
    }
}
