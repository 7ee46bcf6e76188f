//! Process-wide hardening that needs a platform call.
//!
//! A crash while a token is in memory must not write it to disk: a core file of this process
//! held the password twice (the reply and the cache entry). So core dumps are switched off
//! before anything else runs. On Linux the process is also marked not dumpable, which keeps
//! other processes of the same user from attaching a debugger to read it.

/// Switches core dumps off for this process; failures are ignored (a hardened kernel or a
/// container may already forbid what we ask, which is fine).
pub fn no_core_dumps() {
    #[cfg(unix)]
    {
        use rustix::process::{Resource, Rlimit, setrlimit};
        let _ = setrlimit(
            Resource::Core,
            Rlimit {
                current: Some(0),
                maximum: Some(0),
            },
        );
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use rustix::process::{DumpableBehavior, set_dumpable_behavior};
        let _ = set_dumpable_behavior(DumpableBehavior::NotDumpable);
    }
}
