{{/* The resources' name prefix: see fullnameOverride in values.yaml. 40 characters leave room
for the longest suffix within Kubernetes' limits (a CronJob's name: 52). */}}
{{- define "ecr-login.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else if contains "ecr-login" .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-ecr-login" .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Every scalar a value or the release reaches is written quoted (or as JSON), so that no
value, whatever it holds (a newline, `---`, flow syntax), can add a key or an object. */}}
{{- define "ecr-login.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name | quote }}
app.kubernetes.io/instance: {{ .Release.Name | quote }}
{{- end -}}

{{/* Labels of the values (commonLabels, podLabels) after the chart's own: a key of the
chart's would come twice, the last one winning, and could take a pod out of its selector.
Called with dict "labels", "reserved" (the chart's keys there) and "what" (the value's name). */}}
{{- define "ecr-login.userLabels" -}}
{{- range $key, $_ := .labels -}}
{{- if has $key $.reserved -}}
{{- fail (printf "%s: %s is the chart's own label" $.what $key) -}}
{{- end -}}
{{- end -}}
{{- with .labels -}}
{{ toYaml . }}
{{- end -}}
{{- end -}}

{{/* Labels of every resource; the caller adds its component. */}}
{{- define "ecr-login.labels" -}}
{{ include "ecr-login.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | quote }}
{{- with include "ecr-login.userLabels" (dict "labels" .Values.commonLabels "what" "commonLabels" "reserved" (list "app.kubernetes.io/name" "app.kubernetes.io/instance" "app.kubernetes.io/version" "app.kubernetes.io/managed-by" "app.kubernetes.io/component" "helm.sh/chart")) }}
{{ . }}
{{- end }}
{{- end -}}

{{/* A pod's labels of the values: none may be one of its selector's. */}}
{{- define "ecr-login.podLabels" -}}
{{- include "ecr-login.userLabels" (dict "labels" . "what" "podLabels" "reserved" (list "app.kubernetes.io/name" "app.kubernetes.io/instance" "app.kubernetes.io/component")) -}}
{{- end -}}

{{/* The image: repository:tag, with @digest when one is given. */}}
{{- define "ecr-login.image" -}}
{{- $tag := .Values.image.tag | default .Chart.AppVersion -}}
{{- if .Values.image.digest -}}
{{- printf "%s:%s@%s" .Values.image.repository $tag .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/* The binary inside the image (deploy/Containerfile's entrypoint), for exec hooks. */}}
{{- define "ecr-login.binary" -}}/docker-credential-ecr-login{{- end -}}

{{/* A node path of the values, which root writes at: absolute, without `.` or `..` segments
(a path that reads as one directory and writes in another) and not the node's root. Called
with dict "path", "what" (the value's name) and "file" (true: no trailing slash, and not in the
root directory, which would be mounted whole). The schema says the same; this holds when it is
skipped. */}}
{{- define "ecr-login.checkPath" -}}
{{- $path := toString .path -}}
{{- $dir := ternary (dir $path) $path .file -}}
{{- if not (and (isAbs $path) (eq (clean $path) (ternary $path (trimSuffix "/" $path) .file)) (ne (clean $dir) "/")) -}}
{{- fail (printf "%s %q: an absolute path without . or .. segments, not /%s" .what $path (ternary " nor a file in /" "" .file)) -}}
{{- end -}}
{{- end -}}

{{/* The kubelet plugin's node settings, as JSON: the distribution's defaults with the values
given over them. */}}
{{- define "ecr-login.node" -}}
{{- $p := .Values.kubeletPlugin -}}
{{- $presets := dict
  "eks" (dict "binDir" "/etc/eks/image-credential-provider" "configPath" "/etc/eks/image-credential-provider/config.json" "ownPlugin" true)
  "kops" (dict "binDir" "/usr/local/bin" "configPath" "/var/lib/kubelet/credential-provider.conf" "ownPlugin" true)
  "k3s" (dict "binDir" "/var/lib/rancher/credentialprovider/bin" "configPath" "/var/lib/rancher/credentialprovider/config.yaml" "ownPlugin" false)
  "custom" (dict "binDir" "" "configPath" "" "ownPlugin" false) -}}
{{- $preset := get $presets $p.distribution -}}
{{- if not $preset -}}
{{- fail (printf "kubeletPlugin.distribution %q is none of eks, kops, k3s, custom" $p.distribution) -}}
{{- end -}}
{{- $binDir := $p.binDir | default $preset.binDir -}}
{{- $configPath := $p.configPath | default $preset.configPath -}}
{{- if not $binDir -}}
{{- fail "kubeletPlugin.binDir: the kubelet's --image-credential-provider-bin-dir is needed with distribution custom" -}}
{{- end -}}
{{- $writeConfig := ternary (not $preset.ownPlugin) $p.writeConfig (kindIs "invalid" $p.writeConfig) -}}
{{- if and $writeConfig (not $configPath) -}}
{{- fail "kubeletPlugin.configPath: the kubelet's --image-credential-provider-config is needed with distribution custom" -}}
{{- end -}}
{{- if and $p.serviceAccountTokens (not $writeConfig) -}}
{{- fail "kubeletPlugin.serviceAccountTokens is written into the kubelet's config: it needs kubeletPlugin.writeConfig" -}}
{{- end -}}
{{- if and $p.roleArn (not $writeConfig) -}}
{{- fail "kubeletPlugin.roleArn is written into the kubelet's config (AWS_ECR_ROLE_ARN): it needs kubeletPlugin.writeConfig" -}}
{{- end -}}
{{- $refuseMirrors := and (kindIs "bool" $p.answerMirrors) (not $p.answerMirrors) -}}
{{- if and (or $p.mirrors $refuseMirrors) (not $writeConfig) -}}
{{- fail "kubeletPlugin.mirrors and kubeletPlugin.answerMirrors are written into the kubelet's config: they need kubeletPlugin.writeConfig" -}}
{{- end -}}
{{- if and $p.mirrors $refuseMirrors -}}
{{- fail "kubeletPlugin.mirrors: the plugin would refuse them with kubeletPlugin.answerMirrors false" -}}
{{- end -}}
{{- /* The schema's pattern: a bad host would stop the installer on every node. */ -}}
{{- range $p.mirrors -}}
{{- if not (and (le (len (toString .)) 253) (regexMatch "^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*|((\\*|[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)\\.)+[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(:([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?$" (toString .))) -}}
{{- fail (printf "kubeletPlugin.mirrors: %q is not a registry host (host, host:port or *.domain with the last two labels named, lower case)" (toString .)) -}}
{{- end -}}
{{- end -}}
{{- $restoreOnStop := ternary $preset.ownPlugin $p.restoreOnStop (kindIs "invalid" $p.restoreOnStop) -}}
{{- include "ecr-login.checkPath" (dict "path" $binDir "what" "kubeletPlugin.binDir" "file" false) -}}
{{- if $writeConfig -}}
{{- include "ecr-login.checkPath" (dict "path" $configPath "what" "kubeletPlugin.configPath" "file" true) -}}
{{- include "ecr-login.checkPath" (dict "path" $p.cacheDir "what" "kubeletPlugin.cacheDir" "file" false) -}}
{{- else if $configPath -}}
{{- include "ecr-login.checkPath" (dict "path" $configPath "what" "kubeletPlugin.configPath" "file" true) -}}
{{- end -}}
{{- $node := dict "binDir" $binDir "configPath" $configPath "writeConfig" $writeConfig "restoreOnStop" $restoreOnStop "refuseMirrors" $refuseMirrors -}}
{{- if $configPath -}}
{{- $_ := set $node "configName" (base $configPath) -}}
{{- $_ := set $node "configDir" (dir $configPath) -}}
{{- end -}}
{{- toJson $node -}}
{{- end -}}

{{/* install-kubelet-plugin's arguments naming the node's files, as mounted in the pod. */}}
{{- define "ecr-login.nodeFiles" -}}
{{- $node := include "ecr-login.node" . | fromJson -}}
- --bin-dir
- /host/bin
{{- if $node.writeConfig }}
- --config
- {{ printf "/host/config/%s" $node.configName | quote }}
{{- end }}
{{- end -}}

{{/* Whether the cluster chooses the refresher's namespaces (allNamespaces or
namespaceSelector): "true" or "", for `if`. */}}
{{- define "ecr-login.refresherClusterWide" -}}
{{- if or (eq .Values.refresher.allNamespaces true) .Values.refresher.namespaceSelector -}}true{{- end -}}
{{- end -}}

{{/* The namespaces the refresher writes to, as a JSON list: the release's by default, none
when the cluster chooses them at each run. */}}
{{- define "ecr-login.refresherNamespaces" -}}
{{- if include "ecr-login.refresherClusterWide" . -}}
{{- toJson list -}}
{{- else -}}
{{- toJson (.Values.refresher.namespaces | default (list .Release.Namespace) | uniq) -}}
{{- end -}}
{{- end -}}

{{/* The service accounts the refresher patches, as a JSON list: names, or "*" alone. */}}
{{- define "ecr-login.refresherServiceAccounts" -}}
{{- toJson (.Values.refresher.serviceAccounts | default list | uniq) -}}
{{- end -}}

{{/* What the schema cannot say about the refresher's values, and what holds when it is
skipped where a value reaches RBAC or chooses what is rendered. */}}
{{- define "ecr-login.refresherChecks" -}}
{{- $r := .Values.refresher -}}
{{- $name := "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$" -}}
{{- /* An empty resourceNames in the Role would grant get and patch on every Secret of the
namespace, and a missing name renders as one. */ -}}
{{- if not (regexMatch $name (toString (($r.secret | default dict).name))) -}}
{{- fail "refresher.secret.name: the Secret's name (a DNS-1123 subdomain), which its Role is narrowed to" -}}
{{- end -}}
{{- /* A string is true to `if`: each switch must be a boolean, or it would turn on what it
names. */ -}}
{{- if not (kindIs "bool" $r.allNamespaces) -}}
{{- fail "refresher.allNamespaces: true or false" -}}
{{- end -}}
{{- if not (kindIs "bool" $r.secret.passwordOnly) -}}
{{- fail "refresher.secret.passwordOnly: true or false" -}}
{{- end -}}
{{- if not (kindIs "string" $r.namespaceSelector) -}}
{{- fail "refresher.namespaceSelector: a label selector (a string), or empty" -}}
{{- end -}}
{{- $clusterWide := include "ecr-login.refresherClusterWide" . -}}
{{- if and $r.allNamespaces $r.namespaceSelector -}}
{{- fail "refresher.namespaceSelector: every namespace (allNamespaces) or those the selector matches, not both" -}}
{{- end -}}
{{- if and $clusterWide $r.namespaces -}}
{{- fail (printf "refresher.namespaces: listed namespaces, or %s, not both" (ternary "allNamespaces" "namespaceSelector" $r.allNamespaces)) -}}
{{- end -}}
{{- if and $r.excludeNamespaces (not $clusterWide) -}}
{{- fail "refresher.excludeNamespaces: only with allNamespaces or namespaceSelector (the namespaces listed are written, each one)" -}}
{{- end -}}
{{- range $ns := include "ecr-login.refresherNamespaces" . | fromJsonArray -}}
{{- if not (regexMatch "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" (toString $ns)) -}}
{{- fail (printf "refresher.namespaces: %q is not a namespace's name" (toString $ns)) -}}
{{- end -}}
{{- end -}}
{{- $accounts := include "ecr-login.refresherServiceAccounts" . | fromJsonArray -}}
{{- range $sa := $accounts -}}
{{- if not (or (and (eq (toString $sa) "*") (eq (len $accounts) 1)) (regexMatch $name (toString $sa))) -}}
{{- fail (printf "refresher.serviceAccounts: %q is neither a service account's name nor \"*\" alone (every one)" (toString $sa)) -}}
{{- end -}}
{{- end -}}
{{- if not $r.registries -}}
{{- fail "refresher.registries: at least one ECR registry (123456789012.dkr.ecr.eu-west-1.amazonaws.com)" -}}
{{- end -}}
{{- $type := toString $r.secret.type -}}
{{- $argocd := has $type (list "argocd-repository" "argocd-repo-creds") -}}
{{- if and (ne $type "dockerconfigjson") (gt (len $r.registries) 1) -}}
{{- fail (printf "refresher.registries: a %s Secret holds one registry; use dockerconfigjson for several" $type) -}}
{{- end -}}
{{- if and $r.secret.passwordOnly (eq $type "dockerconfigjson") -}}
{{- fail "refresher.secret.passwordOnly: a dockerconfigjson Secret has no password field of its own (basic-auth and the Argo CD types have)" -}}
{{- end -}}
{{- if and $accounts (ne $type "dockerconfigjson") -}}
{{- fail (printf "refresher.serviceAccounts: a service account's imagePullSecrets need a dockerconfigjson Secret, not %s" $type) -}}
{{- end -}}
{{- $a := $r.argocd | default dict -}}
{{- if not $argocd -}}
{{- range $key := list "url" "project" -}}
{{- if get $a $key -}}
{{- fail (printf "refresher.argocd.%s: only with an Argo CD type (secret.type argocd-repository or argocd-repo-creds)" $key) -}}
{{- end -}}
{{- end -}}
{{- if ne (toString $a.type) "helm" -}}
{{- fail "refresher.argocd.type: only with an Argo CD type (secret.type argocd-repository or argocd-repo-creds)" -}}
{{- end -}}
{{- else -}}
{{- if and (eq $type "argocd-repo-creds") $a.project -}}
{{- fail "refresher.argocd.project: Argo CD reads a project on argocd-repository Secrets only (an argocd-repo-creds template serves every project)" -}}
{{- end -}}
{{- if and (eq $type "argocd-repository") (eq (toString $a.type) "oci") (not $r.secret.passwordOnly) (not (contains "/" (trimPrefix "oci://" (toString $a.url)))) -}}
{{- fail "refresher.argocd.url: an argocd-repository Secret of type oci names its repository (oci://HOST/REPOSITORY): Argo CD matches its url exactly" -}}
{{- end -}}
{{- end -}}
{{- if and $argocd $a.url -}}
{{- $host := index (splitList "/" (trimPrefix "oci://" (toString $a.url))) 0 -}}
{{- if ne $host (toString (index $r.registries 0)) -}}
{{- fail (printf "refresher.argocd.url: %q is not on the registry %s (the credentials are its own)" (toString $a.url) (toString (index $r.registries 0))) -}}
{{- end -}}
{{- end -}}
{{- if and (eq $r.aws.identity "irsa") (not $r.aws.roleArn) -}}
{{- fail "refresher.aws.roleArn: the IAM role for IRSA (or set refresher.aws.identity to podIdentity, secret or none)" -}}
{{- end -}}
{{- if and (eq $r.aws.identity "secret") (not $r.aws.credentialsSecret) -}}
{{- fail "refresher.aws.credentialsSecret: the Secret holding AWS_* variables, with refresher.aws.identity secret" -}}
{{- end -}}
{{- end -}}

{{/* kube-secret's arguments before the run's own (--apply, --exit-zero), as a JSON list: each
value one argument of its own, which no value can split or add to. */}}
{{- define "ecr-login.refresherArgs" -}}
{{- $r := .Values.refresher -}}
{{- $args := list "kube-secret" -}}
{{- range $r.registries -}}
{{- $args = append $args (required "refresher.registries: an ECR registry host in each item" . | toString) -}}
{{- end -}}
{{- $type := required "refresher.secret.type: dockerconfigjson, basic-auth, argocd-repository or argocd-repo-creds" $r.secret.type | toString -}}
{{- $args = concat $args (list "--name" (toString $r.secret.name) "--type" $type) -}}
{{- if eq $r.allNamespaces true -}}
{{- $args = append $args "--all-namespaces" -}}
{{- else if $r.namespaceSelector -}}
{{- $args = concat $args (list "--namespace-selector" (toString $r.namespaceSelector)) -}}
{{- end -}}
{{- range (include "ecr-login.refresherNamespaces" . | fromJsonArray) -}}
{{- $args = concat $args (list "--namespace" .) -}}
{{- end -}}
{{- range $r.excludeNamespaces -}}
{{- $args = concat $args (list "--exclude-namespace" (required "refresher.excludeNamespaces: a name or glob in each item" . | toString)) -}}
{{- end -}}
{{- range (include "ecr-login.refresherServiceAccounts" . | fromJsonArray) -}}
{{- $args = concat $args (list "--service-account" .) -}}
{{- end -}}
{{- range $key, $value := $r.secret.labels -}}
{{- $args = concat $args (list "--label" (printf "%s=%s" $key (toString $value))) -}}
{{- end -}}
{{- range $key, $value := $r.secret.annotations -}}
{{- $args = concat $args (list "--annotation" (printf "%s=%s" $key (toString $value))) -}}
{{- end -}}
{{- if has $type (list "argocd-repository" "argocd-repo-creds") -}}
{{- with $r.argocd.url -}}
{{- $args = concat $args (list "--argocd-url" (toString .)) -}}
{{- end -}}
{{- $args = concat $args (list "--argocd-type" (required "refresher.argocd.type: helm or oci" $r.argocd.type | toString)) -}}
{{- with $r.argocd.project -}}
{{- $args = concat $args (list "--argocd-project" (toString .)) -}}
{{- end -}}
{{- end -}}
{{- if eq $r.secret.passwordOnly true -}}
{{- $args = append $args "--password-only" -}}
{{- end -}}
{{- toJson $args -}}
{{- end -}}

{{/* The refresher's RBAC rules, for its Roles and its ClusterRole alike. Only the one Secret:
`create` cannot be narrowed to a name (a create request names no object until it is made),
`get` and `patch` (server-side apply) can; --password-only never creates. Service accounts:
get and patch of those named (a JSON patch of imagePullSecrets), or list too for every one.
Called with dict "top" and "clusterWide" (adds listing namespaces, at cluster scope only). */}}
{{- define "ecr-login.refresherRules" -}}
{{- $r := .top.Values.refresher -}}
{{- $accounts := include "ecr-login.refresherServiceAccounts" .top | fromJsonArray -}}
{{- if .clusterWide }}
- apiGroups: [""]
  resources: ["namespaces"]
  verbs: ["list"]
{{- end }}
- apiGroups: [""]
  resources: ["secrets"]
  resourceNames: [{{ $r.secret.name | quote }}]
  verbs: ["get", "patch"]
{{- if ne $r.secret.passwordOnly true }}
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["create"]
{{- end }}
{{- if has "*" $accounts }}
- apiGroups: [""]
  resources: ["serviceaccounts"]
  verbs: ["list", "get", "patch"]
{{- else if $accounts }}
- apiGroups: [""]
  resources: ["serviceaccounts"]
  resourceNames:
    {{- range $accounts }}
    - {{ . | quote }}
    {{- end }}
  verbs: ["get", "patch"]
{{- end }}
{{- end -}}

{{/* The refresher's pod template: the CronJob's and the first run's, which differ only in the
flags after kube-secret's own. Called with dict "top" (the root context) and "args". */}}
{{- define "ecr-login.refresherPod" -}}
{{- $top := .top -}}
{{- $r := $top.Values.refresher -}}
metadata:
  labels:
    {{- include "ecr-login.selectorLabels" $top | nindent 4 }}
    app.kubernetes.io/component: refresher
    {{- with include "ecr-login.podLabels" $r.podLabels }}
    {{- . | nindent 4 }}
    {{- end }}
  {{- with $r.podAnnotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  serviceAccountName: {{ printf "%s-refresher" (include "ecr-login.fullname" $top) | quote }}
  # A failed run's pod stays, with its one-line cause in its log.
  restartPolicy: Never
  {{- with $r.priorityClassName }}
  priorityClassName: {{ . | quote }}
  {{- end }}
  {{- with $top.Values.imagePullSecrets }}
  imagePullSecrets:
    {{- range . }}
    - name: {{ . | quote }}
    {{- end }}
  {{- end }}
  {{- with $r.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $r.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $r.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  # The restricted Pod Security Standard: non-root, no privilege escalation, no capability,
  # the runtime's seccomp profile, and a read-only image.
  securityContext:
    runAsNonRoot: true
    runAsUser: 65532
    runAsGroup: 65532
    seccompProfile:
      type: RuntimeDefault
  containers:
    - name: refresh
      image: {{ include "ecr-login.image" $top | quote }}
      imagePullPolicy: {{ $top.Values.image.pullPolicy | quote }}
      args:
        {{- range concat (include "ecr-login.refresherArgs" $top | fromJsonArray) .args }}
        - {{ . | quote }}
        {{- end }}
      env:
        # A fresh 12-hour token every run (and nowhere to keep a cache anyway).
        - name: AWS_ECR_DISABLE_CACHE
          value: "1"
        {{- with $r.env }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- if eq $r.aws.identity "secret" }}
      envFrom:
        - secretRef:
            name: {{ $r.aws.credentialsSecret | quote }}
      {{- end }}
      securityContext:
        allowPrivilegeEscalation: false
        readOnlyRootFilesystem: true
        capabilities:
          drop: ["ALL"]
      {{- with $r.resources }}
      resources:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end -}}
