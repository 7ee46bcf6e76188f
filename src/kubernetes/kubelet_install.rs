//! Putting the kubelet plugin on a node (`install-kubelet-plugin`): the binary, under the name
//! the kubelet runs, and its `CredentialProviderConfig`.
//!
//! Made for a DaemonSet whose image is `FROM scratch`: there is no `cp` or shell in it, so the
//! running binary copies itself into a hostPath. Both files are replaced atomically (a temp file
//! beside the target, then a rename), so the kubelet, which may run the plugin at any moment,
//! sees the old binary or the new one, never half of one; renaming over a binary that is being
//! executed is fine where writing into it is not. A file that already holds exactly the
//! intended bytes is left alone, so a pod restarting on every node rewrites nothing.
//!
//! What it replaces is kept, not lost: a binary or config there that is not ours (AWS's own
//! `ecr-credential-provider` on an EKS node, the node's own config) is first hard-linked to
//! `<file>.orig`, and [`restore`] puts it back. Our own files are told apart by what they
//! hold (the binary carries [`MARK`], our config sets `AWS_ECR_CACHE_DIR`), not by a record
//! on the side: an upgrade replaces our older binary without keeping it, so a kept original
//! is never overwritten with a copy of ours, however often the installer runs.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::file;
use crate::kubernetes::provider_config::{self, ConfigOptions, PROVIDER_NAME};

/// Largest binary we copy: a release build is a few MB, a debug build with its symbols a few
/// hundred; anything bigger is not what we meant to read.
const MAX_BINARY: u64 = 1 << 30;

/// Largest config we read back to see whether it is ours: ours is under 2 KB.
const MAX_CONFIG: u64 = 1 << 20;

/// Added to a file's name for the file the installer replaced: `ecr-credential-provider.orig`.
pub const KEPT_SUFFIX: &str = ".orig";

/// Bytes every build of this program holds and no other program has a reason to: how the
/// installer recognises its own binary, of any version, at the plugin's path. The search reads
/// this constant through `black_box`, so the compiler keeps it whole in the binary rather than
/// folding it into the comparison's instructions.
pub const MARK: &[u8] = b"\x1eecr-login: the kubelet plugin of install-kubelet-plugin\x1e";

/// What happened to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Written,
    Unchanged,
}

/// One file of the installation and what happened to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installed {
    pub path: PathBuf,
    pub change: Change,
    /// Where the file it replaced, not one of ours, was kept.
    pub kept: Option<PathBuf>,
}

/// What [`restore`] did with one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Restoring {
    /// The kept original is back in its place.
    PutBack,
    /// Ours was there with nothing kept: removed.
    Removed,
    /// Neither ours nor a kept original is there.
    Absent,
    /// Someone else's file is there now: left as it is.
    NotOurs,
    /// Our binary with nothing kept, and a config that may name it still in place: a kubelet
    /// whose config names a missing plugin does not start, so it stays.
    StillNamed,
}

/// One file [`restore`] looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    pub path: PathBuf,
    pub outcome: Restoring,
}

/// Which of our two files a path holds, to recognise ours.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Binary,
    Config,
}

impl Kind {
    /// True when the file at `path` is one of ours (any version). Anything unreadable is not:
    /// the cost of a wrong "not ours" is a kept copy too many, of a wrong "ours" a lost file.
    fn is_ours(self, path: &Path) -> bool {
        match self {
            Kind::Binary => carries_mark(path).unwrap_or(false),
            Kind::Config => file::read_regular(path, MAX_CONFIG)
                .ok()
                .and_then(|bytes| serde_json::from_slice(&bytes).ok())
                .is_some_and(|config: serde_json::Value| provider_config::is_ours(&config)),
        }
    }
}

/// `<path>.orig`: where the file that was at `path` before us is kept.
pub fn kept_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(KEPT_SUFFIX);
    PathBuf::from(name)
}

/// The plugin's file name in `bin_dir`: the kubelet runs `<bin-dir>/<name>` (with `.exe` on
/// Windows).
pub fn plugin_path(bin_dir: &Path) -> PathBuf {
    bin_dir.join(format!("{PROVIDER_NAME}{}", std::env::consts::EXE_SUFFIX))
}

/// Copies `source` (the running binary) to `<bin_dir>/ecr-credential-provider` (mode 0755)
/// and, with `config`, writes the `CredentialProviderConfig` there (mode 0644). Missing
/// directories are created 0755.
pub fn install(
    source: &Path,
    bin_dir: &Path,
    config: Option<&Path>,
    options: &ConfigOptions,
) -> Result<Vec<Installed>, Error> {
    let binary = file::read_regular(source, MAX_BINARY).map_err(|e| Error::Io {
        action: "read the running binary",
        path: source.to_owned(),
        source: e,
    })?;
    let mut done = vec![put(&plugin_path(bin_dir), &binary, 0o755, Kind::Binary)?];
    if let Some(config) = config {
        let text = provider_config::render(options);
        done.push(put(config, text.as_bytes(), 0o644, Kind::Config)?);
    }
    Ok(done)
}

/// Undoes [`install`]: each file's kept original is put back in its place (atomically, by a
/// rename), and ours is removed where nothing was kept. The config first, when given: our
/// binary with nothing kept is removed only along with our config, since a kubelet whose
/// config names a plugin that is missing does not start. A file that is not ours is left
/// alone. Running it again changes nothing.
pub fn restore(bin_dir: &Path, config: Option<&Path>) -> Result<Vec<Restored>, Error> {
    let mut done = Vec::new();
    let mut config_gone = false;
    if let Some(config) = config {
        let outcome = restore_one(config, Kind::Config, true)?;
        config_gone = matches!(outcome, Restoring::Removed | Restoring::Absent);
        done.push(Restored {
            path: config.to_owned(),
            outcome,
        });
    }
    let plugin = plugin_path(bin_dir);
    let outcome = restore_one(&plugin, Kind::Binary, config_gone)?;
    done.insert(
        0,
        Restored {
            path: plugin,
            outcome,
        },
    );
    Ok(done)
}

/// Restores one file; `may_remove` allows removing ours when nothing was kept.
fn restore_one(path: &Path, kind: Kind, may_remove: bool) -> Result<Restoring, Error> {
    let fail = |source| Error::Io {
        action: "restore",
        path: path.to_owned(),
        source,
    };
    let present = file::exists(path).map_err(fail)?;
    if present && !kind.is_ours(path) {
        return Ok(Restoring::NotOurs);
    }
    let kept = kept_path(path);
    if file::exists(&kept).map_err(fail)? {
        fs::rename(&kept, path).map_err(fail)?;
        return Ok(Restoring::PutBack);
    }
    if !present {
        return Ok(Restoring::Absent);
    }
    if !may_remove {
        return Ok(Restoring::StillNamed);
    }
    fs::remove_file(path).map_err(fail)?;
    Ok(Restoring::Removed)
}

/// Before `path` is replaced, what is there (unless it is ours) is hard-linked to
/// `<path>.orig`, replacing an older kept file: the newest original is the one the node would
/// have had. A link, not a copy: it is atomic, needs no room, and keeps a symlink a symlink.
/// Through a temp name and a rename, so `<path>.orig` is always whole.
fn keep(path: &Path, kind: Kind) -> io::Result<Option<PathBuf>> {
    if !file::exists(path)? || kind.is_ours(path) {
        return Ok(None);
    }
    let kept = kept_path(path);
    let mut temp_name = std::ffi::OsString::from(format!(".{PROVIDER_NAME}.keep."));
    temp_name.push(std::process::id().to_string());
    let temp = path.with_file_name(temp_name);
    // A leftover of an installer killed at this very step, with our pid.
    let _ = fs::remove_file(&temp);
    fs::hard_link(path, &temp)?;
    if let Err(e) = fs::rename(&temp, &kept) {
        let _ = fs::remove_file(&temp);
        return Err(e);
    }
    Ok(Some(kept))
}

/// True when the file at `path` holds [`MARK`], read a block at a time (the DaemonSet's
/// memory limit is a few times a release binary's size).
fn carries_mark(path: &Path) -> io::Result<bool> {
    use std::io::Read;
    let mark = std::hint::black_box(MARK);
    // A regular file only: opening a FIFO would wait for a writer.
    if !fs::metadata(path)?.is_file() {
        return Ok(false);
    }
    let mut file = fs::File::open(path)?.take(MAX_BINARY);
    let mut window = Vec::with_capacity((64 << 10) + mark.len());
    loop {
        // Keep the last bytes of the previous block: the mark may straddle two.
        let keep = window.len().min(mark.len() - 1);
        window.drain(..window.len() - keep);
        let start = window.len();
        window.resize(start + (64 << 10), 0);
        let n = file.read(&mut window[start..])?;
        window.truncate(start + n);
        if n == 0 {
            return Ok(false);
        }
        if window.windows(mark.len()).any(|w| w == mark) {
            return Ok(true);
        }
    }
}

/// Writes `bytes` to `path` unless it already holds exactly them, keeping what was there
/// unless it is ours.
fn put(path: &Path, bytes: &[u8], mode: u32, kind: Kind) -> Result<Installed, Error> {
    let fail = |source| Error::Io {
        action: "write",
        path: path.to_owned(),
        source,
    };
    // Anything unreadable or different there is replaced; a missing file is written. The mode
    // check comes first: it also makes sure a regular file is there before it is opened (a
    // FIFO would block the read).
    let same = file::has_mode(path, mode) && file::holds(path, bytes).unwrap_or(false);
    if same {
        return Ok(Installed {
            path: path.to_owned(),
            change: Change::Unchanged,
            kept: None,
        });
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        file::create_dirs(dir).map_err(fail)?;
    }
    // Nothing is replaced unless what was there is safe.
    let kept = keep(path, kind).map_err(|source| Error::NotKept {
        path: path.to_owned(),
        kept: kept_path(path),
        source,
    })?;
    file::replace(path, bytes, mode, None, &format!(".{PROVIDER_NAME}.")).map_err(fail)?;
    Ok(Installed {
        path: path.to_owned(),
        change: Change::Written,
        kept,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A made-up build of ours: any bytes, with the mark somewhere in them.
    fn ours(body: &[u8]) -> Vec<u8> {
        [body, MARK, b"rest of the binary"].concat()
    }

    #[test]
    fn install_writes_once_then_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("source-binary");
        fs::write(&source, ours(b"\x7fELF pretend")).unwrap();
        let bin_dir = dir.path().join("node/bin");
        let config = dir.path().join("node/etc/config.json");
        let run = || {
            install(
                &source,
                &bin_dir,
                Some(&config),
                &ConfigOptions::for_tests(false),
            )
            .unwrap()
        };

        let first = run();
        assert_eq!(
            first,
            [
                Installed {
                    path: plugin_path(&bin_dir),
                    change: Change::Written,
                    kept: None,
                },
                Installed {
                    path: config.clone(),
                    change: Change::Written,
                    kept: None,
                },
            ]
        );
        assert_eq!(
            fs::read(plugin_path(&bin_dir)).unwrap(),
            ours(b"\x7fELF pretend")
        );
        assert_eq!(
            fs::read_to_string(&config).unwrap(),
            provider_config::render(&ConfigOptions::for_tests(false))
        );
        assert!(run().iter().all(|i| i.change == Change::Unchanged));

        // A new binary replaces the old one, which was ours: nothing is kept. The config
        // stays as it was.
        fs::write(&source, ours(b"\x7fELF newer")).unwrap();
        let changes: Vec<_> = run().iter().map(|i| (i.change, i.kept.clone())).collect();
        assert_eq!(
            changes,
            [(Change::Written, None), (Change::Unchanged, None)]
        );
        assert_eq!(
            fs::read(plugin_path(&bin_dir)).unwrap(),
            ours(b"\x7fELF newer")
        );
        let leftovers: Vec<_> = fs::read_dir(&bin_dir).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temp or kept files left behind");
    }

    #[cfg(unix)]
    #[test]
    fn modes_are_exact_and_a_wrong_mode_is_repaired() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("source-binary");
        fs::write(&source, b"binary").unwrap();
        let config = dir.path().join("config.json");
        install(
            &source,
            dir.path(),
            Some(&config),
            &ConfigOptions::for_tests(false),
        )
        .unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o7777;
        let plugin = plugin_path(dir.path());
        assert_eq!(mode(&plugin), 0o755);
        assert_eq!(mode(&config), 0o644);

        fs::set_permissions(&plugin, fs::Permissions::from_mode(0o644)).unwrap();
        let again = install(
            &source,
            dir.path(),
            Some(&config),
            &ConfigOptions::for_tests(false),
        )
        .unwrap();
        assert_eq!(again[0].change, Change::Written);
        assert_eq!(mode(&plugin), 0o755);
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_at_the_target_is_replaced_not_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("source-binary");
        fs::write(&source, b"ours").unwrap();
        let elsewhere = dir.path().join("elsewhere");
        fs::write(&elsewhere, b"theirs").unwrap();
        let bin_dir = dir.path().join("bin");
        fs::create_dir(&bin_dir).unwrap();
        std::os::unix::fs::symlink(&elsewhere, plugin_path(&bin_dir)).unwrap();
        install(&source, &bin_dir, None, &ConfigOptions::for_tests(false)).unwrap();
        assert_eq!(fs::read(&elsewhere).unwrap(), b"theirs");
        assert_eq!(fs::read(plugin_path(&bin_dir)).unwrap(), b"ours");
        // The link itself is what was kept, still pointing where it did.
        let kept = kept_path(&plugin_path(&bin_dir));
        assert_eq!(fs::read_link(&kept).unwrap(), elsewhere);
    }

    /// A node as EKS builds it: AWS's plugin and the node's own config in place.
    fn eks_node(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
        let bin_dir = dir.join("etc/eks/image-credential-provider");
        fs::create_dir_all(&bin_dir).unwrap();
        let config = bin_dir.join("config.json");
        fs::write(plugin_path(&bin_dir), b"AWS's ecr-credential-provider").unwrap();
        fs::write(&config, br#"{"kind":"CredentialProviderConfig","providers":[{"name":"ecr-credential-provider"}]}"#).unwrap();
        let source = dir.join("ours");
        fs::write(&source, ours(b"v1")).unwrap();
        (source, bin_dir, config)
    }

    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn what_it_replaces_is_kept_once_and_put_back_by_restore() {
        let dir = tempfile::tempdir().unwrap();
        let (source, bin_dir, config) = eks_node(dir.path());
        let plugin = plugin_path(&bin_dir);
        let node_config = fs::read(&config).unwrap();
        let run = || {
            install(
                &source,
                &bin_dir,
                Some(&config),
                &ConfigOptions::for_tests(false),
            )
            .unwrap()
        };

        let first = run();
        assert_eq!(first[0].kept, Some(kept_path(&plugin)));
        assert_eq!(first[1].kept, Some(kept_path(&config)));
        assert_eq!(
            fs::read(kept_path(&plugin)).unwrap(),
            b"AWS's ecr-credential-provider"
        );
        assert_eq!(fs::read(kept_path(&config)).unwrap(), node_config);

        // Again, then an upgrade of ours: what was there is ours, so the kept originals stay
        // AWS's and the node's.
        assert!(
            run()
                .iter()
                .all(|i| i.change == Change::Unchanged && i.kept.is_none())
        );
        fs::write(&source, ours(b"v2")).unwrap();
        let upgrade = run();
        assert_eq!(upgrade[0].change, Change::Written);
        assert!(upgrade.iter().all(|i| i.kept.is_none()), "{upgrade:?}");
        assert_eq!(
            fs::read(kept_path(&plugin)).unwrap(),
            b"AWS's ecr-credential-provider"
        );
        assert_eq!(fs::read(kept_path(&config)).unwrap(), node_config);

        let restored = restore(&bin_dir, Some(&config)).unwrap();
        assert_eq!(
            restored,
            [
                Restored {
                    path: plugin.clone(),
                    outcome: Restoring::PutBack
                },
                Restored {
                    path: config.clone(),
                    outcome: Restoring::PutBack
                },
            ]
        );
        assert_eq!(fs::read(&plugin).unwrap(), b"AWS's ecr-credential-provider");
        assert_eq!(fs::read(&config).unwrap(), node_config);
        let plugin_name = format!("{PROVIDER_NAME}{}", std::env::consts::EXE_SUFFIX);
        assert_eq!(names_in(&bin_dir), ["config.json", plugin_name.as_str()]);

        // Once more: nothing of ours is left, and the node's files are not touched.
        let again: Vec<Restoring> = restore(&bin_dir, Some(&config))
            .unwrap()
            .iter()
            .map(|r| r.outcome)
            .collect();
        assert_eq!(again, [Restoring::NotOurs, Restoring::NotOurs]);
        assert_eq!(fs::read(&plugin).unwrap(), b"AWS's ecr-credential-provider");
    }

    #[test]
    fn a_newer_original_is_kept_in_place_of_the_older_one() {
        let dir = tempfile::tempdir().unwrap();
        let (source, bin_dir, _) = eks_node(dir.path());
        let plugin = plugin_path(&bin_dir);
        install(&source, &bin_dir, None, &ConfigOptions::for_tests(false)).unwrap();
        // The node's own update puts AWS's newer plugin back over ours.
        fs::write(&plugin, b"AWS's newer plugin").unwrap();
        let outcome: Vec<Restoring> = restore(&bin_dir, None)
            .unwrap()
            .iter()
            .map(|r| r.outcome)
            .collect();
        assert_eq!(outcome, [Restoring::NotOurs], "not ours: left alone");
        assert_eq!(fs::read(&plugin).unwrap(), b"AWS's newer plugin");

        let again = install(&source, &bin_dir, None, &ConfigOptions::for_tests(false)).unwrap();
        assert_eq!(again[0].kept, Some(kept_path(&plugin)));
        assert_eq!(fs::read(kept_path(&plugin)).unwrap(), b"AWS's newer plugin");
        restore(&bin_dir, None).unwrap();
        assert_eq!(fs::read(&plugin).unwrap(), b"AWS's newer plugin");
    }

    #[test]
    fn restore_removes_ours_only_along_with_our_config() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("ours");
        fs::write(&source, ours(b"v1")).unwrap();
        let bin_dir = dir.path().join("bin");
        let config = dir.path().join("etc/credential-provider.json");
        install(
            &source,
            &bin_dir,
            Some(&config),
            &ConfigOptions::for_tests(true),
        )
        .unwrap();
        let plugin = plugin_path(&bin_dir);

        // Without the config, the binary stays: a config may name it.
        let outcome: Vec<Restoring> = restore(&bin_dir, None)
            .unwrap()
            .iter()
            .map(|r| r.outcome)
            .collect();
        assert_eq!(outcome, [Restoring::StillNamed]);
        assert!(plugin.exists());

        let outcome: Vec<Restoring> = restore(&bin_dir, Some(&config))
            .unwrap()
            .iter()
            .map(|r| r.outcome)
            .collect();
        assert_eq!(outcome, [Restoring::Removed, Restoring::Removed]);
        assert!(names_in(&bin_dir).is_empty());
        assert!(!config.exists());

        let outcome: Vec<Restoring> = restore(&bin_dir, Some(&config))
            .unwrap()
            .iter()
            .map(|r| r.outcome)
            .collect();
        assert_eq!(outcome, [Restoring::Absent, Restoring::Absent]);
    }

    /// The node's config put back from `.orig` may name the plugin: ours stays then.
    #[test]
    fn a_config_put_back_keeps_our_binary_where_nothing_else_was_kept() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("ours");
        fs::write(&source, ours(b"v1")).unwrap();
        let config = dir.path().join("config.yaml");
        fs::write(&config, "providers:\n- name: ecr-credential-provider\n").unwrap();
        install(
            &source,
            dir.path(),
            Some(&config),
            &ConfigOptions::for_tests(false),
        )
        .unwrap();
        let outcome: Vec<Restoring> = restore(dir.path(), Some(&config))
            .unwrap()
            .iter()
            .map(|r| r.outcome)
            .collect();
        assert_eq!(outcome, [Restoring::StillNamed, Restoring::PutBack]);
        assert!(
            fs::read_to_string(&config)
                .unwrap()
                .starts_with("providers:")
        );
    }

    #[test]
    fn our_files_are_told_from_others_by_their_contents() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        let is = |bytes: &[u8], kind: Kind| {
            fs::write(&file, bytes).unwrap();
            kind.is_ours(&file)
        };
        // The mark anywhere, across the search's block boundaries too.
        for at in [0, (64 << 10) - 5, (64 << 10) - MARK.len(), 200_000] {
            let mut bytes = vec![0u8; at];
            bytes.extend_from_slice(MARK);
            bytes.extend_from_slice(&[0; 100]);
            assert!(is(&bytes, Kind::Binary), "mark at {at}");
        }
        assert!(!is(&MARK[..MARK.len() - 1], Kind::Binary));
        assert!(!is(b"", Kind::Binary));
        assert!(!is(b"docker-credential-ecr-login", Kind::Binary));

        assert!(is(
            provider_config::render(&ConfigOptions::for_tests(true)).as_bytes(),
            Kind::Config
        ));
        let nodeadm = br#"{"apiVersion":"kubelet.config.k8s.io/v1","kind":"CredentialProviderConfig","providers":[{"name":"ecr-credential-provider","matchImages":["*.dkr.ecr.*.amazonaws.com"],"defaultCacheDuration":"12h","apiVersion":"credentialprovider.kubelet.k8s.io/v1"}]}"#;
        assert!(!is(nodeadm, Kind::Config));
        assert!(!is(b"providers:\n- name: x\n", Kind::Config));
        assert!(!is(MARK, Kind::Config));
        assert!(!Kind::Binary.is_ours(&dir.path().join("missing")));
        assert!(!Kind::Binary.is_ours(dir.path()), "a directory");
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_at_the_plugin_path_is_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        // mkfifo(1), as rustix has no mknodat on macOS.
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.unwrap().success());
        assert!(!Kind::Binary.is_ours(&fifo));
        assert!(!Kind::Config.is_ours(&fifo));
    }

    #[test]
    fn a_file_that_cannot_be_kept_is_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let (source, bin_dir, _) = eks_node(dir.path());
        // A directory where the kept copy goes: the link's rename onto it fails.
        fs::create_dir(kept_path(&plugin_path(&bin_dir))).unwrap();
        fs::write(kept_path(&plugin_path(&bin_dir)).join("x"), b"").unwrap();
        let err = install(&source, &bin_dir, None, &ConfigOptions::for_tests(false)).unwrap_err();
        assert!(err.to_string().contains("cannot keep"), "{err}");
        // The system's reason is kept as the cause, not only as text.
        assert!(matches!(err, Error::NotKept { .. }), "{err:?}");
        let cause = std::error::Error::source(&err).expect("a cause");
        assert!(cause.downcast_ref::<io::Error>().is_some(), "{cause:?}");
        assert_eq!(
            fs::read(plugin_path(&bin_dir)).unwrap(),
            b"AWS's ecr-credential-provider"
        );
        let plugin_name = format!("{PROVIDER_NAME}{}", std::env::consts::EXE_SUFFIX);
        assert_eq!(
            names_in(&bin_dir),
            [
                "config.json".to_owned(),
                plugin_name.clone(),
                format!("{plugin_name}.orig")
            ]
        );
    }
}
