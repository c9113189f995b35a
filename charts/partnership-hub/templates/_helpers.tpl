{{- define "hub.name" -}}partnership-hub{{- end -}}

{{- define "hub.fullname" -}}
{{- if contains "partnership-hub" .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-partnership-hub" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "hub.labels" -}}
app.kubernetes.io/name: {{ include "hub.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "hub.selector" -}}
app.kubernetes.io/name: {{ include "hub.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* The image of a service (api, ingest, benchmark or hub); the tag is never "latest". */}}
{{- define "hub.image" -}}
{{- $tag := default .root.Chart.AppVersion .root.Values.image.tag -}}
{{- if eq $tag "latest" -}}{{- fail "image.tag: pin a version, not latest" -}}{{- end -}}
{{- printf "%s/%s:%s" .root.Values.image.registry .service $tag -}}
{{- end -}}

{{- define "hub.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}{{ default (include "hub.fullname" .) .Values.serviceAccount.name }}{{- else -}}{{ default "default" .Values.serviceAccount.name }}{{- end -}}
{{- end -}}

{{- define "hub.secretName" -}}
{{- default (printf "%s-clickhouse" (include "hub.fullname" .)) .Values.clickhouse.existingSecret -}}
{{- end -}}

{{- define "hub.natsURL" -}}
{{- required "hub.natsURL: the JetStream cluster (nats://nats:4222 for the NATS release of README.md)" .Values.hub.natsURL -}}
{{- end -}}

{{/* Settings shared by every service, as a map: the ConfigMap and the migrate hook both use it. */}}
{{- define "hub.settings" -}}
HUB_LOG_LEVEL: {{ .Values.hub.logLevel | quote }}
HUB_LOG_FORMAT: {{ .Values.hub.logFormat | quote }}
HUB_NATS_URL: {{ include "hub.natsURL" . | quote }}
HUB_NATS_REPLICAS: {{ .Values.hub.natsReplicas | quote }}
HUB_CLICKHOUSE_ADDR: {{ required "clickhouse.addr is required" .Values.clickhouse.addr | quote }}
HUB_CLICKHOUSE_DATABASE: {{ .Values.clickhouse.database | quote }}
HUB_CLICKHOUSE_USER: {{ .Values.clickhouse.user | quote }}
{{- if .Values.clickhouse.cluster }}
HUB_CLICKHOUSE_CLUSTER: {{ .Values.clickhouse.cluster | quote }}
{{- end }}
HUB_OTEL_EXPORTER: {{ .Values.hub.otelExporter | quote }}
{{- if .Values.hub.otlpEndpoint }}
OTEL_EXPORTER_OTLP_ENDPOINT: {{ .Values.hub.otlpEndpoint | quote }}
{{- end }}
HUB_HTTP_ADDR: {{ printf "0.0.0.0:%v" .Values.api.port | quote }}
HUB_HTTP_SHUTDOWN_TIMEOUT: {{ .Values.api.shutdownTimeout | quote }}
HUB_PUBLIC_URL: {{ required "api.publicURL is required" .Values.api.publicURL | quote }}
HUB_OIDC_ISSUER: {{ required "oidc.issuer is required" .Values.oidc.issuer | quote }}
{{- with .Values.oidc.tokenURL }}
HUB_OIDC_TOKEN_URL: {{ . | quote }}
{{- end }}
{{- with .Values.oidc.authorizeURL }}
HUB_OIDC_AUTHORIZE_URL: {{ . | quote }}
{{- end }}
HUB_OIDC_AUDIENCE: {{ .Values.oidc.audience | quote }}
HUB_OIDC_CLAIM_ORG: {{ .Values.oidc.claims.org | quote }}
HUB_OIDC_CLAIM_ROLES: {{ .Values.oidc.claims.roles | quote }}
HUB_OIDC_CLAIM_ALLIANCES: {{ .Values.oidc.claims.alliances | quote }}
HUB_RATE_LIMIT: {{ .Values.api.rateLimit | quote }}
HUB_RATE_BURST: {{ .Values.api.rateBurst | quote }}
HUB_INGEST_HEALTH_ADDR: {{ printf "0.0.0.0:%v" .Values.ingest.port | quote }}
HUB_INGEST_WORKERS: {{ .Values.ingest.workers | quote }}
HUB_INGEST_BATCH_MESSAGES: {{ .Values.ingest.batchMessages | quote }}
HUB_BENCHMARK_HEALTH_ADDR: {{ printf "0.0.0.0:%v" .Values.benchmark.port | quote }}
HUB_BENCHMARK_BATCH_MESSAGES: {{ .Values.benchmark.batchMessages | quote }}
{{- end -}}

{{- define "hub.passwordEnv" -}}
- name: HUB_CLICKHOUSE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "hub.secretName" . }}
      key: {{ .Values.clickhouse.existingSecretKey }}
{{- end -}}

{{/* The services the chart deploys, with their values. */}}
{{- define "hub.components" -}}
api: {{ toYaml .Values.api | nindent 2 }}
ingest: {{ toYaml .Values.ingest | nindent 2 }}
benchmark: {{ toYaml .Values.benchmark | nindent 2 }}
{{- end -}}
