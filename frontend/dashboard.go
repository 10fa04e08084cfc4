package frontend

import (
	_ "embed"

	"github.com/gofiber/fiber/v2"
)

//go:embed static/index.html
var indexHTML []byte

// dashboard serves the landing page; the full single-page app replaces it.
func dashboard(c *fiber.Ctx) error {
	c.Type("html", "utf-8")
	return c.Send(indexHTML)
}

//go:embed openapi.json
var openAPI []byte

// openAPIDocument serves the API's description; a test checks it against
// the router, route by route.
func openAPIDocument(c *fiber.Ctx) error {
	c.Type("json", "utf-8")
	return c.Send(openAPI)
}
