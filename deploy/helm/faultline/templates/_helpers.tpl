{{- define "faultline.fullname" -}}
{{- printf "%s-faultline" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "faultline.labels" -}}
app.kubernetes.io/name: faultline
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}

{{- define "faultline.env" -}}
- name: FAULTLINE_LISTEN
  value: "0.0.0.0:8000"
- name: FAULTLINE_URL
  value: {{ .Values.publicURL | quote }}
- name: FAULTLINE_KAFKA_BROKERS
  value: {{ .Values.kafkaBrokers | quote }}
- name: FAULTLINE_CLICKHOUSE_CLUSTER
  value: {{ .Values.clickhouseCluster | quote }}
- name: FAULTLINE_MAX_EVENT_LIFE_DAYS
  value: {{ .Values.maxEventLifeDays | quote }}
- name: FAULTLINE_DATA_DIR
  value: /data
- name: FAULTLINE_SECRET_KEY
  valueFrom: {secretKeyRef: {name: {{ .Values.secrets.name }}, key: {{ .Values.secrets.secretKeyKey }}}}
- name: FAULTLINE_DATABASE_URL
  valueFrom: {secretKeyRef: {name: {{ .Values.secrets.name }}, key: {{ .Values.secrets.databaseURLKey }}}}
- name: FAULTLINE_CLICKHOUSE_URL
  valueFrom: {secretKeyRef: {name: {{ .Values.secrets.name }}, key: {{ .Values.secrets.clickhouseURLKey }}}}
{{- if .Values.secrets.smtpURLKey }}
- name: FAULTLINE_SMTP_URL
  valueFrom: {secretKeyRef: {name: {{ .Values.secrets.name }}, key: {{ .Values.secrets.smtpURLKey }}}}
{{- end }}
{{- range $k, $v := .Values.extraEnv }}
- name: {{ $k }}
  value: {{ $v | quote }}
{{- end }}
{{- end -}}

{{- define "faultline.securityContext" -}}
runAsNonRoot: true
runAsUser: 65532
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities: {drop: [ALL]}
{{- end -}}
