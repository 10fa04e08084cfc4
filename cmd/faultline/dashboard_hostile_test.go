package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata/metadatatest"
)

// hostileFilename carries a right-to-left override: shown unisolated, it
// reverses the text after it ("invoice\u202Egnp.js" reads "invoicesj.png").
const hostileFilename = "invoice\u202Egnp.js"

// hostileEvent is an error event with values no layout expects: a
// 10,000-character word, a 199-character tag value, a 10,000-character
// context value, 200 frames (the crashing one in a file named with a
// right-to-left override, the only in-app one 160 calls below it) and
// breadcrumbs carrying wide JSON.
func hostileEvent() map[string]any {
	word := strings.Repeat("x", 10000)
	frames := make([]map[string]any, 200)
	for i := range frames {
		frames[i] = map[string]any{"filename": fmt.Sprintf("lib/frame%d.js", i), "function": fmt.Sprintf("fn%d", i),
			"lineno": i + 1, "colno": 3, "in_app": false, "context_line": fmt.Sprintf("call(%d)", i)}
	}
	// The crashing frame is a library's, named with the override; the one
	// in-app frame is 160 calls below it.
	frames[199]["filename"], frames[199]["abs_path"] = hostileFilename, "app:///"+hostileFilename
	frames[39]["filename"], frames[39]["function"], frames[39]["in_app"] = "app/checkout.js", "checkout", true
	crumbs := make([]map[string]any, 5)
	for i := range crumbs {
		crumbs[i] = map[string]any{"category": "xhr", "timestamp": float64(time.Now().Unix()),
			"data": map[string]any{"url": "/" + strings.Repeat("segment/", 200) + fmt.Sprint(i), "body": word}}
	}
	return map[string]any{
		"platform": "javascript", "level": "error", "environment": "production",
		"exception":   map[string]any{"values": []any{map[string]any{"type": "Error", "value": word, "stacktrace": map[string]any{"frames": frames}}}},
		"breadcrumbs": map[string]any{"values": crumbs},
		"request":     map[string]any{"method": "GET", "url": "https://shop.example/" + word, "headers": map[string]any{"Cookie": word}},
		"contexts":    map[string]any{"browser": map[string]any{"name": "Chrome", "huge": word}, "app": map[string]any{"nested": map[string]any{"deep": word}}},
		"user":        map[string]any{"id": "42", "email": word + "@example.com"},
		"tags":        map[string]any{"long": strings.Repeat("r", 199), "file": hostileFilename},
		"sdk":         map[string]any{"name": "sentry.javascript.browser", "version": "11.12.0"},
	}
}

// TestHostileEventInBrowser sends hostileEvent through the real ingest and
// opens its issue in headless Chromium on a desktop (1440x900) and a phone
// (390x844) screen: nothing may widen the page past the screen, the page
// stays a bounded height, long tag values stay in their column, long
// frame lists show the crashing frame with the rest on request, and the
// filename with the right-to-left override sits in an isolating element.
func TestHostileEventInBrowser(t *testing.T) {
	dir, chromium := browserHarness(t)
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	item, err := json.Marshal(hostileEvent())
	if err != nil {
		t.Fatal(err)
	}
	body := "{}\n{\"type\":\"event\"}\n" + string(item)
	if resp, b := postEnvelope(t, srv.addr, proj.ProjectID, proj.PublicKey, body, nil); resp.StatusCode != 200 {
		t.Fatalf("post event: %d %s", resp.StatusCode, b)
	}
	api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
	issue := waitForCount(t, api, proj.Organization, proj.Project, 1)[0]
	// The tags the issue page shows come from the analytics store, which
	// fills a moment after the issue exists.
	waitUntil(t, func() (bool, string) {
		var tags []struct{ Key string }
		api.get("/api/0/issues/"+issue.ID+"/tags/", &tags)
		return len(tags) > 0, fmt.Sprintf("issue tags %+v", tags)
	})
	var me struct{ User struct{ Email string } }
	api.get("/api/0/", &me)

	shots, _ := filepath.Abs(filepath.Join("..", "..", ".data", "screenshots", "dashboard-hostile"))
	if out, err := runBrowserScript(dir, chromium, 180*time.Second, "dashboard_hostile.mjs", api.base, me.User.Email, "test-password",
		proj.Organization, proj.Project, issue.ID, hostileFilename, shots); err != nil {
		t.Fatalf("dashboard_hostile.mjs: %v\n%s\n(screenshots in %s)", err, out, shots)
	}
}
