package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"testing"
	"time"

	"github.com/faultline/faultline/ingest/event"
)

// The transactions the load generator sends are ones the server reads in
// full: every span kept, and the varying literals normalized away, so a
// run makes a handful of summary rows, not one per request.
func TestTransactionEnvelopeParses(t *testing.T) {
	tg := &target{DSN: "http://key@127.0.0.1:8000/1"}
	descriptions := map[string]bool{}
	for n := range 3 {
		env := transactionEnvelope(tg, n, 50)
		lines := bytes.Split(bytes.TrimSpace(env), []byte("\n"))
		if len(lines) != 3 || !bytes.Contains(lines[1], []byte(`"type":"transaction"`)) {
			t.Fatalf("envelope has %d lines: %s", len(lines), lines[1])
		}
		tx, err := event.ParseTransaction(lines[2], event.Meta{EventID: newID(), Received: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		if len(tx.Spans) != 50 || tx.Duration <= 0 || tx.Method != "POST" {
			t.Fatalf("%d spans, duration %s, method %q", len(tx.Spans), tx.Duration, tx.Method)
		}
		for _, s := range tx.Spans {
			descriptions[s.Description] = true
		}
	}
	if len(descriptions) != len(spanShapes) {
		t.Errorf("%d distinct span descriptions over 3 transactions, want %d: %v", len(descriptions), len(spanShapes), descriptions)
	}
}

// The bodies built ahead of a run: rate × duration of them, gzipped, each
// with an event id of its own, spread over the targets; -frames makes the
// events as large as a Django app's.
func TestPrebuild(t *testing.T) {
	targets := []*target{{DSN: "http://a@127.0.0.1:8000/1"}, {DSN: "http://b@127.0.0.1:8000/2"}}
	jobs, err := prebuild(targets, options{rate: 250, duration: 2 * time.Second, gzip: true, frames: 20})
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 500 {
		t.Fatalf("%d bodies, want 500", len(jobs))
	}
	ids := map[string]bool{}
	for i, j := range jobs {
		if j.encoding != "gzip" || j.target != targets[i%2] {
			t.Fatalf("body %d: encoding %q, target %v", i, j.encoding, j.target)
		}
		zr, err := gzip.NewReader(bytes.NewReader(j.body))
		if err != nil {
			t.Fatal(err)
		}
		raw, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		// The header, the item header, then the payload (lines of its own).
		parts := bytes.SplitN(bytes.TrimSpace(raw), []byte("\n"), 3)
		payload := parts[2]
		e, err := event.Parse(payload, event.Meta{Received: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		if ids[e.EventID] {
			t.Fatalf("event id %s sent twice", e.EventID)
		}
		ids[e.EventID] = true
		if frames := len(e.Exceptions[0].Stacktrace.Frames); frames < 23 || len(payload) < 9000 {
			t.Fatalf("body %d: %d frames, %d bytes; want 20 framework frames more, about 10 KB", i, frames, len(payload))
		}
	}
	if _, err := prebuild(targets, options{rate: 1_000_000, duration: 10 * time.Second}); err == nil {
		t.Error("ten million bodies were to be built ahead")
	}
}
