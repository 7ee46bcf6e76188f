//! What the helper starts (a profile's `credential_process`) does not outlive it.
//! Linux only: the helper finds what to kill in `/proc`, and so does the test.
#![cfg(target_os = "linux")]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::support::*;

const TIMEOUT_SECS: u64 = 2;

/// Whether `pid` is running: present in `/proc` and not a zombie (a zombie is dead, only not
/// yet collected by its parent).
fn alive(pid: i32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    let state = stat
        .rfind(')')
        .and_then(|i| stat[i + 1..].split_whitespace().next())
        .unwrap_or("?");
    !matches!(state, "Z" | "X")
}

fn read_pid(path: &Path) -> Option<i32> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// Kills whatever the script recorded, whatever the test's outcome: a failing test must not
/// leave a five-minute `sleep` behind.
struct Reaper(Vec<PathBuf>);

impl Drop for Reaper {
    fn drop(&mut self) {
        for pid in self.0.iter().filter_map(|p| read_pid(p)) {
            if alive(pid)
                && let Some(pid) = rustix::process::Pid::from_raw(pid)
            {
                let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
            }
        }
    }
}

#[test]
fn a_hung_credential_process_is_killed_with_its_children() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("pw", 43_200)));
    let sandbox = Sandbox::new()
        .endpoints(&mock)
        .env("AWS_ECR_TIMEOUT", format!("{TIMEOUT_SECS}s"));
    let dir = sandbox.home.path();
    let (parent_file, child_file) = (dir.join("parent.pid"), dir.join("child.pid"));
    let _reaper = Reaper(vec![parent_file.clone(), child_file.clone()]);
    let script = dir.join("hang.sh");
    std::fs::write(
        &script,
        format!(
            "sleep 300 &\necho $! > '{}'\necho $$ > '{}'\nwait\n",
            child_file.display(),
            parent_file.display()
        ),
    )
    .unwrap();
    sandbox.aws_file(
        "config",
        &format!("[default]\ncredential_process = sh {}\n", script.display()),
    );

    let run = sandbox.get(HOST);
    assert!(
        run.elapsed < Duration::from_secs(TIMEOUT_SECS + 1) + START_UP,
        "took {:?}: {run:?}",
        run.elapsed
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.starts_with("ecr-login: timed out"), "{run:?}");
    let parent = read_pid(&parent_file).expect("the credential_process ran");
    let child = read_pid(&child_file).expect("the credential_process started its child");

    let deadline = Instant::now() + Duration::from_secs(1);
    while (alive(parent) || alive(child)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        !alive(parent),
        "the credential_process {parent} outlived us"
    );
    assert!(!alive(child), "its child {child} outlived us");
}
