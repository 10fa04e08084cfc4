package analytics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Store is Faultline's ClickHouse connection.
type Store struct {
	conn    driver.Conn
	log     *slog.Logger
	cluster string   // FAULTLINE_CLICKHOUSE_CLUSTER; "" for a single node
	addr    []string // for error messages
}

// UseCluster makes migrations create replicated, distributed tables on the
// named cluster, and retention drop partitions on every node.
func (s *Store) UseCluster(name string) error {
	if name != "" && !clusterName.MatchString(name) {
		return fmt.Errorf("FAULTLINE_CLICKHOUSE_CLUSTER %q: letters, digits and _ only", name)
	}
	s.cluster = name
	return nil
}

// localTable is where a table's parts are: the table itself on a single
// node, its _local table on every node of a cluster.
func (s *Store) localTable(table string) string {
	if s.cluster == "" {
		return table
	}
	return table + "_local ON CLUSTER " + s.cluster
}

// Open connects to ClickHouse at a URL such as clickhouse://host:9000/db and
// checks that it answers.
func Open(ctx context.Context, url string, log *slog.Logger) (*Store, error) {
	s, err := OpenLazy(url, log)
	if err != nil {
		return nil, err
	}
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := s.conn.Ping(pingCtx); err != nil {
		s.conn.Close()
		return nil, fmt.Errorf("connect to %v: %w", s.addr, err)
	}
	return s, nil
}

// OpenLazy is Open without the first ping: for processes that can start
// and serve while ClickHouse is away (ingest, the dashboard); queries fail
// until it answers.
func OpenLazy(url string, log *slog.Logger) (*Store, error) {
	if url == "" {
		return nil, errors.New("no ClickHouse URL set (FAULTLINE_CLICKHOUSE_URL)")
	}
	opts, err := clickhouse.ParseDSN(url)
	if err != nil {
		return nil, fmt.Errorf("parse ClickHouse URL: %w", err)
	}
	opts.DialTimeout = 5 * time.Second
	opts.MaxOpenConns = 16
	conn, err := clickhouse.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	return &Store{conn: guardedConn{conn}, log: log, addr: opts.Addr}, nil
}

// Close closes the connection pool.
func (s *Store) Close() error { return s.conn.Close() }

// Ping checks that ClickHouse answers.
func (s *Store) Ping(ctx context.Context) error { return s.conn.Ping(ctx) }

// projectSet binds project ids for `project_id IN ?`, which (unlike has())
// lets ClickHouse skip other projects' parts by the primary key. No
// projects match nothing: id 0 is never assigned.
func projectSet(ids []uint64) clickhouse.GroupSet {
	if len(ids) == 0 {
		return setOf([]uint64{0})
	}
	return setOf(ids)
}

// setOf binds values for `IN ?` as a parenthesised list (a slice alone
// binds as an array, which IN does not take on ClickHouse 18.16).
func setOf[T any](values []T) clickhouse.GroupSet {
	set := clickhouse.GroupSet{Value: make([]any, len(values))}
	for i, v := range values {
		set.Value[i] = v
	}
	return set
}

// CreateDatabase creates a database, if missing, on the server url points at.
func CreateDatabase(ctx context.Context, url, name string) error {
	s, err := Open(ctx, url, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.conn.Exec(ctx, "CREATE DATABASE IF NOT EXISTS `"+strings.ReplaceAll(name, "`", "")+"`"); err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}
