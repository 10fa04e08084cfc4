// Command faultline is the Faultline server: ingest, workers and the API in
// one binary.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

const usage = `faultline: Sentry-compatible error tracking

Usage:
  faultline serve      run every role (ingest, worker, web, scheduler) in one process
  faultline ingest     run only the Sentry ingest endpoints (needs FAULTLINE_KAFKA_BROKERS)
  faultline worker     run only the Kafka consumers: grouping, storage, alert evaluation
  faultline web        run only the /api/0/ API and the dashboard
  faultline scheduler  run only monitors, alert delivery, slow-transaction checks, retention
  faultline migrate    apply PostgreSQL and ClickHouse schema migrations
  faultline bootstrap  create a user, organization, project, DSN key and API token
                       (--email E --password P --org SLUG --project SLUG)
  faultline probe URL  exit 0 if URL answers 2xx (a health check for images without curl)
  faultline broker     run the embedded Kafka-protocol broker alone, for trying separate
                       roles on one machine (development and tests; not for production)
  faultline provision  create or update organizations, teams, projects, members, users,
                       API tokens and alerts from a YAML/JSON file (--file F)

Run "faultline <command> -h" for a command's flags. Every flag can also be set
by its FAULTLINE_* environment variable.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve", roleIngest, roleWorker, roleWeb, roleScheduler:
		err = roleCommand(ctx, args[0], args[1:], stdout, stderr)
	case "migrate":
		err = migrateCommand(ctx, args[1:], stdout, stderr)
	case "bootstrap":
		err = bootstrapCommand(ctx, args[1:], stdout, stderr)
	case "provision":
		err = provisionCommand(ctx, args[1:], stdout, stderr)
	case "probe":
		err = probeCommand(ctx, args[1:])
	case "broker":
		err = brokerCommand(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "faultline: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "faultline %s: %s\n", args[0], oneLine(err))
		return 1
	}
	return 0
}

// newLogger logs text to a terminal and JSON otherwise (to a collector).
func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			return slog.New(slog.NewTextHandler(w, opts))
		}
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// oneLine flattens an error whose text spans lines (pgx reports each
// connection attempt on a line of its own) so start-up fails with one line.
func oneLine(err error) string {
	lines := strings.Split(err.Error(), "\n")
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	return strings.Join(lines, " ")
}
