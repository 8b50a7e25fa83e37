{{- define "egw.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "egw.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "egw.selectorLabels" -}}
app.kubernetes.io/name: {{ include "egw.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "egw.labels" -}}
{{ include "egw.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "egw.tlsSecretName" -}}
{{- default (printf "%s-tls" (include "egw.fullname" .)) .Values.tls.secretName -}}
{{- end -}}

{{- define "egw.labelList" -}}
{{- $pairs := list -}}
{{- range $k, $v := . -}}{{- $pairs = append $pairs (printf "%s=%s" $k $v) -}}{{- end -}}
{{- join "," $pairs -}}
{{- end -}}

{{/* The kinds the server checks (--kinds), from .Values.kinds. */}}
{{- define "egw.kinds" -}}
{{- $kinds := list -}}
{{- if .Values.kinds.deckhouse }}{{ $kinds = concat $kinds (list "EgressGateway" "EgressGatewayPolicy") }}{{ end -}}
{{- if .Values.kinds.ciliumEgressGatewayPolicy }}{{ $kinds = append $kinds "CiliumEgressGatewayPolicy" }}{{ end -}}
{{- join "," $kinds -}}
{{- end }}
