package monitor

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestGuardRefusesPrivateTargets(t *testing.T) {
	g := Guard{}
	for _, tc := range []struct {
		host    string
		refused bool
	}{
		{"127.0.0.1", true},
		{"10.1.2.3", true},
		{"172.16.0.1", true},
		{"192.168.1.1", true},
		{"169.254.169.254", true}, // cloud metadata
		{"100.64.0.1", true},      // carrier-grade NAT
		{"0.0.0.0", true},
		{"[::1]", true},
		{"::ffff:127.0.0.1", true}, // IPv4-mapped IPv6
		{"[::ffff:10.0.0.1]", true},
		{"fe80::1", true},
		{"fc00::1", true},
		{"64:ff9b::7f00:1", true}, // NAT64 of 127.0.0.1
		{"2130706433", true},      // decimal 127.0.0.1
		{"0177.0.0.1", true},      // octal
		{"0x7f.0.0.1", true},      // hex
		{"0x7f000001", true},
		{"127.1", true}, // short form
		{"8.8.8.8", false},
		{"2001:4860:4860::8888", false},
		{"example.com", false}, // names are judged after resolution
		{"1password.com", false},
	} {
		err := g.CheckHost(tc.host)
		if (err != nil) != tc.refused {
			t.Errorf("CheckHost(%q) = %v, refused want %v", tc.host, err, tc.refused)
		}
	}
}

// A name that resolves to a private address (as DNS rebinding makes one do
// after the first lookup) is refused when the connection is made.
func TestGuardChecksAddressesAtConnectTime(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	c := &Checker{Guard: Guard{}}
	ctx := context.Background()
	for _, tc := range []struct{ name, kind, url string }{
		{"http by name", "http", "http://localhost:" + port + "/"},
		{"tcp by name", "tcp", "localhost:" + port},
		{"tls by name", "tls", "localhost:" + port},
		{"http by address", "http", "http://127.0.0.1:" + port + "/"},
	} {
		r := c.Check(ctx, Spec{Kind: tc.kind, URL: tc.url, Timeout: 2 * time.Second})
		if r.Up || !strings.Contains(r.Reason, "not allowed") {
			t.Errorf("%s: up %v, reason %q; want refused", tc.name, r.Up, r.Reason)
		}
	}
	allowed := &Checker{Guard: Guard{AllowPrivate: true}}
	if r := allowed.Check(ctx, Spec{Kind: "http", URL: "http://localhost:" + port + "/", Timeout: 2 * time.Second}); !r.Up {
		t.Errorf("with private targets allowed: %+v", r)
	}
}

// A redirect from an allowed target to a private one is refused.
func TestGuardRefusesRedirectsToPrivateTargets(t *testing.T) {
	private := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("secret")) }))
	l, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatalf("listen on 127.0.0.2: %v", err)
	}
	private.Listener = l
	private.Start()
	defer private.Close()
	public := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, private.URL+"/metadata", http.StatusFound)
	}))
	defer public.Close()
	// Only the "public" server's address is allowed.
	c := &Checker{Guard: Guard{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}}
	r := c.Check(context.Background(), Spec{Kind: "http", URL: public.URL, FollowRedirects: true, Timeout: 2 * time.Second})
	if r.Up || !strings.Contains(r.Reason, "not allowed") {
		t.Errorf("redirect to 127.0.0.2: up %v, reason %q; want refused", r.Up, r.Reason)
	}
	r = c.Check(context.Background(), Spec{Kind: "http", URL: public.URL, FollowRedirects: false, StatusMin: 302, StatusMax: 302, Timeout: 2 * time.Second})
	if !r.Up || r.StatusCode != http.StatusFound {
		t.Errorf("not following the redirect: %+v", r)
	}
}
