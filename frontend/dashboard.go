package frontend

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
)

// The dashboard, built from frontend/app by `npm run build` into
// static/app and committed; a test checks that the committed build matches
// the sources.
//
//go:embed all:static/app
var dashboardFiles embed.FS

// emailLinkPages are the dashboard pages an email links to.
var emailLinkPages = []string{"accept-invite", "reset-password", "verify-email"}

// registerDashboard serves the single-page app under /app/: files by name,
// and index.html for every other path, so deep links survive a reload.
func registerDashboard(app *fiber.App) {
	sub, err := fs.Sub(dashboardFiles, "static/app")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	app.Get("/", func(c *fiber.Ctx) error { return c.Redirect("/app/", fiber.StatusFound) })
	// Links in emails and invitation answers name these pages; the app
	// lives under /app/, so links without that prefix still land on it.
	for _, page := range emailLinkPages {
		app.Get("/"+page+"/:token", func(c *fiber.Ctx) error {
			to := "/app" + c.Path()
			if q := c.Request().URI().QueryString(); len(q) > 0 {
				to += "?" + string(q)
			}
			return c.Redirect(to, fiber.StatusFound)
		})
	}
	app.Use("/app", func(c *fiber.Ctx) error {
		// Built assets have content hashes in their names: cache them for
		// good; the page itself must always be fresh.
		if strings.HasPrefix(c.Path(), "/app/assets/") {
			c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
		} else {
			c.Set(fiber.HeaderCacheControl, "no-cache")
		}
		return c.Next()
	}, filesystem.New(filesystem.Config{Root: http.FS(sub), Index: "index.html", NotFoundFile: "index.html"}))
}

//go:embed openapi.json
var openAPI []byte

// openAPIDocument serves the API's description; a test checks it against
// the router, route by route.
func openAPIDocument(c *fiber.Ctx) error {
	c.Type("json", "utf-8")
	return c.Send(openAPI)
}
