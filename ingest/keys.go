package ingest

import (
	"context"
	"errors"
	"sync"
	"time"
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
}

// keyCache keeps lookups for a short while so that ingest does not ask the
// database on every request. It is bounded: when full it starts over.
type keyCache struct {
	lookup KeyLookup
	ttl    time.Duration
	max    int

	mu      sync.Mutex
	entries map[string]cachedKey
}

func newKeyCache(lookup KeyLookup, ttl time.Duration, max int) *keyCache {
	return &keyCache{lookup: lookup, ttl: ttl, max: max, entries: map[string]cachedKey{}}
}

func (c *keyCache) get(ctx context.Context, key string) (cachedKey, error) {
	now := time.Now()
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e, nil
	}
	k, err := c.lookup.LookupKey(ctx, key)
	switch {
	case errors.Is(err, ErrUnknownKey):
		e = cachedKey{unknown: true, expires: now.Add(c.ttl / 4)}
	case err != nil:
		return cachedKey{}, err
	default:
		e = cachedKey{Key: k, expires: now.Add(c.ttl)}
	}
	c.mu.Lock()
	if len(c.entries) >= c.max {
		c.entries = map[string]cachedKey{}
	}
	c.entries[key] = e
	c.mu.Unlock()
	return e, nil
}
