package event

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"time"

	"github.com/faultline/faultline/ingest/jsonscan"
)

// Lenient JSON leaves. The decoder (decode.go) hands each of these the bytes
// of its value, already validated, so one pass over the payload decodes the
// whole event; a value of the wrong type becomes the zero value instead of
// an error. (Unmarshalling json.RawMessage fields one level at a time, as a
// first version did, validated deep subtrees once per level: 2.3× slower
// on a 12 KB Node event, 674 µs against 290 µs, see BenchmarkParseAndGroup.)

// text is a string that also accepts numbers and booleans, as their text.
type text string

func (s *text) UnmarshalJSON(b []byte) error {
	switch b[0] {
	case '"':
		*s = text(unquote(b))
	case '{', '[', 'n':
		*s = ""
	default: // a number, true or false
		*s = text(b)
	}
	return nil
}

// number is a non-negative integer that also accepts numeric strings.
type number int

func (n *number) UnmarshalJSON(b []byte) error {
	var f float64
	if b[0] == '"' {
		f, _ = strconv.ParseFloat(unquote(b), 64)
	} else {
		f, _ = strconv.ParseFloat(string(b), 64)
	}
	if f < 0 || f > math.MaxInt32 || math.IsNaN(f) {
		f = 0
	}
	*n = number(f)
	return nil
}

// flag is a boolean; anything but true is false.
type flag bool

func (f *flag) UnmarshalJSON(b []byte) error {
	*f = flag(bytes.Equal(b, []byte("true")))
	return nil
}

// object keeps a JSON object as it came, and drops anything else. It is
// the object's bytes in the payload, capped so that an append copies.
type object json.RawMessage

func (o *object) UnmarshalJSON(b []byte) error {
	if b[0] == '{' {
		*o = object(b[:len(b):len(b)])
	} else {
		*o = nil
	}
	return nil
}

// when is a timestamp: RFC 3339 or seconds since the epoch, as a number or a
// numeric string. An unreadable value stays zero.
type when struct {
	t  time.Time
	ok bool
}

func (w *when) UnmarshalJSON(b []byte) error {
	w.t, w.ok = timestamp(b)
	return nil
}

// list decodes Sentry's two shapes for lists: a bare array or {"values": [...]}.
type list[T any] []T

func (l *list[T]) UnmarshalJSON(b []byte) error {
	_, err := l.decodeWire(b, 0)
	return err
}

func (l *list[T]) decodeWire(b []byte, i int) (int, error) {
	switch b[i] {
	case '[':
		return decoderFor(reflect.TypeFor[[]T]())(b, i, reflect.ValueOf((*[]T)(l)).Elem())
	case '{':
		var wrapped struct {
			Values []T `json:"values"`
		}
		end, err := decoderFor(reflect.TypeOf(wrapped))(b, i, reflect.ValueOf(&wrapped).Elem())
		*l = wrapped.Values
		return end, err
	}
	*l = nil
	return jsonscan.ValueEnd(b, i), nil
}

// message is a string, or an object with formatted, or message and params.
type message string

func (m *message) UnmarshalJSON(b []byte) error {
	if b[0] != '{' {
		var t text
		err := t.UnmarshalJSON(b)
		*m = message(t)
		return err
	}
	var v struct {
		Formatted text   `json:"formatted"`
		Message   text   `json:"message"`
		Params    []text `json:"params"`
	}
	err := decodeValid(b, &v)
	if v.Formatted != "" {
		*m = message(v.Formatted)
	} else {
		*m = message(formatParams(string(v.Message), v.Params))
	}
	return err
}

// tagList reads {"k": "v"} or [["k", "v"], ...], keeping the order.
type tagList []Tag

func (tl *tagList) UnmarshalJSON(b []byte) error {
	*tl = nil
	switch b[0] {
	case '{':
		for key, value := range members(b) {
			var v text
			if err := v.UnmarshalJSON(value); err != nil {
				return err
			}
			if k := unquote(key); k != "" {
				*tl = append(*tl, Tag{Key: k, Value: string(v)})
			}
		}
	case '[':
		var pairs [][]text
		if err := decodeValid(b, &pairs); err != nil {
			return err
		}
		for _, p := range pairs {
			if len(p) == 2 && p[0] != "" {
				*tl = append(*tl, Tag{Key: string(p[0]), Value: string(p[1])})
			}
		}
	}
	return nil
}
