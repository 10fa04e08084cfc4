package symbolicate

import (
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// cache holds resolutions, least recently used out first, under a bound on
// entries and one on their total weight (about the bytes they hold), so
// thousands of bundles cannot grow a worker without limit. Failures carry an
// expiry: a project without maps asks the Source again only after it.
type cache struct {
	mu       sync.Mutex
	lru      *simplelru.LRU[string, *resolution]
	bytes    int64
	maxBytes int64
}

func newCache(maxEntries int, maxBytes int64) *cache {
	c := &cache{maxBytes: maxBytes}
	// NewLRU fails only for a size below 1, which the options rule out.
	c.lru, _ = simplelru.NewLRU(maxEntries, func(_ string, r *resolution) { c.bytes -= r.weight })
	return c
}

// get returns the resolution cached under key, unless it expired by now.
func (c *cache) get(key string, now time.Time) (*resolution, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.lru.Get(key)
	if ok && !r.expires.IsZero() && now.After(r.expires) {
		c.lru.Remove(key)
		return nil, false
	}
	return r, ok
}

// add caches r under key, evicting the least recently used entries until
// the weight fits. A resolution heavier than the whole cache is not kept.
func (c *cache) add(key string, r *resolution) {
	if r.weight > c.maxBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lru.Remove(key) // Add would replace the value without counting the old one out
	c.lru.Add(key, r)
	c.bytes += r.weight
	for c.bytes > c.maxBytes {
		c.lru.RemoveOldest()
	}
}

// size is the number of entries and their weight.
func (c *cache) size() (int, int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len(), c.bytes
}
