{{/*
Names, labels and small computed values shared by the templates.
*/}}

{{/* The chart name, overridable. */}}
{{- define "cryo.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The prefix of every object's name: <release>-<chart>, or the release name when it already contains the chart name. */}}
{{- define "cryo.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Labels every object carries. */}}
{{- define "cryo.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "cryo.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: cryo
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Selector labels of the operator pods. */}}
{{- define "cryo.operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "cryo.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end -}}

{{/* Selector labels of the agent pods; the operator finds the agent on a node with the same selector. */}}
{{- define "cryo.agent.selectorLabels" -}}
app.kubernetes.io/name: {{ include "cryo.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: agent
{{- end -}}

{{/* The agent selector as the operator's label-selector string. */}}
{{- define "cryo.agent.selectorString" -}}
{{- printf "app.kubernetes.io/name=%s,app.kubernetes.io/instance=%s,app.kubernetes.io/component=agent" (include "cryo.name" .) .Release.Name -}}
{{- end -}}

{{- define "cryo.operator.serviceAccountName" -}}
{{- if .Values.operator.serviceAccount.create -}}
{{- default (printf "%s-operator" (include "cryo.fullname" .)) .Values.operator.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.operator.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "cryo.agent.serviceAccountName" -}}
{{- if .Values.agent.serviceAccount.create -}}
{{- default (printf "%s-agent" (include "cryo.fullname" .)) .Values.agent.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.agent.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Image reference: [registry/]repository:tag, the tag defaulting to the chart's appVersion. */}}
{{- define "cryo.image" -}}
{{- $root := index . 0 -}}
{{- $repository := index . 1 -}}
{{- $tag := default $root.Chart.AppVersion $root.Values.image.tag -}}
{{- if $root.Values.image.registry -}}
{{- printf "%s/%s:%s" (trimSuffix "/" $root.Values.image.registry) $repository $tag -}}
{{- else -}}
{{- printf "%s:%s" $repository $tag -}}
{{- end -}}
{{- end -}}

{{- define "cryo.operator.image" -}}
{{- include "cryo.image" (list . .Values.operator.repository) -}}
{{- end -}}

{{- define "cryo.agent.image" -}}
{{- include "cryo.image" (list . .Values.agent.repository) -}}
{{- end -}}

{{/*
Prefix of every name the `helm test` run uses (hack/e2e.sh --name-prefix, at most 40 characters): its
ServiceAccount, Role and Pod, and the workload, Checkpoint and Restores the script creates, which the Role
names one by one.
*/}}
{{- define "cryo.e2e.prefix" -}}
{{- printf "%s-e2e" (include "cryo.fullname" . | trunc 36 | trimSuffix "-") -}}
{{- end -}}

{{/* The checkpoint claim's name: the existing one or the chart's. */}}
{{- define "cryo.claimName" -}}
{{- default (printf "%s-checkpoints" (include "cryo.fullname" .)) .Values.storage.existingClaim -}}
{{- end -}}

{{/* Secret names holding ca.crt, tls.crt and tls.key for the agent and the operator. */}}
{{- define "cryo.agent.tlsSecretName" -}}
{{- if eq .Values.tls.source "existingSecrets" -}}
{{- required "tls.existingSecrets.agent is required when tls.source is existingSecrets" .Values.tls.existingSecrets.agent -}}
{{- else -}}
{{- printf "%s-agent-tls" (include "cryo.fullname" .) -}}
{{- end -}}
{{- end -}}

{{- define "cryo.operator.tlsSecretName" -}}
{{- if eq .Values.tls.source "existingSecrets" -}}
{{- required "tls.existingSecrets.operator is required when tls.source is existingSecrets" .Values.tls.existingSecrets.operator -}}
{{- else -}}
{{- printf "%s-operator-tls" (include "cryo.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/* Image pull secrets block for a pod spec. */}}
{{- define "cryo.imagePullSecrets" -}}
{{- with .Values.image.pullSecrets }}
imagePullSecrets:
{{- range . }}
  - name: {{ . }}
{{- end }}
{{- end }}
{{- end -}}
