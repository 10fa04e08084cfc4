package event

import (
	"bytes"
	"encoding/json"
	cliflag "flag" // this package has a type named flag
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var update = cliflag.Bool("update", false, "rewrite the golden files in testdata from what the parsers produce now")

// goldenMeta is what ingest would say about every fixture: fixed, so that
// the output depends on the payload alone.
var goldenMeta = Meta{EventID: "0123456789abcdef0123456789abcdef", Received: received, ClientIP: "203.0.113.5"}

// TestGolden locks the shape of what the parsers produce from each SDK
// fixture: for events, the JSON the workers store as the event's payload,
// which the API and the UI read back. A renamed JSON tag, a new default or
// a changed normalization shows here as a diff. When the change is meant,
// regenerate the files and review them:
//
//	go test ./ingest/event -run TestGolden -update
func TestGolden(t *testing.T) {
	parseEvent := func(b []byte, m Meta) (any, error) { return Parse(b, m) }
	parseTransaction := func(b []byte, m Meta) (any, error) { return ParseTransaction(b, m) }
	parseSpans := func(b []byte, m Meta) (any, error) { return ParseSpans(b, m) }
	cases := []struct {
		fixture string
		parse   func([]byte, Meta) (any, error)
	}{
		{"browser", parseEvent},
		{"browser_tunnel", parseEvent},
		{"cli", parseEvent},
		{"go", parseEvent},
		{"go_ratelimit", parseEvent},
		{"node", parseEvent},
		{"node_static", parseEvent},
		{"node_ratelimit", parseEvent},
		{"python", parseEvent},
		{"python_envelope", parseEvent},
		{"ruby", parseEvent},
		{"platforms/android", parseEvent},
		{"platforms/cocoa", parseEvent},
		{"platforms/dotnet", parseEvent},
		{"platforms/java", parseEvent},
		{"platforms/php", parseEvent},
		{"go_transaction", parseTransaction},
		{"go_ratelimit_transaction", parseTransaction},
		{"node_transaction", parseTransaction},
		{"node_ratelimit_transaction", parseTransaction},
		{"python_transaction", parseTransaction},
		{"ruby_transaction", parseTransaction},
		{"node_span", parseSpans},
	}
	for _, tc := range cases {
		t.Run(tc.fixture, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", tc.fixture+".json"))
			if err != nil {
				t.Fatal(err)
			}
			v, err := tc.parse(raw, goldenMeta)
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(v, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := filepath.Join("testdata", tc.fixture+".golden.json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from %s (run with -update if the change is meant):\n%s", golden, firstDifference(want, got))
			}
		})
	}
}

// firstDifference shows the first line where got departs from want.
func firstDifference(want, got []byte) string {
	w, g := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := range max(len(w), len(g)) {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return "line " + strconv.Itoa(i+1) + ":\n  want " + wl + "\n  got  " + gl
		}
	}
	return "(no line differs)"
}
