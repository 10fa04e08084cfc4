package monitor

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// tlsServer serves HTTPS on 127.0.0.1 with a self-signed certificate for
// the IP 127.0.0.1 valid until notAfter, and returns it with a pool that
// trusts the certificate.
func tlsServer(t *testing.T, notBefore, notAfter time.Time) (*httptest.Server, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "faultline test"},
		NotBefore: notBefore, NotAfter: notAfter, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, pool
}

func TestTLSChecks(t *testing.T) {
	now := time.Now()
	shortLived, pool := tlsServer(t, now.Add(-time.Hour), now.Add(5*24*time.Hour+time.Hour))
	expired, expiredPool := tlsServer(t, now.Add(-48*time.Hour), now.Add(-time.Hour))
	_, port, _ := net.SplitHostPort(shortLived.Listener.Addr().String())
	ctx := context.Background()
	guard := Guard{AllowPrivate: true}

	// Valid but short-lived: up, and the 7-day threshold is reported once.
	c := &Checker{Guard: guard, RootCAs: pool}
	for _, spec := range []Spec{{Kind: "tls", URL: shortLived.Listener.Addr().String()}, {Kind: "tls", URL: shortLived.URL},
		{Kind: "http", URL: shortLived.URL, StatusMin: 200, StatusMax: 299}} {
		r := c.Check(ctx, spec)
		if !r.Up || r.CertNotAfter.IsZero() {
			t.Fatalf("%s %s: %+v", spec.Kind, spec.URL, r)
		}
		var s State
		changes := s.Apply(r, 2, []int32{30, 14, 7, 3, 1}, now)
		if len(changes) != 2 || changes[1].Kind != "tls_expiry" || !strings.Contains(changes[1].Reason, "expires in 5 days") ||
			!strings.Contains(changes[1].Reason, "threshold 7 days") {
			t.Errorf("%s %s: changes %+v", spec.Kind, spec.URL, changes)
		}
	}
	// The certificate names 127.0.0.1, not localhost.
	if r := c.Check(ctx, Spec{Kind: "tls", URL: "localhost:" + port}); r.Up || !strings.Contains(r.Reason, "not valid for localhost") {
		t.Errorf("hostname mismatch: %+v", r)
	}
	// Not trusted without its root.
	if r := (&Checker{Guard: guard}).Check(ctx, Spec{Kind: "tls", URL: shortLived.URL}); r.Up || !strings.Contains(r.Reason, "unknown authority") {
		t.Errorf("untrusted: %+v", r)
	}
	if r := (&Checker{Guard: guard, RootCAs: expiredPool}).Check(ctx, Spec{Kind: "tls", URL: expired.URL}); r.Up || !strings.Contains(r.Reason, "expired") {
		t.Errorf("expired: %+v", r)
	}
}

func TestTCPChecks(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	c := &Checker{Guard: Guard{AllowPrivate: true}}
	if r := c.Check(context.Background(), Spec{Kind: "tcp", URL: addr, Timeout: time.Second}); !r.Up {
		t.Errorf("listening port: %+v", r)
	}
	if r := c.Check(context.Background(), Spec{Kind: "tcp", URL: "tcp://" + addr, Timeout: time.Second}); !r.Up {
		t.Errorf("tcp:// form: %+v", r)
	}
	l.Close()
	if r := c.Check(context.Background(), Spec{Kind: "tcp", URL: addr, Timeout: time.Second}); r.Up || r.Reason != "connection refused" {
		t.Errorf("closed port: %+v", r)
	}
	if r := c.Check(context.Background(), Spec{Kind: "tcp", URL: "no-port", Timeout: time.Second}); r.Up || !strings.Contains(r.Reason, "host:port") {
		t.Errorf("no port: %+v", r)
	}
}
