package main

import (
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
)

// drainer ends keep-alive connections cleanly before a graceful stop.
//
// fasthttp's Shutdown closes every connection that sits idle between two
// requests. A client that is writing its next request on such a connection
// at that moment gets a reset instead of an answer, and SDKs do not resend a
// POST that may have been read. So for a short while first, every answer
// says Connection: close: each client learns from an answer that its
// connection ends, and opens a new one (refused cleanly once the listener
// is closed). The window ends early once no request has come for quietFor.
type drainer struct {
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

// drain starts answering Connection: close and returns when the server has
// been quiet for quietFor, or after window.
func (d *drainer) drain(window time.Duration) {
	d.draining.Store(true)
	start := time.Now()
	for time.Since(start) < window {
		last := time.Unix(0, d.lastDone.Load())
		if d.active.Load() == 0 && time.Since(last) >= quietFor {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}
