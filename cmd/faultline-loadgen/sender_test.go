package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// envelopeServer answers envelope posts the way answer says, after checking
// that each arrived whole, and counts the connections it accepted.
type envelopeServer struct {
	*httptest.Server
	conns atomic.Int64
	posts atomic.Int64
}

func newEnvelopeServer(t *testing.T, answer func(w http.ResponseWriter, r *http.Request)) *envelopeServer {
	t.Helper()
	s := &envelopeServer{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		switch {
		case err != nil:
			t.Errorf("reading the body: %v", err)
		case r.Method != http.MethodPost || r.URL.Path != "/api/42/envelope/":
			t.Errorf("got %s %s, want POST /api/42/envelope/", r.Method, r.URL.Path)
		case string(body) != "the envelope":
			t.Errorf("got body %q, want %q", body, "the envelope")
		case r.Header.Get("Content-Encoding") != "gzip" || r.Header.Get("Content-Type") != "application/x-sentry-envelope":
			t.Errorf("got headers %v", r.Header)
		case !strings.Contains(r.Header.Get("X-Sentry-Auth"), "sentry_key=public-key"):
			t.Errorf("got X-Sentry-Auth %q, want the target's key", r.Header.Get("X-Sentry-Auth"))
		}
		s.posts.Add(1)
		answer(w, r)
	}))
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func (s *envelopeServer) job() job {
	return job{target: &target{base: s.URL, key: "public-key", ProjectID: 42}, body: []byte("the envelope"), encoding: "gzip"}
}

func TestSenderPostsOverOneConnection(t *testing.T) {
	for _, tc := range []struct {
		name      string
		answer    func(w http.ResponseWriter, r *http.Request)
		wantConns int64
	}{
		{"with a length", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "11")
			_, _ = io.WriteString(w, `{"id":"ab"}`)
		}, 1},
		{"in chunks", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, `{"id":`)
			w.(http.Flusher).Flush()
			_, _ = io.WriteString(w, `"ab"}`)
		}, 1},
		{"closing each connection", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Connection", "close")
			w.WriteHeader(http.StatusTooManyRequests)
		}, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newEnvelopeServer(t, tc.answer)
			snd := newSender(5 * time.Second)
			defer snd.close()
			for i := range 5 {
				status, err := snd.post(srv.job())
				if err != nil {
					t.Fatalf("post %d: %v", i, err)
				}
				if status != http.StatusOK && status != http.StatusTooManyRequests {
					t.Fatalf("post %d: status %d", i, status)
				}
			}
			if got := srv.posts.Load(); got != 5 {
				t.Errorf("the server saw %d posts, want 5", got)
			}
			if got := srv.conns.Load(); got != tc.wantConns {
				t.Errorf("the posts took %d connections, want %d", got, tc.wantConns)
			}
		})
	}
}

// A kept-alive connection the server closed while it sat idle is how every
// long-running client meets a server's idle timeout: the next post must go
// through on a new connection, not count as a failure.
func TestSenderOutlivesAnIdleTimeout(t *testing.T) {
	srv := newEnvelopeServer(t, func(w http.ResponseWriter, r *http.Request) {})
	snd := newSender(5 * time.Second)
	defer snd.close()
	if _, err := snd.post(srv.job()); err != nil {
		t.Fatal(err)
	}
	srv.CloseClientConnections()
	time.Sleep(20 * time.Millisecond)
	status, err := snd.post(srv.job())
	if err != nil || status != http.StatusOK {
		t.Fatalf("post after the server closed the idle connection: status %d, %v; want 200", status, err)
	}
	if got := srv.conns.Load(); got != 2 {
		t.Errorf("took %d connections, want 2", got)
	}
}

// A server that takes the request and closes without an answer is a
// failure to report, not a request to send again: it may have been stored.
func TestSenderReportsAConnectionClosedWithoutAnswer(t *testing.T) {
	var accepted atomic.Int64
	j := rawServer(t, func(c net.Conn) {
		accepted.Add(1)
		_, _ = c.Read(make([]byte, 4096))
	})
	snd := newSender(5 * time.Second)
	defer snd.close()
	if status, err := snd.post(j); err == nil {
		t.Fatalf("post got status %d and no error from a server that closed without answering", status)
	}
	if got := accepted.Load(); got != 1 {
		t.Errorf("the request was sent on %d connections, want 1", got)
	}
}

func TestSenderRefusesAnUnknownScheme(t *testing.T) {
	snd := newSender(time.Second)
	_, err := snd.post(job{target: &target{base: "ftp://127.0.0.1:21"}})
	if err == nil || !strings.Contains(err.Error(), `scheme "ftp"`) {
		t.Fatalf("got %v, want an error naming the scheme", err)
	}
}

// An answer cut off after its first bytes means the server took the
// request: the sender must report it, not send it again, even on a
// kept-alive connection.
func TestSenderDoesNotResendAfterAPartialAnswer(t *testing.T) {
	var requests atomic.Int64
	j := rawServer(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		for {
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			_, _ = io.Copy(io.Discard, req.Body)
			if requests.Add(1) == 1 {
				_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
				continue
			}
			_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\n") // the headers never come
			return
		}
	})
	snd := newSender(5 * time.Second)
	defer snd.close()
	if status, err := snd.post(j); err != nil || status != http.StatusOK {
		t.Fatalf("first post: status %d, %v", status, err)
	}
	if status, err := snd.post(j); err == nil {
		t.Fatalf("second post got status %d and no error from an answer cut short", status)
	}
	if got := requests.Load(); got != 2 {
		t.Errorf("the server got %d requests, want 2 (the cut-off one must not be sent again)", got)
	}
}

// rawServer serves each connection with serve, closing it afterwards, and
// returns a job addressed to it.
func rawServer(t *testing.T, serve func(net.Conn)) job {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				serve(c)
			}()
		}
	}()
	return job{target: &target{base: "http://" + ln.Addr().String(), key: "k", ProjectID: 1}, body: []byte("x")}
}

// An https DSN is posted to over TLS, checked against the server's name.
func TestSenderPostsOverTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil || r.URL.Path != "/api/7/envelope/" {
			t.Errorf("got %s over TLS %v", r.URL.Path, r.TLS != nil)
		}
	}))
	defer srv.Close()
	snd := newSender(5 * time.Second)
	defer snd.close()
	snd.tls = srv.Client().Transport.(*http.Transport).TLSClientConfig
	j := job{target: &target{base: srv.URL, key: "k", ProjectID: 7}, body: []byte("x")}
	for i := range 2 {
		if status, err := snd.post(j); err != nil || status != http.StatusOK {
			t.Fatalf("post %d: status %d, %v", i, status, err)
		}
	}

	// Without the test server's certificate among the roots, the
	// handshake must fail rather than post unverified.
	strict := newSender(5 * time.Second)
	defer strict.close()
	if _, err := strict.post(j); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("got %v, want a certificate error", err)
	}
}
