//! Everything about the command line: the clap tree, its help texts, and recognising a
//! protocol verb without building the tree (docker runs us with exactly one argument on every
//! pull, and the parser costs more than a cache hit).

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{CommandFactory, Parser, Subcommand};
use clap_complete::Shell;

use super::protocol::Verb;

mod kube;
mod provider;

use crate::NAME;
use crate::kubernetes::provider_config;
pub use kube::KubeSecretArgs;
pub use provider::{PROVIDER_HELP, ProviderRun, provider_run};

const ABOUT: &str = "Docker credential helper for Amazon ECR and ECR Public";

const LONG_ABOUT: &str = "\
Docker credential helper for Amazon ECR and ECR Public.

Docker, skopeo, podman, buildah, helm and oras run this program to get the short-lived (12 h)
ECR password of a registry. It gets the password from AWS with your usual AWS credentials
(profiles, SSO, roles, environment, instance and container roles), caches it until shortly
before it expires, and answers in the Docker credential-helper protocol. Hosts that are not ECR
get the standard \"not found\" answer, so the helper can safely be configured for every
registry; with fallback_helper = \"<name>\" in the config file they go to
docker-credential-<name> instead (pass, secretservice, osxkeychain, wincred, desktop...), which
makes \"credsStore\": \"ecr-login\" a complete store.";

const AFTER_HELP: &str = "\
Set up docker for a registry (adds a credHelpers entry to ~/.docker/config.json):
  docker-credential-ecr-login configure 123456789012.dkr.ecr.eu-west-1.amazonaws.com

Try it by hand:
  echo 123456789012.dkr.ecr.eu-west-1.amazonaws.com | docker-credential-ecr-login get
  docker-credential-ecr-login doctor 123456789012.dkr.ecr.eu-west-1.amazonaws.com

Environment:
  AWS_PROFILE, AWS_ACCESS_KEY_ID, ...  the usual AWS credential sources
  AWS_ENDPOINT_URL_ECR, AWS_ENDPOINT_URL_ECR_PUBLIC, AWS_ENDPOINT_URL  API endpoint overrides
  AWS_USE_FIPS_ENDPOINT, AWS_USE_DUALSTACK_ENDPOINT  true: FIPS / dual-stack API endpoints
  AWS_ECR_TIMEOUT         bound on every command, from its start (default 15s)
  AWS_ECR_CACHE_DIR       cache directory (default: docker-credential-ecr-login in the platform's
                          cache directory, ~/.cache on Linux; `doctor` shows it)
  AWS_ECR_DISABLE_CACHE   any value turns the cache off
  AWS_ECR_REFRESH_WINDOW  refresh a cached token this long before it expires (default 1h)
  AWS_ECR_CONFIG          config file (default: docker-credential-ecr-login/config.toml in the
                          platform's config directory, ~/.config on Linux; `doctor` shows it)
  AWS_ECR_IGNORE_CREDS_STORAGE  true: store and erase succeed for hosts no fallback takes,
                          keeping nothing (the Go helper's variable, for scripts that set it)
  AWS_ECR_LOG             debug, info, warn (default), error or off; to stderr
  AWS_ECR_LOG_FILE        also append every line, debug included, to this file (0600, 1 MiB, one rotation)
  AWS_CA_BUNDLE           CA bundle (PEM) for the API calls, replacing the system roots
  HTTPS_PROXY, NO_PROXY   proxy for the API calls";

#[derive(Debug, Parser)]
#[command(name = NAME, version, about = ABOUT, long_about = LONG_ABOUT, after_help = AFTER_HELP)]
#[command(arg_required_else_help = true, disable_version_flag = true)]
pub struct Cli {
    /// Print the version, as the `version` command does (`-v` is the Go helper's spelling).
    #[arg(short = 'v', long = "version", short_alias = 'V', action = clap::ArgAction::Version)]
    version: (),
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Protocol: print credentials for the server URL read from stdin.
    #[command(
        after_help = "Example:\n  echo 123456789012.dkr.ecr.us-east-1.amazonaws.com | docker-credential-ecr-login get"
    )]
    Get,
    /// Protocol: accept credentials from `docker login` (validated, not stored for ECR: its
    /// passwords come from AWS; other hosts go to the config's fallback_helper).
    #[command(
        after_help = "Example:\n  echo '{\"ServerURL\":\"public.ecr.aws\",\"Username\":\"AWS\",\"Secret\":\"x\"}' | docker-credential-ecr-login store"
    )]
    Store,
    /// Protocol: forget the cached token of the server URL read from stdin.
    #[command(
        after_help = "Example:\n  echo 123456789012.dkr.ecr.us-east-1.amazonaws.com | docker-credential-ecr-login erase"
    )]
    Erase,
    /// Protocol: print the registries that have a valid cached token, as JSON, with the
    /// fallback helper's.
    #[command(after_help = "Example:\n  docker-credential-ecr-login list < /dev/null")]
    List,
    /// Protocol: print the version (also -v and --version).
    #[command(after_help = "Example:\n  docker-credential-ecr-login version")]
    Version,
    /// Print the password alone, like `aws ecr get-login-password` but cached.
    #[command(after_help = "\
A registry, --region or --public, one of them. With --region the password is the one
`aws ecr get-login-password --region R` prints: it opens every registry the credentials may
use in that region.

Examples:
  docker-credential-ecr-login password 123456789012.dkr.ecr.eu-west-1.amazonaws.com \\
    | helm registry login --username AWS --password-stdin 123456789012.dkr.ecr.eu-west-1.amazonaws.com
  docker-credential-ecr-login password --region eu-west-1 \\
    | docker login --username AWS --password-stdin 123456789012.dkr.ecr.eu-west-1.amazonaws.com
  docker-credential-ecr-login password --public | oras login -u AWS --password-stdin public.ecr.aws
  # Argo CD Image Updater's ext: credentials (a script that prints user:password)
  docker-credential-ecr-login password --with-username 123456789012.dkr.ecr.eu-west-1.amazonaws.com")]
    #[command(group(clap::ArgGroup::new("which").required(true).args(["registry", "region", "public"])))]
    Password {
        /// Registry host (or a configured alias).
        registry: Option<String>,
        /// The token for this region's registries (the account of the credentials in use).
        #[arg(long, value_name = "REGION")]
        region: Option<String>,
        /// The token for ECR Public (public.ecr.aws), whose API is in us-east-1.
        #[arg(long)]
        public: bool,
        /// Print AWS:<password>, the user name and the password on one line, as Argo CD
        /// Image Updater's ext: credentials read them.
        #[arg(long)]
        with_username: bool,
    },
    /// Print a docker config.json ({"auths": ...}) holding the registries' credentials.
    #[command(after_help = "\
Example (a throwaway docker config for one CI job):
  export DOCKER_CONFIG=$(mktemp -d)
  docker-credential-ecr-login dockerconfig 123456789012.dkr.ecr.eu-west-1.amazonaws.com > \"$DOCKER_CONFIG/config.json\"")]
    Dockerconfig {
        /// Registry hosts (or configured aliases).
        #[arg(required = true)]
        registries: Vec<String>,
    },
    /// Add credHelpers entries for the registries to docker's (and helm's) config.
    #[command(after_help = "\
Every other key of the file is kept, in its order; the file is replaced atomically, and
running the command twice changes nothing the second time.

Examples:
  docker-credential-ecr-login configure 123456789012.dkr.ecr.eu-west-1.amazonaws.com public.ecr.aws
  docker-credential-ecr-login configure --helm 123456789012.dkr.ecr.eu-west-1.amazonaws.com")]
    Configure {
        /// Registry hosts (or configured aliases).
        #[arg(required = true)]
        registries: Vec<String>,
        /// Docker config file or directory [default: $DOCKER_CONFIG/config.json, else
        /// ~/.docker/config.json].
        #[arg(long, value_name = "PATH")]
        docker_config: Option<PathBuf>,
        /// Also configure helm's registry config ($HELM_REGISTRY_CONFIG, else
        /// ~/.config/helm/registry/config.json).
        #[arg(long)]
        helm: bool,
    },
    /// Explain what happens for a registry: host, region, endpoint, credentials, cache, and a
    /// live token fetch.
    #[command(after_help = "\
Never prints a token or a password. Exits non-zero when the fetch fails.

Example:
  AWS_PROFILE=prod docker-credential-ecr-login doctor 123456789012.dkr.ecr.eu-west-1.amazonaws.com")]
    Doctor {
        /// Registry host (or a configured alias).
        registry: String,
    },
    /// Print a Kubernetes Secret manifest with the registries' credentials (a pull Secret, or
    /// Fleet's or Argo CD's), or write it to the cluster with --apply.
    #[command(after_help = kube::HELP)]
    KubeSecret(KubeSecretArgs),
    /// Kubelet image credential provider: answer a CredentialProviderRequest on stdin.
    #[command(after_help = "\
The kubelet runs this, as ecr-credential-provider or with this argument; install-kubelet-plugin
puts it on a node and writes the kubelet's CredentialProviderConfig.

Environment (the config's `env`), besides the AWS credential sources:
  AWS_ECR_CACHE_DIR  the token cache on the node
  AWS_ECR_ROLE_ARN   the role to assume with a pod's service-account token when its service
                     account has no eks.amazonaws.com/ecr-role-arn annotation

By hand:
  echo '{\"apiVersion\":\"credentialprovider.kubelet.k8s.io/v1\",\"kind\":\"CredentialProviderRequest\",\"image\":\"123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1\"}' \\
    | docker-credential-ecr-login kubelet-plugin")]
    KubeletPlugin,
    /// Install the kubelet plugin on this node: the binary as ecr-credential-provider, and its
    /// CredentialProviderConfig.
    #[command(after_help = INSTALL_HELP)]
    InstallKubeletPlugin {
        /// The kubelet's --image-credential-provider-bin-dir (on EKS AMIs
        /// /etc/eks/image-credential-provider; kops /usr/local/bin; k3s
        /// /var/lib/rancher/credentialprovider/bin).
        #[arg(long, value_name = "DIR")]
        bin_dir: PathBuf,
        /// Also write the CredentialProviderConfig here, the kubelet's
        /// --image-credential-provider-config [default: leave the node's config alone].
        #[arg(long, value_name = "PATH")]
        config: Option<PathBuf>,
        /// The plugin's token cache directory on the node, written into the config.
        #[arg(long, value_name = "DIR", default_value = provider_config::DEFAULT_CACHE_DIR)]
        cache_dir: String,
        /// Have the kubelet send pods' service-account tokens (per-pod roles through the
        /// eks.amazonaws.com/ecr-role-arn annotation; Kubernetes 1.34+).
        #[arg(long)]
        service_account_tokens: bool,
        /// The role pods pull as when their service account has no
        /// eks.amazonaws.com/ecr-role-arn annotation, assumed with the pod's token
        /// (AWS_ECR_ROLE_ARN in the config's env; implies --service-account-tokens).
        #[arg(long, value_name = "ARN", requires = "config", value_parser = role_arn)]
        role_arn: Option<String>,
        /// Then keep running (a DaemonSet's container), checking the files again every hour.
        #[arg(long)]
        wait: bool,
        /// Undo the installation instead: put back the files it replaced (kept as
        /// FILE.orig), remove ours where nothing was kept.
        #[arg(long, conflicts_with = "service_account_tokens")]
        restore: bool,
    },
    /// Print a shell completion script.
    #[command(after_help = "\
Example:
  docker-credential-ecr-login completions bash > ~/.local/share/bash-completion/completions/docker-credential-ecr-login")]
    Completions {
        /// The shell.
        shell: Shell,
    },
    /// Print the man page (roff).
    #[command(after_help = "Example:\n  docker-credential-ecr-login man | man -l -")]
    Man,
}

/// The clap command, for completions, the man page and their tests.
pub fn command() -> clap::Command {
    Cli::command()
}

const INSTALL_HELP: &str = "\
Copies this very binary into --bin-dir under the name ecr-credential-provider (under that name,
run with no arguments, it is the kubelet plugin) and, with --config, writes a
CredentialProviderConfig naming it for every private ECR host form. Each file is replaced
atomically and only when it differs, so running it again changes nothing. The kubelet runs the
new binary at its next pull; it reads a new config only when it restarts.

A file it replaces that is not its own (the node's ecr-credential-provider, the node's config)
is kept beside it as <file>.orig; an older copy of its own is not. --restore puts the kept
files back and removes its own where nothing was kept; its binary stays, though, unless its
config goes too (give --config): a kubelet whose config names a missing plugin does not start.

Examples:
  # Swap it in for cloud-provider-aws's plugin where a node already runs that (an EKS AMI: the
  # node's config names ecr-credential-provider, so the binary alone is enough)
  docker-credential-ecr-login install-kubelet-plugin --bin-dir /etc/eks/image-credential-provider
  # and back to AWS's
  docker-credential-ecr-login install-kubelet-plugin --bin-dir /etc/eks/image-credential-provider --restore

  # A node set up from scratch, then the kubelet started with the two flags
  docker-credential-ecr-login install-kubelet-plugin --bin-dir /usr/local/lib/kubelet-plugins \\
    --config /etc/kubernetes/credential-provider.json
  kubelet ... --image-credential-provider-bin-dir=/usr/local/lib/kubelet-plugins \\
    --image-credential-provider-config=/etc/kubernetes/credential-provider.json

  # Pods pull as a role, assumed with their service-account token (Kubernetes 1.34+), unless
  # their service account names its own with the eks.amazonaws.com/ecr-role-arn annotation
  docker-credential-ecr-login install-kubelet-plugin --bin-dir /usr/local/lib/kubelet-plugins \
    --config /etc/kubernetes/credential-provider.json \
    --role-arn arn:aws:iam::123456789012:role/cluster-pull

  # In a DaemonSet (the Helm chart's), the node's directories mounted
  docker-credential-ecr-login install-kubelet-plugin --bin-dir /host/bin \\
    --config /host/config/config.json --wait";

/// `--role-arn`: refused here rather than by STS at the first pull on every node.
fn role_arn(value: &str) -> Result<String, String> {
    if crate::kubernetes::kubelet::looks_like_an_arn(value) {
        Ok(value.to_owned())
    } else {
        Err("not a role ARN (arn:aws:iam::<account>:role/<name>)".to_owned())
    }
}

/// The protocol verb of `args`, when they are exactly one verb. `-v` and `--version` are the
/// Go helper's spellings of `version`, answered the same way.
pub fn protocol_verb(args: &[OsString]) -> Option<Verb> {
    let [_, verb] = args else {
        return None;
    };
    match verb.to_str()? {
        "-v" | "--version" => Some(Verb::Version),
        verb => Verb::named(verb),
    }
}
