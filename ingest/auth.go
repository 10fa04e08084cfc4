package ingest

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// authKey extracts sentry_key from an X-Sentry-Auth (or Authorization)
// header value such as "Sentry sentry_version=7, sentry_key=abc, ...".
func authKey(header string) string {
	header = strings.TrimSpace(header)
	if len(header) >= 7 && strings.EqualFold(header[:7], "sentry ") {
		header = header[7:]
	}
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok && strings.TrimSpace(k) == "sentry_key" {
			return strings.Trim(strings.TrimSpace(v), `"`)
		}
	}
	return ""
}

// dsnKey extracts the public key and project id from a DSN such as
// https://KEY@host/PATH/PROJECT.
func dsnKey(dsn string) (key, project string) {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return "", ""
	}
	path := strings.TrimSuffix(u.Path, "/")
	return u.User.Username(), path[strings.LastIndexByte(path, '/')+1:]
}

// authorized does what the endpoints whose key is in the request's headers
// or query do first, before anything of the body is read: CORS headers, the
// project id in the path, and the key checked against it.
func (h *Handler) authorized(c *fiber.Ctx) (key string, k Key, err error) {
	allowOrigin(c)
	pathProject, err := projectParam(c)
	if err != nil {
		return "", Key{}, err
	}
	key = requestKey(c)
	k, err = h.authorize(c, key, pathProject)
	return key, k, err
}

// envelopeKey reads the DSN key from the envelope header's dsn, for clients
// that send it nowhere else. Only the first envelopeHeaderMax bytes of the
// body are decompressed for it: a header line longer than that, or one that
// is not JSON, names no key.
func (h *Handler) envelopeKey(c *fiber.Ctx) (string, error) {
	prefix, more, err := h.decompress(c, envelopeHeaderMax)
	if err != nil {
		return "", err
	}
	line, rest := cutLine(prefix)
	if rest == nil && more {
		return "", nil
	}
	var header envelopeHeader
	if readHeader(line, &header) != nil {
		return "", nil
	}
	key, _ := dsnKey(header.DSN)
	return key, nil
}

// requestKey finds the DSN key in X-Sentry-Auth, Authorization or the
// sentry_key query parameter.
func requestKey(c *fiber.Ctx) string {
	if k := authKey(c.Get("X-Sentry-Auth")); k != "" {
		return k
	}
	if k := authKey(c.Get(fiber.HeaderAuthorization)); k != "" {
		return k
	}
	return c.Query("sentry_key")
}

func (h *Handler) authorize(c *fiber.Ctx, key string, pathProject int64) (Key, error) {
	ctx := c.UserContext()
	if key == "" {
		return Key{}, fiber.NewError(fiber.StatusUnauthorized,
			"missing DSN key: send it in X-Sentry-Auth, the sentry_key query parameter or the envelope header's dsn")
	}
	k, err := h.keys.get(ctx, key)
	if err != nil {
		h.log.Error("DSN key lookup failed", "err", err)
		return Key{}, unavailable("DSN keys cannot be checked right now")
	}
	switch {
	case k.unknown:
		return Key{}, fiber.NewError(fiber.StatusUnauthorized, "unknown DSN key")
	case !k.Active:
		return Key{}, fiber.NewError(fiber.StatusForbidden, "DSN key is disabled")
	case k.ProjectID != pathProject:
		return Key{}, fiber.NewError(fiber.StatusForbidden,
			fmt.Sprintf("DSN key does not belong to project %d", pathProject))
	}
	if err := checkOrigin(c, k.Key); err != nil {
		return Key{}, err
	}
	return k.Key, nil
}
