//! What a kubeconfig's exec plugin prints (`ExecCredential` JSON).
//! What must hold of the answer is asserted in the crate's `src/fuzzing.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(
    |data: &[u8]| docker_credential_ecr_login::fuzzing::exec_credential(data)
);
