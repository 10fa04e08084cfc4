package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// A supervised loop that panics is logged, counted and restarted with
// back-off (1 s, then 2 s) until it runs; supervise returns when its
// context ends.
func TestSupervisedLoopRestartsAfterAPanic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &server{panics: newLoopPanics(nil)}
		ctx, cancel := context.WithCancel(context.Background())
		var starts []time.Time
		done := make(chan error, 1)
		go func() {
			done <- s.supervise(ctx, "test loop", func(ctx context.Context) error {
				starts = append(starts, time.Now())
				if len(starts) <= 2 {
					var m map[string]int
					m["boom"]++
				}
				<-ctx.Done()
				return nil
			}, quietLog())
		}()
		time.Sleep(time.Minute)
		synctest.Wait()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("supervise: %v", err)
		}
		if len(starts) != 3 || starts[1].Sub(starts[0]) != time.Second || starts[2].Sub(starts[1]) != 2*time.Second {
			t.Errorf("loop started at %v, want three starts 1 s and 2 s apart", starts)
		}
		if got := testutil.ToFloat64(s.panics.WithLabelValues("test loop")); got != 2 {
			t.Errorf("faultline_loop_panics_total{loop=\"test loop\"} is %v, want 2", got)
		}
	})
}

// A role's loop that panics outside supervise stops alone: the panic is
// reported as the role's error and the process goes on.
func TestGoRunRecoversAPanic(t *testing.T) {
	s := &server{log: quietLog(), panics: newLoopPanics(nil)}
	s.goRun("test role", func() error { panic(errors.New("role fell over")) })
	s.goRun("other role", func() error { return nil })
	s.wg.Wait()
	if len(s.errs) != 1 || !strings.Contains(s.errs[0].Error(), "test role: panic: role fell over") {
		t.Errorf("errors %v, want the test role's panic", s.errs)
	}
}
