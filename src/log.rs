//! Diagnostics on stderr, which docker, skopeo and oras show to the user.
//!
//! `AWS_ECR_LOG=debug|info|warn|error|off` picks the level (default `warn`). stdout belongs to
//! the protocol, so nothing here ever writes there. Callers pass messages that hold no secret:
//! tokens and passwords travel as [`crate::secret::Secret`], whose `Debug` is redacted.

use std::fmt;
use std::io::Write;
use std::sync::atomic::{AtomicU8, Ordering};

use crate::env::Env;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum Level {
    Off = 0,
    Error = 1,
    Warn = 2,
    Info = 3,
    Debug = 4,
}

static LEVEL: AtomicU8 = AtomicU8::new(Level::Warn as u8);

/// Sets the level from `AWS_ECR_LOG`; an unknown value keeps the default and says so.
pub fn init(env: &Env) {
    let Some(value) = env.get("AWS_ECR_LOG") else {
        return;
    };
    let level = match value.to_ascii_lowercase().as_str() {
        "off" | "none" => Level::Off,
        "error" => Level::Error,
        "warn" | "warning" => Level::Warn,
        "info" => Level::Info,
        "debug" | "trace" => Level::Debug,
        _ => {
            emit(
                Level::Warn,
                "warning: ",
                format_args!("AWS_ECR_LOG={value:?} is not one of debug, info, warn, error, off"),
            );
            return;
        }
    };
    LEVEL.store(level as u8, Ordering::Relaxed);
}

pub fn enabled(level: Level) -> bool {
    level as u8 <= LEVEL.load(Ordering::Relaxed)
}

pub fn emit(level: Level, label: &str, message: fmt::Arguments<'_>) {
    if enabled(level) {
        // Messages echo input (hosts, role ARNs): escaped, one line stays one line.
        let text = message.to_string();
        let text = crate::error::escape_controls(&text);
        // A closed stderr is no reason to fail a credential request.
        let _ = writeln!(std::io::stderr().lock(), "ecr-login: {label}{text}");
    }
}

/// `debug!("...", args)`: a line at debug level.
macro_rules! debug {
    ($($arg:tt)*) => {
        $crate::log::emit($crate::log::Level::Debug, "debug: ", format_args!($($arg)*))
    };
}

/// `warn!("...", args)`: a warning line.
macro_rules! warning {
    ($($arg:tt)*) => {
        $crate::log::emit($crate::log::Level::Warn, "warning: ", format_args!($($arg)*))
    };
}

// `warn` itself is a built-in attribute's name, so the macro is defined under another one.
pub(crate) use {debug, warning as warn};
