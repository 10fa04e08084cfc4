package event

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

// A payload ingest checked is parsed without a second validity scan, and
// parses exactly as it would with one.
func TestCheckedPayloadsParseAsUnchecked(t *testing.T) {
	for _, doc := range sdkPayloads(t) {
		m := Meta{EventID: "0123456789abcdef0123456789abcdef", Received: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)}
		checked := m
		checked.Checked = true
		e1, err1 := Parse(doc, m)
		e2, err2 := Parse(doc, checked)
		if (err1 == nil) != (err2 == nil) || !reflect.DeepEqual(e1, e2) {
			t.Errorf("event %.60q: checked parse differs: %v / %v", doc, err1, err2)
		}
		t1, err1 := ParseTransaction(doc, m)
		t2, err2 := ParseTransaction(doc, checked)
		if (err1 == nil) != (err2 == nil) || !reflect.DeepEqual(t1, t2) {
			t.Errorf("transaction %.60q: checked parse differs: %v / %v", doc, err1, err2)
		}
	}
}

// The checked parse skips the scan: trailing bytes after the object, which
// the scan refuses, are not looked at.
func TestCheckedPayloadsAreNotScannedAgain(t *testing.T) {
	doc := []byte(`{"message":"hello"} trailing`)
	if _, err := Parse(doc, Meta{}); err == nil {
		t.Fatal("unchecked parse accepted trailing bytes; the scan should refuse them")
	}
	e, err := Parse(doc, Meta{Checked: true})
	if err != nil || e.Message != "hello" {
		t.Fatalf("checked parse: %v, message %q; want the object read without a scan", err, e.Message)
	}
}

// A record that claims a check it did not pass (written by something other
// than ingest, or damaged) must end its parse with an error, never hang a
// partition or panic out of the parser.
func TestMalformedCheckedPayloadsEnd(t *testing.T) {
	for _, doc := range []string{
		`{"spans":[}`,                    // an array walk found no value and did not move
		`{"exception":{"values":[:]}}`,   // the same, one level down
		`{"breadcrumbs":[{"a":1}}`,       // an array closed by a brace
		`{"tags":[["a","b"]}`,            // a pair list closed by a brace
		`{"spans":[{"span_id":"a"`,       // cut short
		`{"message":"unterminated`,       // a string never closed
		`{"contexts":{"trace":{"op":}}}`, // a member without a value
		`{"exception":[{"stacktrace":{"frames":[}}]}`,
	} {
		done := make(chan error, 3)
		go func() {
			_, err := Parse([]byte(doc), Meta{Checked: true})
			done <- err
			_, err = ParseTransaction([]byte(doc), Meta{Checked: true})
			done <- err
			_, err = ParseSpans([]byte(doc), Meta{Checked: true})
			done <- err
		}()
		for range 3 {
			select {
			case <-done: // an error or a partial result: either is fine
			case <-time.After(10 * time.Second):
				t.Fatalf("%s: the parse of a malformed checked payload did not end", doc)
			}
		}
	}
}

func TestMalformedCheckedArrayIsAnError(t *testing.T) {
	_, err := ParseTransaction([]byte(`{"start_timestamp":1,"timestamp":2,"spans":[}`), Meta{Checked: true})
	if !errors.Is(err, errMalformed) {
		t.Fatalf("got %v, want %v", err, errMalformed)
	}
}

// FuzzDecodeChecked walks arbitrary bytes as a checked payload: every walk
// must end, with or without an error.
func FuzzDecodeChecked(f *testing.F) {
	addPayloadSeeds(f)
	f.Add([]byte(`{"spans":[}`))
	f.Add([]byte(`{"a":[[}]]`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		m := Meta{Checked: true}
		_, _ = Parse(doc, m)
		_, _ = ParseTransaction(doc, m)
		_, _ = ParseSpans(doc, m)
	})
}
