package ingest

import (
	"bytes"
	"errors"
	"fmt"
)

// envelopeHeader is the first line of an envelope.
type envelopeHeader struct {
	EventID string `json:"event_id"`
	DSN     string `json:"dsn"`
	SentAt  string `json:"sent_at"`
}

// item is one envelope item; payload aliases the envelope body.
type item struct {
	Type           string `json:"type"`
	Length         *int64 `json:"length"`
	Filename       string `json:"filename"`
	ContentType    string `json:"content_type"`
	AttachmentType string `json:"attachment_type"`
	payload        []byte
}

// errTooManyItems is returned by parseEnvelope for an envelope of more
// items than it may hold.
var errTooManyItems = errors.New("too many items")

// parseEnvelope splits an envelope into its header and at most maxItems
// items; past that it stops with errTooManyItems, so a body of a million
// tiny items costs no more than maxItems of them. Items carry a byte length
// or end at the next newline (or the end of the body, with or without a
// final newline), as the different SDKs send them.
func parseEnvelope(body []byte, maxItems int) (envelopeHeader, []item, error) {
	var h envelopeHeader
	line, rest := cutLine(body)
	if len(bytes.TrimSpace(line)) == 0 {
		return h, nil, errors.New("envelope has no header line")
	}
	if err := readHeader(line, &h); err != nil {
		return h, nil, fmt.Errorf("envelope header is not a JSON object: %w", err)
	}
	var items []item
	for len(rest) > 0 {
		line, rest = cutLine(rest)
		if len(bytes.TrimSpace(line)) == 0 {
			continue // blank lines between items, or a trailing newline
		}
		if len(items) == maxItems {
			return h, nil, errTooManyItems
		}
		var it item
		if err := readHeader(line, &it); err != nil {
			return h, nil, fmt.Errorf("item %d: header is not a JSON object: %w", len(items)+1, err)
		}
		if it.Type == "" {
			return h, nil, fmt.Errorf("item %d: header has no type", len(items)+1)
		}
		if it.Length != nil {
			n := *it.Length
			if n < 0 || n > int64(len(rest)) {
				return h, nil, fmt.Errorf("item %d (%s): length %d runs past the end of the envelope", len(items)+1, it.Type, n)
			}
			it.payload, rest = rest[:n], rest[n:]
			// The payload may be followed by a newline.
			if len(rest) > 0 && rest[0] == '\n' {
				rest = rest[1:]
			}
		} else {
			it.payload, rest = cutLine(rest)
		}
		items = append(items, it)
	}
	return h, items, nil
}

func cutLine(b []byte) (line, rest []byte) {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return bytes.TrimSuffix(b[:i], []byte{'\r'}), b[i+1:]
	}
	return b, nil
}

// jsonKind is the first byte of a valid JSON document after its leading
// whitespace: '{' for an object, '[' an array, '"' a string, 't' or 'f' a
// boolean, 'n' null, else a number. It is 0 for an empty document.
func jsonKind(payload []byte) byte {
	for _, b := range payload {
		switch b {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return b
	}
	return 0
}

// kindName names a jsonKind for messages: "an array", "null", ...
func kindName(kind byte) string {
	switch kind {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	case 0:
		return "nothing"
	}
	return "a number"
}
