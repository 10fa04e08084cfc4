package actors

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"runtime/debug"
	"slices"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/faultline/faultline/actors/alert"
	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/ingest/event"
	"github.com/faultline/faultline/ingest/queue"
	"github.com/faultline/faultline/ingest/symbolicate"
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
	rows     analytics.Rows
	rejected []rejected
	err      error
}

// pendingEvent is one error event of a batch, carried from parsing to
// storage: PostgreSQL groups it, the alert rules see it, ClickHouse stores
// its row.
type pendingEvent struct {
	index    int // into groupBatch.records
	event    *event.Event
	grouping event.Grouping
	payload  []byte                // the normalized event as JSON, compressed as stored
	log      *metadata.LogPosition // nil: the record did not come from the log
	seen     bool                  // counted lately, so a client's resend
}

// grouped is what PostgreSQL needs to group the event into an issue.
func (p pendingEvent) grouped() metadata.GroupedEvent {
	return metadata.GroupedEvent{
		EventID: p.event.EventID, Fingerprint: p.grouping.Fingerprint, Title: p.grouping.Title, Culprit: p.grouping.Culprit,
		Level: p.event.Level, Type: p.grouping.Type, Metadata: p.grouping.Metadata, Timestamp: p.event.Timestamp,
		Release: p.event.Release, Log: p.log, Seen: p.seen,
	}
}

// facts describes the event, grouped under issueID, to the alert rules.
func (p pendingEvent) facts(issueID int64) alert.EventFacts {
	e := p.event
	f := alert.EventFacts{IssueID: issueID, Title: p.grouping.Title, Culprit: p.grouping.Culprit, Level: e.Level,
		Environment: e.Environment, Release: e.Release, UserKey: e.User.Key(), Tags: map[string]string{}}
	for _, t := range e.Tags {
		f.Tags[t.Key] = t.Value
	}
	return f
}

// row is the event's ClickHouse row, grouped under issueID.
func (p pendingEvent) row(projectID, issueID int64) analytics.EventRow {
	return eventRow(projectID, issueID, p.event, p.grouping.Title, p.payload)
}

// sideRecords are a batch's records bound for PostgreSQL beside its
// events; the actor stores them itself before grouping the events.
type sideRecords struct {
	feedback    []metadata.Feedback
	attachments []metadata.Attachment
	checkIns    []cronCheckIn // under their cron monitors
}

// projectActor owns one project's grouping. Kafka keys records by project,
// so one actor sees its project's events in order; actors of different
// projects run in parallel.
type projectActor struct {
	projectID int64
	issues    IssueStore
	alerts    *alert.Evaluator // nil: no alerting
	// symbolicator maps minified JavaScript frames before grouping (nil:
	// off), within symbolicationBudget per batch.
	symbolicator        *symbolicate.Symbolicator
	symbolicationBudget time.Duration
	// parsing is shared by the worker's actors: a record is parsed in a
	// turn (nil: no bound).
	parsing parseTurns
	// recent is the worker's memory of the events it counted lately (nil:
	// none kept); stored finds a stored event's issue, for feedback that
	// comes after its event (nil: such feedback stays unlinked).
	recent  *recentEvents
	stored  eventIssues
	metrics *workerMetrics
	log     *slog.Logger
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
	var side sideRecords
	pending := make([]pendingEvent, 0, len(records))
	symbolicate, stop := a.symbolication(ctx)
	defer stop()
	if mapFrames := symbolicate; mapFrames != nil {
		symbolicate = func(e *event.Event) { a.parsing.outside(func() { mapFrames(e) }) }
	}
	for i, r := range records {
		// The worker gives up on the batch when ctx ends (it then splits
		// it): stop between records rather than work on for nobody.
		if err := context.Cause(ctx); err != nil {
			out.err = fmt.Errorf("project %d: %w", a.projectID, err)
			return out
		}
		if r.ItemType != "event" && r.ItemType != "security" {
			var err error
			a.parsing.do(func() { err = a.other(r, &out.rows, &side) })
			if err != nil {
				out.rejected = append(out.rejected, rejected{index: i, reason: err})
			}
			continue
		}
		var p pendingEvent
		var err error
		a.parsing.do(func() { p, err = normalize(i, r, symbolicate) })
		if err != nil {
			out.rejected = append(out.rejected, rejected{index: i, reason: err})
			continue
		}
		if r.Logged {
			p.log = &metadata.LogPosition{Partition: r.Partition, Offset: r.Offset, Received: r.Received}
		}
		p.seen = a.recent != nil && a.recent.counted(a.projectID, p.event.EventID)
		pending = append(pending, p)
	}
	if err := a.storeSide(ctx, side); err != nil {
		out.err = fmt.Errorf("project %d: %w", a.projectID, err)
		return out
	}
	if len(pending) == 0 {
		return out
	}
	events := make([]metadata.GroupedEvent, len(pending))
	for i, p := range pending {
		events[i] = p.grouped()
	}
	rec, err := a.issues.RecordEventsDetailed(ctx, a.projectID, events)
	if metadata.IsPermanent(err) {
		// Some event in the batch is refused by PostgreSQL itself. Find it by
		// recording the events one at a time, so that it alone is rejected.
		a.log.Warn("batch refused by PostgreSQL; recording its events one by one", "err", err)
		rec, err = a.recordEach(ctx, pending, out)
	}
	if err != nil {
		out.err = fmt.Errorf("project %d: %w", a.projectID, err)
		return out
	}
	if a.recent != nil {
		a.recent.remember(a.projectID, slices.Collect(maps.Keys(rec.Fresh)))
	}
	if a.alerts != nil {
		// Only events counted for the first time: a replayed batch alerts no one twice.
		if err := a.alerts.Observe(ctx, alertFacts(pending, rec)); err != nil {
			a.log.Warn("alert evaluation failed", "err", err)
		}
	}
	for i, p := range pending {
		if issueID := rec.IssueIDs[i]; issueID != 0 {
			out.rows.Events = append(out.rows.Events, p.row(a.projectID, issueID))
		}
	}
	return out
}

// storeSide stores a batch's feedback, attachments and check-ins in
// PostgreSQL.
func (a *projectActor) storeSide(ctx context.Context, side sideRecords) error {
	a.linkFeedback(ctx, side.feedback)
	if err := a.issues.RecordFeedback(ctx, a.projectID, side.feedback); err != nil {
		return err
	}
	if err := a.issues.RecordAttachments(ctx, a.projectID, side.attachments); err != nil {
		return err
	}
	for _, c := range side.checkIns {
		_, err := a.issues.RecordCronCheckIn(ctx, a.projectID, c.slug, c.config, c.checkIn)
		if errors.Is(err, metadata.ErrNotFound) {
			// No such monitor and no monitor_config to create it from: the
			// check-in stays in ClickHouse's history only.
			a.log.Debug("check-in for an unknown cron monitor", "slug", c.slug)
			continue
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// linkFeedback gives feedback about an event already stored its issue.
// Feedback that comes first is linked when its event is counted; a lookup
// that fails leaves the feedback unlinked rather than holding up the batch.
func (a *projectActor) linkFeedback(ctx context.Context, items []metadata.Feedback) {
	if a.stored == nil {
		return
	}
	for i, f := range items {
		if f.EventID == "" || f.IssueID != 0 {
			continue
		}
		issueID, err := a.stored.EventIssue(ctx, uint64(a.projectID), f.EventID)
		if err != nil {
			if !errors.Is(err, analytics.ErrNoEvent) {
				a.log.Warn("feedback left without its issue: its event could not be looked up", "event", f.EventID, "err", err)
			}
			continue
		}
		items[i].IssueID = int64(issueID)
	}
}

// recordEach records events one at a time, rejecting those PostgreSQL
// refuses; their issue id stays 0. A transient error stops it.
func (a *projectActor) recordEach(ctx context.Context, pending []pendingEvent, out *grouped) (metadata.Recorded, error) {
	all := metadata.Recorded{IssueIDs: make([]int64, len(pending)), Created: map[int64]bool{}, Regressed: map[int64]bool{}, Fresh: map[string]bool{}}
	for i, p := range pending {
		one, err := a.issues.RecordEventsDetailed(ctx, a.projectID, []metadata.GroupedEvent{p.grouped()})
		switch {
		case metadata.IsPermanent(err):
			out.rejected = append(out.rejected, rejected{index: p.index, reason: fmt.Errorf("PostgreSQL refused the event: %w", err)})
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
func alertFacts(pending []pendingEvent, rec metadata.Recorded) []alert.EventFacts {
	var facts []alert.EventFacts
	announced := map[int64]bool{}
	for i, p := range pending {
		issue := rec.IssueIDs[i]
		if issue == 0 || !rec.Fresh[p.event.EventID] {
			continue
		}
		f := p.facts(issue)
		if !announced[issue] {
			f.NewIssue, f.Regressed = rec.Created[issue], rec.Regressed[issue]
			announced[issue] = true
		}
		facts = append(facts, f)
	}
	return facts
}

// other turns a record of any type but event into rows, and into side
// records for PostgreSQL. None of them become issues.
func (a *projectActor) other(r queue.Record, rows *analytics.Rows, side *sideRecords) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s item %s crashed the parser: %v", r.ItemType, r.EventID, p)
		}
	}()
	switch r.ItemType {
	case "transaction":
		t, err := event.ParseTransaction(r.Payload, meta(r))
		if err != nil {
			return err
		}
		tx, spans := transactionRows(a.projectID, t)
		rows.Transactions = append(rows.Transactions, tx)
		rows.AddSpans(spans)
		return nil
	case "span":
		spans, err := event.ParseSpans(r.Payload, meta(r))
		if err != nil {
			return err
		}
		txs, spanRows := streamedSpanRows(a.projectID, spans)
		rows.Transactions = append(rows.Transactions, txs...)
		rows.AddSpans(spanRows)
		return nil
	case "session", "sessions":
		counts, err := event.ParseSessions(r.ItemType, r.Payload, r.Received)
		if err != nil {
			return err
		}
		rows.Sessions = append(rows.Sessions, sessionRows(a.projectID, r.EventID, counts)...)
		return nil
	case "user_report", "feedback":
		f, err := event.ParseFeedback(r.ItemType, r.Payload, r.Received)
		if err != nil {
			return err
		}
		side.feedback = append(side.feedback, metadata.Feedback{RecordID: r.EventID, EventID: f.EventID,
			Name: f.Name, Email: f.Email, Comments: f.Comments, CreatedAt: f.At})
		return nil
	case "attachment":
		var m queue.Attachment
		if err := json.Unmarshal(r.Payload, &m); err != nil || m.BlobKey == "" {
			return fmt.Errorf("attachment record is not readable: %v", err)
		}
		side.attachments = append(side.attachments, metadata.Attachment{RecordID: r.EventID, EventID: m.EventID,
			Name: m.Filename, ContentType: m.ContentType, Type: m.AttachmentType, Size: int64(m.Size), BlobKey: m.BlobKey})
		return nil
	case "check_in":
		c, err := event.ParseCheckIn(r.Payload)
		if err != nil {
			return err
		}
		pending, err := newCronCheckIn(r, c)
		if err != nil {
			return err
		}
		side.checkIns = append(side.checkIns, pending)
		rows.CheckIns = append(rows.CheckIns, checkInRow(a.projectID, r.EventID, r.Received, c))
		return nil
	}
	return fmt.Errorf("item type %q is not handled by the workers", r.ItemType)
}

func meta(r queue.Record) event.Meta {
	return event.Meta{EventID: r.EventID, Received: r.Received, SentAt: r.SentAt, ClientIP: r.ClientIP,
		KeepSensitiveData: r.KeepSensitiveData, Checked: r.Checked}
}

// normalize parses the event record at index i of a batch and groups it,
// after symbolicate (if not nil) rewrote its frames. A panic in the parser
// becomes a rejection, so one hostile event cannot stall its partition.
func normalize(i int, r queue.Record, symbolicate func(*event.Event)) (p pendingEvent, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("event %s crashed the parser: %v", r.EventID, v)
		}
	}()
	e, err := event.Parse(r.Payload, meta(r))
	if err != nil {
		return p, err
	}
	if symbolicate != nil {
		symbolicate(e)
	}
	p = pendingEvent{index: i, event: e, grouping: event.Group(e)}
	p.payload, err = storedPayload(e)
	return p, err
}

// cronCheckIn is a check-in bound for its cron monitor in PostgreSQL.
type cronCheckIn struct {
	slug    string
	config  *metadata.CronConfig
	checkIn metadata.CronCheckIn
}

// newCronCheckIn is check-in c of record r, with the monitor config it
// carries, if any.
func newCronCheckIn(r queue.Record, c *event.CheckIn) (cronCheckIn, error) {
	config, err := event.ParseMonitorConfig(c.MonitorConfig)
	if err != nil {
		return cronCheckIn{}, err
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
	return pending, nil
}
