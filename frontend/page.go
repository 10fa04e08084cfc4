package frontend

import (
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// page is a position in a list, carried in Sentry's cursor format
// "<value>:<offset>:<is_prev>"; Faultline's lists page by offset.
type page struct {
	limit, offset int
}

const (
	defaultPageSize = 25
	maxPageSize     = 100
)

// parsePage reads limit and per_page (1 to maxPageSize, larger cut to it)
// and cursor (offsets up to maxCursorOffset).
func parsePage(c *fiber.Ctx) (page, error) {
	p := page{limit: defaultPageSize}
	for _, name := range []string{"limit", "per_page"} {
		n, err := countParam(c, name, p.limit, 1, maxPageSize)
		if err != nil {
			return p, err
		}
		p.limit = n
	}
	if cur := c.Query("cursor"); cur != "" {
		off, err := parseCursor(cur)
		if err != nil {
			return p, badParam("cursor", err)
		}
		p.offset = off
	}
	return p, nil
}

// setLink writes the Link header the way Sentry does, which is what
// sentry-cli and Sentry's API clients follow.
func setLink(c *fiber.Ctx, p page, more bool) {
	base := c.BaseURL() + c.Path()
	q := c.Request().URI().QueryArgs()
	link := func(rel string, offset, isPrev int, results bool) string {
		args := strings.Builder{}
		cursor := fmt.Sprintf("0:%d:%d", offset, isPrev)
		first := true
		q.VisitAll(func(k, v []byte) {
			if string(k) == "cursor" {
				return
			}
			if first {
				args.WriteByte('?')
			} else {
				args.WriteByte('&')
			}
			first = false
			args.WriteString(string(k) + "=" + string(v))
		})
		sep := "?"
		if !first {
			sep = "&"
		}
		return fmt.Sprintf(`<%s%s%scursor=%s>; rel="%s"; results="%t"; cursor="%s"`,
			base, args.String(), sep, cursor, rel, results, cursor)
	}
	prev := max(p.offset-p.limit, 0)
	c.Set(fiber.HeaderLink, link("previous", prev, 1, p.offset > 0)+", "+link("next", p.offset+p.limit, 0, more))
}

// trimPage cuts the one extra item a handler fetched to learn whether there
// is a next page, and writes the Link header accordingly.
func trimPage[T any](c *fiber.Ctx, p page, items []T) []T {
	more := len(items) > p.limit
	if more {
		items = items[:p.limit]
	}
	setLink(c, p, more)
	return items
}
