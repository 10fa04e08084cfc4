package frontend

import (
	"encoding/json"
	"testing"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/metadata"
)

// The event API shows what symbolication stored: the minified frames as
// rawStacktrace and each frame's data, in Sentry's camelCase shape.
func TestEventJSONShowsSymbolication(t *testing.T) {
	tests := []struct {
		name      string
		payload   string
		wantRaw   []string // rawStacktrace's filenames, nil for none
		wantData  []string // each mapped frame's data, "" for none
		wantLines []int
	}{
		{
			name: "mapped and unmapped frames",
			payload: `{"exception":[{"type":"TypeError","value":"x is undefined","stacktrace":{"frames":[
				{"filename":"src/cart.ts","lineno":12,"colno":5,"function":"addItem","context_line":"x.y()","pre_context":["a","b"],"data":{"symbolicated":true,"resolved_with":"debug-id","sourcemap":"d3b0"}},
				{"filename":"https://shop.example/vendor.min.js","lineno":1,"colno":900,"data":{"symbolicated":false,"unmapped_reason":"no_sourcemap"}}]},
				"raw_stacktrace":{"frames":[{"filename":"https://shop.example/app.min.js","lineno":1,"colno":4051,"function":"a"},
				{"filename":"https://shop.example/vendor.min.js","lineno":1,"colno":900}]}}]}`,
			wantRaw:   []string{"https://shop.example/app.min.js", "https://shop.example/vendor.min.js"},
			wantData:  []string{`{"symbolicated":true,"resolved_with":"debug-id","sourcemap":"d3b0"}`, `{"symbolicated":false,"unmapped_reason":"no_sourcemap"}`},
			wantLines: []int{12, 1},
		},
		{
			name:      "never symbolicated",
			payload:   `{"exception":[{"type":"Error","stacktrace":{"frames":[{"filename":"app.js","lineno":3}]}}]}`,
			wantData:  []string{""},
			wantLines: []int{3},
		},
		{
			name:      "null data is left out",
			payload:   `{"exception":[{"type":"Error","stacktrace":{"frames":[{"filename":"app.js","lineno":3,"data":null}]}}]}`,
			wantData:  []string{""},
			wantLines: []int{3},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := newEventJSON(analytics.EventRow{EventID: "e1", Payload: []byte(tt.payload)}, metadata.Issue{})
			if err != nil {
				t.Fatal(err)
			}
			b, err := json.Marshal(out)
			if err != nil {
				t.Fatal(err)
			}
			var got struct {
				Entries []struct {
					Type string
					Data struct {
						Values []struct {
							Stacktrace *struct {
								Frames []struct {
									LineNo int
									Data   json.RawMessage
								}
							}
							RawStacktrace *struct {
								Frames []struct{ Filename string }
							} `json:"rawStacktrace"`
						}
					}
				}
			}
			if err := json.Unmarshal(b, &got); err != nil || len(got.Entries) == 0 || len(got.Entries[0].Data.Values) != 1 {
				t.Fatalf("event JSON %s: %v", b, err)
			}
			ex := got.Entries[0].Data.Values[0]
			var raw []string
			if ex.RawStacktrace != nil {
				for _, f := range ex.RawStacktrace.Frames {
					raw = append(raw, f.Filename)
				}
			}
			if len(raw) != len(tt.wantRaw) || (len(raw) > 0 && (raw[0] != tt.wantRaw[0] || raw[len(raw)-1] != tt.wantRaw[len(tt.wantRaw)-1])) {
				t.Errorf("rawStacktrace filenames %q, want %q (%s)", raw, tt.wantRaw, b)
			}
			if len(ex.Stacktrace.Frames) != len(tt.wantData) {
				t.Fatalf("%d frames, want %d", len(ex.Stacktrace.Frames), len(tt.wantData))
			}
			for i, f := range ex.Stacktrace.Frames {
				if string(f.Data) != tt.wantData[i] || f.LineNo != tt.wantLines[i] {
					t.Errorf("frame %d: data %s line %d, want %s line %d", i, f.Data, f.LineNo, tt.wantData[i], tt.wantLines[i])
				}
			}
		})
	}
}
