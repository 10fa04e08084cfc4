package actors

import (
	"context"
	"fmt"
	"time"

	"github.com/faultline/faultline/ingest/event"
)

// symbolication returns what rewrites a batch's events before grouping
// (nil when the actor has no symbolicator) and what ends its budget. The
// batch shares one deadline: past it, events are grouped as they came
// rather than hold the batch. A panic in it is logged and counted, and the
// event is grouped with the frames mapped before it.
func (a *projectActor) symbolication(ctx context.Context) (func(*event.Event), context.CancelFunc) {
	if a.symbolicator == nil {
		return nil, func() {}
	}
	budget := a.symbolicationBudget
	if budget <= 0 {
		budget = 15 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, budget)
	return func(e *event.Event) {
		defer func() {
			if p := recover(); p != nil {
				a.log.Warn("symbolication panicked; the event is grouped with the frames mapped so far", "event", e.EventID, "panic", fmt.Sprint(p))
				if a.metrics != nil {
					a.metrics.workerPanics.WithLabelValues("symbolication").Inc()
				}
			}
		}()
		rep := a.symbolicator.Symbolicate(ctx, a.projectID, e)
		if a.metrics == nil {
			return
		}
		m := a.metrics.symbolicated
		m.WithLabelValues("mapped").Add(float64(rep.Mapped))
		m.WithLabelValues("unmapped").Add(float64(rep.Looked - rep.Mapped))
		m.WithLabelValues("skipped").Add(float64(rep.Skipped))
		if rep.TimedOut {
			a.metrics.symbolicationCut.Inc()
		}
	}, cancel
}
