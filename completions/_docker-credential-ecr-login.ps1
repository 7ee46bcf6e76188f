
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'docker-credential-ecr-login' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'docker-credential-ecr-login'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'docker-credential-ecr-login' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print the version, as the `version` command does (`-v` is the Go helper''s spelling)')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print the version, as the `version` command does (`-v` is the Go helper''s spelling)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Protocol: print credentials for the server URL read from stdin (or, for Bazel''s {"uri": ...} request, its Authorization header)')
            [CompletionResult]::new('store', 'store', [CompletionResultType]::ParameterValue, 'Protocol: accept credentials from `docker login` (validated, not stored for ECR: its passwords come from AWS; other hosts go to the config''s fallback_helper)')
            [CompletionResult]::new('erase', 'erase', [CompletionResultType]::ParameterValue, 'Protocol: forget the cached token of the server URL read from stdin')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Protocol: print the ECR registries known without asking AWS (cached tokens, the config file''s, docker''s config entries naming this helper), as JSON, with the fallback helper''s')
            [CompletionResult]::new('version', 'version', [CompletionResultType]::ParameterValue, 'Protocol: print the version (also -v and --version)')
            [CompletionResult]::new('password', 'password', [CompletionResultType]::ParameterValue, 'Print the password alone, like `aws ecr get-login-password` but cached')
            [CompletionResult]::new('dockerconfig', 'dockerconfig', [CompletionResultType]::ParameterValue, 'Print a docker config.json ({"auths": ...}) holding the registries'' credentials')
            [CompletionResult]::new('configure', 'configure', [CompletionResultType]::ParameterValue, 'Add credHelpers entries for the registries to docker''s (and helm''s) config, or print them; set the config file''s fallback_helper')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Explain what happens for a registry: host, region, endpoint, credentials, cache, and a live token fetch')
            [CompletionResult]::new('kube-secret', 'kube-secret', [CompletionResultType]::ParameterValue, 'Print a Kubernetes Secret manifest with the registries'' credentials, or write it to the cluster with --apply')
            [CompletionResult]::new('kubelet-plugin', 'kubelet-plugin', [CompletionResultType]::ParameterValue, 'Kubelet image credential provider: answer a CredentialProviderRequest on stdin')
            [CompletionResult]::new('install-kubelet-plugin', 'install-kubelet-plugin', [CompletionResultType]::ParameterValue, 'Install the kubelet plugin on this node: the binary as ecr-credential-provider, and its CredentialProviderConfig')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page (roff)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'docker-credential-ecr-login;get' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'docker-credential-ecr-login;store' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'docker-credential-ecr-login;erase' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'docker-credential-ecr-login;list' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'docker-credential-ecr-login;version' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'docker-credential-ecr-login;password' {
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'The token for this region''s registries (the account of the credentials in use)')
            [CompletionResult]::new('--public', '--public', [CompletionResultType]::ParameterName, 'The token for ECR Public (public.ecr.aws), whose API is in us-east-1')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'docker-credential-ecr-login;dockerconfig' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'docker-credential-ecr-login;configure' {
            [CompletionResult]::new('--docker-config', '--docker-config', [CompletionResultType]::ParameterName, 'Docker config file or directory [default: $DOCKER_CONFIG/config.json, else ~/.docker/config.json]')
            [CompletionResult]::new('--fallback-helper', '--fallback-helper', [CompletionResultType]::ParameterName, 'Write fallback_helper = "NAME" into the config file (AWS_ECR_CONFIG, else the default one `doctor` shows): every registry that is not ECR goes to docker-credential-NAME')
            [CompletionResult]::new('--helm', '--helm', [CompletionResultType]::ParameterName, 'Also configure helm''s registry config ($HELM_REGISTRY_CONFIG, else ~/.config/helm/registry/config.json)')
            [CompletionResult]::new('--print', '--print', [CompletionResultType]::ParameterName, 'Print the docker config JSON ({"credHelpers": ...}) for the registries, for DOCKER_AUTH_CONFIG, instead of writing any file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'docker-credential-ecr-login;doctor' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'docker-credential-ecr-login;kube-secret' {
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'The Secret''s name')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The Secret''s namespace; repeat for several [default: the context''s namespace (with --apply), else kubectl''s current namespace]')
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'dockerconfigjson for image pulls and Flux; basic-auth (username/password) for Fleet')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file for --apply [default: $KUBECONFIG, else ~/.kube/config, else the pod''s service account]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context for --apply [default: current-context]')
            [CompletionResult]::new('--apply', '--apply', [CompletionResultType]::ParameterName, 'Write the Secret to the cluster (server-side apply) instead of printing it')
            [CompletionResult]::new('--exit-zero', '--exit-zero', [CompletionResultType]::ParameterName, 'With --apply, exit 0 even when the token or a namespace fails, each failure still on stderr: for a first run at install time (a Helm hook), which must not fail the release while the pod''s AWS identity is not set up yet')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'docker-credential-ecr-login;kubelet-plugin' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'docker-credential-ecr-login;install-kubelet-plugin' {
            [CompletionResult]::new('--bin-dir', '--bin-dir', [CompletionResultType]::ParameterName, 'The kubelet''s --image-credential-provider-bin-dir (on EKS AMIs /etc/eks/image-credential-provider; kops /usr/local/bin; k3s /var/lib/rancher/credentialprovider/bin)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Also write the CredentialProviderConfig here, the kubelet''s --image-credential-provider-config [default: leave the node''s config alone]')
            [CompletionResult]::new('--cache-dir', '--cache-dir', [CompletionResultType]::ParameterName, 'The plugin''s token cache directory on the node, written into the config')
            [CompletionResult]::new('--role-arn', '--role-arn', [CompletionResultType]::ParameterName, 'The role pods pull as when their service account has no eks.amazonaws.com/ecr-role-arn annotation, assumed with the pod''s token (AWS_ECR_ROLE_ARN in the config''s env; implies --service-account-tokens)')
            [CompletionResult]::new('--service-account-tokens', '--service-account-tokens', [CompletionResultType]::ParameterName, 'Have the kubelet send pods'' service-account tokens (per-pod roles through the eks.amazonaws.com/ecr-role-arn annotation; Kubernetes 1.34+)')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Then keep running (a DaemonSet''s container), checking the files again every hour')
            [CompletionResult]::new('--restore', '--restore', [CompletionResultType]::ParameterName, 'Undo the installation instead: put back the files it replaced (kept as FILE.orig), remove ours where nothing was kept')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'docker-credential-ecr-login;completions' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'docker-credential-ecr-login;man' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'docker-credential-ecr-login;help' {
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Protocol: print credentials for the server URL read from stdin (or, for Bazel''s {"uri": ...} request, its Authorization header)')
            [CompletionResult]::new('store', 'store', [CompletionResultType]::ParameterValue, 'Protocol: accept credentials from `docker login` (validated, not stored for ECR: its passwords come from AWS; other hosts go to the config''s fallback_helper)')
            [CompletionResult]::new('erase', 'erase', [CompletionResultType]::ParameterValue, 'Protocol: forget the cached token of the server URL read from stdin')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Protocol: print the ECR registries known without asking AWS (cached tokens, the config file''s, docker''s config entries naming this helper), as JSON, with the fallback helper''s')
            [CompletionResult]::new('version', 'version', [CompletionResultType]::ParameterValue, 'Protocol: print the version (also -v and --version)')
            [CompletionResult]::new('password', 'password', [CompletionResultType]::ParameterValue, 'Print the password alone, like `aws ecr get-login-password` but cached')
            [CompletionResult]::new('dockerconfig', 'dockerconfig', [CompletionResultType]::ParameterValue, 'Print a docker config.json ({"auths": ...}) holding the registries'' credentials')
            [CompletionResult]::new('configure', 'configure', [CompletionResultType]::ParameterValue, 'Add credHelpers entries for the registries to docker''s (and helm''s) config, or print them; set the config file''s fallback_helper')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Explain what happens for a registry: host, region, endpoint, credentials, cache, and a live token fetch')
            [CompletionResult]::new('kube-secret', 'kube-secret', [CompletionResultType]::ParameterValue, 'Print a Kubernetes Secret manifest with the registries'' credentials, or write it to the cluster with --apply')
            [CompletionResult]::new('kubelet-plugin', 'kubelet-plugin', [CompletionResultType]::ParameterValue, 'Kubelet image credential provider: answer a CredentialProviderRequest on stdin')
            [CompletionResult]::new('install-kubelet-plugin', 'install-kubelet-plugin', [CompletionResultType]::ParameterValue, 'Install the kubelet plugin on this node: the binary as ecr-credential-provider, and its CredentialProviderConfig')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page (roff)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'docker-credential-ecr-login;help;get' {
            break
        }
        'docker-credential-ecr-login;help;store' {
            break
        }
        'docker-credential-ecr-login;help;erase' {
            break
        }
        'docker-credential-ecr-login;help;list' {
            break
        }
        'docker-credential-ecr-login;help;version' {
            break
        }
        'docker-credential-ecr-login;help;password' {
            break
        }
        'docker-credential-ecr-login;help;dockerconfig' {
            break
        }
        'docker-credential-ecr-login;help;configure' {
            break
        }
        'docker-credential-ecr-login;help;doctor' {
            break
        }
        'docker-credential-ecr-login;help;kube-secret' {
            break
        }
        'docker-credential-ecr-login;help;kubelet-plugin' {
            break
        }
        'docker-credential-ecr-login;help;install-kubelet-plugin' {
            break
        }
        'docker-credential-ecr-login;help;completions' {
            break
        }
        'docker-credential-ecr-login;help;man' {
            break
        }
        'docker-credential-ecr-login;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
