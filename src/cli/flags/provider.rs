//! Running under cloud-provider-aws's plugin name, `ecr-credential-provider`: the arguments
//! a kubelet config may pass, and what they ask for.

use std::ffi::OsString;

use crate::kubernetes::provider_config;

/// What running under cloud-provider-aws's name asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderRun {
    /// Answer a CredentialProviderRequest; `ignored` are the arguments that change nothing.
    Plugin {
        ignored: Vec<String>,
    },
    Help,
    Version,
}

/// Help for the binary run as `ecr-credential-provider`.
pub const PROVIDER_HELP: &str = "\
ecr-credential-provider: the kubelet image credential provider for Amazon ECR
(docker-credential-ecr-login running under cloud-provider-aws's plugin name).

The kubelet runs it with a CredentialProviderRequest (credentialprovider.kubelet.k8s.io v1,
v1beta1 or v1alpha1) on stdin and reads the CredentialProviderResponse, in the request's
apiVersion, from stdout. Arguments from the CredentialProviderConfig's `args` (such as
get-credentials or --v=2) are accepted and change nothing. An image on a host that is not ECR
(a registry pulled through a mirror in ECR) gets the token of the caller's own registry in the
default region (AWS_REGION, else the profile's, else the instance's), as with
cloud-provider-aws's plugin; AWS_ECR_KUBELET_MIRRORS=false in the config's env refuses it.

Usage: ecr-credential-provider [ARGS...] < request.json

Options:
  -h, --help     Print this help
  -v, --version  Print the version

By hand:
  echo '{\"apiVersion\":\"credentialprovider.kubelet.k8s.io/v1\",\"kind\":\"CredentialProviderRequest\",\"image\":\"123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1\"}' \\
    | ecr-credential-provider

Every other command: docker-credential-ecr-login --help
";

/// When the program runs as `ecr-credential-provider` (a symlink or a copy, `.exe` on Windows),
/// what its arguments ask for; `None` under any other name.
///
/// cloud-provider-aws's plugin takes no arguments of its own but accepts and ignores any
/// (kops configures `args: [get-credentials]`), and has only `--help` and `--version`: so does
/// this. An unknown flag is ignored rather than refused, because a plugin that fails makes
/// every pull from ECR on the node fail.
pub fn provider_run(args: &[OsString]) -> Option<ProviderRun> {
    let stem = std::path::Path::new(args.first()?).file_stem()?.to_str()?;
    if !stem.eq_ignore_ascii_case(provider_config::PROVIDER_NAME) {
        return None;
    }
    let rest: Vec<String> = args[1..]
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    Some(
        match rest
            .iter()
            .take_while(|a| *a != "--")
            .find_map(|a| match a.as_str() {
                "-h" | "--help" => Some(ProviderRun::Help),
                "-v" | "--version" => Some(ProviderRun::Version),
                _ => None,
            }) {
            Some(run) => run,
            None => ProviderRun::Plugin { ignored: rest },
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Option<ProviderRun> {
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        provider_run(&args)
    }

    #[test]
    fn the_provider_name_selects_the_plugin() {
        let plugin = |ignored: &[&str]| {
            Some(ProviderRun::Plugin {
                ignored: ignored.iter().map(|s| s.to_string()).collect(),
            })
        };
        assert_eq!(
            run(&["/usr/local/bin/ecr-credential-provider"]),
            plugin(&[])
        );
        assert_eq!(run(&["ecr-credential-provider"]), plugin(&[]));
        assert_eq!(run(&["C:/k/ECR-Credential-Provider.exe"]), plugin(&[]));
        assert_eq!(
            run(&["ecr-credential-provider", "get-credentials", "--v=3"]),
            plugin(&["get-credentials", "--v=3"])
        );
        assert_eq!(
            run(&["ecr-credential-provider", "--help"]),
            Some(ProviderRun::Help)
        );
        assert_eq!(
            run(&["ecr-credential-provider", "get-credentials", "-h"]),
            Some(ProviderRun::Help)
        );
        assert_eq!(
            run(&["ecr-credential-provider", "-v"]),
            Some(ProviderRun::Version)
        );
        assert_eq!(
            run(&["ecr-credential-provider", "--", "--help"]),
            plugin(&["--", "--help"])
        );
    }

    #[test]
    fn other_names_are_the_helper() {
        assert_eq!(run(&["docker-credential-ecr-login"]), None);
        assert_eq!(run(&["/bin/ecr-credential-provider-old"]), None);
        assert_eq!(
            run(&["/etc/ecr-credential-provider/docker-credential-ecr-login"]),
            None
        );
        assert_eq!(run(&[]), None);
    }
}
