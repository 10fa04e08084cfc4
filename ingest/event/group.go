package event

import (
	"crypto/sha256"
	"encoding/hex"
	"path"
	"strings"
)

// Grouping is what decides and describes the issue an event belongs to.
type Grouping struct {
	Fingerprint string // hex SHA-256 of the grouping components
	Title       string
	Culprit     string
	Type        string // "error" for exceptions, "default" otherwise
	Metadata    map[string]string
}

const maxTitle = 200

// Group computes an event's grouping. The SDK's fingerprint wins when given
// ("{{ default }}" in it stands for the default components). The default is
// the exception types plus the in-app frames' module (or file) and function,
// or the types and values when no exception has frames, or else the message.
func Group(e *Event) Grouping {
	g := Grouping{Culprit: culprit(e), Metadata: map[string]string{}}
	components := defaultComponents(e)
	if len(e.Fingerprint) > 0 {
		var custom []string
		for _, part := range e.Fingerprint {
			if p := strings.ReplaceAll(part, " ", ""); p == "{{default}}" {
				custom = append(custom, components...)
			} else {
				custom = append(custom, "custom:"+part)
			}
		}
		components = custom
	}
	sum := sha256.Sum256([]byte(strings.Join(components, "\x00")))
	g.Fingerprint = hex.EncodeToString(sum[:])

	if ex := e.mainException(); ex != nil {
		g.Type = "error"
		g.Metadata["type"], g.Metadata["value"] = ex.Type, firstLine(ex.Value)
		switch {
		case ex.Type != "" && ex.Value != "":
			g.Title = ex.Type + ": " + firstLine(ex.Value)
		case ex.Type != "":
			g.Title = ex.Type
		default:
			g.Title = firstLine(ex.Value)
		}
	} else {
		g.Type = "default"
		g.Title = firstLine(e.Message)
		g.Metadata["title"] = g.Title
	}
	if g.Title == "" {
		g.Title = "<unlabeled event>"
	}
	// Text columns in PostgreSQL cannot hold NUL bytes; SDKs can send them.
	g.Title = truncate(stripNUL(g.Title), maxTitle)
	g.Culprit = stripNUL(g.Culprit)
	for k, v := range g.Metadata {
		g.Metadata[k] = stripNUL(v)
	}
	return g
}

func stripNUL(s string) string { return strings.ReplaceAll(s, "\x00", "") }

// mainException is the outermost exception: the last of the chain.
func (e *Event) mainException() *Exception {
	if len(e.Exceptions) == 0 {
		return nil
	}
	return &e.Exceptions[len(e.Exceptions)-1]
}

func defaultComponents(e *Event) []string {
	if len(e.Exceptions) == 0 {
		if e.Message != "" {
			return []string{"message:" + parameterize(e.Message)}
		}
		return []string{"empty"}
	}
	anyFrames, anyInApp := false, false
	for _, ex := range e.Exceptions {
		if ex.Stacktrace != nil {
			for _, f := range ex.Stacktrace.Frames {
				anyFrames = true
				anyInApp = anyInApp || f.InApp
			}
		}
	}
	var out []string
	for _, ex := range e.Exceptions {
		out = append(out, "type:"+ex.Type)
		if !anyFrames {
			out = append(out, "value:"+parameterize(ex.Value))
			continue
		}
		if ex.Stacktrace == nil {
			continue
		}
		for _, f := range ex.Stacktrace.Frames {
			if anyInApp && !f.InApp {
				continue
			}
			out = append(out, "frame:"+groupingLocation(f)+":"+groupingFunction(f.Function))
		}
	}
	return out
}

// groupingLocation is frameLocation without what varies between deploys.
func groupingLocation(f Frame) string {
	if f.Module != "" {
		return f.Module
	}
	return groupingFile(frameLocation(f))
}

// frameLocation names where a frame's code lives, stably across deploys:
// the module when the SDK gives one, else the file name.
func frameLocation(f Frame) string {
	if f.Module != "" {
		return f.Module
	}
	if f.Filename != "" {
		return f.Filename
	}
	if f.AbsPath != "" {
		return f.AbsPath
	}
	// Native frames name their binary; its directory differs per install.
	if f.Package != "" {
		return path.Base(f.Package)
	}
	return ""
}

// culprit names the crash site: the newest in-app frame of the outermost
// exception that has frames (the newest frame when none is in-app), else the
// transaction.
func culprit(e *Event) string {
	for i := len(e.Exceptions) - 1; i >= 0; i-- {
		st := e.Exceptions[i].Stacktrace
		if st == nil || len(st.Frames) == 0 {
			continue
		}
		pick := st.Frames[len(st.Frames)-1]
		for j := len(st.Frames) - 1; j >= 0; j-- {
			if st.Frames[j].InApp {
				pick = st.Frames[j]
				break
			}
		}
		loc := frameLocation(pick)
		switch {
		case loc != "" && pick.Function != "":
			return truncate(loc+" in "+pick.Function, maxTitle)
		case loc != "":
			return truncate(loc, maxTitle)
		default:
			return truncate(pick.Function, maxTitle)
		}
	}
	return truncate(e.Transaction, maxTitle)
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	return s
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - 1
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
