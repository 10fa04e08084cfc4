package frontend

import (
	"bytes"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/requestid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// syncBuffer is a log destination safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A panicking handler answers 500 with the usual error body, is logged with
// its request id, method, path and stack and counted, and the app goes on
// serving.
func TestRecoverAnswers500AndKeepsServing(t *testing.T) {
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	app := fiber.New(fiber.Config{ErrorHandler: ErrorHandler(log)})
	app.Use(requestid.New())
	reg := prometheus.NewRegistry()
	app.Use(Recover(reg, log))
	app.Get("/boom/", func(c *fiber.Ctx) error {
		var orders []int
		return c.JSON(orders[3])
	})
	app.Get("/fine/", func(c *fiber.Ctx) error { return c.SendString("ok") })

	resp, err := app.Test(httptest.NewRequest("GET", "/boom/", nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 500 || strings.TrimSpace(string(b)) != `{"detail":"internal server error"}` {
		t.Errorf("panicking handler: %d %s, want 500 {\"detail\":\"internal server error\"}", resp.StatusCode, b)
	}
	id := resp.Header.Get(fiber.HeaderXRequestID)
	if id == "" {
		t.Error("no X-Request-Id on the 500")
	}
	const counted = `
# HELP faultline_http_panics_total Requests whose handler panicked; each was answered 500 and the process kept serving.
# TYPE faultline_http_panics_total counter
faultline_http_panics_total 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(counted), "faultline_http_panics_total"); err != nil {
		t.Error(err)
	}
	out := logs.String()
	for _, want := range []string{"request_id=" + id, "method=GET", "path=/boom/", "index out of range", "recover_test.go"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}

	resp, err = app.Test(httptest.NewRequest("GET", "/fine/", nil), -1)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("after a panic: %v %v", resp, err)
	}
}
