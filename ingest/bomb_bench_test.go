package ingest

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"runtime"
	"sync"
	"testing"

	"github.com/andybalholm/brotli"
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
