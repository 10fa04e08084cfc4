// Package mailtest runs a real SMTP server on loopback for tests.
package mailtest

import (
	"io"
	"mime/quotedprintable"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// TestServer is a real SMTP server on loopback that keeps what it receives,
// for tests.
type TestServer struct {
	Addr string

	mu       sync.Mutex
	messages []Received
	notify   chan struct{}
}

// Received is a message the test server accepted.
type Received struct {
	From string
	To   []string
	Data string // as received, quoted-printable parts still encoded
}

// Text is the message with quoted-printable encoding undone, so that long
// links can be searched for whole.
func (r Received) Text() string {
	b, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(r.Data)))
	if err != nil {
		return r.Data
	}
	return string(b)
}

// StartTestServer starts a server for the duration of the test.
func StartTestServer(t testing.TB) *TestServer {
	t.Helper()
	ts := &TestServer{notify: make(chan struct{}, 100)}
	srv := smtp.NewServer(ts)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts.Addr = ln.Addr().String()
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(ln)
	}()
	t.Cleanup(func() {
		// srv.Close closes only the listeners Serve has registered: a test
		// that ends before Serve got that far would leave it accepting
		// forever. Closing the listener here ends Serve either way.
		_ = srv.Close()
		_ = ln.Close()
		<-served
	})
	return ts
}

// Wait returns the first message sent to rcpt, waiting up to timeout.
func (ts *TestServer) Wait(rcpt string, timeout time.Duration) (Received, bool) {
	return ts.WaitFor(rcpt, "", timeout)
}

// WaitFor returns the first message sent to rcpt whose text holds substr,
// waiting up to timeout.
func (ts *TestServer) WaitFor(rcpt, substr string, timeout time.Duration) (Received, bool) {
	deadline := time.After(timeout)
	for {
		ts.mu.Lock()
		for _, m := range ts.messages {
			for _, to := range m.To {
				if to == rcpt && strings.Contains(m.Text(), substr) {
					ts.mu.Unlock()
					return m, true
				}
			}
		}
		ts.mu.Unlock()
		select {
		case <-ts.notify:
		case <-deadline:
			return Received{}, false
		}
	}
}

// NewSession implements smtp.Backend.
func (ts *TestServer) NewSession(*smtp.Conn) (smtp.Session, error) { return &testSession{ts: ts}, nil }

type testSession struct {
	ts  *TestServer
	msg Received
}

func (s *testSession) Reset()                                      { s.msg = Received{} }
func (s *testSession) Logout() error                               { return nil }
func (s *testSession) Mail(from string, _ *smtp.MailOptions) error { s.msg.From = from; return nil }
func (s *testSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.msg.To = append(s.msg.To, to)
	return nil
}
func (s *testSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.msg.Data = string(b)
	s.ts.mu.Lock()
	s.ts.messages = append(s.ts.messages, s.msg)
	s.ts.mu.Unlock()
	select {
	case s.ts.notify <- struct{}{}:
	default:
	}
	return nil
}
