package event

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// MonitorConfig is the monitor_config of a check-in: the cron monitor's
// schedule as the SDK declares it.
type MonitorConfig struct {
	ScheduleType     string // crontab or interval
	Schedule         string // "0 * * * *", or "10 minute"
	Timezone         string
	CheckinMargin    time.Duration
	MaxRuntime       time.Duration
	FailureThreshold int
}

var intervalUnits = map[string]bool{"minute": true, "hour": true, "day": true, "week": true, "month": true, "year": true}

// ParseMonitorConfig reads a monitor_config object; nil when raw is empty.
func ParseMonitorConfig(raw json.RawMessage) (*MonitorConfig, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var w struct {
		Schedule struct {
			Type  string          `json:"type"`
			Value json.RawMessage `json:"value"`
			Unit  string          `json:"unit"`
		} `json:"schedule"`
		CheckinMargin    *float64 `json:"checkin_margin"`
		MaxRuntime       *float64 `json:"max_runtime"`
		Timezone         string   `json:"timezone"`
		FailureThreshold int      `json:"failure_issue_threshold"`
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		return nil, fmt.Errorf("monitor_config is not readable: %w", err)
	}
	c := &MonitorConfig{ScheduleType: w.Schedule.Type, Timezone: w.Timezone, CheckinMargin: time.Minute,
		MaxRuntime: 30 * time.Minute, FailureThreshold: max(w.FailureThreshold, 1)}
	if c.Timezone == "" {
		c.Timezone = "UTC"
	}
	if _, err := time.LoadLocation(c.Timezone); err != nil {
		return nil, fmt.Errorf("monitor_config timezone %q is unknown", c.Timezone)
	}
	if w.CheckinMargin != nil && *w.CheckinMargin >= 1 {
		c.CheckinMargin = time.Duration(*w.CheckinMargin) * time.Minute
	}
	if w.MaxRuntime != nil && *w.MaxRuntime >= 1 {
		c.MaxRuntime = time.Duration(*w.MaxRuntime) * time.Minute
	}
	switch c.ScheduleType {
	case "crontab":
		if err := json.Unmarshal(w.Schedule.Value, &c.Schedule); err != nil || strings.TrimSpace(c.Schedule) == "" {
			return nil, fmt.Errorf("monitor_config crontab schedule must be a string such as \"0 * * * *\"")
		}
		c.Schedule = strings.TrimSpace(c.Schedule)
	case "interval":
		var n int
		if err := json.Unmarshal(w.Schedule.Value, &n); err != nil || n < 1 || !intervalUnits[w.Schedule.Unit] {
			return nil, fmt.Errorf("monitor_config interval schedule needs a positive value and a unit (minute, hour, day, week, month, year)")
		}
		c.Schedule = fmt.Sprintf("%d %s", n, w.Schedule.Unit)
	default:
		return nil, fmt.Errorf("monitor_config schedule type %q is not crontab or interval", c.ScheduleType)
	}
	return c, nil
}
