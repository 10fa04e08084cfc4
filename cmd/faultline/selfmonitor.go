package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/faultline/faultline/metadata"
)

// selfMonitorSlug is the cron monitor Faultline's schedulers check in to.
const selfMonitorSlug = "faultline-scheduler"

// selfMonitor checks in every minute, for as long as the scheduler runs,
// to a cron monitor of the project FAULTLINE_SELF_MONITOR names
// (org/project): when every scheduler stops, the monitor is missed and its
// alerts fire — from another Faultline watching this one's API, or from a
// scheduler that comes back.
func selfMonitor(ctx context.Context, db *metadata.DB, target string, every time.Duration, log *slog.Logger) error {
	org, project, ok := strings.Cut(target, "/")
	if !ok {
		return fmt.Errorf("FAULTLINE_SELF_MONITOR %q: name a project as org/project", target)
	}
	config := &metadata.CronConfig{ScheduleType: "interval", Schedule: "1 minute", Timezone: "UTC",
		CheckinMargin: 2 * time.Minute, MaxRuntime: time.Minute, FailureIssueThreshold: 1}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		projectID, err := db.ProjectID(ctx, org, project)
		if err == nil {
			b := make([]byte, 16)
			_, _ = rand.Read(b)
			_, err = db.RecordCronCheckIn(ctx, projectID, selfMonitorSlug, config,
				metadata.CronCheckIn{CheckInID: hex.EncodeToString(b), Status: "ok", Started: time.Now()})
		}
		if err != nil && ctx.Err() == nil {
			log.Warn("self-monitoring check-in failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
