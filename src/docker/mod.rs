//! What faces docker's own files and helpers: its config files, its `auths` document and the
//! helper that keeps every registry that is not ECR.
//!
//! Docker's formats and conventions change on docker's schedule, not ours; keeping them here
//! leaves the [`crate::core`] free of them. [`config`] edits docker's and helm's
//! `config.json` (`configure`), [`auths`] builds the `{"auths": ...}` document that
//! `dockerconfig` prints and a Kubernetes Secret wraps, and [`fallback`] runs the other
//! helper docker would otherwise have asked.

pub mod auths;
pub mod config;
pub mod fallback;
