package metadata

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"github.com/prometheus/client_golang/prometheus"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// ErrNotFound is returned when a looked-up row does not exist.
var ErrNotFound = errors.New("not found")

// InvalidError is input the store refuses, with a message fit for the user.
type InvalidError struct {
	msg      string
	conflict bool
}

func (e *InvalidError) Error() string { return e.msg }

// Conflict reports whether the input clashes with a row that exists (a
// taken slug) rather than being malformed: Sentry answers those 409.
func (e *InvalidError) Conflict() bool { return e.conflict }

func invalid(format string, args ...any) error {
	return &InvalidError{msg: fmt.Sprintf(format, args...)}
}

// taken is the InvalidError of a slug another row holds.
func taken(format string, args ...any) error {
	return &InvalidError{msg: fmt.Sprintf(format, args...), conflict: true}
}

// DB is Faultline's PostgreSQL store.
type DB struct {
	pool    *pgxpool.Pool
	log     *slog.Logger
	metrics *dbMetrics
	hashes  atomic.Pointer[hashLimit] // bounds password hashing; see passwords.go
}

// Open connects to PostgreSQL and checks that it answers. Its metrics are
// registered on reg; nil registers them nowhere.
func Open(ctx context.Context, url string, reg prometheus.Registerer, log *slog.Logger) (*DB, error) {
	if url == "" {
		return nil, errors.New("no database URL set (FAULTLINE_DATABASE_URL)")
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	if cfg.MaxConns < 8 {
		cfg.MaxConns = 8
	}
	m := newDBMetrics(reg)
	if log != nil {
		cfg.ConnConfig.Tracer = slowLog{log: log, errors: m.queryErrors}
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to %s:%d: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, err)
	}
	return &DB{pool: pool, log: log, metrics: m}, nil
}

// Close releases every connection.
func (db *DB) Close() { db.pool.Close() }

// Ping checks that PostgreSQL answers.
func (db *DB) Ping(ctx context.Context) error { return db.pool.Ping(ctx) }

// Migrate applies the pending schema migrations and reports how many ran.
// It holds a PostgreSQL advisory lock, so concurrent callers wait their turn.
func (db *DB) Migrate(ctx context.Context) (int, error) {
	sqlDB := stdlib.OpenDBFromPool(db.pool)
	defer sqlDB.Close()
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return 0, fmt.Errorf("migration lock: %w", err)
	}
	files, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return 0, err
	}
	provider, err := goose.NewProvider(goose.DialectPostgres, sqlDB, files, goose.WithSessionLocker(locker))
	if err != nil {
		return 0, fmt.Errorf("load migrations: %w", err)
	}
	results, err := provider.Up(ctx)
	if err != nil {
		return 0, fmt.Errorf("apply migrations: %w", err)
	}
	for _, r := range results {
		db.log.Info("postgres migration applied", "version", r.Source.Version, "file", r.Source.Path, "duration", r.Duration)
	}
	db.ensureTextIndexes(ctx)
	return len(results), nil
}

// inTx runs fn in a transaction, committing when it returns nil.
func (db *DB) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, db.pool, fn)
}

func notFound(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// IsRefusedValue reports whether err is PostgreSQL refusing a value a
// request carried: a data exception (a number out of range, text it cannot
// store) or a program limit (a value too large to index). The request is
// at fault, not the server, and retrying it is useless.
func IsRefusedValue(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || len(pgErr.Code) < 2 {
		return false
	}
	return pgErr.Code[:2] == "22" || pgErr.Code[:2] == "54"
}

// IsPermanent reports whether err is PostgreSQL refusing the data itself
// (a data exception, an integrity violation or a size limit), which no retry
// will cure, as opposed to the database being unreachable or busy.
func IsPermanent(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || len(pgErr.Code) < 2 {
		return false
	}
	switch pgErr.Code[:2] {
	case "22", "23", "54":
		return true
	}
	return false
}
