package event

import "testing"

// BenchmarkAppendJSON is the JSON a worker stores for the 10 KB Python
// event, written into a reused buffer as storedPayload does.
func BenchmarkAppendJSON(b *testing.B) {
	e, err := Parse(largePythonEvent(), workerMeta)
	if err != nil {
		b.Fatal(err)
	}
	buf, _ := e.AppendJSON(nil)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if buf, err = e.AppendJSON(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
}
