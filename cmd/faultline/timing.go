package main

import "time"

// timing sets the periods of the scheduler's loops. Production runs with
// the zero timing, which takes every default; it is not a setting. The
// end-to-end tests shorten the periods through startServerTimed, to see
// the whole server act within seconds; the notification retry schedule is
// not among them, as the dispatcher's own tests prove it in a synctest
// bubble.
type timing struct {
	monitorTimeScale float64          // monitors check this many times as often (1)
	monitorClock     func() time.Time // the time heartbeats and cron runs are judged at (time.Now)
	slowCheckEvery   time.Duration    // how often transactions' p95 is checked (a minute)
	// crashFreeCheckEvery is how often crash-free session rates are checked (a minute).
	crashFreeCheckEvery time.Duration
	outcomeFlush        time.Duration // how often outcome counts go to Kafka (queue.DefaultOutcomeFlush)
}

func (t timing) withDefaults() timing {
	if t.slowCheckEvery <= 0 {
		t.slowCheckEvery = time.Minute
	}
	if t.crashFreeCheckEvery <= 0 {
		t.crashFreeCheckEvery = time.Minute
	}
	return t
}
