package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// switchLookup is a KeyLookup whose answers a test changes: keys come and
// go, and an outage makes every lookup fail.
type switchLookup struct {
	mu    sync.Mutex
	keys  map[string]Key
	down  bool
	calls int
}

func (l *switchLookup) LookupKey(_ context.Context, publicKey string) (Key, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls++
	if l.down {
		return Key{}, errors.New("dial tcp 127.0.0.1:5432: connect: connection refused")
	}
	k, ok := l.keys[publicKey]
	if !ok {
		return Key{}, ErrUnknownKey
	}
	return k, nil
}

func (l *switchLookup) set(f func(l *switchLookup)) {
	l.mu.Lock()
	f(l)
	l.mu.Unlock()
}

func (l *switchLookup) callCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.calls
}

func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

// A PostgreSQL outage does not stop ingest for keys it saw recently: they
// are served stale for up to the cache's max staleness, retried every few
// seconds, and a key revoked meanwhile stops once PostgreSQL answers again.
func TestKeyCacheOutage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		lookup := &switchLookup{keys: map[string]Key{
			"a": {ProjectID: 1, Active: true},
			"b": {ProjectID: 2, Active: true},
		}}
		var logs bytes.Buffer
		stale := newIngestMetrics(nil).staleKeys
		c := newKeyCache(lookup, 30*time.Second, 10*time.Minute, 100, stale, slog.New(slog.NewTextHandler(&logs, nil)))
		start := time.Now()
		staleBefore := counterValue(t, stale)

		down := func(l *switchLookup) { l.down = true }
		upWithBRevoked := func(l *switchLookup) { l.down = false; l.keys["b"] = Key{ProjectID: 2, Active: false} }
		steps := []struct {
			at       time.Duration // since the first lookup
			change   func(*switchLookup)
			key      string
			want     string // "active", "inactive", "unknown" or "error"
			wantCall bool   // whether this get asks the lookup
		}{
			{0, nil, "a", "active", true},
			{0, nil, "x", "unknown", true},
			{10 * time.Second, nil, "a", "active", false},
			{20 * time.Second, nil, "b", "active", true},
			{31 * time.Second, down, "a", "active", true}, // expired, the lookup fails: stale
			{32 * time.Second, nil, "x", "unknown", true}, // a negative entry is served stale too
			{33 * time.Second, nil, "a", "active", false}, // no retry within the retry interval
			{35 * time.Second, nil, "a", "active", false},
			{37 * time.Second, nil, "a", "active", true}, // retried, still down
			{37 * time.Second, nil, "never-seen", "error", true},
			{5 * time.Minute, nil, "a", "active", true},
			{9*time.Minute + 59*time.Second, nil, "a", "active", true},
			{10*time.Minute + 1*time.Second, nil, "a", "error", true}, // past the max staleness
			{10*time.Minute + 2*time.Second, nil, "b", "active", true},
			{10*time.Minute + 3*time.Second, upWithBRevoked, "b", "active", false}, // PostgreSQL is back; the retry is not due yet
			{10*time.Minute + 8*time.Second, nil, "b", "inactive", true},           // revoked: refused within the retry interval, well within the TTL
			{10*time.Minute + 9*time.Second, nil, "a", "active", true},             // fresh again
		}
		calls := 0
		for i, s := range steps {
			if d := start.Add(s.at).Sub(time.Now()); d > 0 {
				time.Sleep(d)
			}
			if s.change != nil {
				lookup.set(s.change)
			}
			e, err := c.get(context.Background(), s.key)
			got := "active"
			switch {
			case err != nil:
				got = "error"
			case e.unknown:
				got = "unknown"
			case !e.Active:
				got = "inactive"
			}
			if s.wantCall {
				calls++
			}
			if got != s.want || lookup.callCount() != calls {
				t.Fatalf("step %d (%s at %s): got %s after %d lookups, want %s after %d", i, s.key, s.at, got, lookup.callCount(), s.want, calls)
			}
		}
		// Stale answers: a at 31, 33, 35, 37 s, 5:00 and 9:59; x at 32 s; b at 10:02 and 10:03.
		if n := counterValue(t, stale) - staleBefore; n != 9 {
			t.Errorf("stale answers counted: %v, want 9", n)
		}
		// Logged at most once a minute per key: a at 31 s, 5:00 and 9:59; x at 32 s; b at 10:02.
		if n := strings.Count(logs.String(), staleKeyMsg); n != 5 {
			t.Errorf("%d stale-key log lines, want 5:\n%s", n, logs.String())
		}
	})
}

// Requests during an outage ask PostgreSQL once per retry interval per key,
// not once per request, and log once a minute.
func TestKeyCacheOutageRetries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		lookup := &switchLookup{keys: map[string]Key{"a": {ProjectID: 1, Active: true}}}
		var logs bytes.Buffer
		c := newKeyCache(lookup, 30*time.Second, time.Hour, 100, newIngestMetrics(nil).staleKeys, slog.New(slog.NewTextHandler(&logs, nil)))
		if _, err := c.get(context.Background(), "a"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(31 * time.Second)
		lookup.set(func(l *switchLookup) { l.down = true })
		for range 1200 { // a request every 100 ms for two minutes
			if e, err := c.get(context.Background(), "a"); err != nil || !e.Active {
				t.Fatalf("during the outage: %+v, %v", e, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
		// One lookup before the outage, then one every 5 s.
		if n := lookup.callCount(); n < 2 || n > 1+120/5+1 {
			t.Errorf("%d lookups for 1,200 requests in two minutes, want one per %s", n, keyRetryInterval)
		}
		if n := strings.Count(logs.String(), staleKeyMsg); n < 2 || n > 3 {
			t.Errorf("%d stale-key log lines in two minutes, want one a minute:\n%s", n, logs.String())
		}
	})
}

// A full cache evicts what it could no longer serve first, and then only
// down to 90 % of its bound: the stale entries an outage needs survive.
func TestKeyCacheEviction(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		keys := map[string]Key{}
		for i := range 30 {
			keys[fmt.Sprint("k", i)] = Key{ProjectID: int64(i + 1), Active: true}
		}
		lookup := &switchLookup{keys: keys}
		c := newKeyCache(lookup, 30*time.Second, time.Hour, 10, newIngestMetrics(nil).staleKeys, slog.New(slog.DiscardHandler))
		get := func(key string) error {
			_, err := c.get(context.Background(), key)
			return err
		}
		for i := range 5 {
			_ = get(fmt.Sprint("k", i))
		}
		time.Sleep(2 * time.Hour) // k0..k4 are now past the max staleness
		for i := 5; i < 11; i++ {
			_ = get(fmt.Sprint("k", i))
		}
		if len(c.entries) != 6 {
			t.Errorf("%d entries after evicting the 5 beyond staleness, want 6", len(c.entries))
		}
		time.Sleep(time.Minute)
		lookup.set(func(l *switchLookup) { l.down = true })
		for i := 5; i < 11; i++ {
			if err := get(fmt.Sprint("k", i)); err != nil {
				t.Errorf("k%d not served stale during the outage: %v", i, err)
			}
		}
		lookup.set(func(l *switchLookup) { l.down = false })
		for i := 11; i < 30; i++ {
			_ = get(fmt.Sprint("k", i))
			if len(c.entries) > 10 {
				t.Fatalf("%d entries, past the bound of 10", len(c.entries))
			}
			if _, ok := c.entries[fmt.Sprint("k", i)]; !ok {
				t.Fatalf("k%d not cached", i)
			}
		}
		if len(c.entries) < 9 {
			t.Errorf("%d entries: a full cache drops down to 90 %%, not further", len(c.entries))
		}
	})
}
