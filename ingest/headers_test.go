package ingest

import (
	"encoding/json"
	"reflect"
	"testing"
)

var headerSamples = []string{
	`{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","sent_at":"2026-12-02T03:40:12.345678Z","dsn":"https://k@h/1","sdk":{"name":"sentry.python","version":"2.19.0"},"trace":{"trace_id":"a","sample_rate":"1"}}`,
	`{"type":"event","content_type":"application/json","length":11510}`,
	`{"type":"attachment","length":3,"filename":"a.txt","attachment_type":"event.attachment"}`,
	`{"type":"session"}`, `{}`, ` { "type" : "event" , "length" : 0 } `,
	`{"type":"event","length":null}`, `{"type":null}`, `{"length":7,"length":null}`,
	`{"type":"ev\u0065nt"}`, `{"Type":"event"}`, `{"TYPE":"event"}`, `{"type":5}`, `{"length":"7"}`,
	`{"length":7.0}`, `{"length":1e3}`, `{"length":-1}`, `{"length":99999999999999999999}`,
	`{"type":"a","type":"b"}`, "{\"type\":\"\xff\"}", `[]`, `null`, `{"type":"event"`, `{"type":"event"} x`, ``,
	`{"other":[1,{"x":"}"}],"type":"event"}`, `{"event_id":"\u017f"}`,
}

// readHeader decodes what json.Unmarshal decodes, field for field, and
// fails where it fails.
func TestReadHeaderAsUnmarshal(t *testing.T) {
	for _, s := range headerSamples {
		checkHeaderAsUnmarshal(t, []byte(s))
	}
}

func FuzzReadHeader(f *testing.F) {
	for _, s := range headerSamples {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		checkHeaderAsUnmarshal(t, line)
	})
}

func checkHeaderAsUnmarshal(t *testing.T, line []byte) {
	t.Helper()
	var gotH, wantH envelopeHeader
	gotErr, wantErr := readHeader(line, &gotH), json.Unmarshal(line, &wantH)
	if (gotErr == nil) != (wantErr == nil) || !reflect.DeepEqual(gotH, wantH) {
		t.Errorf("envelope header %q: %+v (%v), json.Unmarshal gives %+v (%v)", line, gotH, gotErr, wantH, wantErr)
	}
	var gotI, wantI item
	gotErr, wantErr = readHeader(line, &gotI), json.Unmarshal(line, &wantI)
	if (gotErr == nil) != (wantErr == nil) || !reflect.DeepEqual(gotI, wantI) {
		t.Errorf("item header %q: %+v (%v), json.Unmarshal gives %+v (%v)", line, gotI, gotErr, wantI, wantErr)
	}
}

// The plain shape SDKs send is read without encoding/json.
func TestPlainHeadersAreReadDirectly(t *testing.T) {
	for _, s := range headerSamples[:4] {
		var it item
		if !readPlainHeader([]byte(s), it.fields()) {
			t.Errorf("%s went to json.Unmarshal", s)
		}
	}
}

func BenchmarkReadHeaders(b *testing.B) {
	env, it := []byte(headerSamples[0]), []byte(headerSamples[1])
	b.ReportAllocs()
	for b.Loop() {
		var h envelopeHeader
		var i item
		if readHeader(env, &h) != nil || readHeader(it, &i) != nil || i.Length == nil {
			b.Fatal("unread")
		}
	}
}
