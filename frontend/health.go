package frontend

import (
	"context"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Check is one dependency's health probe.
type Check struct {
	Name string
	Ping func(ctx context.Context) error
}

// healthz answers 200 {"status":"ok"} only when every dependency answers
// and ready (nil: always) says the process is ready, and 503 naming each
// dependency that did not answer.
func healthz(checks []Check, ready func() bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ctx, cancel := context.WithTimeout(c.Context(), 3*time.Second)
		defer cancel()
		failed := fiber.Map{}
		for _, ch := range checks {
			if err := ch.Ping(ctx); err != nil {
				failed[ch.Name] = err.Error()
			}
		}
		if len(failed) > 0 {
			return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "unavailable", "failed": failed})
		}
		if ready != nil && !ready() {
			return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "starting"})
		}
		return c.JSON(fiber.Map{"status": "ok"})
	}
}

// RegisterOps mounts what operators and orchestrators ask every process:
// liveness (/.well-known/live), health of the dependencies its roles need
// (/.well-known/healthz, /_health/),
// readiness (/.well-known/ready: 503 until ready() says the process has
// started its roles, and while a dependency does not answer), and
// Prometheus metrics (/metrics).
func RegisterOps(app *fiber.App, checks []Check, ready func() bool) {
	// Liveness for orchestrators: the process serves requests. It asks no
	// dependency, so an outage of a store does not get every pod restarted.
	app.Get("/.well-known/live", func(c *fiber.Ctx) error { return c.JSON(fiber.Map{"status": "ok"}) })
	app.Get("/.well-known/healthz", healthz(checks, nil))
	app.Get("/_health/", healthz(checks, nil))
	app.Get("/_health", healthz(checks, nil))
	app.Get("/.well-known/ready", healthz(checks, ready))
	app.Get("/metrics", adaptor.HTTPHandler(promhttp.Handler()))
}
