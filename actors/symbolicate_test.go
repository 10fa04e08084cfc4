package actors

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/ingest/queue"
	"github.com/faultline/faultline/ingest/symbolicate"
	"github.com/faultline/faultline/metadata"
)

const fixtures = "../ingest/symbolicate/testdata/"

// fixtureSource serves the esbuild fixtures as release files of
// https://shop.example.com/dist/; panics, when set, is what it panics with.
type fixtureSource struct{ panics string }

func (fixtureSource) ByDebugID(context.Context, int64, string, string) ([]byte, map[string]string, error) {
	return nil, nil, fs.ErrNotExist
}

func (s fixtureSource) ByURL(_ context.Context, _ int64, _, _, url string) ([]byte, map[string]string, error) {
	if s.panics != "" {
		panic(s.panics)
	}
	b, err := os.ReadFile(fixtures + strings.TrimPrefix(url, "https://shop.example.com/dist/"))
	return b, nil, err
}

// fingerprintStore remembers the fingerprints it was asked to group.
type fingerprintStore struct {
	refusingStore
	fingerprints []string
}

func (s *fingerprintStore) RecordEventsDetailed(ctx context.Context, pid int64, events []metadata.GroupedEvent) (metadata.Recorded, error) {
	for _, e := range events {
		s.fingerprints = append(s.fingerprints, e.Fingerprint)
	}
	return s.refusingStore.RecordEventsDetailed(ctx, pid, events)
}

// buildRecords are the errors the two differently minified builds threw.
func buildRecords(t *testing.T) []queue.Record {
	var out []queue.Record
	for i, name := range []string{"event.min.json", "event.ws.json"} {
		b, err := os.ReadFile(fixtures + name)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, queue.Record{ProjectID: 1, EventID: fmt.Sprintf("%032x", i+1), ItemType: "event", Received: time.Now(), Payload: b})
	}
	return out
}

func symbolicatingActor(store IssueStore, src symbolicate.Source, budget time.Duration) *projectActor {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a := &projectActor{projectID: 1, issues: store, metrics: newWorkerMetrics(nil), log: log, symbolicationBudget: budget}
	if src != nil {
		a.symbolicator = symbolicate.NewSymbolicator(src, symbolicate.Options{Logger: log})
	}
	return a
}

// storedFrames decodes the frames of a stored payload.
func storedFrames(t *testing.T, row analytics.EventRow) (frames, raw []map[string]any) {
	payload, err := analytics.ExpandPayload(row.StoredPayload)
	if err != nil {
		t.Fatal(err)
	}
	var e struct {
		Exception []struct {
			Stacktrace    struct{ Frames []map[string]any }  `json:"stacktrace"`
			RawStacktrace *struct{ Frames []map[string]any } `json:"raw_stacktrace"`
		} `json:"exception"`
	}
	if err := json.Unmarshal(payload, &e); err != nil || len(e.Exception) != 1 {
		t.Fatalf("payload %s: %v", payload, err)
	}
	if r := e.Exception[0].RawStacktrace; r != nil {
		raw = r.Frames
	}
	return e.Exception[0].Stacktrace.Frames, raw
}

func TestTwoBuildsOfOneBugAreOneIssue(t *testing.T) {
	for _, on := range []bool{false, true} {
		store := &fingerprintStore{}
		var src symbolicate.Source
		if on {
			src = fixtureSource{}
		}
		got := symbolicatingActor(store, src, time.Minute).group(context.Background(), buildRecords(t))
		if got.err != nil || len(got.rejected) != 0 || len(got.rows.Events) != 2 || len(store.fingerprints) != 2 {
			t.Fatalf("symbolication %v: %+v", on, got)
		}
		if same := store.fingerprints[0] == store.fingerprints[1]; same != on {
			t.Fatalf("symbolication %v: same fingerprint = %v", on, same)
		}
		if !on {
			continue
		}
		for _, row := range got.rows.Events {
			frames, raw := storedFrames(t, row)
			top := frames[len(frames)-1]
			data, _ := top["data"].(map[string]any)
			if top["function"] != "lookupCoupon" || top["filename"] != "/src/cart.ts" || top["context_line"] != "    throw new CouponError(code);" ||
				data["symbolicated"] != true || data["resolved_with"] != "release" {
				t.Errorf("stored crash site: %v", top)
			}
			if len(raw) != 10 || !strings.HasPrefix(raw[9]["abs_path"].(string), "https://shop.example.com/dist/app.") || raw[9]["data"] != nil {
				t.Errorf("stored raw_stacktrace: %v", raw)
			}
		}
	}
}

func TestSymbolicationNeverCostsAnEvent(t *testing.T) {
	cases := []struct {
		name   string
		src    symbolicate.Source
		budget time.Duration
	}{
		{"source panics", fixtureSource{panics: "bug in the source"}, time.Minute},
		{"batch budget spent", fixtureSource{}, time.Nanosecond},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := symbolicatingActor(&fingerprintStore{}, c.src, c.budget).group(context.Background(), buildRecords(t))
			if got.err != nil || len(got.rejected) != 0 || len(got.rows.Events) != 2 {
				t.Fatalf("%+v", got)
			}
			frames, raw := storedFrames(t, got.rows.Events[0])
			if raw != nil || frames[9]["function"] != "s" || frames[9]["data"] != nil {
				t.Fatalf("want the frames stored as they came: %v", frames[9])
			}
		})
	}
}
