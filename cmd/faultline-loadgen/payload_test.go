package main

import (
	"bytes"
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
