//! The core: a registry host in, an ECR token out, through the cache.
//!
//! Everything a command needs to hand out a password, and nothing about who asked or how the
//! answer is shaped: [`registry`] says which ECR registry a host names, [`identity`] who is
//! asking, [`auth`] serves a [`token`] from the [`cache`] or fetches one through [`aws`].
//! The front ends (the docker protocol in `cli`, the `docker` and `kubernetes` folders) all
//! sit on it; it is kept apart so that it imports none of them and every client gets the
//! same cache and the same rules.

pub mod auth;
pub mod aws;
pub mod cache;
pub mod identity;
pub mod registry;
pub mod token;
