package ingest

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// ErrUnknownKey is what a KeyLookup returns for a key that does not exist.
var ErrUnknownKey = errors.New("unknown DSN key")

// Key is what ingest needs to know of a DSN key.
type Key struct {
	ProjectID int64
	Active    bool
	// RateLimit events per RateWindow; a zero RateWindow means unlimited.
	RateLimit  int
	RateWindow time.Duration
	// AllowedOrigins are the browser origins the project accepts; empty
	// allows every origin.
	AllowedOrigins []string
	// OrgID's limit: OrgRateLimit events per OrgRateWindow over all its
	// keys; a zero OrgRateWindow means unlimited.
	OrgID         int64
	OrgRateLimit  int
	OrgRateWindow time.Duration
	// KeepSensitiveData turns the workers' data scrubbing off for the project.
	KeepSensitiveData bool
}

// KeyLookup resolves a DSN's public key; it returns ErrUnknownKey for a key
// that does not exist.
type KeyLookup interface {
	LookupKey(ctx context.Context, publicKey string) (Key, error)
}

type cachedKey struct {
	Key
	unknown bool
	expires time.Time
	fetched time.Time // when the lookup last answered for the key
	stale   bool      // kept past its expiry because the lookup failed
	logged  time.Time // when serving it stale was last logged
}

// defaultKeyMaxStale bounds how long a cached key keeps being served while
// the lookup fails (PostgreSQL is down or unreachable): an hour after the
// lookup last answered for it, the key is refused with 503 like any key
// that cannot be checked.
const defaultKeyMaxStale = time.Hour

const (
	// keyRetryInterval is how long a key served stale is kept before the
	// lookup is tried again, so that an outage costs PostgreSQL one lookup
	// per key every few seconds rather than one per request.
	keyRetryInterval = 5 * time.Second
	// staleLogEvery bounds the log lines about one key served stale.
	staleLogEvery = time.Minute
	staleKeyMsg   = "DSN key lookup failed; using the stale cached key"
)

// keyCache keeps lookups for a short while so that ingest does not ask the
// database on every request. When a lookup fails, an expired entry younger
// than maxStale is served instead (see defaultKeyMaxStale). It is bounded by
// max entries.
type keyCache struct {
	lookup   KeyLookup
	ttl      time.Duration
	maxStale time.Duration
	max      int
	staleUse prometheus.Counter // requests answered with a stale key
	log      *slog.Logger

	mu      sync.Mutex
	entries map[string]cachedKey
}

func newKeyCache(lookup KeyLookup, ttl, maxStale time.Duration, max int, stale prometheus.Counter, log *slog.Logger) *keyCache {
	return &keyCache{lookup: lookup, ttl: ttl, maxStale: maxStale, max: max, staleUse: stale, log: log, entries: map[string]cachedKey{}}
}

func (c *keyCache) get(ctx context.Context, key string) (cachedKey, error) {
	now := time.Now()
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		if e.stale {
			c.staleUse.Inc()
		}
		return e, nil
	}
	k, err := c.lookup.LookupKey(ctx, key)
	switch {
	case errors.Is(err, ErrUnknownKey):
		e = cachedKey{unknown: true, expires: now.Add(c.ttl / 4), fetched: now}
	case err != nil:
		return c.stale(key, err, now)
	default:
		e = cachedKey{Key: k, expires: now.Add(c.ttl), fetched: now}
	}
	c.mu.Lock()
	c.put(key, e, now)
	c.mu.Unlock()
	return e, nil
}

// stale answers for a key whose lookup failed with err: with its cached
// entry, unless there is none or it is older than maxStale. The entry is
// then kept for keyRetryInterval before the lookup is tried again.
func (c *keyCache) stale(key string, err error, now time.Time) (cachedKey, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || now.Sub(e.fetched) >= c.maxStale {
		return cachedKey{}, err
	}
	e.stale = true
	e.expires = now.Add(keyRetryInterval)
	if limit := e.fetched.Add(c.maxStale); e.expires.After(limit) {
		e.expires = limit
	}
	if now.Sub(e.logged) >= staleLogEvery {
		e.logged = now
		c.log.Warn(staleKeyMsg, "key", key, "project", e.ProjectID, "age", now.Sub(e.fetched).Round(time.Second), "err", err)
	}
	c.entries[key] = e
	c.staleUse.Inc()
	return e, nil
}

// put stores an entry. A full cache first forgets the entries too old to
// be served stale, then arbitrary ones down to 90 % of max, so that the
// entries an outage would need are not thrown away all at once.
func (c *keyCache) put(key string, e cachedKey, now time.Time) {
	if _, ok := c.entries[key]; !ok && len(c.entries) >= c.max {
		for k, old := range c.entries {
			if now.Sub(old.fetched) >= c.maxStale {
				delete(c.entries, k)
			}
		}
		for k := range c.entries {
			if len(c.entries) < c.max*9/10 {
				break
			}
			delete(c.entries, k)
		}
	}
	c.entries[key] = e
}
