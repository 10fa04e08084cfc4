package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

// send posts body to path with headers and returns the answer and its body.
func (ti *testIngest) send(t *testing.T, path string, body []byte, headers map[string]string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := ti.app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// blobFiles lists the files under the attachments' directory.
func (ti *testIngest) blobFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(ti.blobDir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func auth(key string) map[string]string {
	return map[string]string{"X-Sentry-Auth": "Sentry sentry_version=7, sentry_key=" + key}
}

func gzipAuth(key string) map[string]string {
	h := map[string]string{"Content-Encoding": "gzip"}
	if key != "" {
		h["X-Sentry-Auth"] = "Sentry sentry_version=7, sentry_key=" + key
	}
	return h
}

// allocated runs fn and returns the bytes the process allocated meanwhile.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// A compression bomb sent with a key that is unknown, disabled or of
// another project is answered without being inflated: the request costs
// far less memory than the 20 MiB it would inflate to, whether the key is
// in X-Sentry-Auth or only in the envelope header's dsn.
func TestBombWithWrongKeyIsNotInflated(t *testing.T) {
	for _, tc := range []struct {
		name    string
		key     Key
		header  string
		headers map[string]string
		status  int
		inflate []int64 // how much each decompression asked for
	}{
		{"unknown key in X-Sentry-Auth", Key{ProjectID: 1, Active: true}, `{}`, gzipAuth("wrongkey"), 401, nil},
		{"unknown key in the envelope's dsn", Key{ProjectID: 1, Active: true}, `{"dsn":"http://wrongkey@127.0.0.1/1"}`, gzipAuth(""), 401,
			[]int64{envelopeHeaderMax}},
		{"no key anywhere", Key{ProjectID: 1, Active: true}, `{}`, gzipAuth(""), 401, []int64{envelopeHeaderMax}},
		{"disabled key", Key{ProjectID: 1}, `{}`, gzipAuth(testKey), 403, nil},
		{"disabled key in the envelope's dsn", Key{ProjectID: 1}, `{"dsn":"http://` + testKey + `@127.0.0.1/1"}`, gzipAuth(""), 403,
			[]int64{envelopeHeaderMax}},
		{"key of another project", Key{ProjectID: 2, Active: true}, `{}`, gzipAuth(testKey), 403, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ti := newTestIngestWith(t, &recorder{}, tc.key, DefaultLimits)
			var asked []int64
			ti.h.inflate = func(raw []byte, encoding string, n, limit int64) ([]byte, bool, error) {
				asked = append(asked, n)
				return inflate(raw, encoding, n, limit)
			}
			bomb := itemBomb(t, tc.header)
			var status int
			start := time.Now()
			bytes := allocated(func() {
				resp, _ := ti.send(t, "/api/1/envelope/", bomb, tc.headers)
				status = resp.StatusCode
			})
			took := time.Since(start)
			if status != tc.status {
				t.Fatalf("answered %d, want %d", status, tc.status)
			}
			if bytes > 2<<20 {
				t.Errorf("a refused %d KiB bomb cost %d KiB of allocations (%s); it inflates to 20 MiB", len(bomb)>>10, bytes>>10, took)
			}
			if fmt.Sprint(asked) != fmt.Sprint(tc.inflate) {
				t.Errorf("decompressions asked for %v bytes, want %v", asked, tc.inflate)
			}
		})
	}
}

// The envelope header's dsn is enough for a key, compressed or not, and
// with a valid key the body is then inflated whole.
func TestKeyInEnvelopeHeader(t *testing.T) {
	var produced recorder
	ti := newTestIngest(t, &produced)
	envelope := eventEnvelope()
	envelope = append([]byte(`{"event_id":"`+attachmentEventID+`","dsn":"https://`+testKey+`@faultline.example.com/1"}`),
		envelope[bytes.IndexByte(envelope, '\n'):]...)
	for _, tc := range []struct {
		name    string
		body    []byte
		headers map[string]string
	}{
		{"plain", envelope, nil},
		{"gzip", compress(t, "gzip", envelope), map[string]string{"Content-Encoding": "gzip"}},
		{"zstd", compress(t, "zstd", envelope), map[string]string{"Content-Encoding": "zstd"}},
	} {
		resp, body := ti.send(t, "/api/1/envelope/", tc.body, tc.headers)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, attachmentEventID) {
			t.Errorf("%s: answered %d %s", tc.name, resp.StatusCode, body)
		}
	}
	// A header line longer than what is read for it names no key.
	long := append([]byte(`{"dsn":"https://`+testKey+`@faultline.example.com/1","pad":"`+strings.Repeat("p", envelopeHeaderMax)+`"}`),
		envelope[bytes.IndexByte(envelope, '\n'):]...)
	if resp, body := ti.send(t, "/api/1/envelope/", compress(t, "gzip", long), map[string]string{"Content-Encoding": "gzip"}); resp.StatusCode != 401 {
		t.Errorf("header line over %d bytes: answered %d %s, want 401", envelopeHeaderMax, resp.StatusCode, body)
	}
}

// No more requests decompress at once than MaxDecoding: the next waits up
// to DecodeWait for a turn, then is answered 503 with Retry-After; one that
// gets a turn in time goes on.
func TestDecodingIsBounded(t *testing.T) {
	limits := DefaultLimits
	limits.MaxDecoding, limits.DecodeWait = 2, 100*time.Millisecond
	ti := newTestIngestWith(t, &recorder{}, Key{ProjectID: 1, Active: true}, limits)
	entered, release := make(chan struct{}, limits.MaxDecoding), make(chan struct{})
	ti.h.inflate = func(raw []byte, encoding string, n, limit int64) ([]byte, bool, error) {
		entered <- struct{}{}
		<-release
		return inflate(raw, encoding, n, limit)
	}
	body := compress(t, "gzip", eventEnvelope())
	answers := make(chan int, limits.MaxDecoding+1)
	for range limits.MaxDecoding {
		go func() {
			resp, _ := ti.send(t, "/api/1/envelope/", body, gzipAuth(testKey))
			answers <- resp.StatusCode
		}()
	}
	for range limits.MaxDecoding {
		<-entered
	}
	start := time.Now()
	resp, answer := ti.send(t, "/api/1/envelope/", body, gzipAuth(testKey))
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "1" || !strings.Contains(answer, "decompressed") {
		t.Fatalf("request %d: answered %d %s, Retry-After %q; want 503 with Retry-After 1",
			limits.MaxDecoding+1, resp.StatusCode, answer, resp.Header.Get("Retry-After"))
	}
	if waited := time.Since(start); waited < limits.DecodeWait {
		t.Errorf("refused after %s, before DecodeWait (%s)", waited, limits.DecodeWait)
	}
	// A request that gets a turn while it waits goes on.
	go func() {
		resp, _ := ti.send(t, "/api/1/envelope/", body, gzipAuth(testKey))
		answers <- resp.StatusCode
	}()
	time.Sleep(limits.DecodeWait / 4)
	close(release)
	for range limits.MaxDecoding + 1 {
		if status := <-answers; status != http.StatusOK {
			t.Errorf("a request given a turn answered %d", status)
		}
	}
}

// envelopeOf builds an envelope of header and newline-delimited items.
func envelopeOf(header string, items ...string) []byte {
	var b strings.Builder
	b.WriteString(header + "\n")
	for _, it := range items {
		b.WriteString(it + "\n")
	}
	return []byte(b.String())
}

// An envelope of more items than the limit is refused with 413, without
// producing any of them; one at the limit passes.
func TestTooManyItems(t *testing.T) {
	var produced recorder
	ti := newTestIngest(t, &produced)
	session := `{"type":"session"}` + "\n" + `{"sid":"s","status":"ok"}`
	many := make([]string, 1000)
	for i := range many {
		many[i] = session
	}
	resp, body := ti.send(t, "/api/1/envelope/", envelopeOf(`{}`, many...), auth(testKey))
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "items") {
		t.Fatalf("1,000 items: answered %d %s, want 413 naming the item limit", resp.StatusCode, body)
	}
	// The same as a bomb: splitting stops at the limit.
	resp, body = ti.send(t, "/api/1/envelope/", itemBomb(t, `{}`), gzipAuth(testKey))
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "items") {
		t.Fatalf("1.5 M items: answered %d %s, want 413 naming the item limit", resp.StatusCode, body)
	}
	if types := produced.itemTypes(t); len(types) != 0 {
		t.Fatalf("produced %d records of refused envelopes", len(types))
	}
	resp, body = ti.send(t, "/api/1/envelope/", envelopeOf(`{}`, many[:DefaultLimits.MaxEnvelopeItems]...), auth(testKey))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%d items: answered %d %s, want 200", DefaultLimits.MaxEnvelopeItems, resp.StatusCode, body)
	}
}

const attachmentEventID = "9ec79c33ec9942ab8353589fcb2e04dc"

// attachmentEnvelope is an attachment-only envelope of size bytes.
func attachmentEnvelope(size int) []byte {
	return envelopeOf(`{"event_id":"`+attachmentEventID+`"}`,
		`{"type":"attachment","length":`+strconv.Itoa(size)+`,"filename":"dump.bin"}`+"\n"+strings.Repeat("x", size))
}

func eventEnvelope(items ...string) []byte {
	return envelopeOf(`{"event_id":"`+attachmentEventID+`"}`, append([]string{`{"type":"event"}` + "\n" + `{"message":"m"}`}, items...)...)
}

// A key's rate limit counts every item, attachments included: attachment-
// only envelopes cannot get past it, and a refused envelope stores nothing.
func TestKeyRateLimitCountsAttachments(t *testing.T) {
	var produced recorder
	ti := newTestIngestWith(t, &produced, Key{ProjectID: 1, Active: true, RateLimit: 1, RateWindow: time.Hour}, DefaultLimits)
	const size = 5 << 20
	statuses := []int{}
	var last *http.Response
	for range 5 {
		resp, _ := ti.send(t, "/api/1/envelope/", attachmentEnvelope(size), auth(testKey))
		statuses = append(statuses, resp.StatusCode)
		last = resp
	}
	if got := fmtInts(statuses); got != "200 429 429 429 429" {
		t.Fatalf("five 5 MB attachment-only envelopes on a key limited to 1 an hour: %s, want one 200 then 429s", got)
	}
	retry, _ := strconv.Atoi(last.Header.Get("Retry-After"))
	limits := last.Header.Get("X-Sentry-Rate-Limits")
	if retry < 1 || retry > 3600 || !strings.HasPrefix(limits, last.Header.Get("Retry-After")+":") ||
		!strings.Contains(limits, "attachment") || !strings.Contains(limits, ":key:") {
		t.Fatalf("Retry-After %q, X-Sentry-Rate-Limits %q; want the attachment category refused by the key", last.Header.Get("Retry-After"), limits)
	}
	if files := ti.blobFiles(t); len(files) != 1 {
		t.Fatalf("%d attachment files on disk, want the one accepted: %v", len(files), files)
	}
	if types := produced.itemTypes(t); len(types) != 1 || types[0] != "attachment" {
		t.Fatalf("produced %v, want the one accepted attachment", types)
	}
	if counted := ti.counted(t); counted["attachment/rate_limited/key_quota"] != 4*size || counted["attachment/accepted/"] != size {
		t.Errorf("counted %v; want attachments counted in bytes, one accepted and four rate limited", counted)
	}
}

func fmtInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, " ")
}

// After one accepted event, an envelope with an event and an attachment on
// a key limited to one item an hour is refused and leaves no file behind.
func TestRefusedEnvelopeStoresNoAttachment(t *testing.T) {
	ti := newTestIngestWith(t, &recorder{}, Key{ProjectID: 1, Active: true, RateLimit: 1, RateWindow: time.Hour}, DefaultLimits)
	if resp, body := ti.send(t, "/api/1/envelope/", eventEnvelope(), auth(testKey)); resp.StatusCode != http.StatusOK {
		t.Fatalf("first event: %d %s", resp.StatusCode, body)
	}
	for _, body := range [][]byte{eventEnvelope(`{"type":"attachment","length":3}` + "\nabc"), attachmentEnvelope(3)} {
		resp, answer := ti.send(t, "/api/1/envelope/", body, auth(testKey))
		if resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("answered %d %s, want 429", resp.StatusCode, answer)
		}
	}
	if files := ti.blobFiles(t); len(files) != 0 {
		t.Fatalf("refused envelopes left %v on disk", files)
	}
}

// failingProducer refuses every write, like a broker that is down.
type failingProducer struct{}

func (failingProducer) WriteMessages(context.Context, ...kafka.Message) error {
	return errors.New("broker unavailable")
}

// When the records cannot be produced, the attachments' bytes already
// written are deleted.
func TestProduceFailureDeletesAttachments(t *testing.T) {
	ti := newTestIngest(t, failingProducer{})
	resp, body := ti.send(t, "/api/1/envelope/",
		eventEnvelope(`{"type":"attachment","length":3}`+"\nabc", `{"type":"attachment","length":2,"filename":"b"}`+"\nde"), auth(testKey))
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("answered %d %s, want 503", resp.StatusCode, body)
	}
	if files := ti.blobFiles(t); len(files) != 0 {
		t.Fatalf("a failed produce left %v on disk", files)
	}
}

// An organization's monthly attachment quota counts bytes: an attachment
// past it is refused with 429 naming the category, and an event sent with
// it is kept while the attachment is dropped.
func TestAttachmentQuota(t *testing.T) {
	var produced recorder
	ti := newTestIngestConfig(t, &produced, Key{ProjectID: 1, Active: true, OrgID: 7},
		HandlerConfig{Limits: DefaultLimits, Quotas: fixedQuota(Quota{Monthly: map[string]int64{"attachment": 1000}})})
	resp, body := ti.send(t, "/api/1/envelope/", attachmentEnvelope(2000), auth(testKey))
	limits := resp.Header.Get("X-Sentry-Rate-Limits")
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" ||
		!strings.Contains(limits, ":attachment:organization:usage_exceeded") {
		t.Fatalf("answered %d %s, X-Sentry-Rate-Limits %q; want 429 for the attachment quota", resp.StatusCode, body, limits)
	}
	resp, body = ti.send(t, "/api/1/envelope/", eventEnvelope(`{"type":"attachment","length":2000}`+"\n"+strings.Repeat("y", 2000)), auth(testKey))
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, attachmentEventID) ||
		!strings.Contains(resp.Header.Get("X-Sentry-Rate-Limits"), ":attachment:organization:usage_exceeded") {
		t.Fatalf("event with an attachment over quota: %d %s, X-Sentry-Rate-Limits %q; want the event accepted and the attachment refused",
			resp.StatusCode, body, resp.Header.Get("X-Sentry-Rate-Limits"))
	}
	if types := produced.itemTypes(t); len(types) != 1 || types[0] != "event" {
		t.Fatalf("produced %v, want the event alone", types)
	}
	if files := ti.blobFiles(t); len(files) != 0 {
		t.Fatalf("refused attachments left %v on disk", files)
	}
	// Under the quota, an attachment is stored.
	if resp, body := ti.send(t, "/api/1/envelope/", attachmentEnvelope(999), auth(testKey)); resp.StatusCode != http.StatusOK {
		t.Fatalf("attachment under the quota: %d %s", resp.StatusCode, body)
	}
}

// Every item type counts against the key's limit: sessions, check-ins,
// spans and feedback cannot pass once it is reached.
func TestKeyRateLimitCountsEveryItem(t *testing.T) {
	for _, it := range []struct{ name, item, category string }{
		{"session", `{"type":"session"}` + "\n" + `{"sid":"s","status":"ok"}`, "session"},
		{"check-in", `{"type":"check_in"}` + "\n" + `{"monitor_slug":"m","status":"ok"}`, "monitor"},
		{"span", `{"type":"span"}` + "\n" + `{"items":[]}`, "span"},
		{"feedback", `{"type":"feedback"}` + "\n" + `{"contexts":{}}`, "feedback"},
		{"transaction", `{"type":"transaction"}` + "\n" + `{"type":"transaction"}`, "transaction"},
	} {
		t.Run(it.name, func(t *testing.T) {
			var produced recorder
			ti := newTestIngestWith(t, &produced, Key{ProjectID: 1, Active: true, RateLimit: 2, RateWindow: time.Hour}, DefaultLimits)
			statuses := []int{}
			var last *http.Response
			for range 3 {
				resp, _ := ti.send(t, "/api/1/envelope/", envelopeOf(`{}`, it.item), auth(testKey))
				statuses = append(statuses, resp.StatusCode)
				last = resp
			}
			if got := fmtInts(statuses); got != "200 200 429" {
				t.Fatalf("three envelopes on a key limited to 2 an hour: %s", got)
			}
			if limits := last.Header.Get("X-Sentry-Rate-Limits"); !strings.Contains(limits, it.category) {
				t.Errorf("X-Sentry-Rate-Limits %q does not name %s", limits, it.category)
			}
			if n := len(produced.itemTypes(t)); n != 2 {
				t.Errorf("produced %d records, want 2", n)
			}
		})
	}
}

// A handler whose queue cannot take writes answers 503 with Retry-After and
// produces nothing; once the queue can, the same envelope is taken.
func TestUnwritableQueueRefusesBeforeReading(t *testing.T) {
	var produced recorder
	var full atomic.Bool
	full.Store(true)
	writable := func() error {
		if full.Load() {
			return errors.New("free space below the minimum")
		}
		return nil
	}
	ti := newTestIngestConfig(t, &produced, Key{ProjectID: 1, Active: true}, HandlerConfig{Limits: DefaultLimits, Writable: writable})
	resp, body := ti.send(t, "/api/1/envelope/", eventEnvelope(), auth(testKey))
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("full queue: %d %s (Retry-After %q), want 503 with Retry-After", resp.StatusCode, body, resp.Header.Get("Retry-After"))
	}
	if got := produced.itemTypes(t); len(got) != 0 {
		t.Fatalf("a full queue produced %v", got)
	}
	full.Store(false)
	if resp, body := ti.send(t, "/api/1/envelope/", eventEnvelope(), auth(testKey)); resp.StatusCode != http.StatusOK {
		t.Fatalf("writable queue: %d %s", resp.StatusCode, body)
	}
	if got := produced.itemTypes(t); len(got) != 1 || got[0] != "event" {
		t.Fatalf("produced %v, want one event", got)
	}
}
