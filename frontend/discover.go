package frontend

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/gofiber/fiber/v2"
)

// discover answers a Discover table, Sentry's organization events: field=
// columns and functions (count(), p95(transaction.duration),
// count_if(…), …), query= with AND, OR and parentheses, sort= on any
// selected field, environment=, statsPeriod= or start= and end=, per_page
// and cursor. event.type:error or event.type:transaction in the query (or
// dataset=errors|transactions) picks the events read; transactions by
// default. Values are JSON numbers where they are numbers, typed in
// meta.fields and meta.units as Sentry types them. With format=csv the
// whole table (up to 100,000 rows) streams as CSV without being held in
// memory.
func (a *API) discover(c *fiber.Ctx) error {
	_, projects, err := a.orgProjectsAllowing(c, "event:read")
	if err != nil {
		return err
	}
	tq, err := a.discoverQuery(c, projects, time.Now())
	if err != nil {
		return err
	}
	if c.Query("format") == "csv" {
		return a.discoverCSV(c, tq)
	}
	pg, err := parsePage(c)
	if err != nil {
		return err
	}
	tq.Limit, tq.Offset = pg.limit+1, pg.offset
	table, err := a.events.PrepareTable(tq)
	if err != nil {
		return badQuery(err)
	}
	columns := table.Columns()
	var rows []fiber.Map
	err = table.Run(c.Context(), func(vals []any) error {
		r := make(fiber.Map, len(vals))
		for i, col := range columns {
			r[col.Name] = jsonValue(vals[i])
		}
		rows = append(rows, r)
		return nil
	})
	if err != nil {
		return err
	}
	rows = trimPage(c, pg, rows)
	if rows == nil {
		rows = []fiber.Map{}
	}
	types, units := fiber.Map{}, fiber.Map{}
	for _, col := range columns {
		types[col.Name] = col.Type
		units[col.Name] = nil
		if col.Unit != "" {
			units[col.Name] = col.Unit
		}
	}
	return c.JSON(fiber.Map{"data": rows, "meta": fiber.Map{"fields": types, "units": units, "dataset": tq.Dataset}})
}

// badQuery is the 400 for a table query the store refused, naming what it
// could not use; other errors pass through.
func badQuery(err error) error {
	if errors.Is(err, analytics.ErrBadQuery) {
		return fiber.NewError(fiber.StatusBadRequest, strings.TrimPrefix(err.Error(), analytics.ErrBadQuery.Error()+": "))
	}
	return err
}

// jsonValue is a table value as Sentry writes it: times in RFC 3339.
func jsonValue(v any) any {
	if t, ok := v.(time.Time); ok {
		return t.Format(time.RFC3339)
	}
	return v
}

// csvValue is a table value as a CSV cell.
func csvValue(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case time.Time:
		return v.Format(time.RFC3339)
	}
	return fmt.Sprint(v)
}

// maxCSVRows bounds an export.
const maxCSVRows = 100_000

func (a *API) discoverCSV(c *fiber.Ctx, tq analytics.TableQuery) error {
	tq.Limit = maxCSVRows
	// Check the query before the 200 is sent: a streamed body cannot turn
	// into an error answer later.
	table, err := a.events.PrepareTable(tq)
	if err != nil {
		return badQuery(err)
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="faultline-events.csv"`)
	log := a.log
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		out := newCSVWriter(w)
		_ = out.Write(tq.Fields)
		n := 0
		cells := make([]string, len(tq.Fields))
		err := table.Run(ctx, func(vals []any) error {
			for i, v := range vals {
				cells[i] = csvValue(v)
			}
			if err := out.Write(cells); err != nil {
				return err
			}
			if n++; n%1000 == 0 {
				out.Flush()
				return w.Flush() // a closed connection stops the query
			}
			return nil
		})
		out.Flush()
		if err != nil {
			log.Warn("CSV export stopped", "err", err, "rows", n)
		}
	})
	return nil
}
