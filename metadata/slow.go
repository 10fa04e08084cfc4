package metadata

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// SlowQuery is how long a PostgreSQL query may take before it is logged.
const SlowQuery = 500 * time.Millisecond

var queryErrors = promauto.NewCounter(prometheus.CounterOpts{Name: "faultline_postgres_errors_total",
	Help: "PostgreSQL queries that failed (other than finding no row)."})

// slowLog traces queries: slow ones are logged with their first line of
// SQL (never their arguments, which may hold personal data), failed ones
// counted.
type slowLog struct{ log *slog.Logger }

type queryStart struct {
	at  time.Time
	sql string
}

type startKey struct{}

func (t slowLog) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	return context.WithValue(ctx, startKey{}, queryStart{at: time.Now(), sql: data.SQL})
}

func (t slowLog) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryEndData) {
	s, ok := ctx.Value(startKey{}).(queryStart)
	if !ok {
		return
	}
	if data.Err != nil && data.Err != pgx.ErrNoRows {
		queryErrors.Inc()
	}
	if took := time.Since(s.at); took > SlowQuery {
		sql := strings.Join(strings.Fields(s.sql), " ")
		if len(sql) > 200 {
			sql = sql[:200] + "…"
		}
		t.log.Warn("slow PostgreSQL query", "took", took.Round(time.Millisecond), "sql", sql)
	}
}
