//! The front end: the command line, the protocol on stdin/stdout, and each command's output.
//!
//! Docker and friends run us with exactly one argument, the protocol verb; people and CI run
//! the other commands. Protocol failures keep the protocol's shape (one line on stdout, exit
//! code 1) while the other commands report on stderr. This module alone writes to stdout and
//! decides exit codes; the core below it never imports it.

mod configure;
mod doctor;
mod flags;
mod install;
mod kube_secret;
mod protocol;

#[cfg(fuzzing)]
pub(crate) use protocol::{MAX_INPUT, check_store, read_input, server_url};

use std::ffi::OsString;
use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;

use crate::NAME;
use crate::config::Target;
use crate::core::auth;
use crate::docker::auths;
use crate::env::Env;
use crate::error::Error;
use crate::escape::escape_controls;
use crate::kubernetes::kubelet;
use crate::kubernetes::provider_config::{self, ConfigOptions};
use crate::settings::Settings;
use flags::{Cli, Command, ProviderRun};
use protocol::{Exchange, Verb};

/// Runs the program and returns its exit code.
pub fn main() -> ExitCode {
    crate::platform::no_core_dumps();
    let args: Vec<OsString> = std::env::args_os().collect();
    // Under cloud-provider-aws's plugin name, the kubelet's configuration decides the
    // arguments, not ours: see `flags::provider_run`.
    if let Some(run) = flags::provider_run(&args) {
        return match run {
            ProviderRun::Plugin { ignored } => {
                let env = Env::from_process();
                crate::log::init(&env);
                if !ignored.is_empty() {
                    crate::log::debug!("ecr-credential-provider: ignoring arguments {ignored:?}");
                }
                kubelet_plugin(&env)
            }
            ProviderRun::Help => {
                write_stdout(flags::PROVIDER_HELP);
                ExitCode::SUCCESS
            }
            ProviderRun::Version => serve(Verb::Version),
        };
    }
    if let Some(verb) = flags::protocol_verb(&args) {
        return serve(verb);
    }
    let command = match Cli::try_parse_from(&args) {
        Ok(cli) => cli.command,
        Err(e) => return usage_error(&e, &args),
    };
    let env = Env::from_process();
    crate::log::init(&env);
    match command {
        Command::Get => serve(Verb::Get),
        Command::Store => serve(Verb::Store),
        Command::Erase => serve(Verb::Erase),
        Command::List => serve(Verb::List),
        Command::Version => serve(Verb::Version),
        Command::Password {
            registry,
            region,
            public,
            with_username,
        } => command_reply(with_settings(&env, |settings| {
            let target = match (registry, region, public) {
                (Some(registry), _, _) => settings.config.resolve(&registry)?,
                (None, Some(region), _) => Target::region(&region)?,
                (None, None, _) => settings
                    .config
                    .resolve(crate::core::registry::PUBLIC_HOST)?,
            };
            let token = auth::for_target(&target, &env, settings)?;
            Ok(if with_username {
                format!("{}:{}\n", token.username, token.password.expose())
            } else {
                format!("{}\n", token.password.expose())
            })
        })),
        Command::Dockerconfig { registries } => command_reply(with_settings(&env, |settings| {
            let tokens = auths::tokens(&registries, &env, settings)?;
            Ok(format!("{}\n", auths::auths_document(&tokens)))
        })),
        Command::Configure {
            registries,
            docker_config,
            helm,
        } => command_reply(with_settings(&env, |settings| {
            configure::run(&registries, docker_config, helm, &env, settings)
        })),
        Command::Doctor { registry } => {
            let mut report = doctor::Report::default();
            let ok = doctor::report(&registry, &env, &mut report);
            write_stdout(report.text());
            exit_code(ok)
        }
        Command::KubeSecret(args) => match args.into_request() {
            Ok(request) => kube_secret::run(&request, &env),
            Err(message) => usage_line(&message),
        },
        Command::KubeletPlugin => kubelet_plugin(&env),
        Command::InstallKubeletPlugin {
            bin_dir,
            config,
            cache_dir,
            service_account_tokens,
            role_arn,
            wait,
            restore,
        } => {
            let options = ConfigOptions {
                cache_dir,
                service_account_tokens: service_account_tokens || role_arn.is_some(),
                role_arn,
            };
            let action = if restore {
                install::Action::Restore
            } else {
                install::Action::Install(options)
            };
            install::run(&bin_dir, config, &action, wait)
        }
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut flags::command(), NAME, &mut out);
            write_stdout(&out);
            ExitCode::SUCCESS
        }
        Command::Man => {
            let mut out = Vec::new();
            match clap_mangen::Man::new(flags::command()).render(&mut out) {
                Ok(()) => {
                    write_stdout(&out);
                    ExitCode::SUCCESS
                }
                Err(source) => command_reply(Err(Error::Render { source })),
            }
        }
    }
}

/// The kubelet plugin: a CredentialProviderRequest on stdin, the response on stdout.
fn kubelet_plugin(env: &Env) -> ExitCode {
    command_reply(protocol::read_input(io::stdin().lock()).and_then(|input| {
        // A Windows node has no such directory; there the known-folder API answers.
        let settings = if cfg!(windows) {
            Settings::load(env)?
        } else {
            Settings::load_on_node(env, Path::new(provider_config::DEFAULT_CACHE_DIR))?
        };
        kubelet::answer(&input, env, &settings)
    }))
}

/// One protocol verb, stdin to stdout.
fn serve(verb: Verb) -> ExitCode {
    let env = Env::from_process();
    crate::log::init(&env);
    reply(protocol::exchange(verb, io::stdin().lock(), &env))
}

fn with_settings(
    env: &Env,
    run: impl FnOnce(&Settings) -> Result<String, Error>,
) -> Result<String, Error> {
    run(&Settings::load(env)?)
}

fn reply(exchange: Exchange) -> ExitCode {
    if let Some(text) = &exchange.stderr {
        let _ = io::stderr().lock().write_all(text);
    }
    // A failure's line (never a success's: that holds the password) in the log file, where
    // it survives clients that show neither stdout nor stderr. Not the fallback helper's
    // answer, which is handed on as it gave it and may hold a secret even when it failed.
    if exchange.code != 0 {
        let label = format!("answered (exit {}): ", exchange.code);
        if exchange.passed {
            crate::log::record(&label, "the fallback helper's answer (not logged)");
        } else {
            let text = String::from_utf8_lossy(&exchange.stdout);
            crate::log::record(&label, text.lines().next().unwrap_or_default());
        }
    }
    write_stdout(&exchange.stdout);
    ExitCode::from(exchange.code)
}

fn exit_code(ok: bool) -> ExitCode {
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
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
            write_stderr_line(&escape_controls(&e.to_string()));
            ExitCode::FAILURE
        }
    }
}

/// clap's errors, except that an unknown single verb gets the protocol's answer, which
/// credential-helper clients print as is.
fn usage_error(error: &clap::Error, args: &[OsString]) -> ExitCode {
    if error.kind() == ErrorKind::InvalidSubcommand && args.len() == 2 {
        return reply(protocol::unknown_action(&args[1].to_string_lossy()));
    }
    // Printing help into a closed pipe is not worth a panic.
    let _ = error.print();
    ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2))
}

/// A usage error found after parsing (flags that contradict each other): one line, clap's
/// shape and exit code, before anything is fetched or written.
fn usage_line(message: &str) -> ExitCode {
    let error = clap::Error::raw(ErrorKind::ArgumentConflict, format!("{message}\n"));
    let _ = error.print();
    ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2))
}

/// Writes to stdout, ignoring a closed pipe: the reader went away, nobody is left to tell.
fn write_stdout(text: impl AsRef<[u8]>) {
    let mut out = io::stdout().lock();
    let _ = out.write_all(text.as_ref()).and_then(|()| out.flush());
}

/// One line on stderr, ignoring a closed stderr like [`write_stdout`] does a closed stdout,
/// and the same line in the log file (`AWS_ECR_LOG_FILE`), where it outlives the terminal.
fn write_stderr_line(line: &str) {
    let _ = writeln!(io::stderr().lock(), "{line}");
    crate::log::record("", line);
}
