package artifact

import (
	"archive/zip"
	"bytes"
	"errors"
	"io/fs"
	"strings"
	"testing"
)

const (
	mapID    = "b8a1b7e4-7c2e-4d3b-9b9e-0e0f1a2b3c4d"
	scriptID = "1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9"
)

type entry struct {
	name string
	body string
}

// makeZip builds a zip of entries, after an optional prefix (sentry-cli
// writes "SYSB" and a version before its zips).
func makeZip(t *testing.T, prefix string, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	buf.WriteString(prefix)
	w := zip.NewWriter(&buf)
	w.SetOffset(int64(len(prefix)))
	for _, e := range entries {
		f, err := w.Create(e.name)
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte(e.body))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const goodManifest = `{"org":"acme","release":"1.0","debug_id":"AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE","files":{
	"files/_/_/app.min.js":{"url":"~/app.min.js","type":"minified_source","headers":{"Sourcemap":"app.min.js.map"}},
	"files/_/_/app.min.js.map":{"url":"~/app.min.js.map","type":"source_map","headers":{"debug-id":"` + mapID + `"}}}}`

func goodEntries() []entry {
	return []entry{
		{"manifest.json", goodManifest},
		{"files/_/_/app.min.js", "function a(){throw new Error('x')}\n//# debugId=" + strings.ToUpper(strings.ReplaceAll(scriptID, "-", "")) + "\n"},
		{"files/_/_/app.min.js.map", `{"version":3,"sources":["app.js"],"mappings":"AAAA"}`},
	}
}

func TestReadGoodBundle(t *testing.T) {
	data := makeZip(t, "SYSB\x02\x00\x00\x00", goodEntries()...)
	b, err := Read(bytes.NewReader(data), int64(len(data)), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if b.Org != "acme" || b.Release != "1.0" || b.DebugID != "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee" || len(b.Files) != 2 {
		t.Fatalf("bundle %+v", b)
	}
	script, sm := b.Files[0], b.Files[1]
	if script.Kind != KindMinifiedSource || script.URL != "~/app.min.js" || script.Headers["sourcemap"] != "app.min.js.map" ||
		script.DebugID != scriptID {
		t.Errorf("script %+v", script)
	}
	if sm.Kind != KindSourceMap || sm.DebugID != mapID || sm.Size != int64(len(goodEntries()[2].body)) {
		t.Errorf("source map %+v", sm)
	}
	got, err := ReadFile(bytes.NewReader(data), int64(len(data)), "files/_/_/app.min.js.map", 1<<20)
	if err != nil || string(got) != goodEntries()[2].body {
		t.Errorf("ReadFile: %q %v", got, err)
	}
	if _, err := ReadFile(bytes.NewReader(data), int64(len(data)), "files/missing.js", 1<<20); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadFile of a missing file: %v", err)
	}
}

func TestReadRefuses(t *testing.T) {
	small := Limits{MaxBundleBytes: 1 << 20, MaxFiles: 3, MaxFileBytes: 1 << 10, MaxTotalBytes: 1500}
	withManifest := func(manifest string, more ...entry) []byte {
		return makeZip(t, "", append([]entry{{"manifest.json", manifest}}, more...)...)
	}
	manyFiles := make([]entry, 40)
	for i := range manyFiles {
		manyFiles[i] = entry{name: "files/" + strings.Repeat("x", i+1), body: "x"}
	}
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"not a zip", []byte("this is not a zip archive at all, just text"), "not a valid zip archive"},
		{"truncated zip", makeZip(t, "", goodEntries()...)[:200], "not a valid zip archive"},
		{"no manifest", makeZip(t, "", entry{"files/a.js", "x"}), "no manifest.json"},
		{"manifest not JSON", withManifest("{files:"), "manifest.json is not a valid manifest"},
		{"manifest names a missing file", withManifest(`{"files":{"files/a.js":{"type":"source"}}}`), "files/a.js, which is not a file"},
		{"unknown type", withManifest(`{"files":{"files/a.js":{"type":"binary"}}}`, entry{"files/a.js", "x"}), `unknown type "binary"`},
		{"source map not JSON", withManifest(`{"files":{"files/a.map":{"type":"source_map"}}}`, entry{"files/a.map", "var x = 1;"}),
			"files/a.map is not a source map"},
		{"source map broken JSON", withManifest(`{"files":{"files/a.map":{"type":"source_map"}}}`, entry{"files/a.map", `{"version":3,`}),
			"files/a.map is not a source map"},
		{"file too large", withManifest(`{"files":{"files/a.js":{"type":"source"}}}`, entry{"files/a.js", strings.Repeat("a", 2000)}),
			"over the limit of 1024"},
		{"files too large together", withManifest(`{"files":{"files/a.js":{},"files/b.js":{}}}`,
			entry{"files/a.js", strings.Repeat("a", 1000)}, entry{"files/b.js", strings.Repeat("b", 1000)}), "over 1500 bytes decompressed"},
		{"too many manifest files", withManifest(`{"files":{"a":{},"b":{},"c":{},"d":{}}}`), "lists 4 files, over the limit of 3"},
		{"too many zip entries", makeZip(t, "", manyFiles...), "40 entries, over the limit of 3 files"},
		{"duplicate entry", makeZip(t, "", entry{"manifest.json", `{"files":{}}`}, entry{"manifest.json", `{}`}), "holds manifest.json twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(bytes.NewReader(tt.data), int64(len(tt.data)), small)
			var inv *InvalidError
			if !errors.As(err, &inv) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want an InvalidError saying %q", err, tt.want)
			}
		})
	}
}

// A deflated entry whose header understates its size is still cut at the
// limit: the reader never trusts the header alone.
func TestReadBomb(t *testing.T) {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	f, _ := w.Create("manifest.json")
	f.Write([]byte(`{"files":{"files/bomb.js":{"type":"source"}}}`))
	f, _ = w.Create("files/bomb.js")
	zeros := make([]byte, 1<<20)
	for range 64 {
		f.Write(zeros)
	}
	w.Close()
	data := buf.Bytes()
	lim := DefaultLimits
	lim.MaxFileBytes = 8 << 20
	_, err := Read(bytes.NewReader(data), int64(len(data)), lim)
	if err == nil || !strings.Contains(err.Error(), "over the limit of 8388608") {
		t.Fatalf("64 MiB of zeros in a %d byte zip: %v", len(data), err)
	}
	if _, err := Read(bytes.NewReader(data), int64(len(data)), Limits{MaxBundleBytes: 100, MaxFiles: 10, MaxFileBytes: 1, MaxTotalBytes: 1}); err == nil ||
		!strings.Contains(err.Error(), "over the limit of 100 bytes") {
		t.Fatalf("bundle over MaxBundleBytes: %v", err)
	}
}

func TestNormalizeDebugID(t *testing.T) {
	for in, want := range map[string]string{
		"B8A1B7E47C2E4D3B9B9E0E0F1A2B3C4D":     mapID,
		mapID:                                  mapID,
		" " + strings.ToUpper(mapID) + "\n":    mapID,
		"not-a-uuid":                           "",
		"b8a1b7e4-7c2e-4d3b-9b9e-0e0f1a2b3c4z": "",
	} {
		if got, _ := NormalizeDebugID(in); got != want {
			t.Errorf("NormalizeDebugID(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzRead(f *testing.F) {
	f.Add(makeZip(&testing.T{}, "", goodEntries()...))
	f.Add([]byte("PK\x05\x06"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := Read(bytes.NewReader(data), int64(len(data)), DefaultLimits)
		if err == nil && b == nil {
			t.Fatal("no bundle and no error")
		}
	})
}

// BenchmarkRead checks a bundle holding a 12 MiB minified script (deflated)
// and a source map.
func BenchmarkRead(b *testing.B) {
	script := strings.Repeat("function f(a,b){return a.x+b}f(null,1);\n", 12<<20/40)
	manifest := strings.Replace(goodManifest, `"files":{`, `"files":{"files/_/_/big.js":{"url":"~/big.js","type":"minified_source"},`, 1)
	entries := append([]entry{{"manifest.json", manifest}}, goodEntries()[1:]...)
	data := makeZip(&testing.T{}, "", append(entries, entry{"files/_/_/big.js", script})...)
	b.SetBytes(int64(len(script)))
	b.ReportAllocs()
	for b.Loop() {
		bundle, err := Read(bytes.NewReader(data), int64(len(data)), DefaultLimits)
		if err != nil || len(bundle.Files) != 3 {
			b.Fatal(err)
		}
	}
}
