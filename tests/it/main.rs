//! Integration tests: the built binary, run the way docker and people run it, against an
//! in-process mock of the ECR and ECR Public APIs reached through the endpoint variables.

// Helpers outside `#[test]` functions are test code too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

mod artifact;
mod cache;
mod commands;
mod completions;
// The fake fallback helper is a shell script.
#[cfg(unix)]
mod fallback;
mod get;
mod gitops;
mod kube_api;
mod kube_apply;
mod kubernetes;
mod node;
mod parity;
mod protocol;
mod reliability;
mod support;
mod trust;
