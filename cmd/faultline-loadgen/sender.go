package main

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"syscall"
	"time"
)

// sender posts envelopes over one kept-alive HTTP/1.1 connection of its
// own. Each worker has one. net/http's client spent about 90 µs of the
// generator's CPU per request (two goroutines per connection handing each
// request and answer over, headers built in maps, the URL formatted anew);
// on a machine the generator shares with the server, that CPU came out of
// the server's. A sender writes a request's head and body in one system
// call and parses the answer with net/http's own reader, so any framing the
// server may choose (a length, chunks, a close) is read correctly.
type sender struct {
	timeout time.Duration
	tls     *tls.Config // for https targets; nil: the system's roots

	conn   net.Conn
	read   countingReader // conn, counting what the answers took from it
	base   string         // the target the connection leads to: scheme://host[:port]
	host   string         // its Host header
	br     *bufio.Reader
	head   []byte
	reused bool // the connection has carried a request before
}

func newSender(timeout time.Duration) *sender {
	return &sender{timeout: timeout, br: bufio.NewReaderSize(nil, 4096)}
}

// post sends j to its target and returns the answer's status. A request
// that fails on a kept-alive connection the server closed meanwhile is sent
// once more on a new one, as net/http does: the server read none of it.
func (s *sender) post(j job) (int, error) {
	status, sentNothing, err := s.try(j)
	if err != nil && sentNothing {
		status, _, err = s.try(j)
	}
	return status, err
}

// try sends j once. sentNothing is true when it failed on a reused
// connection before the answer began, which is how a connection the
// server closed while it was idle shows.
func (s *sender) try(j job) (status int, sentNothing bool, err error) {
	if err := s.connect(j.target.base); err != nil {
		return 0, false, err
	}
	reused := s.reused
	s.reused = true
	_ = s.conn.SetDeadline(time.Now().Add(s.timeout))
	s.head = appendRequestHead(s.head[:0], j, s.host)
	bufs := net.Buffers{s.head, j.body}
	if _, err := bufs.WriteTo(s.conn); err != nil {
		s.close()
		return 0, reused, fmt.Errorf("send: %w", err)
	}
	readBefore := s.read.n
	resp, err := http.ReadResponse(s.br, nil)
	if err != nil {
		s.close()
		// ReadResponse reports a close before the first byte as an
		// unexpected EOF too; the count tells the two apart.
		began := s.read.n > readBefore || !(errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || isReset(err))
		return 0, reused && !began, fmt.Errorf("read answer: %w", err)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil || resp.Close {
		s.close()
	}
	if err != nil {
		return 0, false, fmt.Errorf("read answer: %w", err)
	}
	return resp.StatusCode, false, nil
}

// connect dials base (scheme://host[:port]) unless the open connection
// already leads there.
func (s *sender) connect(base string) error {
	if s.conn != nil && s.base == base {
		return nil
	}
	s.close()
	u, err := url.Parse(base)
	if err != nil {
		return fmt.Errorf("target %q: %w", base, err)
	}
	addr := u.Host
	if u.Port() == "" {
		port := "80"
		if u.Scheme == "https" {
			port = "443"
		}
		addr = net.JoinHostPort(u.Hostname(), port)
	}
	d := net.Dialer{Timeout: s.timeout, KeepAlive: 30 * time.Second}
	var c net.Conn
	switch u.Scheme {
	case "http":
		c, err = d.Dial("tcp", addr)
	case "https":
		cfg := &tls.Config{}
		if s.tls != nil {
			cfg = s.tls.Clone()
		}
		cfg.ServerName = u.Hostname()
		c, err = tls.DialWithDialer(&d, "tcp", addr, cfg)
	default:
		return fmt.Errorf("target %q: scheme %q is neither http nor https", base, u.Scheme)
	}
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	s.conn, s.base, s.host, s.reused = c, base, u.Host, false
	s.read = countingReader{r: c}
	s.br.Reset(&s.read)
	return nil
}

// countingReader is r, counting the bytes read from it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// isReset tells whether err is the peer having closed or reset the
// connection.
func isReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

func (s *sender) close() {
	if s.conn != nil {
		_ = s.conn.Close()
		s.conn = nil
	}
}

// appendRequestHead appends the request line and headers of j's POST.
func appendRequestHead(b []byte, j job, host string) []byte {
	b = append(b, "POST /api/"...)
	b = strconv.AppendInt(b, j.target.ProjectID, 10)
	b = append(b, "/envelope/ HTTP/1.1\r\nHost: "...)
	b = append(b, host...)
	b = append(b, "\r\nUser-Agent: faultline-loadgen/1.0\r\nContent-Type: application/x-sentry-envelope\r\n"...)
	if j.encoding != "" {
		b = append(b, "Content-Encoding: "...)
		b = append(b, j.encoding...)
		b = append(b, "\r\n"...)
	}
	b = append(b, "X-Sentry-Auth: Sentry sentry_version=7, sentry_client=faultline-loadgen/1.0, sentry_key="...)
	b = append(b, j.target.key...)
	b = append(b, "\r\nContent-Length: "...)
	b = strconv.AppendInt(b, int64(len(j.body)), 10)
	return append(b, "\r\n\r\n"...)
}
