package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/faultline/faultline/ingest/queue"
)

// brokerCommand runs the embedded Kafka-protocol broker as a process of its
// own, so that separate roles (`faultline ingest`, `worker`, ...) can be
// tried on one machine without Kafka. It is for development and tests: it
// has one node and no replication; production runs real Kafka.
func brokerCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	fs := flag.NewFlagSet("broker", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.register(fs, "data-dir", "log-level", "broker-retention", "broker-max-bytes", "broker-min-free")
	port := fs.Int("port", 9092, "TCP port on 127.0.0.1 (0 picks a free one)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	set, err := cfg.parse()
	if err == nil {
		set.broker.Port = *port
		err = set.broker.Validate()
	}
	if err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	log := newLogger(stderr, set.logLevel)
	broker, err := queue.StartEmbedded(set.broker, log)
	if err != nil {
		return err
	}
	defer broker.Close()
	if err := queue.EnsureTopics(ctx, []string{broker.Addr()}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Faultline's embedded broker is running (development and tests only): FAULTLINE_KAFKA_BROKERS=%s\n", broker.Addr())
	<-ctx.Done()
	return nil
}
