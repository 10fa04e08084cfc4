package event

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// SessionCount is one release-health fact: Quantity sessions of a release
// and environment that started at Started and ended (or stand) in Status.
type SessionCount struct {
	Started     time.Time
	Release     string
	Environment string
	Status      string // ok, exited, errored, crashed, abnormal
	Init        bool   // the session's first update: counts as a started session
	SessionID   string // the SDK's sid; "" for aggregates
	Seq         uint64 // orders a session's updates: the SDK's seq, else its timestamp in milliseconds
	Errors      int
	Duration    time.Duration
	DistinctID  string
	Quantity    int
}

type sessionAttrs struct {
	Release     text `json:"release"`
	Environment text `json:"environment"`
}

// ParseSessions reads a "session" item (one update of one session) or a
// "sessions" item (pre-aggregated counts per start minute).
func ParseSessions(itemType string, payload []byte, received time.Time) ([]SessionCount, error) {
	trimmed := bytes.TrimSpace(payload)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, ErrNotObject
	}
	if itemType == "sessions" {
		var w struct {
			Attrs      sessionAttrs `json:"attrs"`
			Aggregates []struct {
				Started  when   `json:"started"`
				DID      text   `json:"did"`
				Exited   number `json:"exited"`
				Errored  number `json:"errored"`
				Crashed  number `json:"crashed"`
				Abnormal number `json:"abnormal"`
			} `json:"aggregates"`
		}
		if err := unmarshal(trimmed, &w); err != nil {
			return nil, fmt.Errorf("sessions item is not valid JSON: %w", err)
		}
		if w.Attrs.Release == "" {
			return nil, fmt.Errorf("sessions item has no release")
		}
		var out []SessionCount
		for _, a := range w.Aggregates {
			started := a.Started.t
			if !a.Started.ok {
				started = received
			}
			for status, n := range map[string]number{"exited": a.Exited, "errored": a.Errored, "crashed": a.Crashed, "abnormal": a.Abnormal} {
				if n > 0 {
					out = append(out, SessionCount{Started: started, Release: string(w.Attrs.Release),
						Environment: string(w.Attrs.Environment), Status: status, Init: true, DistinctID: string(a.DID), Quantity: int(n)})
				}
			}
		}
		return out, nil
	}
	var w struct {
		Attrs     sessionAttrs `json:"attrs"`
		SID       text         `json:"sid"`
		Seq       json.Number  `json:"seq"`
		Timestamp when         `json:"timestamp"`
		DID       text         `json:"did"`
		Init      flag         `json:"init"`
		Started   when         `json:"started"`
		Status    text         `json:"status"`
		Errors    number       `json:"errors"`
		Duration  json.Number  `json:"duration"`
	}
	if err := unmarshal(trimmed, &w); err != nil {
		return nil, fmt.Errorf("session item is not valid JSON: %w", err)
	}
	if w.Attrs.Release == "" {
		return nil, fmt.Errorf("session item has no release")
	}
	s := SessionCount{Started: w.Started.t, Release: string(w.Attrs.Release), Environment: string(w.Attrs.Environment),
		Status: strings.ToLower(string(w.Status)), Init: bool(w.Init), Errors: int(w.Errors), DistinctID: string(w.DID), Quantity: 1}
	if !w.Started.ok {
		s.Started = received
	}
	s.SessionID, _ = NormalizeID(string(w.SID))
	if s.SessionID == "" && len(w.SID) <= 64 {
		s.SessionID = string(w.SID) // not a UUID, yet still what ties the updates together
	}
	s.Seq = updateOrder(w.Seq, w.Timestamp, received)
	if s.Status == "" {
		s.Status = "ok"
	}
	if d, err := w.Duration.Float64(); err == nil && d > 0 {
		s.Duration = time.Duration(d * float64(time.Second))
	}
	return []SessionCount{s}, nil
}

// updateOrder is Relay's: the SDK's seq when it sends one, else the
// update's timestamp (or its arrival) in milliseconds.
func updateOrder(seq json.Number, ts when, received time.Time) uint64 {
	if n, err := strconv.ParseUint(seq.String(), 10, 64); err == nil {
		return n
	}
	if ts.ok {
		return uint64(max(ts.t.UnixMilli(), 0))
	}
	return uint64(max(received.UnixMilli(), 0))
}

// CheckIn is one cron check-in from an SDK or sentry-cli.
type CheckIn struct {
	CheckInID     string
	MonitorSlug   string
	Status        string // in_progress, ok, error
	Duration      time.Duration
	Environment   string
	Release       string
	MonitorConfig json.RawMessage // kept for the monitors to upsert from
}

// ParseCheckIn reads a check_in item.
func ParseCheckIn(payload []byte) (*CheckIn, error) {
	trimmed := bytes.TrimSpace(payload)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, ErrNotObject
	}
	var w struct {
		CheckInID     text        `json:"check_in_id"`
		MonitorSlug   text        `json:"monitor_slug"`
		Status        text        `json:"status"`
		Duration      json.Number `json:"duration"`
		Environment   text        `json:"environment"`
		Release       text        `json:"release"`
		MonitorConfig object      `json:"monitor_config"`
	}
	if err := unmarshal(trimmed, &w); err != nil {
		return nil, fmt.Errorf("check_in item is not valid JSON: %w", err)
	}
	c := &CheckIn{MonitorSlug: string(w.MonitorSlug), Status: strings.ToLower(string(w.Status)),
		Environment: string(w.Environment), Release: string(w.Release), MonitorConfig: json.RawMessage(w.MonitorConfig)}
	c.CheckInID, _ = NormalizeID(string(w.CheckInID))
	switch {
	case c.MonitorSlug == "":
		return nil, fmt.Errorf("check_in item has no monitor_slug")
	case c.Status != "in_progress" && c.Status != "ok" && c.Status != "error":
		return nil, fmt.Errorf("check_in status %q is not in_progress, ok or error", c.Status)
	}
	if d, err := w.Duration.Float64(); err == nil && d > 0 {
		c.Duration = time.Duration(d * float64(time.Second))
	}
	return c, nil
}

// Feedback is what a user wrote, from a user_report or feedback item.
type Feedback struct {
	EventID  string // the event it is about, or ""
	Name     string
	Email    string
	Comments string
	At       time.Time
}

// ParseFeedback reads a "user_report" item ({event_id, name, email,
// comments}) or a "feedback" item (an event whose contexts.feedback holds
// message, name, contact_email and associated_event_id).
func ParseFeedback(itemType string, payload []byte, received time.Time) (*Feedback, error) {
	trimmed := bytes.TrimSpace(payload)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, ErrNotObject
	}
	f := &Feedback{At: received}
	if itemType == "user_report" {
		var w struct {
			EventID  text `json:"event_id"`
			Name     text `json:"name"`
			Email    text `json:"email"`
			Comments text `json:"comments"`
		}
		if err := unmarshal(trimmed, &w); err != nil {
			return nil, fmt.Errorf("user_report item is not valid JSON: %w", err)
		}
		f.EventID, _ = NormalizeID(string(w.EventID))
		f.Name, f.Email, f.Comments = string(w.Name), string(w.Email), string(w.Comments)
	} else {
		var w struct {
			Timestamp when `json:"timestamp"`
			Contexts  struct {
				Feedback struct {
					Message      text `json:"message"`
					Name         text `json:"name"`
					ContactEmail text `json:"contact_email"`
					EventID      text `json:"associated_event_id"`
				} `json:"feedback"`
			} `json:"contexts"`
		}
		if err := unmarshal(trimmed, &w); err != nil {
			return nil, fmt.Errorf("feedback item is not valid JSON: %w", err)
		}
		fb := w.Contexts.Feedback
		f.EventID, _ = NormalizeID(string(fb.EventID))
		f.Name, f.Email, f.Comments = string(fb.Name), string(fb.ContactEmail), string(fb.Message)
		if w.Timestamp.ok {
			f.At = w.Timestamp.t
		}
	}
	if strings.TrimSpace(f.Comments) == "" {
		return nil, fmt.Errorf("%s item has no comments", itemType)
	}
	f.Name, f.Email, f.Comments = stripNUL(f.Name), stripNUL(f.Email), stripNUL(f.Comments)
	return f, nil
}
