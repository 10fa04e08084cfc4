package event

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/faultline/faultline/ingest/cputime"
)

// largePythonEvent is shaped like what sentry-python sends for an error in a
// web handler: a 20-frame stack trace with source context and local
// variables, breadcrumbs, a request, contexts and tags; about 10 KB.
func largePythonEvent() []byte {
	var frames []string
	for i := range 20 {
		inApp := i >= 14
		module, file := fmt.Sprintf("django.core.handlers.layer%d", i), fmt.Sprintf("django/core/handlers/layer%d.py", i)
		if inApp {
			module, file = fmt.Sprintf("shop.views.checkout%d", i), fmt.Sprintf("shop/views/checkout%d.py", i)
		}
		frames = append(frames, fmt.Sprintf(`{"filename":%q,"abs_path":"/srv/app/%s","module":%q,"function":"handle_step_%d","lineno":%d,"in_app":%v,
			"context_line":"        response = self.step(request, order_id)",
			"pre_context":["    def handle(self, request):","        order_id = request.GET[\"order\"]"],
			"post_context":["        return response"],
			"vars":{"self":"<Checkout object at 0x7f3a%04x>","order_id":"'ord_%d'","retries":%d}}`,
			file, file, module, i, 40+i, inApp, i, 1000+i, i%3))
	}
	payload := []byte(`{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","timestamp":"2026-11-21T23:23:25.953124Z","platform":"python","level":"error",
		"logger":"django.request","server_name":"web-3","release":"shop@2.14.1","environment":"production",
		"sdk":{"name":"sentry.python.django","version":"2.19.0","packages":[{"name":"pypi:sentry-sdk","version":"2.19.0"}],"integrations":["django","logging","stdlib"]},
		"user":{"id":"u-1042","email":"dana@example.com","ip_address":"{{auto}}"},
		"tags":{"tenant":"acme","region":"eu-west-1","url":"/checkout/confirm"},
		"contexts":{"runtime":{"name":"CPython","version":"3.12.4","build":"3.12.4 (main, Jun  7 2024, 06:33:07) [GCC 12.2.0]"},
			"trace":{"trace_id":"4c79f60c11214eb38604f4ae0781bfb2","span_id":"fa90fdead5f74052","op":"http.server","status":"internal_error"},
			"os":{"name":"Linux","version":"6.1.0"}},
		"request":{"url":"https://shop.example.com/checkout/confirm","method":"POST","query_string":"order=ord_1042&step=confirm",
			"headers":{"Host":"shop.example.com","User-Agent":"Mozilla/5.0 (X11; Linux x86_64) Firefox/132.0","Accept":"text/html","Content-Type":"application/x-www-form-urlencoded"},
			"env":{"SERVER_NAME":"web-3","SERVER_PORT":"8000"}},
		"breadcrumbs":{"values":[
			{"timestamp":"2026-11-21T23:23:24.101Z","type":"default","category":"django.db","level":"info","message":"SELECT id, total FROM orders WHERE id = %s"},
			{"timestamp":"2026-11-21T23:23:24.512Z","type":"http","category":"httplib","data":{"url":"https://payments.example.com/v1/charge","method":"POST","status_code":402}},
			{"timestamp":"2026-11-21T23:23:25.001Z","type":"default","category":"shop","level":"warning","message":"payment declined for order ord_1042"}]},
		"modules":{"django":"5.1.3","sentry-sdk":"2.19.0","requests":"2.32.3"},
		"extra":{"sys.argv":["manage.py","runserver"]},
		"exception":{"values":[
			{"type":"PaymentDeclined","value":"card declined for order ord_1042","module":"shop.payments","mechanism":{"type":"django","handled":false},
			"stacktrace":{"frames":[` + strings.Join(frames[18:], ",") + `]}},
			{"type":"RuntimeError","value":"checkout failed","mechanism":{"type":"django","handled":false},
			"stacktrace":{"frames":[` + strings.Join(frames, ",") + `]}}]}}`)
	var compact bytes.Buffer
	if err := json.Compact(&compact, payload); err != nil {
		panic(err)
	}
	return compact.Bytes()
}

// workerMeta is goldenMeta as a worker has it for a record ingest scanned.
var workerMeta = func() Meta { m := goldenMeta; m.Checked = true; return m }()

// BenchmarkParseGroup is the CPU an error event costs a worker: parse,
// group and marshal the payload that is stored.
func BenchmarkParseGroup(b *testing.B) {
	payloads := map[string][]byte{"python_large": largePythonEvent()}
	for _, n := range []string{"node", "browser", "go", "ruby", "python"} {
		raw, err := os.ReadFile("testdata/" + n + ".json")
		if err != nil {
			b.Fatal(err)
		}
		payloads[n] = raw
	}
	for _, n := range []string{"python_large", "node", "browser", "go", "ruby", "python"} {
		payload := payloads[n]
		b.Run(n, func(b *testing.B) {
			b.SetBytes(int64(len(payload)))
			b.ReportAllocs()
			defer cputime.Report(b)()
			for b.Loop() {
				e, err := Parse(payload, workerMeta)
				if err != nil {
					b.Fatal(err)
				}
				Group(e)
				if _, err := e.AppendJSON(make([]byte, 0, len(payload)+1024)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestLargePythonEventParses(t *testing.T) {
	payload := largePythonEvent()
	if n := len(payload); n < 8000 || n > 14000 {
		t.Errorf("the large Python event is %d bytes, want about 10 KB", n)
	}
	e, err := Parse(payload, goldenMeta)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Exceptions) != 2 || len(e.Exceptions[1].Stacktrace.Frames) != 20 || len(e.Breadcrumbs) != 3 || len(e.Tags) != 3 {
		t.Fatalf("parsed %d exceptions, %d breadcrumbs, %d tags", len(e.Exceptions), len(e.Breadcrumbs), len(e.Tags))
	}
	if g := Group(e); g.Title != "RuntimeError: checkout failed" || g.Culprit != "shop.views.checkout19 in handle_step_19" {
		t.Errorf("title %q, culprit %q", g.Title, g.Culprit)
	}
}

// A worker's parse, group and encode of a 10 KB Python error allocates
// about 200 objects. Decoding through encoding/json's reflection (with a
// nested Unmarshal per custom field) and encoding with json.Marshal made
// 672, and the collector's work grew with them.
func TestLargePythonEventAllocations(t *testing.T) {
	payload := largePythonEvent()
	allocs := testing.AllocsPerRun(20, func() {
		e, err := Parse(payload, workerMeta)
		if err != nil {
			t.Fatal(err)
		}
		Group(e)
		if _, err := e.AppendJSON(make([]byte, 0, len(payload)+1024)); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 300 {
		t.Errorf("parse, group and encode of a %d-byte Python error: %.0f allocations, want at most 300", len(payload), allocs)
	}
}

// BenchmarkParseTransaction is the CPU a transaction costs a worker's parse:
// a Python request with 50 spans (SQL with literals, HTTP calls with ids in
// the path, cache keys), about 19 KB.
//
//	go test -run '^$' -bench ParseTransaction -benchmem ./ingest/event/
func BenchmarkParseTransaction(b *testing.B) {
	payload, err := os.ReadFile("testdata/python_transaction_50_spans.json")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	defer cputime.Report(b)()
	for b.Loop() {
		tr, err := ParseTransaction(payload, workerMeta)
		if err != nil || len(tr.Spans) != 50 {
			b.Fatalf("%v spans, err %v", tr, err)
		}
	}
}
