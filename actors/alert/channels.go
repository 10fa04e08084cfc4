package alert

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/actors/monitor"
	"github.com/faultline/faultline/metadata"
)

// Mailer sends one email; cmd wires Faultline's SMTP mailer in.
type Mailer interface {
	Send(ctx context.Context, to, subject, text, htmlBody string) error
}

// message is what one notification says: one alert, or a digest of many.
type message struct {
	Title  string
	Body   string
	Link   string
	Alerts []metadata.Alert
}

func messageOf(alerts []metadata.Alert) message {
	if len(alerts) == 1 {
		a := alerts[0]
		return message{Title: a.Title, Body: a.Body, Link: a.Link, Alerts: alerts}
	}
	var b strings.Builder
	for _, a := range alerts {
		fmt.Fprintf(&b, "• %s — %s\n", a.Title, a.Link)
	}
	return message{Title: fmt.Sprintf("%d alerts", len(alerts)), Body: b.String(), Alerts: alerts}
}

// sender delivers messages of one kind of recipient.
type sender func(ctx context.Context, target, secret string, m message) error

// webhookClient posts to users' endpoints through the monitors' SSRF guard.
func webhookClient(g monitor.Guard) *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: g.Dialer(10 * time.Second).DialContext,
		Proxy: nil, TLSHandshakeTimeout: 10 * time.Second, MaxIdleConnsPerHost: 2, IdleConnTimeout: 90 * time.Second},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// post sends a JSON body and wants a 2xx answer.
func post(ctx context.Context, client *http.Client, url string, body []byte, header map[string]string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook URL: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Faultline-Alerts/1.0")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("the endpoint answered %d: %s", resp.StatusCode, strings.TrimSpace(string(snippet)))
	}
	return nil
}

// Sign is the X-Faultline-Signature of a webhook body: hex HMAC-SHA256 of
// "timestamp.body" under the recipient's secret, so receivers can check
// both the sender and the freshness.
func Sign(secret, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp + "."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

type webhookAlert struct {
	ID        int64     `json:"id"`
	Rule      int64     `json:"rule"`
	Project   int64     `json:"project"`
	Issue     *int64    `json:"issue,omitempty"`
	Monitor   *int64    `json:"monitor,omitempty"`
	Trigger   string    `json:"trigger"`
	Title     string    `json:"title"`
	Text      string    `json:"text"`
	URL       string    `json:"url"`
	Triggered time.Time `json:"triggered"`
}

func senders(client *http.Client, mailer Mailer) map[string]sender {
	return map[string]sender{
		"webhook": func(ctx context.Context, target, secret string, m message) error {
			alerts := make([]webhookAlert, len(m.Alerts))
			for i, a := range m.Alerts {
				alerts[i] = webhookAlert{ID: a.ID, Rule: a.RuleID, Project: a.ProjectID, Issue: a.IssueID, Monitor: a.MonitorID,
					Trigger: a.Trigger, Title: a.Title, Text: a.Body, URL: a.Link, Triggered: a.FiredAt}
			}
			body, _ := json.Marshal(map[string]any{"title": m.Title, "text": m.Body, "url": m.Link, "alerts": alerts})
			ts := strconv.FormatInt(time.Now().Unix(), 10)
			return post(ctx, client, target, body, map[string]string{"X-Faultline-Timestamp": ts, "X-Faultline-Signature": Sign(secret, ts, body)})
		},
		"slack": func(ctx context.Context, target, _ string, m message) error {
			text := "*" + m.Title + "*\n" + m.Body
			if m.Link != "" {
				text += "\n<" + m.Link + "|Open in Faultline>"
			}
			body, _ := json.Marshal(map[string]any{"text": text})
			return post(ctx, client, target, body, nil)
		},
		"discord": func(ctx context.Context, target, _ string, m message) error {
			embed := map[string]any{"title": truncate(m.Title, 256), "description": truncate(m.Body, 4000)}
			if m.Link != "" {
				embed["url"] = m.Link
			}
			body, _ := json.Marshal(map[string]any{"content": truncate(m.Title, 2000), "embeds": []any{embed}})
			return post(ctx, client, target, body, nil)
		},
		"teams": func(ctx context.Context, target, _ string, m message) error {
			card := map[string]any{"@type": "MessageCard", "@context": "https://schema.org/extensions", "summary": m.Title,
				"title": m.Title, "text": strings.ReplaceAll(m.Body, "\n", "  \n")}
			if m.Link != "" {
				card["potentialAction"] = []any{map[string]any{"@type": "OpenUri", "name": "Open in Faultline",
					"targets": []any{map[string]string{"os": "default", "uri": m.Link}}}}
			}
			body, _ := json.Marshal(card)
			return post(ctx, client, target, body, nil)
		},
		"email": func(ctx context.Context, target, _ string, m message) error {
			if mailer == nil {
				return permanent{fmt.Errorf("email is not configured on this server (FAULTLINE_SMTP_URL)")}
			}
			text := m.Body
			if m.Link != "" {
				text += "\n\n" + m.Link
			}
			var h strings.Builder
			fmt.Fprintf(&h, "<h2>%s</h2><p>%s</p>", html.EscapeString(m.Title), strings.ReplaceAll(html.EscapeString(m.Body), "\n", "<br>"))
			if m.Link != "" {
				fmt.Fprintf(&h, `<p><a href="%s">Open in Faultline</a></p>`, html.EscapeString(m.Link))
			}
			return mailer.Send(ctx, target, "[Faultline] "+m.Title, text, h.String())
		},
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

// permanent is a delivery error no retry can mend.
type permanent struct{ error }

func (p permanent) Unwrap() error { return p.error }
