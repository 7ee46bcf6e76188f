# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_docker_credential_ecr_login_global_optspecs
    string join \n v/version h/help
end

function __fish_docker_credential_ecr_login_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_docker_credential_ecr_login_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_docker_credential_ecr_login_using_subcommand
    set -l cmd (__fish_docker_credential_ecr_login_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_needs_command" -s v -l version -d 'Print the version, as the `version` command does (`-v` is the Go helper\'s spelling)'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_needs_command" -f -a "get" -d 'Protocol: print credentials for the server URL read from stdin (or, for Bazel\'s {"uri": ...} request, its Authorization header)'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_needs_command" -f -a "store" -d 'Protocol: accept credentials from `docker login` (validated, not stored for ECR: its passwords come from AWS; other hosts go to the config\'s fallback_helper)'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_needs_command" -f -a "erase" -d 'Protocol: forget the cached token of the server URL read from stdin'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_needs_command" -f -a "list" -d 'Protocol: print the ECR registries known without asking AWS (cached tokens, the config file\'s, docker\'s config entries naming this helper), as JSON, with the fallback helper\'s'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_needs_command" -f -a "version" -d 'Protocol: print the version (also -v and --version)'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_needs_command" -f -a "password" -d 'Print the password alone, like `aws ecr get-login-password` but cached'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_needs_command" -f -a "dockerconfig" -d 'Print a docker config.json ({"auths": ...}) holding the registries\' credentials'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_needs_command" -f -a "configure" -d 'Add credHelpers entries for the registries to docker\'s (and helm\'s) config, or print them; set the config file\'s fallback_helper'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_needs_command" -f -a "doctor" -d 'Explain what happens for a registry: host, region, endpoint, credentials, cache, and a live token fetch'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_needs_command" -f -a "kube-secret" -d 'Print a Kubernetes Secret manifest with the registries\' credentials (a pull Secret, or Fleet\'s or Argo CD\'s), or write it to the cluster with --apply'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_needs_command" -f -a "kubelet-plugin" -d 'Kubelet image credential provider: answer a CredentialProviderRequest on stdin'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_needs_command" -f -a "install-kubelet-plugin" -d 'Install the kubelet plugin on this node: the binary as ecr-credential-provider, and its CredentialProviderConfig'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_needs_command" -f -a "man" -d 'Print the man page (roff)'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand get" -s h -l help -d 'Print help'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand store" -s h -l help -d 'Print help'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand erase" -s h -l help -d 'Print help'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand list" -s h -l help -d 'Print help'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand version" -s h -l help -d 'Print help'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand password" -l region -d 'The token for this region\'s registries (the account of the credentials in use)' -r
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand password" -l public -d 'The token for ECR Public (public.ecr.aws), whose API is in us-east-1'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand password" -l with-username -d 'Print the user name too, as AWS:PASSWORD on one line: what Argo CD Image Updater reads from an ext: credentials script'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand password" -s h -l help -d 'Print help'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand dockerconfig" -s h -l help -d 'Print help'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand configure" -l docker-config -d 'Docker config file or directory [default: $DOCKER_CONFIG/config.json, else ~/.docker/config.json]' -r -F
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand configure" -l fallback-helper -d 'Write fallback_helper = "NAME" into the config file (AWS_ECR_CONFIG, else the default one `doctor` shows): every registry that is not ECR goes to docker-credential-NAME' -r -f
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand configure" -l helm -d 'Also configure helm\'s registry config ($HELM_REGISTRY_CONFIG, else ~/.config/helm/registry/config.json)'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand configure" -l print -d 'Print the docker config JSON ({"credHelpers": ...}) for the registries, for DOCKER_AUTH_CONFIG, instead of writing any file'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand configure" -s h -l help -d 'Print help'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand doctor" -s h -l help -d 'Print help'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand kube-secret" -l name -d 'The Secret\'s name' -r
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand kube-secret" -l namespace -d 'The Secret\'s namespace; repeat for several [default: the context\'s namespace (with --apply), else kubectl\'s current namespace]' -r
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand kube-secret" -l namespace-selector -d 'With --apply: the namespaces this label selector picks, listed at each run (kubectl\'s syntax: k=v, k!=v, \'k in (a,b)\', \'k notin (a)\', k, !k; a comma means and)' -r
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand kube-secret" -l exclude-namespace -d 'Leave out the namespaces this glob matches (* any run of characters, ? one); repeatable; with --all-namespaces or --namespace-selector' -r
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand kube-secret" -l service-account -d 'With --apply (and --type dockerconfigjson, the one imagePullSecrets read): add the Secret to this service account\'s imagePullSecrets when it is not there, keeping the other entries; repeatable; \'*\' for every service account of each namespace' -r
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand kube-secret" -l type -d 'The kind of Secret, for what reads it' -r -f -a "dockerconfigjson\t'kubernetes.io/dockerconfigjson: imagePullSecrets, Flux'
basic-auth\t'kubernetes.io/basic-auth with username and password: Fleet\'s helmSecretName'
argocd-repository\t'An Argo CD repository Secret: the credentials of one repository URL'
argocd-repo-creds\t'An Argo CD credential template: the credentials of every repository under a URL'"
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand kube-secret" -l label -d 'Add this label to the Secret; repeatable' -r
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand kube-secret" -l annotation -d 'Add this annotation to the Secret; repeatable' -r
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand kube-secret" -l argocd-url -d 'The Argo CD types: the repository URL, or for argocd-repo-creds the URL prefix, on the registry: host[/path] (an oci:// is accepted) [default: the registry; argocd-repository with --argocd-type oci needs the repository\'s path]' -r
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand kube-secret" -l argocd-type -d 'The Argo CD types: helm writes type helm with enableOCI "true" and a URL without a scheme (every Argo CD version); oci writes type oci and an oci:// URL (Argo CD 3.1+) [default: helm]' -r -f -a "helm\t'type helm, enableOCI "true", a URL without a scheme'
oci\t'type oci, an oci:// URL (Argo CD 3.1+)'"
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand kube-secret" -l argocd-project -d 'argocd-repository: the project the repository is restricted to (Argo CD reads no project on an argocd-repo-creds template)' -r
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand kube-secret" -l kubeconfig -d 'Kubeconfig file for --apply [default: $KUBECONFIG, else ~/.kube/config, else the pod\'s service account]' -r -F
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand kube-secret" -l context -d 'Kubeconfig context for --apply [default: current-context]' -r -f
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand kube-secret" -l all-namespaces -d 'With --apply: every namespace, listed at each run, so that one created since is written at the next; those being deleted are skipped'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand kube-secret" -l password-only -d 'With --apply: only update the password of the existing Secret (basic-auth and the Argo CD types) by server-side apply, leaving its other fields to whoever manages it; a missing Secret is an error in its namespace, never created'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand kube-secret" -l apply -d 'Write the Secret to the cluster (server-side apply) instead of printing it'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand kube-secret" -l exit-zero -d 'With --apply, exit 0 even when the token or an object fails, each failure still on stderr: for a first run at install time (a Helm hook), which must not fail the release while the pod\'s AWS identity is not set up yet'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand kube-secret" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand kubelet-plugin" -s h -l help -d 'Print help'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand install-kubelet-plugin" -l bin-dir -d 'The kubelet\'s --image-credential-provider-bin-dir (on EKS AMIs /etc/eks/image-credential-provider; kops /usr/local/bin; k3s /var/lib/rancher/credentialprovider/bin)' -r -F
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand install-kubelet-plugin" -l config -d 'Also write the CredentialProviderConfig here, the kubelet\'s --image-credential-provider-config [default: leave the node\'s config alone]' -r -F
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand install-kubelet-plugin" -l cache-dir -d 'The plugin\'s token cache directory on the node, written into the config' -r
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand install-kubelet-plugin" -l role-arn -d 'The role pods pull as when their service account has no eks.amazonaws.com/ecr-role-arn annotation, assumed with the pod\'s token (AWS_ECR_ROLE_ARN in the config\'s env; implies --service-account-tokens)' -r
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand install-kubelet-plugin" -l mirror -d 'Also match this registry\'s images (repeatable): a registry pulled through a mirror in ECR, such as docker.io with an ECR pull-through cache, answered with the node\'s own ECR token in the default region. A host, host:port or *.domain glob' -r
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand install-kubelet-plugin" -l service-account-tokens -d 'Have the kubelet send pods\' service-account tokens (per-pod roles through the eks.amazonaws.com/ecr-role-arn annotation; Kubernetes 1.34+)'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand install-kubelet-plugin" -l no-mirrors -d 'Have the plugin refuse hosts that are neither ECR nor a configured alias rather than answer them as mirrors (AWS_ECR_KUBELET_MIRRORS=false in the config\'s env)'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand install-kubelet-plugin" -l wait -d 'Then keep running (a DaemonSet\'s container), checking the files again every hour'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand install-kubelet-plugin" -l restore -d 'Undo the installation instead: put back the files it replaced (kept as FILE.orig), remove ours where nothing was kept'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand install-kubelet-plugin" -s h -l help -d 'Print help'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand completions" -s h -l help -d 'Print help'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand man" -s h -l help -d 'Print help'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand help; and not __fish_seen_subcommand_from get store erase list version password dockerconfig configure doctor kube-secret kubelet-plugin install-kubelet-plugin completions man help" -f -a "get" -d 'Protocol: print credentials for the server URL read from stdin (or, for Bazel\'s {"uri": ...} request, its Authorization header)'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand help; and not __fish_seen_subcommand_from get store erase list version password dockerconfig configure doctor kube-secret kubelet-plugin install-kubelet-plugin completions man help" -f -a "store" -d 'Protocol: accept credentials from `docker login` (validated, not stored for ECR: its passwords come from AWS; other hosts go to the config\'s fallback_helper)'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand help; and not __fish_seen_subcommand_from get store erase list version password dockerconfig configure doctor kube-secret kubelet-plugin install-kubelet-plugin completions man help" -f -a "erase" -d 'Protocol: forget the cached token of the server URL read from stdin'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand help; and not __fish_seen_subcommand_from get store erase list version password dockerconfig configure doctor kube-secret kubelet-plugin install-kubelet-plugin completions man help" -f -a "list" -d 'Protocol: print the ECR registries known without asking AWS (cached tokens, the config file\'s, docker\'s config entries naming this helper), as JSON, with the fallback helper\'s'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand help; and not __fish_seen_subcommand_from get store erase list version password dockerconfig configure doctor kube-secret kubelet-plugin install-kubelet-plugin completions man help" -f -a "version" -d 'Protocol: print the version (also -v and --version)'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand help; and not __fish_seen_subcommand_from get store erase list version password dockerconfig configure doctor kube-secret kubelet-plugin install-kubelet-plugin completions man help" -f -a "password" -d 'Print the password alone, like `aws ecr get-login-password` but cached'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand help; and not __fish_seen_subcommand_from get store erase list version password dockerconfig configure doctor kube-secret kubelet-plugin install-kubelet-plugin completions man help" -f -a "dockerconfig" -d 'Print a docker config.json ({"auths": ...}) holding the registries\' credentials'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand help; and not __fish_seen_subcommand_from get store erase list version password dockerconfig configure doctor kube-secret kubelet-plugin install-kubelet-plugin completions man help" -f -a "configure" -d 'Add credHelpers entries for the registries to docker\'s (and helm\'s) config, or print them; set the config file\'s fallback_helper'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand help; and not __fish_seen_subcommand_from get store erase list version password dockerconfig configure doctor kube-secret kubelet-plugin install-kubelet-plugin completions man help" -f -a "doctor" -d 'Explain what happens for a registry: host, region, endpoint, credentials, cache, and a live token fetch'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand help; and not __fish_seen_subcommand_from get store erase list version password dockerconfig configure doctor kube-secret kubelet-plugin install-kubelet-plugin completions man help" -f -a "kube-secret" -d 'Print a Kubernetes Secret manifest with the registries\' credentials (a pull Secret, or Fleet\'s or Argo CD\'s), or write it to the cluster with --apply'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand help; and not __fish_seen_subcommand_from get store erase list version password dockerconfig configure doctor kube-secret kubelet-plugin install-kubelet-plugin completions man help" -f -a "kubelet-plugin" -d 'Kubelet image credential provider: answer a CredentialProviderRequest on stdin'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand help; and not __fish_seen_subcommand_from get store erase list version password dockerconfig configure doctor kube-secret kubelet-plugin install-kubelet-plugin completions man help" -f -a "install-kubelet-plugin" -d 'Install the kubelet plugin on this node: the binary as ecr-credential-provider, and its CredentialProviderConfig'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand help; and not __fish_seen_subcommand_from get store erase list version password dockerconfig configure doctor kube-secret kubelet-plugin install-kubelet-plugin completions man help" -f -a "completions" -d 'Print a shell completion script'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand help; and not __fish_seen_subcommand_from get store erase list version password dockerconfig configure doctor kube-secret kubelet-plugin install-kubelet-plugin completions man help" -f -a "man" -d 'Print the man page (roff)'
complete -c docker-credential-ecr-login -n "__fish_docker_credential_ecr_login_using_subcommand help; and not __fish_seen_subcommand_from get store erase list version password dockerconfig configure doctor kube-secret kubelet-plugin install-kubelet-plugin completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
