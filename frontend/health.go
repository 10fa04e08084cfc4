package frontend

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Check is one dependency's health probe.
type Check struct {
	Name string
	Ping func(ctx context.Context) error
	// Reason, if set, says in a few words why Ping failed, with no address,
	// path or name in it; health answers show it instead of "unavailable".
	Reason func(error) string
}

// OpsOptions are the settings of RegisterOps.
type OpsOptions struct {
	// Details puts each failed dependency's error text in health answers
	// (FAULTLINE_HEALTH_DETAILS). Health answers anyone who can reach the
	// port, and error texts name hosts, ports, paths and user names, so by
	// default they name the dependency only and the text goes to the log.
	Details bool
	// Metrics is the server's registry, which /metrics serves (and which
	// counts the scrapes, as promhttp.Handler does). Nil serves an empty
	// registry.
	Metrics *prometheus.Registry
}

// healthz answers 200 {"status":"ok"} only when every dependency answers
// and ready (nil: always) says the process is ready, and 503 naming each
// dependency that did not answer.
func healthz(checks []Check, ready func() bool, opts OpsOptions, failures *failureLog) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ctx, cancel := context.WithTimeout(c.Context(), 3*time.Second)
		defer cancel()
		failed := fiber.Map{}
		for _, ch := range checks {
			err := ch.Ping(ctx)
			if err == nil {
				continue
			}
			failures.record(ch.Name, err)
			failed[ch.Name] = ch.shown(err, opts.Details)
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

// shown is what a health answer says of err: its text with details,
// else the check's short reason, else "unavailable".
func (ch Check) shown(err error, details bool) string {
	if details {
		return err.Error()
	}
	if ch.Reason != nil {
		if r := ch.Reason(err); r != "" {
			return r
		}
	}
	return "unavailable"
}

// failureLog logs a dependency's failed check at most once a minute per
// dependency: probes ask every few seconds, on every endpoint.
type failureLog struct {
	log   *slog.Logger
	every time.Duration
	mu    sync.Mutex
	last  map[string]time.Time // by dependency; as many as there are checks
}

func (l *failureLog) record(name string, err error) {
	now := time.Now()
	l.mu.Lock()
	if t, ok := l.last[name]; ok && now.Sub(t) < l.every {
		l.mu.Unlock()
		return
	}
	l.last[name] = now
	l.mu.Unlock()
	l.log.Warn("health check failed", "dependency", name, "err", err)
}

// RegisterOps mounts what operators and orchestrators ask every process:
// liveness (/.well-known/live), health of the dependencies its roles need
// (/.well-known/healthz, /_health/),
// readiness (/.well-known/ready: 503 until ready() says the process has
// started its roles, and while a dependency does not answer), and
// Prometheus metrics (/metrics). Failed checks are logged with their error
// text, once a minute per dependency.
func RegisterOps(app *fiber.App, checks []Check, ready func() bool, opts OpsOptions, log *slog.Logger) {
	failures := &failureLog{log: log, every: time.Minute, last: map[string]time.Time{}}
	// Liveness for orchestrators: the process serves requests. It asks no
	// dependency, so an outage of a store does not get every pod restarted.
	app.Get("/.well-known/live", func(c *fiber.Ctx) error { return c.JSON(fiber.Map{"status": "ok"}) })
	app.Get("/.well-known/healthz", healthz(checks, nil, opts, failures))
	app.Get("/_health/", healthz(checks, nil, opts, failures))
	app.Get("/_health", healthz(checks, nil, opts, failures))
	app.Get("/.well-known/ready", healthz(checks, ready, opts, failures))
	reg := opts.Metrics
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	app.Get("/metrics", adaptor.HTTPHandler(promhttp.InstrumentMetricHandler(reg, promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))))
}
