package main

import (
	"fmt"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/faultline/faultline/analytics/analyticstest"
	"github.com/faultline/faultline/metadata/metadatatest"
)

// blackHoleSMTP accepts connections and never answers, as a stuck mail
// relay does.
func blackHoleSMTP(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// A reset request answers at once, the same way, whether or not the account
// exists: the email goes out in the background, so a slow mail server
// neither delays the answer nor tells accounts apart.
func TestPasswordResetAnswersAtOnce(t *testing.T) {
	relay := blackHoleSMTP(t)
	srv := testServerWith(t, config{Listen: "127.0.0.1:0", DatabaseURL: metadatatest.URL(t),
		ClickHouseURL: analyticstest.URL(t), DataDir: t.TempDir(), SecretKey: testSecret,
		SMTPURL: "smtp://" + relay + "?tls=none", EmailFrom: "faultline@example.com"})
	// Registered here, where no mail is waited for.
	owner := metadatatest.Project(t, srv.db, testSecret)
	var me struct{ User struct{ Email string } }
	apiClient{t: t, base: "http://" + srv.addr, token: owner.Token}.get("/api/0/", &me)

	var bodies []string
	for _, email := range []string{me.User.Email, "nobody-" + me.User.Email} {
		start := time.Now()
		code, _, body := postJSON(t, http.DefaultClient, "http://"+srv.addr+"/api/0/auth/password-reset/", `{"email":"`+email+`"}`)
		took := time.Since(start)
		t.Logf("reset request for %s: %d in %v", email, code, took)
		if code != http.StatusAccepted {
			t.Errorf("reset request for %s: %d %s, want 202", email, code, body)
		}
		if took > 3*time.Second {
			t.Errorf("reset request for %s took %v with a mail server that does not answer", email, took)
		}
		bodies = append(bodies, body)
	}
	if bodies[0] != bodies[1] {
		t.Errorf("reset answers differ: %s / %s", bodies[0], bodies[1])
	}
}

// Reset emails are rate limited per address and per client address.
func TestPasswordResetIsRateLimited(t *testing.T) {
	srv, _ := mailServer(t)
	reset := func(c *http.Client, email string) (int, string) {
		code, retry, _ := postJSON(t, c, "http://"+srv.addr+"/api/0/auth/password-reset/", `{"email":"`+email+`"}`)
		return code, retry
	}
	email := metadatatest.Slug("flood") + "@example.com"
	var codes []int
	for i := range 4 {
		code, retry := reset(clientFrom(fmt.Sprintf("127.0.1.%d", i+1)), email)
		codes = append(codes, code)
		if code == http.StatusTooManyRequests && retry == "" {
			t.Error("429 without Retry-After")
		}
	}
	if codes[0] != http.StatusAccepted || codes[3] != http.StatusTooManyRequests {
		t.Errorf("four reset requests for one address from four clients: %v; want 202 first and 429 by the fourth", codes)
	}

	one := clientFrom("127.0.2.1")
	codes = codes[:0]
	for i := range 12 {
		code, _ := reset(one, fmt.Sprintf("%s-%d@example.com", metadatatest.Slug("many"), i))
		codes = append(codes, code)
	}
	if codes[0] != http.StatusAccepted || codes[11] != http.StatusTooManyRequests {
		t.Errorf("twelve reset requests for different addresses from one client: %v; want 202 first and 429 by the last", codes)
	}
	if code, _ := reset(clientFrom("127.0.2.2"), metadatatest.Slug("other")+"@example.com"); code != http.StatusAccepted {
		t.Errorf("another client's reset request: %d, want 202", code)
	}
}
