package frontend

import (
	"bytes"
	"compress/gzip"
	"strings"
	"testing"
)

func TestOldSentryCLI(t *testing.T) {
	for ua, want := range map[string]bool{
		"sentry-cli/1.70.0":          true,
		"sentry-cli/1.9.9":           true,
		"sentry-cli/0.30.0":          true,
		"sentry-cli/1.70.1":          false,
		"sentry-cli/2.30.0 (Linux)":  false,
		"sentry-cli/3.8.0":           false,
		"curl/8.5.0":                 false,
		"":                           false,
		"Mozilla/5.0 sentry-cli/1.0": false,
	} {
		if got := oldSentryCLI(ua); got != want {
			t.Errorf("oldSentryCLI(%q) = %v, want %v", ua, got, want)
		}
	}
}

// A gzipped chunk is inflated no further than the chunk size, whatever it
// would grow to.
func TestReadChunkBounded(t *testing.T) {
	var bomb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&bomb, gzip.BestCompression)
	zeros := make([]byte, 1<<20)
	for range 64 {
		zw.Write(zeros)
	}
	zw.Close()
	var small bytes.Buffer
	zw = gzip.NewWriter(&small)
	zw.Write([]byte(strings.Repeat("function f(){}\n", 1000)))
	zw.Close()
	tests := []struct {
		name    string
		body    []byte
		gzipped bool
		want    string // error text, or "" for a chunk read whole
	}{
		{"64 MiB of zeros in a small gzip", bomb.Bytes(), true, "over the chunk size"},
		{"raw chunk over the size", make([]byte, chunkSize+1), false, "over the chunk size"},
		{"raw chunk at the size", make([]byte, chunkSize), false, ""},
		{"not gzip", []byte("plain text"), true, "not gzip"},
		{"truncated gzip", small.Bytes()[:small.Len()/2], true, "unreadable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := readChunk(bytes.NewReader(tt.body), tt.gzipped)
			if tt.want == "" {
				if err != nil || len(data) != len(tt.body) {
					t.Fatalf("read %d bytes, %v", len(data), err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one saying %q", err, tt.want)
			}
		})
	}
}
