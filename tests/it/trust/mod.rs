//! The trust rules of SPEC §5: what an attacker, a careless script or a busy node can make the
//! helper do. Each test here failed before its defence existed.

mod bounds;
mod cache;
mod configure;
mod files;
mod process;
mod protocol;
mod tenants;
