//! Command-line parsing and dispatch.
//!
//! Docker and friends run us with exactly one argument, the protocol verb; people run the
//! other commands by hand. Both go through clap, but protocol failures keep the protocol's
//! shape: one line on stdout and exit code 1.

use std::ffi::OsString;
use std::io::{self, Write};
use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{Parser, Subcommand};

use crate::credentials;
use crate::env::Env;
use crate::error::Error;
use crate::protocol::{self, GetReply};
use crate::registry::Registry;

pub const NAME: &str = "docker-credential-ecr-login";

const ABOUT: &str = "Docker credential helper for Amazon ECR and ECR Public";

const LONG_ABOUT: &str = "\
Docker credential helper for Amazon ECR and ECR Public.

Docker, skopeo, podman, buildah, helm and oras run this program to get the short-lived (12 h)
ECR password of a registry. It gets the password from AWS with your usual AWS credentials
(profiles, SSO, roles, environment, instance and container roles) and answers in the Docker
credential-helper protocol. Hosts that are not ECR get the standard \"not found\" answer, so
the helper can safely be configured for every registry.";

const AFTER_HELP: &str = "\
Set up docker (~/.docker/config.json) for one registry:
  { \"credHelpers\": { \"123456789012.dkr.ecr.eu-west-1.amazonaws.com\": \"ecr-login\" } }

Try it by hand:
  echo 123456789012.dkr.ecr.eu-west-1.amazonaws.com | docker-credential-ecr-login get

Environment:
  AWS_PROFILE, AWS_ACCESS_KEY_ID, ...  the usual AWS credential sources
  AWS_ENDPOINT_URL_ECR, AWS_ENDPOINT_URL_ECR_PUBLIC, AWS_ENDPOINT_URL  API endpoint overrides
  AWS_ECR_TIMEOUT   bound on one token fetch (default 15s)
  AWS_CA_BUNDLE     extra CA certificates (PEM) for the API endpoint
  HTTPS_PROXY, NO_PROXY  proxy for the API calls";

#[derive(Debug, Parser)]
#[command(name = NAME, version, about = ABOUT, long_about = LONG_ABOUT, after_help = AFTER_HELP)]
#[command(arg_required_else_help = true)]
struct Cli {
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
    /// Protocol: accept credentials from `docker login` (validated, not stored: ECR passwords come from AWS).
    Store,
    /// Protocol: forget the cached token of the server URL read from stdin.
    Erase,
    /// Protocol: print the registries that have a valid cached token, as JSON.
    List,
    /// Protocol: print the version.
    Version,
}

/// Runs the program and returns its exit code.
pub fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e, &args),
    };
    let env = Env::from_process();
    crate::log::init(&env);
    let stdin = io::stdin().lock();
    let result = match cli.command {
        Command::Get => get(stdin, &env),
        Command::Store => protocol::read_input(stdin)
            .and_then(|i| protocol::check_store(&i))
            .map(|()| String::new()),
        Command::Erase => erase(stdin, &env),
        Command::List => Ok(list(&env)),
        Command::Version => Ok(format!("{NAME} {}\n", env!("CARGO_PKG_VERSION"))),
    };
    match result {
        Ok(output) => {
            write_stdout(&output);
            ExitCode::SUCCESS
        }
        Err(e) => {
            write_stdout(&format!("{e}\n"));
            ExitCode::FAILURE
        }
    }
}

fn get(stdin: impl io::Read, env: &Env) -> Result<String, Error> {
    let input = protocol::read_input(stdin)?;
    let server = protocol::server_url(&input)?;
    let (_, token) = credentials::for_server(server, env)?;
    Ok(GetReply {
        server_url: server,
        username: &token.username,
        secret: token.password.expose(),
    }
    .to_line())
}

fn erase(stdin: impl io::Read, env: &Env) -> Result<String, Error> {
    let input = protocol::read_input(stdin)?;
    let server = protocol::server_url(&input)?;
    let registry = Registry::parse(server).ok_or(Error::NotFound)?;
    credentials::erase(&registry, env);
    Ok(String::new())
}

/// `list` never fails and never touches the network: containers/image aborts on a failure.
fn list(env: &Env) -> String {
    let mut json = serde_json::to_string(&credentials::list(env)).unwrap_or_else(|_| "{}".into());
    json.push('\n');
    json
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
fn write_stdout(text: &str) {
    let mut out = io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}
