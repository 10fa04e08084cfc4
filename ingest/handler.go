package ingest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/faultline/faultline/ingest/blob"
	"github.com/faultline/faultline/ingest/event"
	"github.com/faultline/faultline/ingest/queue"
	"github.com/gofiber/fiber/v2"
	"github.com/segmentio/kafka-go"
)

// Producer is where accepted items go; *kafka.Writer is one.
type Producer interface {
	WriteMessages(ctx context.Context, msgs ...kafka.Message) error
}

// Limits bound what one request may cost. The defaults follow Relay's.
type Limits struct {
	MaxEnvelopeBytes int64 // decompressed envelope or store body
	MaxEventBytes    int64 // one event item
	ProduceTimeout   time.Duration
}

// DefaultLimits are the limits used when none are given.
var DefaultLimits = Limits{MaxEnvelopeBytes: 20 << 20, MaxEventBytes: 1 << 20, ProduceTimeout: 10 * time.Second}

// Handler serves the ingest endpoints.
type Handler struct {
	blobs    blob.Store
	outcomes *queue.OutcomeCounter
	keys     *keyCache
	rates    *limiter
	producer Producer
	limits   Limits
	quotas   *quotaCache  // nil: no monthly quotas
	writable func() error // nil: the queue can always take writes
	log      *slog.Logger
}

// WithWritable makes every ingest request first ask writable whether the
// queue can take writes (the embedded broker checks its disk): when it
// cannot, the request is answered 503 with Retry-After before anything of
// it is read or written.
func (h *Handler) WithWritable(writable func() error) *Handler {
	h.writable = writable
	return h
}

// NewHandler returns ingest's HTTP handler.
// Outcomes (accepted, rate-limited, invalid, discarded by the client) are
// counted in outcomes, which may be nil.
// Attachments' bytes go to blobs before their records go to Kafka.
func NewHandler(keys KeyLookup, producer Producer, blobs blob.Store, outcomes *queue.OutcomeCounter, limits Limits, log *slog.Logger) *Handler {
	return &Handler{keys: newKeyCache(keys, 30*time.Second, defaultKeyMaxStale, 100_000, log), rates: newLimiter(100_000),
		producer: producer, blobs: blobs, outcomes: outcomes, limits: limits, log: log}
}

// Register mounts the ingest routes, with and without the trailing slash.
func (h *Handler) Register(r fiber.Router) {
	for _, p := range []string{"/api/:project_id/envelope", "/api/:project_id/store", "/api/:project_id/security"} {
		r.Options(p, h.preflight)
		r.Options(p+"/", h.preflight)
	}
	envelope, store, security, cron := metered("envelope", h.detached(h.envelope)), metered("store", h.detached(h.store)),
		metered("security", h.detached(h.security)), metered("cron", h.detached(h.cronCheckIn))
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
				refusedFull.Inc()
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
	pathProject, body, err := h.read(c)
	if err != nil {
		return err
	}
	header, items, err := parseEnvelope(body)
	if err != nil {
		return fiber.NewError(fiber.StatusBadRequest, err.Error())
	}
	key := requestKey(c)
	if key == "" {
		key, _ = dsnKey(header.DSN)
	}
	k, err := h.authorize(c, key, pathProject)
	if err != nil {
		return err
	}
	projectID := k.ProjectID
	received := time.Now().UTC()
	sentAt, _ := time.Parse(time.RFC3339Nano, header.SentAt) // zero when absent or unreadable
	var records, extras []queue.Record
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
			rec, err := h.attachment(c.UserContext(), projectID, header.EventID, it, received)
			if err != nil {
				return err
			}
			if rec != nil {
				extras = append(extras, *rec)
			}
			continue
		case "span", "session", "sessions", "check_in", "user_report", "feedback":
			// Small items that the workers read as JSON objects and store
			// as they are; each gets an id of its own so that a replay is
			// recognised.
			if int64(len(it.payload)) > h.limits.MaxEventBytes || !json.Valid(it.payload) || jsonKind(it.payload) != '{' {
				h.outcomes.Add(projectID, itemCategory(it.Type), "invalid", "invalid_item", 1)
				continue // a bad session or check-in does not cost the envelope's event
			}
			id, _ := resolveEventID("")
			extras = append(extras, queue.Record{ProjectID: projectID, EventID: id, ItemType: it.Type,
				Received: received, SentAt: sentAt, ClientIP: c.IP(), Payload: it.payload})
			continue
		default:
			// Other item types (sessions, attachments, check-ins, ...) are
			// accepted and not stored yet; unknown types are skipped.
			continue
		}
		if eventID != "" {
			return h.invalid(projectID, category, "duplicate_item", fiber.StatusBadRequest, "envelope holds more than one event or transaction item")
		}
		if int64(len(it.payload)) > h.limits.MaxEventBytes {
			return h.invalid(projectID, category, "too_large", fiber.StatusRequestEntityTooLarge,
				fmt.Sprintf("%s item is %d bytes; the limit is %d", it.Type, len(it.payload), h.limits.MaxEventBytes))
		}
		if !json.Valid(it.payload) {
			return h.invalid(projectID, category, "invalid_json", fiber.StatusBadRequest, fmt.Sprintf("item %d (%s): payload is not valid JSON", i+1, it.Type))
		}
		if kind := jsonKind(it.payload); kind != '{' {
			return h.invalid(projectID, category, "invalid_json", fiber.StatusBadRequest,
				fmt.Sprintf("item %d (%s): payload must be a JSON object, got %s", i+1, it.Type, kindName(kind)))
		}
		if eventID, err = resolveEventID(header.EventID); err != nil {
			return h.invalid(projectID, category, "invalid_event_id", fiber.StatusBadRequest, err.Error())
		}
		records = append(records, queue.Record{ProjectID: projectID, EventID: eventID, ItemType: it.Type,
			Received: received, SentAt: sentAt, ClientIP: c.IP(), KeepSensitiveData: k.KeepSensitiveData, Payload: it.payload})
	}
	if err := h.admit(c, key, k, category, len(records)); err != nil {
		return err
	}
	if err := h.produce(c.UserContext(), append(records, extras...)); err != nil {
		return err
	}
	if eventID == "" {
		return c.JSON(fiber.Map{})
	}
	return c.JSON(fiber.Map{"id": eventID})
}

// attachment stores an attachment's bytes and returns the record that
// indexes them, or nil when the attachment cannot be kept (no event id): it
// is then counted as invalid, and the rest of the envelope goes on.
func (h *Handler) attachment(ctx context.Context, projectID int64, rawEventID string, it item, received time.Time) (*queue.Record, error) {
	eventID, ok := event.NormalizeID(rawEventID)
	if !ok {
		h.outcomes.Add(projectID, "attachment", "invalid", "no_event_id", 1)
		return nil, nil
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
	if err := h.blobs.Put(ctx, meta.BlobKey, it.payload); err != nil {
		h.log.Error("attachment not stored", "err", err)
		return nil, unavailable("attachments cannot be stored right now; retry later")
	}
	payload, _ := json.Marshal(meta)
	return &queue.Record{ProjectID: projectID, EventID: recordID, ItemType: "attachment", Received: received, Payload: payload}, nil
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
	pathProject, body, err := h.read(c)
	if err != nil {
		return err
	}
	if int64(len(body)) > h.limits.MaxEventBytes {
		return fiber.NewError(fiber.StatusRequestEntityTooLarge,
			fmt.Sprintf("event is %d bytes; the limit is %d", len(body), h.limits.MaxEventBytes))
	}
	key := requestKey(c)
	k, err := h.authorize(c, key, pathProject)
	if err != nil {
		return err
	}
	projectID := k.ProjectID
	if !json.Valid(body) {
		return h.invalid(projectID, "error", "invalid_json", fiber.StatusBadRequest, "event is not valid JSON")
	}
	if kind := jsonKind(body); kind != '{' {
		return h.invalid(projectID, "error", "invalid_json", fiber.StatusBadRequest,
			fmt.Sprintf("event must be a JSON object, got %s", kindName(kind)))
	}
	var head struct {
		EventID json.RawMessage `json:"event_id"`
	}
	_ = json.Unmarshal(body, &head) // cannot fail: a valid object, event_id kept raw
	if err := h.admit(c, key, k, "error", 1); err != nil {
		return err
	}
	var rawID string
	_ = json.Unmarshal(head.EventID, &rawID)
	eventID, err := resolveEventID(rawID)
	if err != nil {
		return err
	}
	rec := queue.Record{ProjectID: projectID, EventID: eventID, ItemType: "event", Received: time.Now().UTC(),
		ClientIP: c.IP(), KeepSensitiveData: k.KeepSensitiveData, Payload: body}
	if err := h.produce(c.UserContext(), []queue.Record{rec}); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"id": eventID})
}

// read does what both endpoints do first: CORS headers, the project id in
// the path, and the decoded body.
func (h *Handler) read(c *fiber.Ctx) (projectID int64, body []byte, err error) {
	allowOrigin(c)
	if projectID, err = projectParam(c); err != nil {
		return 0, nil, err
	}
	body, err = h.body(c)
	return projectID, body, err
}

func projectParam(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("project_id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fiber.NewError(fiber.StatusBadRequest, fmt.Sprintf("project id %q in the URL is not a number", c.Params("project_id")))
	}
	return id, nil
}

// body reads the raw request body and undoes its Content-Encoding under the
// envelope limit. fiber's own Body() would inflate without a limit.
func (h *Handler) body(c *fiber.Ctx) ([]byte, error) {
	body, err := decode(c.BodyRaw(), c.Get(fiber.HeaderContentEncoding), h.limits.MaxEnvelopeBytes)
	switch {
	case errors.Is(err, errTooLarge):
		return nil, fiber.NewError(fiber.StatusRequestEntityTooLarge,
			fmt.Sprintf("body is larger than %d bytes once decompressed", h.limits.MaxEnvelopeBytes))
	case err != nil:
		return nil, fiber.NewError(fiber.StatusBadRequest, err.Error())
	}
	return body, nil
}

// requestKey finds the DSN key in X-Sentry-Auth, Authorization or the
// sentry_key query parameter.
func requestKey(c *fiber.Ctx) string {
	if k := authKey(c.Get("X-Sentry-Auth")); k != "" {
		return k
	}
	if k := authKey(c.Get(fiber.HeaderAuthorization)); k != "" {
		return k
	}
	return c.Query("sentry_key")
}

func (h *Handler) authorize(c *fiber.Ctx, key string, pathProject int64) (Key, error) {
	ctx := c.UserContext()
	if key == "" {
		return Key{}, fiber.NewError(fiber.StatusUnauthorized,
			"missing DSN key: send it in X-Sentry-Auth, the sentry_key query parameter or the envelope header's dsn")
	}
	k, err := h.keys.get(ctx, key)
	if err != nil {
		h.log.Error("DSN key lookup failed", "err", err)
		return Key{}, unavailable("DSN keys cannot be checked right now")
	}
	switch {
	case k.unknown:
		return Key{}, fiber.NewError(fiber.StatusUnauthorized, "unknown DSN key")
	case !k.Active:
		return Key{}, fiber.NewError(fiber.StatusForbidden, "DSN key is disabled")
	case k.ProjectID != pathProject:
		return Key{}, fiber.NewError(fiber.StatusForbidden,
			fmt.Sprintf("DSN key does not belong to project %d", pathProject))
	}
	if err := checkOrigin(c, k.Key); err != nil {
		return Key{}, err
	}
	return k.Key, nil
}

// admit applies the key's and then the organization's rate limit to n
// events. Limits are counted per ingest process.
func (h *Handler) admit(c *fiber.Ctx, publicKey string, k Key, category string, n int) error {
	if n == 0 {
		return nil
	}
	now := time.Now()
	if k.RateWindow > 0 {
		if ok, wait := h.rates.take("key:"+publicKey, k.RateLimit, k.RateWindow, n, now); !ok {
			return h.rateLimited(c, k, category, "key_quota", wait, n,
				fmt.Sprintf("DSN key rate limit of %d events per %s reached", k.RateLimit, k.RateWindow))
		}
	}
	if k.OrgRateWindow > 0 {
		if ok, wait := h.rates.take(fmt.Sprintf("org:%d", k.OrgID), k.OrgRateLimit, k.OrgRateWindow, n, now); !ok {
			return h.rateLimited(c, k, category, "org_quota", wait, n,
				fmt.Sprintf("organization rate limit of %d events per %s reached", k.OrgRateLimit, k.OrgRateWindow))
		}
	}
	if h.quotas != nil {
		ok, reason, wait, msg, err := h.quotas.take(c.UserContext(), k.OrgID, category, n, now)
		if err != nil {
			h.log.Warn("quota lookup failed; admitting", "org", k.OrgID, "err", err)
		}
		if !ok {
			return h.overQuota(c, k, category, reason, wait, n, msg)
		}
	}
	return nil
}

// rateLimited answers 429 with Retry-After and X-Sentry-Rate-Limits, which
// every Sentry SDK honours, and counts the items as rate limited.
func (h *Handler) rateLimited(c *fiber.Ctx, k Key, category, reason string, wait time.Duration, n int, msg string) error {
	h.outcomes.Add(k.ProjectID, category, "rate_limited", reason, n)
	secs := int((wait + time.Second - 1) / time.Second)
	scope := "key"
	if reason == "org_quota" {
		scope = "organization"
	}
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(secs))
	c.Set("X-Sentry-Rate-Limits", fmt.Sprintf("%d:error;default;security;transaction:%s:%s", secs, scope, reason))
	return fiber.NewError(fiber.StatusTooManyRequests, fmt.Sprintf("%s; retry in %d s", msg, secs))
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
// then they count as accepted.
func (h *Handler) produce(ctx context.Context, records []queue.Record) error {
	if len(records) == 0 {
		return nil
	}
	msgs := make([]kafka.Message, len(records))
	for i, r := range records {
		msgs[i] = r.Message()
	}
	ctx, cancel := context.WithTimeout(ctx, h.limits.ProduceTimeout)
	defer cancel()
	defer observeProduce(time.Now())
	if err := h.producer.WriteMessages(ctx, msgs...); err != nil {
		h.log.Error("produce to Kafka failed", "err", err, "items", len(msgs))
		return unavailable("the event queue is unavailable; retry later")
	}
	for _, r := range records {
		h.outcomes.Add(r.ProjectID, itemCategory(r.ItemType), "accepted", "", 1)
	}
	return nil
}

func unavailable(msg string) error {
	return &fiber.Error{Code: fiber.StatusServiceUnavailable, Message: msg}
}
