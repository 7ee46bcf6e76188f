//! `docker-credential-ecr-login`: a cache-first credential helper for Amazon ECR.
//!
//! `main.rs` only calls [`main`]. The front end ([`cli`]: the command line, the protocol on
//! stdin/stdout, each command's output) sits on a core that never reaches back into it; a
//! `get` flows stdin → `cli::protocol` → `config` (registry, alias, profile) → `auth` →
//! `cache` ⇄ `aws` → reply. The README's "How the code is laid out" has one line per module.

mod auth;
mod auths;
mod aws;
mod cache;
mod cli;
mod config;
mod docker_config;
mod env;
mod error;
mod fallback;
mod file;
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing;
mod identity;
mod kube;
mod kube_secret;
mod kubelet;
mod kubelet_install;
mod log;
mod platform;
mod process;
mod registry;
mod secret;
mod settings;
mod token;

pub use cli::main;

/// The program's name, as clients run it (`docker-credential-<helper>`).
const NAME: &str = "docker-credential-ecr-login";
