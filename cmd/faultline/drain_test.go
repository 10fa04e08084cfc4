package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"
)

// TestGracefulStopAnswersKeepAliveClients: a client that keeps its
// connection alive and sends its next request on it while the server stops
// gets an answer that closes the connection, not a reset. Before the drain,
// the stop closed the idle connection under the request; SDKs do not resend
// a POST, so under load a few events were lost unanswered.
func TestGracefulStopAnswersKeepAliveClients(t *testing.T) {
	srv, err := startServerTimed(context.Background(), testConfig(t), quietLog(), testTiming())
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	conn, err := net.Dial("tcp", srv.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	ask := func() (*http.Response, error) {
		if _, err := fmt.Fprintf(conn, "GET /.well-known/live HTTP/1.1\r\nHost: %s\r\n\r\n", srv.addr); err != nil {
			return nil, err
		}
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(r, nil)
		if err == nil {
			resp.Body.Close()
		}
		return resp, err
	}
	first, err := ask()
	if err != nil || first.StatusCode != http.StatusOK || first.Close {
		t.Fatalf("first request: %v, %+v; want 200 on a kept-alive connection", err, first)
	}

	stopped := make(chan error, 1)
	go func() { stopped <- srv.stop() }()
	var stopErr error
	waited := false
	waitStop := func() error {
		if !waited {
			stopErr, waited = <-stopped, true
		}
		return stopErr
	}
	defer waitStop() // the stop owns the data directory the test removes
	// Wait until the stop has begun: readiness drops, or the listener is gone.
	for deadline := time.Now().Add(10 * time.Second); ; {
		if !srv.isReady() {
			break
		}
		if c, err := net.DialTimeout("tcp", srv.addr, time.Second); err != nil {
			break
		} else {
			c.Close()
		}
		if time.Now().After(deadline) {
			t.Fatal("the stop did not begin within 10 s")
		}
		time.Sleep(time.Millisecond)
	}

	second, err := ask()
	if err != nil {
		t.Fatalf("request sent on the kept-alive connection as the stop began got no answer: %v", err)
	}
	if second.StatusCode != http.StatusOK || !second.Close {
		t.Errorf("second request: status %d, Connection: close %v; want 200 closing the connection", second.StatusCode, second.Close)
	}
	if err := waitStop(); err != nil {
		t.Errorf("stop: %v", err)
	}
}
