package frontend

import (
	"fmt"
	"strconv"
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

func parsePage(c *fiber.Ctx) (page, error) {
	p := page{limit: defaultPageSize}
	for _, name := range []string{"limit", "per_page"} {
		if v := c.Query(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return p, fiber.NewError(fiber.StatusBadRequest, fmt.Sprintf("%s must be a positive number", name))
			}
			p.limit = min(n, maxPageSize)
		}
	}
	if cur := c.Query("cursor"); cur != "" {
		parts := strings.Split(cur, ":")
		off := -1
		if len(parts) == 3 {
			off, _ = strconv.Atoi(parts[1])
		}
		if off < 0 {
			return p, fiber.NewError(fiber.StatusBadRequest, fmt.Sprintf("cursor %q is not a cursor this API gave out", cur))
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
