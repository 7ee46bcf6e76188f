
use builtin;
use str;

set edit:completion:arg-completer[docker-credential-ecr-login] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'docker-credential-ecr-login'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'docker-credential-ecr-login'= {
            cand -v 'Print the version, as the `version` command does (`-v` is the Go helper''s spelling)'
            cand --version 'Print the version, as the `version` command does (`-v` is the Go helper''s spelling)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand get 'Protocol: print credentials for the server URL read from stdin (or, for Bazel''s {"uri": ...} request, its Authorization header)'
            cand store 'Protocol: accept credentials from `docker login` (validated, not stored for ECR: its passwords come from AWS; other hosts go to the config''s fallback_helper)'
            cand erase 'Protocol: forget the cached token of the server URL read from stdin'
            cand list 'Protocol: print the ECR registries known without asking AWS (cached tokens, the config file''s, docker''s config entries naming this helper), as JSON, with the fallback helper''s'
            cand version 'Protocol: print the version (also -v and --version)'
            cand password 'Print the password alone, like `aws ecr get-login-password` but cached'
            cand dockerconfig 'Print a docker config.json ({"auths": ...}) holding the registries'' credentials'
            cand configure 'Add credHelpers entries for the registries to docker''s (and helm''s) config, or print them; set the config file''s fallback_helper'
            cand doctor 'Explain what happens for a registry: host, region, endpoint, credentials, cache, and a live token fetch'
            cand kube-secret 'Print a Kubernetes Secret manifest with the registries'' credentials (a pull Secret, or Fleet''s or Argo CD''s), or write it to the cluster with --apply'
            cand kubelet-plugin 'Kubelet image credential provider: answer a CredentialProviderRequest on stdin'
            cand install-kubelet-plugin 'Install the kubelet plugin on this node: the binary as ecr-credential-provider, and its CredentialProviderConfig'
            cand completions 'Print a shell completion script'
            cand man 'Print the man page (roff)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'docker-credential-ecr-login;get'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'docker-credential-ecr-login;store'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'docker-credential-ecr-login;erase'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'docker-credential-ecr-login;list'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'docker-credential-ecr-login;version'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'docker-credential-ecr-login;password'= {
            cand --region 'The token for this region''s registries (the account of the credentials in use)'
            cand --public 'The token for ECR Public (public.ecr.aws), whose API is in us-east-1'
            cand --with-username 'Print the user name too, as AWS:PASSWORD on one line: what Argo CD Image Updater reads from an ext: credentials script'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'docker-credential-ecr-login;dockerconfig'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'docker-credential-ecr-login;configure'= {
            cand --docker-config 'Docker config file or directory [default: $DOCKER_CONFIG/config.json, else ~/.docker/config.json]'
            cand --fallback-helper 'Write fallback_helper = "NAME" into the config file (AWS_ECR_CONFIG, else the default one `doctor` shows): every registry that is not ECR goes to docker-credential-NAME'
            cand --helm 'Also configure helm''s registry config ($HELM_REGISTRY_CONFIG, else ~/.config/helm/registry/config.json)'
            cand --print 'Print the docker config JSON ({"credHelpers": ...}) for the registries, for DOCKER_AUTH_CONFIG, instead of writing any file'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'docker-credential-ecr-login;doctor'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'docker-credential-ecr-login;kube-secret'= {
            cand --name 'The Secret''s name'
            cand --namespace 'The Secret''s namespace; repeat for several [default: the context''s namespace (with --apply), else kubectl''s current namespace]'
            cand --namespace-selector 'With --apply: the namespaces this label selector picks, listed at each run (kubectl''s syntax: k=v, k!=v, ''k in (a,b)'', ''k notin (a)'', k, !k; a comma means and)'
            cand --exclude-namespace 'Leave out the namespaces this glob matches (* any run of characters, ? one); repeatable; with --all-namespaces or --namespace-selector'
            cand --service-account 'With --apply (and --type dockerconfigjson, the one imagePullSecrets read): add the Secret to this service account''s imagePullSecrets when it is not there, keeping the other entries; repeatable; ''*'' for every service account of each namespace'
            cand --type 'The kind of Secret, for what reads it'
            cand --label 'Add this label to the Secret; repeatable'
            cand --annotation 'Add this annotation to the Secret; repeatable'
            cand --argocd-url 'The Argo CD types: the repository URL, or for argocd-repo-creds the URL prefix, on the registry: host[/path] (an oci:// is accepted) [default: the registry; argocd-repository with --argocd-type oci needs the repository''s path]'
            cand --argocd-type 'The Argo CD types: helm writes type helm with enableOCI "true" and a URL without a scheme (every Argo CD version); oci writes type oci and an oci:// URL (Argo CD 3.1+) [default: helm]'
            cand --argocd-project 'argocd-repository: the project the repository is restricted to (Argo CD reads no project on an argocd-repo-creds template)'
            cand --kubeconfig 'Kubeconfig file for --apply [default: $KUBECONFIG, else ~/.kube/config, else the pod''s service account]'
            cand --context 'Kubeconfig context for --apply [default: current-context]'
            cand --all-namespaces 'With --apply: every namespace, listed at each run, so that one created since is written at the next; those being deleted are skipped'
            cand --password-only 'With --apply: only update the password of the existing Secret (basic-auth and the Argo CD types) by server-side apply, leaving its other fields to whoever manages it; a missing Secret is an error in its namespace, never created'
            cand --apply 'Write the Secret to the cluster (server-side apply) instead of printing it'
            cand --exit-zero 'With --apply, exit 0 even when the token or an object fails, each failure still on stderr: for a first run at install time (a Helm hook), which must not fail the release while the pod''s AWS identity is not set up yet'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'docker-credential-ecr-login;kubelet-plugin'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'docker-credential-ecr-login;install-kubelet-plugin'= {
            cand --bin-dir 'The kubelet''s --image-credential-provider-bin-dir (on EKS AMIs /etc/eks/image-credential-provider; kops /usr/local/bin; k3s /var/lib/rancher/credentialprovider/bin)'
            cand --config 'Also write the CredentialProviderConfig here, the kubelet''s --image-credential-provider-config [default: leave the node''s config alone]'
            cand --cache-dir 'The plugin''s token cache directory on the node, written into the config'
            cand --role-arn 'The role pods pull as when their service account has no eks.amazonaws.com/ecr-role-arn annotation, assumed with the pod''s token (AWS_ECR_ROLE_ARN in the config''s env; implies --service-account-tokens)'
            cand --mirror 'Also match this registry''s images (repeatable): a registry pulled through a mirror in ECR, such as docker.io with an ECR pull-through cache, answered with the node''s own ECR token in the default region. A host, host:port or *.domain glob'
            cand --service-account-tokens 'Have the kubelet send pods'' service-account tokens (per-pod roles through the eks.amazonaws.com/ecr-role-arn annotation; Kubernetes 1.34+)'
            cand --no-mirrors 'Have the plugin refuse hosts that are neither ECR nor a configured alias rather than answer them as mirrors (AWS_ECR_KUBELET_MIRRORS=false in the config''s env)'
            cand --wait 'Then keep running (a DaemonSet''s container), checking the files again every hour'
            cand --restore 'Undo the installation instead: put back the files it replaced (kept as FILE.orig), remove ours where nothing was kept'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'docker-credential-ecr-login;completions'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'docker-credential-ecr-login;man'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'docker-credential-ecr-login;help'= {
            cand get 'Protocol: print credentials for the server URL read from stdin (or, for Bazel''s {"uri": ...} request, its Authorization header)'
            cand store 'Protocol: accept credentials from `docker login` (validated, not stored for ECR: its passwords come from AWS; other hosts go to the config''s fallback_helper)'
            cand erase 'Protocol: forget the cached token of the server URL read from stdin'
            cand list 'Protocol: print the ECR registries known without asking AWS (cached tokens, the config file''s, docker''s config entries naming this helper), as JSON, with the fallback helper''s'
            cand version 'Protocol: print the version (also -v and --version)'
            cand password 'Print the password alone, like `aws ecr get-login-password` but cached'
            cand dockerconfig 'Print a docker config.json ({"auths": ...}) holding the registries'' credentials'
            cand configure 'Add credHelpers entries for the registries to docker''s (and helm''s) config, or print them; set the config file''s fallback_helper'
            cand doctor 'Explain what happens for a registry: host, region, endpoint, credentials, cache, and a live token fetch'
            cand kube-secret 'Print a Kubernetes Secret manifest with the registries'' credentials (a pull Secret, or Fleet''s or Argo CD''s), or write it to the cluster with --apply'
            cand kubelet-plugin 'Kubelet image credential provider: answer a CredentialProviderRequest on stdin'
            cand install-kubelet-plugin 'Install the kubelet plugin on this node: the binary as ecr-credential-provider, and its CredentialProviderConfig'
            cand completions 'Print a shell completion script'
            cand man 'Print the man page (roff)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'docker-credential-ecr-login;help;get'= {
        }
        &'docker-credential-ecr-login;help;store'= {
        }
        &'docker-credential-ecr-login;help;erase'= {
        }
        &'docker-credential-ecr-login;help;list'= {
        }
        &'docker-credential-ecr-login;help;version'= {
        }
        &'docker-credential-ecr-login;help;password'= {
        }
        &'docker-credential-ecr-login;help;dockerconfig'= {
        }
        &'docker-credential-ecr-login;help;configure'= {
        }
        &'docker-credential-ecr-login;help;doctor'= {
        }
        &'docker-credential-ecr-login;help;kube-secret'= {
        }
        &'docker-credential-ecr-login;help;kubelet-plugin'= {
        }
        &'docker-credential-ecr-login;help;install-kubelet-plugin'= {
        }
        &'docker-credential-ecr-login;help;completions'= {
        }
        &'docker-credential-ecr-login;help;man'= {
        }
        &'docker-credential-ecr-login;help;help'= {
        }
    ]
    $completions[$command]
}
