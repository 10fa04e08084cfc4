package main

import (
	"context"
	"fmt"
	"log/slog"
	"slices"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/metadata"
	"github.com/prometheus/client_golang/prometheus"
)

// openForRoles connects to the stores a process's roles use and brings
// their schemas up to date. Every role needs PostgreSQL (DSN keys, issues,
// accounts, monitors). Only workers need ClickHouse to do their job (they
// store every event in it): the other roles start while it is away,
// connect once it is back, and answer what needs it with 503 meanwhile;
// its migrations are then left to the workers or `faultline migrate`.
func openForRoles(ctx context.Context, cfg settings, roles []string, reg prometheus.Registerer, log *slog.Logger) (*metadata.DB, *analytics.Store, error) {
	db, err := metadata.Open(ctx, cfg.databaseURL, reg, log)
	if err != nil {
		return nil, nil, fmt.Errorf("postgres: %w", err)
	}
	n, err := db.Migrate(ctx)
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("postgres: %w", err)
	}
	needsClickHouse := slices.Contains(roles, roleWorker)
	store, err := analytics.Open(ctx, cfg.clickHouseURL, log)
	if err != nil && !needsClickHouse {
		log.Warn("ClickHouse does not answer; starting without it (what reads events answers 503 until it is back)", "err", err)
		store, err = analytics.OpenLazy(cfg.clickHouseURL, log)
		if err == nil {
			err = store.UseCluster(cfg.clickHouseCluster)
		}
		if err != nil {
			db.Close()
			return nil, nil, fmt.Errorf("clickhouse: %w", err)
		}
		log.Info("schemas up to date", "postgres_applied", n)
		return db, store, nil
	}
	if err == nil {
		err = store.UseCluster(cfg.clickHouseCluster)
	}
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("clickhouse: %w", err)
	}
	m, err := store.Migrate(ctx)
	if err != nil {
		db.Close()
		store.Close()
		return nil, nil, fmt.Errorf("clickhouse: %w", err)
	}
	log.Info("schemas up to date", "postgres_applied", n, "clickhouse_applied", m)
	return db, store, nil
}
