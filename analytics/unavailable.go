package analytics

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// ErrUnavailable marks errors that mean ClickHouse did not answer (refused,
// reset or timed-out connections), as opposed to a query it refused. The
// API answers those with 503 and says which store is away, so that pages
// reading events degrade while the rest of the dashboard works.
var ErrUnavailable = errors.New("ClickHouse is not answering")

// unavailable marks err with ErrUnavailable when it is a connection failure.
func unavailable(err error) error {
	if err == nil || errors.Is(err, ErrUnavailable) || !connectionFailure(err) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
}

func connectionFailure(err error) bool {
	var op *net.OpError
	switch {
	case errors.As(err, &op), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, clickhouse.ErrAcquireConnTimeout):
		return true
	}
	// Some of the driver's dial errors are formatted without %w.
	msg := err.Error()
	return strings.Contains(msg, "connection refused") || strings.Contains(msg, "connection reset") || strings.Contains(msg, "i/o timeout")
}

// guardedConn is the driver's connection with connection failures marked
// by ErrUnavailable, whatever query failed.
type guardedConn struct{ driver.Conn }

func (c guardedConn) Query(ctx context.Context, query string, args ...any) (driver.Rows, error) {
	rows, err := c.Conn.Query(ctx, query, args...)
	return rows, unavailable(err)
}

func (c guardedConn) QueryRow(ctx context.Context, query string, args ...any) driver.Row {
	return guardedRow{c.Conn.QueryRow(ctx, query, args...)}
}

func (c guardedConn) Select(ctx context.Context, dest any, query string, args ...any) error {
	return unavailable(c.Conn.Select(ctx, dest, query, args...))
}

func (c guardedConn) Exec(ctx context.Context, query string, args ...any) error {
	return unavailable(c.Conn.Exec(ctx, query, args...))
}

func (c guardedConn) PrepareBatch(ctx context.Context, query string, opts ...driver.PrepareBatchOption) (driver.Batch, error) {
	b, err := c.Conn.PrepareBatch(ctx, query, opts...)
	return b, unavailable(err)
}

func (c guardedConn) Ping(ctx context.Context) error { return unavailable(c.Conn.Ping(ctx)) }

type guardedRow struct{ driver.Row }

func (r guardedRow) Err() error             { return unavailable(r.Row.Err()) }
func (r guardedRow) Scan(dest ...any) error { return unavailable(r.Row.Scan(dest...)) }
