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

{{- define "ecr-login.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Labels of every resource; the caller adds its component. */}}
{{- define "ecr-login.labels" -}}
{{ include "ecr-login.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
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

{{/* The kubelet plugin's node settings, as YAML: the distribution's defaults with the values
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
{{- $restoreOnStop := ternary $preset.ownPlugin $p.restoreOnStop (kindIs "invalid" $p.restoreOnStop) -}}
binDir: {{ $binDir | quote }}
configPath: {{ $configPath | quote }}
configName: {{ base $configPath | quote }}
configDir: {{ dir $configPath | quote }}
writeConfig: {{ $writeConfig }}
restoreOnStop: {{ $restoreOnStop }}
{{- end -}}

{{/* install-kubelet-plugin's arguments naming the node's files, as mounted in the pod. */}}
{{- define "ecr-login.nodeFiles" -}}
{{- $node := include "ecr-login.node" . | fromYaml -}}
- --bin-dir
- /host/bin
{{- if $node.writeConfig }}
- --config
- {{ printf "/host/config/%s" $node.configName | quote }}
{{- end }}
{{- end -}}

{{/* The namespaces the refresher writes to, as a YAML list: the release's by default. */}}
{{- define "ecr-login.refresherNamespaces" -}}
{{- toYaml (.Values.refresher.namespaces | default (list .Release.Namespace) | uniq) -}}
{{- end -}}

{{/* What the schema cannot say about the refresher's values. */}}
{{- define "ecr-login.refresherChecks" -}}
{{- $r := .Values.refresher -}}
{{- if not $r.registries -}}
{{- fail "refresher.registries: at least one ECR registry (123456789012.dkr.ecr.eu-west-1.amazonaws.com)" -}}
{{- end -}}
{{- if and (eq $r.secret.type "basic-auth") (gt (len $r.registries) 1) -}}
{{- fail "refresher.registries: a basic-auth Secret holds one registry; use dockerconfigjson for several" -}}
{{- end -}}
{{- if and (eq $r.aws.identity "irsa") (not $r.aws.roleArn) -}}
{{- fail "refresher.aws.roleArn: the IAM role for IRSA (or set refresher.aws.identity to podIdentity, secret or none)" -}}
{{- end -}}
{{- if and (eq $r.aws.identity "secret") (not $r.aws.credentialsSecret) -}}
{{- fail "refresher.aws.credentialsSecret: the Secret holding AWS_* variables, with refresher.aws.identity secret" -}}
{{- end -}}
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
    {{- with $r.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- with $r.podAnnotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  serviceAccountName: {{ printf "%s-refresher" (include "ecr-login.fullname" $top) }}
  # A failed run's pod stays, with its one-line cause in its log.
  restartPolicy: Never
  {{- with $r.priorityClassName }}
  priorityClassName: {{ . }}
  {{- end }}
  {{- with $top.Values.imagePullSecrets }}
  imagePullSecrets:
    {{- range . }}
    - name: {{ . }}
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
      imagePullPolicy: {{ $top.Values.image.pullPolicy }}
      args:
        - kube-secret
        {{- range $r.registries }}
        - {{ . | quote }}
        {{- end }}
        - --name
        - {{ $r.secret.name | quote }}
        - --type
        - {{ $r.secret.type }}
        {{- range (include "ecr-login.refresherNamespaces" $top | fromYamlArray) }}
        - --namespace
        - {{ . | quote }}
        {{- end }}
        {{- range .args }}
        - {{ . }}
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
