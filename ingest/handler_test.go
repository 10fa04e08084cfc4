package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faultline/faultline/ingest/blob"
	"github.com/faultline/faultline/ingest/queue"
	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
)

// testKey is the DSN key of project 1 in the tests' handlers.
const testKey = "publickey"

type fixedKeys map[string]Key

func (f fixedKeys) LookupKey(_ context.Context, publicKey string) (Key, error) {
	k, ok := f[publicKey]
	if !ok {
		return Key{}, ErrUnknownKey
	}
	return k, nil
}

// recorder is a Producer that keeps what it was given, failing the writes
// while fail is set (as kafka-go may after a timeout, it keeps those too).
type recorder struct {
	mu   sync.Mutex
	fail bool
	msgs []kafka.Message
}

func (r *recorder) WriteMessages(_ context.Context, msgs ...kafka.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, msgs...)
	if r.fail {
		return errors.New("write timed out")
	}
	return nil
}

func (r *recorder) setFail(fail bool) {
	r.mu.Lock()
	r.fail = fail
	r.mu.Unlock()
}

// records are the records produced so far, decoded.
func (r *recorder) records(t *testing.T) []queue.Record {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	var recs []queue.Record
	for _, m := range r.msgs {
		rec, err := queue.Decode(m)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
	}
	return recs
}

// itemTypes are the item types of the records produced so far.
func (r *recorder) itemTypes(t *testing.T) []string {
	t.Helper()
	var types []string
	for _, rec := range r.records(t) {
		types = append(types, rec.ItemType)
	}
	return types
}

// testIngest is a Handler for project 1 (key testKey) on a fiber app, with
// the outcomes it counted.
type testIngest struct {
	app      *fiber.App
	h        *Handler
	blobDir  string // where attachments' bytes go
	outcomes *queue.OutcomeCounter
	flushed  recorder
	metrics  *prometheus.Registry // the handler's own
}

func newTestIngest(t *testing.T, producer Producer) *testIngest {
	t.Helper()
	return newTestIngestWith(t, producer, Key{ProjectID: 1, Active: true}, DefaultLimits)
}

// newTestIngestWith is newTestIngest with testKey standing for key, under
// limits.
func newTestIngestWith(t *testing.T, producer Producer, key Key, limits Limits) *testIngest {
	t.Helper()
	return newTestIngestConfig(t, producer, key, HandlerConfig{Limits: limits})
}

// newTestIngestConfig is newTestIngestWith for a handler built with cfg.
func newTestIngestConfig(t *testing.T, producer Producer, key Key, cfg HandlerConfig) *testIngest {
	t.Helper()
	limits := cfg.Limits
	ti := &testIngest{app: fiber.New(fiber.Config{Immutable: true, DisableStartupMessage: true, BodyLimit: int(limits.MaxEnvelopeBytes) + 1<<20}),
		blobDir: t.TempDir(), metrics: prometheus.NewRegistry()}
	blobs, err := blob.NewDir(ti.blobDir)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	ti.outcomes = queue.NewOutcomeCounter(&ti.flushed, time.Hour, log)
	ti.h = NewHandler(fixedKeys{testKey: key}, producer, blobs, ti.outcomes, cfg, ti.metrics, log)
	ti.h.Register(ti.app)
	return ti
}

// post sends body to path with the test key and returns the status and the
// answer's body.
func (ti *testIngest) post(t *testing.T, path, body string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("X-Sentry-Auth", "Sentry sentry_version=7, sentry_key="+testKey)
	resp, err := ti.app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// counted returns the outcomes counted so far, as "category/outcome/reason"
// with their quantities.
func (ti *testIngest) counted(t *testing.T) map[string]uint64 {
	t.Helper()
	if err := ti.outcomes.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	ti.flushed.mu.Lock()
	defer ti.flushed.mu.Unlock()
	out := map[string]uint64{}
	for _, m := range ti.flushed.msgs {
		b, err := queue.DecodeOutcomes(m)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range b.Rows {
			out[r.Category+"/"+r.Outcome+"/"+r.Reason] += r.Quantity
		}
	}
	ti.flushed.msgs = nil
	return out
}

// Events and transactions must be JSON objects: other JSON is refused with
// a 400 that says so, counted as invalid, and never produced.
func TestEventMustBeObject(t *testing.T) {
	envelope := func(itemType, payload string) string {
		return `{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc"}` + "\n" + `{"type":"` + itemType + `"}` + "\n" + payload + "\n"
	}
	for _, tc := range []struct {
		name     string
		path     string
		body     string
		category string
		status   int
		msg      string // the whole answer when status is 400
	}{
		{"envelope array", "/api/1/envelope/", envelope("event", `[1,2]`), "error", 400, "item 1 (event): payload must be a JSON object, got an array"},
		{"envelope string", "/api/1/envelope/", envelope("event", `"s"`), "error", 400, "item 1 (event): payload must be a JSON object, got a string"},
		{"envelope number", "/api/1/envelope/", envelope("event", `123`), "error", 400, "item 1 (event): payload must be a JSON object, got a number"},
		{"envelope negative number", "/api/1/envelope/", envelope("event", `-1.5`), "error", 400, "item 1 (event): payload must be a JSON object, got a number"},
		{"envelope null", "/api/1/envelope/", envelope("event", `null`), "error", 400, "item 1 (event): payload must be a JSON object, got null"},
		{"envelope boolean", "/api/1/envelope/", envelope("event", `true`), "error", 400, "item 1 (event): payload must be a JSON object, got a boolean"},
		{"envelope transaction array after whitespace", "/api/1/envelope/", envelope("transaction", " \t[ ]"), "transaction", 400,
			"item 1 (transaction): payload must be a JSON object, got an array"},
		{"envelope second item", "/api/1/envelope/",
			`{}` + "\n" + `{"type":"client_report"}` + "\n{}\n" + `{"type":"event","length":5}` + "\nfalse\n", "error", 400,
			"item 2 (event): payload must be a JSON object, got a boolean"},
		{"envelope object", "/api/1/envelope/", envelope("event", ` {"message":"ok"}`), "error", 200, ""},
		{"store array", "/api/1/store/", `[1,2]`, "error", 400, "event must be a JSON object, got an array"},
		{"store string", "/api/1/store/", `"s"`, "error", 400, "event must be a JSON object, got a string"},
		{"store number", "/api/1/store/", `123`, "error", 400, "event must be a JSON object, got a number"},
		{"store null", "/api/1/store/", `null`, "error", 400, "event must be a JSON object, got null"},
		{"store boolean", "/api/1/store/", "\n true", "error", 400, "event must be a JSON object, got a boolean"},
		{"store invalid JSON", "/api/1/store/", `{"message":`, "error", 400, "event is not valid JSON"},
		{"store object", "/api/1/store/", `{"message":"ok"}`, "error", 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var produced recorder
			ti := newTestIngest(t, &produced)
			status, body := ti.post(t, tc.path, tc.body)
			if status != tc.status || (tc.status == 400 && body != tc.msg) {
				t.Fatalf("answered %d %q, want %d %q", status, body, tc.status, tc.msg)
			}
			counted := ti.counted(t)
			if tc.status == 200 {
				if types := produced.itemTypes(t); len(types) != 1 || counted[tc.category+"/accepted/"] != 1 {
					t.Fatalf("produced %v, counted %v; want one event accepted", types, counted)
				}
				return
			}
			if types := produced.itemTypes(t); len(types) != 0 {
				t.Errorf("produced %v for a refused request", types)
			}
			if n := counted[tc.category+"/invalid/invalid_json"]; n != 1 {
				t.Errorf("counted %v, want one %s invalid_json", counted, tc.category)
			}
		})
	}
}

// Small items (sessions, spans, check-ins, feedback) that are JSON but not
// objects are skipped and counted as invalid; the envelope's event is kept.
func TestSmallItemsMustBeObjects(t *testing.T) {
	var produced recorder
	ti := newTestIngest(t, &produced)
	items := []struct{ typ, payload string }{
		{"event", `{"message":"kept"}`},
		{"session", `[{"sid":"a"}]`},
		{"sessions", `{"attrs":{"release":"r@1"},"aggregates":[]}`},
		{"span", `"s"`},
		{"check_in", `null`},
		{"user_report", `42`},
		{"feedback", `true`},
		{"sessions", `[]`},
		{"check_in", `{"monitor_slug":"m","status":"ok"}`},
	}
	body := `{}` + "\n"
	for _, it := range items {
		body += `{"type":"` + it.typ + `"}` + "\n" + it.payload + "\n"
	}
	if status, answer := ti.post(t, "/api/1/envelope/", body); status != 200 {
		t.Fatalf("answered %d %q", status, answer)
	}
	if got, want := strings.Join(produced.itemTypes(t), ","), "event,sessions,check_in"; got != want {
		t.Errorf("produced %s, want %s", got, want)
	}
	counted := ti.counted(t)
	for k, want := range map[string]uint64{"session/invalid/invalid_item": 2, "span/invalid/invalid_item": 1,
		"monitor/invalid/invalid_item": 1, "user_report_v2/invalid/invalid_item": 2} {
		if counted[k] != want {
			t.Errorf("counted %d %s, want %d (all: %v)", counted[k], k, want, counted)
		}
	}
}

// blockingProducer holds a write until released, and fails it if its
// context ends first.
type blockingProducer struct {
	entered chan struct{}
	release chan struct{}
}

func (p *blockingProducer) WriteMessages(ctx context.Context, _ ...kafka.Message) error {
	close(p.entered)
	select {
	case <-p.release:
		return ctx.Err()
	case <-ctx.Done():
		return ctx.Err()
	}
}

// A graceful stop lets a request whose event is being produced finish:
// its work does not run on the server's context, which shutdown cancels.
func TestShutdownFinishesInFlightRequests(t *testing.T) {
	producer := &blockingProducer{entered: make(chan struct{}), release: make(chan struct{})}
	ti := newTestIngest(t, producer)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- ti.app.Listener(ln) }()

	type answer struct {
		status int
		body   string
		err    error
	}
	answered := make(chan answer, 1)
	go func() {
		body := `{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc"}` + "\n" + `{"type":"event"}` + "\n" + `{"message":"in flight"}` + "\n"
		req, _ := http.NewRequest(http.MethodPost, "http://"+ln.Addr().String()+"/api/1/envelope/", strings.NewReader(body))
		req.Header.Set("X-Sentry-Auth", "Sentry sentry_version=7, sentry_key="+testKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			answered <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		answered <- answer{resp.StatusCode, string(b), err}
	}()

	select {
	case <-producer.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the request never reached the producer")
	}
	stopped := make(chan error, 1)
	go func() { stopped <- ti.app.ShutdownWithTimeout(10 * time.Second) }()
	// Shutdown has begun once the listener refuses connections; it closes
	// the server's context right after.
	for deadline := time.Now().Add(10 * time.Second); ; {
		conn, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second)
		if err != nil {
			break
		}
		conn.Close()
		if time.Now().After(deadline) {
			t.Fatal("the listener still accepts connections after shutdown began")
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	close(producer.release)

	a := <-answered
	if a.err != nil || a.status != http.StatusOK || a.body != `{"id":"9ec79c33ec9942ab8353589fcb2e04dc"}` {
		t.Errorf("in-flight request answered %d %q (%v), want 200 with its id", a.status, a.body, a.err)
	}
	if err := <-stopped; err != nil {
		t.Errorf("shutdown: %v", err)
	}
	if err := <-served; err != nil {
		t.Errorf("serve: %v", err)
	}
}

// An event's record leaves compressed unless the handler is told to write
// records plainly for workers older than compressed records; either way
// the worker decodes the payload that was sent.
func TestRecordsCompressedUnlessPlain(t *testing.T) {
	event := `{"message":"` + strings.Repeat("checkout failed for basket ", 40) + `"}`
	for _, plain := range []bool{false, true} {
		var rec recorder
		ti := newTestIngestConfig(t, &rec, Key{ProjectID: 1, Active: true}, HandlerConfig{Limits: DefaultLimits, PlainRecords: plain})
		if code, body := ti.post(t, "/api/1/envelope/", "{}\n{\"type\":\"event\"}\n"+event); code != 200 {
			t.Fatalf("plain=%v: %d %s", plain, code, body)
		}
		if len(rec.msgs) != 1 {
			t.Fatalf("plain=%v: %d records", plain, len(rec.msgs))
		}
		m := rec.msgs[0]
		if compressed := len(m.Value) < len(event); compressed == plain {
			t.Errorf("plain=%v: a record of %d bytes for an event of %d", plain, len(m.Value), len(event))
		}
		if r, err := queue.Decode(m); err != nil || string(r.Payload) != event {
			t.Errorf("plain=%v: decoded %q (%v)", plain, r.Payload, err)
		}
	}
}

// Every JSON item ingest scanned and produced is marked checked, so that a
// worker does not scan it again; an attachment, which is not JSON, is not.
func TestScannedRecordsAreMarkedChecked(t *testing.T) {
	var produced recorder
	ti := newTestIngest(t, &produced)
	body := `{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc"}` + "\n" +
		`{"type":"event"}` + "\n" + `{"message":"scanned"}` + "\n" +
		`{"type":"check_in"}` + "\n" + `{"monitor_slug":"m","status":"ok"}` + "\n" +
		`{"type":"attachment","length":3,"filename":"a.txt"}` + "\n" + `abc` + "\n"
	if status, answer := ti.post(t, "/api/1/envelope/", body); status != 200 {
		t.Fatalf("envelope answered %d %q", status, answer)
	}
	if status, answer := ti.post(t, "/api/1/store/", `{"message":"stored"}`); status != 200 {
		t.Fatalf("store answered %d %q", status, answer)
	}
	var got []string
	for _, rec := range produced.records(t) {
		got = append(got, fmt.Sprintf("%s:%v", rec.ItemType, rec.Checked))
	}
	if g, want := strings.Join(got, ","), "event:true,check_in:true,attachment:false,event:true"; g != want {
		t.Errorf("produced %s, want %s", g, want)
	}
}
