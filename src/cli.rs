//! Command-line parsing and dispatch.
//!
//! Docker and friends run us with exactly one argument, the protocol verb; people and CI run
//! the other commands. Both go through clap, but protocol failures keep the protocol's shape
//! (one line on stdout, exit code 1) while the other commands report on stderr.

use std::ffi::OsString;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{CommandFactory, Parser, Subcommand};
use clap_complete::Shell;

use crate::config::{Config, Target};
use crate::credentials;
use crate::dockerconfig;
use crate::doctor;
use crate::env::Env;
use crate::error::{Error, escape_controls};
use crate::kubelet;
use crate::manifest::{self, SecretType};
use crate::protocol::{self, GetReply};

pub const NAME: &str = "docker-credential-ecr-login";

const ABOUT: &str = "Docker credential helper for Amazon ECR and ECR Public";

const LONG_ABOUT: &str = "\
Docker credential helper for Amazon ECR and ECR Public.

Docker, skopeo, podman, buildah, helm and oras run this program to get the short-lived (12 h)
ECR password of a registry. It gets the password from AWS with your usual AWS credentials
(profiles, SSO, roles, environment, instance and container roles), caches it until shortly
before it expires, and answers in the Docker credential-helper protocol. Hosts that are not ECR
get the standard \"not found\" answer, so the helper can safely be configured for every
registry.";

const AFTER_HELP: &str = "\
Set up docker for a registry (adds a credHelpers entry to ~/.docker/config.json):
  docker-credential-ecr-login configure 123456789012.dkr.ecr.eu-west-1.amazonaws.com

Try it by hand:
  echo 123456789012.dkr.ecr.eu-west-1.amazonaws.com | docker-credential-ecr-login get
  docker-credential-ecr-login doctor 123456789012.dkr.ecr.eu-west-1.amazonaws.com

Environment:
  AWS_PROFILE, AWS_ACCESS_KEY_ID, ...  the usual AWS credential sources
  AWS_ENDPOINT_URL_ECR, AWS_ENDPOINT_URL_ECR_PUBLIC, AWS_ENDPOINT_URL  API endpoint overrides
  AWS_ECR_TIMEOUT         bound on one token fetch (default 15s)
  AWS_ECR_CACHE_DIR       cache directory (default ~/.cache/docker-credential-ecr-login)
  AWS_ECR_DISABLE_CACHE   any value turns the cache off
  AWS_ECR_REFRESH_WINDOW  refresh a cached token this long before it expires (default 1h)
  AWS_ECR_CONFIG          config file (default ~/.config/docker-credential-ecr-login/config.toml)
  AWS_ECR_LOG             debug, info, warn (default), error or off; to stderr
  AWS_CA_BUNDLE           CA bundle (PEM) for the API calls, replacing the system roots
  HTTPS_PROXY, NO_PROXY   proxy for the API calls";

#[derive(Debug, Parser)]
#[command(name = NAME, version, about = ABOUT, long_about = LONG_ABOUT, after_help = AFTER_HELP)]
#[command(arg_required_else_help = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Protocol: print credentials for the server URL read from stdin.
    #[command(
        after_help = "Example:\n  echo 123456789012.dkr.ecr.us-east-1.amazonaws.com | docker-credential-ecr-login get"
    )]
    Get,
    /// Protocol: accept credentials from `docker login` (validated, not stored: ECR passwords
    /// come from AWS).
    #[command(
        after_help = "Example:\n  echo '{\"ServerURL\":\"public.ecr.aws\",\"Username\":\"AWS\",\"Secret\":\"x\"}' | docker-credential-ecr-login store"
    )]
    Store,
    /// Protocol: forget the cached token of the server URL read from stdin.
    #[command(
        after_help = "Example:\n  echo 123456789012.dkr.ecr.us-east-1.amazonaws.com | docker-credential-ecr-login erase"
    )]
    Erase,
    /// Protocol: print the registries that have a valid cached token, as JSON.
    #[command(after_help = "Example:\n  docker-credential-ecr-login list < /dev/null")]
    List,
    /// Protocol: print the version.
    #[command(after_help = "Example:\n  docker-credential-ecr-login version")]
    Version,
    /// Print the password alone, like `aws ecr get-login-password` but cached.
    #[command(after_help = "\
Examples:
  docker-credential-ecr-login password 123456789012.dkr.ecr.eu-west-1.amazonaws.com \\
    | helm registry login --username AWS --password-stdin 123456789012.dkr.ecr.eu-west-1.amazonaws.com
  docker-credential-ecr-login password public.ecr.aws | oras login -u AWS --password-stdin public.ecr.aws")]
    Password {
        /// Registry host (or a configured alias).
        registry: String,
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
    /// Print a Kubernetes Secret manifest with the registries' credentials, for `kubectl apply -f -`.
    #[command(after_help = "\
Examples:
  # imagePullSecrets, Flux ImageRepository.spec.secretRef
  docker-credential-ecr-login kube-secret 123456789012.dkr.ecr.eu-west-1.amazonaws.com \\
    --name ecr-pull --namespace flux-system | kubectl apply -f -
  # Rancher Fleet helmSecretName
  docker-credential-ecr-login kube-secret 123456789012.dkr.ecr.eu-west-1.amazonaws.com \\
    --name ecr-helm --namespace fleet-local --type basic-auth | kubectl apply -f -")]
    KubeSecret {
        /// Registry hosts (or configured aliases); one for --type basic-auth.
        #[arg(required = true)]
        registries: Vec<String>,
        /// The Secret's name.
        #[arg(long)]
        name: String,
        /// The Secret's namespace [default: kubectl's current namespace].
        #[arg(long)]
        namespace: Option<String>,
        /// dockerconfigjson for image pulls and Flux; basic-auth (username/password) for Fleet.
        #[arg(long = "type", value_enum, default_value = "dockerconfigjson")]
        secret_type: SecretType,
    },
    /// Kubelet image credential provider: answer a CredentialProviderRequest on stdin.
    #[command(after_help = "\
The kubelet runs this; see the README for the CredentialProviderConfig. By hand:
  echo '{\"apiVersion\":\"credentialprovider.kubelet.k8s.io/v1\",\"kind\":\"CredentialProviderRequest\",\"image\":\"123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1\"}' \\
    | docker-credential-ecr-login kubelet-plugin")]
    KubeletPlugin,
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

/// Runs the program and returns its exit code.
pub fn main() -> ExitCode {
    crate::platform::no_core_dumps();
    let args: Vec<OsString> = std::env::args_os().collect();
    let action = match protocol_verb(&args) {
        Some(action) => action,
        None => match Cli::try_parse_from(&args) {
            Ok(cli) => cli.command,
            Err(e) => return usage_error(&e, &args),
        },
    };
    let env = Env::from_process();
    crate::log::init(&env);
    match action {
        Command::Get => protocol_reply(get(io::stdin().lock(), &env).inspect_err(|e| {
            // Some clients (the docker CLI) drop a helper's error and carry on anonymously,
            // but pass its stderr through: the cause must reach the user there too.
            if !matches!(e, Error::NotFound | Error::MissingServerUrl) {
                let _ = writeln!(io::stderr().lock(), "{}", escape_controls(&e.to_string()));
            }
        })),
        Command::Store => protocol_reply(store(io::stdin().lock(), &env)),
        Command::Erase => protocol_reply(erase(io::stdin().lock(), &env)),
        Command::List => protocol_reply(Ok(list(&env))),
        Command::Version => protocol_reply(Ok(format!("{NAME} {}\n", env!("CARGO_PKG_VERSION")))),
        Command::Password { registry } => command_reply(password(&registry, &env)),
        Command::Dockerconfig { registries } => command_reply(
            Config::load(&env).and_then(|config| dockerconfig::auths(&registries, &env, &config)),
        ),
        Command::Configure {
            registries,
            docker_config,
            helm,
        } => command_reply(Config::load(&env).and_then(|config| {
            dockerconfig::configure(&registries, docker_config, helm, &env, &config)
        })),
        Command::Doctor { registry } => doctor::run(&registry, &env),
        Command::KubeSecret {
            registries,
            name,
            namespace,
            secret_type,
        } => command_reply(Config::load(&env).and_then(|config| {
            manifest::secret(
                &registries,
                &name,
                namespace.as_deref(),
                secret_type,
                &env,
                &config,
            )
        })),
        Command::KubeletPlugin => command_reply(
            protocol::read_input(io::stdin().lock())
                .and_then(|input| kubelet::answer(&input, &env, &Config::load(&env)?)),
        ),
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut command(), NAME, &mut out);
            write_stdout(&String::from_utf8_lossy(&out));
            ExitCode::SUCCESS
        }
        Command::Man => {
            let mut out = Vec::new();
            match clap_mangen::Man::new(command()).render(&mut out) {
                Ok(()) => {
                    write_stdout(&String::from_utf8_lossy(&out));
                    ExitCode::SUCCESS
                }
                Err(e) => command_reply(Err(Error::Config(format!("cannot render: {e}")))),
            }
        }
    }
}

/// The protocol verbs, recognised without building clap's command tree: docker runs us with
/// exactly one argument on every pull, and the parser costs more than a cache hit.
fn protocol_verb(args: &[OsString]) -> Option<Command> {
    let [_, verb] = args else {
        return None;
    };
    Some(match verb.to_str()? {
        "get" => Command::Get,
        "store" => Command::Store,
        "erase" => Command::Erase,
        "list" => Command::List,
        "version" => Command::Version,
        _ => return None,
    })
}

/// The protocol's shape: the answer, or one error line, both on stdout.
fn protocol_reply(result: Result<String, Error>) -> ExitCode {
    match result {
        Ok(output) => {
            write_stdout(&output);
            ExitCode::SUCCESS
        }
        Err(e) => {
            write_stdout(&format!("{}\n", escape_controls(&e.to_string())));
            ExitCode::FAILURE
        }
    }
}

/// A command's shape: the answer on stdout, an error on stderr.
fn command_reply(result: Result<String, Error>) -> ExitCode {
    match result {
        Ok(output) => {
            write_stdout(&output);
            ExitCode::SUCCESS
        }
        Err(e) => {
            let _ = writeln!(io::stderr().lock(), "{}", escape_controls(&e.to_string()));
            ExitCode::FAILURE
        }
    }
}

fn get(stdin: impl io::Read, env: &Env) -> Result<String, Error> {
    let input = protocol::read_input(stdin)?;
    let server = protocol::server_url(&input)?;
    let config = Config::load(env)?;
    let (_, token) = credentials::for_server(&server, env, &config)?;
    Ok(GetReply {
        server_url: &server,
        username: &token.username,
        secret: token.password.expose(),
    }
    .to_line())
}

fn erase(stdin: impl io::Read, env: &Env) -> Result<String, Error> {
    let input = protocol::read_input(stdin)?;
    let server = protocol::server_url(&input)?;
    let config = Config::load(env)?;
    let target = config.target(&server).ok_or(Error::NotFound)?;
    credentials::erase(&target, env);
    Ok(String::new())
}

/// `store` keeps nothing: ECR passwords come from AWS, so for an ECR host (or alias) there is
/// nothing to keep and `docker login` may succeed. For any other host, saying "stored" would
/// throw the user's credentials away behind their back.
fn store(stdin: impl io::Read, env: &Env) -> Result<String, Error> {
    let input = protocol::read_input(stdin)?;
    let server = protocol::check_store(&input)?;
    let config = Config::load(env)?;
    match config.target(&server) {
        Some(_) => Ok(String::new()),
        None => Err(Error::NotStored {
            host: crate::registry::host_and_port(&server).to_ascii_lowercase(),
        }),
    }
}

/// `list` never fails and never touches the network: containers/image aborts on a failure.
fn list(env: &Env) -> String {
    let config = Config::load(env).unwrap_or_else(|e| {
        crate::log::warn(format_args!("{e}; listing without it"));
        Config::default()
    });
    let mut json =
        serde_json::to_string(&credentials::list(env, &config)).unwrap_or_else(|_| "{}".into());
    json.push('\n');
    json
}

fn password(registry: &str, env: &Env) -> Result<String, Error> {
    let config = Config::load(env)?;
    let target = resolve(registry, &config)?;
    let token = credentials::for_target(&target, env, &config)?;
    Ok(format!("{}\n", token.password.expose()))
}

/// Resolves a registry named on the command line, or says why it is not one.
pub fn resolve(registry: &str, config: &Config) -> Result<Target, Error> {
    config.target(registry).ok_or_else(|| {
        Error::Config(format!(
            "{registry:?} is not an ECR registry host, nor an alias in the config file"
        ))
    })
}

/// clap's errors, except that an unknown single verb gets the protocol's answer, which
/// credential-helper clients print as is.
fn usage_error(error: &clap::Error, args: &[OsString]) -> ExitCode {
    if error.kind() == ErrorKind::InvalidSubcommand && args.len() == 2 {
        let verb = args[1].to_string_lossy();
        write_stdout(&format!("{NAME}: unknown action: {verb}\n"));
        return ExitCode::FAILURE;
    }
    // Printing help into a closed pipe is not worth a panic.
    let _ = error.print();
    ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2))
}

/// Writes to stdout, ignoring a closed pipe: the reader went away, nobody is left to tell.
pub fn write_stdout(text: &str) {
    let mut out = io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}
