package event

import (
	"encoding/json"
	"time"
)

// Event is a normalized error event.
type Event struct {
	EventID     string          `json:"event_id"`
	Timestamp   time.Time       `json:"timestamp"`
	Received    time.Time       `json:"received"`
	Level       string          `json:"level"`
	Platform    string          `json:"platform"`
	Logger      string          `json:"logger,omitempty"`
	Transaction string          `json:"transaction,omitempty"`
	ServerName  string          `json:"server_name,omitempty"`
	Release     string          `json:"release,omitempty"`
	Dist        string          `json:"dist,omitempty"`
	Environment string          `json:"environment,omitempty"`
	Message     string          `json:"message,omitempty"`
	Exceptions  []Exception     `json:"exception,omitempty"`
	Breadcrumbs []Breadcrumb    `json:"breadcrumbs,omitempty"`
	Tags        []Tag           `json:"tags,omitempty"`
	User        *User           `json:"user,omitempty"`
	Request     json.RawMessage `json:"request,omitempty"`
	Contexts    json.RawMessage `json:"contexts,omitempty"`
	Extra       json.RawMessage `json:"extra,omitempty"`
	SDK         json.RawMessage `json:"sdk,omitempty"`
	Modules     json.RawMessage `json:"modules,omitempty"`
	Fingerprint []string        `json:"fingerprint,omitempty"`
	DebugMeta   *DebugMeta      `json:"debug_meta,omitempty"`
}

// DebugMeta lists the debug files the SDK says the event's code came from;
// symbolication reads the source maps' debug ids from it.
type DebugMeta struct {
	Images []DebugImage `json:"images,omitempty"`
}

// DebugImage is one debug file: for JavaScript, type "sourcemap", the debug
// id injected into the bundle and the bundle's URL as code_file.
type DebugImage struct {
	Type     string `json:"type,omitempty"`
	DebugID  string `json:"debug_id,omitempty"`
	CodeFile string `json:"code_file,omitempty"`
}

// Tag is one key/value tag, in the order the SDK sent them.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// User is the affected user as the SDK described it.
type User struct {
	ID        string `json:"id,omitempty"`
	Email     string `json:"email,omitempty"`
	Username  string `json:"username,omitempty"`
	IPAddress string `json:"ip_address,omitempty"`
}

// Key identifies the user for unique-user counts: id, else email, username or
// IP address, prefixed by which one it is.
func (u *User) Key() string {
	switch {
	case u == nil:
		return ""
	case u.ID != "":
		return "id:" + u.ID
	case u.Email != "":
		return "email:" + u.Email
	case u.Username != "":
		return "username:" + u.Username
	case u.IPAddress != "":
		return "ip:" + u.IPAddress
	}
	return ""
}

// Exception is one exception of a chain, innermost first as Sentry orders them.
type Exception struct {
	Type       string          `json:"type,omitempty"`
	Value      string          `json:"value,omitempty"`
	Module     string          `json:"module,omitempty"`
	Mechanism  json.RawMessage `json:"mechanism,omitempty"`
	Stacktrace *Stacktrace     `json:"stacktrace,omitempty"`
	// RawStacktrace holds the frames as the SDK sent them when
	// symbolication changed Stacktrace's.
	RawStacktrace *Stacktrace `json:"raw_stacktrace,omitempty"`
}

// Stacktrace holds frames oldest call first, as Sentry orders them.
type Stacktrace struct {
	Frames []Frame `json:"frames"`
}

// Frame is one stack frame.
type Frame struct {
	Filename    string          `json:"filename,omitempty"`
	AbsPath     string          `json:"abs_path,omitempty"`
	Module      string          `json:"module,omitempty"`
	Package     string          `json:"package,omitempty"`
	Function    string          `json:"function,omitempty"`
	Lineno      int             `json:"lineno,omitempty"`
	Colno       int             `json:"colno,omitempty"`
	InApp       bool            `json:"in_app"`
	ContextLine string          `json:"context_line,omitempty"`
	PreContext  []string        `json:"pre_context,omitempty"`
	PostContext []string        `json:"post_context,omitempty"`
	Vars        json.RawMessage `json:"vars,omitempty"`
	Data        *FrameData      `json:"data,omitempty"`
}

// FrameData says what symbolication made of a frame it looked at.
type FrameData struct {
	Symbolicated bool `json:"symbolicated"`
	// ResolvedWith is how the source map was found: "debug-id", "release"
	// or "sourcemap-url"; Sourcemap names it (its URL or debug id).
	ResolvedWith string `json:"resolved_with,omitempty"`
	Sourcemap    string `json:"sourcemap,omitempty"`
	// UnmappedReason, when Symbolicated is false: "no_bundle",
	// "no_sourcemap", "line_out_of_range" or "invalid_sourcemap".
	UnmappedReason string `json:"unmapped_reason,omitempty"`
}

// Breadcrumb is one entry of the trail leading up to the event.
type Breadcrumb struct {
	Timestamp time.Time       `json:"timestamp"`
	Type      string          `json:"type,omitempty"`
	Category  string          `json:"category,omitempty"`
	Level     string          `json:"level,omitempty"`
	Message   string          `json:"message,omitempty"`
	Data      json.RawMessage `json:"data,omitempty"`
}

// TagValue returns the value of tag key, or "".
func (e *Event) TagValue(key string) string {
	for _, t := range e.Tags {
		if t.Key == key {
			return t.Value
		}
	}
	return ""
}
