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

// dbMetrics are the PostgreSQL store's Prometheus metrics (served at
// /metrics).
type dbMetrics struct {
	queryErrors        prometheus.Counter
	passwordHashesShed prometheus.Counter
}

// newDBMetrics registers the store's metrics on reg; a nil reg registers
// them nowhere.
func newDBMetrics(reg prometheus.Registerer) *dbMetrics {
	// metadata sits beside ingest in the layers, so it cannot use promreg;
	// promauto.With(nil) registers nowhere, and Open runs once per server.
	f := promauto.With(reg)
	return &dbMetrics{
		queryErrors: f.NewCounter(prometheus.CounterOpts{Name: "faultline_postgres_errors_total",
			Help: "PostgreSQL queries that failed (other than finding no row)."}),
		passwordHashesShed: f.NewCounter(prometheus.CounterOpts{Name: "faultline_password_hashes_shed_total",
			Help: "Password checks and hashes refused because every hashing slot stayed busy (answered 503)."}),
	}
}

// slowLog traces queries: slow ones are logged with their first line of
// SQL (never their arguments, which may hold personal data), failed ones
// counted.
type slowLog struct {
	log    *slog.Logger
	errors prometheus.Counter
}

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
		t.errors.Inc()
	}
	if took := time.Since(s.at); took > SlowQuery {
		sql := strings.Join(strings.Fields(s.sql), " ")
		if len(sql) > 200 {
			sql = sql[:200] + "…"
		}
		t.log.Warn("slow PostgreSQL query", "took", took.Round(time.Millisecond), "sql", sql)
	}
}
