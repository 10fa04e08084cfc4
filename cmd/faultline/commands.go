package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/metadata"
)

func migrateCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	var printDDL bool
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.register(fs, "database-url", "clickhouse-url", "clickhouse-cluster", "log-level")
	fs.BoolVar(&printDDL, "print-clickhouse-ddl", false, "print the ClickHouse schema (for FAULTLINE_CLICKHOUSE_CLUSTER when set) and exit")
	if err := fs.Parse(args); err != nil {
		return err
	}
	set, err := cfg.parse()
	if err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	if printDDL {
		ddl, err := analytics.SchemaDDL(set.clickHouseCluster)
		if err != nil {
			return err
		}
		for _, stmt := range ddl {
			fmt.Fprintf(stdout, "%s;\n\n", stmt)
		}
		return nil
	}
	db, store, err := openMigrated(ctx, set, newLogger(stderr, set.logLevel))
	if err != nil {
		return err
	}
	db.Close()
	return store.Close()
}

// openStores connects to PostgreSQL and ClickHouse, naming whichever failed.
func openStores(ctx context.Context, cfg settings, log *slog.Logger) (*metadata.DB, *analytics.Store, error) {
	db, err := metadata.Open(ctx, cfg.databaseURL, nil, log)
	if err != nil {
		return nil, nil, fmt.Errorf("postgres: %w", err)
	}
	store, err := analytics.Open(ctx, cfg.clickHouseURL, log)
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("clickhouse: %w", err)
	}
	if err := store.UseCluster(cfg.clickHouseCluster); err != nil {
		db.Close()
		store.Close()
		return nil, nil, err
	}
	return db, store, nil
}

// openMigrated is openStores with the schemas brought up to date; the
// caller closes both stores.
func openMigrated(ctx context.Context, cfg settings, log *slog.Logger) (*metadata.DB, *analytics.Store, error) {
	db, store, err := openStores(ctx, cfg, log)
	if err != nil {
		return nil, nil, err
	}
	if err := migrate(ctx, db, store, log); err != nil {
		db.Close()
		store.Close()
		return nil, nil, err
	}
	return db, store, nil
}

func migrate(ctx context.Context, db *metadata.DB, store *analytics.Store, log *slog.Logger) error {
	n, err := db.Migrate(ctx)
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	m, err := store.Migrate(ctx)
	if err != nil {
		return fmt.Errorf("clickhouse: %w", err)
	}
	log.Info("schemas up to date", "postgres_applied", n, "clickhouse_applied", m)
	return nil
}

func bootstrapCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	var req metadata.BootstrapRequest
	fs := flag.NewFlagSet("bootstrap", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.register(fs, "database-url", "clickhouse-url", "secret-key", "url", "listen", "log-level")
	fs.StringVar(&req.Email, "email", "", "the user's email (login)")
	fs.StringVar(&req.Password, "password", "", "the user's password, if the user is created (8+ characters)")
	fs.StringVar(&req.Org, "org", "", "organization slug")
	fs.StringVar(&req.Project, "project", "", "project slug")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if req.Email == "" || req.Password == "" || req.Org == "" || req.Project == "" {
		return errors.New("--email, --password, --org and --project are all required")
	}
	set, err := cfg.parse()
	if err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	req.SecretKey = set.secretKey
	log := newLogger(stderr, set.logLevel)
	db, store, err := openMigrated(ctx, set, log)
	if err != nil {
		return err
	}
	defer db.Close()
	defer store.Close()
	res, err := db.Bootstrap(ctx, req)
	if err != nil {
		return err
	}
	dsn := set.dsn(res.PublicKey, res.ProjectID)
	enc := json.NewEncoder(stdout)
	return enc.Encode(map[string]any{
		"dsn":          dsn,
		"token":        res.Token,
		"organization": res.Organization,
		"project":      res.Project,
		"project_id":   res.ProjectID,
	})
}

// probeCommand fetches a URL and fails unless it answers 2xx: container
// health checks use it, as Faultline's image has no shell or curl.
func probeCommand(ctx context.Context, args []string) error {
	if len(args) != 1 {
		return errors.New("usage: faultline probe URL")
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, args[0], nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("%s answered %d", args[0], resp.StatusCode)
	}
	return nil
}
