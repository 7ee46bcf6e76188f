//! A cache entry file, and the file name it was found under.
//! What must hold of the answer is asserted in the crate's `src/fuzzing.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| docker_credential_ecr_login::fuzzing::cache_entry(data));
