package alert

import (
	"context"
	"fmt"
	"time"

	"github.com/faultline/faultline/metadata"
)

// EventFacts is what issue rules look at in one freshly counted event.
type EventFacts struct {
	IssueID     int64
	Title       string
	Culprit     string
	Level       string
	Environment string
	Release     string
	Tags        map[string]string
	UserKey     string
	NewIssue    bool // the batch created the issue
	Regressed   bool // the batch reopened it
}

// Evaluator keeps one project's frequency and user windows in memory. It
// belongs to the project's actor, so it needs no lock: the actor sees its
// project's events in order, one batch at a time.
type Evaluator struct {
	engine    *Engine
	projectID int64
	windows   map[windowKey]*window
	fired     map[windowKey]time.Time // when each rule last fired for an issue, to spare PostgreSQL
}

type windowKey struct{ rule, issue int64 }

// window counts an issue's events per minute and remembers each user's
// last minute, over a rule's timespan.
type window struct {
	minutes map[int64]uint64
	users   map[string]int64
}

// NewEvaluator returns a project's evaluator.
func (e *Engine) NewEvaluator(projectID int64) *Evaluator {
	return &Evaluator{engine: e, projectID: projectID, windows: map[windowKey]*window{}, fired: map[windowKey]time.Time{}}
}

// Reset forgets the windows and the record of recent firings, so they are
// read back from ClickHouse and PostgreSQL: the project's partition moved
// and another worker may have counted events meanwhile.
func (ev *Evaluator) Reset() {
	ev.windows = map[windowKey]*window{}
	ev.fired = map[windowKey]time.Time{}
}

// Observe evaluates the project's rules on a batch's fresh events. An error
// reading the rules is returned (the batch is retried); a failure to record
// an alert is logged and skipped.
func (ev *Evaluator) Observe(ctx context.Context, facts []EventFacts) error {
	if len(facts) == 0 {
		return nil
	}
	c, err := ev.engine.rulesFor(ctx, ev.projectID)
	if err != nil {
		return fmt.Errorf("alert rules: %w", err)
	}
	if len(c.rules) == 0 {
		return nil
	}
	now := ev.engine.now()
	minute := now.Unix() / 60 * 60
	for _, r := range c.rules {
		counted := map[int64]EventFacts{} // each counted issue's latest event
		for _, f := range facts {
			if !matches(r, f) {
				continue
			}
			link := fmt.Sprintf("%s/app/%s/issues/%d", ev.engine.baseURL, c.org, f.IssueID)
			alert := metadata.Alert{ProjectID: ev.projectID, IssueID: &f.IssueID, Title: f.Title, Link: link,
				Body: fmt.Sprintf("%s\n%s · %s", f.Culprit, c.project, nonEmpty(f.Environment, "no environment"))}
			switch {
			case f.NewIssue && r.Has("new_issue"):
				alert.Trigger, alert.Title = "new_issue", "New issue: "+f.Title
				ev.fire(ctx, r, f.IssueID, alert, now)
				continue
			case f.Regressed && r.Has("regression"):
				alert.Trigger, alert.Title = "regression", "Regression: "+f.Title
				ev.fire(ctx, r, f.IssueID, alert, now)
				continue
			}
			if !r.Has("frequency") && !r.Has("users") {
				continue
			}
			w, err := ev.window(ctx, r, f.IssueID, now)
			if err != nil {
				return err
			}
			w.minutes[minute]++
			if f.UserKey != "" {
				w.users[f.UserKey] = minute
			}
			counted[f.IssueID] = f
		}
		// Thresholds are judged once per issue per batch, on the whole window.
		for issue, f := range counted {
			w := ev.windows[windowKey{r.ID, issue}]
			since := minute - int64(r.TimespanMin-1)*60
			events, users := w.total(since)
			alert := metadata.Alert{ProjectID: ev.projectID, IssueID: &issue,
				Link: fmt.Sprintf("%s/app/%s/issues/%d", ev.engine.baseURL, c.org, issue)}
			switch {
			case r.Has("frequency") && events >= uint64(r.Quantity):
				alert.Trigger = "frequency"
				alert.Title = fmt.Sprintf("%s: seen %d times in %d min", f.Title, events, r.TimespanMin)
				alert.Body = fmt.Sprintf("%s\n%s · more than %d events in %d minutes", f.Culprit, c.project, r.Quantity-1, r.TimespanMin)
				ev.fire(ctx, r, issue, alert, now)
			case r.Has("users") && users >= r.UsersQuantity:
				alert.Trigger = "users"
				alert.Title = fmt.Sprintf("%s: %d users affected in %d min", f.Title, users, r.TimespanMin)
				alert.Body = fmt.Sprintf("%s\n%s · at least %d users in %d minutes", f.Culprit, c.project, r.UsersQuantity, r.TimespanMin)
				ev.fire(ctx, r, issue, alert, now)
			}
			w.prune(since)
		}
	}
	return nil
}

// fire records the alert unless this evaluator knows the rule fired for
// the issue within its interval (PostgreSQL checks again, for all
// processes).
func (ev *Evaluator) fire(ctx context.Context, r metadata.AlertRule, issue int64, a metadata.Alert, now time.Time) {
	key := windowKey{r.ID, issue}
	if last, ok := ev.fired[key]; ok && now.Sub(last) < time.Duration(r.IntervalMin)*time.Minute {
		return
	}
	if ev.engine.fire(ctx, r, a) {
		ev.fired[key] = now
	}
}

// window returns the rule's window for an issue, starting it from
// ClickHouse's record of the timespan so a restart loses no count.
func (ev *Evaluator) window(ctx context.Context, r metadata.AlertRule, issue int64, now time.Time) (*window, error) {
	key := windowKey{r.ID, issue}
	if w, ok := ev.windows[key]; ok {
		return w, nil
	}
	since := time.Unix(now.Unix()/60*60-int64(r.TimespanMin-1)*60, 0)
	minutes, users, err := ev.engine.history.IssueMinutes(ctx, uint64(ev.projectID), uint64(issue), since)
	if err != nil {
		return nil, fmt.Errorf("alert window history: %w", err)
	}
	w := &window{minutes: minutes, users: users}
	if len(ev.windows) > 100_000 {
		ev.windows = map[windowKey]*window{} // bound memory; windows restart from ClickHouse
	}
	ev.windows[key] = w
	return w, nil
}

func (w *window) total(since int64) (uint64, int) {
	var n uint64
	for m, c := range w.minutes {
		if m >= since {
			n += c
		}
	}
	users := 0
	for _, m := range w.users {
		if m >= since {
			users++
		}
	}
	return n, users
}

func (w *window) prune(since int64) {
	for m := range w.minutes {
		if m < since {
			delete(w.minutes, m)
		}
	}
	for u, m := range w.users {
		if m < since {
			delete(w.users, u)
		}
	}
}

// matches applies a rule's filters.
func matches(r metadata.AlertRule, f EventFacts) bool {
	if r.Level != "" && r.Level != f.Level || r.Environment != "" && r.Environment != f.Environment ||
		r.Release != "" && r.Release != f.Release {
		return false
	}
	for k, v := range r.Tags {
		if f.Tags[k] != v {
			return false
		}
	}
	return true
}

func nonEmpty(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
