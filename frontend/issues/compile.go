package issues

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/frontend/search"
	"github.com/faultline/faultline/metadata"
)

// eventSet stands, in a condition being compiled, for the issues with an
// event meeting the terms of set number i, until ClickHouse names them.
type eventSet int

// compiler turns a parsed search into one PostgreSQL condition. Conditions
// on events become sets of event terms, answered together by one
// ClickHouse question; positive event conditions ANDed side by side form
// one set (one event must meet them all), any other is a set of its own.
// Statuses, and assignees, ANDed side by side are one list: the issue has
// any of them.
type compiler struct {
	f    *Finder
	s    Search
	sets [][]analytics.EventTerm
}

func (f *Finder) compile(ctx context.Context, s Search, since time.Time) (metadata.IssueCond, error) {
	c := &compiler{f: f, s: s}
	cond, err := c.node(ctx, s.Query.Root)
	if err != nil || len(c.sets) == 0 {
		return cond, err
	}
	pids := make([]uint64, len(s.ProjectIDs))
	for i, id := range s.ProjectIDs {
		pids[i] = uint64(id)
	}
	found, err := f.events.IssuesWithEventSets(ctx, pids, since, c.sets)
	if err != nil {
		return cond, fmt.Errorf("search events: %w", err)
	}
	if len(found) != len(c.sets) {
		return cond, fmt.Errorf("search events: %d answers to %d questions", len(found), len(c.sets))
	}
	fill(&cond, found)
	return cond, nil
}

// fill puts the issues found for each event set in its place.
func fill(c *metadata.IssueCond, found [][]uint64) {
	if i, ok := c.Value.(eventSet); ok {
		c.Value = toInt64(found[i])
	}
	for j := range c.Args {
		fill(&c.Args[j], found)
	}
}

func (c *compiler) node(ctx context.Context, n search.Node) (metadata.IssueCond, error) {
	if n.Op == "" {
		if n.Cond == nil {
			return metadata.MatchAll, nil
		}
		return c.leaf(ctx, *n.Cond)
	}
	out := metadata.IssueCond{Op: n.Op}
	var together []analytics.EventTerm
	var statuses []string
	people := metadata.IssueCond{Op: "or"}
	for _, a := range n.Args {
		positive := n.Op == "and" && a.Op == "" && a.Cond != nil && !a.Cond.Negate
		if positive && a.Cond.Event() && len(search.Values(a.Cond.Value)) == 1 {
			together = append(together, eventTerm(*a.Cond))
			continue
		}
		if positive && a.Cond.Kind == search.KindStatus {
			// is:unresolved is:ignored means either, as it always has.
			statuses = append(statuses, search.Values(a.Cond.Value)...)
			continue
		}
		if positive && a.Cond.Kind == search.KindAssigned && len(search.Values(a.Cond.Value)) == 1 {
			// So does assigned:me assigned:#ops.
			who, err := c.assigned(ctx, search.Values(a.Cond.Value)[0])
			if err != nil {
				return out, err
			}
			people.Args = append(people.Args, who)
			continue
		}
		arg, err := c.node(ctx, a)
		if err != nil {
			return out, err
		}
		out.Args = append(out.Args, arg)
	}
	if len(statuses) > 0 {
		out.Args = append([]metadata.IssueCond{{Field: metadata.FieldStatus, Value: statuses}}, out.Args...)
	}
	switch len(people.Args) {
	case 0:
	case 1:
		out.Args = append(out.Args, people.Args[0])
	default:
		out.Args = append(out.Args, people)
	}
	if len(together) > 0 {
		out.Args = append(out.Args, c.events(together))
	}
	return out, nil
}

// events is the condition "has an event meeting every term".
func (c *compiler) events(terms []analytics.EventTerm) metadata.IssueCond {
	c.sets = append(c.sets, terms)
	return metadata.IssueCond{Field: metadata.FieldID, Value: eventSet(len(c.sets) - 1)}
}

func eventTerm(c search.Cond) analytics.EventTerm {
	switch c.Kind {
	case search.KindHas:
		return analytics.EventTerm{Key: c.Value}
	case search.KindEventTime:
		return analytics.EventTerm{Key: "event.timestamp", From: c.Range.After, To: c.Range.Before}
	case search.KindEventID:
		return analytics.EventTerm{Key: "event.id", Value: c.Value}
	}
	return analytics.EventTerm{Key: c.Key, Value: search.Values(c.Value)[0]} // a list is split before
}

func (c *compiler) leaf(ctx context.Context, cond search.Cond) (metadata.IssueCond, error) {
	var out metadata.IssueCond
	values := search.Values(cond.Value)
	switch cond.Kind {
	case search.KindText:
		out = metadata.IssueCond{Field: metadata.FieldText, Value: cond.Value}
	case search.KindStatus:
		out = metadata.IssueCond{Field: metadata.FieldStatus, Value: values}
	case search.KindLevel:
		out = metadata.IssueCond{Field: metadata.FieldLevel, Value: values}
	case search.KindFirstRelease:
		out = metadata.IssueCond{Field: metadata.FieldFirstRelease, Value: values}
	case search.KindFirstSeen:
		out = timeRange(metadata.FieldFirstSeen, cond.Range)
	case search.KindLastSeen:
		out = timeRange(metadata.FieldLastSeen, cond.Range)
	case search.KindTimesSeen:
		out = metadata.IssueCond{Field: metadata.FieldTimesSeen, Cmp: cond.Cmp, Value: cond.Count}
	case search.KindBookmarks:
		who, err := c.person(ctx, "bookmarks", cond.Value)
		if err != nil {
			return out, err
		}
		out = metadata.IssueCond{Field: metadata.FieldBookmarkedBy, Value: who}
	case search.KindShortID:
		out = metadata.IssueCond{Field: metadata.FieldShortID, Value: metadata.ShortID{Project: cond.Key, Number: cond.Count}}
	case search.KindAssigned:
		out = metadata.IssueCond{Op: "or"}
		for _, who := range values {
			one, err := c.assigned(ctx, who)
			if err != nil {
				return out, err
			}
			out.Args = append(out.Args, one)
		}
	case search.KindTag:
		// A list is any of its values: a set for each.
		out = metadata.IssueCond{Op: "or"}
		for _, v := range values {
			one := cond
			one.Value = v
			out.Args = append(out.Args, c.events([]analytics.EventTerm{eventTerm(one)}))
		}
	default:
		if !cond.Event() {
			return out, fmt.Errorf("search: condition %s:%s has no issue condition", cond.Key, cond.Value)
		}
		out = c.events([]analytics.EventTerm{eventTerm(cond)})
	}
	if out.Op == "or" && len(out.Args) == 1 {
		out = out.Args[0]
	}
	out.Not = cond.Negate
	return out, nil
}

// timeRange is a time after and/or before bounds.
func timeRange(field string, r search.Range) metadata.IssueCond {
	out := metadata.IssueCond{Op: "and"}
	if !r.After.IsZero() {
		out.Args = append(out.Args, metadata.IssueCond{Field: field, Cmp: ">=", Value: r.After})
	}
	if !r.Before.IsZero() {
		out.Args = append(out.Args, metadata.IssueCond{Field: field, Cmp: "<", Value: r.Before})
	}
	return out
}

// assigned is the condition an assignee names. A team or person who is not
// there matches no issue, as in Sentry.
func (c *compiler) assigned(ctx context.Context, who string) (metadata.IssueCond, error) {
	s := c.s
	switch {
	case who == "me":
		return metadata.IssueCond{Field: metadata.FieldAssignee, Value: []int64{s.UserID}}, nil
	case who == "none":
		return metadata.IssueCond{Field: metadata.FieldUnassigned}, nil
	case len(who) > 1 && who[0] == '#':
		team, err := c.f.people.TeamBySlug(ctx, s.OrgID, who)
		if errors.Is(err, metadata.ErrNotFound) {
			return metadata.MatchNone, nil
		} else if err != nil {
			return metadata.IssueCond{}, fmt.Errorf("assigned:%s: %w", who, err)
		}
		return metadata.IssueCond{Field: metadata.FieldTeam, Value: []int64{team.ID}}, nil
	}
	ids, err := c.person(ctx, "assigned", who)
	return metadata.IssueCond{Field: metadata.FieldAssignee, Value: ids}, err
}

// person is the ids of the user a term names: me, or a member's email
// (none for someone who is not a member).
func (c *compiler) person(ctx context.Context, key, who string) ([]int64, error) {
	if who == "me" {
		return []int64{c.s.UserID}, nil
	}
	ids, err := c.f.people.UserIDsByEmail(ctx, c.s.OrgID, []string{who})
	if err != nil {
		return nil, fmt.Errorf("%s:%s: %w", key, who, err)
	}
	if ids == nil {
		ids = []int64{} // nobody: an empty list, not NULL
	}
	return ids, nil
}
