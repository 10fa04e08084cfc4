package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The server is not the only process an event costs CPU in: on one box
// PostgreSQL and ClickHouse take their share of the same cores, and what
// a store spends per event may depend on how much it already holds.
// -store-pid names them so the
// report gives each one's CPU per accepted event over the same window as
// the server's.

// storePIDs is the repeatable -store-pid flag: name=pid pairs, in order.
type storePIDs []storePID

type storePID struct {
	name string
	pid  int
}

func (s *storePIDs) String() string {
	parts := make([]string, len(*s))
	for i, p := range *s {
		parts[i] = fmt.Sprintf("%s=%d", p.name, p.pid)
	}
	return strings.Join(parts, ",")
}

func (s *storePIDs) Set(v string) error {
	name, pid, ok := strings.Cut(v, "=")
	n, err := strconv.Atoi(pid)
	if !ok || name == "" || err != nil || n <= 0 {
		return fmt.Errorf("%q: want name=pid, as in postgres=1234", v)
	}
	*s = append(*s, storePID{name: name, pid: n})
	return nil
}

// storeCPU is one store's CPU time over the run, or why it is unknown.
type storeCPU struct {
	name string
	used time.Duration
	err  error
}

// storeMeter reads the stores' CPU before and after the run.
type storeMeter struct {
	proc   string // the proc file system's root, /proc but in tests
	stores storePIDs
	before []time.Duration
	errs   []error
}

func newStoreMeter(stores storePIDs) *storeMeter {
	return &storeMeter{proc: "/proc", stores: stores}
}

// start records where each store's CPU stands. A nil meter measures
// nothing.
func (m *storeMeter) start() {
	if m == nil {
		return
	}
	m.before, m.errs = make([]time.Duration, len(m.stores)), make([]error, len(m.stores))
	for i, s := range m.stores {
		m.before[i], m.errs[i] = treeCPU(m.proc, s.pid)
	}
}

// stop returns what each store used since start.
func (m *storeMeter) stop() []storeCPU {
	if m == nil {
		return nil
	}
	out := make([]storeCPU, len(m.stores))
	for i, s := range m.stores {
		out[i] = storeCPU{name: s.name, err: m.errs[i]}
		if out[i].err != nil {
			continue
		}
		after, err := treeCPU(m.proc, s.pid)
		out[i].used, out[i].err = after-m.before[i], err
	}
	return out
}

// treeCPU is the CPU time process pid and its descendants have used: each
// one's own time and that of the children it has reaped. PostgreSQL forks
// a process per connection and reaps it when the connection ends, so its
// postmaster's tree holds all of its work, ended connections included.
func treeCPU(proc string, pid int) (time.Duration, error) {
	entries, err := os.ReadDir(proc)
	if err != nil {
		return 0, fmt.Errorf("list processes: %w", err)
	}
	children := map[int][]int{}
	used := map[int]int64{} // ticks, reaped children's included
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join(proc, e.Name(), "stat"))
		if err != nil {
			continue // ended meanwhile
		}
		st, err := parseStat(string(b))
		if err != nil {
			return 0, fmt.Errorf("process %d: %w", p, err)
		}
		children[st.ppid] = append(children[st.ppid], p)
		used[p] = st.own + st.reaped
	}
	if _, ok := used[pid]; !ok {
		return 0, fmt.Errorf("process %d is not running", pid)
	}
	var total int64
	for todo := []int{pid}; len(todo) > 0; {
		p := todo[len(todo)-1]
		todo = append(todo[:len(todo)-1], children[p]...)
		total += used[p]
	}
	return ticks(total), nil
}
