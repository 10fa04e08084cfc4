package frontend

import (
	"bufio"
	"context"
	"errors"
	"strings"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/frontend/search"
	"github.com/gofiber/fiber/v2"
)

// discover answers a Discover-style table (Sentry's organization events):
// field= columns and aggregates, query=, sort=, per_page + cursor, over
// dataset=transactions (default) or errors; with format=csv the whole table
// (up to 100,000 rows) streams as CSV without being held in memory.
func (a *API) discover(c *fiber.Ctx) error {
	_, projects, err := a.orgProjectsAllowing(c, "event:read")
	if err != nil {
		return err
	}
	period, err := a.periodParam(c, "14d")
	if err != nil {
		return err
	}
	q, err := search.Parse(c.Query("query"), time.Now())
	if err != nil {
		return fiber.NewError(fiber.StatusBadRequest, "query: "+err.Error())
	}
	tq := analytics.TableQuery{Dataset: c.Query("dataset", "transactions"), Since: time.Now().Add(-period),
		Fields: queryList(c, "field"), Text: q.Text, Sort: c.Query("sort")}
	tq.Filters = eventFilters(q)
	tq.ProjectIDs, tq.ApdexMillis = projectScope(projects)
	if c.Query("format") == "csv" {
		return a.discoverCSV(c, tq)
	}
	pg, err := parsePage(c)
	if err != nil {
		return err
	}
	tq.Limit, tq.Offset = pg.limit+1, pg.offset
	var rows []fiber.Map
	err = a.events.Table(c.Context(), tq, func(vals []string) error {
		r := fiber.Map{}
		for i, f := range tq.Fields {
			r[f] = vals[i]
		}
		rows = append(rows, r)
		return nil
	})
	if errors.Is(err, analytics.ErrBadQuery) {
		return fiber.NewError(fiber.StatusBadRequest, strings.TrimPrefix(err.Error(), "bad query: "))
	}
	if err != nil {
		return err
	}
	rows = trimPage(c, pg, rows)
	if rows == nil {
		rows = []fiber.Map{}
	}
	return c.JSON(fiber.Map{"data": rows, "meta": fiber.Map{"fields": tq.Fields, "dataset": tq.Dataset}})
}

// maxCSVRows bounds an export.
const maxCSVRows = 100_000

func (a *API) discoverCSV(c *fiber.Ctx, tq analytics.TableQuery) error {
	tq.Limit = maxCSVRows
	// Check the query before the 200 is sent: a streamed body cannot turn
	// into an error answer later.
	table, err := a.events.PrepareTable(tq)
	if errors.Is(err, analytics.ErrBadQuery) {
		return fiber.NewError(fiber.StatusBadRequest, strings.TrimPrefix(err.Error(), "bad query: "))
	}
	if err != nil {
		return err
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
		err := table.Run(ctx, func(vals []string) error {
			if err := out.Write(vals); err != nil {
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
