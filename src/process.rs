//! The programs we run: finding them, and ending what they started when the deadline comes.
//!
//! Three kinds of program run on our behalf: a profile's `credential_process` (the AWS SDK
//! starts it), the fallback helper and a kubeconfig's exec plugin. Each is found only through
//! absolute `PATH` entries ([`find_program`]): a relative entry (`.`, an empty one) would run
//! whatever file of that name lies in the directory the client happened to start in.
//!
//! The AWS SDK runs `credential_process` with `sh -c` and does not kill it when the fetch is
//! abandoned, so a hung one (and whatever it started) would outlive us, holding its terminal,
//! its files and its memory, once per `docker pull`. We cannot change how the SDK spawns it (no
//! process group of its own), and the fallback must stay in our process group so that a
//! passphrase prompt can read the terminal; so at the deadline we find our descendants by their
//! parent ids and kill them.
//!
//! A child that its parent left behind (`(cmd &)` in a script, a double fork) would be handed
//! to init and out of that walk's sight, so before a fetch we make ourselves the "subreaper"
//! that such orphans are handed to instead ([`adopt_orphans`]). It stays so for the rest of
//! the command: a program a `credential_process` left running in our session after a fetch
//! that succeeded is also stopped if a later program of the same command (a kubeconfig's exec
//! plugin) hangs until the deadline, as it would have been had it still had its parent.
//!
//! Killing every descendant is right because this is a short-lived, single-purpose process: at
//! the deadline of a fetch, whatever it has started belongs to that fetch (the fallback helper
//! only ever runs for hosts that are not ECR, never during one). Except a program that left
//! our session on purpose (`setsid`, as a `gpg-agent` that `pass` starts does): it is a
//! service the user shares with other programs, not part of the hung call, so it and what it
//! started are left alone.
//!
//! Linux only: it reads `/proc`. On other systems (macOS, Windows) only the child we started
//! ourselves is killed (the fallback helper, an exec plugin); a hung `credential_process` is
//! left to the operating system, as the SDK leaves it, and outlives us.

use std::path::{Path, PathBuf};

use crate::env::Env;

#[cfg(target_os = "linux")]
use crate::log::debug;

/// How many times to look again for processes started while we were stopping the others.
#[cfg(target_os = "linux")]
const ROUNDS: usize = 8;

/// `program` in the absolute directories of `PATH`, the first that holds an executable file
/// of that name. Relative entries (an empty one is the current directory) are skipped, as Go's
/// `exec.LookPath` (and so docker) and kubectl skip them.
pub fn find_program(program: &str, env: &Env) -> Option<PathBuf> {
    std::env::split_paths(env.search_path().unwrap_or_default())
        .filter(|dir| dir.is_absolute())
        .map(|dir| dir.join(program))
        .find(|candidate| is_executable(candidate))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file())
}

/// Kills every descendant of this process still in our session; returns how many were
/// signalled.
///
/// They are all stopped first, then killed: a parent killed first would hand its children to
/// init, out of our sight, and a process still running could start new ones while we walk.
/// A descendant in another session detached on purpose: it and its subtree are left alone.
#[cfg(target_os = "linux")]
pub fn kill_descendants() -> usize {
    use rustix::process::{Signal, getpid, kill_process};

    let me = getpid();
    let Some(session) = live_processes()
        .into_iter()
        .find(|p| p.pid == me)
        .map(|p| p.session)
    else {
        return 0;
    };
    let mut found = Vec::new();
    for _ in 0..ROUNDS {
        let table = live_processes();
        let mut new = Vec::new();
        let mut frontier = vec![me];
        while let Some(parent) = frontier.pop() {
            for &Process {
                pid,
                ppid,
                session: theirs,
            } in &table
            {
                if ppid == parent
                    && theirs == session
                    && !found.contains(&pid)
                    && !new.contains(&pid)
                {
                    new.push(pid);
                    frontier.push(pid);
                }
            }
        }
        if new.is_empty() {
            break;
        }
        for &pid in &new {
            let _ = kill_process(pid, Signal::STOP);
        }
        found.extend(new);
    }
    for &pid in &found {
        let _ = kill_process(pid, Signal::KILL);
    }
    if !found.is_empty() {
        debug!("killed {} processes left by the fetch", found.len());
    }
    found.len()
}

/// Not available: see the module documentation.
#[cfg(not(target_os = "linux"))]
pub fn kill_descendants() -> usize {
    0
}

/// Makes this process the one that orphans among its descendants are handed to (Linux's
/// "child subreaper"), so that a `credential_process` that detached a child (`(cmd &)`, a
/// double fork) cannot hide it from [`kill_descendants`]: the orphan's parent becomes us, not
/// init. Best effort: without it only the orphans stay out of reach, as before.
#[cfg(target_os = "linux")]
pub fn adopt_orphans() {
    let _ = rustix::process::set_child_subreaper(Some(rustix::process::getpid()));
}

/// Not available: see the module documentation.
#[cfg(not(target_os = "linux"))]
pub fn adopt_orphans() {}

/// A process as `/proc` shows it.
#[cfg(target_os = "linux")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Process {
    pid: rustix::process::Pid,
    ppid: rustix::process::Pid,
    session: i32,
}

/// Every process that is not a zombie (a zombie is already dead).
#[cfg(target_os = "linux")]
fn live_processes() -> Vec<Process> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|entry| {
            let pid: i32 = entry.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            let Stat {
                state,
                ppid,
                session,
            } = parse_stat(&stat)?;
            if matches!(state, 'Z' | 'X' | 'x') {
                return None;
            }
            Some(Process {
                pid: rustix::process::Pid::from_raw(pid)?,
                ppid: rustix::process::Pid::from_raw(ppid)?,
                session,
            })
        })
        .collect()
}

/// The fields of `/proc/<pid>/stat` we use.
#[cfg(target_os = "linux")]
#[derive(Debug, PartialEq, Eq)]
struct Stat {
    state: char,
    ppid: i32,
    session: i32,
}

/// `/proc/<pid>/stat` is `pid (comm) state ppid pgrp session ...`, where `comm` may itself hold
/// spaces and parentheses, so the fields start after the last `)`.
#[cfg(target_os = "linux")]
fn parse_stat(stat: &str) -> Option<Stat> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let ppid = fields.next()?.parse().ok()?;
    let _group = fields.next()?;
    let session = fields.next()?.parse().ok()?;
    Some(Stat {
        state,
        ppid,
        session,
    })
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_with_odd_names_parse() {
        let stat = |state, ppid, session| {
            Some(Stat {
                state,
                ppid,
                session,
            })
        };
        assert_eq!(
            parse_stat("42 (sh) S 7 42 40 0 -1 4194560"),
            stat('S', 7, 40)
        );
        assert_eq!(
            parse_stat("42 (a) b) (c) Z 1 42 41"),
            stat('Z', 1, 41),
            "a command name with parentheses and spaces"
        );
        assert_eq!(parse_stat("garbage"), None);
        assert_eq!(parse_stat("42 (x)"), None);
        assert_eq!(parse_stat("42 (x) S 1 2"), None);
    }

    #[test]
    fn our_own_process_is_in_the_table() {
        let me = rustix::process::getpid();
        assert!(live_processes().iter().any(|p| p.pid == me));
    }
}
