package queue

// Group commit: kfake's SyncWrites fsyncs the segment and index file of
// every batch inside its single request loop, so concurrent produces queue
// behind each other's fsyncs. Instead the embedded broker runs kfake
// without SyncWrites and holds every response on the way out until one
// sync round, started after the response was ready, has made durable
// everything the broker wrote: a produce's batch is written before its
// response, so the round covers it. One round serves every response that
// waited for it, however many there are. A round starts no sooner than
// 2 ms after the last one started: at a steady 3,000 events/s rounds ran
// back to back, about 900 a second of three produces each, and their
// fsyncs took an eighth of the server's CPU; a round after a quiet spell
// starts at once.
//
// Holding every response, not only produces, keeps the log ahead of what
// clients learn from it: a consumer never fetches (and so never commits an
// offset past) a record that is not yet on disk, and an offset commit is
// answered once its groups.log entry is.
//
// A round that could not reach a file (open, list, stat) fails the
// responses that waited for it; the next round tries again. A failed fsync (or syncfs)
// fails them and every later one: Linux may drop the pages a failed fsync could not write and report
// the error once, so a log file that failed an fsync can no longer vouch
// for what it holds. The broker then answers nothing until it is started
// again (Writable says so); the connections it would have answered are
// closed, which clients see as a failed request.

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// errCommitterClosed fails the responses still waiting when the broker
// stops.
var errCommitterClosed = errors.New("embedded broker stopped before its log was synced")

// groupCommitter runs sync rounds for waiters. It owns one goroutine,
// started by newGroupCommitter and stopped by close.
type groupCommitter struct {
	syncLog func() error  // makes everything written so far durable
	gap     time.Duration // the least time from one round's start to the next's

	mu      sync.Mutex
	next    *commitRound // the round new waiters join
	failed  error        // sticky: the first failed round's error
	closed  bool
	kick    chan struct{} // capacity 1: a waiter joined next
	stopped chan struct{} // closed by close
	done    chan struct{} // closed when the goroutine returns

	rounds atomic.Int64 // rounds that ran syncLog
}

// commitRound is one sync and the waiters it releases.
type commitRound struct {
	waiters int
	done    chan struct{}
	err     error // set before done is closed
}

func newGroupCommitter(syncLog func() error, gap time.Duration) *groupCommitter {
	g := &groupCommitter{
		syncLog: syncLog,
		gap:     gap,
		next:    &commitRound{done: make(chan struct{})},
		kick:    make(chan struct{}, 1),
		stopped: make(chan struct{}),
		done:    make(chan struct{}),
	}
	go g.run()
	return g
}

// wait returns once a sync round that started after the call made every
// earlier write durable, or with the error that kept it from doing so.
func (g *groupCommitter) wait() error {
	g.mu.Lock()
	if err := g.failed; err != nil {
		g.mu.Unlock()
		return err
	}
	if g.closed {
		g.mu.Unlock()
		return errCommitterClosed
	}
	r := g.next
	r.waiters++
	g.mu.Unlock()
	select {
	case g.kick <- struct{}{}:
	default:
	}
	<-r.done
	return r.err
}

// err is the sticky error of a failed round, or nil.
func (g *groupCommitter) err() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.failed
}

func (g *groupCommitter) run() {
	defer close(g.done)
	var last time.Time // when the last round started
	for {
		select {
		case <-g.kick:
		case <-g.stopped:
			return
		}
		if wait := g.gap - time.Since(last); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-g.stopped:
				t.Stop()
				return
			}
		}
		last = time.Now()
		g.round()
	}
}

// round syncs once for everyone who joined next so far; whoever joins
// from now on waits for the following round.
func (g *groupCommitter) round() {
	g.mu.Lock()
	r := g.next
	if r.waiters == 0 {
		g.mu.Unlock()
		return
	}
	g.next = &commitRound{done: make(chan struct{})}
	failed := g.failed
	g.mu.Unlock()

	r.err = failed
	if failed == nil {
		g.rounds.Add(1)
		if err := g.syncLog(); errors.Is(err, errFsync) {
			r.err = fmt.Errorf("%w: sync the embedded broker's log: %w; restart the server once the disk is healthy", ErrBrokerDisk, err)
			g.mu.Lock()
			g.failed = r.err
			g.mu.Unlock()
		} else if err != nil {
			// Nothing was dropped: the next round may cover these writes.
			r.err = fmt.Errorf("%w: sync the embedded broker's log: %w", ErrBrokerDisk, err)
		}
	}
	close(r.done)
}

// close runs a last round for the writes made so far (the broker's own
// on shutdown among them), stops the goroutine and fails whoever still
// waits.
func (g *groupCommitter) close() error {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return nil
	}
	g.closed = true
	g.mu.Unlock()
	close(g.stopped)
	<-g.done

	g.mu.Lock()
	r := g.next
	failed := g.failed
	g.mu.Unlock()
	err := failed
	if err == nil {
		err = g.syncLog()
	}
	r.err = errCommitterClosed
	close(r.done)
	return err
}

// committedListener hands the broker connections whose writes (the
// broker's responses) wait for a sync round.
type committedListener struct {
	net.Listener
	g *groupCommitter
}

func (l committedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return committedConn{Conn: c, g: l.g}, nil
}

// committedConn delays each write until the log is durable up to it. kfake
// writes each response whole, in one call.
type committedConn struct {
	net.Conn
	g *groupCommitter
}

func (c committedConn) Write(p []byte) (int, error) {
	if err := c.g.wait(); err != nil {
		c.Conn.Close()
		return 0, err
	}
	return c.Conn.Write(p)
}
