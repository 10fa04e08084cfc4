package alert

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faultline/faultline/metadata"
)

// outbox is a DeliveryStore in memory, keeping when each attempt was made.
type outbox struct {
	mu         sync.Mutex
	deliveries []*outboxEntry
}

type outboxEntry struct {
	metadata.Delivery
	status      string // pending, sent or failed
	nextAttempt time.Time
	lockedUntil time.Time
	lastErr     error
}

func (o *outbox) add(kind, target string) *outboxEntry {
	o.mu.Lock()
	defer o.mu.Unlock()
	e := &outboxEntry{Delivery: metadata.Delivery{ID: int64(len(o.deliveries) + 1), Kind: kind, Target: target,
		Alert: metadata.Alert{ID: 1, ProjectID: 1, Title: "checkout failed"}}, status: "pending", nextAttempt: time.Now()}
	o.deliveries = append(o.deliveries, e)
	return e
}

func (o *outbox) ClaimDeliveries(_ context.Context, limit int, lease time.Duration) ([]metadata.Delivery, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	now := time.Now()
	var out []metadata.Delivery
	for _, e := range o.deliveries {
		if len(out) < limit && e.status == "pending" && !e.nextAttempt.After(now) && !e.lockedUntil.After(now) {
			e.lockedUntil = now.Add(lease)
			out = append(out, e.Delivery)
		}
	}
	return out, nil
}

func (o *outbox) FinishDelivery(_ context.Context, id int64, sendErr error, retryAt time.Time) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	e := o.deliveries[id-1]
	e.Attempts++
	e.lockedUntil, e.lastErr = time.Time{}, sendErr
	switch {
	case sendErr == nil:
		e.status = "sent"
	case retryAt.IsZero():
		e.status = "failed"
	default:
		e.nextAttempt = retryAt
	}
	return nil
}

func (o *outbox) IsMemberEmail(context.Context, int64, string) (bool, error) { return true, nil }

func (o *outbox) state(e *outboxEntry) (status string, attempts int, lastErr error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return e.status, e.Attempts, e.lastErr
}

// endpoint is a webhook receiver that fails its first failures calls and
// keeps the time of each call.
type endpoint struct {
	mu       sync.Mutex
	failures int
	calls    []time.Time
}

func (p *endpoint) send(context.Context, string, string, message) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, time.Now())
	if len(p.calls) <= p.failures {
		return errors.New("the endpoint answered 500")
	}
	return nil
}

// A failed notification is retried on the production back-off schedule
// (30 s, 2 min, 10 min, 30 min, 2 h after each failure) and fails for
// good after the last retry; one that succeeds on a retry is not sent
// again. The bubble's clock runs the 2 h 42 min 30 s in no time.
func TestDispatcherRetriesOnTheBackoffSchedule(t *testing.T) {
	for _, tc := range []struct {
		name         string
		failures     int
		wantStatus   string
		wantAttempts int
	}{
		{"never answers well", 1000, "failed", len(Backoff) + 1},
		{"answers on the third try", 2, "sent", 3},
		{"answers at once", 0, "sent", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				store := &outbox{}
				d := NewDispatcher(store, DispatcherConfig{}, nil, quiet)
				hook := &endpoint{failures: tc.failures}
				d.send["webhook"] = hook.send
				ctx, cancel := context.WithCancel(t.Context())
				done := make(chan struct{})
				go func() { _ = d.Run(ctx); close(done) }()

				start := time.Now()
				entry := store.add("webhook", "http://hooks.example.com/")
				d.Nudge()
				time.Sleep(3 * time.Hour) // past the whole schedule
				cancel()
				<-done

				status, attempts, _ := store.state(entry)
				if status != tc.wantStatus || attempts != tc.wantAttempts || len(hook.calls) != tc.wantAttempts {
					t.Fatalf("%s after %d attempts (%d calls); want %s after %d", status, attempts, len(hook.calls), tc.wantStatus, tc.wantAttempts)
				}
				// Each attempt comes when its back-off has passed, at the
				// dispatcher's first poll from then on (polls are 1 s apart).
				want := time.Duration(0)
				for i, at := range hook.calls {
					if i > 0 {
						want += Backoff[i-1]
					}
					if got := at.Sub(start); got < want || got > want+time.Second {
						t.Errorf("attempt %d at +%v, want at +%v (within a poll)", i+1, got, want)
					}
				}
			})
		})
	}
}

// A fired alert's notification goes out when the engine nudges the
// dispatcher, not at its next poll; without a nudge it waits for the poll.
func TestDispatcherSendsWhenNudged(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := &outbox{}
		d := NewDispatcher(store, DispatcherConfig{Poll: time.Minute}, nil, quiet)
		hook := &endpoint{}
		d.send["webhook"] = hook.send
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go func() { _ = d.Run(ctx) }()
		synctest.Wait() // the first look at the outbox, which was empty

		time.Sleep(10 * time.Second)
		store.add("webhook", "http://hooks.example.com/")
		synctest.Wait()
		if len(hook.calls) != 0 {
			t.Fatalf("sent before the poll or a nudge")
		}
		d.Nudge()
		synctest.Wait()
		if len(hook.calls) != 1 {
			t.Fatalf("%d calls after a nudge, want 1", len(hook.calls))
		}
	})
}
