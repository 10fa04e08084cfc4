package ingest

import (
	"fmt"
	"testing"
	"unsafe"

	"github.com/faultline/faultline/ingest/queue"
)

// smallEnvelope is a gzipped envelope whose event is small enough to leave
// uncompressed, so that its record's value is a slice of the inflated body.
func smallEnvelope(t *testing.T, i int) ([]byte, string) {
	event := fmt.Sprintf(`{"message":"checkout failed %04d"}`, i)
	return compress(t, "gzip", []byte("{}\n{\"type\":\"event\"}\n"+event)), event
}

var gzipped = map[string]string{"Content-Encoding": "gzip", "X-Sentry-Auth": "Sentry sentry_version=7, sentry_key=" + testKey}

// A body whose records the broker did not acknowledge is never handed to
// another request: the records of failed writes keep their bytes while
// later requests come and go.
func TestFailedProduceKeepsItsBody(t *testing.T) {
	var p recorder
	ti := newTestIngestConfig(t, &p, Key{ProjectID: 1, Active: true}, HandlerConfig{Limits: DefaultLimits})
	failed := map[int]string{} // index in p.msgs: the event it was
	for i := range 60 {
		fail := i%4 == 1
		p.setFail(fail)
		body, event := smallEnvelope(t, i)
		want := 200
		if fail {
			failed[len(p.msgs)], want = event, 503
		}
		if resp, text := ti.send(t, "/api/1/envelope/", body, gzipped); resp.StatusCode != want {
			t.Fatalf("request %d answered %d %s, want %d", i, resp.StatusCode, text, want)
		}
	}
	for at, event := range failed {
		if r, err := queue.Decode(p.msgs[at]); err != nil || string(r.Payload) != event {
			t.Errorf("a failed write's record now reads %q (%v), want %q", r.Payload, err, event)
		}
	}
}

// An accepted envelope's inflated body goes back to be filled by a later
// request: its records' values (slices of the body, for small events)
// come back at addresses earlier ones had, which without recycling cannot
// happen while the producer keeps every message.
func TestAcceptedBodiesAreRecycled(t *testing.T) {
	var p recorder
	ti := newTestIngestConfig(t, &p, Key{ProjectID: 1, Active: true}, HandlerConfig{Limits: DefaultLimits})
	const n = 100
	for i := range n {
		body, _ := smallEnvelope(t, i)
		if resp, text := ti.send(t, "/api/1/envelope/", body, gzipped); resp.StatusCode != 200 {
			t.Fatalf("request %d: %d %s", i, resp.StatusCode, text)
		}
	}
	seen := map[*byte]bool{}
	reused := 0
	for _, m := range p.msgs {
		at := unsafe.SliceData(m.Value)
		if seen[at] {
			reused++
		}
		seen[at] = true
	}
	if len(p.msgs) != n || reused == 0 {
		t.Fatalf("%d records, %d of them in a body an earlier request had", len(p.msgs), reused)
	}
	t.Logf("%d of %d bodies recycled", reused, n)
}
