//! The front end of `install-kubelet-plugin`: one line per file, and with `--wait` a process
//! that stays up (a DaemonSet's container must keep running, and a `FROM scratch` image has no
//! `sleep` to hand that job to).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use crate::error::{Error, escape_controls};
use crate::kubernetes::kubelet_install::{self, Change, ConfigOptions, Installed};

/// How often `--wait` checks the files again: a node's bootstrap or a person may have put
/// another binary or config in place; the check is cheap and writes only what differs.
const RECHECK: Duration = Duration::from_secs(3600);

pub fn run(
    bin_dir: &Path,
    config: Option<PathBuf>,
    options: &ConfigOptions,
    wait: bool,
) -> ExitCode {
    let install = || {
        let source = std::env::current_exe()
            .map_err(|e| Error::Config(format!("cannot find the running binary: {e}")))?;
        kubelet_install::install(&source, bin_dir, config.as_deref(), options)
    };
    match install() {
        Ok(done) => super::write_stdout(report(&done, true)),
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
        match install() {
            Ok(done) => super::write_stdout(report(&done, false)),
            Err(e) => super::write_stderr_line(&escape_controls(&e.to_string())),
        }
    }
}

/// `wrote PATH` / `PATH is up to date` lines; the up-to-date ones only when `all`.
fn report(done: &[Installed], all: bool) -> String {
    done.iter()
        .filter(|i| all || i.change == Change::Written)
        .map(|i| {
            let path = escape_controls(&i.path.display().to_string()).into_owned();
            match i.change {
                Change::Written => format!("wrote {path}\n"),
                Change::Unchanged => format!("{path} is up to date\n"),
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
            },
            Installed {
                path: PathBuf::from("/etc/x\ny.json"),
                change: Change::Unchanged,
            },
        ];
        assert_eq!(
            report(&done, true),
            "wrote /opt/\\u{202e}nib/ecr-credential-provider\n/etc/x\\ny.json is up to date\n"
        );
    }
}
