//! Values of `kube-secret`'s flags: label selectors, label keys and values, Argo CD URLs,
//! namespace globs. What must hold of the answer is asserted in the crate's `src/fuzzing.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| docker_credential_ecr_login::fuzzing::kube_values(data));
