package monitor

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Spec is what one check does.
type Spec struct {
	Kind            string // http, tcp, tls
	URL             string // http(s)://…; host:port (or tcp://host:port) for tcp; https://host[:port] or host:port for tls
	Method          string // GET, POST, HEAD
	Body            string
	Headers         map[string]string
	StatusMin       int // expected status range, inclusive
	StatusMax       int
	Keyword         string // must appear in the body (or must not, with KeywordAbsent)
	KeywordAbsent   bool
	FollowRedirects bool
	Timeout         time.Duration
}

// Result is one check's outcome.
type Result struct {
	At           time.Time
	Up           bool
	Reason       string // why it is down; empty when up
	StatusCode   int
	ResponseTime time.Duration
	CertNotAfter time.Time // when the certificate expires (tls, and https checks)
}

// Checker runs checks through a Guard.
type Checker struct {
	Guard     Guard
	BodyLimit int64          // bytes of a response read for keywords; 1 MiB when zero
	RootCAs   *x509.CertPool // trusted roots; the system's when nil
}

// Check runs spec once.
func (c *Checker) Check(ctx context.Context, spec Spec) Result {
	timeout := spec.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	var r Result
	switch spec.Kind {
	case "http":
		r = c.http(ctx, spec)
	case "tcp":
		r = c.tcp(ctx, spec)
	case "tls":
		r = c.tls(ctx, spec)
	default:
		r = Result{Reason: fmt.Sprintf("monitor kind %q cannot be checked", spec.Kind)}
	}
	r.At, r.ResponseTime = start, time.Since(start)
	if !r.Up && ctx.Err() == context.DeadlineExceeded {
		r.Reason = fmt.Sprintf("timed out after %s", timeout)
	}
	return r
}

func (c *Checker) http(ctx context.Context, spec Spec) Result {
	u, err := url.Parse(spec.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Result{Reason: "the URL must be http:// or https:// with a host"}
	}
	if err := c.Guard.CheckHost(u.Hostname()); err != nil {
		return Result{Reason: err.Error()}
	}
	method := spec.Method
	if method == "" {
		method = http.MethodGet
	}
	req, err := http.NewRequestWithContext(ctx, method, spec.URL, strings.NewReader(spec.Body))
	if err != nil {
		return Result{Reason: "the request cannot be made: " + err.Error()}
	}
	req.Header.Set("User-Agent", "Faultline-Uptime/1.0")
	for k, v := range spec.Headers {
		req.Header.Set(k, v)
	}
	transport := &http.Transport{
		DialContext:         c.Guard.Dialer(spec.Timeout).DialContext,
		TLSClientConfig:     &tls.Config{RootCAs: c.RootCAs, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout: spec.Timeout,
		DisableKeepAlives:   true, // every check measures a whole connection
		Proxy:               nil,
	}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, CheckRedirect: func(next *http.Request, via []*http.Request) error {
		if !spec.FollowRedirects {
			return http.ErrUseLastResponse
		}
		if len(via) >= 10 {
			return errors.New("more than 10 redirects")
		}
		return c.Guard.CheckHost(next.URL.Hostname())
	}}
	resp, err := client.Do(req)
	if err != nil {
		return Result{Reason: describe(err)}
	}
	defer resp.Body.Close()
	r := Result{StatusCode: resp.StatusCode}
	if resp.TLS != nil && len(resp.TLS.PeerCertificates) > 0 {
		r.CertNotAfter = resp.TLS.PeerCertificates[0].NotAfter
	}
	limit := c.BodyLimit
	if limit <= 0 {
		limit = 1 << 20
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if err != nil && spec.Keyword != "" {
		r.Reason = "reading the response: " + describe(err)
		return r
	}
	lo, hi := spec.StatusMin, spec.StatusMax
	if lo == 0 && hi == 0 {
		lo, hi = 200, 299
	}
	switch found := bytes.Contains(body, []byte(spec.Keyword)); {
	case resp.StatusCode < lo || resp.StatusCode > hi:
		r.Reason = fmt.Sprintf("status %d, expected %s", resp.StatusCode, statusRange(lo, hi))
	case spec.Keyword != "" && !spec.KeywordAbsent && !found:
		r.Reason = fmt.Sprintf("keyword %q missing from the response", spec.Keyword)
	case spec.Keyword != "" && spec.KeywordAbsent && found:
		r.Reason = fmt.Sprintf("keyword %q present in the response", spec.Keyword)
	default:
		r.Up = true
	}
	return r
}

func statusRange(lo, hi int) string {
	if lo == hi {
		return fmt.Sprint(lo)
	}
	return fmt.Sprintf("%d–%d", lo, hi)
}

// hostPort reads host:port from tcp://host:port, https://host[:port] or
// host:port.
func hostPort(raw, defaultPort string) (string, string, error) {
	if strings.Contains(raw, "://") {
		u, err := url.Parse(raw)
		if err != nil || u.Hostname() == "" {
			return "", "", errors.New("the address must be host:port")
		}
		port := u.Port()
		if port == "" {
			port = defaultPort
		}
		if port == "" {
			return "", "", errors.New("the address needs a port")
		}
		return u.Hostname(), port, nil
	}
	host, port, err := net.SplitHostPort(raw)
	if err != nil {
		if defaultPort == "" {
			return "", "", errors.New("the address must be host:port")
		}
		return raw, defaultPort, nil
	}
	return host, port, nil
}

func (c *Checker) tcp(ctx context.Context, spec Spec) Result {
	host, port, err := hostPort(spec.URL, "")
	if err != nil {
		return Result{Reason: err.Error()}
	}
	if err := c.Guard.CheckHost(host); err != nil {
		return Result{Reason: err.Error()}
	}
	conn, err := c.Guard.Dialer(spec.Timeout).DialContext(ctx, "tcp", net.JoinHostPort(host, port))
	if err != nil {
		return Result{Reason: describe(err)}
	}
	conn.Close()
	return Result{Up: true}
}

func (c *Checker) tls(ctx context.Context, spec Spec) Result {
	host, port, err := hostPort(spec.URL, "443")
	if err != nil {
		return Result{Reason: err.Error()}
	}
	if err := c.Guard.CheckHost(host); err != nil {
		return Result{Reason: err.Error()}
	}
	d := tls.Dialer{NetDialer: c.Guard.Dialer(spec.Timeout), Config: &tls.Config{ServerName: host, RootCAs: c.RootCAs, MinVersion: tls.VersionTLS12}}
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(host, port))
	if err != nil {
		return Result{Reason: describe(err)}
	}
	defer conn.Close()
	state := conn.(*tls.Conn).ConnectionState()
	r := Result{Up: true}
	if len(state.PeerCertificates) > 0 {
		r.CertNotAfter = state.PeerCertificates[0].NotAfter
	}
	return r
}

// describe turns a connection error into the reason a person reads.
func describe(err error) string {
	var certInvalid x509.CertificateInvalidError
	var hostErr x509.HostnameError
	var unknown x509.UnknownAuthorityError
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, ErrForbiddenTarget):
		for e := err; e != nil; e = errors.Unwrap(e) {
			if strings.HasPrefix(e.Error(), ErrForbiddenTarget.Error()) {
				return e.Error()
			}
		}
		return ErrForbiddenTarget.Error()
	case errors.As(err, &certInvalid):
		if certInvalid.Reason == x509.Expired {
			return "TLS: the certificate has expired or is not yet valid"
		}
		return "TLS: the certificate is not valid: " + certInvalid.Error()
	case errors.As(err, &hostErr):
		return "TLS: the certificate is not valid for " + hostErr.Host
	case errors.As(err, &unknown):
		return "TLS: the certificate is signed by an unknown authority"
	case errors.As(err, &dnsErr):
		return "DNS: " + dnsErr.Err + " (" + dnsErr.Name + ")"
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	case strings.Contains(err.Error(), "connection refused"):
		return "connection refused"
	case strings.Contains(err.Error(), "connection reset"):
		return "connection reset"
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return urlErr.Err.Error()
	}
	return err.Error()
}
