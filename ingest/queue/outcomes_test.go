package queue

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/segmentio/kafka-go"
)

// flushLog is a Producer that keeps each outcome batch with the bubble's
// time it came at; it fails while failing is set.
type flushLog struct {
	mu      sync.Mutex
	start   time.Time
	failing bool
	flushes []flushed
}

type flushed struct {
	at     time.Duration // since start
	counts map[string]uint64
}

func (f *flushLog) WriteMessages(_ context.Context, msgs ...kafka.Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failing {
		return errors.New("broker away")
	}
	for _, m := range msgs {
		b, err := DecodeOutcomes(m)
		if err != nil {
			return err
		}
		counts := map[string]uint64{}
		for _, r := range b.Rows {
			counts[r.Category+"/"+r.Outcome] += r.Quantity
		}
		f.flushes = append(f.flushes, flushed{time.Since(f.start), counts})
	}
	return nil
}

func (f *flushLog) got() []flushed {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]flushed(nil), f.flushes...)
}

func (f *flushLog) setFailing(v bool) {
	f.mu.Lock()
	f.failing = v
	f.mu.Unlock()
}

// Outcome counts go to Kafka every 10 s (the default), each flush with
// what was counted since the last; nothing is produced while nothing was
// counted, counts a failed flush kept go with the next, and stopping
// flushes what is left.
func TestOutcomeCountsFlushEveryInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := &flushLog{start: time.Now()}
		o := NewOutcomeCounter(p, 0, slog.New(slog.NewTextHandler(io.Discard, nil)))
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error)
		go func() { done <- o.Run(ctx) }()
		expect := func(want ...flushed) {
			t.Helper()
			synctest.Wait()
			got := p.got()
			if len(got) != len(want) {
				t.Fatalf("at +%v: flushes %+v; want %+v", time.Since(p.start), got, want)
			}
			for i := range want {
				if got[i].at != want[i].at || len(got[i].counts) != len(want[i].counts) {
					t.Fatalf("flush %d: %+v; want %+v", i, got[i], want[i])
				}
				for k, n := range want[i].counts {
					if got[i].counts[k] != n {
						t.Fatalf("flush %d: %+v; want %+v", i, got[i], want[i])
					}
				}
			}
		}

		o.Add(1, "error", "accepted", "", 2)
		time.Sleep(3 * time.Second)
		o.Add(1, "error", "accepted", "", 1)
		o.Add(1, "error", "rate_limited", "key_quota", 4)
		time.Sleep(7*time.Second - time.Nanosecond)
		expect() // not before 10 s
		time.Sleep(time.Nanosecond)
		first := flushed{10 * time.Second, map[string]uint64{"error/accepted": 3, "error/rate_limited": 4}}
		expect(first)

		time.Sleep(10 * time.Second)
		expect(first) // nothing counted: nothing produced

		o.Add(1, "transaction", "accepted", "", 5)
		p.setFailing(true)
		time.Sleep(10 * time.Second)
		expect(first) // the 30 s flush failed; its counts are kept
		p.setFailing(false)
		o.Add(1, "transaction", "accepted", "", 1)
		time.Sleep(10 * time.Second)
		second := flushed{40 * time.Second, map[string]uint64{"transaction/accepted": 6}}
		expect(first, second)

		o.Add(1, "attachment", "accepted", "", 1)
		time.Sleep(time.Second)
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("final flush: %v", err)
		}
		expect(first, second, flushed{41 * time.Second, map[string]uint64{"attachment/accepted": 1}})
	})
}
