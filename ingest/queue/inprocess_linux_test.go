package queue

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

// The writer and a fetching client of the broker's own process reach it
// without a socket: no TCP connection to its port is open while they
// produce and fetch.
func TestInProcessClientsOpenNoSocket(t *testing.T) {
	e := startBroker(t, EmbeddedConfig{})
	w := NewWriter([]string{e.Addr()}, e.Dial)
	defer w.Close()
	w.Balancer = kafka.BalancerFunc(func(kafka.Message, ...int) int { return 0 })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := w.WriteMessages(ctx, kafka.Message{Topic: EventsTopic, Value: []byte("in process")}); err != nil {
		t.Fatal(err)
	}
	transport := &kafka.Transport{Dial: e.Dial}
	defer transport.CloseIdleConnections()
	client := &kafka.Client{Addr: kafka.TCP(e.Addr()), Transport: transport}
	res, err := client.Fetch(ctx, &kafka.FetchRequest{Topic: EventsTopic, Partition: 0, Offset: 0, MaxBytes: 1 << 20})
	if err != nil || res.Error != nil {
		t.Fatalf("fetch: %v %v", err, res.Error)
	}
	r, err := res.Records.ReadRecord()
	if err != nil {
		t.Fatalf("read the fetched record: %v", err)
	}
	if v, err := io.ReadAll(r.Value); err != nil || string(v) != "in process" {
		t.Errorf("fetched %q (%v), want %q", v, err, "in process")
	}

	_, port, _ := net.SplitHostPort(e.Addr())
	if n := establishedTo(t, port); n > 0 {
		t.Errorf("%d TCP connections to the broker's port %s are open; in-process clients should open none", n, port)
	}
}

// A response over an in-process connection waits for the sync round that
// makes its records durable, as one over TCP does.
func TestInProcessProducesWaitForTheirSync(t *testing.T) {
	hold := make(chan struct{})
	held := make(chan struct{}, 1)
	hook := func(f *os.File, sync func(*os.File) error) error {
		if strings.HasSuffix(f.Name(), ".dat") {
			select {
			case held <- struct{}{}:
			default:
			}
			<-hold
		}
		return sync(f)
	}
	e := startBroker(t, withSyncHook(EmbeddedConfig{}, SyncFilesystem, hook))
	w := NewWriter([]string{e.Addr()}, e.Dial)
	defer w.Close()
	w.Balancer = kafka.BalancerFunc(func(kafka.Message, ...int) int { return 0 })
	done := make(chan error, 1)
	go func() {
		done <- w.WriteMessages(context.Background(), kafka.Message{Topic: EventsTopic, Value: []byte("v")})
	}()
	select {
	case <-held:
	case err := <-done:
		close(hold)
		t.Fatalf("the produce returned (%v) before its segment was synced", err)
	case <-time.After(20 * time.Second):
		close(hold)
		t.Fatal("no sync round started for the produce")
	}
	select {
	case err := <-done:
		close(hold)
		t.Fatalf("the produce returned (%v) while its sync round was held", err)
	case <-time.After(200 * time.Millisecond):
	}
	close(hold)
	if err := <-done; err != nil {
		t.Fatalf("the produce failed once its sync round ended: %v", err)
	}
}

// Dialling the broker after it stopped fails at once, and so does any
// address but its own when nothing listens there.
func TestInProcessDialAfterClose(t *testing.T) {
	e := startBroker(t, EmbeddedConfig{})
	addr := e.Addr()
	e.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if c, err := e.Dial(ctx, "tcp", addr); !errors.Is(err, net.ErrClosed) {
		if c != nil {
			c.Close()
		}
		t.Errorf("dial a stopped broker: %v, want %v", err, net.ErrClosed)
	}
}

// establishedTo counts the established IPv4 and IPv6 TCP connections whose
// either end is port, from the kernel's tables.
func establishedTo(t *testing.T, port string) int {
	t.Helper()
	var p int
	if _, err := fmt.Sscan(port, &p); err != nil {
		t.Fatal(err)
	}
	hexPort := fmt.Sprintf(":%04X", p)
	n := 0
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(table)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 4 || fields[3] != "01" { // 01: ESTABLISHED
				continue
			}
			if strings.HasSuffix(fields[1], hexPort) || strings.HasSuffix(fields[2], hexPort) {
				n++
			}
		}
		f.Close()
	}
	return n
}

// failingListener fails its first accepts as a process out of file
// descriptors does, then hands out one connection, then waits to be
// closed.
type failingListener struct {
	failures int
	conn     net.Conn
	closed   chan struct{}
}

func (l *failingListener) Accept() (net.Conn, error) {
	if l.failures > 0 {
		l.failures--
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.EMFILE)}
	}
	if c := l.conn; c != nil {
		l.conn = nil
		return c, nil
	}
	<-l.closed
	return nil, net.ErrClosed
}

func (l *failingListener) Close() error { close(l.closed); return nil }
func (l *failingListener) Addr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9092}
}

// A failed TCP accept (too many open files) does not reach the broker,
// whose accept loop would stop at it for good: the listener waits, tries
// again and hands over the next connection.
func TestInProcessListenerOutlastsFailedAccepts(t *testing.T) {
	client, server := net.Pipe()
	defer client.Close()
	l := newInProcessListener(&failingListener{failures: 3, conn: server, closed: make(chan struct{})})
	defer l.Close()
	c, err := l.Accept()
	if err != nil {
		t.Fatalf("Accept passed on a failure the listener should have waited out: %v", err)
	}
	if c != server {
		t.Errorf("Accept returned %v, want the connection after the failures", c)
	}
	c.Close()
}
