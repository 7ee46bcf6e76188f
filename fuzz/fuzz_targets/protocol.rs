//! `get`/`erase`'s stdin (the server URL) and `store`'s JSON payload.
//! What must hold of the answer is asserted in the crate's `src/fuzzing.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| docker_credential_ecr_login::fuzzing::protocol(data));
