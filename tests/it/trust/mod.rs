//! The trust rules of the cache and the process (docs/security.md): what an attacker, a
//! careless script or a busy node can make the helper do. Each test here failed before its
//! defence existed.

mod bounds;
mod cache;
#[cfg(unix)]
mod configure;
#[cfg(unix)]
mod files;
mod kube;
#[cfg(target_os = "linux")]
mod process;
mod protocol;
mod tenants;
