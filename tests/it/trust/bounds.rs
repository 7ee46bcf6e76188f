//! Every command returns within `AWS_ECR_TIMEOUT` + 1 s of its start, whatever other processes
//! do, and kills what it started.

use std::fs::File;
use std::process::Child;
use std::time::{Duration, Instant};

use crate::support::*;

/// Waits for `child` (started at `started`), returning how long after its start it ended.
fn finish(mut child: Child, started: Instant) -> (Duration, std::process::Output) {
    loop {
        if child.try_wait().unwrap().is_some() {
            let elapsed = started.elapsed();
            return (elapsed, child.wait_with_output().unwrap());
        }
        if started.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn staggered_waiters_on_a_hung_api_each_answer_within_their_own_bound() {
    let hung = silent_listener(Duration::from_secs(20));
    let sandbox = Sandbox::new()
        .static_keys()
        .env("AWS_ENDPOINT_URL_ECR", hung)
        .env("AWS_ECR_TIMEOUT", "3");
    let mut started = Vec::new();
    for _ in 0..6 {
        let child = sandbox.spawn_gets(1, HOST).pop().unwrap();
        started.push((child, Instant::now()));
        std::thread::sleep(Duration::from_millis(500));
    }
    for (i, (child, at)) in started.into_iter().enumerate() {
        let (elapsed, out) = finish(child, at);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "get {i}: {stdout}");
        assert!(
            stdout.starts_with("ecr-login: timed out after 3s"),
            "get {i}: {stdout}"
        );
        assert!(
            elapsed < Duration::from_secs(4) + START_UP,
            "get {i} took {elapsed:?}"
        );
    }
}

/// The lock file of the (only) entry in `sandbox`'s cache, held by this test process as a
/// stopped lock holder would hold it.
fn hold_the_lock(sandbox: &Sandbox) -> File {
    let entry = sandbox.cache_entries().pop().unwrap();
    let lock = File::options()
        .read(true)
        .write(true)
        .open(entry.with_extension("lock"))
        .unwrap();
    lock.lock().unwrap();
    lock
}

#[test]
fn a_stopped_lock_holder_costs_at_most_the_timeout() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("first", 43_200)));
    let sandbox = Sandbox::new()
        .static_keys()
        .endpoints(&mock)
        .env("AWS_ECR_TIMEOUT", "2");
    // Due for refresh but unexpired: served once the wait is over, with a warning.
    let entry = sandbox.stale_entry(HOST);
    let _held = hold_the_lock(&sandbox);
    let run = sandbox.get(HOST);
    assert_served_stale("lock held", &run, "first", "waiting for another process");
    assert!(
        run.elapsed < Duration::from_secs(3) + START_UP,
        "took {:?}",
        run.elapsed
    );

    // Expired: the error says what it waited for.
    make_expired(&entry);
    let run = sandbox.get(HOST);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stdout
            .starts_with("ecr-login: timed out after 2s waiting for another process"),
        "{}",
        run.stdout
    );
    assert!(
        run.elapsed < Duration::from_secs(3) + START_UP,
        "took {:?}",
        run.elapsed
    );
    assert_eq!(
        mock.requests().len(),
        1,
        "no fetch was started it could not finish"
    );
}
