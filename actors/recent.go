package actors

import (
	"strings"
	"sync"
)

// recentEvents remembers the last events a worker counted, so that an
// event a client sent again (it saw no answer, or its offline cache sent
// what it had sent already) is grouped but not counted twice. Sentry
// deduplicates so for an hour; this window is a number of events, so that
// memory stays bounded whatever the rate: recentEventsKept events take
// about 9 MiB, 13 s of a worker at 5,000 events/s and hours of a quiet
// one. A replay from the log needs none of this: PostgreSQL's replay marks
// know those.
type recentEvents struct {
	mu   sync.Mutex
	ids  map[recentEvent]struct{}
	ring []recentEvent // the kept ids, oldest at next once full
	next int
	max  int
}

type recentEvent struct {
	project int64
	id      string
}

const recentEventsKept = 1 << 16

func newRecentEvents(max int) *recentEvents {
	return &recentEvents{ids: map[recentEvent]struct{}{}, max: max}
}

// counted reports whether the project's event was counted lately.
func (r *recentEvents) counted(project int64, id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.ids[recentEvent{project, id}]
	return ok
}

// remember notes the project's events as counted, once their counts are
// committed: a failed transaction's events were not.
func (r *recentEvents) remember(project int64, ids []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, id := range ids {
		k := recentEvent{project, id}
		if _, ok := r.ids[k]; ok {
			continue
		}
		// An id may point into its event's payload: keep a copy, not it.
		k.id = strings.Clone(id)
		r.ids[k] = struct{}{}
		if len(r.ring) < r.max {
			r.ring = append(r.ring, k)
			continue
		}
		delete(r.ids, r.ring[r.next])
		r.ring[r.next] = k
		r.next = (r.next + 1) % r.max
	}
}
