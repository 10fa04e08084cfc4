package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/faultline/faultline/ingest/queue"
	"github.com/gofiber/fiber/v2"
)

// cspReport is a Content Security Policy violation, in the names of either
// the classic report-uri body or the Reporting API's body.
type cspReport struct {
	DocumentURI         string `json:"document-uri,omitempty"`
	DocumentURL         string `json:"documentURL,omitempty"`
	Referrer            string `json:"referrer,omitempty"`
	ViolatedDirective   string `json:"violated-directive,omitempty"`
	EffectiveDirective  string `json:"effective-directive,omitempty"`
	EffectiveDirective2 string `json:"effectiveDirective,omitempty"`
	OriginalPolicy      string `json:"original-policy,omitempty"`
	OriginalPolicy2     string `json:"originalPolicy,omitempty"`
	BlockedURI          string `json:"blocked-uri,omitempty"`
	BlockedURL          string `json:"blockedURL,omitempty"`
	SourceFile          string `json:"source-file,omitempty"`
	SourceFile2         string `json:"sourceFile,omitempty"`
	Disposition         string `json:"disposition,omitempty"`
	LineNumber          int    `json:"line-number,omitempty"`
	LineNumber2         int    `json:"lineNumber,omitempty"`
}

// normalized merges the two naming schemes into the classic one.
func (r cspReport) normalized() cspReport {
	pick := func(a, b string) string {
		if a != "" {
			return a
		}
		return b
	}
	r.DocumentURI = pick(r.DocumentURI, r.DocumentURL)
	r.EffectiveDirective = pick(r.EffectiveDirective, r.EffectiveDirective2)
	if r.EffectiveDirective == "" {
		r.EffectiveDirective, _, _ = strings.Cut(r.ViolatedDirective, " ")
	}
	r.OriginalPolicy = pick(r.OriginalPolicy, r.OriginalPolicy2)
	r.BlockedURI = pick(r.BlockedURI, r.BlockedURL)
	r.SourceFile = pick(r.SourceFile, r.SourceFile2)
	if r.LineNumber == 0 {
		r.LineNumber = r.LineNumber2
	}
	r.DocumentURL, r.EffectiveDirective2, r.OriginalPolicy2, r.BlockedURL, r.SourceFile2, r.LineNumber2 = "", "", "", "", "", 0
	return r
}

var directiveNames = map[string]string{
	"script-src": "script", "script-src-elem": "script", "script-src-attr": "script",
	"style-src": "style", "style-src-elem": "style", "style-src-attr": "style",
	"img-src": "image", "font-src": "font", "connect-src": "connect", "media-src": "media",
	"object-src": "object", "frame-src": "frame", "child-src": "frame", "worker-src": "worker",
	"manifest-src": "manifest", "form-action": "form", "base-uri": "base", "default-src": "resource",
}

// title describes a violation the way Sentry does:
// "Blocked 'script' from 'cdn.example.com'".
func (r cspReport) title() string {
	kind := directiveNames[r.EffectiveDirective]
	if kind == "" {
		kind = r.EffectiveDirective
	}
	switch r.BlockedURI {
	case "inline", "self":
		return fmt.Sprintf("Blocked unsafe inline '%s'", kind)
	case "eval":
		return fmt.Sprintf("Blocked unsafe eval() '%s'", kind)
	case "":
		return fmt.Sprintf("Blocked '%s'", kind)
	}
	return fmt.Sprintf("Blocked '%s' from '%s'", kind, blockedHost(r.BlockedURI))
}

func blockedHost(uri string) string {
	if u, err := url.Parse(uri); err == nil && u.Host != "" {
		return u.Host
	}
	return uri
}

// security accepts browser security reports: CSP violations sent with
// report-uri (application/csp-report) or the Reporting API
// (application/reports+json, a list), turned into events grouped by directive
// and blocked host. Expect-CT and HPKP reports are accepted and dropped, as
// browsers no longer send them.
func (h *Handler) security(c *fiber.Ctx) error {
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
			fmt.Sprintf("security report is %d bytes; the limit is %d", len(body), h.limits.MaxEventBytes))
	}
	reports, userAgent, err := parseSecurityReports(body)
	if err != nil {
		return fiber.NewError(fiber.StatusBadRequest, err.Error())
	}
	if len(reports) > 0 {
		if _, err := h.admit(c, key, k, usage{"security": {len(reports), len(reports)}}); err != nil {
			return err
		}
	}
	projectID := k.ProjectID
	if userAgent == "" {
		userAgent = c.Get(fiber.HeaderUserAgent)
	}
	received := time.Now().UTC()
	out := make([]outgoing, 0, len(reports))
	for _, r := range reports {
		id, _ := resolveEventID("")
		payload, err := cspEvent(r, userAgent, c.Query("sentry_environment"), c.Query("sentry_release"))
		if err != nil {
			return err
		}
		out = append(out, counted(queue.Record{ProjectID: projectID, EventID: id, ItemType: "security",
			Received: received, ClientIP: c.IP(), Payload: payload}))
	}
	if err := h.produce(c.UserContext(), out); err != nil {
		return err
	}
	if len(out) == 1 {
		return acceptedAs(c, out[0].rec.EventID)
	}
	return c.JSON(fiber.Map{})
}

func parseSecurityReports(body []byte) ([]cspReport, string, error) {
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] == '[' {
		var list []struct {
			Type      string    `json:"type"`
			UserAgent string    `json:"user_agent"`
			Body      cspReport `json:"body"`
		}
		if err := json.Unmarshal(body, &list); err != nil {
			return nil, "", fmt.Errorf("security report is not a valid Reporting API list: %w", err)
		}
		var out []cspReport
		ua := ""
		for _, r := range list {
			if r.Type == "csp-violation" {
				out = append(out, r.Body.normalized())
				ua = r.UserAgent
			}
		}
		return out, ua, nil
	}
	var classic struct {
		CSP    *cspReport      `json:"csp-report"`
		CT     json.RawMessage `json:"expect-ct-report"`
		HPKP   json.RawMessage `json:"known-pins"`
		Staple json.RawMessage `json:"expect-staple-report"`
	}
	if err := json.Unmarshal(body, &classic); err != nil {
		return nil, "", fmt.Errorf("security report is not valid JSON: %w", err)
	}
	switch {
	case classic.CSP != nil:
		return []cspReport{classic.CSP.normalized()}, "", nil
	case classic.CT != nil || classic.HPKP != nil || classic.Staple != nil:
		return nil, "", nil
	}
	return nil, "", fmt.Errorf("security report holds no csp-report, expect-ct-report or HPKP report")
}

// cspEvent turns a violation into an event payload for the workers.
func cspEvent(r cspReport, userAgent, environment, release string) ([]byte, error) {
	ev := map[string]any{
		"level":       "error",
		"logger":      "csp",
		"platform":    "javascript",
		"message":     r.title(),
		"transaction": r.EffectiveDirective,
		"fingerprint": []string{"csp", r.EffectiveDirective, blockedHost(r.BlockedURI)},
		"tags": map[string]string{
			"effective-directive": r.EffectiveDirective,
			"blocked-uri":         r.BlockedURI,
		},
		"request": map[string]any{
			"url":     r.DocumentURI,
			"headers": map[string]string{"User-Agent": userAgent, "Referer": r.Referrer},
		},
		"extra": map[string]any{"csp": r},
	}
	if environment != "" {
		ev["environment"] = environment
	}
	if release != "" {
		ev["release"] = release
	}
	return json.Marshal(ev)
}
