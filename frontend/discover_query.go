package frontend

import (
	"fmt"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/frontend/search"
	"github.com/faultline/faultline/metadata"
	"github.com/gofiber/fiber/v2"
)

// discoverQuery reads a Discover request's parameters into a table query,
// answering 400 naming the parameter it could not read.
func (a *API) discoverQuery(c *fiber.Ctx, projects []metadata.Project, now time.Time) (analytics.TableQuery, error) {
	var tq analytics.TableQuery
	since, until, err := a.discoverRange(c, now)
	if err != nil {
		return tq, err
	}
	expr, err := search.ParseBoolean(c.Query("query"))
	if err != nil {
		return tq, fiber.NewError(fiber.StatusBadRequest, "query: "+err.Error())
	}
	fromQuery, err := eventTypeDataset(expr)
	if err != nil {
		return tq, fiber.NewError(fiber.StatusBadRequest, "query: "+err.Error())
	}
	dataset := c.Query("dataset")
	switch {
	case dataset == "" || dataset == "discover":
		dataset = fromQuery
		if dataset == "" {
			dataset = "transactions"
		}
	case dataset != "errors" && dataset != "transactions":
		return tq, fiber.NewError(fiber.StatusBadRequest, fmt.Sprintf("dataset: %q: use errors or transactions", dataset))
	case fromQuery != "" && fromQuery != dataset:
		return tq, fiber.NewError(fiber.StatusBadRequest, "query: event.type asks for "+fromQuery+", dataset for "+dataset)
	}
	where, err := condOf(expr, true)
	if err != nil {
		return tq, fiber.NewError(fiber.StatusBadRequest, "query: "+err.Error())
	}
	sort := queryList(c, "sort")
	if len(sort) == 0 {
		sort = queryList(c, "orderby")
	}
	tq = analytics.TableQuery{Dataset: dataset, Since: since, Until: until, Environments: queryList(c, "environment"),
		Fields: queryList(c, "field"), Where: where, Sort: sort}
	tq.ProjectIDs, tq.ApdexMillis = projectScope(projects)
	return tq, nil
}

// discoverRange is statsPeriod (14 days by default) back from now, or
// start and end (end defaulting to now) when statsPeriod is not given.
func (a *API) discoverRange(c *fiber.Ctx, now time.Time) (since, until time.Time, err error) {
	if c.Query("statsPeriod") == "" && (c.Query("start") != "" || c.Query("end") != "") {
		start, ok, err := a.timeParam(c, "start", now)
		if err != nil {
			return since, until, err
		}
		if !ok {
			return since, until, fiber.NewError(fiber.StatusBadRequest, "start: give start with end, or statsPeriod")
		}
		end, ok, err := a.timeParam(c, "end", now)
		if err != nil {
			return since, until, err
		}
		if !ok {
			end = now
		}
		if !start.Before(end) {
			return since, until, fiber.NewError(fiber.StatusBadRequest, "start: must be before end")
		}
		return start, end, nil
	}
	period, err := a.periodParam(c, "14d")
	if err != nil {
		return since, until, err
	}
	return now.Add(-period), time.Time{}, nil
}

// eventTypeDataset is the dataset event.type terms ANDed at the top of a
// query ask for: "errors", "transactions", or "" when they say nothing.
// (event.type elsewhere, inside OR, filters as a column whose value is
// the dataset's type.)
func eventTypeDataset(e search.Expr) (string, error) {
	top := []search.Expr{e}
	if e.Op == "and" {
		top = e.Args
	}
	dataset := ""
	for _, t := range top {
		if t.Term == nil || t.Term.Key != "event.type" {
			continue
		}
		var d string
		switch t.Term.Value {
		case "transaction":
			d = "transactions"
		case "error", "default", "csp":
			d = "errors"
		default:
			return "", fmt.Errorf("event.type:%s: use event.type:error or event.type:transaction", t.Term.Value)
		}
		if t.Term.Negate {
			d = map[string]string{"errors": "transactions", "transactions": "errors"}[d]
		}
		if dataset != "" && dataset != d {
			return "", fmt.Errorf("event.type asks for both errors and transactions; one query reads one of them")
		}
		dataset = d
	}
	return dataset, nil
}

// condOf turns a parsed search into the store's conditions, leaving out
// issue properties ANDed at the top.
func condOf(e search.Expr, top bool) (analytics.Cond, error) {
	if e.Op != "" {
		out := analytics.Cond{Op: e.Op}
		for _, a := range e.Args {
			if top && e.Op == "and" && a.Term != nil && search.IssueProperty(a.Term.Key) {
				continue
			}
			c, err := condOf(a, top && e.Op == "and")
			if err != nil {
				return out, err
			}
			out.Args = append(out.Args, c)
		}
		return out, nil
	}
	if e.Term == nil {
		return analytics.Cond{Text: e.Text}, nil
	}
	if search.IssueProperty(e.Term.Key) {
		if top {
			return analytics.Cond{}, nil
		}
		return analytics.Cond{}, fmt.Errorf("%s: is a property of issues, which Discover does not read", e.Term.Key)
	}
	return analytics.Cond{Key: e.Term.Key, Value: e.Term.Value, Negate: e.Term.Negate}, nil
}
