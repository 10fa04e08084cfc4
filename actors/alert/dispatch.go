package alert

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/mail"
	"strings"
	"time"

	"github.com/faultline/faultline/actors/monitor"
	"github.com/faultline/faultline/metadata"
	"github.com/prometheus/client_golang/prometheus"
)

// DeliveryStore is the outbox of notifications; *metadata.DB is one.
type DeliveryStore interface {
	ClaimDeliveries(ctx context.Context, limit int, lease time.Duration) ([]metadata.Delivery, error)
	FinishDelivery(ctx context.Context, id int64, sendErr error, retryAt time.Time) error
	// IsMemberEmail reports whether address belongs to a member of the
	// organization that owns projectID.
	IsMemberEmail(ctx context.Context, projectID int64, address string) (bool, error)
}

// Backoff is how long a failed delivery waits before each retry; after the
// last it has failed for good.
var Backoff = []time.Duration{30 * time.Second, 2 * time.Minute, 10 * time.Minute, 30 * time.Minute, 2 * time.Hour}

// DigestAt is how many notifications for one recipient, due at once, are
// sent as a single digest instead.
const DigestAt = 5

// Dispatcher works through the outbox: it claims due deliveries, sends
// them (as a digest when many are due for one recipient), records each
// outcome and schedules retries. Any number of dispatchers may run: claims
// are leases taken with SKIP LOCKED.
type Dispatcher struct {
	store   DeliveryStore
	client  *http.Client
	send    map[string]sender
	backoff []time.Duration
	poll    time.Duration
	wake    chan struct{}
	metrics *alertMetrics
	log     *slog.Logger
}

// DispatcherConfig is what a Dispatcher is built with besides its store.
type DispatcherConfig struct {
	Guard  monitor.Guard // where webhooks may connect
	Mailer Mailer        // nil: email deliveries fail, saying why
	// Backoff is the retry schedule; Backoff (the package's) when nil.
	Backoff []time.Duration
	// Poll is how often the outbox is looked at when nothing nudges the
	// dispatcher; 1 s when zero.
	Poll time.Duration
}

// NewDispatcher returns a dispatcher working through store's outbox. Its
// metrics are registered on reg; nil registers them nowhere.
func NewDispatcher(store DeliveryStore, cfg DispatcherConfig, reg prometheus.Registerer, log *slog.Logger) *Dispatcher {
	if cfg.Backoff == nil {
		cfg.Backoff = Backoff
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	client := webhookClient(cfg.Guard)
	return &Dispatcher{store: store, client: client, send: senders(client, cfg.Mailer), backoff: cfg.Backoff, poll: cfg.Poll,
		wake: make(chan struct{}, 1), metrics: newAlertMetrics(reg), log: log.With("component", "alert-dispatch")}
}

// Run dispatches until ctx ends.
func (d *Dispatcher) Run(ctx context.Context) error {
	t := time.NewTicker(d.poll)
	defer t.Stop()
	defer d.client.CloseIdleConnections()
	for {
		for d.dispatchOnce(ctx) {
			// a full claim: there may be more due right away
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-d.wake:
		}
	}
}

// Nudge makes the dispatcher look for due deliveries now rather than at
// its next poll: an alert fired in this process goes out at once.
func (d *Dispatcher) Nudge() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

const claimSize = 100

// dispatchOnce sends one claim's worth and reports whether it was full.
func (d *Dispatcher) dispatchOnce(ctx context.Context) bool {
	due, err := d.store.ClaimDeliveries(ctx, claimSize, 2*time.Minute)
	if err != nil {
		if ctx.Err() == nil {
			d.log.Warn("claiming deliveries failed", "err", err)
		}
		return false
	}
	type recipient struct{ kind, target, secret string }
	groups := map[recipient][]metadata.Delivery{}
	var order []recipient
	members := map[memberKey]bool{}
	for _, del := range due {
		if del.Kind == "email" && !d.toMember(ctx, del, members) {
			continue
		}
		r := recipient{del.Kind, del.Target, del.Secret}
		if _, ok := groups[r]; !ok {
			order = append(order, r)
		}
		groups[r] = append(groups[r], del)
	}
	for _, r := range order {
		batch := groups[r]
		if len(batch) < DigestAt {
			for _, del := range batch {
				d.deliver(ctx, r.kind, r.target, r.secret, []metadata.Delivery{del})
			}
			continue
		}
		d.deliver(ctx, r.kind, r.target, r.secret, batch)
	}
	return len(due) == claimSize
}

type memberKey struct {
	project int64
	address string
}

// toMember reports whether an email delivery goes to a member of the
// organization of its alert's project, asking the store once per project
// and address in known. A delivery to anyone else fails for good, saying
// why; one the store cannot check now is left for its lease to run out.
func (d *Dispatcher) toMember(ctx context.Context, del metadata.Delivery, known map[memberKey]bool) bool {
	addr, err := mail.ParseAddress(del.Target)
	if err != nil {
		addr = &mail.Address{Address: del.Target}
	}
	k := memberKey{del.Alert.ProjectID, strings.ToLower(addr.Address)}
	ok, seen := known[k]
	if !seen {
		if ok, err = d.store.IsMemberEmail(ctx, k.project, k.address); err != nil {
			d.log.Warn("checking an alert email recipient failed", "delivery", del.ID, "err", err)
			return false
		}
		known[k] = ok
	}
	if ok {
		return true
	}
	refused := permanent{fmt.Errorf("%s is not a member of the organization: alert email goes only to members", addr.Address)}
	if err := d.store.FinishDelivery(ctx, del.ID, refused, time.Time{}); err != nil {
		d.log.Warn("recording a delivery failed", "delivery", del.ID, "err", err)
	}
	d.metrics.notifications.WithLabelValues("email", "refused").Inc()
	d.log.Warn("alert email not sent to an address outside the organization", "delivery", del.ID, "rule", del.Alert.RuleID)
	return false
}

// deliver sends one message for the deliveries and records the outcome on
// each of them.
func (d *Dispatcher) deliver(ctx context.Context, kind, target, secret string, batch []metadata.Delivery) {
	alerts := make([]metadata.Alert, len(batch))
	for i, del := range batch {
		alerts[i] = del.Alert
	}
	send, ok := d.send[kind]
	var err error
	if !ok {
		err = permanent{errUnknownKind(kind)}
	} else {
		sendCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err = send(sendCtx, target, secret, messageOf(alerts))
		cancel()
	}
	for _, del := range batch {
		var retryAt time.Time
		var final permanent
		if err != nil && del.Attempts < len(d.backoff) && !errors.As(err, &final) {
			retryAt = time.Now().Add(d.backoff[del.Attempts])
		}
		if ferr := d.store.FinishDelivery(ctx, del.ID, err, retryAt); ferr != nil {
			d.log.Warn("recording a delivery failed", "delivery", del.ID, "err", ferr)
		}
	}
	outcome := "sent"
	if err != nil {
		outcome = "failed"
	}
	d.metrics.notifications.WithLabelValues(kind, outcome).Inc()
	if err != nil {
		d.log.Warn("notification not delivered", "kind", kind, "alerts", len(batch), "err", err)
	} else {
		d.log.Info("notification delivered", "kind", kind, "alerts", len(batch))
	}
}

type errUnknownKind string

func (e errUnknownKind) Error() string { return "no sender for recipients of kind " + string(e) }
