package monitor

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Run is one run of a cron job, as its check-ins tell it.
type Run struct {
	Status  string // in_progress, ok, error
	Started time.Time
}

// CronSchedule is a cron monitor's settings.
type CronSchedule struct {
	Type       string // crontab or interval
	Value      string // "0 * * * *", or "10 minute"
	Timezone   string
	Margin     time.Duration // how late a check-in may come
	MaxRuntime time.Duration // how long a run may stay in progress
	Since      time.Time     // the monitor's creation: nothing is due before
}

// nextFunc returns when the job is due next after a time.
func (c CronSchedule) nextFunc() (func(time.Time) time.Time, error) {
	switch c.Type {
	case "crontab":
		tz := c.Timezone
		if tz == "" {
			tz = "UTC"
		}
		s, err := cron.ParseStandard("CRON_TZ=" + tz + " " + c.Value)
		if err != nil {
			return nil, fmt.Errorf("the crontab %q is not valid: %v", c.Value, err)
		}
		return s.Next, nil
	case "interval":
		n, unit, _ := strings.Cut(c.Value, " ")
		count, err := strconv.Atoi(n)
		if err != nil || count < 1 {
			return nil, fmt.Errorf("the interval %q is not valid", c.Value)
		}
		return func(t time.Time) time.Time {
			switch unit {
			case "minute":
				return t.Add(time.Duration(count) * time.Minute)
			case "hour":
				return t.Add(time.Duration(count) * time.Hour)
			case "day":
				return t.AddDate(0, 0, count)
			case "week":
				return t.AddDate(0, 0, 7*count)
			case "month":
				return t.AddDate(0, count, 0)
			case "year":
				return t.AddDate(count, 0, 0)
			}
			return t.Add(time.Duration(count) * time.Minute)
		}, nil
	}
	return nil, fmt.Errorf("no schedule (send a monitor_config with the check-ins, or set one)")
}

const earlyTolerance = 30 * time.Second

// EvaluateCron judges a cron monitor at now from its latest runs (newest
// first): down when the latest run failed or is in progress past the
// maximum runtime, or when a run was due (and its margin has passed) with
// no check-in. known is false while nothing can be said yet.
func EvaluateCron(c CronSchedule, runs []Run, now time.Time) (r Result, known bool) {
	r.At = now
	next, err := c.nextFunc()
	if err != nil {
		if len(runs) == 0 {
			return r, false
		}
		next = nil // without a schedule, only the runs themselves count
	}
	if len(runs) > 0 {
		latest := runs[0]
		switch {
		case latest.Status == "in_progress" && c.MaxRuntime > 0 && now.Sub(latest.Started) > c.MaxRuntime:
			r.Reason = fmt.Sprintf("timed out: the run started at %s is still in progress after %s",
				latest.Started.UTC().Format(time.RFC3339), c.MaxRuntime)
			return r, true
		case latest.Status == "error":
			r.Reason = fmt.Sprintf("the run started at %s reported an error", latest.Started.UTC().Format(time.RFC3339))
			return r, true
		}
	}
	if next != nil {
		// The latest time the job was due whose margin has passed.
		from := c.Since
		// A check-in a little early (clock skew) still counts for the run
		// it precedes.
		if len(runs) > 0 {
			last := runs[0].Started
			if c.Type == "crontab" {
				last = last.Add(earlyTolerance)
			}
			if last.After(from) {
				from = last
			}
		}
		if lookback := now.Add(-35 * 24 * time.Hour); from.Before(lookback) {
			from = lookback
		}
		var due time.Time
		for t, i := next(from), 0; !t.After(now.Add(-c.Margin)) && i < 100_000; t, i = next(t), i+1 {
			due = t
		}
		if !due.IsZero() {
			r.Reason = fmt.Sprintf("missed: no check-in for the run due at %s", due.UTC().Format(time.RFC3339))
			return r, true
		}
	}
	if len(runs) == 0 {
		return r, false
	}
	r.Up = true
	return r, true
}
