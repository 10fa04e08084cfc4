package main

import (
	"net"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// drainer ends keep-alive connections cleanly before a graceful stop.
//
// fasthttp's Shutdown closes every connection that sits idle between two
// requests. A client that is writing its next request on such a connection
// at that moment gets a reset instead of an answer, and SDKs do not resend a
// POST that may have been read. So the stop first closes the listener (a
// client that connects now is refused, which it knows was not taken) and,
// for a short while, answers Connection: close on the connections already
// open: each client learns from an answer that its connection ends. The
// window ends early once no request has come for quietFor: clients in a
// send loop have left by then, and one that keeps a connection and sends
// nothing has nothing to lose.
//
// Answering Connection: close before closing the listener would be worse:
// every client reconnects at once, and the connections still in the
// listener's queue when it closes are reset.
type drainer struct {
	conns    atomic.Int64 // open connections, as the server reports them
	draining atomic.Bool
	active   atomic.Int64
	lastDone atomic.Int64 // unix nanoseconds when the last request ended
}

// quietFor is how long without a request ends the drain window early: a
// client in a send loop comes back well within it.
const quietFor = 200 * time.Millisecond

// middleware marks answers Connection: close while draining and counts
// requests in flight.
func (d *drainer) middleware(c *fiber.Ctx) error {
	d.active.Add(1)
	defer func() {
		d.lastDone.Store(time.Now().UnixNano())
		d.active.Add(-1)
	}()
	if d.draining.Load() {
		c.Context().SetConnectionClose()
	}
	return c.Next()
}

// connState counts open connections; it is the server's ConnState hook.
// (fasthttp's own count is one short once the listener is closed.)
func (d *drainer) connState(_ net.Conn, state fasthttp.ConnState) {
	switch state {
	case fasthttp.StateNew:
		d.conns.Add(1)
	case fasthttp.StateClosed, fasthttp.StateHijacked:
		d.conns.Add(-1)
	}
}

// drain starts answering Connection: close and returns once the server has
// been quiet for quietFor, or window passed, saying which and how many
// connections were left open.
func (d *drainer) drain(window time.Duration) (ended string, open int64) {
	d.draining.Store(true)
	start := time.Now()
	for time.Since(start) < window {
		// The count of open connections is only reported: a wrong count
		// (a state change fasthttp does not report) must not end the
		// drain under a request; silence is the safe signal.
		last := time.Unix(0, d.lastDone.Load())
		if d.active.Load() == 0 && time.Since(last) >= quietFor {
			return "quiet", d.conns.Load()
		}
		time.Sleep(10 * time.Millisecond)
	}
	return "window passed", d.conns.Load()
}
