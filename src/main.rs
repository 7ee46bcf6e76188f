fn main() -> std::process::ExitCode {
    docker_credential_ecr_login::main()
}
