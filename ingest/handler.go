package ingest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strconv"
	"time"

	"github.com/faultline/faultline/ingest/blob"
	"github.com/faultline/faultline/ingest/event"
	"github.com/faultline/faultline/ingest/jsonscan"
	"github.com/faultline/faultline/ingest/queue"
	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
)

// Producer is where accepted items go; *queue.Writer is one.
type Producer interface {
	WriteMessages(ctx context.Context, msgs ...kafka.Message) error
}

// Limits bound what one request may cost. The byte limits follow Relay's
// (max_event_size); the envelope is smaller than Relay's 200 MiB.
type Limits struct {
	MaxEnvelopeBytes int64 // decompressed envelope or store body
	MaxEventBytes    int64 // one event item
	// MaxEnvelopeItems bounds the items of one envelope: 256 by default,
	// the sum of Relay's per-envelope counts (max_attachment_count 30,
	// max_session_count 100, max_client_reports_count 100,
	// max_standalone_span_count 25) and one event, so no envelope Relay
	// takes is refused. Zero means the default.
	MaxEnvelopeItems int
	// MaxDecoding bounds the requests decompressing a body at once; zero
	// means 2 × GOMAXPROCS. DecodeWait is how long a request waits for its
	// turn before it is answered 503 with Retry-After; zero means 1 s.
	MaxDecoding    int
	DecodeWait     time.Duration
	ProduceTimeout time.Duration
}

// DefaultLimits are the limits used when none are given.
var DefaultLimits = Limits{MaxEnvelopeBytes: 20 << 20, MaxEventBytes: 1 << 20, MaxEnvelopeItems: 256,
	DecodeWait: time.Second, ProduceTimeout: 10 * time.Second}

// envelopeHeaderMax is as much of a body as is decompressed to read the
// envelope header's dsn, when the request names no key elsewhere: the key
// is checked before the rest is inflated.
const envelopeHeaderMax = 64 << 10

// Handler serves the ingest endpoints.
type Handler struct {
	blobs        blob.Store
	outcomes     *queue.OutcomeCounter
	keys         *keyCache
	rates        *limiter
	producer     Producer
	limits       Limits
	quotas       *quotaCache  // nil: no monthly quotas
	writable     func() error // nil: the queue can always take writes
	plainRecords bool         // records leave with their payloads uncompressed
	decoding     *gate
	inflate      func(raw []byte, encoding string, n, limit int64) ([]byte, bool, error) // the package's inflate; tests watch it
	metrics      *ingestMetrics
	log          *slog.Logger
}

// HandlerConfig is what a Handler is built with besides its dependencies.
type HandlerConfig struct {
	Limits Limits
	// Quotas turns monthly quotas and spike protection on; nil leaves
	// them off.
	Quotas QuotaSource
	// Writable, when set, is asked first by every ingest request whether
	// the queue can take writes (the embedded broker checks its disk):
	// when it cannot, the request is answered 503 with Retry-After before
	// anything of it is read or written. Nil: the queue always can.
	Writable func() error
	// PlainRecords writes records with their payloads uncompressed, for
	// workers older than compressed records while they still run
	// (FAULTLINE_COMPRESS_RECORDS=false).
	PlainRecords bool
}

// NewHandler returns ingest's HTTP handler.
// Outcomes (accepted, rate-limited, invalid, discarded by the client) are
// counted in outcomes, which may be nil.
// Attachments' bytes go to blobs once admitted, before their records go to
// Kafka, and are deleted again when the records cannot be produced.
// Its metrics are registered on reg; nil registers them nowhere.
func NewHandler(keys KeyLookup, producer Producer, blobs blob.Store, outcomes *queue.OutcomeCounter, cfg HandlerConfig, reg prometheus.Registerer, log *slog.Logger) *Handler {
	limits := cfg.Limits
	if limits.MaxEnvelopeItems <= 0 {
		limits.MaxEnvelopeItems = DefaultLimits.MaxEnvelopeItems
	}
	if limits.MaxDecoding <= 0 {
		limits.MaxDecoding = 2 * runtime.GOMAXPROCS(0)
	}
	if limits.DecodeWait <= 0 {
		limits.DecodeWait = DefaultLimits.DecodeWait
	}
	m := newIngestMetrics(reg)
	h := &Handler{keys: newKeyCache(keys, 30*time.Second, defaultKeyMaxStale, 100_000, m.staleKeys, log), rates: newLimiter(100_000),
		producer: producer, blobs: blobs, outcomes: outcomes, limits: limits, writable: cfg.Writable, plainRecords: cfg.PlainRecords, metrics: m, log: log,
		decoding: newGate(limits.MaxDecoding, limits.DecodeWait), inflate: inflate}
	if cfg.Quotas != nil {
		h.quotas = &quotaCache{src: cfg.Quotas, entries: map[int64]*quotaEntry{}}
	}
	return h
}

// Register mounts the ingest routes, with and without the trailing slash.
func (h *Handler) Register(r fiber.Router) {
	for _, p := range []string{"/api/:project_id/envelope", "/api/:project_id/store", "/api/:project_id/security"} {
		r.Options(p, h.preflight)
		r.Options(p+"/", h.preflight)
	}
	envelope, store, security, cron := h.metrics.metered("envelope", h.detached(h.envelope)), h.metrics.metered("store", h.detached(h.store)),
		h.metrics.metered("security", h.detached(h.security)), h.metrics.metered("cron", h.detached(h.cronCheckIn))
	r.Post("/api/:project_id/envelope", envelope)
	r.Post("/api/:project_id/envelope/", envelope)
	r.Post("/api/:project_id/store", store)
	r.Post("/api/:project_id/store/", store)
	r.Post("/api/:project_id/security", security)
	r.Post("/api/:project_id/security/", security)
	for _, p := range []string{"/api/:project_id/cron/:slug/:key", "/api/:project_id/cron/:slug"} {
		r.Get(p, cron)
		r.Get(p+"/", cron)
		r.Post(p, cron)
		r.Post(p+"/", cron)
	}
	for _, p := range []string{"/api/:project_id/minidump", "/api/:project_id/unreal/:key"} {
		r.Post(p, unsupported)
		r.Post(p+"/", unsupported)
	}
}

// requestContext is the context of a request's work: key and quota
// lookups, blob writes, produce. fasthttp's c.Context() is the server's and
// is cancelled the moment a graceful shutdown begins, which would answer 503
// to requests in flight whose items the broker may already hold. This one
// keeps the values of c.UserContext() but not its cancellation, and ends
// after ProduceTimeout.
func (h *Handler) requestContext(c *fiber.Ctx) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(c.UserContext()), h.limits.ProduceTimeout)
}

// detached runs next with c.UserContext() set to the requestContext, which
// ends when next returns; handlers use c.UserContext(), never c.Context().
func (h *Handler) detached(next fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if h.writable != nil {
			if err := h.writable(); err != nil {
				h.metrics.refusedFull.Inc()
				h.log.Warn("request refused: the event queue cannot take writes", "err", err)
				allowOrigin(c)
				c.Set(fiber.HeaderRetryAfter, "30")
				return unavailable("the event queue's disk is full; retry later")
			}
		}
		ctx, cancel := h.requestContext(c)
		defer cancel()
		c.SetUserContext(ctx)
		return next(c)
	}
}

// unsupported answers the native crash endpoints, which Faultline does not
// process yet, with a clear refusal rather than a 404.
func unsupported(c *fiber.Ctx) error {
	allowOrigin(c)
	return fiber.NewError(fiber.StatusBadRequest,
		"native crash reports (minidump, Unreal) are not supported by this server; send events and attachments through /envelope/")
}

// preflight answers browsers' CORS preflight for the ingest endpoints.
func (h *Handler) preflight(c *fiber.Ctx) error {
	allowOrigin(c)
	c.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
	c.Set("Access-Control-Allow-Headers", "Content-Type, Content-Encoding, X-Sentry-Auth, Authorization, sentry-trace, baggage")
	c.Set("Access-Control-Max-Age", "3600")
	return c.SendStatus(fiber.StatusNoContent)
}

func allowOrigin(c *fiber.Ctx) {
	c.Set("Access-Control-Allow-Origin", "*")
	c.Set("Access-Control-Expose-Headers", "X-Sentry-Error, X-Sentry-Rate-Limits, Retry-After")
}

func (h *Handler) envelope(c *fiber.Ctx) error {
	allowOrigin(c)
	pathProject, err := projectParam(c)
	if err != nil {
		return err
	}
	key := requestKey(c)
	if key == "" {
		if key, err = h.envelopeKey(c); err != nil {
			return err
		}
	}
	k, err := h.authorize(c, key, pathProject)
	if err != nil {
		return err
	}
	body, own, err := h.ownBody(c)
	if err != nil {
		return err
	}
	header, items, err := parseEnvelope(body, h.limits.MaxEnvelopeItems)
	switch {
	case errors.Is(err, errTooManyItems):
		h.metrics.limitHits.WithLabelValues("too_many_items").Inc()
		return fiber.NewError(fiber.StatusRequestEntityTooLarge,
			fmt.Sprintf("envelope holds more than %d items, the most one may hold; send the rest in another envelope", h.limits.MaxEnvelopeItems))
	case err != nil:
		return fiber.NewError(fiber.StatusBadRequest, err.Error())
	}
	projectID := k.ProjectID
	received := time.Now().UTC()
	sentAt, _ := time.Parse(time.RFC3339Nano, header.SentAt) // zero when absent or unreadable
	var out []outgoing
	eventID, category := "", "error"
	for i, it := range items {
		switch it.Type {
		case "event":
		case "transaction":
			category = "transaction"
		case "client_report":
			h.clientReport(projectID, it.payload)
			continue
		case "attachment":
			if o := h.attachment(projectID, header.EventID, it, received); o != nil {
				out = append(out, *o)
			}
			continue
		case "span", "session", "sessions", "check_in", "user_report", "feedback":
			// Small items that the workers read as JSON objects and store
			// as they are; each gets an id of its own so that a replay is
			// recognised.
			if int64(len(it.payload)) > h.limits.MaxEventBytes || !jsonscan.Valid(it.payload) || jsonKind(it.payload) != '{' {
				h.outcomes.Add(projectID, itemCategory(it.Type), "invalid", "invalid_item", 1)
				continue // a bad session or check-in does not cost the envelope's event
			}
			id, _ := resolveEventID("")
			out = append(out, counted(queue.Record{ProjectID: projectID, EventID: id, ItemType: it.Type,
				Received: received, SentAt: sentAt, ClientIP: c.IP(), Checked: true, Payload: it.payload}))
			continue
		default:
			// Unknown item types are skipped.
			continue
		}
		if eventID != "" {
			return h.invalid(projectID, category, "duplicate_item", fiber.StatusBadRequest, "envelope holds more than one event or transaction item")
		}
		if int64(len(it.payload)) > h.limits.MaxEventBytes {
			return h.invalid(projectID, category, "too_large", fiber.StatusRequestEntityTooLarge,
				fmt.Sprintf("%s item is %d bytes; the limit is %d", it.Type, len(it.payload), h.limits.MaxEventBytes))
		}
		if !jsonscan.Valid(it.payload) {
			return h.invalid(projectID, category, "invalid_json", fiber.StatusBadRequest, fmt.Sprintf("item %d (%s): payload is not valid JSON", i+1, it.Type))
		}
		if kind := jsonKind(it.payload); kind != '{' {
			return h.invalid(projectID, category, "invalid_json", fiber.StatusBadRequest,
				fmt.Sprintf("item %d (%s): payload must be a JSON object, got %s", i+1, it.Type, kindName(kind)))
		}
		if eventID, err = resolveEventID(header.EventID); err != nil {
			return h.invalid(projectID, category, "invalid_event_id", fiber.StatusBadRequest, err.Error())
		}
		// The event goes ahead of the items that refer to it, as produced
		// records are read in order.
		out = slices.Insert(out, 0, counted(queue.Record{ProjectID: projectID, EventID: eventID, ItemType: it.Type,
			Received: received, SentAt: sentAt, ClientIP: c.IP(), KeepSensitiveData: k.KeepSensitiveData,
			Checked: true, Payload: it.payload}))
	}
	u := usage{}
	for _, o := range out {
		u.add(o.category, o.quantity)
	}
	refused, err := h.admit(c, key, k, u)
	if err != nil {
		return err
	}
	if len(refused) > 0 {
		out = slices.DeleteFunc(out, func(o outgoing) bool { _, no := refused[o.category]; return no })
		if _, no := refused[category]; no {
			eventID = ""
		}
	}
	if err := h.putBlobs(c.UserContext(), out); err != nil {
		return err
	}
	if err := h.produce(c.UserContext(), out); err != nil {
		// The broker may yet be sent messages that alias the body (a
		// write that timed out), so it is not recycled.
		h.deleteBlobs(c.UserContext(), out)
		return err
	}
	if own {
		// Every record is acknowledged, every blob stored, and the rest
		// of the request reads only copies (ids, types, the header).
		recycleBody(body)
	}
	if eventID == "" {
		return c.JSON(fiber.Map{})
	}
	return acceptedAs(c, eventID)
}

// outgoing is a record on its way to Kafka, with the data category and
// quantity it counts for in limits, quotas and outcomes, and for an
// attachment the bytes stored under blobKey before it is produced.
type outgoing struct {
	rec      queue.Record
	category string
	quantity int // items; bytes for attachments
	blobKey  string
	blob     []byte
}

// counted is a record that counts as one item of its type's category.
func counted(rec queue.Record) outgoing {
	return outgoing{rec: rec, category: itemCategory(rec.ItemType), quantity: 1}
}

// attachment returns the record that indexes an attachment's bytes, to be
// stored once admitted, or nil when the attachment cannot be kept (no event
// id): it is then counted as invalid, and the rest of the envelope goes on.
func (h *Handler) attachment(projectID int64, rawEventID string, it item, received time.Time) *outgoing {
	eventID, ok := event.NormalizeID(rawEventID)
	if !ok {
		h.outcomes.Add(projectID, "attachment", "invalid", "no_event_id", len(it.payload))
		return nil
	}
	recordID, _ := resolveEventID("")
	meta := queue.Attachment{EventID: eventID, BlobKey: fmt.Sprintf("%d/%s/%s", projectID, eventID, recordID),
		Filename: it.Filename, ContentType: it.ContentType, AttachmentType: it.AttachmentType, Size: len(it.payload)}
	if meta.Filename == "" {
		meta.Filename = "attachment"
	}
	if meta.ContentType == "" {
		meta.ContentType = "application/octet-stream"
	}
	if meta.AttachmentType == "" {
		meta.AttachmentType = "event.attachment"
	}
	payload, _ := json.Marshal(meta)
	return &outgoing{rec: queue.Record{ProjectID: projectID, EventID: recordID, ItemType: "attachment", Received: received, Payload: payload},
		category: "attachment", quantity: len(it.payload), blobKey: meta.BlobKey, blob: it.payload}
}

// putBlobs stores the attachments' bytes; when one cannot be stored, those
// already written are deleted.
func (h *Handler) putBlobs(ctx context.Context, out []outgoing) error {
	for i, o := range out {
		if o.blobKey == "" {
			continue
		}
		if err := h.blobs.Put(ctx, o.blobKey, o.blob); err != nil {
			h.log.Error("attachment not stored", "err", err)
			h.deleteBlobs(ctx, out[:i])
			return unavailable("attachments cannot be stored right now; retry later")
		}
	}
	return nil
}

// deleteBlobs removes attachments' bytes whose records were not produced.
// A produce that failed may still have reached the broker (a timeout after
// the write); the worker then finds no file, and the dashboard says the
// attachment is no longer stored, which is better than files no record
// points to. It runs on a context of its own: the request's may be spent.
func (h *Handler) deleteBlobs(ctx context.Context, out []outgoing) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	for _, o := range out {
		if o.blobKey == "" {
			continue
		}
		if err := h.blobs.Delete(ctx, o.blobKey); err != nil {
			h.metrics.blobDeletes.WithLabelValues("failed").Inc()
			h.log.Error("attachment of a record not produced could not be deleted", "key", o.blobKey, "err", err)
			continue
		}
		h.metrics.blobDeletes.WithLabelValues("ok").Inc()
	}
}

// invalid counts a refused item as an outcome and answers with status.
func (h *Handler) invalid(projectID int64, category, reason string, status int, msg string) error {
	h.outcomes.Add(projectID, category, "invalid", reason, 1)
	return fiber.NewError(status, msg)
}

// clientReport counts what an SDK says it discarded (sampling, its own rate
// limiting, a full queue) as client_discard outcomes.
func (h *Handler) clientReport(projectID int64, payload []byte) {
	var report struct {
		Discarded []struct {
			Reason   string `json:"reason"`
			Category string `json:"category"`
			Quantity int    `json:"quantity"`
		} `json:"discarded_events"`
	}
	if json.Unmarshal(payload, &report) != nil {
		return // a broken report costs the SDK nothing: it is advisory
	}
	for _, d := range report.Discarded {
		h.outcomes.Add(projectID, d.Category, "client_discard", d.Reason, d.Quantity)
	}
}

// store takes the legacy single-event endpoint's body: one event as JSON.
func (h *Handler) store(c *fiber.Ctx) error {
	key, k, err := h.authorized(c)
	if err != nil {
		return err
	}
	body, err := h.body(c)
	if err != nil {
		return err
	}
	if int64(len(body)) > h.limits.MaxEventBytes {
		return fiber.NewError(fiber.StatusRequestEntityTooLarge,
			fmt.Sprintf("event is %d bytes; the limit is %d", len(body), h.limits.MaxEventBytes))
	}
	projectID := k.ProjectID
	// One scan checks the event and finds its id; json.Valid runs only to
	// word a refusal.
	valid, rawID := jsonscan.ValidMember(body, "event_id")
	if kind := jsonKind(body); kind != '{' || !valid {
		if !json.Valid(body) {
			return h.invalid(projectID, "error", "invalid_json", fiber.StatusBadRequest, "event is not valid JSON")
		}
		return h.invalid(projectID, "error", "invalid_json", fiber.StatusBadRequest,
			fmt.Sprintf("event must be a JSON object, got %s", kindName(kind)))
	}
	if _, err := h.admit(c, key, k, usage{"error": {1, 1}}); err != nil {
		return err
	}
	var id string
	_ = json.Unmarshal(rawID, &id) // a missing or non-string id is made up, as before
	eventID, err := resolveEventID(id)
	if err != nil {
		return err
	}
	rec := queue.Record{ProjectID: projectID, EventID: eventID, ItemType: "event", Received: time.Now().UTC(),
		ClientIP: c.IP(), KeepSensitiveData: k.KeepSensitiveData, Checked: true, Payload: body}
	if err := h.produce(c.UserContext(), []outgoing{counted(rec)}); err != nil {
		return err
	}
	return acceptedAs(c, eventID)
}

func projectParam(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("project_id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fiber.NewError(fiber.StatusBadRequest, fmt.Sprintf("project id %q in the URL is not a number", c.Params("project_id")))
	}
	return id, nil
}

// acceptedAs answers an accepted request with its event id, {"id":"…"},
// as Sentry does. The ids resolveEventID makes are 32 hex digits, which
// need no escaping, so the answer is written without an encoder and a map,
// which took about 1 % of a saturated server's CPU.
func acceptedAs(c *fiber.Ctx, eventID string) error {
	if !plainID(eventID) {
		return c.JSON(fiber.Map{"id": eventID})
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.SendString(`{"id":"` + eventID + `"}`)
}

func plainID(id string) bool {
	for i := 0; i < len(id); i++ {
		if c := id[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '-') {
			return false
		}
	}
	return true
}

// resolveEventID normalizes the client's event id, or makes one up when the
// client sent none.
func resolveEventID(raw string) (string, error) {
	if raw == "" {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		return hex.EncodeToString(b), nil
	}
	id, ok := event.NormalizeID(raw)
	if !ok {
		return "", fiber.NewError(fiber.StatusBadRequest, fmt.Sprintf("event_id %q is not a UUID", raw))
	}
	return id, nil
}

// itemCategory is the data category an item type counts in, as Sentry names
// them in outcomes and rate limits.
func itemCategory(itemType string) string {
	switch itemType {
	case "transaction":
		return "transaction"
	case "session", "sessions":
		return "session"
	case "check_in":
		return "monitor"
	case "user_report", "feedback":
		return "user_report_v2"
	case "attachment":
		return "attachment"
	case "span":
		return "span"
	case "security":
		return "security"
	}
	return "error"
}

// produce writes the records and returns once the broker acknowledged them;
// then they count as accepted. ctx is the requestContext, which already ends
// after ProduceTimeout.
func (h *Handler) produce(ctx context.Context, out []outgoing) error {
	if len(out) == 0 {
		return nil
	}
	msgs := make([]kafka.Message, len(out))
	for i, o := range out {
		if h.plainRecords {
			msgs[i] = o.rec.PlainMessage()
		} else {
			msgs[i] = o.rec.Message()
		}
	}
	defer h.metrics.observeProduce(time.Now())
	if err := h.producer.WriteMessages(ctx, msgs...); err != nil {
		h.log.Error("produce to Kafka failed", "err", err, "items", len(msgs))
		return unavailable("the event queue is unavailable; retry later")
	}
	for _, o := range out {
		h.outcomes.Add(o.rec.ProjectID, o.category, "accepted", "", o.quantity)
	}
	return nil
}

func unavailable(msg string) error {
	return &fiber.Error{Code: fiber.StatusServiceUnavailable, Message: msg}
}
