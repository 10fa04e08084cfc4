package frontend

import (
	"bytes"
	"errors"
	"html/template"

	"github.com/gofiber/fiber/v2"
)

// sharedPage renders a shared issue for people without an account: plain
// HTML, escaped by html/template, no scripts, narrow enough for a phone.
var sharedPage = template.Must(template.New("shared").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>{{if .Issue}}{{.Issue.Title}} · {{end}}Faultline</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;padding:1rem;max-width:60rem;margin:auto;color:#1d1d1f;line-height:1.4}
h1{font-size:1.25rem;word-break:break-word}
.meta{color:#555;font-size:.9rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;font-size:.9rem}
dt{color:#555}
pre,code{font-family:ui-monospace,monospace;font-size:.8rem;white-space:pre-wrap;overflow-wrap:anywhere}
.frame{border-top:1px solid #ddd;padding:.4rem 0;overflow-x:auto}
.frame.app{background:#f6f8ff}
.tag{display:inline-block;border:1px solid #ccc;border-radius:3px;padding:0 .3rem;margin:.1rem;font-size:.8rem;word-break:break-all}
</style></head><body>
{{if .Issue}}{{with .Issue}}
<p class="meta">{{.ShortID}} · {{.Project.Slug}} · shared from Faultline</p>
<h1>{{.Title}}</h1>
<p class="meta">{{.Culprit}}</p>
<dl>
<dt>Level</dt><dd>{{.Level}}</dd>
<dt>Status</dt><dd>{{.Status}}</dd>
<dt>Events</dt><dd>{{.Count}}</dd>
<dt>Users</dt><dd>{{.UserCount}}</dd>
<dt>First seen</dt><dd>{{.FirstSeen}}</dd>
<dt>Last seen</dt><dd>{{.LastSeen}}</dd>
</dl>
{{with .LatestEvent}}
<h2>Latest event</h2>
<p class="meta">{{.DateCreated}}{{if .Release}} · release {{.Release}}{{end}}{{if .Environment}} · {{.Environment}}{{end}}</p>
{{range .Tags}}<span class="tag">{{.Key}}: {{.Value}}</span>{{end}}
{{range $.Exceptions}}
<h3>{{.Type}}</h3><p><code>{{.Value}}</code></p>
{{with .Stacktrace}}{{range .Frames}}<div class="frame{{if .InApp}} app{{end}}"><code>{{.Function}}</code>
<div class="meta">{{if .Filename}}{{.Filename}}{{else}}{{.Module}}{{end}}{{if .LineNo}}:{{.LineNo}}{{end}}</div>
{{range .Context}}<pre>{{index . 0}} {{index . 1}}</pre>{{end}}</div>{{end}}{{end}}
{{end}}
{{if $.Message}}<h3>Message</h3><pre>{{$.Message}}</pre>{{end}}
{{end}}
{{end}}{{else}}
<h1>Not found</h1><p>No issue is shared by this link. It may have been revoked.</p>
{{end}}
</body></html>
`))

type sharedPageData struct {
	Issue      *sharedIssueJSON
	Exceptions []exceptionJSON
	Message    string
}

// sharedIssuePage renders a public issue as HTML, without login.
func (a *API) sharedIssuePage(c *fiber.Ctx) error {
	out, err := a.loadShared(c)
	var fe *fiber.Error
	var missing interface{ Missing() bool }
	data := sharedPageData{}
	status := fiber.StatusOK
	switch {
	case err == nil:
		data.Issue = &out
	case errors.As(err, &fe) && fe.Code == fiber.StatusNotFound,
		errors.As(err, &missing) && missing.Missing():
		status = fiber.StatusNotFound
	default:
		return err
	}
	if data.Issue != nil && out.LatestEvent != nil {
		for _, e := range out.LatestEvent.Entries {
			switch d := e.Data.(type) {
			case map[string]any:
				if v, ok := d["values"].([]exceptionJSON); ok && e.Type == "exception" {
					data.Exceptions = v
				}
			case map[string]string:
				data.Message = d["formatted"]
			}
		}
	}
	var buf bytes.Buffer
	if err := sharedPage.Execute(&buf, data); err != nil {
		return err
	}
	c.Type("html", "utf-8")
	return c.Status(status).Send(buf.Bytes())
}
