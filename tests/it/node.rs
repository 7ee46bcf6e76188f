//! The kubelet plugin on a node: the binary run as cloud-provider-aws's
//! `ecr-credential-provider`, and `install-kubelet-plugin` putting it there.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::support::*;

const PROVIDER: &str = "ecr-credential-provider";

fn request(version: &str) -> String {
    json!({
        "apiVersion": format!("credentialprovider.kubelet.k8s.io/{version}"),
        "kind": "CredentialProviderRequest",
        "image": format!("{HOST}/team/app:1"),
    })
    .to_string()
}

/// A copy of the helper named `ecr-credential-provider` (`.exe` on Windows) in `dir`.
fn provider_copy(dir: &Path) -> PathBuf {
    let path = dir.join(format!("{PROVIDER}{}", std::env::consts::EXE_SUFFIX));
    std::fs::copy(helper_binary(), &path).unwrap();
    beside_the_helper(dir);
    path
}

/// On Windows, the DLLs next to the helper (under wine, the test-only bcryptprimitives.dll
/// shim, see tests/wine) copied next to a copy of it in `dir`, so the copy starts too.
fn beside_the_helper(dir: &Path) {
    if !cfg!(windows) {
        return;
    }
    let helper = helper_binary();
    for entry in std::fs::read_dir(helper.parent().unwrap()).unwrap() {
        let path = entry.unwrap().path();
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("dll"))
        {
            std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
        }
    }
}

fn assert_answers(run: &Run, version: &str, password: &str) {
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
    let response: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        response["apiVersion"],
        format!("credentialprovider.kubelet.k8s.io/{version}")
    );
    assert_eq!(response["kind"], "CredentialProviderResponse");
    assert_eq!(
        response["auth"],
        json!({HOST: {"username": "AWS", "password": password}})
    );
}

#[test]
fn named_ecr_credential_provider_it_is_the_plugin_whatever_the_arguments() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("drop-in-pw", 43_200)));
    let sandbox = Sandbox::new().static_keys().endpoints(&mock);
    let dir = tempfile::tempdir().unwrap();
    let provider = provider_copy(dir.path());

    for version in ["v1", "v1beta1", "v1alpha1"] {
        let run = sandbox.run_program(&provider, &[], request(version));
        assert_answers(&run, version, "drop-in-pw");
    }
    // kops's configuration passes `get-credentials`; klog-style flags are common too.
    let run = sandbox.run_program(&provider, &["get-credentials", "--v=3"], request("v1"));
    assert_answers(&run, "v1", "drop-in-pw");
    // Under its own name the same arguments are not the plugin.
    let own = sandbox.run(&["get-credentials"], request("v1"));
    assert_ne!(own.code, 0);
    assert_eq!(mock.requests().len(), 1, "one cache for both names");
}

#[cfg(unix)]
#[test]
fn a_symlink_named_ecr_credential_provider_is_the_plugin_too() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("link-pw", 43_200)));
    let sandbox = Sandbox::new().static_keys().endpoints(&mock);
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join(PROVIDER);
    std::os::unix::fs::symlink(helper_binary(), &link).unwrap();
    let run = sandbox.run_program(&link, &[], request("v1"));
    assert_answers(&run, "v1", "link-pw");
}

#[test]
fn named_ecr_credential_provider_it_has_help_and_version() {
    let sandbox = Sandbox::new();
    let dir = tempfile::tempdir().unwrap();
    let provider = provider_copy(dir.path());
    for flag in ["--help", "-h"] {
        let run = sandbox.run_program(&provider, &[flag], "");
        assert_eq!(run.code, 0, "{run:?}");
        assert!(run.stdout.contains("kubelet image credential provider"));
        assert!(run.stdout.contains("CredentialProviderRequest"));
    }
    for flag in ["--version", "-v"] {
        let run = sandbox.run_program(&provider, &[flag], "");
        assert_eq!(run.code, 0, "{run:?}");
        assert!(
            run.stdout.starts_with("docker-credential-ecr-login "),
            "{}",
            run.stdout
        );
    }
    // Errors keep the plugin's shape: stderr, non-zero, nothing on stdout.
    let run = sandbox.run_program(&provider, &[], "{not json");
    assert_ne!(run.code, 0);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("not a CredentialProviderRequest"));
}

#[test]
fn install_kubelet_plugin_copies_itself_and_writes_the_config_once() {
    let mock = EcrMock::start();
    mock.ecr(json_reply(ecr_reply("installed-pw", 43_200)));
    let sandbox = Sandbox::new().static_keys().endpoints(&mock);
    let node = tempfile::tempdir().unwrap();
    let bin_dir = node.path().join("etc/eks/image-credential-provider");
    let config = bin_dir.join("config.json");
    let bin_arg = bin_dir.display().to_string();
    let config_arg = config.display().to_string();
    let args = [
        "install-kubelet-plugin",
        "--bin-dir",
        &bin_arg,
        "--config",
        &config_arg,
    ];
    let plugin = bin_dir.join(format!("{PROVIDER}{}", std::env::consts::EXE_SUFFIX));

    let first = sandbox.run(&args, "");
    assert_eq!((first.code, first.stderr.as_str()), (0, ""), "{first:?}");
    assert_eq!(
        first.stdout,
        format!("wrote {}\nwrote {}\n", plugin.display(), config.display())
    );
    assert_eq!(
        std::fs::read(&plugin).unwrap(),
        std::fs::read(helper_binary()).unwrap()
    );
    let second = sandbox.run(&args, "");
    assert_eq!(
        second.stdout,
        format!(
            "{} is up to date\n{} is up to date\n",
            plugin.display(),
            config.display()
        )
    );

    // The config is what a kubelet needs, and names the file that was installed.
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    assert_eq!(written["kind"], "CredentialProviderConfig");
    let provider = &written["providers"][0];
    assert_eq!(provider["name"], PROVIDER);
    assert!(
        provider["matchImages"]
            .as_array()
            .unwrap()
            .contains(&json!("*.dkr.ecr.*.amazonaws.com"))
    );
    assert_eq!(provider["env"][0]["name"], "AWS_ECR_CACHE_DIR");

    // And the installed copy is the plugin, run the way the kubelet runs it.
    beside_the_helper(&bin_dir);
    let run = sandbox.run_program(&plugin, &[], request("v1"));
    assert_answers(&run, "v1", "installed-pw");
}

/// `--role-arn`: the config the kubelet reads hands the plugin `AWS_ECR_ROLE_ARN` and asks for
/// service-account tokens, without which the role could never be assumed.
#[test]
fn install_kubelet_plugin_role_arn_goes_into_the_configs_env() {
    let sandbox = Sandbox::new();
    let node = tempfile::tempdir().unwrap();
    let bin_arg = node.path().display().to_string();
    let config = node.path().join("config.json");
    let config_arg = config.display().to_string();
    let role = "arn:aws:iam::123456789012:role/node-pull";
    let install = |extra: &[&str]| {
        let mut args = vec![
            "install-kubelet-plugin",
            "--bin-dir",
            &bin_arg,
            "--config",
            &config_arg,
        ];
        args.extend_from_slice(extra);
        sandbox.run(&args, "")
    };
    let run = install(&["--role-arn", role]);
    assert_eq!(run.code, 0, "{run:?}");
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    let provider = &written["providers"][0];
    assert!(
        provider["env"]
            .as_array()
            .unwrap()
            .contains(&json!({"name": "AWS_ECR_ROLE_ARN", "value": role})),
        "{provider}"
    );
    assert_eq!(
        provider["tokenAttributes"]["serviceAccountTokenAudience"],
        "sts.amazonaws.com"
    );

    for bad in ["node-pull", "arn:aws:iam::1:role/x y"] {
        let run = install(&["--role-arn", bad]);
        assert_eq!(run.code, 2, "{run:?}");
        assert!(run.stderr.contains("not a role ARN"), "{}", run.stderr);
    }
    // Without --config there is no config to carry it: refused, not dropped.
    let run = sandbox.run(
        &[
            "install-kubelet-plugin",
            "--bin-dir",
            &bin_arg,
            "--role-arn",
            role,
        ],
        "",
    );
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("--config"), "{}", run.stderr);
}

/// `--mirror`: the kubelet asks the plugin about those registries' images too; `--no-mirrors`
/// hands the plugin the opt-out instead.
#[test]
fn install_kubelet_plugin_mirrors_go_into_match_images() {
    let sandbox = Sandbox::new();
    let node = tempfile::tempdir().unwrap();
    let bin_arg = node.path().display().to_string();
    let config = node.path().join("config.json");
    let config_arg = config.display().to_string();
    let install = |extra: &[&str]| {
        let mut args = vec![
            "install-kubelet-plugin",
            "--bin-dir",
            &bin_arg,
            "--config",
            &config_arg,
        ];
        args.extend_from_slice(extra);
        sandbox.run(&args, "")
    };
    let provider = || -> Value {
        let written: Value =
            serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
        written["providers"][0].clone()
    };
    let run = install(&[
        "--mirror",
        "docker.io",
        "--mirror",
        "Mirror.Example.com:5000",
        "--mirror",
        "*.cache.example.com",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    let globs = provider()["matchImages"].clone();
    let globs: Vec<&str> = globs
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g.as_str().unwrap())
        .collect();
    assert_eq!(globs[0], "*.dkr.ecr.*.amazonaws.com", "the ECR hosts first");
    assert_eq!(
        globs[globs.len() - 3..],
        [
            "docker.io",
            "mirror.example.com:5000",
            "*.cache.example.com"
        ]
    );
    assert_eq!(provider()["env"].as_array().unwrap().len(), 1);

    let run = install(&["--no-mirrors"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        provider()["env"]
            .as_array()
            .unwrap()
            .contains(&json!({"name": "AWS_ECR_KUBELET_MIRRORS", "value": "false"})),
        "{}",
        provider()
    );
    assert!(
        !provider()["matchImages"]
            .as_array()
            .unwrap()
            .contains(&json!("docker.io"))
    );

    let before = std::fs::read(&config).unwrap();
    for bad in [
        "docker.io/library",
        "https://docker.io",
        "*.com",
        "*",
        "docker.io:99999",
        "",
        "docker.io\n  - evil.example",
    ] {
        let run = install(&["--mirror", bad]);
        assert_eq!((run.code, run.stdout.as_str()), (2, ""), "{bad:?}: {run:?}");
        assert!(run.stderr.contains("--mirror"), "{bad:?}: {}", run.stderr);
    }
    for contradiction in [
        &["--mirror", "docker.io", "--no-mirrors"][..],
        &["--mirror", "docker.io", "--restore"],
    ] {
        let run = install(contradiction);
        assert_eq!(run.code, 2, "{contradiction:?}: {run:?}");
    }
    // Without --config there is no matchImages to add to: refused, not dropped.
    for alone in [&["--mirror", "docker.io"][..], &["--no-mirrors"]] {
        let mut args = vec!["install-kubelet-plugin", "--bin-dir", &bin_arg];
        args.extend_from_slice(alone);
        let run = sandbox.run(&args, "");
        assert_eq!(run.code, 2, "{alone:?}: {run:?}");
        assert!(run.stderr.contains("--config"), "{}", run.stderr);
    }
    assert_eq!(std::fs::read(&config).unwrap(), before, "nothing written");
    let help = sandbox.run(&["install-kubelet-plugin", "--help"], "");
    assert!(help.stdout.contains("--mirror <HOST>") && help.stdout.contains("--no-mirrors"));
}

#[test]
fn install_kubelet_plugin_without_config_leaves_the_nodes_config_alone() {
    let sandbox = Sandbox::new();
    let node = tempfile::tempdir().unwrap();
    let config = node.path().join("config.json");
    std::fs::write(&config, "{\"the node's\": \"own\"}").unwrap();
    let bin_arg = node.path().display().to_string();
    let run = sandbox.run(&["install-kubelet-plugin", "--bin-dir", &bin_arg], "");
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout.lines().count(), 1);
    assert_eq!(
        std::fs::read_to_string(&config).unwrap(),
        "{\"the node's\": \"own\"}"
    );

    let missing = sandbox.run(&["install-kubelet-plugin"], "");
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("--bin-dir"), "{}", missing.stderr);
}

#[test]
fn install_kubelet_plugin_reports_an_unwritable_target() {
    let sandbox = Sandbox::new();
    let node = tempfile::tempdir().unwrap();
    // A regular file where the directory should be.
    let blocker = node.path().join("bin");
    std::fs::write(&blocker, "").unwrap();
    let bin_arg = blocker.display().to_string();
    let run = sandbox.run(&["install-kubelet-plugin", "--bin-dir", &bin_arg], "");
    assert_eq!((run.code, run.stdout.as_str()), (1, ""), "{run:?}");
    assert!(run.stderr.contains("cannot write"), "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1);
}

#[test]
fn install_kubelet_plugin_wait_installs_then_keeps_running() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let sandbox = Sandbox::new();
    let node = tempfile::tempdir().unwrap();
    let bin_arg = node.path().display().to_string();
    let mut child = sandbox
        .command(&["install-kubelet-plugin", "--bin-dir", &bin_arg, "--wait"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let second = lines.next().unwrap().unwrap();
    assert!(first.starts_with("wrote "), "{first}");
    assert!(
        second.starts_with("waiting; checking again every"),
        "{second}"
    );
    // The signal that it stays: past its last line, asleep until the next check (seen in
    // `/proc` on Linux); and, everywhere, no end of its output.
    #[cfg(target_os = "linux")]
    assert!(
        wait_for(std::time::Duration::from_secs(20), || {
            process_state(child.id()) == Some('S')
        }),
        "it waits for the next check"
    );
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(lines.next().is_none());
    });
    assert!(
        receiver
            .recv_timeout(std::time::Duration::from_millis(500))
            .is_err(),
        "its output ended: it stopped"
    );
    assert!(child.try_wait().unwrap().is_none(), "it keeps running");
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        node.path()
            .join(PROVIDER)
            .with_extension(std::env::consts::EXE_EXTENSION)
            .exists()
    );
}

/// A DaemonSet's container may run with any umask; what the installer makes on the node has
/// its own modes all the same.
#[cfg(unix)]
#[test]
fn install_kubelet_plugin_sets_its_modes_whatever_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let node = tempfile::tempdir().unwrap();
    let existing = node.path().join("opt");
    std::fs::create_dir(&existing).unwrap();
    std::fs::set_permissions(&existing, std::fs::Permissions::from_mode(0o750)).unwrap();
    let bin_dir = existing.join("cni/bin");
    let config = node.path().join("etc/kubernetes/credential-provider.json");
    let (bin_arg, config_arg) = (bin_dir.display().to_string(), config.display().to_string());
    let sandbox = Sandbox::new();
    let helper = sandbox.command(&[
        "install-kubelet-plugin",
        "--bin-dir",
        &bin_arg,
        "--config",
        &config_arg,
    ]);
    let mut command = std::process::Command::new("sh");
    command
        .env_clear()
        .envs(helper.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .args(["-c", "umask 000 && exec \"$@\"", "sh"])
        .arg(helper.get_program())
        .args(helper.get_args());
    let out = command.output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let mode = |p: &Path| {
        format!(
            "{:o}",
            std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
        )
    };
    for dir in [
        bin_dir.parent().unwrap(),
        &bin_dir,
        config.parent().unwrap().parent().unwrap(),
        config.parent().unwrap(),
    ] {
        assert_eq!(mode(dir), "755", "{}", dir.display());
    }
    assert_eq!(
        mode(&existing),
        "750",
        "an existing directory is left alone"
    );
    assert_eq!(mode(&bin_dir.join(PROVIDER)), "755");
    assert_eq!(mode(&config), "644");
}

/// What `install-kubelet-plugin` replaces on a node (AWS's plugin, the node's config) is kept
/// as `<file>.orig`, never overwritten by a copy of ours on a later run or an upgrade, and
/// `--restore` puts it back.
#[test]
fn install_kubelet_plugin_keeps_what_it_replaces_and_restore_puts_it_back() {
    let sandbox = Sandbox::new();
    let node = tempfile::tempdir().unwrap();
    let bin_dir = node.path().join("etc/eks/image-credential-provider");
    std::fs::create_dir_all(&bin_dir).unwrap();
    let plugin = bin_dir.join(format!("{PROVIDER}{}", std::env::consts::EXE_SUFFIX));
    let config = bin_dir.join("config.json");
    let kept = |p: &Path| PathBuf::from(format!("{}.orig", p.display()));
    std::fs::write(&plugin, "AWS's plugin").unwrap();
    std::fs::write(&config, r#"{"the node's": "own"}"#).unwrap();
    let (bin_arg, config_arg) = (bin_dir.display().to_string(), config.display().to_string());
    let install = [
        "install-kubelet-plugin",
        "--bin-dir",
        &bin_arg,
        "--config",
        &config_arg,
    ];

    let first = sandbox.run(&install, "");
    assert_eq!((first.code, first.stderr.as_str()), (0, ""), "{first:?}");
    assert_eq!(
        first.stdout,
        format!(
            "wrote {} (the file it replaced is kept as {})\nwrote {} (the file it replaced is kept as {})\n",
            plugin.display(),
            kept(&plugin).display(),
            config.display(),
            kept(&config).display()
        )
    );
    // An older build of ours in place (other bytes, the same program): replaced, not kept.
    let mut older = std::fs::read(&plugin).unwrap();
    older.extend_from_slice(b"an older build");
    std::fs::write(&plugin, older).unwrap();
    let upgrade = sandbox.run(&install, "");
    assert_eq!(
        upgrade.stdout,
        format!(
            "wrote {}\n{} is up to date\n",
            plugin.display(),
            config.display()
        )
    );
    assert_eq!(
        std::fs::read_to_string(kept(&plugin)).unwrap(),
        "AWS's plugin"
    );

    let mut restore = install.to_vec();
    restore.push("--restore");
    let restored = sandbox.run(&restore, "");
    assert_eq!(
        (restored.code, restored.stderr.as_str()),
        (0, ""),
        "{restored:?}"
    );
    assert_eq!(
        restored.stdout,
        format!(
            "put back {} from {}\nput back {} from {}\n",
            plugin.display(),
            kept(&plugin).display(),
            config.display(),
            kept(&config).display()
        )
    );
    assert_eq!(std::fs::read_to_string(&plugin).unwrap(), "AWS's plugin");
    assert_eq!(
        std::fs::read_to_string(&config).unwrap(),
        r#"{"the node's": "own"}"#
    );
    assert!(!kept(&plugin).exists() && !kept(&config).exists());

    let again = sandbox.run(&restore, "");
    assert_eq!(
        again.stdout,
        format!(
            "{} is not ours: left as it is\n{} is not ours: left as it is\n",
            plugin.display(),
            config.display()
        )
    );

    // --restore undoes; it takes no option of an installation.
    let mixed = sandbox.run(
        &[
            "install-kubelet-plugin",
            "--bin-dir",
            &bin_arg,
            "--restore",
            "--service-account-tokens",
        ],
        "",
    );
    assert_eq!(mixed.code, 2, "{mixed:?}");
}

/// Where nothing was there before, `--restore` removes ours, but the binary only along with
/// the config that names it.
#[test]
fn install_kubelet_plugin_restore_removes_what_it_wrote() {
    let sandbox = Sandbox::new();
    let node = tempfile::tempdir().unwrap();
    let bin_dir = node.path().join("bin");
    let config = node.path().join("credential-provider.json");
    let plugin = bin_dir.join(format!("{PROVIDER}{}", std::env::consts::EXE_SUFFIX));
    let (bin_arg, config_arg) = (bin_dir.display().to_string(), config.display().to_string());
    let with_config = ["--bin-dir", bin_arg.as_str(), "--config", &config_arg];
    let args = |extra: &[&'static str], files: &[&str]| {
        let mut all = vec!["install-kubelet-plugin"];
        all.extend_from_slice(files);
        all.extend_from_slice(extra);
        sandbox.run(&all, "")
    };
    assert_eq!(args(&[], &with_config).code, 0);

    let binary_only = args(&["--restore"], &with_config[..2]);
    assert_eq!(binary_only.code, 0, "{binary_only:?}");
    assert!(
        binary_only.stdout.contains("left in place"),
        "{}",
        binary_only.stdout
    );
    assert!(plugin.exists());

    let both = args(&["--restore"], &with_config);
    assert_eq!(
        both.stdout,
        format!(
            "removed {}\nremoved {}\n",
            plugin.display(),
            config.display()
        )
    );
    assert!(!plugin.exists() && !config.exists());
    assert_eq!(std::fs::read_dir(&bin_dir).unwrap().count(), 0);
}
