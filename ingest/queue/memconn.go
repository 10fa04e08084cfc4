package queue

import (
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// memConnPair returns the two ends of an in-memory connection. Unlike
// net.Pipe's, a write does not wait for the reader: it appends to the
// peer's buffer and returns, as a write into a socket's buffer does, and
// waits only while memConnBuffer bytes are unread. kfake reads a request's
// 4-byte size and its body in two reads, and with net.Pipe each write
// waited out both hand-overs: an in-process produce then cost more CPU
// than one over loopback TCP.
func memConnPair(addr net.Addr) (net.Conn, net.Conn) {
	a, b := newMemHalf(), newMemHalf()
	return &memConn{in: a, out: b, addr: addr}, &memConn{in: b, out: a, addr: addr}
}

// memConnBuffer is how many unread bytes a direction holds before a write
// waits; a larger write still goes whole into an empty buffer.
const memConnBuffer = 4 << 20

// memConnKeep is the largest buffer a direction keeps once read empty.
const memConnKeep = 256 << 10

// memHalf carries bytes one way.
type memHalf struct {
	mu    sync.Mutex
	buf   []byte // written; buf[off:] is not read yet
	off   int
	eof   bool          // the writing end closed
	ready chan struct{} // capacity 1: bytes arrived, or eof
	space chan struct{} // capacity 1: bytes were read
	// closed is closed when the reading end closes.
	closed chan struct{}
	once   sync.Once
}

func newMemHalf() *memHalf {
	return &memHalf{ready: make(chan struct{}, 1), space: make(chan struct{}, 1), closed: make(chan struct{})}
}

func notify(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

type memConn struct {
	in, out *memHalf
	addr    net.Addr

	readBy, writeBy deadline
}

// deadline is one direction's deadline, with a channel closed when it
// moves, for a call that waits to look again.
type deadline struct {
	mu    sync.Mutex
	until time.Time
	moved chan struct{}
}

func (d *deadline) get() (time.Time, <-chan struct{}) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.moved == nil {
		d.moved = make(chan struct{})
	}
	return d.until, d.moved
}

func (d *deadline) set(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.until = t
	if d.moved != nil {
		close(d.moved)
		d.moved = nil
	}
}

// start is where a read or a write begins each try: it fails if this end
// is closed or the deadline passed, and says how long it may wait.
func (c *memConn) start(d *deadline) (until time.Time, moved <-chan struct{}, err error) {
	select {
	case <-c.in.closed:
		return time.Time{}, nil, net.ErrClosed
	default:
	}
	if until, moved = d.get(); !until.IsZero() && !time.Now().Before(until) {
		return until, moved, os.ErrDeadlineExceeded
	}
	return until, moved, nil
}

func (c *memConn) Read(p []byte) (int, error) {
	for {
		until, moved, err := c.start(&c.readBy)
		if err != nil {
			return 0, err
		}
		c.in.mu.Lock()
		if c.in.off < len(c.in.buf) {
			n := copy(p, c.in.buf[c.in.off:])
			if c.in.off += n; c.in.off == len(c.in.buf) {
				c.in.buf, c.in.off = c.in.buf[:0], 0 // all read: the array takes the next writes
				if cap(c.in.buf) > memConnKeep {
					c.in.buf = nil // unless a large fetch grew it: not held for the connection's life
				}
			}
			more := c.in.off > 0 // bytes left for another reader waiting
			c.in.mu.Unlock()
			notify(c.in.space)
			if more {
				notify(c.in.ready)
			}
			return n, nil
		}
		eof := c.in.eof
		c.in.mu.Unlock()
		if eof {
			return 0, io.EOF
		}
		if len(p) == 0 {
			return 0, nil
		}
		if err := wait(c.in.ready, c.in.closed, until, moved); err != nil {
			return 0, err
		}
	}
}

func (c *memConn) Write(p []byte) (int, error) {
	for {
		until, moved, err := c.start(&c.writeBy)
		if err != nil {
			return 0, err
		}
		c.out.mu.Lock()
		select {
		case <-c.out.closed: // the peer is gone
			c.out.mu.Unlock()
			return 0, io.ErrClosedPipe
		default:
		}
		if unread := len(c.out.buf) - c.out.off; unread == 0 || unread+len(p) <= memConnBuffer {
			c.out.buf = append(c.out.buf, p...)
			c.out.mu.Unlock()
			notify(c.out.ready)
			return len(p), nil
		}
		c.out.mu.Unlock()
		if err := wait(c.out.space, c.in.closed, until, moved); err != nil {
			return 0, err
		}
	}
}

// wait returns nil once ch is signalled, net.ErrClosed once closed is
// closed, os.ErrDeadlineExceeded at until (never if zero), and nil when
// the deadline moved, for the caller to look again.
func wait(ch, closed <-chan struct{}, until time.Time, moved <-chan struct{}) error {
	var expired <-chan time.Time
	if !until.IsZero() {
		d := time.Until(until)
		if d <= 0 {
			return os.ErrDeadlineExceeded
		}
		t := time.NewTimer(d)
		defer t.Stop()
		expired = t.C
	}
	select {
	case <-ch:
		return nil
	case <-closed:
		return net.ErrClosed
	case <-expired:
		return os.ErrDeadlineExceeded
	case <-moved:
		return nil
	}
}

// Close ends both directions: the peer reads what was written, then EOF,
// and its writes fail; a read or write waiting on this end returns, and
// so does the peer's write waiting for room.
func (c *memConn) Close() error {
	c.in.once.Do(func() { close(c.in.closed) })
	notify(c.in.space)
	c.out.mu.Lock()
	c.out.eof = true
	c.out.mu.Unlock()
	notify(c.out.ready)
	return nil
}

func (c *memConn) LocalAddr() net.Addr  { return c.addr }
func (c *memConn) RemoteAddr() net.Addr { return c.addr }

func (c *memConn) SetDeadline(t time.Time) error {
	c.SetReadDeadline(t)
	return c.SetWriteDeadline(t)
}

// SetReadDeadline bounds reads, a read already waiting included.
func (c *memConn) SetReadDeadline(t time.Time) error { c.readBy.set(t); return nil }

// SetWriteDeadline bounds writes, a write already waiting included.
func (c *memConn) SetWriteDeadline(t time.Time) error { c.writeBy.set(t); return nil }
