
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
            [CompletionResult]::new('kube-secret', 'kube-secret', [CompletionResultType]::ParameterValue, 'Print a Kubernetes Secret manifest with the registries'' credentials (a pull Secret, or Fleet''s or Argo CD''s), or write it to the cluster with --apply')
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
            [CompletionResult]::new('--with-username', '--with-username', [CompletionResultType]::ParameterName, 'Print the user name too, as AWS:PASSWORD on one line: what Argo CD Image Updater reads from an ext: credentials script')
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
            [CompletionResult]::new('--namespace-selector', '--namespace-selector', [CompletionResultType]::ParameterName, 'With --apply: the namespaces this label selector picks, listed at each run (kubectl''s syntax: k=v, k!=v, ''k in (a,b)'', ''k notin (a)'', k, !k; a comma means and)')
            [CompletionResult]::new('--exclude-namespace', '--exclude-namespace', [CompletionResultType]::ParameterName, 'Leave out the namespaces this glob matches (* any run of characters, ? one); repeatable; with --all-namespaces or --namespace-selector')
            [CompletionResult]::new('--service-account', '--service-account', [CompletionResultType]::ParameterName, 'With --apply (and --type dockerconfigjson, the one imagePullSecrets read): add the Secret to this service account''s imagePullSecrets when it is not there, keeping the other entries; repeatable; ''*'' for every service account of each namespace')
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'The kind of Secret, for what reads it')
            [CompletionResult]::new('--label', '--label', [CompletionResultType]::ParameterName, 'Add this label to the Secret; repeatable')
            [CompletionResult]::new('--annotation', '--annotation', [CompletionResultType]::ParameterName, 'Add this annotation to the Secret; repeatable')
            [CompletionResult]::new('--argocd-url', '--argocd-url', [CompletionResultType]::ParameterName, 'The Argo CD types: the repository URL, or for argocd-repo-creds the URL prefix, on the registry: host[/path] (an oci:// is accepted) [default: the registry; argocd-repository with --argocd-type oci needs the repository''s path]')
            [CompletionResult]::new('--argocd-type', '--argocd-type', [CompletionResultType]::ParameterName, 'The Argo CD types: helm writes type helm with enableOCI "true" and a URL without a scheme (every Argo CD version); oci writes type oci and an oci:// URL (Argo CD 3.1+) [default: helm]')
            [CompletionResult]::new('--argocd-project', '--argocd-project', [CompletionResultType]::ParameterName, 'argocd-repository: the project the repository is restricted to (Argo CD reads no project on an argocd-repo-creds template)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file for --apply [default: $KUBECONFIG, else ~/.kube/config, else the pod''s service account]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context for --apply [default: current-context]')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'With --apply: every namespace, listed at each run, so that one created since is written at the next; those being deleted are skipped')
            [CompletionResult]::new('--password-only', '--password-only', [CompletionResultType]::ParameterName, 'With --apply: only update the password of the existing Secret (basic-auth and the Argo CD types) by server-side apply, leaving its other fields to whoever manages it; a missing Secret is an error in its namespace, never created')
            [CompletionResult]::new('--apply', '--apply', [CompletionResultType]::ParameterName, 'Write the Secret to the cluster (server-side apply) instead of printing it')
            [CompletionResult]::new('--exit-zero', '--exit-zero', [CompletionResultType]::ParameterName, 'With --apply, exit 0 even when the token or an object fails, each failure still on stderr: for a first run at install time (a Helm hook), which must not fail the release while the pod''s AWS identity is not set up yet')
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
            [CompletionResult]::new('--mirror', '--mirror', [CompletionResultType]::ParameterName, 'Also match this registry''s images (repeatable): a registry pulled through a mirror in ECR, such as docker.io with an ECR pull-through cache, answered with the node''s own ECR token in the default region. A host, host:port or *.domain glob')
            [CompletionResult]::new('--service-account-tokens', '--service-account-tokens', [CompletionResultType]::ParameterName, 'Have the kubelet send pods'' service-account tokens (per-pod roles through the eks.amazonaws.com/ecr-role-arn annotation; Kubernetes 1.34+)')
            [CompletionResult]::new('--no-mirrors', '--no-mirrors', [CompletionResultType]::ParameterName, 'Have the plugin refuse hosts that are neither ECR nor a configured alias rather than answer them as mirrors (AWS_ECR_KUBELET_MIRRORS=false in the config''s env)')
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
            [CompletionResult]::new('kube-secret', 'kube-secret', [CompletionResultType]::ParameterValue, 'Print a Kubernetes Secret manifest with the registries'' credentials (a pull Secret, or Fleet''s or Argo CD''s), or write it to the cluster with --apply')
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
