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

/// Asserts that `parent` (a `what`) and its `child` end within a second of our exit: killed
/// with SIGKILL, they are gone at once; the second is for the kernel to reap them.
fn assert_gone(parent: i32, child: i32, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(1);
    while (alive(parent) || alive(child)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!alive(parent), "{what} {parent} outlived us");
    assert!(!alive(child), "its child {child} outlived us");
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

/// Shell text that starts a child, records the child's pid in `child_file` and its own in
/// `parent_file`, and waits for the child: five minutes, unless it is killed.
fn hang_with_child(parent_file: &Path, child_file: &Path) -> String {
    format!(
        "sleep 300 &\necho $! > '{}'\necho $$ > '{}'\nwait\n",
        child_file.display(),
        parent_file.display()
    )
}

/// A sandbox against `mock` whose commands end at the test's deadline.
fn bounded(mock: &EcrMock) -> Sandbox {
    Sandbox::new()
        .endpoints(mock)
        .env("AWS_ECR_TIMEOUT", format!("{TIMEOUT_SECS}s"))
}

/// Makes `script` (shell text) the default profile's `credential_process`.
fn credential_process(sandbox: &Sandbox, script: &str) {
    let path = sandbox.home.path().join("hang.sh");
    std::fs::write(&path, script).unwrap();
    sandbox.aws_file(
        "config",
        &format!("[default]\ncredential_process = sh {}\n", path.display()),
    );
}

#[test]
fn a_hung_credential_process_is_killed_with_its_children() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("pw", 43_200)));
    let sandbox = bounded(&mock);
    let dir = sandbox.home.path();
    let (parent_file, child_file) = (dir.join("parent.pid"), dir.join("child.pid"));
    let _reaper = Reaper(vec![parent_file.clone(), child_file.clone()]);
    credential_process(&sandbox, &hang_with_child(&parent_file, &child_file));

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

    assert_gone(parent, child, "the credential_process");
}

/// A child the script left behind on purpose (`(cmd &)`: its parent exits at once, and the
/// orphan would go to init) is stopped too: the helper adopts its descendants' orphans.
#[test]
fn an_orphan_the_credential_process_left_behind_is_killed_too() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("pw", 43_200)));
    let sandbox = bounded(&mock);
    let dir = sandbox.home.path();
    let (parent_file, child_file) = (dir.join("parent.pid"), dir.join("child.pid"));
    let orphan_file = dir.join("orphan.pid");
    let _reaper = Reaper(vec![
        parent_file.clone(),
        child_file.clone(),
        orphan_file.clone(),
    ]);
    let detach = format!("(sleep 300 & echo $! > '{}')\n", orphan_file.display());
    credential_process(
        &sandbox,
        &(detach + &hang_with_child(&parent_file, &child_file)),
    );

    let run = sandbox.get(HOST);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.starts_with("ecr-login: timed out"), "{run:?}");
    let parent = read_pid(&parent_file).expect("the credential_process ran");
    let child = read_pid(&child_file).expect("the credential_process started its child");
    let orphan = read_pid(&orphan_file).expect("the credential_process left an orphan");
    assert_gone(parent, child, "the credential_process");
    assert_gone(orphan, orphan, "the orphan");
}

#[test]
fn a_hung_credential_process_is_killed_but_a_program_it_detached_is_left_alone() {
    let mock = EcrMock::start();
    let sandbox = bounded(&mock);
    let dir = sandbox.home.path();
    let [parent_file, child_file, detached_file] =
        ["parent.pid", "child.pid", "detached.pid"].map(|name| dir.join(name));
    let _reaper = Reaper(vec![
        parent_file.clone(),
        child_file.clone(),
        detached_file.clone(),
    ]);
    // An agent the credential_process starts for later calls (as `pass` starts `gpg-agent`)
    // leaves our session on purpose; then the process hangs with a child of its own.
    let script = format!(
        "setsid sleep 300 </dev/null >/dev/null 2>&1 &\necho $! > '{}'\n{}",
        detached_file.display(),
        hang_with_child(&parent_file, &child_file)
    );
    credential_process(&sandbox, &script);

    let run = sandbox.get(HOST);
    assert!(run.stdout.starts_with("ecr-login: timed out"), "{run:?}");
    let pid = |file: &Path| read_pid(file).expect("the script recorded it");
    let (parent, child, detached) = (pid(&parent_file), pid(&child_file), pid(&detached_file));
    assert_gone(parent, child, "the credential_process");
    assert!(
        alive(detached),
        "the detached program {detached} was killed"
    );
}

/// A kubeconfig whose user runs `command` as its exec plugin, for a server that is never
/// reached; `kube-secret --apply` with it, in `cwd`.
fn apply_with_exec_plugin(sandbox: &Sandbox, command: &str, cwd: &Path) -> Run {
    let pki = crate::kube_api::Pki::new();
    std::fs::write(cwd.join("ca.pem"), &pki.ca_pem).unwrap();
    let config = cwd.join("kubeconfig");
    std::fs::write(
        &config,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: c\n\
             clusters: [{{name: k, cluster: {{server: 'https://127.0.0.1:1', certificate-authority: ca.pem}}}}]\n\
             contexts: [{{name: c, context: {{cluster: k, user: u, namespace: ns}}}}]\n\
             users: [{{name: u, user: {{exec: {{apiVersion: client.authentication.k8s.io/v1beta1, command: {command}}}}}}}]\n"
        ),
    )
    .unwrap();
    sandbox
        .clone_env()
        .in_dir(cwd)
        .kube_apply("ecr-pull", &config, &[])
}

fn executable(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn an_exec_plugin_planted_in_the_current_directory_never_runs() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("pw", 43_200)));
    let base = Sandbox::new().static_keys().endpoints(&mock);
    let cwd = tempfile::tempdir().unwrap();
    let marker = cwd.path().join("ran");
    std::fs::create_dir(cwd.path().join("rel")).unwrap();
    for dir in [cwd.path(), &cwd.path().join("rel")] {
        executable(
            &dir.join("kubelogin"),
            &format!(
                "#!/bin/sh\ntouch '{}'\necho '{{\"status\":{{\"token\":\"stolen\"}}}}'\n",
                marker.display()
            ),
        );
    }
    for search in [
        ".:/usr/bin:/bin",
        ":/usr/bin:/bin",
        "/usr/bin:/bin:",
        "rel:/usr/bin:/bin",
    ] {
        let run = apply_with_exec_plugin(
            &base.clone_env().env("PATH", search),
            "kubelogin",
            cwd.path(),
        );
        assert_eq!(run.code, 1, "{search}: {run:?}");
        assert!(
            run.stderr
                .contains("exec plugin kubelogin: not found in PATH"),
            "{search}: {}",
            run.stderr
        );
        assert!(
            !marker.exists(),
            "PATH {search:?} ran the planted ./kubelogin"
        );
    }
}

#[test]
fn an_exec_plugin_is_bounded_in_output_and_killed_with_its_children_at_the_deadline() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("pw", 43_200)));
    let sandbox = Sandbox::new()
        .static_keys()
        .endpoints(&mock)
        .env("AWS_ECR_TIMEOUT", format!("{TIMEOUT_SECS}s"));
    let cwd = tempfile::tempdir().unwrap();
    executable(
        &cwd.path().join("flood"),
        "#!/bin/sh\nhead -c 200000000 /dev/zero\n",
    );
    let run = apply_with_exec_plugin(&sandbox, "./flood", cwd.path());
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("printed more than 1024 KiB"),
        "{}",
        run.stderr
    );

    let (parent_file, child_file) = (cwd.path().join("parent.pid"), cwd.path().join("child.pid"));
    let _reaper = Reaper(vec![parent_file.clone(), child_file.clone()]);
    executable(
        &cwd.path().join("hang"),
        &format!("#!/bin/sh\n{}", hang_with_child(&parent_file, &child_file)),
    );
    let run = apply_with_exec_plugin(&sandbox, "./hang", cwd.path());
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("did not finish before the deadline"),
        "{}",
        run.stderr
    );
    assert!(
        run.elapsed < Duration::from_secs(TIMEOUT_SECS + 1) + START_UP,
        "took {:?}",
        run.elapsed
    );
    let (parent, child) = (
        read_pid(&parent_file).unwrap(),
        read_pid(&child_file).unwrap(),
    );
    assert_gone(parent, child, "the plugin");
}
