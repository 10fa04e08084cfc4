package frontend

import (
	"encoding/json"

	"github.com/faultline/faultline/ingest/event"
)

// storedSymbolication is what symbolication adds to a stored event: each
// exception whose frames were mapped keeps the minified ones in
// raw_stacktrace, and each frame that was looked at says in "data" how it
// was mapped or why not. It is read from the payload itself so the API shows
// it whatever the normalized event type carries.
type storedSymbolication struct {
	Exception []struct {
		RawStacktrace *struct {
			Frames []event.Frame `json:"frames"`
		} `json:"raw_stacktrace"`
		Stacktrace *struct {
			Frames []struct {
				Data json.RawMessage `json:"data"`
			} `json:"frames"`
		} `json:"stacktrace"`
	} `json:"exception"`
}

// addSymbolication sets rawStacktrace and each frame's data on values, the
// exceptions built from payload in the same order. A payload without them,
// or one that does not decode, leaves values as they are.
func addSymbolication(payload []byte, values []exceptionJSON) {
	var stored storedSymbolication
	if json.Unmarshal(payload, &stored) != nil || len(stored.Exception) != len(values) {
		return
	}
	for i, ex := range stored.Exception {
		if ex.RawStacktrace != nil {
			values[i].RawStacktrace = &stacktraceJSON{Frames: framesJSON(ex.RawStacktrace.Frames)}
		}
		if ex.Stacktrace == nil || values[i].Stacktrace == nil || len(ex.Stacktrace.Frames) != len(values[i].Stacktrace.Frames) {
			continue
		}
		for j, f := range ex.Stacktrace.Frames {
			if isJSONObject(f.Data) {
				values[i].Stacktrace.Frames[j].Data = f.Data
			}
		}
	}
}

func isJSONObject(raw json.RawMessage) bool {
	for _, c := range raw {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c == '{'
	}
	return false
}
