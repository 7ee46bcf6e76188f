//! The name of the fallback helper, as the config file gives it.
//!
//! The name is checked where the file is read, so a bad one is a config error naming the line,
//! not a failure at the moment some other registry is asked for; the fallback helper itself
//! (`docker::fallback`) runs only a name that passed here.

/// A fallback helper's name becomes part of a program name looked up on PATH: a path
/// separator, `..` or a space would make it name some other file, and our own name would make
/// every non-ECR request call us again.
pub fn check(name: &str) -> Result<&str, String> {
    let plain = name.len() <= 100
        && name
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && !name.contains("..");
    if !plain {
        return Err(format!(
            "fallback_helper {name:?} is not a helper name: give the part after \
             docker-credential- (\"pass\", \"secretservice\", \"osxkeychain\", \"wincred\", \
             \"desktop\"), without a path"
        ));
    }
    // Case-insensitive: Windows and macOS file systems find `ECR-Login` under our name.
    let lower = name.to_ascii_lowercase();
    if lower == "ecr-login" || lower == "ecr-login.exe" {
        return Err(format!(
            "fallback_helper {name:?} is this helper itself, which would call itself for every \
             registry that is not ECR; name the helper that keeps your other registries' \
             credentials (\"pass\", \"desktop\", ...)"
        ));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_plain_and_not_ours() {
        for good in [
            "pass",
            "secretservice",
            "osxkeychain",
            "wincred",
            "desktop",
            "dev-containers-1a2b.c_d",
        ] {
            assert_eq!(check(good), Ok(good));
        }
        for bad in [
            "",
            "../bin/sh",
            "a/b",
            "a\\b",
            "pass word",
            "-x",
            ".hidden",
            "a..b",
            "C:x",
            "p\n",
        ] {
            let err = check(bad).unwrap_err();
            assert!(err.contains("is not a helper name"), "{bad:?}: {err}");
        }
        for ours in ["ecr-login", "ECR-Login", "ecr-login.exe"] {
            let err = check(ours).unwrap_err();
            assert!(err.contains("is this helper itself"), "{ours:?}: {err}");
        }
    }
}
