//! `docker-credential-ecr-login`: a cache-first credential helper for Amazon ECR.
//!
//! `main.rs` only calls [`main`]. The modules form layers; each imports only the layers below
//! it, but for one exception, noted at the bottom:
//! - [`cli`], on top: the command line, the protocol on stdin/stdout, each command's output
//!   and exit code. Nothing imports it.
//! - The formats of the clients we serve: [`docker`] (docker's config files, the `auths`
//!   document, the fallback helper) and [`kubernetes`] (the kubelet plugin and its installer,
//!   Secret manifests, the API client). A pull Secret carries docker's `auths` document, so
//!   [`kubernetes`] uses [`docker::auths`]; never the other way.
//! - [`crate::core`]: a registry host in, an ECR token out, through the cache
//!   ([`core::registry`], [`core::identity`], [`core::auth`], [`core::cache`], [`core::aws`],
//!   [`core::token`]). It imports neither `cli` nor the client folders.
//! - The plumbing: [`settings`] (read once per command from [`env`](mod@env) and the
//!   [`config`] file), [`error`], [`escape`], [`log`], [`file`](mod@file), [`process`], [`platform`],
//!   [`prompt`] (an MFA code asked on the terminal), [`secret`]. The exception: `config` and `settings` reach up into the core, for
//!   [`core::registry`]'s parsing of hosts.
//!
//! A `get` flows stdin → `cli::protocol` → [`config`] (registry, alias, profile) →
//! [`core::auth`] → [`core::cache`] ⇄ [`core::aws`] → reply. CONTRIBUTING.md's code map ("How
//! the code is laid out") has one line per module.

mod cli;
mod config;
mod core;
mod docker;
mod env;
mod error;
mod escape;
mod file;
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing;
mod kubernetes;
mod log;
mod platform;
mod process;
mod prompt;
mod secret;
mod settings;
#[cfg(test)]
mod test_support;

pub use cli::main;

/// The program's name, as clients run it (`docker-credential-<helper>`).
const NAME: &str = "docker-credential-ecr-login";
