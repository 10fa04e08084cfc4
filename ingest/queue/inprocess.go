package queue

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"
)

// DialFunc opens a connection to a broker, as net.Dialer.DialContext does.
type DialFunc func(ctx context.Context, network, address string) (net.Conn, error)

// inProcessListener is the embedded broker's listener: it accepts TCP
// connections as before, and connections from this process that never
// touch a socket. The writer and the workers of the process that runs the
// broker reach it through Embedded.Dial; every request and response then
// costs no system call and no pass through the kernel's loopback stack,
// which were about 4 % of the server's CPU at full ingest.
type inProcessListener struct {
	net.Listener
	conns     chan net.Conn // in-process and TCP connections, for Accept
	closed    chan struct{}
	closeOnce sync.Once
}

func newInProcessListener(l net.Listener) *inProcessListener {
	ip := &inProcessListener{Listener: l, conns: make(chan net.Conn), closed: make(chan struct{})}
	go ip.acceptTCP()
	return ip
}

// acceptTCP hands the TCP listener's connections to Accept, until the
// listener is closed. Any other failure (too many open files, under a
// flood of ingest connections) is waited out and tried again: kfake stops
// accepting at its first error, and with it the in-process connections,
// for as long as the process runs.
func (l *inProcessListener) acceptTCP() {
	backoff := acceptBackoff
	for {
		c, err := l.Listener.Accept()
		if errors.Is(err, net.ErrClosed) {
			return // by Close, which Accept answers
		}
		if err != nil {
			select {
			case <-time.After(backoff):
			case <-l.closed:
				return
			}
			backoff = min(2*backoff, time.Second)
			continue
		}
		backoff = acceptBackoff
		select {
		case l.conns <- c:
		case <-l.closed:
			c.Close()
			return
		}
	}
}

// acceptBackoff is the first wait after a failed accept; each further
// failure doubles it, up to a second.
const acceptBackoff = 5 * time.Millisecond

func (l *inProcessListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *inProcessListener) Close() error {
	l.closeOnce.Do(func() { close(l.closed) })
	return l.Listener.Close()
}

// dial returns the client end of a new in-process connection.
func (l *inProcessListener) dial(ctx context.Context) (net.Conn, error) {
	client, server := memConnPair(l.Listener.Addr())
	select {
	case l.conns <- server:
		return client, nil
	case <-l.closed:
		client.Close()
		server.Close()
		return nil, net.ErrClosed
	case <-ctx.Done():
		client.Close()
		server.Close()
		return nil, ctx.Err()
	}
}
