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

{{/* The webhook's image; the render stops with a clear message until image.repository is set. */}}
{{- define "egw.image" -}}
{{- if not .Values.image.repository -}}
{{- fail "image.repository is required: the registry and repository you pushed the image built from the Dockerfile to, e.g. --set image.repository=registry.example.com/egress-gateway-webhook" -}}
{{- end -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* Whether the break-glass matchConditions are rendered: values given, and an API server that knows the field (1.28+). */}}
{{- define "egw.breakGlassWanted" -}}
{{- with .Values.webhook.breakGlass -}}{{- if or .groups .serviceAccounts -}}true{{- end -}}{{- end -}}
{{- end -}}
{{- define "egw.breakGlassSupported" -}}
{{- if semverCompare ">=1.28-0" .Capabilities.KubeVersion.Version -}}true{{- end -}}
{{- end -}}

{{/* matchConditions of every webhook: requests of the break-glass groups and service accounts skip the webhook. */}}
{{- define "egw.matchConditions" -}}
{{- if and (include "egw.breakGlassWanted" .) (include "egw.breakGlassSupported" .) -}}
{{- $parts := list -}}
{{- with .Values.webhook.breakGlass.groups -}}
{{- $quoted := list -}}{{- range . -}}{{- $quoted = append $quoted (printf "'%s'" .) -}}{{- end -}}
{{- $parts = append $parts (printf "!(has(request.userInfo.groups) && request.userInfo.groups.exists(g, g in [%s]))" (join ", " $quoted)) -}}
{{- end -}}
{{- with .Values.webhook.breakGlass.serviceAccounts -}}
{{- $quoted := list -}}{{- range . -}}{{- $sa := splitList "/" . -}}{{- $quoted = append $quoted (printf "'system:serviceaccount:%s:%s'" (index $sa 0) (index $sa 1)) -}}{{- end -}}
{{- $parts = append $parts (printf "!(has(request.userInfo.username) && request.userInfo.username in [%s])" (join ", " $quoted)) -}}
{{- end -}}
matchConditions:
- name: not-break-glass
  expression: {{ join " && " $parts | quote }}
{{- end -}}
{{- end -}}

{{/* The object the helm test creates with a server-side dry run, and the field error it must get: one the
platform's CRD schema lets through (it refuses an unknown mode itself, before any validating webhook). */}}
{{- define "egw.testCase" -}}
{{- $name := printf "%s-helm-test" (include "egw.fullname" .) | trunc 52 | trimSuffix "-" -}}
{{- if .Values.kinds.deckhouse -}}
path: /apis/network.deckhouse.io/v1alpha1/egressgateways
resource: egressgateways
apiGroup: network.deckhouse.io
expect: 'spec.sourceIP.virtualIPAddress.ip: Invalid value: "192.0.2.1/32": must be a single address without a prefix length'
object:
  apiVersion: network.deckhouse.io/v1alpha1
  kind: EgressGateway
  metadata:
    name: {{ $name }}
  spec:
    nodeSelector:
      egress-gateway-webhook/helm-test: ""
    sourceIP:
      mode: VirtualIPAddress
      virtualIPAddress:
        ip: 192.0.2.1/32
{{- else -}}
path: /apis/cilium.io/v2/ciliumegressgatewaypolicies
resource: ciliumegressgatewaypolicies
apiGroup: cilium.io
expect: 'spec.egressGateway.egressIP: Forbidden: may not be set together with interface'
object:
  apiVersion: cilium.io/v2
  kind: CiliumEgressGatewayPolicy
  metadata:
    name: {{ $name }}
  spec:
    selectors:
    - podSelector:
        matchLabels:
          egress-gateway-webhook/helm-test: ""
    destinationCIDRs: ["192.0.2.0/24"]
    egressGateway:
      nodeSelector:
        matchLabels:
          egress-gateway-webhook/helm-test: ""
      egressIP: 192.0.2.1
      interface: eth0
{{- end -}}
{{- end -}}
