// Package monitor checks users' services from the outside: HTTP(S), TCP,
// TLS certificates, heartbeats and cron runs, one actor per monitor.
package monitor

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// ErrForbiddenTarget is a check aimed at an address Faultline will not
// connect to: private, loopback, link-local and similar networks, unless
// the operator allows them.
var ErrForbiddenTarget = errors.New("target address is not allowed")

// Guard decides which addresses checks may connect to. Monitors are an SSRF
// surface: anyone who can create one could otherwise make Faultline probe
// its own network. The address is checked when the connection is made,
// after DNS resolution, so DNS rebinding and redirects to private targets
// are refused as well.
type Guard struct {
	AllowPrivate bool           // FAULTLINE_MONITOR_ALLOW_PRIVATE: every address
	Allow        []netip.Prefix // FAULTLINE_MONITOR_ALLOW_NETWORKS: these networks only
}

// allowed reports whether ip may be connected to.
func (g Guard) allowed(ip netip.Addr) bool {
	if g.AllowPrivate {
		return true
	}
	ip = ip.Unmap() // ::ffff:127.0.0.1 is 127.0.0.1
	for _, p := range g.Allow {
		if p.Contains(ip) {
			return true
		}
	}
	switch {
	case !ip.IsValid(), ip.IsLoopback(), ip.IsPrivate(), ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast(),
		ip.IsMulticast(), ip.IsUnspecified(), ip.IsInterfaceLocalMulticast():
		return false
	}
	for _, p := range blockedPrefixes {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// blockedPrefixes are special-purpose networks the netip predicates do not
// cover: "this network", carrier-grade NAT, IETF protocol assignments,
// benchmarking, reserved, NAT64 and 6to4 (which can embed private IPv4).
var blockedPrefixes = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{"0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "198.18.0.0/15", "240.0.0.0/4",
		"64:ff9b::/96", "64:ff9b:1::/48", "2002::/16", "100::/64"} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// control runs between socket creation and connect, with the resolved
// address: the last word on where a check may go.
func (g Guard) control(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrForbiddenTarget, address)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !g.allowed(ip) {
		return fmt.Errorf("%w: %s is a private, loopback or reserved address", ErrForbiddenTarget, host)
	}
	return nil
}

// Dialer returns a dialer that connects only where the guard allows.
func (g Guard) Dialer(timeout time.Duration) *net.Dialer {
	return &net.Dialer{Timeout: timeout, Control: g.control}
}

// CheckHost refuses, before any lookup, host names that spell an IP
// address in a form other than the canonical one — decimal (2130706433),
// octal (0177.0.0.1), hex (0x7f.1), short (127.1) — which some resolvers
// read as addresses and others as names.
func (g Guard) CheckHost(host string) error {
	h := strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	if h == "" {
		return fmt.Errorf("%w: no host", ErrForbiddenTarget)
	}
	if ip, err := netip.ParseAddr(h); err == nil {
		if !g.allowed(ip) {
			return fmt.Errorf("%w: %s is a private, loopback or reserved address", ErrForbiddenTarget, h)
		}
		return nil
	}
	if looksNumeric(h) {
		return fmt.Errorf("%w: %q is an IP address in a non-standard spelling; write it as a.b.c.d", ErrForbiddenTarget, host)
	}
	return nil
}

// looksNumeric reports whether every dot-separated label is a number in
// decimal, octal or hex: such names are never real host names.
func looksNumeric(h string) bool {
	for _, label := range strings.Split(strings.ToLower(h), ".") {
		l := strings.TrimPrefix(label, "0x")
		if l == "" {
			if label == "0x" {
				continue
			}
			return false
		}
		digits := "0123456789"
		if strings.HasPrefix(label, "0x") {
			digits = "0123456789abcdef"
		}
		if strings.Trim(l, digits) != "" {
			return false
		}
	}
	return true
}
