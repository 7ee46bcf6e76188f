//! Diagnostics on stderr, which docker, skopeo and oras show to the user, and in the log file.
//!
//! `AWS_ECR_LOG=debug|info|warn|error|off` picks the stderr level (default `warn`). stdout
//! belongs to the protocol, so nothing here ever writes there. Callers pass messages that hold
//! no secret: tokens and passwords travel as [`crate::secret::Secret`], whose `Debug` is
//! redacted.
//!
//! `AWS_ECR_LOG_FILE` ([`file`](mod@file)) gets every line at every level, debug included, whatever
//! `AWS_ECR_LOG` says, plus the failure a protocol verb answers on stdout. Whoever sets it wants
//! a record to read after the fact (dockerd and Docker Desktop drop our stderr), and the cause of
//! a failure is often in the debug lines (which credentials, which endpoint, hit or miss); the
//! cap bounds what that costs. stderr, which clients print to users, stays at its level.

pub mod file;

use std::fmt;
use std::io::Write;
use std::path::Path;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU8, Ordering};

use crate::env::Env;
use file::LogFile;

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

static FILE: OnceLock<LogFile> = OnceLock::new();

/// Sets the level from `AWS_ECR_LOG` (an unknown value keeps the default and says so) and the
/// log file from `AWS_ECR_LOG_FILE`.
pub fn init(env: &Env) {
    if let Some(path) = env.get("AWS_ECR_LOG_FILE") {
        let _ = FILE.set(LogFile::new(path.into()));
    }
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
    let file = FILE.get();
    if !enabled(level) && file.is_none() {
        return;
    }
    // Messages echo input (hosts, role ARNs): escaped, one line stays one line.
    let text = message.to_string();
    let line = format!(
        "ecr-login: {label}{}",
        crate::escape::escape_controls(&text)
    );
    if enabled(level) {
        // A closed stderr is no reason to fail a credential request.
        let _ = writeln!(std::io::stderr().lock(), "{line}");
    }
    if let Some(file) = file {
        file.append(&line);
    }
}

/// Puts `line` in the log file only (it went to the user some other way: a protocol answer
/// on stdout, a command's error written to stderr by the front end).
pub fn record(label: &str, line: &str) {
    if let Some(file) = FILE.get() {
        file.append(&format!("{label}{}", crate::escape::escape_controls(line)));
    }
}

/// The log file, when `AWS_ECR_LOG_FILE` set one.
pub fn file_path() -> Option<&'static Path> {
    FILE.get().map(LogFile::path)
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
