package main

import (
	"strings"
	"testing"
	"time"
)

func TestParseBounds(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cfg     config
		want    bounds
		wantErr string
	}{
		{"defaults", config{}, bounds{}, ""},
		{"units", config{WorkerMaxBatch: "500", WorkerMaxBatchBytes: "8MiB", WorkerMaxInFlight: "1GiB", BrokerRetention: "90m",
			BrokerMaxBytes: "10GB", BrokerMinFree: "1048576"},
			bounds{workerMaxBatch: 500, workerBatchBytes: 8 << 20, workerInFlight: 1 << 30, brokerRetention: 90 * time.Minute,
				brokerMaxBytes: 10e9, brokerMinFree: 1 << 20}, ""},
		{"zero batch", config{WorkerMaxBatch: "0"}, bounds{}, "FAULTLINE_WORKER_MAX_BATCH"},
		{"negative size", config{BrokerMaxBytes: "-5GiB"}, bounds{}, "FAULTLINE_BROKER_MAX_BYTES"},
		{"overflowing size", config{BrokerMaxBytes: "99999999999TiB"}, bounds{}, "FAULTLINE_BROKER_MAX_BYTES"},
		{"not a size", config{BrokerMinFree: "lots"}, bounds{}, "FAULTLINE_BROKER_MIN_FREE"},
		{"not a duration", config{BrokerRetention: "1 day"}, bounds{}, "FAULTLINE_BROKER_RETENTION"},
		{"batch above budget", config{WorkerMaxBatchBytes: "1GiB", WorkerMaxInFlight: "64MiB"}, bounds{}, "larger than FAULTLINE_WORKER_MAX_IN_FLIGHT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.cfg.parseBounds()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one naming %s", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func TestBooleanSettings(t *testing.T) {
	for v, want := range map[string]bool{"": true, "true": true, "TRUE": true, " yes ": true, "on": true, "1": true,
		"false": false, "0": false, "no": false, "off": false, "nope": false} {
		if got := (&config{Registration: v}).registration(); got != want {
			t.Errorf("FAULTLINE_ENABLE_REGISTRATION=%q: %v, want %v", v, got, want)
		}
	}
	for v, want := range map[string]bool{"": false, "true": true, "On": true, "false": false} {
		if got := truthy(v); got != want {
			t.Errorf("truthy(%q) = %v, want %v", v, got, want)
		}
	}
}
