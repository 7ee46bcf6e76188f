//! `docker-credential-ecr-login`: a cache-first credential helper for Amazon ECR.
//!
//! `main.rs` only calls [`cli::main`]; everything else lives in modules named after what they
//! are, so each can be read and tested on its own.

pub mod aws;
pub mod cache;
pub mod cli;
pub mod config;
pub mod credentials;
pub mod dockerconfig;
pub mod doctor;
pub mod env;
pub mod error;
pub mod file;
pub mod identity;
pub mod kubelet;
pub mod log;
pub mod manifest;
pub mod platform;
pub mod process;
pub mod protocol;
pub mod registry;
pub mod secret;
pub mod token;
