package actors

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
)

// benchBuild is the esbuild fixture of ingest/symbolicate/testdata, from
// which benchmark bundles are made: each its own build, with a vendored
// module of a few hundred functions so that its files are the size of a
// real page's bundle (a map of 80-150 KiB, a script of 30-50 KiB).
type benchBuild struct {
	appLine  string         // the minified app, one line; frames point into it
	sourcemp map[string]any // the app's map, decoded
	mappings [][]segment    // its mappings, absolute
}

func loadBenchBuild(tb testing.TB) benchBuild {
	tb.Helper()
	js, err := os.ReadFile("../ingest/symbolicate/testdata/app.min.js")
	if err != nil {
		tb.Fatal(err)
	}
	raw, err := os.ReadFile("../ingest/symbolicate/testdata/app.min.js.map")
	if err != nil {
		tb.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		tb.Fatal(err)
	}
	lines, err := decodeMappings(m["mappings"].(string))
	if err != nil {
		tb.Fatal(err)
	}
	appLine, _, _ := strings.Cut(string(js), "\n")
	return benchBuild{appLine: appLine, sourcemp: m, mappings: lines}
}

// bundle returns build n as sentry-cli would upload it: a zip of the
// script, its map and a manifest, all carrying debugID.
func (bb benchBuild) bundle(tb testing.TB, n int, debugID string) []byte {
	tb.Helper()
	js, sm := bb.build(tb, n, debugID)
	manifest, err := json.Marshal(map[string]any{
		"debug_id": debugID, "org": "bench",
		"files": map[string]any{
			"files/_/_/dist/app.min.js": map[string]any{"url": "~/dist/app.min.js", "type": "minified_source",
				"headers": map[string]string{"debug-id": debugID, "Sourcemap": "app.min.js.map"}},
			"files/_/_/dist/app.min.js.map": map[string]any{"url": "~/dist/app.min.js.map", "type": "source_map",
				"headers": map[string]string{"debug-id": debugID}},
		},
	})
	if err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range []struct {
		name string
		data []byte
	}{{"manifest.json", manifest}, {"files/_/_/dist/app.min.js", js}, {"files/_/_/dist/app.min.js.map", sm}} {
		w, err := zw.Create(f.name)
		if err == nil {
			_, err = w.Write(f.data)
		}
		if err != nil {
			tb.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// build returns the script and map of build n: the app on line 1, as in
// the fixture, then 400-599 vendored functions, one a line, each mapped
// to its original five lines, then the build's own comment.
func (bb benchBuild) build(tb testing.TB, n int, debugID string) (js, sourceMap []byte) {
	tb.Helper()
	vendored := 400 + n%200
	m := make(map[string]any, len(bb.sourcemp)+1)
	for k, v := range bb.sourcemp {
		m[k] = v
	}
	sources := append([]any{}, m["sources"].([]any)...)
	contents := append([]any{}, m["sourcesContent"].([]any)...)
	names := append([]any{}, m["names"].([]any)...)
	vendorSource, firstName := len(sources), len(names)
	sources = append(sources, "../node_modules/listkit/index.js")

	var script, original strings.Builder
	script.WriteString(bb.appLine + "\n")
	lines := append([][]segment{}, bb.mappings...)
	for k := range vendored {
		line := fmt.Sprintf("function n%d(t,e){var r=t.length+%d;for(let o=0;o<r;o++)e(t[o],o);return r}", k, k)
		script.WriteString(line + "\n")
		fmt.Fprintf(&original, "export function forEachItem%d(items, each) {\n  const count = items.length + %d;\n"+
			"  for (let i = 0; i < count; i++) each(items[i], i);\n  return count;\n}\n\n", k, k)
		names = append(names, fmt.Sprintf("forEachItem%d", k))
		at := func(s string) int { return strings.Index(line, s) }
		first := 6 * k
		lines = append(lines, []segment{
			{fields: 4, genCol: 0, src: vendorSource, line: first, col: 0},
			{fields: 5, genCol: at(fmt.Sprintf(" n%d(", k)) + 1, src: vendorSource, line: first, col: 16, name: firstName + k},
			{fields: 4, genCol: at("var"), src: vendorSource, line: first + 1, col: 2},
			{fields: 4, genCol: at("for"), src: vendorSource, line: first + 2, col: 2},
			{fields: 4, genCol: at("e(t[o]"), src: vendorSource, line: first + 2, col: 35},
			{fields: 4, genCol: at("return"), src: vendorSource, line: first + 3, col: 2},
		})
	}
	fmt.Fprintf(&script, "/* build %d */\n//# debugId=%s\n//# sourceMappingURL=app.min.js.map\n", n, debugID)
	m["sources"], m["sourcesContent"], m["names"] = sources, append(contents, original.String()), names
	m["mappings"], m["debugId"] = encodeMappings(lines), debugID
	sourceMap, err := json.Marshal(m)
	if err != nil {
		tb.Fatal(err)
	}
	return []byte(script.String()), sourceMap
}

// segment is one mapping of a source map, its values absolute. fields is
// how many it has: 1 (a generated column alone), 4, or 5 (with a name).
type segment struct {
	fields                       int
	genCol, src, line, col, name int
}

const base64VLQ = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// decodeMappings reads a map's mappings: the generated column restarts on
// every line, the other values run on across lines as deltas.
func decodeMappings(s string) ([][]segment, error) {
	var out [][]segment
	var src, line, col, name int
	for _, text := range strings.Split(s, ";") {
		var segs []segment
		genCol := 0
		for _, field := range strings.Split(text, ",") {
			if field == "" {
				continue
			}
			var vals []int
			for i := 0; i < len(field); {
				v, n, err := decodeVLQ(field[i:])
				if err != nil {
					return nil, err
				}
				vals, i = append(vals, v), i+n
			}
			seg := segment{fields: len(vals)}
			genCol += vals[0]
			seg.genCol = genCol
			if len(vals) >= 4 {
				src, line, col = src+vals[1], line+vals[2], col+vals[3]
				seg.src, seg.line, seg.col = src, line, col
			}
			if len(vals) == 5 {
				name += vals[4]
				seg.name = name
			}
			segs = append(segs, seg)
		}
		out = append(out, segs)
	}
	return out, nil
}

func decodeVLQ(s string) (value, n int, err error) {
	shift := 0
	for n < len(s) {
		digit := strings.IndexByte(base64VLQ, s[n])
		if digit < 0 {
			return 0, 0, fmt.Errorf("%q is not base64", s[n])
		}
		n++
		value |= (digit & 31) << shift
		shift += 5
		if digit&32 == 0 {
			if value&1 == 1 {
				return -(value >> 1), n, nil
			}
			return value >> 1, n, nil
		}
	}
	return 0, 0, fmt.Errorf("VLQ %q ends early", s)
}

func encodeMappings(lines [][]segment) string {
	var b strings.Builder
	var src, line, col, name int
	for i, segs := range lines {
		if i > 0 {
			b.WriteByte(';')
		}
		genCol := 0
		for j, seg := range segs {
			if j > 0 {
				b.WriteByte(',')
			}
			encodeVLQ(&b, seg.genCol-genCol)
			genCol = seg.genCol
			if seg.fields >= 4 {
				encodeVLQ(&b, seg.src-src)
				encodeVLQ(&b, seg.line-line)
				encodeVLQ(&b, seg.col-col)
				src, line, col = seg.src, seg.line, seg.col
			}
			if seg.fields == 5 {
				encodeVLQ(&b, seg.name-name)
				name = seg.name
			}
		}
	}
	return b.String()
}

func encodeVLQ(b *strings.Builder, v int) {
	u := v << 1
	if v < 0 {
		u = -v<<1 | 1
	}
	for {
		digit := u & 31
		if u >>= 5; u > 0 {
			digit |= 32
		}
		b.WriteByte(base64VLQ[digit])
		if u == 0 {
			return
		}
	}
}

func TestMappingsRoundTrip(t *testing.T) {
	bb := loadBenchBuild(t)
	want := bb.sourcemp["mappings"].(string)
	if got := encodeMappings(bb.mappings); got != want {
		t.Fatalf("mappings re-encoded differ:\n got %.80s\nwant %.80s", got, want)
	}
}
