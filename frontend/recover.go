package frontend

import (
	"fmt"
	"log/slog"
	"runtime/debug"

	"github.com/faultline/faultline/ingest/promreg"
	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
)

// newHTTPPanics registers on reg the count of requests whose handler
// panicked (served at /metrics); a nil reg registers it nowhere.
func newHTTPPanics(reg prometheus.Registerer) prometheus.Counter {
	return promreg.Register(promreg.Or(reg), prometheus.NewCounter(prometheus.CounterOpts{Name: "faultline_http_panics_total",
		Help: "Requests whose handler panicked; each was answered 500 and the process kept serving."}))
}

// Recover turns a panic in any later handler into a 500
// {"detail":"internal server error"}, logs it with the request id, method,
// path and stack, and counts it in faultline_http_panics_total, so one
// request cannot end every role of the process. Install it right after
// requestid, before every route. The counter is registered on reg; nil
// registers it nowhere.
func Recover(reg prometheus.Registerer, log *slog.Logger) fiber.Handler {
	httpPanics := newHTTPPanics(reg)
	return func(c *fiber.Ctx) (err error) {
		defer func() {
			p := recover()
			if p == nil {
				return
			}
			httpPanics.Inc()
			log.Error("request handler panicked; answered 500", "request_id", c.GetRespHeader(fiber.HeaderXRequestID),
				"method", c.Method(), "path", c.Path(), "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			err = fiber.NewError(fiber.StatusInternalServerError, "internal server error")
		}()
		return c.Next()
	}
}
