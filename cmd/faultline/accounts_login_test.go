package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata/metadatatest"
)

// clientFrom is an HTTP client whose connections come from a loopback
// address of its own, so the server sees a different client IP per client.
func clientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true}}
}

// postJSON posts body to the server and returns the status, Retry-After and body.
func postJSON(t *testing.T, c *http.Client, url, body string) (int, string, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		t.Error(err)
		return 0, "", ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Retry-After"), string(b)
}

// parallelLogins sends n logins at once, the i-th with body(i) from
// client(i), and counts the answers by status.
func parallelLogins(t *testing.T, srv *server, n int, client func(int) *http.Client, body func(int) string) map[int]int {
	t.Helper()
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			code, retry, _ := postJSON(t, client(i), "http://"+srv.addr+"/api/0/auth/login/", body(i))
			if (code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable) && retry == "" {
				t.Errorf("login answered %d without Retry-After", code)
			}
			mu.Lock()
			statuses[code]++
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	return statuses
}

// Failed logins are counted before the password is checked, so guesses sent
// all at once are refused like guesses sent one after another.
func TestLoginParallelGuessesAreThrottled(t *testing.T) {
	srv := testServer(t)
	email := metadatatest.Slug("pat") + "@example.com"
	if resp, _ := newBrowser(t, srv).do("POST", "/api/0/auth/register/", `{"email":"`+email+`","password":"right password"}`, nil); resp.StatusCode != http.StatusCreated {
		t.Fatal("register failed")
	}
	statuses := parallelLogins(t, srv, 40, func(int) *http.Client { return http.DefaultClient }, func(i int) string {
		return fmt.Sprintf(`{"email":%q,"password":"guess %d"}`, email, i)
	})
	if statuses[http.StatusOK] > 0 || statuses[http.StatusTooManyRequests] < 30 {
		t.Fatalf("40 parallel wrong passwords answered %v; want at most a handful of 401 and the rest 429", statuses)
	}
}

// Password hashing is bounded: 30 logins at once for unknown emails, from
// 30 addresses (so the throttle lets each through), hash a few at a time.
// The peak resident memory they cost is logged; before the bound it was
// about 2 GB.
func TestLoginMemoryIsBounded(t *testing.T) {
	srv := testServer(t)
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		t.Skipf("cannot reset the peak RSS counter: %v", err)
	}
	before := procStatusKiB(t, "VmHWM")
	statuses := parallelLogins(t, srv, 30, func(i int) *http.Client { return clientFrom(fmt.Sprintf("127.0.0.%d", 10+i)) }, func(i int) string {
		return fmt.Sprintf(`{"email":"nobody-%d-%s@example.com","password":"guess"}`, i, metadatatest.Slug("x"))
	})
	peak := procStatusKiB(t, "VmHWM")
	t.Logf("30 parallel logins for unknown emails: %v; peak RSS %d MiB -> %d MiB (+%d MiB)", statuses, before>>10, peak>>10, (peak-before)>>10)
	if statuses[http.StatusUnauthorized]+statuses[http.StatusServiceUnavailable] != 30 {
		t.Errorf("answers %v; want 401 (or 503 when hashing is saturated)", statuses)
	}
	if grew := (peak - before) >> 10; grew > 512 {
		t.Errorf("peak RSS grew by %d MiB during 30 logins; password hashing is not bounded", grew)
	}
}

func procStatusKiB(t *testing.T, field string) int64 {
	t.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), field+":"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Skipf("no %s in /proc/self/status", field)
	return 0
}

// Past its hashing slots and a short wait, a login is refused with 503 and
// Retry-After instead of queueing without bound.
func TestLoginShedsLoadWhenHashingIsBusy(t *testing.T) {
	srv := testServer(t)
	srv.db.SetPasswordHashLimit(1, time.Millisecond)
	statuses := parallelLogins(t, srv, 20, func(i int) *http.Client { return clientFrom(fmt.Sprintf("127.0.3.%d", 10+i)) }, func(i int) string {
		return fmt.Sprintf(`{"email":"nobody-%d-%s@example.com","password":"guess"}`, i, metadatatest.Slug("x"))
	})
	if statuses[http.StatusServiceUnavailable] == 0 || statuses[http.StatusUnauthorized]+statuses[http.StatusServiceUnavailable] != 20 {
		t.Errorf("20 parallel logins with one hashing slot: %v; want some 503 and the rest 401", statuses)
	}
}
