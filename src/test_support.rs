//! What the unit tests of several modules share.

/// Makes a FIFO at `path` that nobody writes to: opening it for reading blocks forever, so the
/// code under test must refuse it or give up, never hang. Made with mkfifo(1), as rustix has no
/// mknodat on macOS.
#[cfg(unix)]
pub(crate) fn mkfifo(path: &std::path::Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success(), "mkfifo {}", path.display());
}
