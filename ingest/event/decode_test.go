package event

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// decodeSamples are the shapes where a decoder could part from encoding/json:
// wrong types at every level, null, repeated and case-folded names, escaped
// names, numbers in strings, empty and shrinking lists.
var decodeSamples = []string{
	`{}`, `{"event_id":null,"user":null,"tags":null,"exception":null}`,
	`{"message":"m","MESSAGE":"upper","Message":"mixed"}`, `{"EVENT_ID":"x","event_id":"y","Event_Id":"z"}`,
	`{"event\u005fid":"escaped","lev\u0065l":"warning"}`, `{"ſdk":{"a":1},"Kontexts":{}}`,
	`{"user":"x"}`, `{"user":5}`, `{"user":[1]}`, `{"user":{"id":1,"email":true,"username":null,"ip_address":{}}}`,
	`{"user":{"id":"a"},"user":{"email":"b"}}`, `{"user":{"id":"a"},"user":null,"user":{"email":"c"}}`,
	`{"exception":[{"type":"A","value":"x"}],"exception":[{"type":"B"}]}`,
	`{"exception":[{"type":"A"},{"type":"B"}],"exception":[{"value":"v"}]}`,
	`{"exception":[],"breadcrumbs":{"values":[]}}`, `{"exception":{"values":null}}`, `{"exception":{"values":"x"}}`,
	`{"exception":[null,1,"s",{"stacktrace":"x"},{"stacktrace":{"frames":null}},{"stacktrace":{"frames":[null,{"lineno":"12","colno":-1,"in_app":"true"}]}}]}`,
	`{"exception":{"values":[{"stacktrace":{"frames":[{"pre_context":"x","post_context":[1,null,"a"],"vars":[1]}]}}]}}`,
	`{"breadcrumbs":[{"timestamp":"2026-11-21T23:23:24.101Z","level":"WARN","data":{"a":[1]}},{"timestamp":1795303252.5},{"timestamp":"x"},{}]}`,
	`{"tags":[["a","b"],["c"],[1,2],null,"x",["",""]],"fingerprint":["{{ default }}",1,null,true]}`,
	`{"tags":{"a":"b","a":"c","":"d","n":1,"o":{}}}`, `{"tags":"x"}`, `{"tags":[]}`,
	`{"logentry":{"message":"a %s b %s","params":["x",2]},"message":{"formatted":"f"}}`,
	`{"message":{"message":"only"},"logentry":"plain"}`, `{"message":["x"]}`,
	`{"debug_meta":{"images":[{"type":"sourcemap","debug_id":"d","code_file":"c"},null,"x"]}}`, `{"debug_meta":"x"}`,
	`{"timestamp":"1795303252.5","level":7,"platform":true,"release":null}`,
	`{"transaction":"t","start_timestamp":1795303252,"timestamp":1795303253.25,"contexts":{"trace":{"trace_id":"a-b","op":"http","data":{"http.response.status_code":"503"}},"response":{"status_code":"x"}}}`,
	`{"contexts":"x","request":"x","measurements":{"lcp":{"value":1.5},"fcp":{"value":"2"},"cls":null,"x":{"value":true}}}`,
	`{"measurements":{"lcp":{"value":"abc"}}}`, `{"measurements":[1]}`, `{"measurements":{"a":{"value":1},"a":{"unit":"ms"}}}`,
	`{"spans":[{"span_id":"s","start_timestamp":1,"timestamp":2,"description":"SELECT 1"},null,"x",{"op":{}}]}`,
	`{"request":{"method":"get"},"request":{"url":"u"}}`, `{"request":{"METHOD":"post"}}`,
	` {"a":[1,2,{"b":[]}],"b":{"c":{"d":"\ud83d\ude00\u00e9\ud800"}}} `, `{"event_id":"` + strings.Repeat("a", 40) + `"}`,
	`[]`, `"x"`, `1`, `null`, `{"a":1,}`, `{"a"}`, `{"exception":[1,]}`, `{`, ``,
}

// decodeAsStdlib decodes doc into a T with encoding/json and with this
// package's decoder, and fails if they differ: in whether the document is
// refused, and in every field decoded.
func decodeAsStdlib[T any](t testing.TB, doc []byte) {
	t.Helper()
	var want, got T
	stdErr := json.Unmarshal(doc, &want)
	var typeErr *json.UnmarshalTypeError
	if errors.As(stdErr, &typeErr) {
		stdErr = nil
	}
	ourErr := unmarshal(doc, &got)
	if (stdErr == nil) != (ourErr == nil) {
		t.Fatalf("%T from %q: encoding/json says %v, the decoder says %v", got, doc, stdErr, ourErr)
	}
	if stdErr == nil && !reflect.DeepEqual(want, got) {
		t.Fatalf("%T from %q:\nencoding/json %#v\nthe decoder   %#v", got, doc, want, got)
	}
}

// decodeEveryWireType runs decodeAsStdlib for each wire struct, and for the
// element types the lenient lists decode with this decoder on both sides.
func decodeEveryWireType(t testing.TB, doc []byte) {
	decodeAsStdlib[wire](t, doc)
	decodeAsStdlib[wireTransaction](t, doc)
	decodeAsStdlib[[]wireExc](t, doc)
	decodeAsStdlib[[]wireCrumb](t, doc)
	decodeAsStdlib[[]wireImage](t, doc)
	decodeAsStdlib[[][]text](t, doc)
	decodeAsStdlib[struct {
		Values []wireExc `json:"values"`
	}](t, doc)
	decodeAsStdlib[struct {
		Formatted text   `json:"formatted"`
		Message   text   `json:"message"`
		Params    []text `json:"params"`
	}](t, doc)
	decodeAsStdlib[struct {
		N  int     `json:"n"`
		U  uint8   `json:"u"`
		F  float32 `json:"f"`
		B  bool    `json:"b"`
		S  string  `json:"s"`
		P  *float64
		A  any `json:"a"`
		M  map[string]int
		Sk string `json:"-"`
	}](t, doc)
}

func TestDecodeAsStdlib(t *testing.T) {
	for _, s := range decodeSamples {
		decodeEveryWireType(t, []byte(s))
	}
	for _, doc := range sdkPayloads(t) {
		decodeEveryWireType(t, doc)
	}
	extra := []string{`{"n":1.5,"u":300,"f":1e40,"b":"true","s":7,"P":2.5,"a":{"x":[1]},"M":{"a":1,"b":"x"},"Sk":"y"}`,
		`{"n":-3,"u":255,"f":-0.5,"b":false,"s":"\u00e9","p":null,"a":null,"m":null,"sk":1}`, `{"N":"1","U":-1,"M":[]}`}
	for _, s := range extra {
		decodeEveryWireType(t, []byte(s))
	}
}

func FuzzDecodeAsStdlib(f *testing.F) {
	addPayloadSeeds(f)
	f.Fuzz(func(t *testing.T, doc []byte) {
		decodeEveryWireType(t, doc)
	})
}

// addPayloadSeeds seeds a fuzz target with decodeSamples and the SDKs'
// payloads.
func addPayloadSeeds(f *testing.F) {
	for _, s := range decodeSamples {
		f.Add([]byte(s))
	}
	for _, doc := range sdkPayloads(f) {
		f.Add(doc)
	}
}

// sdkPayloads are the events and transactions real SDKs sent, as kept in
// testdata for the golden tests.
func sdkPayloads(t testing.TB) [][]byte {
	paths, err := filepath.Glob("testdata/*.json")
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob("testdata/platforms/*.json")
	var docs [][]byte
	for _, p := range append(paths, more...) {
		if strings.HasSuffix(p, ".golden.json") {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, b)
	}
	if len(docs) < 10 {
		t.Fatalf("only %d SDK payloads in testdata", len(docs))
	}
	return docs
}

// Arrays are decoded into scratch slices kept between documents: nothing
// of one document's elements may show in the next one's, at any depth.
func TestDecodeScratchDoesNotLeak(t *testing.T) {
	type frame struct {
		Function string         `json:"function"`
		Vars     map[string]int `json:"vars"`
		Pre      []string       `json:"pre"`
	}
	type doc struct {
		Frames []frame `json:"frames"`
	}
	first := `{"frames":[{"function":"a","vars":{"x":1},"pre":["p1","p2"]},{"function":"b"},{"function":"c","pre":["p3"]}]}`
	second := `{"frames":[{"vars":{"y":2}},{"pre":[]}]}`
	var d doc
	if err := decodeValid([]byte(first), &d); err != nil || len(d.Frames) != 3 || d.Frames[2].Pre[0] != "p3" {
		t.Fatalf("first: %+v %v", d, err)
	}
	firstFrames := d.Frames
	var e doc
	if err := decodeValid([]byte(second), &e); err != nil {
		t.Fatal(err)
	}
	want := doc{Frames: []frame{{Vars: map[string]int{"y": 2}}, {Pre: []string{}}}}
	if !reflect.DeepEqual(e, want) {
		t.Errorf("second document: %+v, want %+v", e, want)
	}
	if firstFrames[0].Function != "a" || firstFrames[0].Pre[1] != "p2" || firstFrames[1].Function != "b" {
		t.Errorf("the first document's frames changed under it: %+v", firstFrames)
	}
}
