//! The `get` path shared by every command that hands out a password.
//!
//! Host → registry → token. The cache sits in front of the AWS call here, so `get`, `password`,
//! `dockerconfig` and the kubelet plugin all share one source of truth.

use crate::aws::{self, FetchOptions};
use crate::env::Env;
use crate::error::Error;
use crate::registry::Registry;
use crate::token::Token;

/// Credentials for what a client sent (`host`, `host:port`, a URL).
///
/// A host that is not ECR is [`Error::NotFound`], and so is ECR Public when there are no AWS
/// credentials at all: anonymous pulls from public.ecr.aws must keep working.
pub fn for_server(server: &str, env: &Env) -> Result<(Registry, Token), Error> {
    let registry = Registry::parse(server).ok_or(Error::NotFound)?;
    let token = for_registry(&registry, env)?;
    Ok((registry, token))
}

/// Credentials for a parsed registry.
pub fn for_registry(registry: &Registry, env: &Env) -> Result<Token, Error> {
    let options = FetchOptions::from_env(env, None)?;
    match aws::fetch_token(registry, env, &options) {
        Err(e) if registry.is_public() && e.is_no_credentials() => Err(Error::NotFound),
        other => other,
    }
}
