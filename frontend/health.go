package frontend

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Check is one dependency's health probe.
type Check struct {
	Name string
	Ping func(ctx context.Context) error
}

// healthz answers 200 {"status":"ok"} only when every dependency answers,
// and 503 naming each that did not.
func healthz(checks []Check) fiber.Handler {
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
		return c.JSON(fiber.Map{"status": "ok"})
	}
}
