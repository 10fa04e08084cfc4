package main

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata/metadatatest"
)

const bundleDebugID = "2f1d3c4b-5a69-4788-96a5-b4c3d2e1f0a9"

// testBundle is an artifact bundle as sentry-cli writes one ("SYSB" and a
// version before the zip), with a minified script, its source map, and
// extra bytes of random data stored uncompressed to make it that large.
func testBundle(t *testing.T, extra int) []byte {
	t.Helper()
	var buf bytes.Buffer
	buf.WriteString("SYSB\x02\x00\x00\x00")
	w := zip.NewWriter(&buf)
	w.SetOffset(8)
	manifest := `{"org":"acme","release":"1.0","files":{
		"files/_/_/app.min.js":{"url":"~/app.min.js","type":"minified_source","headers":{"debug-id":"` + bundleDebugID + `","Sourcemap":"app.min.js.map"}},
		"files/_/_/app.min.js.map":{"url":"~/app.min.js.map","type":"source_map","headers":{"debug-id":"` + bundleDebugID + `"}},
		"files/_/_/padding.js":{"url":"~/padding.js","type":"source"}}}`
	for name, body := range map[string]string{
		"manifest.json":            manifest,
		"files/_/_/app.min.js":     "function f(){throw new Error('boom')}f();\n//# sourceMappingURL=app.min.js.map\n",
		"files/_/_/app.min.js.map": `{"version":3,"sources":["app.js"],"names":[],"mappings":"AAAA","debugId":"` + bundleDebugID + `"}`,
	} {
		f, _ := w.Create(name)
		f.Write([]byte(body))
	}
	f, _ := w.CreateHeader(&zip.FileHeader{Name: "files/_/_/padding.js", Method: zip.Store})
	io.CopyN(f, rand.Reader, int64(extra))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sha1Hex(b []byte) string {
	s := sha1.Sum(b)
	return hex.EncodeToString(s[:])
}

// chunked splits data as sentry-cli does: chunkSize pieces and their SHA-1s.
func chunked(data []byte, size int) (pieces [][]byte, sums []string) {
	for len(data) > 0 {
		n := min(size, len(data))
		pieces, sums = append(pieces, data[:n]), append(sums, sha1Hex(data[:n]))
		data = data[n:]
	}
	return pieces, sums
}

type chunkOptions struct {
	URL              string   `json:"url"`
	ChunkSize        int      `json:"chunkSize"`
	ChunksPerRequest int      `json:"chunksPerRequest"`
	MaxFileSize      int64    `json:"maxFileSize"`
	MaxRequestSize   int      `json:"maxRequestSize"`
	Concurrency      int      `json:"concurrency"`
	HashAlgorithm    string   `json:"hashAlgorithm"`
	Compression      []string `json:"compression"`
	Accept           []string `json:"accept"`
}

type assembleReply struct {
	State         string   `json:"state"`
	MissingChunks []string `json:"missingChunks"`
	Detail        *string  `json:"detail"`
}

// postChunks sends chunks in one multipart request, named by the SHA-1s
// given, gzipped into "file_gzip" parts or raw into "file" parts.
func postChunks(t *testing.T, c apiClient, url string, pieces [][]byte, names []string, gz bool) (int, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for i, p := range pieces {
		field := "file"
		if gz {
			field = "file_gzip"
		}
		part, _ := mw.CreateFormFile(field, names[i])
		if gz {
			zw := gzip.NewWriter(part)
			zw.Write(p)
			zw.Close()
		} else {
			part.Write(p)
		}
	}
	mw.Close()
	return sendRaw(t, c, "POST", url, mw.FormDataContentType(), body.Bytes())
}

func sendRaw(t *testing.T, c apiClient, method, url, contentType string, body []byte) (int, string) {
	t.Helper()
	if strings.HasPrefix(url, "/") {
		url = c.base + url
	}
	req, _ := http.NewRequest(method, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("User-Agent", "sentry-cli/3.8.0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func assemble(t *testing.T, c apiClient, path string, body any) (int, assembleReply) {
	t.Helper()
	raw, _ := json.Marshal(body)
	code, text := sendRaw(t, c, "POST", path, "application/json", raw)
	var reply assembleReply
	if code == http.StatusOK {
		if err := json.Unmarshal([]byte(text), &reply); err != nil {
			t.Fatalf("assemble answer %q: %v", text, err)
		}
		if reply.MissingChunks == nil {
			t.Fatalf("assemble answer %s has no missingChunks array", text)
		}
	}
	return code, reply
}

// TestSourceMapUpload drives the chunk upload protocol over HTTP as
// sentry-cli 3.x does: options, assemble (which names the missing chunks),
// gzipped chunks, assemble again until ok.
func TestSourceMapUpload(t *testing.T) {
	cfg := testConfig(t)
	srv := testServerWith(t, cfg)
	owner := metadatatest.Project(t, srv.db, testSecret)
	api := apiClient{t: t, base: "http://" + srv.addr, token: owner.Token}
	org := "/api/0/organizations/" + owner.Organization

	readOnly, err := srv.db.CreateToken(t.Context(), owner.UserID, "read only", []string{"org:read", "project:read"})
	if err != nil {
		t.Fatal(err)
	}
	if code := (apiClient{t: t, base: api.base, token: readOnly.Token}).get(org+"/chunk-upload/", nil); code != http.StatusForbidden {
		t.Errorf("chunk-upload options with a read-only token: %d, want 403", code)
	}
	uploader, err := srv.db.CreateToken(t.Context(), owner.UserID, "uploads", []string{"project:releases"})
	if err != nil {
		t.Fatal(err)
	}
	api.token = uploader.Token // what sentry-cli's docs have users create

	var opts chunkOptions
	if code := api.get(org+"/chunk-upload/", &opts); code != http.StatusOK {
		t.Fatalf("chunk-upload options: %d", code)
	}
	if opts.URL != org+"/chunk-upload/" || opts.ChunkSize != 8<<20 || opts.HashAlgorithm != "sha1" || opts.ChunksPerRequest < 2 ||
		fmt.Sprint(opts.Compression) != "[gzip]" || !strings.Contains(fmt.Sprint(opts.Accept), "artifact_bundles_v2") ||
		opts.MaxFileSize != 100<<20 || opts.Concurrency < 1 {
		t.Fatalf("options %+v", opts)
	}
	// Two chunks, the first a full one of random bytes: one request of
	// maxRequestSize must fit under the server's body limit.
	bundle := testBundle(t, opts.ChunkSize+1<<20)
	pieces, sums := chunked(bundle, opts.ChunkSize)
	if len(pieces) != 2 || len(bundle) > opts.MaxRequestSize {
		t.Fatalf("test bundle of %d bytes in %d chunks", len(bundle), len(pieces))
	}
	checksum := sha1Hex(bundle)
	req := map[string]any{"checksum": checksum, "chunks": sums, "projects": []string{owner.Project}, "version": "1.0"}

	code, reply := assemble(t, api, org+"/artifactbundle/assemble/", req)
	if code != http.StatusOK || reply.State != "not_found" || fmt.Sprint(reply.MissingChunks) != fmt.Sprint(sums) {
		t.Fatalf("first assemble: %d %+v, want not_found missing %v", code, reply, sums)
	}
	if code, body := postChunks(t, api, opts.URL, pieces[:1], sums[1:], true); code != http.StatusBadRequest ||
		!strings.Contains(body, "SHA-1") {
		t.Fatalf("chunk under another chunk's name: %d %s, want 400", code, body)
	}
	if code, body := postChunks(t, api, opts.URL, pieces, sums, true); code != http.StatusOK {
		t.Fatalf("upload chunks: %d %s", code, body)
	}
	for i := range 2 { // the second call finds the assembly done
		code, reply = assemble(t, api, org+"/artifactbundle/assemble/", req)
		if code != http.StatusOK || reply.State != "ok" || len(reply.MissingChunks) != 0 || reply.Detail != nil {
			t.Fatalf("assemble %d after upload: %d %+v", i+1, code, reply)
		}
	}
	chunkDir := filepath.Join(cfg.DataDir, "attachments", "artifacts", fmt.Sprint(owner.OrganizationID), "chunks")
	if left, err := os.ReadDir(chunkDir); err != nil || len(left) != 0 {
		t.Errorf("%d chunks left after assembly (%v)", len(left), err)
	}

	var bundles []struct {
		ID, Checksum string
		FileCount    int      `json:"fileCount"`
		DebugIDs     []string `json:"debugIds"`
		Associations []struct{ Release, Dist string }
	}
	if code := api.get("/api/0/projects/"+owner.Organization+"/"+owner.Project+"/files/artifact-bundles/", &bundles); code != http.StatusOK ||
		len(bundles) != 1 || bundles[0].Checksum != checksum || bundles[0].FileCount != 3 ||
		fmt.Sprint(bundles[0].DebugIDs) != "["+bundleDebugID+"]" || len(bundles[0].Associations) != 1 || bundles[0].Associations[0].Release != "1.0" {
		t.Fatalf("bundles: %d %+v", code, bundles)
	}
	counts, err := srv.db.ReleaseFileCounts(t.Context(), owner.OrganizationID, []string{"1.0"})
	if err != nil || counts["1.0"] != 3 {
		t.Errorf("release file counts %v %v", counts, err)
	}

	// A corrupt bundle: uploaded raw, it assembles into an error that says
	// why, and stays one.
	corrupt := []byte("PK\x03\x04 this was a zip before it was cut short")
	if code, body := postChunks(t, api, opts.URL, [][]byte{corrupt}, []string{sha1Hex(corrupt)}, false); code != http.StatusOK {
		t.Fatalf("upload corrupt chunk: %d %s", code, body)
	}
	bad := map[string]any{"checksum": sha1Hex(corrupt), "chunks": []string{sha1Hex(corrupt)}, "projects": []string{owner.Project}}
	for i := range 2 {
		code, reply = assemble(t, api, org+"/artifactbundle/assemble/", bad)
		if code != http.StatusOK || reply.State != "error" || reply.Detail == nil || !strings.Contains(*reply.Detail, "not a valid zip") {
			t.Fatalf("assemble %d of a corrupt bundle: %d %+v", i+1, code, reply)
		}
	}

	// Assembled (or refused) chunks leave nothing for the sweeper.
	stale, err := srv.db.StaleChunks(t.Context(), time.Now().Add(time.Hour), 1_000_000)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range stale {
		if c.OrgID == owner.OrganizationID {
			t.Errorf("chunk %s is still noted after its assembly", c.Checksum)
		}
	}

	// 200 MB in 8 MiB chunks is refused before any chunk is sent.
	var many []string
	for i := range 200 << 20 / opts.ChunkSize {
		many = append(many, sha1Hex([]byte{byte(i)}))
	}
	big := map[string]any{"checksum": sha1Hex([]byte("big")), "chunks": many, "projects": []string{owner.Project}}
	if code, body := sendRaw(t, api, "POST", org+"/artifactbundle/assemble/", "application/json", mustJSON(big)); code != http.StatusRequestEntityTooLarge ||
		!strings.Contains(body, "104857600") {
		t.Fatalf("a 200 MB bundle: %d %s, want 413 naming the limit", code, body)
	}
	if code, body := sendRaw(t, api, "POST", org+"/artifactbundle/assemble/", "application/json",
		mustJSON(map[string]any{"checksum": checksum, "chunks": sums, "projects": []string{"no-such-project"}})); code != http.StatusBadRequest {
		t.Errorf("assemble for an unknown project: %d %s", code, body)
	}
	metrics := scrape(t, srv)
	for _, want := range []string{`outcome="chunk_stored"} 3`, `outcome="chunk_refused"} 1`, `outcome="bundle_ok"} 1`,
		`outcome="bundle_error"} 1`, `outcome="bundle_too_large"} 1`} {
		if !strings.Contains(metrics, "faultline_artifact_uploads_total{"+want) {
			t.Errorf("metrics lack faultline_artifact_uploads_total{%s", want)
		}
	}
}

// TestReleaseFileUpload covers the older protocol: single files posted to
// a release, and a bundle assembled for a release.
func TestReleaseFileUpload(t *testing.T) {
	srv := testServer(t)
	owner := metadatatest.Project(t, srv.db, testSecret)
	api := apiClient{t: t, base: "http://" + srv.addr, token: owner.Token}
	files := "/api/0/organizations/" + owner.Organization + "/releases/2.0/files/"

	upload := func(name string) (int, string) {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		part, _ := mw.CreateFormFile("file", "app.min.js")
		part.Write([]byte("function f(){}\x00"))
		mw.WriteField("name", name)
		mw.WriteField("header", "Sourcemap: app.min.js.map")
		mw.Close()
		return sendRaw(t, api, "POST", files, mw.FormDataContentType(), body.Bytes())
	}
	if code, body := upload("~/static/app.min.js"); code != http.StatusNotFound {
		t.Fatalf("upload to a release that does not exist: %d %s", code, body)
	}
	metadatatest.Release(t, owner.OrganizationID, "2.0", owner.ProjectID)
	code, body := upload("~/static/app.min.js")
	if code != http.StatusCreated || !strings.Contains(body, `"sourcemap":"app.min.js.map"`) || !strings.Contains(body, `"size":15`) {
		t.Fatalf("upload: %d %s", code, body)
	}
	if code, body := upload("~/static/app.min.js"); code != http.StatusConflict {
		t.Errorf("same name again: %d %s, want 409", code, body)
	}
	var listed []struct{ Name string }
	if code := api.get(files, &listed); code != http.StatusOK || len(listed) != 1 || listed[0].Name != "~/static/app.min.js" {
		t.Errorf("list: %d %+v", code, listed)
	}

	bundle := testBundle(t, 10)
	_, sums := chunked(bundle, 8<<20)
	if code, body := postChunks(t, api, "/api/0/organizations/"+owner.Organization+"/chunk-upload/", [][]byte{bundle}, sums, true); code != http.StatusOK {
		t.Fatalf("upload chunk: %d %s", code, body)
	}
	code, reply := assemble(t, api, "/api/0/organizations/"+owner.Organization+"/releases/2.0/assemble/",
		map[string]any{"checksum": sha1Hex(bundle), "chunks": sums})
	if code != http.StatusOK || reply.State != "ok" {
		t.Fatalf("release assemble: %d %+v", code, reply)
	}
	counts, err := srv.db.ReleaseFileCounts(t.Context(), owner.OrganizationID, []string{"2.0"})
	if err != nil || counts["2.0"] != 4 {
		t.Errorf("release file counts %v %v, want 4 (one file, three in the bundle)", counts, err)
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
