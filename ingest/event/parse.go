package event

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// wire is the event as SDKs send it: every field whose shape varies between
// SDKs is kept raw and decoded leniently.
type wire struct {
	EventID     json.RawMessage `json:"event_id"`
	Timestamp   json.RawMessage `json:"timestamp"`
	Level       json.RawMessage `json:"level"`
	Platform    json.RawMessage `json:"platform"`
	Logger      json.RawMessage `json:"logger"`
	Transaction json.RawMessage `json:"transaction"`
	ServerName  json.RawMessage `json:"server_name"`
	Release     json.RawMessage `json:"release"`
	Dist        json.RawMessage `json:"dist"`
	Environment json.RawMessage `json:"environment"`
	Message     json.RawMessage `json:"message"`
	LogEntry    json.RawMessage `json:"logentry"`
	Exception   json.RawMessage `json:"exception"`
	Breadcrumbs json.RawMessage `json:"breadcrumbs"`
	Tags        json.RawMessage `json:"tags"`
	User        json.RawMessage `json:"user"`
	Request     json.RawMessage `json:"request"`
	Contexts    json.RawMessage `json:"contexts"`
	Extra       json.RawMessage `json:"extra"`
	SDK         json.RawMessage `json:"sdk"`
	Modules     json.RawMessage `json:"modules"`
	Fingerprint json.RawMessage `json:"fingerprint"`
}

// ErrNotObject is returned for a payload that is not a JSON object.
var ErrNotObject = errors.New("event is not a JSON object")

// Parse normalizes an event payload. eventID (32 lowercase hex digits) is the
// id ingest assigned, which wins over the payload's; received is when ingest
// accepted it and stands in for a missing or unreadable timestamp.
func Parse(payload []byte, eventID string, received time.Time) (*Event, error) {
	var w wire
	trimmed := bytes.TrimSpace(payload)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, ErrNotObject
	}
	if err := json.Unmarshal(trimmed, &w); err != nil {
		return nil, fmt.Errorf("event is not valid JSON: %w", err)
	}
	e := &Event{
		EventID:     eventID,
		Received:    received.UTC(),
		Level:       normalizeLevel(str(w.Level)),
		Platform:    str(w.Platform),
		Logger:      str(w.Logger),
		Transaction: str(w.Transaction),
		ServerName:  str(w.ServerName),
		Release:     str(w.Release),
		Dist:        str(w.Dist),
		Environment: str(w.Environment),
		Message:     message(w.Message, w.LogEntry),
		Exceptions:  exceptions(w.Exception),
		Breadcrumbs: breadcrumbs(w.Breadcrumbs),
		Tags:        tags(w.Tags),
		User:        user(w.User),
		Request:     object(w.Request),
		Contexts:    object(w.Contexts),
		Extra:       object(w.Extra),
		SDK:         object(w.SDK),
		Modules:     object(w.Modules),
		Fingerprint: stringList(w.Fingerprint),
	}
	if e.EventID == "" {
		e.EventID, _ = NormalizeID(str(w.EventID))
	}
	if e.Platform == "" {
		e.Platform = "other"
	}
	ts, ok := timestamp(w.Timestamp)
	if !ok {
		ts = e.Received
	}
	e.Timestamp = ts
	return e, nil
}

// NormalizeID turns an event id with or without dashes into 32 lowercase hex
// digits, or reports that it is not one.
func NormalizeID(id string) (string, bool) {
	id = strings.ToLower(strings.ReplaceAll(id, "-", ""))
	if len(id) != 32 || strings.Trim(id, "0123456789abcdef") != "" {
		return "", false
	}
	return id, true
}

func str(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

func object(raw json.RawMessage) json.RawMessage {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil
	}
	return raw
}

func normalizeLevel(l string) string {
	switch l = strings.ToLower(l); l {
	case "fatal", "error", "warning", "info", "debug":
		return l
	case "warn":
		return "warning"
	case "critical":
		return "fatal"
	case "log":
		return "info"
	}
	return "error"
}

// timestamp reads RFC 3339 (0-9 fractional digits, with or without zone) or
// seconds since the epoch as a number or a numeric string.
func timestamp(raw json.RawMessage) (time.Time, bool) {
	var f float64
	if json.Unmarshal(raw, &f) == nil {
		return epoch(f)
	}
	var s string
	if json.Unmarshal(raw, &s) != nil || s == "" {
		return time.Time{}, false
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return epoch(f)
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func epoch(f float64) (time.Time, bool) {
	if f <= 0 || math.IsInf(f, 0) || math.IsNaN(f) || f > 1e11 {
		return time.Time{}, false
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(frac*1e6))*1e3).UTC(), true
}

func message(msg, logEntry json.RawMessage) string {
	if s := str(msg); s != "" {
		return s
	}
	for _, raw := range []json.RawMessage{msg, logEntry} {
		var m struct {
			Formatted json.RawMessage   `json:"formatted"`
			Message   json.RawMessage   `json:"message"`
			Params    []json.RawMessage `json:"params"`
		}
		if json.Unmarshal(raw, &m) == nil {
			if s := str(m.Formatted); s != "" {
				return s
			}
			if s := str(m.Message); s != "" {
				return formatParams(s, m.Params)
			}
		}
	}
	return ""
}

// values unwraps Sentry's two shapes for lists: a bare array or {"values": [...]}.
func values(raw json.RawMessage) []json.RawMessage {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '{' {
		var wrapped struct {
			Values json.RawMessage `json:"values"`
		}
		if json.Unmarshal(raw, &wrapped) != nil {
			return nil
		}
		raw = wrapped.Values
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil {
		return nil
	}
	return list
}

func exceptions(raw json.RawMessage) []Exception {
	var out []Exception
	for _, item := range values(raw) {
		var w struct {
			Type       json.RawMessage `json:"type"`
			Value      json.RawMessage `json:"value"`
			Module     json.RawMessage `json:"module"`
			Mechanism  json.RawMessage `json:"mechanism"`
			Stacktrace json.RawMessage `json:"stacktrace"`
		}
		if json.Unmarshal(item, &w) != nil {
			continue
		}
		ex := Exception{Type: str(w.Type), Value: str(w.Value), Module: str(w.Module), Mechanism: object(w.Mechanism)}
		if frames := frames(w.Stacktrace); len(frames) > 0 {
			ex.Stacktrace = &Stacktrace{Frames: frames}
		}
		if ex.Type == "" && ex.Value == "" && ex.Stacktrace == nil {
			continue
		}
		out = append(out, ex)
	}
	return out
}

func frames(raw json.RawMessage) []Frame {
	var st struct {
		Frames []json.RawMessage `json:"frames"`
	}
	if json.Unmarshal(raw, &st) != nil {
		return nil
	}
	out := make([]Frame, 0, len(st.Frames))
	for _, item := range st.Frames {
		var w struct {
			Filename    json.RawMessage `json:"filename"`
			AbsPath     json.RawMessage `json:"abs_path"`
			Module      json.RawMessage `json:"module"`
			Package     json.RawMessage `json:"package"`
			Function    json.RawMessage `json:"function"`
			Lineno      json.RawMessage `json:"lineno"`
			Colno       json.RawMessage `json:"colno"`
			InApp       json.RawMessage `json:"in_app"`
			ContextLine json.RawMessage `json:"context_line"`
			PreContext  json.RawMessage `json:"pre_context"`
			PostContext json.RawMessage `json:"post_context"`
			Vars        json.RawMessage `json:"vars"`
		}
		if json.Unmarshal(item, &w) != nil {
			continue
		}
		var inApp bool
		_ = json.Unmarshal(w.InApp, &inApp)
		out = append(out, Frame{
			Filename: str(w.Filename), AbsPath: str(w.AbsPath), Module: str(w.Module), Package: str(w.Package),
			Function: str(w.Function), Lineno: integer(w.Lineno), Colno: integer(w.Colno), InApp: inApp,
			ContextLine: str(w.ContextLine), PreContext: stringList(w.PreContext), PostContext: stringList(w.PostContext),
			Vars: object(w.Vars),
		})
	}
	return out
}

func integer(raw json.RawMessage) int {
	var f float64
	if json.Unmarshal(raw, &f) != nil || f < 0 || f > math.MaxInt32 {
		return 0
	}
	return int(f)
}

func stringList(raw json.RawMessage) []string {
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil {
		return nil
	}
	out := make([]string, 0, len(list))
	for _, item := range list {
		out = append(out, str(item))
	}
	return out
}

func breadcrumbs(raw json.RawMessage) []Breadcrumb {
	var out []Breadcrumb
	for _, item := range values(raw) {
		var w struct {
			Timestamp json.RawMessage `json:"timestamp"`
			Type      json.RawMessage `json:"type"`
			Category  json.RawMessage `json:"category"`
			Level     json.RawMessage `json:"level"`
			Message   json.RawMessage `json:"message"`
			Data      json.RawMessage `json:"data"`
		}
		if json.Unmarshal(item, &w) != nil {
			continue
		}
		ts, _ := timestamp(w.Timestamp)
		b := Breadcrumb{Timestamp: ts, Type: str(w.Type), Category: str(w.Category), Message: str(w.Message), Data: object(w.Data)}
		if lvl := str(w.Level); lvl != "" {
			b.Level = normalizeLevel(lvl)
		}
		out = append(out, b)
	}
	return out
}

// tags reads {"k": "v"} or [["k", "v"], ...]; non-string values become strings.
func tags(raw json.RawMessage) []Tag {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil
	}
	var out []Tag
	if raw[0] == '{' {
		dec := json.NewDecoder(bytes.NewReader(raw))
		if _, err := dec.Token(); err != nil {
			return nil
		}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return out
			}
			key, _ := tok.(string)
			var v json.RawMessage
			if dec.Decode(&v) != nil {
				return out
			}
			if key != "" {
				out = append(out, Tag{Key: key, Value: str(v)})
			}
		}
		return out
	}
	var pairs [][]json.RawMessage
	if json.Unmarshal(raw, &pairs) != nil {
		return nil
	}
	for _, p := range pairs {
		if len(p) == 2 && str(p[0]) != "" {
			out = append(out, Tag{Key: str(p[0]), Value: str(p[1])})
		}
	}
	return out
}

func user(raw json.RawMessage) *User {
	var w struct {
		ID        json.RawMessage `json:"id"`
		Email     json.RawMessage `json:"email"`
		Username  json.RawMessage `json:"username"`
		IPAddress json.RawMessage `json:"ip_address"`
	}
	if object(raw) == nil || json.Unmarshal(raw, &w) != nil {
		return nil
	}
	u := &User{ID: str(w.ID), Email: str(w.Email), Username: str(w.Username), IPAddress: str(w.IPAddress)}
	if *u == (User{}) {
		return nil
	}
	return u
}

// formatParams fills printf-style %s placeholders from params, as SDKs that
// send logentry.params without logentry.formatted expect.
func formatParams(msg string, params []json.RawMessage) string {
	if len(params) == 0 {
		return msg
	}
	var b strings.Builder
	for i := 0; ; i++ {
		j := strings.Index(msg, "%s")
		if j < 0 || i >= len(params) {
			b.WriteString(msg)
			return b.String()
		}
		b.WriteString(msg[:j])
		b.WriteString(str(params[i]))
		msg = msg[j+2:]
	}
}
