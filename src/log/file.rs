//! `AWS_ECR_LOG_FILE`: every log line appended to a file as well, because dockerd, BuildKit
//! and Docker Desktop drop a helper's stderr, and "no basic auth credentials" is all a user
//! sees there.
//!
//! The file is the user's own record, so it is handled like one of our cache files: created
//! 0600 in a directory created 0700 (an existing directory is left as it is), opened without
//! following a symlink planted at the path, refused unless it is a regular file of ours, and
//! appended with `O_APPEND` so many processes can write at once without tearing each other's
//! lines. It is capped: past [`MAX_BYTES`] it is renamed to `<file>.1` (one rotation, the
//! previous `.1` goes) and started afresh. A line longer than [`MAX_LINE_BYTES`] (an echoed
//! input of several MiB) is cut first, with a marker saying how much was dropped: otherwise one
//! line could blow through the cap, and one huge line would push every other line out. When two
//! processes rotate at once, one of them may rename the other's fresh file, and the older `.1` is
//! lost: a log, not an answer. Nothing here can fail a command; a file that cannot be written
//! costs one warning on stderr.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use time::OffsetDateTime;

/// Where the file is rotated: enough for thousands of calls, small enough to forget about.
pub const MAX_BYTES: u64 = 1 << 20;

/// The longest line written, time stamp and newline included: far more than any useful line,
/// a sixteenth of the file, so a huge one cannot push out the history around it.
pub const MAX_LINE_BYTES: usize = 64 << 10;

#[derive(Debug)]
pub struct LogFile {
    path: PathBuf,
    max_bytes: u64,
    /// Opened on the first line: a command that logs nothing never touches the file.
    file: Mutex<Option<File>>,
    /// One warning per process about a file that cannot be written.
    warned: AtomicBool,
}

impl LogFile {
    pub fn new(path: PathBuf) -> LogFile {
        LogFile::with_cap(path, MAX_BYTES)
    }

    pub fn with_cap(path: PathBuf, max_bytes: u64) -> LogFile {
        LogFile {
            path,
            max_bytes,
            file: Mutex::new(None),
            warned: AtomicBool::new(false),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `line` (one line, already escaped) with a UTC time stamp and the process id.
    pub fn append(&self, line: &str) {
        let head = format!(
            "{} [{}] ",
            stamp(OffsetDateTime::now_utc()),
            std::process::id()
        );
        let limit = usize::try_from(self.max_bytes)
            .unwrap_or(usize::MAX)
            .min(MAX_LINE_BYTES);
        let text = fit(&head, line, limit);
        if let Err(e) = self.write(text.as_bytes()) {
            let level = crate::log::enabled(crate::log::Level::Warn);
            if level && !self.warned.swap(true, Ordering::Relaxed) {
                let _ = writeln!(
                    io::stderr().lock(),
                    "ecr-login: warning: cannot write the log file {}: {e}",
                    crate::escape::escape_controls(&self.path.display().to_string())
                );
            }
        }
    }

    fn write(&self, bytes: &[u8]) -> io::Result<()> {
        let mut slot = self.file.lock().unwrap_or_else(|e| e.into_inner());
        let file = match slot.take() {
            Some(file) => file,
            None => open(&self.path)?,
        };
        let file = if file.metadata()?.len() + bytes.len() as u64 > self.max_bytes {
            self.rotate(file)?
        } else {
            file
        };
        // One write of the whole line: with O_APPEND, lines of concurrent processes do not
        // interleave.
        (&file).write_all(bytes)?;
        *slot = Some(file);
        Ok(())
    }

    /// Moves the full file to `<file>.1` and opens a new one. If another process rotated it
    /// first (the path is no longer our file), only the new one is opened.
    fn rotate(&self, file: File) -> io::Result<File> {
        if same_file(&file, &self.path) {
            let mut rotated = self.path.clone().into_os_string();
            rotated.push(".1");
            // A failed rename (a read-only directory) keeps the file growing rather than
            // losing lines. (No log line about it: this runs under the file's own lock.)
            if std::fs::rename(&self.path, &rotated).is_err() {
                return Ok(file);
            }
        }
        open(&self.path)
    }
}

/// `head`, `line` and a newline, with `line` cut on a character boundary so that the whole
/// is at most `limit` bytes; a cut line ends with a marker saying how many bytes were dropped.
fn fit(head: &str, line: &str, limit: usize) -> String {
    if head.len() + line.len() < limit {
        return format!("{head}{line}\n");
    }
    let marker = |dropped: usize| format!(" ...[{dropped} bytes cut]");
    // The marker's longest form (every byte dropped) is what the room is measured against.
    let room = limit.saturating_sub(head.len() + marker(line.len()).len() + 1);
    let kept = &line[..line.floor_char_boundary(room)];
    let mut text = format!("{head}{kept}{}\n", marker(line.len() - kept.len()));
    // Only a cap smaller than a stamp and a marker (never the real one) gets here.
    if text.len() > limit {
        text.truncate(text.floor_char_boundary(limit.saturating_sub(1)));
        text.push('\n');
    }
    text
}

/// RFC 3339 in UTC with milliseconds, always the same width so the columns line up:
/// milliseconds are enough to order one pull's calls.
fn stamp(t: OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// Opens `path` for appending, creating it 0600 (and its directory 0700) if missing, without
/// following a symlink or blocking on a FIFO; only a regular file of ours will do.
#[cfg(unix)]
fn open(path: &Path) -> io::Result<File> {
    use rustix::fs::{Mode, OFlags};
    create_parent(path)?;
    let fd = rustix::fs::open(
        path,
        OFlags::WRONLY
            | OFlags::APPEND
            | OFlags::CREATE
            | OFlags::NOFOLLOW
            | OFlags::NONBLOCK
            | OFlags::CLOEXEC,
        Mode::from_raw_mode(0o600),
    )
    .map_err(|e| match e {
        // What O_NOFOLLOW answers for a symlink.
        rustix::io::Errno::LOOP => refused("a symbolic link"),
        e => e.into(),
    })?;
    let stat = rustix::fs::fstat(&fd)?;
    if rustix::fs::FileType::from_raw_mode(stat.st_mode) != rustix::fs::FileType::RegularFile {
        return Err(refused("not a regular file"));
    }
    if stat.st_uid != rustix::process::geteuid().as_raw() {
        return Err(refused("owned by another user"));
    }
    Ok(File::from(fd))
}

/// Windows: modes and owners do not apply (the file inherits its directory's ACL); a
/// symlink at the path is refused before the open, and anything but a file after it.
#[cfg(not(unix))]
fn open(path: &Path) -> io::Result<File> {
    create_parent(path)?;
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(refused("a symbolic link"));
    }
    let file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)?;
    if !file.metadata()?.is_file() {
        return Err(refused("not a regular file"));
    }
    Ok(file)
}

fn create_parent(path: &Path) -> io::Result<()> {
    let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) else {
        return Ok(());
    };
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

fn refused(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("it is {what}; not writing there"),
    )
}

/// True when `path` still names the file `file` has open.
#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::symlink_metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// Windows cannot compare file ids with std alone; its rotation race is the same one.
#[cfg(not(unix))]
fn same_file(_file: &File, path: &Path) -> bool {
    path.is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(path: &Path) -> Vec<String> {
        std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn lines_are_stamped_and_appended_in_a_new_private_directory() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("new/dir/helper.log");
        let log = LogFile::new(path.clone());
        log.append("ecr-login: first");
        log.append("ecr-login: second");
        let got = lines(&path);
        assert_eq!(got.len(), 2);
        let pid = format!(" [{}] ", std::process::id());
        assert!(
            got[0].ends_with(&format!("{pid}ecr-login: first")),
            "{got:?}"
        );
        let stamp = got[0].split(' ').next().unwrap();
        use time::format_description::well_known::Rfc3339;
        assert!(
            OffsetDateTime::parse(stamp, &Rfc3339).is_ok() && stamp.len() == 24,
            "{stamp}"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(path.parent().unwrap()), 0o700);
            assert_eq!(mode(&tmp.path().join("new")), 0o700);
        }
    }

    #[test]
    fn stamps_have_one_width() {
        let t = OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_020_000_000).unwrap();
        assert_eq!(stamp(t), "2023-11-14T22:13:20.020Z");
    }

    #[test]
    fn a_full_file_is_rotated_once() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("l.log");
        let log = LogFile::with_cap(path.clone(), 200);
        for i in 0..10 {
            log.append(&format!("line {i} {}", "x".repeat(40)));
        }
        let rotated = tmp.path().join("l.log.1");
        let (now, before) = (lines(&path), lines(&rotated));
        assert!(std::fs::metadata(&path).unwrap().len() <= 200);
        assert!(std::fs::metadata(&rotated).unwrap().len() <= 200);
        assert!(now.last().unwrap().contains("line 9"), "{now:?}");
        assert!(!before.is_empty() && !before.last().unwrap().contains("line 9"));
        let names: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().flatten().collect();
        assert_eq!(names.len(), 2, "one rotation, no more files");
    }

    #[test]
    fn a_line_of_several_mib_is_cut_so_the_cap_holds() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("l.log");
        let log = LogFile::new(path.clone());
        log.append("ecr-login: before");
        // Multi-byte characters, so that a cut in the middle of one would show.
        let huge = format!("ecr-login: {}", "é".repeat(3 << 20));
        log.append(&huge);
        log.append(&huge);
        log.append("ecr-login: after");
        let rotated = tmp.path().join("l.log.1");
        for file in [&path, &rotated] {
            let len = std::fs::metadata(file).map_or(0, |m| m.len());
            assert!(len <= MAX_BYTES, "{} is {len} bytes", file.display());
        }
        let all: Vec<String> = [lines(&rotated), lines(&path)].concat();
        assert!(
            all.iter().any(|l| l.ends_with("ecr-login: after")),
            "{all:?}"
        );
        let cut: Vec<&String> = all.iter().filter(|l| l.contains("ecr-login: éé")).collect();
        assert_eq!(cut.len(), 2, "both long lines are kept, cut");
        for line in cut {
            assert!(line.len() < MAX_LINE_BYTES, "{}", line.len());
            // What is left of the line after the stamp and pid, then the marker.
            let (_, rest) = line.split_once("] ").unwrap();
            let (kept, marker) = rest.rsplit_once(" ...[").unwrap();
            assert!(huge.starts_with(kept));
            assert_eq!(marker, format!("{} bytes cut]", huge.len() - kept.len()));
        }
    }

    #[test]
    fn a_cut_line_fits_its_limit_exactly_and_a_short_one_is_whole() {
        let head = "2026-01-01T00:00:00.000Z [1] ";
        assert_eq!(fit(head, "short", 100), format!("{head}short\n"));
        let whole = format!("{head}{}\n", "x".repeat(100 - head.len() - 1));
        assert_eq!(fit(head, &"x".repeat(100 - head.len() - 1), 100), whole);
        for limit in [100, 101, 150, 4096] {
            let text = fit(head, &"ü".repeat(5000), limit);
            assert!(
                text.len() <= limit && text.ends_with(" bytes cut]\n"),
                "{limit}: {text}"
            );
        }
        // A cap too small for the marker still holds.
        assert!(fit(head, &"x".repeat(500), 20).len() <= 20);
    }

    #[cfg(unix)]
    #[test]
    fn a_file_rotated_by_another_process_is_reopened_not_renamed_again() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("l.log");
        let log = LogFile::with_cap(path.clone(), 150);
        log.append(&"a".repeat(100));
        // Someone else rotates and starts a new file.
        std::fs::rename(&path, tmp.path().join("l.log.1")).unwrap();
        std::fs::write(&path, "theirs\n").unwrap();
        log.append(&"b".repeat(100));
        assert_eq!(lines(&path)[0], "theirs");
        assert!(lines(&path)[1].ends_with(&"b".repeat(100)));
        assert!(lines(&tmp.path().join("l.log.1"))[0].ends_with(&"a".repeat(100)));
    }

    #[cfg(unix)]
    #[test]
    fn a_planted_symlink_or_fifo_is_never_written() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("victim");
        std::fs::write(&target, "keep\n").unwrap();
        let link = tmp.path().join("link.log");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let err = LogFile::new(link.clone()).write(b"x\n").unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep\n");
        // The public entry point only warns.
        LogFile::new(link).append("ecr-login: not written");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep\n");

        let fifo = tmp.path().join("fifo.log");
        crate::test_support::mkfifo(&fifo);
        // With no reader the open fails (ENXIO); with one, the type check does. Never a hang.
        assert!(LogFile::new(fifo).write(b"x\n").is_err());
    }
}
