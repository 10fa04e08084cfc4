package monitor

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/metadata"
)

// Messages a monitor's actor handles.
type (
	tick      struct{}
	checkDone struct {
		result Result
		known  bool // false: nothing can be said yet (a cron job never due)
	}
	// update carries a monitor's new settings.
	update struct{ m metadata.Monitor }
)

// monitorActor owns one monitor: it schedules its checks, runs them off its
// mailbox, folds results into the state and records and announces changes.
type monitorActor struct {
	m       metadata.Monitor
	state   State
	deps    *deps
	timer   *time.Timer
	running bool
	cancel  context.CancelFunc
	log     *slog.Logger
}

func newMonitorActor(m metadata.Monitor, d *deps) *monitorActor {
	return &monitorActor{m: m, deps: d, log: d.log.With("monitor", m.ID),
		state: State{IsUp: m.IsUp, Failures: m.Failures, TLSReported: m.TLSReportedDays}}
}

func (a *monitorActor) Receive(c actor.Context) {
	defer func() {
		if p := recover(); p != nil {
			// Left to protoactor, the actor would be restarted with the
			// settings it was spawned with, its old timer still ticking,
			// and stopped for good past ten restarts in ten seconds.
			a.deps.metrics.monitorPanics.WithLabelValues("actor").Inc()
			a.log.Error("monitor actor panicked; checking on", "message", fmt.Sprintf("%T", c.Message()), "panic", fmt.Sprint(p),
				"stack", string(debug.Stack()))
			if _, stopping := c.Message().(*actor.Stopping); !stopping {
				a.schedule(c, a.period())
			}
		}
	}()
	switch msg := c.Message().(type) {
	case *actor.Started:
		a.schedule(c, a.firstDelay())
	case *tick:
		if a.running {
			a.schedule(c, a.period())
			return
		}
		a.running = true
		ctx, cancel := context.WithCancel(context.Background())
		a.cancel = cancel
		m, self, root := a.m, c.Self(), c.ActorSystem().Root
		a.deps.inFlight.Add(1)
		go func() {
			defer a.deps.inFlight.Done()
			r, known := a.deps.runRecovered(ctx, m)
			root.Send(self, &checkDone{result: r, known: known})
		}()
	case *checkDone:
		a.running = false
		a.cancel()
		if msg.known {
			a.record(msg.result)
		}
		a.schedule(c, a.period())
	case *update:
		a.m = msg.m
		if msg.m.IsUp == nil { // what it checks changed: start over
			a.state = State{}
		}
		a.schedule(c, time.Second)
	case *actor.Stopping:
		if a.timer != nil {
			a.timer.Stop()
		}
		if a.cancel != nil {
			a.cancel()
		}
	}
}

// schedule sends the actor a tick after d, replacing any pending one.
func (a *monitorActor) schedule(c actor.Context, d time.Duration) {
	if a.timer != nil {
		a.timer.Stop()
	}
	self, root := c.Self(), c.ActorSystem().Root
	a.timer = time.AfterFunc(time.Duration(float64(d)/a.deps.scale), func() { root.Send(self, &tick{}) })
}

// period is the time between checks: the interval for uptime checks; 30 s
// for cron monitors, whose runs are judged against their schedule; at most
// a minute for heartbeats, so a stopped or resumed job shows within a
// minute of its deadline.
func (a *monitorActor) period() time.Duration {
	switch a.m.Kind {
	case "cron":
		return 30 * time.Second
	case "heartbeat":
		return min(max(a.m.Interval, time.Second), time.Minute)
	}
	return max(a.m.Interval, time.Second)
}

// firstDelay spreads monitors over their period so that a restart does
// not check them all at once.
func (a *monitorActor) firstDelay() time.Duration {
	p := a.period()
	return time.Duration(uint64(a.m.ID)*2654435761%uint64(p/time.Millisecond)) * time.Millisecond
}

// record folds a result into the state, stores the check and the state,
// and announces changes.
func (a *monitorActor) record(r Result) {
	threshold := a.m.FailureThreshold
	if a.m.Kind == "cron" || a.m.Kind == "heartbeat" {
		threshold = 1 // a missed run or heartbeat is already the verdict
	}
	result := "up"
	if !r.Up {
		result = "down"
	}
	a.deps.metrics.checksDone.WithLabelValues(a.m.Kind, result).Inc()
	before := a.state
	changes := a.state.Apply(r, threshold, a.m.TLSExpiryDays, a.deps.now())
	if a.m.Kind != "cron" {
		a.deps.checks.add(analytics.MonitorCheck{MonitorID: uint64(a.m.ID), OrgID: uint64(a.m.OrgID), Checked: r.At, Up: r.Up,
			ResponseTime: r.ResponseTime, StatusCode: uint16(r.StatusCode), Reason: r.Reason})
	}
	if len(changes) == 0 && before.Failures == a.state.Failures {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if len(changes) == 0 {
		changes = []Change{{}} // just the failure count
	}
	for _, ch := range changes {
		var change *metadata.MonitorStateChange
		if ch.Kind != "" {
			change = &metadata.MonitorStateChange{MonitorID: a.m.ID, Kind: ch.Kind, Reason: ch.Reason}
		}
		exists, err := a.deps.store.SaveMonitorState(ctx, a.m.ID, a.state.Failures, change, a.state.IsUp, a.state.TLSReported)
		if err != nil {
			a.log.Warn("saving monitor state failed", "err", err)
			return
		}
		if !exists {
			return // deleted meanwhile; the runner stops this actor
		}
		if change != nil {
			a.deps.metrics.stateChanges.WithLabelValues(change.Kind).Inc()
			a.log.Info("monitor state changed", "kind", change.Kind, "reason", change.Reason)
			if a.deps.notify != nil {
				a.deps.notify(StateChange{Monitor: a.m, Change: *change})
			}
		}
	}
}
