package ingest

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/faultline/faultline/ingest/blob"
	"github.com/gofiber/fiber/v2"
)

// zeros is an endless reader of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

var (
	bombsOnce sync.Once
	gzipBomb  []byte // 10 GiB of zeros
	brBomb    []byte // 4 GiB of zeros
)

// makeBombs builds the bombs once: the gzip one as 10,240 concatenated
// members of 1 MiB each (gzip readers read every member), the brotli one by
// streaming 4 GiB of zeros through the fastest encoder.
func makeBombs(b *testing.B) {
	bombsOnce.Do(func() {
		var member bytes.Buffer
		w, _ := gzip.NewWriterLevel(&member, gzip.BestCompression)
		_, _ = io.CopyN(w, zeros{}, 1<<20)
		_ = w.Close()
		gzipBomb = bytes.Repeat(member.Bytes(), 10<<10)

		var br bytes.Buffer
		bw := brotli.NewWriterLevel(&br, brotli.BestSpeed)
		_, _ = io.CopyN(bw, zeros{}, 4<<30)
		_ = bw.Close()
		brBomb = br.Bytes()
	})
}

// BenchmarkBombs decodes a 10 GiB gzip bomb and a 4 GiB brotli bomb under
// the default 20 MiB envelope limit, reporting the time each takes to be
// refused and how much the heap grew while decoding it.
func BenchmarkBombs(b *testing.B) {
	makeBombs(b)
	for _, bomb := range []struct {
		name, encoding string
		body           []byte
	}{{"gzip-10GiB", "gzip", gzipBomb}, {"brotli-4GiB", "br", brBomb}} {
		b.Run(bomb.name, func(b *testing.B) {
			b.SetBytes(int64(len(bomb.body)))
			var peak uint64
			for b.Loop() {
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				_, err := decode(bomb.body, bomb.encoding, DefaultLimits.MaxEnvelopeBytes)
				runtime.ReadMemStats(&after)
				if !errors.Is(err, errTooLarge) {
					b.Fatalf("err = %v, want errTooLarge", err)
				}
				peak = max(peak, after.TotalAlloc-before.TotalAlloc)
			}
			b.ReportMetric(float64(peak)/(1<<20), "MiB-allocated/op")
			b.ReportMetric(float64(len(bomb.body))/(1<<10), "KiB-body")
		})
	}
}

// itemBomb is an envelope just under the 20 MiB limit made of ~1.5 M tiny
// items, gzipped to a few tens of KiB: what one request could make ingest
// inflate and split before it checked who sent it.
func itemBomb(tb testing.TB, header string) []byte {
	tb.Helper()
	const tiny = "{\"type\":\"a\"}\n\n"
	var body bytes.Buffer
	body.WriteString(header + "\n")
	for body.Len()+len(tiny) <= int(DefaultLimits.MaxEnvelopeBytes) {
		body.WriteString(tiny)
	}
	return compress(tb, "gzip", body.Bytes())
}

// rss is the process's resident set size in bytes.
func rss() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseUint(f[1], 10, 64)
	return pages * uint64(os.Getpagesize())
}

// peaks samples the resident set and the Go heap every few milliseconds
// until stop is called, which returns the highest values seen.
func peaks() (stop func() (rssPeak, heapPeak uint64)) {
	done := make(chan struct{})
	result := make(chan [2]uint64, 1)
	go func() {
		var top [2]uint64
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			top[0], top[1] = max(top[0], rss()), max(top[1], ms.HeapInuse)
			select {
			case <-done:
				result <- top
				return
			case <-tick.C:
			}
		}
	}()
	return func() (uint64, uint64) {
		close(done)
		r := <-result
		return r[0], r[1]
	}
}

// BenchmarkParallelBombs sends 20 item bombs (~1.5 M tiny items in 20 MiB,
// ~40 KiB gzipped) at once to an ingest server on a real socket: with a
// wrong key in X-Sentry-Auth, with a wrong key only in the envelope
// header's dsn, and with the project's own key. It reports the slowest and
// the median answer, the process's peak resident set and peak Go heap, and
// logs the statuses answered.
//
//	go test -run '^$' -bench ParallelBombs -benchtime 3x ./ingest/
func BenchmarkParallelBombs(b *testing.B) {
	const parallel = 20
	for _, sc := range []struct{ name, auth, header string }{
		{"wrong-key", "Sentry sentry_version=7, sentry_key=wrongkey", `{}`},
		{"wrong-key-in-dsn", "", `{"dsn":"http://wrongkey@127.0.0.1/1"}`},
		{"valid-key", "Sentry sentry_version=7, sentry_key=" + testKey, `{}`},
	} {
		b.Run(sc.name, func(b *testing.B) {
			bomb := itemBomb(b, sc.header)
			addr := benchServer(b)
			runtime.GC()
			debug.FreeOSMemory()
			stop := peaks()
			var durations []time.Duration
			statuses := map[int]int{}
			var mu sync.Mutex
			for b.Loop() {
				var wg sync.WaitGroup
				for range parallel {
					wg.Go(func() {
						req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/api/1/envelope/", bytes.NewReader(bomb))
						req.Header.Set("Content-Encoding", "gzip")
						if sc.auth != "" {
							req.Header.Set("X-Sentry-Auth", sc.auth)
						}
						start := time.Now()
						resp, err := http.DefaultClient.Do(req)
						took := time.Since(start)
						status := -1
						if err == nil {
							_, _ = io.Copy(io.Discard, resp.Body)
							resp.Body.Close()
							status = resp.StatusCode
						}
						mu.Lock()
						durations = append(durations, took)
						statuses[status]++
						mu.Unlock()
					})
				}
				wg.Wait()
			}
			rssPeak, heapPeak := stop()
			slices.Sort(durations)
			b.ReportMetric(float64(durations[len(durations)-1].Milliseconds()), "ms-slowest")
			b.ReportMetric(float64(durations[len(durations)/2].Milliseconds()), "ms-median")
			b.ReportMetric(float64(rssPeak)/(1<<20), "MiB-RSS-peak")
			b.ReportMetric(float64(heapPeak)/(1<<20), "MiB-heap-peak")
			b.ReportMetric(float64(len(bomb))/(1<<10), "KiB-body")
			b.Logf("%d requests of %d KiB, answered %v", len(durations), len(bomb)>>10, statuses)
		})
	}
}

// benchServer serves a test Handler (project 1, key testKey) on a local
// socket until the benchmark ends.
func benchServer(b *testing.B) string {
	b.Helper()
	blobs, err := blob.NewDir(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	app := fiber.New(fiber.Config{Immutable: true, DisableStartupMessage: true, BodyLimit: int(DefaultLimits.MaxEnvelopeBytes) + 1<<20})
	NewHandler(fixedKeys{testKey: {ProjectID: 1, Active: true}}, &recorder{}, blobs, nil, HandlerConfig{Limits: DefaultLimits}, nil, log).Register(app)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	b.Cleanup(func() { _ = app.Shutdown() })
	return ln.Addr().String()
}
