//! The front end of `install-kubelet-plugin` (and of its `--restore`): one line per file, and
//! with `--wait` a process that stays up (a DaemonSet's container must keep running, and a
//! `FROM scratch` image has no `sleep` to hand that job to).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use crate::error::Error;
use crate::escape::escape_controls;
use crate::kubernetes::kubelet_install::{self, Change, Installed, Restored, Restoring};
use crate::kubernetes::provider_config::ConfigOptions;

/// How often `--wait` checks the files again: a node's bootstrap or a person may have put
/// another binary or config in place; the check is cheap and writes only what differs.
const RECHECK: Duration = Duration::from_secs(3600);

/// What to do on the node.
#[derive(Debug)]
pub enum Action {
    Install(ConfigOptions),
    Restore,
}

pub fn run(bin_dir: &Path, config: Option<PathBuf>, action: &Action, wait: bool) -> ExitCode {
    // The lines to print, all of them or (at a re-check) only those of a change.
    let act = |all: bool| match action {
        Action::Install(options) => {
            let source = std::env::current_exe().map_err(|source| Error::System {
                action: "find the running binary",
                source,
            })?;
            kubelet_install::install(&source, bin_dir, config.as_deref(), options)
                .map(|done| report(&done, all))
        }
        Action::Restore => kubelet_install::restore(bin_dir, config.as_deref())
            .map(|done| report_restore(&done, all)),
    };
    match act(true) {
        Ok(lines) => super::write_stdout(lines),
        Err(e) => return super::command_reply(Err(e)),
    }
    if !wait {
        return ExitCode::SUCCESS;
    }
    super::write_stdout(format!(
        "waiting; checking again every {}\n",
        humantime::format_duration(RECHECK)
    ));
    loop {
        std::thread::sleep(RECHECK);
        // A failure now is reported and retried at the next check: the files written at
        // start-up are still in place, and a crash-looping pod would not help the node.
        match act(false) {
            Ok(lines) => super::write_stdout(lines),
            Err(e) => super::write_stderr_line(&escape_controls(&e.to_string())),
        }
    }
}

fn shown(path: &Path) -> String {
    escape_controls(&path.display().to_string()).into_owned()
}

/// `wrote PATH` / `PATH is up to date` lines; the up-to-date ones only when `all`.
fn report(done: &[Installed], all: bool) -> String {
    done.iter()
        .filter(|i| all || i.change == Change::Written)
        .map(|i| {
            let path = shown(&i.path);
            match (i.change, &i.kept) {
                (Change::Written, Some(kept)) => {
                    format!(
                        "wrote {path} (the file it replaced is kept as {})\n",
                        shown(kept)
                    )
                }
                (Change::Written, None) => format!("wrote {path}\n"),
                (Change::Unchanged, _) => format!("{path} is up to date\n"),
            }
        })
        .collect()
}

/// One line per file restored; with `all`, also for those left as they were.
fn report_restore(done: &[Restored], all: bool) -> String {
    done.iter()
        .filter(|r| all || matches!(r.outcome, Restoring::PutBack | Restoring::Removed))
        .map(|r| {
            let path = shown(&r.path);
            match r.outcome {
                Restoring::PutBack => format!(
                    "put back {path} from {}\n",
                    shown(&kubelet_install::kept_path(&r.path))
                ),
                Restoring::Removed => format!("removed {path}\n"),
                Restoring::Absent => format!("{path} is not there: nothing to restore\n"),
                Restoring::NotOurs => format!("{path} is not ours: left as it is\n"),
                Restoring::StillNamed => format!(
                    "{path} left in place: nothing was kept to put back, and the kubelet's \
                     config may name it (--config names the config, to remove both)\n"
                ),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reported_paths_are_escaped() {
        let done = [
            Installed {
                path: PathBuf::from("/opt/\u{202e}nib/ecr-credential-provider"),
                change: Change::Written,
                kept: None,
            },
            Installed {
                path: PathBuf::from("/etc/x\ny.json"),
                change: Change::Unchanged,
                kept: None,
            },
        ];
        assert_eq!(
            report(&done, true),
            "wrote /opt/\\u{202e}nib/ecr-credential-provider\n/etc/x\\ny.json is up to date\n"
        );
    }
}
