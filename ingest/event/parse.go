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
	"unsafe"
)

// wire is the event as SDKs send it, decoded in one pass with lenient leaves.
type wire struct {
	EventID     text            `json:"event_id"`
	Timestamp   when            `json:"timestamp"`
	Level       text            `json:"level"`
	Platform    text            `json:"platform"`
	Logger      text            `json:"logger"`
	Transaction text            `json:"transaction"`
	ServerName  text            `json:"server_name"`
	Release     text            `json:"release"`
	Dist        text            `json:"dist"`
	Environment text            `json:"environment"`
	Message     message         `json:"message"`
	LogEntry    message         `json:"logentry"`
	Exception   list[wireExc]   `json:"exception"`
	Breadcrumbs list[wireCrumb] `json:"breadcrumbs"`
	Tags        tagList         `json:"tags"`
	User        *wireUser       `json:"user"`
	Request     object          `json:"request"`
	Contexts    object          `json:"contexts"`
	Extra       object          `json:"extra"`
	SDK         object          `json:"sdk"`
	Modules     object          `json:"modules"`
	Fingerprint list[text]      `json:"fingerprint"`
	DebugMeta   *struct {
		Images []wireImage `json:"images"`
	} `json:"debug_meta"`
}

type wireImage struct {
	Type     text `json:"type"`
	DebugID  text `json:"debug_id"`
	CodeFile text `json:"code_file"`
}

type wireExc struct {
	Type       text   `json:"type"`
	Value      text   `json:"value"`
	Module     text   `json:"module"`
	Mechanism  object `json:"mechanism"`
	Stacktrace *struct {
		Frames []wireFrame `json:"frames"`
	} `json:"stacktrace"`
}

// wireFrame is a Frame as SDKs send it, with lenient leaves. Its fields are
// Frame's, in Frame's order and each laid out as Frame's is
// (TestWireFramesAreFrames), so that the frames a payload decodes to are
// the event's without a copy (framesOf): copying them was a tenth of the
// bytes a worker allocated per event.
type wireFrame struct {
	Filename    text       `json:"filename"`
	AbsPath     text       `json:"abs_path"`
	Module      text       `json:"module"`
	Package     text       `json:"package"`
	Function    text       `json:"function"`
	Lineno      number     `json:"lineno"`
	Colno       number     `json:"colno"`
	InApp       flag       `json:"in_app"`
	ContextLine text       `json:"context_line"`
	PreContext  []text     `json:"pre_context"`
	PostContext []text     `json:"post_context"`
	Vars        object     `json:"vars"`
	Data        *FrameData `json:"-"` // what symbolication says; never read from the payload
}

// framesOf is wire as Frames: the same memory.
func framesOf(wire []wireFrame) []Frame {
	return unsafe.Slice((*Frame)(unsafe.Pointer(unsafe.SliceData(wire))), len(wire))
}

type wireCrumb struct {
	Timestamp when   `json:"timestamp"`
	Type      text   `json:"type"`
	Category  text   `json:"category"`
	Level     text   `json:"level"`
	Message   text   `json:"message"`
	Data      object `json:"data"`
}

type wireUser struct {
	ID        text `json:"id"`
	Email     text `json:"email"`
	Username  text `json:"username"`
	IPAddress text `json:"ip_address"`
}

// ErrNotObject is returned for a payload that is not a JSON object.
var ErrNotObject = errors.New("event is not a JSON object")

// Meta is what ingest knew of an event besides its payload.
type Meta struct {
	EventID  string    // 32 lowercase hex digits, assigned by ingest; wins over the payload's
	Received time.Time // when ingest accepted it
	SentAt   time.Time // the envelope's sent_at, by the client's clock; zero if absent
	ClientIP string    // the address the request came from
	// KeepSensitiveData turns the scrubber off (see Scrub); it is on by default.
	KeepSensitiveData bool
	// Checked says ingest found the payload to be valid JSON, so the parse
	// need not scan it again.
	Checked bool
}

const (
	// minClockDrift is how far the client's clock must be off before its
	// timestamps are corrected, as Relay does: smaller offsets are more
	// likely network delay than a wrong clock.
	minClockDrift = 55 * time.Minute
	maxFuture     = time.Minute
	maxPast       = 30 * 24 * time.Hour
)

// Parse normalizes an event payload. A missing or unreadable timestamp, or
// one too far in the future or the past, becomes the time ingest received
// the event; a client clock that is off by an hour or more is corrected
// using the envelope's sent_at. The event shares payload's memory (see the
// package's doc).
func Parse(payload []byte, m Meta) (*Event, error) {
	eventID, received := m.EventID, m.Received
	trimmed := bytes.TrimSpace(payload)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, ErrNotObject
	}
	var w wire
	if err := m.decode(trimmed, &w); err != nil {
		return nil, fmt.Errorf("event is not valid JSON: %w", err)
	}
	e := &Event{
		EventID:     eventID,
		Received:    received.UTC(),
		Level:       normalizeLevel(string(w.Level)),
		Platform:    string(w.Platform),
		Logger:      string(w.Logger),
		Transaction: string(w.Transaction),
		ServerName:  string(w.ServerName),
		Release:     string(w.Release),
		Dist:        string(w.Dist),
		Environment: string(w.Environment),
		Message:     string(w.Message),
		Breadcrumbs: breadcrumbs(w.Breadcrumbs),
		Tags:        w.Tags,
		User:        user(w.User),
		Request:     json.RawMessage(w.Request),
		Contexts:    json.RawMessage(w.Contexts),
		Extra:       json.RawMessage(w.Extra),
		SDK:         json.RawMessage(w.SDK),
		Modules:     json.RawMessage(w.Modules),
		Fingerprint: strs(w.Fingerprint),
		Exceptions:  exceptions(w.Exception),
	}
	if w.DebugMeta != nil {
		e.DebugMeta = debugMeta(w.DebugMeta.Images)
	}
	if e.Message == "" {
		e.Message = string(w.LogEntry)
	}
	if e.EventID == "" {
		e.EventID, _ = NormalizeID(string(w.EventID))
	}
	if e.Platform == "" {
		e.Platform = "other"
	}
	e.Timestamp = e.Received
	if w.Timestamp.ok {
		e.Timestamp = w.Timestamp.t
	}
	e.correctClock(m)
	e.trim()
	if e.User != nil && e.User.IPAddress == "{{auto}}" {
		e.User.IPAddress = m.ClientIP
	}
	if !m.KeepSensitiveData {
		Scrub(e)
	}
	return e, nil
}

func (e *Event) correctClock(m Meta) {
	if !m.SentAt.IsZero() {
		if drift := m.Received.Sub(m.SentAt); drift >= minClockDrift || drift <= -minClockDrift {
			e.Timestamp = e.Timestamp.Add(drift)
			for i := range e.Breadcrumbs {
				if !e.Breadcrumbs[i].Timestamp.IsZero() {
					e.Breadcrumbs[i].Timestamp = e.Breadcrumbs[i].Timestamp.Add(drift)
				}
			}
		}
	}
	if e.Timestamp.After(e.Received.Add(maxFuture)) || e.Timestamp.Before(e.Received.Add(-maxPast)) {
		e.Timestamp = e.Received
	}
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
func timestamp(raw []byte) (time.Time, bool) {
	if len(raw) == 0 {
		return time.Time{}, false
	}
	if raw[0] != '"' {
		if t, ok, read := epochDecimal(raw); read {
			return t, ok
		}
		f, err := strconv.ParseFloat(string(raw), 64)
		if err != nil {
			return time.Time{}, false
		}
		return epoch(f)
	}
	if len(raw) >= 2 {
		if t, ok := parseRFC3339(raw[1 : len(raw)-1]); ok {
			return t, true
		}
	}
	s := unquote(raw)
	if s == "" {
		return time.Time{}, false
	}
	// A number never holds ':', and a failed ParseFloat allocates its error.
	if !strings.Contains(s, ":") {
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return epoch(f)
		}
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// epochDecimal reads the number of seconds SDKs send, digits with an
// optional fraction, without going through a float: a transaction holds two
// timestamps per span, and ParseFloat took a tenth of its parse. It gives
// what epoch gives for the number's float, to the nanosecond: SDKs print
// floats, and the float is the time they meant. So a fraction that lies
// within a float's error of half a microsecond (where rounding the decimal
// and rounding the float may differ), and seconds from 2^31 on (where that
// error grows past 119 ns), are left to ParseFloat, as is any other form (a
// sign, an exponent, more than 11 integer digits): read is false.
func epochDecimal(raw []byte) (t time.Time, ok, read bool) {
	var sec, nsec int64
	i := 0
	for ; i < len(raw) && isDigit(raw[i]); i++ {
		if i == 11 {
			return t, false, false
		}
		sec = sec*10 + int64(raw[i]-'0')
	}
	if i == 0 {
		return t, false, false
	}
	positive := sec > 0
	if i < len(raw) {
		if raw[i] != '.' || i+1 == len(raw) {
			return t, false, false
		}
		scale := int64(1e8)
		for i++; i < len(raw); i++ {
			if !isDigit(raw[i]) {
				return t, false, false
			}
			positive = positive || raw[i] != '0'
			nsec += int64(raw[i]-'0') * scale
			scale /= 10
		}
	}
	if !positive { // and at most 11 digits: below epoch's bound of 1e11
		return t, false, true
	}
	if sec >= 1<<31 {
		return t, false, false
	}
	if half := nsec%1000 - 500; -floatError < half && half < floatError {
		return t, false, false
	}
	usec := (nsec + 500) / 1000
	return time.Unix(sec, usec*1000).UTC(), true, true
}

// floatError bounds how far, in nanoseconds, the float nearest a number of
// seconds below 2^31 is from it (half a step of 2^-22 s), with room to spare.
const floatError = 125

func epoch(f float64) (time.Time, bool) {
	if f <= 0 || math.IsInf(f, 0) || math.IsNaN(f) || f > 1e11 {
		return time.Time{}, false
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(frac*1e6))*1e3).UTC(), true
}

// formatParams fills printf-style %s placeholders from params, as SDKs that
// send logentry.params without logentry.formatted expect.
func formatParams(msg string, params []text) string {
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
		b.WriteString(string(params[i]))
		msg = msg[j+2:]
	}
}

// strs is in as strings, in the same memory: a text is a string, so the
// two slices are laid out alike, whatever the payload holds (the frames'
// context lines are checked with the rest of a frame, in
// TestWireFramesAreFrames). A copy of the headers cost a slice per list,
// two per frame.
func strs(in []text) []string {
	if in == nil {
		return nil
	}
	return unsafe.Slice((*string)(unsafe.Pointer(unsafe.SliceData(in))), len(in))
}

func exceptions(in []wireExc) []Exception {
	var out []Exception
	for _, w := range in {
		ex := Exception{Type: string(w.Type), Value: string(w.Value), Module: string(w.Module), Mechanism: json.RawMessage(w.Mechanism)}
		if w.Stacktrace != nil && len(w.Stacktrace.Frames) > 0 {
			ex.Stacktrace = &Stacktrace{Frames: framesOf(w.Stacktrace.Frames)}
		}
		if ex.Type == "" && ex.Value == "" && ex.Stacktrace == nil {
			continue
		}
		out = append(out, ex)
	}
	return out
}

// debugMeta keeps the images that name a debug file; nil when none does.
func debugMeta(in []wireImage) *DebugMeta {
	var images []DebugImage
	for _, w := range in {
		if w.DebugID == "" && w.CodeFile == "" {
			continue
		}
		images = append(images, DebugImage{Type: string(w.Type), DebugID: string(w.DebugID), CodeFile: string(w.CodeFile)})
	}
	if len(images) == 0 {
		return nil
	}
	return &DebugMeta{Images: images}
}

func breadcrumbs(in []wireCrumb) []Breadcrumb {
	if len(in) == 0 {
		return nil
	}
	out := make([]Breadcrumb, 0, len(in))
	for _, w := range in {
		b := Breadcrumb{Timestamp: w.Timestamp.t, Type: string(w.Type), Category: string(w.Category),
			Message: string(w.Message), Data: json.RawMessage(w.Data)}
		if w.Level != "" {
			b.Level = normalizeLevel(string(w.Level))
		}
		out = append(out, b)
	}
	return out
}

func user(w *wireUser) *User {
	if w == nil {
		return nil
	}
	u := &User{ID: string(w.ID), Email: string(w.Email), Username: string(w.Username), IPAddress: string(w.IPAddress)}
	if *u == (User{}) {
		return nil
	}
	return u
}
