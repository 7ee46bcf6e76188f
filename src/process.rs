//! Ending what a timed-out fetch, or a timed-out fallback helper, started.
//!
//! The AWS SDK runs a profile's `credential_process` with `sh -c` and does not kill it when
//! the fetch is abandoned, so a hung one (and whatever it started) would outlive us, holding
//! its terminal, its files and its memory, once per `docker pull`. We cannot change how the SDK
//! spawns it (no process group of its own), so at the deadline we find our descendants by
//! their parent ids and kill them.
//!
//! Killing every descendant is right because this is a short-lived, single-purpose process: at
//! the deadline of a fetch, whatever it has started belongs to that fetch (the fallback helper
//! only ever runs for hosts that are not ECR, never during one).
//!
//! Linux only: it reads `/proc`. On other systems (macOS, Windows) nothing is killed; the hung
//! process is left to the operating system, as the SDK leaves it, and outlives us.

#[cfg(target_os = "linux")]
use crate::log::debug;

/// How many times to look again for processes started while we were stopping the others.
#[cfg(target_os = "linux")]
const ROUNDS: usize = 8;

/// Kills every descendant of this process; returns how many were signalled.
///
/// They are all stopped first, then killed: a parent killed first would hand its children to
/// init, out of our sight, and a process still running could start new ones while we walk.
#[cfg(target_os = "linux")]
pub fn kill_descendants() -> usize {
    use rustix::process::{Signal, getpid, kill_process};

    let me = getpid();
    let mut found = Vec::new();
    for _ in 0..ROUNDS {
        let table = live_processes();
        let mut new = Vec::new();
        let mut frontier = vec![me];
        while let Some(parent) = frontier.pop() {
            for &(pid, ppid) in &table {
                if ppid == parent && !found.contains(&pid) && !new.contains(&pid) {
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

/// `(pid, parent pid)` of every process that is not a zombie (a zombie is already dead).
#[cfg(target_os = "linux")]
fn live_processes() -> Vec<(rustix::process::Pid, rustix::process::Pid)> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|entry| {
            let pid: i32 = entry.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            let (state, ppid) = parse_stat(&stat)?;
            if matches!(state, 'Z' | 'X' | 'x') {
                return None;
            }
            Some((
                rustix::process::Pid::from_raw(pid)?,
                rustix::process::Pid::from_raw(ppid)?,
            ))
        })
        .collect()
}

/// State and parent pid from `/proc/<pid>/stat`: `pid (comm) state ppid ...`, where `comm`
/// may itself hold spaces and parentheses, so the fields start after the last `)`.
#[cfg(target_os = "linux")]
fn parse_stat(stat: &str) -> Option<(char, i32)> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let ppid = fields.next()?.parse().ok()?;
    Some((state, ppid))
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_with_odd_names_parse() {
        assert_eq!(parse_stat("42 (sh) S 7 42 42 0 -1 4194560"), Some(('S', 7)));
        assert_eq!(
            parse_stat("42 (a) b) (c) Z 1 42 42"),
            Some(('Z', 1)),
            "a command name with parentheses and spaces"
        );
        assert_eq!(parse_stat("garbage"), None);
        assert_eq!(parse_stat("42 (x)"), None);
    }

    #[test]
    fn our_own_process_is_in_the_table() {
        let me = rustix::process::getpid();
        assert!(live_processes().iter().any(|&(pid, _)| pid == me));
    }
}
