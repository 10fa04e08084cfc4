package frontend

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/ingest/event"
	"github.com/faultline/faultline/metadata"
	"github.com/robfig/cron/v3"
)

// GlitchTip's monitor types, and how Faultline checks each.
var monitorTypes = map[string]struct{ kind, method string }{
	"Ping": {"http", "HEAD"}, "HEAD": {"http", "HEAD"}, "GET": {"http", "GET"}, "POST": {"http", "POST"},
	"TCP Port": {"tcp", ""}, "SSL": {"tls", ""}, "Heartbeat": {"heartbeat", ""},
}

func monitorType(m metadata.Monitor) string {
	switch m.Kind {
	case "tcp":
		return "TCP Port"
	case "tls":
		return "SSL"
	case "heartbeat":
		return "Heartbeat"
	case "cron":
		return "Cron"
	}
	if m.Method == "HEAD" {
		return "Ping"
	}
	return m.Method
}

// monitorInput is a monitor as GlitchTip's API (and its Terraform
// provider) sends it, with Faultline's additions. Numbers may come as
// strings and durations as seconds or "HH:MM:SS".
type monitorInput struct {
	MonitorType      string            `json:"monitorType"`
	Name             string            `json:"name"`
	URL              string            `json:"url"`
	ExpectedStatus   json.RawMessage   `json:"expectedStatus"`
	ExpectedBody     string            `json:"expectedBody"`
	KeywordAbsent    bool              `json:"expectedBodyAbsent"`
	Body             string            `json:"body"`
	Headers          map[string]string `json:"headers"`
	FollowRedirects  *bool             `json:"followRedirects"`
	Interval         json.RawMessage   `json:"interval"`
	Timeout          json.RawMessage   `json:"timeout"`
	FailureThreshold int               `json:"failureThreshold"`
	TLSExpiryDays    []int32           `json:"tlsExpiryDays"`
	Project          json.RawMessage   `json:"project"`
	Environment      string            `json:"environment"`
	Paused           bool              `json:"paused"`
}

// seconds reads a duration given as seconds (number or string) or as
// "HH:MM:SS"; def when absent. It never overflows: anything longer than
// maxSeconds (NaN, infinities and huge numbers too) is an error.
func seconds(raw json.RawMessage, def int) (int, error) {
	s := strings.Trim(strings.TrimSpace(string(raw)), `"`)
	if s == "" || s == "null" {
		return def, nil
	}
	inRange := func(f float64) bool { return f >= -maxSeconds && f <= maxSeconds } // false for NaN
	if n, err := strconv.ParseFloat(s, 64); err == nil && inRange(n) {
		return int(n), nil
	}
	parts := strings.Split(s, ":")
	if len(parts) == 3 {
		h, e1 := strconv.Atoi(parts[0])
		m, e2 := strconv.Atoi(parts[1])
		sec, e3 := strconv.ParseFloat(parts[2], 64)
		if e1 == nil && e2 == nil && e3 == nil && inRange(float64(h)*3600+float64(m)*60+sec) {
			return h*3600 + m*60 + int(sec), nil
		}
	}
	return 0, fmt.Errorf("%q is not a number of seconds or HH:MM:SS", s)
}

// maxSeconds bounds what seconds reads: far past any interval or timeout.
const maxSeconds = 1e9

// statusRange reads expectedStatus: 200, "200", "200-299", or null for any 2xx.
func statusRangeOf(raw json.RawMessage) (int, int, error) {
	s := strings.Trim(strings.TrimSpace(string(raw)), `"`)
	if s == "" || s == "null" {
		return 200, 299, nil
	}
	lo, hi, isRange := strings.Cut(s, "-")
	a, err1 := strconv.Atoi(strings.TrimSpace(lo))
	b := a
	var err2 error
	if isRange {
		b, err2 = strconv.Atoi(strings.TrimSpace(hi))
	}
	if err1 != nil || err2 != nil || a < 100 || b > 599 || a > b {
		return 0, 0, fmt.Errorf("expectedStatus: a status code such as 200 or a range such as \"200-299\"")
	}
	return a, b, nil
}

// toMonitor checks in and fills m from it; projectOf resolves a project id
// within the organization.
func (in monitorInput) toMonitor(m *metadata.Monitor, projectOf func(int64) bool, checkHost func(string) error) error {
	t, ok := monitorTypes[in.MonitorType]
	if !ok {
		return fmt.Errorf("monitorType: one of Ping, GET, POST, HEAD, TCP Port, SSL, Heartbeat")
	}
	m.Kind, m.Method = t.kind, t.method
	m.Name = strings.TrimSpace(in.Name)
	if m.Name == "" || len(m.Name) > 200 {
		return fmt.Errorf("name: required, at most 200 characters")
	}
	m.URL = strings.TrimSpace(in.URL)
	switch m.Kind {
	case "http":
		u, err := url.Parse(m.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("url: an http:// or https:// URL")
		}
		if err := checkHost(u.Hostname()); err != nil {
			return fmt.Errorf("url: %v", err)
		}
	case "tcp", "tls":
		host := m.URL
		if u, err := url.Parse(m.URL); err == nil && u.Host != "" {
			host = u.Hostname()
		} else if h, _, err := splitHostPort(m.URL); err == nil {
			host = h
		} else if m.Kind == "tcp" {
			return fmt.Errorf("url: host:port, e.g. db.example.com:5432")
		}
		if host == "" {
			return fmt.Errorf("url: a host")
		}
		if err := checkHost(host); err != nil {
			return fmt.Errorf("url: %v", err)
		}
	case "heartbeat":
		m.URL = ""
	}
	var err error
	if m.StatusMin, m.StatusMax, err = statusRangeOf(in.ExpectedStatus); err != nil {
		return err
	}
	m.Keyword, m.KeywordAbsent, m.Body, m.Headers = in.ExpectedBody, in.KeywordAbsent, in.Body, in.Headers
	if m.Headers == nil {
		m.Headers = map[string]string{}
	}
	m.FollowRedirects = in.FollowRedirects == nil || *in.FollowRedirects
	interval, err := seconds(in.Interval, 60)
	if err != nil || interval < 30 || interval > 86400 {
		return fmt.Errorf("interval: seconds between checks, from 30 to 86400")
	}
	timeout, err := seconds(in.Timeout, 10)
	if err != nil || timeout < 1 || timeout > 60 {
		return fmt.Errorf("timeout: seconds, from 1 to 60")
	}
	m.Interval, m.Timeout = time.Duration(interval)*time.Second, time.Duration(timeout)*time.Second
	m.FailureThreshold = in.FailureThreshold
	if m.FailureThreshold == 0 {
		m.FailureThreshold = 2
	}
	if m.FailureThreshold < 1 || m.FailureThreshold > 100 {
		return fmt.Errorf("failureThreshold: consecutive failures before down, from 1 to 100")
	}
	if in.TLSExpiryDays != nil {
		m.TLSExpiryDays = in.TLSExpiryDays
	}
	for _, d := range m.TLSExpiryDays {
		if d < 0 || d > 365 {
			return fmt.Errorf("tlsExpiryDays: days between 0 and 365")
		}
	}
	m.ProjectID = nil
	if p := strings.Trim(strings.TrimSpace(string(in.Project)), `"`); p != "" && p != "null" {
		id, err := strconv.ParseInt(p, 10, 64)
		if err != nil || !projectOf(id) {
			return fmt.Errorf("project: the id of one of this organization's projects")
		}
		m.ProjectID = &id
	}
	m.Environment, m.Paused = in.Environment, in.Paused
	return nil
}

func splitHostPort(s string) (string, string, error) {
	i := strings.LastIndex(s, ":")
	if i <= 0 || i == len(s)-1 {
		return "", "", fmt.Errorf("no port")
	}
	return strings.Trim(s[:i], "[]"), s[i+1:], nil
}

type checkJSON struct {
	IsUp         bool    `json:"isUp"`
	StartCheck   string  `json:"startCheck"`
	Reason       *string `json:"reason"`
	ResponseTime *int64  `json:"responseTime"` // milliseconds
	StatusCode   uint16  `json:"statusCode,omitempty"`
}

func newCheckJSON(c analytics.MonitorCheck) checkJSON {
	j := checkJSON{IsUp: c.Up, StartCheck: c.Checked.Format(time.RFC3339Nano), StatusCode: c.StatusCode}
	if c.Reason != "" {
		j.Reason = &c.Reason
	}
	if c.Up {
		ms := c.ResponseTime.Milliseconds()
		j.ResponseTime = &ms
	}
	return j
}

// monitorJSON is GlitchTip's monitor shape plus Faultline's fields, with
// the fields of Sentry's that clients list monitors by (sentry-cli's
// monitors list reads id, slug, name and status): a monitor without an
// SDK's slug goes by its id.
func (a *API) monitorJSON(org string, m metadata.Monitor, checks []analytics.MonitorCheck, strip []analytics.UptimeBucket, uptime *analytics.UptimeStats) map[string]any {
	var expected any = m.StatusMin
	if m.StatusMin != m.StatusMax {
		expected = fmt.Sprintf("%d-%d", m.StatusMin, m.StatusMax)
	}
	out := map[string]any{
		"id": itoa(m.ID), "monitorType": monitorType(m), "kind": m.Kind, "name": m.Name, "url": m.URL,
		"expectedStatus": expected, "expectedBody": m.Keyword, "expectedBodyAbsent": m.KeywordAbsent, "body": m.Body,
		"headers": m.Headers, "followRedirects": m.FollowRedirects, "interval": int(m.Interval / time.Second),
		"timeout": int(m.Timeout / time.Second), "failureThreshold": m.FailureThreshold, "tlsExpiryDays": m.TLSExpiryDays,
		"project": m.ProjectID, "environment": nilIfEmpty(m.Environment), "paused": m.Paused, "isUp": m.IsUp,
		"lastChange": m.LastChange, "created": m.CreatedAt, "organization": org, "endpointId": nil, "heartbeatEndpoint": nil,
		"slug": cmp.Or(m.Slug, itoa(m.ID)), "status": map[bool]string{false: "active", true: "disabled"}[m.Paused],
		"isMuted": m.Paused, "dateCreated": isoTime(m.CreatedAt),
	}
	if m.Kind == "heartbeat" {
		out["endpointId"] = m.EndpointID
		out["heartbeatEndpoint"] = fmt.Sprintf("%s/api/0/organizations/%s/heartbeat_check/%s/", a.opts.PublicURL, org, m.EndpointID)
	}
	if m.Kind == "cron" {
		out["schedule"] = map[string]any{"type": m.ScheduleType, "value": m.Schedule}
		out["timezone"] = m.Timezone
		out["checkinMargin"] = int(m.CheckinMargin / time.Minute)
		out["maxRuntime"] = int(m.MaxRuntime / time.Minute)
	}
	if checks != nil {
		list := make([]checkJSON, len(checks))
		for i, c := range checks {
			list[i] = newCheckJSON(c)
		}
		out["checks"] = list
	}
	if strip != nil {
		bars := make([]map[string]any, len(strip))
		for i, b := range strip {
			bars[i] = map[string]any{"start": b.Start.Unix(), "checks": b.Checks, "down": b.Down, "avgResponseTime": b.AvgMS}
		}
		out["strip"] = bars
	}
	if uptime != nil {
		out["uptime"] = map[string]any{"checks": uptime.Checks, "percent": uptime.UptimePct, "p50": uptime.P50, "p95": uptime.P95, "p99": uptime.P99}
	}
	return out
}

func nilIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// cronInput applies a cron monitor's changes: name, paused, and the
// schedule as a monitor_config has it (schedule {type, value, unit},
// timezone, checkinMargin and maxRuntime in minutes).
func cronInput(body []byte, m *metadata.Monitor) error {
	var in struct {
		Name          *string         `json:"name"`
		Paused        *bool           `json:"paused"`
		Schedule      json.RawMessage `json:"schedule"`
		Timezone      string          `json:"timezone"`
		CheckinMargin *float64        `json:"checkinMargin"`
		MaxRuntime    *float64        `json:"maxRuntime"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return fmt.Errorf("send a JSON body with name, paused or schedule")
	}
	if in.Name != nil && strings.TrimSpace(*in.Name) != "" {
		m.Name = strings.TrimSpace(*in.Name)
	}
	if in.Paused != nil {
		m.Paused = *in.Paused
	}
	if len(in.Schedule) > 0 && string(in.Schedule) != "null" {
		raw, _ := json.Marshal(map[string]any{"schedule": in.Schedule, "timezone": in.Timezone,
			"checkin_margin": in.CheckinMargin, "max_runtime": in.MaxRuntime})
		cfg, err := event.ParseMonitorConfig(raw)
		if err != nil {
			return fmt.Errorf("schedule: %s", strings.TrimPrefix(err.Error(), "monitor_config "))
		}
		if cfg.ScheduleType == "crontab" {
			if _, err := cron.ParseStandard(cfg.Schedule); err != nil {
				return fmt.Errorf("schedule: the crontab %q is not valid: %v", cfg.Schedule, err)
			}
		}
		m.ScheduleType, m.Schedule, m.Timezone = cfg.ScheduleType, cfg.Schedule, cfg.Timezone
		m.CheckinMargin, m.MaxRuntime = cfg.CheckinMargin, cfg.MaxRuntime
	}
	return nil
}
