package ingest

import (
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// originAllowed reports whether a browser origin matches a project's list:
// "*", an exact origin ("https://shop.example.com"), a host
// ("shop.example.com", any scheme and port) or a host wildcard
// ("*.example.com", the domain and its subdomains).
func originAllowed(origin string, allowed []string) bool {
	if len(allowed) == 0 {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	host := strings.ToLower(u.Hostname())
	for _, pattern := range allowed {
		p := strings.ToLower(strings.TrimSpace(pattern))
		switch {
		case p == "*":
			return true
		case strings.Contains(p, "://"):
			if strings.TrimSuffix(p, "/") == strings.ToLower(u.Scheme+"://"+u.Host) {
				return true
			}
		case strings.HasPrefix(p, "*."):
			if host == p[2:] || strings.HasSuffix(host, p[1:]) {
				return true
			}
		case host == p:
			return true
		}
	}
	return false
}

// checkOrigin refuses a browser request from an origin the project does not
// allow. Requests without an Origin header (server SDKs) are not browser
// requests and pass.
func checkOrigin(c *fiber.Ctx, k Key) error {
	origin := c.Get(fiber.HeaderOrigin)
	if origin == "" || originAllowed(origin, k.AllowedOrigins) {
		return nil
	}
	return fiber.NewError(fiber.StatusForbidden, "origin "+origin+" is not allowed to send events to this project")
}
