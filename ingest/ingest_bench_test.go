package ingest

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/faultline/faultline/ingest/cputime"

	"github.com/faultline/faultline/ingest/blob"
	"github.com/gofiber/fiber/v2"
	"github.com/segmentio/kafka-go"
	"github.com/valyala/fasthttp"
)

// pythonEvent is a Python-shaped error event of about 10 KB: a 20-frame
// stack trace with context lines and locals, breadcrumbs, tags, a user and
// the usual contexts, as sentry-python sends one.
func pythonEvent(eventID string) string {
	var frames []string
	for i := range 20 {
		frames = append(frames, fmt.Sprintf(`{"filename":"shop/module_%d.py","abs_path":"/srv/app/shop/module_%d.py",`+
			`"module":"shop.module_%d","function":"handler_%d","lineno":%d,"in_app":%t,`+
			`"context_line":"    result = handler_%d(request, item)",`+
			`"pre_context":["def handler_%d(request, item):","    log.debug('start')","    item = normalize(item)"],`+
			`"post_context":["    return result","",""],`+
			`"vars":{"request":"<WSGIRequest: GET '/api/v1/items/%d'>","item":"{'id': %d, 'name': 'widget'}"}}`,
			i, i, i, i, 10+i*7, i%3 != 0, i, i, i, i))
	}
	var crumbs []string
	for i := range 8 {
		crumbs = append(crumbs, fmt.Sprintf(`{"timestamp":1764646000.%03d,"category":"httplib","type":"http","level":"info",`+
			`"data":{"method":"GET","url":"https://api.internal/items/%d","status_code":200,"reason":"OK"}}`, i, i))
	}
	return fmt.Sprintf(`{"event_id":"%s","timestamp":1764646012.345,"platform":"python","level":"error","logger":"shop",`+
		`"server_name":"web-1","release":"shop@3.2.0","environment":"production","transaction":"/api/v1/items",`+
		`"tags":{"region":"eu-west-1","customer_tier":"gold"},"user":{"id":"user-42","email":"user42@example.com","ip_address":"{{auto}}"},`+
		`"request":{"url":"https://shop.example.com/api/v1/items","method":"GET","headers":{"User-Agent":"python-requests/2.31","Accept":"*/*"}},`+
		`"contexts":{"os":{"name":"Linux","version":"6.1"},"runtime":{"name":"CPython","version":"3.11.7"},"trace":{"trace_id":"4c79f60c11214eb38604f4ae0781bfb2","span_id":"fa90fdead5f74052"}},`+
		`"breadcrumbs":{"values":[%s]},`+
		`"exception":{"values":[{"type":"ValueError","value":"invalid literal for int() with base 10: 'x'","module":"builtins",`+
		`"mechanism":{"type":"django","handled":false},"stacktrace":{"frames":[%s]}}]},`+
		`"modules":{"django":"5.0.1","requests":"2.31.0","sentry-sdk":"2.19.0"},`+
		`"sdk":{"name":"sentry.python.django","version":"2.19.0","packages":[{"name":"pypi:sentry-sdk","version":"2.19.0"}]}}`,
		eventID, strings.Join(crumbs, ","), strings.Join(frames, ","))
}

// pythonEnvelope is pythonEvent in an envelope as sentry-python frames it.
func pythonEnvelope() []byte {
	const id = "9ec79c33ec9942ab8353589fcb2e04dc"
	payload := pythonEvent(id)
	return fmt.Appendf(nil, "{\"event_id\":\"%s\",\"sent_at\":\"2026-12-02T03:40:12.345678Z\"}\n{\"type\":\"event\",\"content_type\":\"application/json\",\"length\":%d}\n%s\n",
		id, len(payload), payload)
}

// BenchmarkIngestEnvelope sends one gzipped Python error envelope through
// the envelope route of a fiber app (the handler the server mounts, with a
// producer that drops what it is given), without a socket: what ingest
// itself spends per event. cpu-ns/op is the process's CPU time (garbage
// collection included) per request.
//
//	go test -run '^$' -bench IngestEnvelope -benchmem -cpuprofile cpu.out ./ingest/
func BenchmarkIngestEnvelope(b *testing.B) {
	plain := pythonEnvelope()
	for _, enc := range []string{"gzip", "identity"} {
		b.Run(enc, func(b *testing.B) {
			body := plain
			if enc != "identity" {
				body = compress(b, enc, plain)
			}
			serve := benchHandler(b)
			var ctx fasthttp.RequestCtx
			b.ReportAllocs()
			stopCPU := cputime.Report(b)
			for b.Loop() {
				ctx.Request.Reset()
				ctx.Response.Reset()
				ctx.Request.Header.SetMethod(fasthttp.MethodPost)
				ctx.Request.SetRequestURI("/api/1/envelope/")
				ctx.Request.Header.Set("X-Sentry-Auth", "Sentry sentry_version=7, sentry_key="+testKey)
				ctx.Request.Header.Set("Content-Encoding", enc)
				ctx.Request.SetBody(body)
				serve(&ctx)
				if code := ctx.Response.StatusCode(); code != fiber.StatusOK {
					b.Fatalf("answered %d %s", code, ctx.Response.Body())
				}
			}
			stopCPU()
			b.ReportMetric(float64(len(plain)), "B-envelope")
			b.ReportMetric(float64(len(body)), "B-sent")
		})
	}
}

// discard is a Producer that drops what it is given.
type discard struct{}

func (discard) WriteMessages(context.Context, ...kafka.Message) error { return nil }

// benchHandler is the fasthttp handler of a fiber app serving a test
// Handler (project 1, key testKey) whose records go nowhere.
func benchHandler(b *testing.B) fasthttp.RequestHandler {
	b.Helper()
	blobs, err := blob.NewDir(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	app := fiber.New(fiber.Config{Immutable: true, DisableStartupMessage: true, BodyLimit: int(DefaultLimits.MaxEnvelopeBytes) + 1<<20})
	NewHandler(fixedKeys{testKey: {ProjectID: 1, Active: true}}, discard{}, blobs, nil, HandlerConfig{Limits: DefaultLimits}, nil, slog.New(slog.DiscardHandler)).Register(app)
	return app.Handler()
}
