//! Putting the kubelet plugin on a node (`install-kubelet-plugin`): the binary, under the name
//! the kubelet runs, and its `CredentialProviderConfig`.
//!
//! Made for a DaemonSet whose image is `FROM scratch`: there is no `cp` or shell in it, so the
//! running binary copies itself into a hostPath. Both files are replaced atomically (a temp file
//! beside the target, then a rename), so the kubelet, which may run the plugin at any moment,
//! sees the old binary or the new one, never half of one; renaming over a binary that is being
//! executed is fine where writing into it is not. A file that already holds exactly the
//! intended bytes is left alone, so a pod restarting on every node rewrites nothing.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde_json::json;

use crate::error::Error;
use crate::file;
use crate::kubernetes::kubelet::{ROLE_ANNOTATION, ROLE_ARN_VAR};

/// The name cloud-provider-aws's plugin has: existing kubelet configurations (EKS AMIs, kops,
/// k3s set-ups) name it, and under this name the binary is the plugin with no arguments.
pub const PROVIDER_NAME: &str = "ecr-credential-provider";

/// Where the plugin keeps its token cache on a node unless told otherwise: beside the
/// kubelet's own state, root's alone. The kubelet often runs plugins without a `HOME`, so the
/// config names it rather than relying on a per-user default.
pub const DEFAULT_CACHE_DIR: &str = "/var/lib/kubelet/ecr-login-cache";

/// Every private ECR host form (`registry.rs`), as kubelet globs: each `*` is one DNS label.
/// ECR Public is left out: public images need no credentials, and a node without AWS
/// credentials would only log a failure for each pull.
pub const MATCH_IMAGES: &[&str] = &[
    "*.dkr.ecr.*.amazonaws.com",
    "*.dkr.ecr-fips.*.amazonaws.com",
    "*.dkr.ecr.*.amazonaws.com.cn",
    "*.dkr.ecr.*.amazonaws.eu",
    "*.dkr-ecr.*.on.aws",
    "*.dkr-ecr-fips.*.on.aws",
    "*.dkr-ecr.*.on.amazonwebservices.com.cn",
    "*.dkr.ecr.*.c2s.ic.gov",
    "*.dkr.ecr.*.sc2s.sgov.gov",
    "*.dkr.ecr.*.cloud.adc-e.uk",
    "*.dkr.ecr.*.csp.hci.ic.gov",
];

/// Largest binary we copy: a release build is a few MB, a debug build with its symbols a few
/// hundred; anything bigger is not what we meant to read.
const MAX_BINARY: u64 = 1 << 30;

/// What goes into the `CredentialProviderConfig`.
#[derive(Debug, Clone)]
pub struct ConfigOptions {
    /// `AWS_ECR_CACHE_DIR` for the plugin, a path on the node.
    pub cache_dir: String,
    /// Ask the kubelet for the pod's service-account token (per-pod roles; Kubernetes 1.34+).
    pub service_account_tokens: bool,
    /// `AWS_ECR_ROLE_ARN` for the plugin: the role for service accounts without the annotation.
    pub role_arn: Option<String>,
}

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
    let binary = file::read_regular(source, MAX_BINARY).map_err(|e| {
        Error::Config(format!(
            "cannot read the running binary {}: {e}",
            source.display()
        ))
    })?;
    let mut done = vec![put(&plugin_path(bin_dir), &binary, 0o755)?];
    if let Some(config) = config {
        done.push(put(config, provider_config(options).as_bytes(), 0o644)?);
    }
    Ok(done)
}

/// The `CredentialProviderConfig`, as JSON (which the kubelet reads whatever the file's
/// extension: JSON is YAML).
pub fn provider_config(options: &ConfigOptions) -> String {
    let mut provider = json!({
        "name": PROVIDER_NAME,
        "matchImages": MATCH_IMAGES,
        // Our answers always carry their own cacheDuration; this only applies if one did not.
        "defaultCacheDuration": "11h",
        "apiVersion": "credentialprovider.kubelet.k8s.io/v1",
        "env": [{"name": "AWS_ECR_CACHE_DIR", "value": options.cache_dir}],
    });
    if let (Some(role_arn), Some(env)) = (&options.role_arn, provider["env"].as_array_mut()) {
        env.push(json!({"name": ROLE_ARN_VAR, "value": role_arn}));
    }
    if options.service_account_tokens {
        provider["tokenAttributes"] = json!({
            "serviceAccountTokenAudience": "sts.amazonaws.com",
            "cacheType": "ServiceAccount",
            "requireServiceAccount": false,
            "optionalServiceAccountAnnotationKeys": [ROLE_ANNOTATION],
        });
    }
    let config = json!({
        "apiVersion": "kubelet.config.k8s.io/v1",
        "kind": "CredentialProviderConfig",
        "providers": [provider],
    });
    // A `Value` built here always serialises.
    let mut text = serde_json::to_string_pretty(&config).unwrap_or_default();
    text.push('\n');
    text
}

/// Writes `bytes` to `path` unless it already holds exactly them.
fn put(path: &Path, bytes: &[u8], mode: u32) -> Result<Installed, Error> {
    let fail = |e: io::Error| Error::Config(format!("cannot write {}: {e}", path.display()));
    // Anything unreadable or different there is replaced; a missing file is written. The mode
    // check comes first: it also makes sure a regular file is there before it is opened (a
    // FIFO would block the read).
    let same = mode_is(path, mode) && holds(path, bytes).unwrap_or(false);
    if same {
        return Ok(Installed {
            path: path.to_owned(),
            change: Change::Unchanged,
        });
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_dirs(dir).map_err(fail)?;
    }
    file::replace(path, bytes, mode, None, &format!(".{PROVIDER_NAME}.")).map_err(fail)?;
    Ok(Installed {
        path: path.to_owned(),
        change: Change::Written,
    })
}

/// Creates `dir` and its missing parents 0755, whatever the umask: the kubelet (and whoever
/// reads the node's configuration) must be able to enter them, and nobody else write them; a
/// DaemonSet's container may run with any umask. Directories that exist are left as they are.
fn create_dirs(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_dirs(parent)?;
    }
    #[cfg_attr(not(unix), allow(unused_mut))]
    let mut builder = fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o755);
    match builder.create(dir) {
        Ok(()) => set_dir_mode(dir),
        // Made by someone else meanwhile (another installer): theirs, left alone.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        Err(e) => Err(e),
    }
}

/// Sets the directory we just made to exactly 0755 (the umask took bits off the mkdir), on a
/// handle opened without following a link: a directory swapped for a symlink meanwhile is
/// refused, not a chmod of what it points to.
#[cfg(unix)]
fn set_dir_mode(dir: &Path) -> io::Result<()> {
    use rustix::fs::{Mode, OFlags};
    let fd = rustix::fs::open(
        dir,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    rustix::fs::fchmod(&fd, Mode::from_raw_mode(0o755))?;
    Ok(())
}

/// Windows: the directory inherits its parent's ACL.
#[cfg(not(unix))]
fn set_dir_mode(_dir: &Path) -> io::Result<()> {
    Ok(())
}

/// True when the file at `path` holds exactly `bytes`, read a block at a time: no second copy
/// of a large binary in memory.
fn holds(path: &Path, bytes: &[u8]) -> io::Result<bool> {
    use std::io::Read;
    let mut file = fs::File::open(path)?;
    if file.metadata()?.len() != bytes.len() as u64 {
        return Ok(false);
    }
    let mut block = vec![0; 64 << 10];
    let mut rest = bytes;
    loop {
        let n = file.read(&mut block)?;
        if n == 0 {
            return Ok(rest.is_empty());
        }
        match rest.split_at_checked(n) {
            Some((head, tail)) if head == &block[..n] => rest = tail,
            _ => return Ok(false),
        }
    }
}

/// True when `path` (a regular file, not followed through a symlink) has exactly `mode`'s
/// permission bits: a binary someone made non-executable must be fixed, not declared current.
#[cfg(unix)]
fn mode_is(path: &Path, mode: u32) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs::symlink_metadata(path)
        .is_ok_and(|m| m.file_type().is_file() && m.permissions().mode() & 0o7777 == mode)
}

/// Windows has no mode bits; the contents decide.
#[cfg(not(unix))]
fn mode_is(path: &Path, _mode: u32) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_file())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn options(tokens: bool) -> ConfigOptions {
        ConfigOptions {
            cache_dir: DEFAULT_CACHE_DIR.into(),
            service_account_tokens: tokens,
            role_arn: None,
        }
    }

    #[test]
    fn the_config_names_the_plugin_and_every_private_host_form() {
        let config: Value = serde_json::from_str(&provider_config(&options(false))).unwrap();
        assert_eq!(config["apiVersion"], "kubelet.config.k8s.io/v1");
        assert_eq!(config["kind"], "CredentialProviderConfig");
        let provider = &config["providers"][0];
        assert_eq!(provider["name"], PROVIDER_NAME);
        assert_eq!(
            provider["apiVersion"],
            "credentialprovider.kubelet.k8s.io/v1"
        );
        assert!(provider.get("args").is_none(), "the name alone selects it");
        assert!(provider.get("tokenAttributes").is_none());
        assert_eq!(
            provider["env"],
            json!([{"name": "AWS_ECR_CACHE_DIR", "value": DEFAULT_CACHE_DIR}])
        );
        let globs: Vec<&str> = provider["matchImages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g.as_str().unwrap())
            .collect();
        assert_eq!(globs, MATCH_IMAGES);
        assert!(!globs.iter().any(|g| g.contains("public")));
    }

    /// Each glob, with its `*`s filled in, must be a host `registry.rs` takes for private ECR.
    #[test]
    fn every_glob_matches_a_real_ecr_host() {
        for glob in MATCH_IMAGES {
            let host = glob
                .replacen('*', "123456789012", 1)
                .replacen('*', "eu-west-1", 1);
            let registry = crate::core::registry::Registry::parse(&host);
            assert!(registry.is_some_and(|r| !r.is_public()), "{glob} -> {host}");
        }
    }

    #[test]
    fn service_account_tokens_add_token_attributes() {
        let config: Value = serde_json::from_str(&provider_config(&options(true))).unwrap();
        let attributes = &config["providers"][0]["tokenAttributes"];
        assert_eq!(
            attributes["serviceAccountTokenAudience"],
            "sts.amazonaws.com"
        );
        assert_eq!(attributes["cacheType"], "ServiceAccount");
        assert_eq!(
            attributes["optionalServiceAccountAnnotationKeys"],
            json!([ROLE_ANNOTATION])
        );
    }

    #[test]
    fn install_writes_once_then_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("source-binary");
        fs::write(&source, b"\x7fELF pretend").unwrap();
        let bin_dir = dir.path().join("node/bin");
        let config = dir.path().join("node/etc/config.json");
        let run = || install(&source, &bin_dir, Some(&config), &options(false)).unwrap();

        let first = run();
        assert_eq!(
            first,
            [
                Installed {
                    path: plugin_path(&bin_dir),
                    change: Change::Written
                },
                Installed {
                    path: config.clone(),
                    change: Change::Written
                },
            ]
        );
        assert_eq!(fs::read(plugin_path(&bin_dir)).unwrap(), b"\x7fELF pretend");
        assert_eq!(
            fs::read_to_string(&config).unwrap(),
            provider_config(&options(false))
        );
        assert!(run().iter().all(|i| i.change == Change::Unchanged));

        // A new binary replaces the old one; the config stays as it was.
        fs::write(&source, b"\x7fELF newer").unwrap();
        let changes: Vec<Change> = run().iter().map(|i| i.change).collect();
        assert_eq!(changes, [Change::Written, Change::Unchanged]);
        assert_eq!(fs::read(plugin_path(&bin_dir)).unwrap(), b"\x7fELF newer");
        let leftovers: Vec<_> = fs::read_dir(&bin_dir).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temp files left behind");
    }

    #[cfg(unix)]
    #[test]
    fn modes_are_exact_and_a_wrong_mode_is_repaired() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("source-binary");
        fs::write(&source, b"binary").unwrap();
        let config = dir.path().join("config.json");
        install(&source, dir.path(), Some(&config), &options(false)).unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o7777;
        let plugin = plugin_path(dir.path());
        assert_eq!(mode(&plugin), 0o755);
        assert_eq!(mode(&config), 0o644);

        fs::set_permissions(&plugin, fs::Permissions::from_mode(0o644)).unwrap();
        let again = install(&source, dir.path(), Some(&config), &options(false)).unwrap();
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
        install(&source, &bin_dir, None, &options(false)).unwrap();
        assert_eq!(fs::read(&elsewhere).unwrap(), b"theirs");
        assert_eq!(fs::read(plugin_path(&bin_dir)).unwrap(), b"ours");
    }
}
