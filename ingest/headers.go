package ingest

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/faultline/faultline/ingest/jsonscan"
)

// Envelope and item headers are small objects of plain strings and a
// length, read twice per event: encoding/json's reflection cost more than
// the rest of parsing the envelope. readHeader reads the common shape
// itself, and hands anything else (escapes, keys in other cases, values of
// another type, invalid JSON) to json.Unmarshal, which it matches exactly
// (FuzzReadHeader).

// headerField is a member readHeader knows: a string, or the item length.
type headerField struct {
	name   string
	str    *string
	length **int64
}

func (h *envelopeHeader) fields() []headerField {
	return []headerField{{name: "event_id", str: &h.EventID}, {name: "dsn", str: &h.DSN}, {name: "sent_at", str: &h.SentAt}}
}

func (it *item) fields() []headerField {
	return []headerField{{name: "type", str: &it.Type}, {name: "length", length: &it.Length},
		{name: "filename", str: &it.Filename}, {name: "content_type", str: &it.ContentType},
		{name: "attachment_type", str: &it.AttachmentType}}
}

// readHeader decodes line into h as json.Unmarshal would.
func readHeader[T interface{ fields() []headerField }](line []byte, h T) error {
	if !readPlainHeader(line, h.fields()) {
		return json.Unmarshal(line, h)
	}
	return nil
}

// readPlainHeader sets fields from the object line and reports true, or
// reports false, perhaps having set some, when line is not of the plain
// shape; json.Unmarshal then decodes it afresh.
func readPlainHeader(line []byte, fields []headerField) bool {
	if !jsonscan.Valid(line) {
		return false
	}
	i := jsonscan.SkipSpace(line, 0)
	if line[i] != '{' {
		return false
	}
	for i = jsonscan.SkipSpace(line, i+1); line[i] != '}'; {
		key, end, ok := plainString(line, i)
		if !ok {
			return false
		}
		i = jsonscan.SkipSpace(line, jsonscan.SkipSpace(line, end)+1) // past the colon
		f := findField(fields, key)
		if f == nil {
			if !jsonscan.LowerASCII(key) {
				return false // encoding/json would match it without regard to case
			}
			i = jsonscan.ValueEnd(line, i)
		} else if i, ok = f.set(line, i); !ok {
			return false
		}
		if i = jsonscan.SkipSpace(line, i); line[i] == ',' {
			i = jsonscan.SkipSpace(line, i+1)
		}
	}
	return true
}

func findField(fields []headerField, key []byte) *headerField {
	for k := range fields {
		if fields[k].name == string(key) {
			return &fields[k]
		}
	}
	return nil
}

// set reads the value at line[i] into f and returns where it ends, or false
// for a value of another shape.
func (f *headerField) set(line []byte, i int) (int, bool) {
	if line[i] == 'n' { // null: a length is cleared, a string left as it was
		if f.length != nil {
			*f.length = nil
		}
		return i + len("null"), true
	}
	if f.str != nil {
		s, end, ok := plainString(line, i)
		if ok {
			*f.str = string(s)
		}
		return end, ok
	}
	end := jsonscan.ValueEnd(line, i)
	n, err := strconv.ParseInt(string(line[i:end]), 10, 64)
	if err != nil {
		return end, false // a fraction, an exponent, an overflow or a string: encoding/json's to word
	}
	*f.length = &n
	return end, true
}

// plainString is the string at line[i] if it has no escapes and is valid
// UTF-8 (which encoding/json would replace), with the index past it.
func plainString(line []byte, i int) ([]byte, int, bool) {
	if line[i] != '"' {
		return nil, i, false
	}
	for j := i + 1; j < len(line); j++ {
		switch c := line[j]; {
		case c == '"':
			s := line[i+1 : j]
			return s, j + 1, utf8.Valid(s)
		case c == '\\':
			return nil, j, false
		}
	}
	return nil, len(line), false
}
