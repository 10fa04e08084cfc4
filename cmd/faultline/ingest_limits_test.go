package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata/metadatatest"
)

// itemBomb is a gzipped envelope of ~1.5 M tiny items just under the 20 MiB
// envelope limit: about 40 KiB on the wire.
func itemBomb(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	w, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	_, _ = w.Write([]byte("{}\n"))
	tiny := []byte("{\"type\":\"a\"}\n\n")
	chunk := bytes.Repeat(tiny, 4096)
	for n := 3; n+len(chunk) <= 20<<20; n += len(chunk) {
		_, _ = w.Write(chunk)
	}
	_ = w.Close()
	return b.Bytes()
}

// A compression bomb is answered 401 at once when its key is wrong, and 413
// when its key is right, whatever its 1.5 M items.
func TestIngestBombs(t *testing.T) {
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	bomb := itemBomb(t)
	for _, tc := range []struct {
		name, key string
		status    int
		within    time.Duration
	}{
		{"unknown key", "0123456789abcdef0123456789abcdef", http.StatusUnauthorized, time.Second},
		{"project's key", proj.PublicKey, http.StatusRequestEntityTooLarge, 10 * time.Second},
	} {
		start := time.Now()
		resp, body := postEnvelope(t, srv.addr, proj.ProjectID, tc.key, string(bomb), map[string]string{"Content-Encoding": "gzip"})
		if took := time.Since(start); resp.StatusCode != tc.status || took > tc.within {
			t.Errorf("%s: %d KiB bomb answered %d %s after %s; want %d within %s", tc.name, len(bomb)>>10, resp.StatusCode, body, took, tc.status, tc.within)
		}
	}
}

// Attachments count against a key's rate limit: on a key limited to one
// item an hour, the second of five 5 MB attachment-only envelopes is
// refused, and only the accepted one's file is on disk.
func TestIngestAttachmentRateLimit(t *testing.T) {
	cfg := testConfig(t)
	srv := testServerWith(t, cfg)
	proj := metadatatest.Project(t, srv.db, testSecret)
	if err := srv.db.SetKeyRateLimit(context.Background(), proj.PublicKey, 1, time.Hour); err != nil {
		t.Fatal(err)
	}
	const size = 5 << 20
	envelope := `{"event_id":"0ef7d9cd86b9412082fee68473d5a5d6"}` + "\n" +
		`{"type":"attachment","length":` + strconv.Itoa(size) + `,"filename":"core.bin"}` + "\n" + strings.Repeat("z", size) + "\n"
	var statuses []int
	var last *http.Response
	for range 5 {
		resp, _ := postEnvelope(t, srv.addr, proj.ProjectID, proj.PublicKey, envelope, nil)
		statuses = append(statuses, resp.StatusCode)
		last = resp
	}
	if fmt.Sprint(statuses) != "[200 429 429 429 429]" {
		t.Fatalf("statuses %v, want one accepted then 429s", statuses)
	}
	if limits := last.Header.Get("X-Sentry-Rate-Limits"); last.Header.Get("Retry-After") == "" || !strings.Contains(limits, "attachment") {
		t.Errorf("Retry-After %q, X-Sentry-Rate-Limits %q; want the attachment category named", last.Header.Get("Retry-After"), limits)
	}
	var files []string
	_ = filepath.WalkDir(filepath.Join(cfg.DataDir, "attachments"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if len(files) != 1 {
		t.Errorf("%d attachment files on disk, want the accepted one: %v", len(files), files)
	}
}
