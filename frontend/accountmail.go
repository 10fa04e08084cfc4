package frontend

import (
	"context"
	"fmt"
	"html"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/faultline/faultline/frontend/mail"
	"github.com/faultline/faultline/ingest/promreg"
	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
)

// accountMail sends account email (password resets, address confirmations,
// notices that an address is taken) in the background: a request that asks
// for one answers at once, the same way and in about the same time whatever
// the mail server does and whether or not the account exists. API.Run
// sends; a full queue refuses new mail with 503.
type accountMail struct {
	mailer  *mail.Mailer
	log     *slog.Logger
	jobs    chan mailJob
	results *prometheus.CounterVec // emails by result
}

// mailJob prepares and sends one email; it may find that there is none to
// send (a reset for an address without an account).
type mailJob func(ctx context.Context, m *mail.Mailer) error

const (
	mailQueue   = 256              // emails waiting at most
	mailWorkers = 2                // sent at once
	mailTimeout = 30 * time.Second // per email, the SMTP exchange included
	mailDrain   = 10 * time.Second // for what is queued when the server stops
)

// newAccountMails registers the count of account emails on reg (served at
// /metrics).
func newAccountMails(reg prometheus.Registerer) *prometheus.CounterVec {
	return promreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{Name: "faultline_account_mail_total",
		Help: "Account emails (resets, confirmations) by result: sent, failed, or dropped because the queue was full."}, []string{"result"}))
}

func newAccountMail(m *mail.Mailer, results *prometheus.CounterVec, log *slog.Logger) *accountMail {
	return &accountMail{mailer: m, log: log, jobs: make(chan mailJob, mailQueue), results: results}
}

// enqueue queues an email, or answers 503 when too many are waiting.
func (q *accountMail) enqueue(job mailJob) error {
	select {
	case q.jobs <- job:
		return nil
	default:
		q.results.WithLabelValues("dropped").Inc()
		return unavailableError("too many emails are waiting to be sent; try again in a minute")
	}
}

// Run sends the account email requests queue, until ctx ends; then it sends
// what is still queued, for up to 10 s, and returns. Start it beside the
// HTTP server and cancel it after the server has stopped taking requests.
func (a *API) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for range mailWorkers {
		wg.Go(func() {
			for {
				select {
				case job := <-a.mail.jobs:
					a.mail.send(ctx, job)
				case <-ctx.Done():
					return
				}
			}
		})
	}
	wg.Wait()
	drain, cancel := context.WithTimeout(context.WithoutCancel(ctx), mailDrain)
	defer cancel()
	for {
		select {
		case job := <-a.mail.jobs:
			a.mail.send(drain, job)
		default:
			return nil
		}
	}
}

func (q *accountMail) send(ctx context.Context, job mailJob) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), mailTimeout)
	defer cancel()
	if err := job(ctx, q.mailer); err != nil {
		q.results.WithLabelValues("failed").Inc()
		q.log.Error("account email not sent", "err", err)
		return
	}
	q.results.WithLabelValues("sent").Inc()
}

// allowMail counts an account email to address asked for by the client, or
// answers 429: a few per address and per client an hour, so nobody can
// flood an inbox or send mail through the server at will.
func (a *API) allowMail(c *fiber.Ctx, address string) error {
	now := time.Now()
	to, wait, ok := a.mailsTo.begin(now, "to:"+strings.ToLower(strings.TrimSpace(address)))
	if !ok {
		return a.tooMany(c, "mail_to_address", wait, "too many emails to this address; try again later")
	}
	if _, wait, ok := a.mailsFrom.begin(now, "ip:"+c.IP()); !ok {
		to.cancel()
		return a.tooMany(c, "mail_from_client", wait, "too many email requests from your address; try again later")
	}
	return nil
}

// appLink is a dashboard page's URL.
func (a *API) appLink(path string) string { return a.opts.PublicURL + "/app/" + path }

func message(to, subject, text, link, linkText, after string) mail.Message {
	return mail.Message{To: to, Subject: subject,
		Text: text + "\n\n" + linkText + ": " + link + "\n\n" + after + "\n",
		HTML: "<p>" + html.EscapeString(text) + `</p><p><a href="` + html.EscapeString(link) + `">` + html.EscapeString(linkText) +
			"</a></p><p>" + html.EscapeString(after) + "</p>"}
}

// passwordReset sends a reset link to the account with this email, if
// there is one.
func (a *API) passwordReset(email string) mailJob {
	return func(ctx context.Context, m *mail.Mailer) error {
		token, address, found, err := a.db.CreatePasswordReset(ctx, email)
		if err != nil || !found {
			return err
		}
		return m.Send(ctx, message(address, "Reset your Faultline password",
			"Someone asked to reset the password of your Faultline account.",
			a.appLink("reset-password/"+token), "Reset your password",
			"The link works for an hour. If it was not you, ignore this email."))
	}
}

// confirmation sends a link that confirms the user's email address.
func (a *API) confirmation(userID int64) mailJob {
	return func(ctx context.Context, m *mail.Mailer) error {
		token, address, err := a.db.CreateEmailVerification(ctx, userID)
		if err != nil {
			return err
		}
		return m.Send(ctx, message(address, "Confirm your email address for Faultline",
			"Confirm that this is your address to finish setting up your Faultline account; invitations to organizations are accepted once it is confirmed.",
			a.appLink("verify-email/"+token), "Confirm your address",
			"The link works for a day. If you did not create a Faultline account, ignore this email."))
	}
}

// takenNotice tells an account's owner that someone tried to register
// their address again.
func (a *API) takenNotice(address string) mailJob {
	return func(ctx context.Context, m *mail.Mailer) error {
		return m.Send(ctx, message(address, "Your Faultline account",
			fmt.Sprintf("Someone tried to create a Faultline account for %s, which has one already. If it was you, log in, or reset your password from the login page.", address),
			a.appLink("login"), "Log in",
			"If it was not you, ignore this email: nothing changed."))
	}
}
