package queue

import (
	"net"
	"testing"

	"golang.org/x/net/nettest"
)

// The in-process connection behaves as a net.Conn must: ordered bytes,
// deadlines that interrupt a waiting read or write, a close that ends
// both ends' waits, and no race among concurrent calls.
func TestMemConnIsANetConn(t *testing.T) {
	addr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9092}
	nettest.TestConn(t, func() (c1, c2 net.Conn, stop func(), err error) {
		c1, c2 = memConnPair(addr)
		return c1, c2, func() { c1.Close(); c2.Close() }, nil
	})
}
