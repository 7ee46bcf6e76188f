//! Integration tests: the built binary, run the way docker and people run it, against an
//! in-process mock of the ECR and ECR Public APIs reached through the endpoint variables.

mod get;
mod protocol;
mod support;
