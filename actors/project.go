package actors

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"runtime/debug"
	"strings"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/faultline/faultline/actors/alert"
	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/ingest/event"
	"github.com/faultline/faultline/ingest/queue"
	"github.com/faultline/faultline/metadata"
)

// IssueStore groups events into issues; *metadata.DB is one.
type IssueStore interface {
	RecordEventsDetailed(ctx context.Context, projectID int64, events []metadata.GroupedEvent) (metadata.Recorded, error)
	RecordFeedback(ctx context.Context, projectID int64, items []metadata.Feedback) error
	RecordAttachments(ctx context.Context, projectID int64, items []metadata.Attachment) error
	RecordCronCheckIn(ctx context.Context, projectID int64, slug string, config *metadata.CronConfig, c metadata.CronCheckIn) (int64, error)
}

// groupBatch asks a project actor to group its share of a consumer batch.
type groupBatch struct {
	ctx     context.Context
	records []queue.Record
	reset   bool // the project's partition was (re)assigned: forget in-memory state
}

// rejected is a record that can never be processed, bound for the
// dead-letter topic.
type rejected struct {
	index  int // into groupBatch.records
	reason error
}

// grouped is a project actor's answer: the rows to store, the records it
// rejected, or the error that stopped it (the consumer then retries).
type grouped struct {
	rows        analytics.Rows
	feedback    []metadata.Feedback   // stored by the actor, in PostgreSQL
	attachments []metadata.Attachment // likewise
	checkIns    []cronCheckIn         // likewise, under their cron monitors
	rejected    []rejected
	err         error
}

// projectActor owns one project's grouping. Kafka keys records by project,
// so one actor sees its project's events in order; actors of different
// projects run in parallel.
type projectActor struct {
	projectID int64
	issues    IssueStore
	alerts    *alert.Evaluator // nil: no alerting
	metrics   *workerMetrics
	log       *slog.Logger
}

func (a *projectActor) Receive(c actor.Context) {
	if msg, ok := c.Message().(*groupBatch); ok {
		c.Respond(a.groupRecovered(msg))
	}
}

// groupRecovered is group with a panic (a bug some record runs into,
// beyond the parsers, which recover per record) turned into an answer
// wrapping errPanicked: the worker then splits the batch until the record
// is alone and dead-letters it. Left to protoactor, the panic would
// restart the actor without an answer, the worker would wait out its call
// timeout, and past ten restarts in ten seconds the actor would stop for
// good, stalling its project.
func (a *projectActor) groupRecovered(msg *groupBatch) *grouped {
	var out *grouped
	err := a.metrics.recovered(a.log, "project_actor", func() error {
		if msg.reset && a.alerts != nil {
			a.alerts.Reset()
		}
		out = a.group(msg.ctx, msg.records)
		return nil
	})
	if err != nil {
		return &grouped{err: fmt.Errorf("project %d: %w", a.projectID, err)}
	}
	return out
}

// recovered runs fn and turns a panic in it into an error wrapping
// errPanicked, logged with its stack and counted in
// faultline_worker_panics_total by where.
func (m *workerMetrics) recovered(log *slog.Logger, where string, fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			m.workerPanics.WithLabelValues(where).Inc()
			log.Error("panic recovered", "where", where, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			err = fmt.Errorf("%s: %w: %v", where, errPanicked, p)
		}
	}()
	return fn()
}

func (a *projectActor) group(ctx context.Context, records []queue.Record) *grouped {
	out := &grouped{}
	var events []metadata.GroupedEvent
	var parsed []*event.Event
	var payloads [][]byte
	var indexes []int // of each parsed event in records
	for i, r := range records {
		// The worker gives up on the batch when ctx ends (it then splits
		// it): stop between records rather than work on for nobody.
		if err := context.Cause(ctx); err != nil {
			out.err = fmt.Errorf("project %d: %w", a.projectID, err)
			return out
		}
		if r.ItemType != "event" && r.ItemType != "security" {
			if err := a.other(r, out); err != nil {
				out.rejected = append(out.rejected, rejected{index: i, reason: err})
			}
			continue
		}
		e, g, payload, err := normalize(r)
		if err != nil {
			out.rejected = append(out.rejected, rejected{index: i, reason: err})
			continue
		}
		parsed = append(parsed, e)
		payloads = append(payloads, payload)
		indexes = append(indexes, i)
		events = append(events, metadata.GroupedEvent{
			EventID: e.EventID, Fingerprint: g.Fingerprint, Title: g.Title, Culprit: g.Culprit,
			Level: e.Level, Type: g.Type, Metadata: g.Metadata, Timestamp: e.Timestamp,
		})
	}
	if err := a.issues.RecordFeedback(ctx, a.projectID, out.feedback); err != nil {
		out.err = fmt.Errorf("project %d: %w", a.projectID, err)
		return out
	}
	if err := a.issues.RecordAttachments(ctx, a.projectID, out.attachments); err != nil {
		out.err = fmt.Errorf("project %d: %w", a.projectID, err)
		return out
	}
	for _, c := range out.checkIns {
		_, err := a.issues.RecordCronCheckIn(ctx, a.projectID, c.slug, c.config, c.checkIn)
		if errors.Is(err, metadata.ErrNotFound) {
			// No such monitor and no monitor_config to create it from: the
			// check-in stays in ClickHouse's history only.
			a.log.Debug("check-in for an unknown cron monitor", "slug", c.slug)
			continue
		}
		if err != nil {
			out.err = fmt.Errorf("project %d: %w", a.projectID, err)
			return out
		}
	}
	if len(events) == 0 {
		return out
	}
	rec, err := a.issues.RecordEventsDetailed(ctx, a.projectID, events)
	if metadata.IsPermanent(err) {
		// Some event in the batch is refused by PostgreSQL itself. Find it by
		// recording the events one at a time, so that it alone is rejected.
		a.log.Warn("batch refused by PostgreSQL; recording its events one by one", "err", err)
		rec, err = a.recordEach(ctx, events, indexes, out)
	}
	if err != nil {
		out.err = fmt.Errorf("project %d: %w", a.projectID, err)
		return out
	}
	issueIDs := rec.IssueIDs
	if a.alerts != nil {
		// Only events counted for the first time: a replayed batch alerts no one twice.
		if err := a.alerts.Observe(ctx, alertFacts(parsed, events, rec)); err != nil {
			a.log.Warn("alert evaluation failed", "err", err)
		}
	}
	for i, e := range parsed {
		if issueIDs[i] != 0 {
			out.rows.Events = append(out.rows.Events, eventRow(a.projectID, issueIDs[i], e, events[i], payloads[i]))
		}
	}
	return out
}

// recordEach records events one at a time, rejecting those PostgreSQL
// refuses; their issue id stays 0. A transient error stops it.
func (a *projectActor) recordEach(ctx context.Context, events []metadata.GroupedEvent, indexes []int, out *grouped) (metadata.Recorded, error) {
	all := metadata.Recorded{IssueIDs: make([]int64, len(events)), Created: map[int64]bool{}, Regressed: map[int64]bool{}, Fresh: map[string]bool{}}
	for i := range events {
		one, err := a.issues.RecordEventsDetailed(ctx, a.projectID, events[i:i+1])
		switch {
		case metadata.IsPermanent(err):
			out.rejected = append(out.rejected, rejected{index: indexes[i], reason: fmt.Errorf("PostgreSQL refused the event: %w", err)})
		case err != nil:
			return all, err
		default:
			all.IssueIDs[i] = one.IssueIDs[0]
			maps.Copy(all.Created, one.Created)
			maps.Copy(all.Regressed, one.Regressed)
			maps.Copy(all.Fresh, one.Fresh)
		}
	}
	return all, nil
}

// alertFacts describes the batch's freshly counted events for the alert
// rules; an issue counts as new (or regressed) on its first event only.
func alertFacts(parsed []*event.Event, grouped []metadata.GroupedEvent, rec metadata.Recorded) []alert.EventFacts {
	var facts []alert.EventFacts
	announced := map[int64]bool{}
	for i, e := range parsed {
		issue := rec.IssueIDs[i]
		if issue == 0 || !rec.Fresh[grouped[i].EventID] {
			continue
		}
		f := alert.EventFacts{IssueID: issue, Title: grouped[i].Title, Culprit: grouped[i].Culprit, Level: e.Level,
			Environment: e.Environment, Release: e.Release, UserKey: e.User.Key(), Tags: map[string]string{}}
		for _, t := range e.Tags {
			f.Tags[t.Key] = t.Value
		}
		if !announced[issue] {
			f.NewIssue, f.Regressed = rec.Created[issue], rec.Regressed[issue]
			announced[issue] = true
		}
		facts = append(facts, f)
	}
	return facts
}

// other turns a record of any type but event into rows. None of them
// become issues, so PostgreSQL is not involved.
func (a *projectActor) other(r queue.Record, out *grouped) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s item %s crashed the parser: %v", r.ItemType, r.EventID, p)
		}
	}()
	pid := uint64(a.projectID)
	switch r.ItemType {
	case "transaction":
		return a.transaction(r, out)
	case "span":
		spans, err := event.ParseSpans(r.Payload, meta(r))
		if err != nil {
			return err
		}
		for _, s := range spans {
			a.streamedSpan(s, out)
		}
		return nil
	case "session", "sessions":
		counts, err := event.ParseSessions(r.ItemType, r.Payload, r.Received)
		if err != nil {
			return err
		}
		for _, c := range counts {
			out.rows.Sessions = append(out.rows.Sessions, analytics.SessionRow{
				ProjectID: pid, RecordID: r.EventID, Started: c.Started, Release: c.Release, Environment: c.Environment,
				Status: c.Status, Init: c.Init, Errors: uint32(c.Errors), Duration: c.Duration, DistinctID: c.DistinctID,
				Quantity: uint32(c.Quantity),
			})
		}
		return nil
	case "user_report", "feedback":
		f, err := event.ParseFeedback(r.ItemType, r.Payload, r.Received)
		if err != nil {
			return err
		}
		out.feedback = append(out.feedback, metadata.Feedback{RecordID: r.EventID, EventID: f.EventID,
			Name: f.Name, Email: f.Email, Comments: f.Comments, CreatedAt: f.At})
		return nil
	case "attachment":
		var m queue.Attachment
		if err := json.Unmarshal(r.Payload, &m); err != nil || m.BlobKey == "" {
			return fmt.Errorf("attachment record is not readable: %v", err)
		}
		out.attachments = append(out.attachments, metadata.Attachment{RecordID: r.EventID, EventID: m.EventID,
			Name: m.Filename, ContentType: m.ContentType, Type: m.AttachmentType, Size: int64(m.Size), BlobKey: m.BlobKey})
		return nil
	case "check_in":
		c, err := event.ParseCheckIn(r.Payload)
		if err != nil {
			return err
		}
		config, err := event.ParseMonitorConfig(c.MonitorConfig)
		if err != nil {
			return err
		}
		pending := cronCheckIn{slug: c.MonitorSlug, checkIn: metadata.CronCheckIn{CheckInID: c.CheckInID, Status: c.Status,
			Started: r.Received, Environment: c.Environment}}
		if c.CheckInID == "" {
			pending.checkIn.CheckInID = r.EventID // a lone check-in is its own run
		}
		if c.Duration > 0 {
			ms := float64(c.Duration) / float64(time.Millisecond)
			pending.checkIn.DurationMS = &ms
		}
		if config != nil {
			pending.config = &metadata.CronConfig{ScheduleType: config.ScheduleType, Schedule: config.Schedule, Timezone: config.Timezone,
				CheckinMargin: config.CheckinMargin, MaxRuntime: config.MaxRuntime, FailureIssueThreshold: config.FailureThreshold}
		}
		out.checkIns = append(out.checkIns, pending)
		out.rows.CheckIns = append(out.rows.CheckIns, analytics.CheckInRow{
			ProjectID: pid, RecordID: r.EventID, CheckInID: c.CheckInID, MonitorSlug: c.MonitorSlug, Status: c.Status,
			Duration: c.Duration, Environment: c.Environment, Release: c.Release, Received: r.Received,
			MonitorConfig: string(c.MonitorConfig),
		})
		return nil
	}
	return fmt.Errorf("item type %q is not handled by the workers", r.ItemType)
}

// transaction turns a transaction record into a row and its spans' rows.
func (a *projectActor) transaction(r queue.Record, out *grouped) error {
	t, err := event.ParseTransaction(r.Payload, meta(r))
	if err != nil {
		return err
	}
	pid := uint64(a.projectID)
	row := analytics.TransactionRow{
		ProjectID: pid, EventID: t.EventID, TraceID: t.TraceID, SpanID: t.SpanID, Name: t.Name, Op: t.Op,
		Method: t.Method, Status: t.Status, HTTPStatus: uint16(t.HTTPStatus), Start: t.Start, Duration: t.Duration,
		Platform: t.Platform, Release: t.Release, Environment: t.Environment, UserKey: t.UserKey,
	}
	for _, tag := range t.Tags {
		row.TagKeys, row.TagValues = append(row.TagKeys, tag.Key), append(row.TagValues, tag.Value)
	}
	for name, v := range t.Measurements {
		row.MeasureNames, row.MeasureVals = append(row.MeasureNames, name), append(row.MeasureVals, v)
	}
	out.rows.Transactions = append(out.rows.Transactions, row)
	for _, s := range t.Spans {
		out.rows.Spans = append(out.rows.Spans, analytics.SpanRow{
			ProjectID: pid, TransactionID: t.EventID, TraceID: t.TraceID, SpanID: s.SpanID, ParentSpanID: s.ParentSpanID,
			Transaction: t.Name, Op: s.Op, Description: s.Description, Status: s.Status, Start: s.Start,
			Duration: s.Duration, SelfTime: s.SelfTime,
		})
	}
	return nil
}

// streamedSpan turns a span of a "span" item into a row: the segment span
// into its transaction's row, any other into a span row of that transaction.
func (a *projectActor) streamedSpan(s event.StreamedSpan, out *grouped) {
	pid := uint64(a.projectID)
	if s.IsSegment {
		status := s.Status
		if status == "" {
			status = "unknown"
		}
		platform := "other"
		if strings.Contains(s.SDK, "javascript") {
			platform = "javascript"
		}
		out.rows.Transactions = append(out.rows.Transactions, analytics.TransactionRow{
			ProjectID: pid, EventID: s.TransactionID(), TraceID: s.TraceID, SpanID: s.SpanID, Name: s.SegmentName,
			Op: s.Op, Method: s.Method, Status: status, HTTPStatus: uint16(s.HTTPStatus), Start: s.Start,
			Duration: s.Duration, Platform: platform, Release: s.Release, Environment: s.Environment, UserKey: s.UserKey,
		})
		return
	}
	out.rows.Spans = append(out.rows.Spans, analytics.SpanRow{
		ProjectID: pid, TransactionID: s.TransactionID(), TraceID: s.TraceID, SpanID: s.SpanID, ParentSpanID: s.ParentSpanID,
		Transaction: s.SegmentName, Op: s.Op, Description: s.Description, Status: s.Status, Start: s.Start,
		Duration: s.Duration, SelfTime: s.SelfTime,
	})
}

func meta(r queue.Record) event.Meta {
	return event.Meta{EventID: r.EventID, Received: r.Received, SentAt: r.SentAt, ClientIP: r.ClientIP,
		KeepSensitiveData: r.KeepSensitiveData}
}

// normalize parses one record. A panic in the parser becomes a rejection, so
// one hostile event cannot stall its partition.
func normalize(r queue.Record) (e *event.Event, g event.Grouping, payload []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("event %s crashed the parser: %v", r.EventID, p)
		}
	}()
	e, err = event.Parse(r.Payload, meta(r))
	if err != nil {
		return nil, g, nil, err
	}
	g = event.Group(e)
	payload, err = json.Marshal(e)
	return e, g, payload, err
}

func eventRow(projectID, issueID int64, e *event.Event, ge metadata.GroupedEvent, payload []byte) analytics.EventRow {
	row := analytics.EventRow{
		ProjectID: uint64(projectID), IssueID: uint64(issueID), EventID: e.EventID,
		Timestamp: e.Timestamp, Received: e.Received, Level: e.Level, Platform: e.Platform,
		Environment: e.Environment, Release: e.Release, Transaction: e.Transaction,
		Title: ge.Title, Message: e.Message, UserKey: e.User.Key(), Payload: payload,
	}
	for _, t := range e.Tags {
		row.TagKeys = append(row.TagKeys, t.Key)
		row.TagValues = append(row.TagValues, t.Value)
	}
	if row.Timestamp.IsZero() {
		row.Timestamp = time.Now().UTC()
	}
	return row
}

// cronCheckIn is a check-in bound for its cron monitor in PostgreSQL.
type cronCheckIn struct {
	slug    string
	config  *metadata.CronConfig
	checkIn metadata.CronCheckIn
}
