// Package mail sends Faultline's email (password resets, invitations)
// through an SMTP server given as a URL:
//
//	smtp://user:pass@host:587         STARTTLS required
//	smtps://user:pass@host:465        implicit TLS
//	smtp://host:25?tls=none           plain text (local relays, tests)
package mail

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// ErrNotConfigured is returned by a Mailer without an SMTP server.
var ErrNotConfigured = errors.New("email is not configured on this server (FAULTLINE_SMTP_URL)")

// Message is one email with a plain-text and an HTML body.
type Message struct {
	To      string
	Subject string
	Text    string
	HTML    string
}

// Mailer sends messages; the zero value is an unconfigured mailer.
type Mailer struct {
	from string
	opts []gomail.Option
	host string
}

// New returns a mailer for an SMTP URL; an empty URL gives a mailer whose
// Send answers ErrNotConfigured.
func New(smtpURL, from string) (*Mailer, error) {
	if smtpURL == "" {
		return &Mailer{}, nil
	}
	u, err := url.Parse(smtpURL)
	if err != nil || u.Hostname() == "" {
		return nil, fmt.Errorf("FAULTLINE_SMTP_URL %q is not a URL such as smtp://user:pass@host:587", smtpURL)
	}
	if from == "" {
		return nil, errors.New("FAULTLINE_EMAIL_FROM is not set; it is needed with FAULTLINE_SMTP_URL")
	}
	m := &Mailer{from: from, host: u.Hostname(), opts: []gomail.Option{gomail.WithTimeout(15 * time.Second)}}
	port := 587
	switch u.Scheme {
	case "smtp":
		switch u.Query().Get("tls") {
		case "", "starttls":
			m.opts = append(m.opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
		case "none":
			m.opts = append(m.opts, gomail.WithTLSPolicy(gomail.NoTLS))
		default:
			return nil, fmt.Errorf("FAULTLINE_SMTP_URL: tls=%s: use starttls or none", u.Query().Get("tls"))
		}
	case "smtps":
		port = 465
		m.opts = append(m.opts, gomail.WithSSL())
	default:
		return nil, fmt.Errorf("FAULTLINE_SMTP_URL: scheme %q: use smtp or smtps", u.Scheme)
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return nil, fmt.Errorf("FAULTLINE_SMTP_URL: port %q is not a number", p)
		}
	}
	m.opts = append(m.opts, gomail.WithPort(port))
	if u.User != nil {
		pass, _ := u.User.Password()
		m.opts = append(m.opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain),
			gomail.WithUsername(u.User.Username()), gomail.WithPassword(pass))
	}
	return m, nil
}

// Configured reports whether the mailer can send.
func (m *Mailer) Configured() bool { return m.host != "" }

// Send delivers one message.
func (m *Mailer) Send(ctx context.Context, msg Message) error {
	if !m.Configured() {
		return ErrNotConfigured
	}
	if strings.ContainsAny(msg.To, "\r\n") || strings.ContainsAny(msg.Subject, "\r\n") {
		return errors.New("email header values must not contain line breaks")
	}
	out := gomail.NewMsg()
	if err := out.From(m.from); err != nil {
		return fmt.Errorf("sender %q: %w", m.from, err)
	}
	if err := out.To(msg.To); err != nil {
		return fmt.Errorf("recipient %q: %w", msg.To, err)
	}
	out.Subject(msg.Subject)
	out.SetBodyString(gomail.TypeTextPlain, msg.Text)
	if msg.HTML != "" {
		out.AddAlternativeString(gomail.TypeTextHTML, msg.HTML)
	}
	client, err := gomail.NewClient(m.host, m.opts...)
	if err != nil {
		return fmt.Errorf("SMTP client: %w", err)
	}
	if err := client.DialAndSendWithContext(ctx, out); err != nil {
		return fmt.Errorf("send email to %s: %w", msg.To, err)
	}
	return nil
}
