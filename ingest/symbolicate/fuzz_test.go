package symbolicate

import (
	"testing"
)

// FuzzSourceMap feeds maps, minified files and positions from the network
// through everything a frame's lookup does with them: none may panic.
func FuzzSourceMap(f *testing.F) {
	f.Add(testdata(f, "app.min.js.map"), testdata(f, "app.min.js"), 1, 208, "s")
	f.Add([]byte(`{"version":3,"sources":["a.js"],"names":["x"],"mappings":"AAAA,IACEA;;KAAK"}`), []byte("x\ny"), 2, 3, "x.y")
	f.Add([]byte(`{"version":3,"sections":[{"offset":{"line":1,"column":0},"map":{"version":3,"sources":[],"mappings":"A"}}]}`), []byte{}, 1, 1, "")
	f.Fuzz(func(t *testing.T, raw, minified []byte, line, column int, function string) {
		r := parse("https://x.example/app.js", raw, minified, resolvedWithRelease, "m")
		if r.m == nil {
			return
		}
		tok, ok := r.m.at(line, column)
		if !ok {
			return
		}
		r.m.sourceLines(tok.source)
		functionName(eventFrame(function, line, column), r.m, &tok)
	})
}

func FuzzSourceMappingURL(f *testing.F) {
	f.Add([]byte("x\n//# sourceMappingURL=data:application/json;base64,e30=\n"))
	f.Add([]byte("//@ sourceMappingURL=%zz"))
	f.Fuzz(func(t *testing.T, minified []byte) {
		if ref := sourceMappingURL(nil, minified); ref != "" {
			decodeDataURL(ref)
			resolveURL("https://x.example/app.js", ref)
		}
	})
}
