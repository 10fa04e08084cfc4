package ingest

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
)

func compress(t testing.TB, encoding string, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w io.WriteCloser
	switch encoding {
	case "gzip":
		w = gzip.NewWriter(&buf)
	case "deflate":
		w = zlib.NewWriter(&buf)
	case "raw-deflate":
		w, _ = flate.NewWriter(&buf, flate.DefaultCompression)
	case "br":
		w = brotli.NewWriterLevel(&buf, brotli.BestSpeed)
	case "zstd":
		w, _ = zstd.NewWriter(&buf)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDecode(t *testing.T) {
	payload := []byte(strings.Repeat(`{"message":"hello"}`, 100))
	cases := []struct {
		name, header string
		body         []byte
		limit        int64
		wantErr      string
		tooLarge     bool
	}{
		{name: "identity", header: "", body: payload, limit: 1 << 20},
		{name: "empty header value (sentry-ruby)", header: " ", body: payload, limit: 1 << 20},
		{name: "gzip", header: "gzip", body: compress(t, "gzip", payload), limit: 1 << 20},
		{name: "deflate (zlib)", header: "deflate", body: compress(t, "deflate", payload), limit: 1 << 20},
		{name: "deflate (raw)", header: "deflate", body: compress(t, "raw-deflate", payload), limit: 1 << 20},
		{name: "brotli", header: "br", body: compress(t, "br", payload), limit: 1 << 20},
		{name: "zstd", header: "zstd", body: compress(t, "zstd", payload), limit: 1 << 20},
		{name: "brotli over limit", header: "br", body: compress(t, "br", payload), limit: 100, tooLarge: true},
		{name: "zstd over limit", header: "zstd", body: compress(t, "zstd", payload), limit: 100, tooLarge: true},
		{name: "broken zstd", header: "zstd", body: []byte("not zstd at all"), limit: 1 << 20, wantErr: "decompressed"},
		{name: "identity over limit", header: "", body: payload, limit: 10, tooLarge: true},
		{name: "gzip over limit", header: "gzip", body: compress(t, "gzip", payload), limit: 100, tooLarge: true},
		{name: "broken gzip", header: "gzip", body: []byte("not gzip"), limit: 1 << 20, wantErr: "not valid gzip"},
		{name: "unknown encoding", header: "snappy", body: payload, limit: 1 << 20, wantErr: "unsupported Content-Encoding"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := decode(tc.body, tc.header, tc.limit)
			switch {
			case tc.tooLarge:
				if !errors.Is(err, errTooLarge) {
					t.Fatalf("err = %v, want errTooLarge", err)
				}
			case tc.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
			case err != nil:
				t.Fatal(err)
			case !bytes.Equal(out, payload):
				t.Fatalf("decoded %d bytes, want the %d-byte payload", len(out), len(payload))
			}
		})
	}
}

// Bombs (64 MiB of zeros in a few KiB) stop at the limit, in every encoding.
func TestDecodeBomb(t *testing.T) {
	for _, enc := range []string{"gzip", "deflate", "br", "zstd"} {
		bomb := compress(t, enc, make([]byte, 64<<20))
		if _, err := decode(bomb, enc, 1<<20); !errors.Is(err, errTooLarge) {
			t.Errorf("%s bomb of %d bytes: err = %v, want errTooLarge", enc, len(bomb), err)
		}
	}
}

func BenchmarkDecodeBomb(b *testing.B) {
	bomb := compress(b, "gzip", make([]byte, 64<<20))
	b.SetBytes(int64(len(bomb)))
	b.ReportAllocs()
	for b.Loop() {
		_, _ = decode(bomb, "gzip", 20<<20)
	}
}

func FuzzDecode(f *testing.F) {
	for _, enc := range []string{"gzip", "deflate", "br", "zstd"} {
		f.Add(enc, compress(f, enc, []byte(`{"message":"hello"}`)))
	}
	f.Add("", []byte("plain"))
	f.Fuzz(func(t *testing.T, encoding string, body []byte) {
		const limit = 1 << 16
		out, err := decode(body, encoding, limit)
		if err == nil && len(out) > limit {
			t.Fatalf("decoded %d bytes past the %d-byte limit", len(out), limit)
		}
	})
}
