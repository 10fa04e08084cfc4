package metadata_test

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/metadatatest"
)

func auditEvents(t *testing.T, db *metadata.DB, orgID int64, f metadata.AuditFilter) []string {
	t.Helper()
	if f.Limit == 0 {
		f.Limit = 100
	}
	rows, err := db.ListAudit(context.Background(), orgID, f)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.Event
	}
	return out
}

func TestAuditLogRecordsListsAndExpires(t *testing.T) {
	db := metadatatest.Open(t)
	ctx := context.Background()
	email := metadatatest.Slug("ann") + "@example.com"
	a, err := db.Bootstrap(ctx, metadata.BootstrapRequest{Email: email, Password: "test-password", Org: metadatatest.Slug("org"),
		Project: metadatatest.Slug("proj"), SecretKey: "audit"})
	if err != nil {
		t.Fatal(err)
	}
	b := metadatatest.Project(t, db, "audit")
	if err := db.AddMember(ctx, b.OrganizationID, a.UserID, "member"); err != nil {
		t.Fatal(err)
	}
	actor := metadata.AuditEntry{ActorUserID: a.UserID, ActorLabel: "ann@example.com", IP: "192.0.2.7", UserAgent: "test/1"}
	record := func(orgID int64, event string, data map[string]any) {
		e := actor
		e.OrgID, e.Event, e.TargetObject, e.Data = orgID, event, 42, data
		if err := db.RecordAudit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	record(a.OrganizationID, "team.create", map[string]any{"slug": "backend"})
	record(a.OrganizationID, "project.edit", map[string]any{
		"name": map[string]any{"before": "old", "after": "new"}, "unchanged": nil,
		"password": "hunter2", "clientSecret": "cs", "apiToken": "flt_x", "dsn": "http://k:s@h/1",
		"webhook": "https://user:pw@hooks.example.com/services/T0/B0/XSECRETX?token=q#f",
		"nested":  []any{map[string]any{"totpSecret": "JBSW"}}})
	record(b.OrganizationID, "team.create", nil)
	if err := db.RecordLoginAudit(ctx, 0, strings.ToUpper(email), metadata.AuditEntry{Event: "member.login-failed",
		IP: "192.0.2.8", Data: map[string]any{"method": "password"}}); err != nil {
		t.Fatal(err)
	}
	if err := db.RecordLoginAudit(ctx, 0, "nobody-"+email, metadata.AuditEntry{Event: "member.login-failed"}); err != nil {
		t.Fatal(err) // an unknown account: nothing is written, nothing fails
	}

	if got := strings.Join(auditEvents(t, db, a.OrganizationID, metadata.AuditFilter{}), " "); got != "member.login-failed project.edit team.create" {
		t.Errorf("organization a's log, newest first: %s", got)
	}
	if got := strings.Join(auditEvents(t, db, b.OrganizationID, metadata.AuditFilter{}), " "); got != "member.login-failed team.create" {
		t.Errorf("organization b's log (the login is recorded in each of the account's organizations): %s", got)
	}
	if got := auditEvents(t, db, a.OrganizationID, metadata.AuditFilter{Event: "team.create"}); len(got) != 1 {
		t.Errorf("event filter: %v", got)
	}
	if got := auditEvents(t, db, a.OrganizationID, metadata.AuditFilter{ActorID: math.MaxInt64}); len(got) != 0 {
		t.Errorf("actor filter of someone else: %v", got)
	}
	if got := auditEvents(t, db, a.OrganizationID, metadata.AuditFilter{Limit: 1, Offset: 1}); len(got) != 1 || got[0] != "project.edit" {
		t.Errorf("second page of one: %v", got)
	}

	rows, err := db.ListAudit(ctx, a.OrganizationID, metadata.AuditFilter{Event: "project.edit", Limit: 10})
	if err != nil || len(rows) != 1 {
		t.Fatalf("project.edit rows: %v %v", rows, err)
	}
	r := rows[0]
	if *r.ActorUserID != a.UserID || r.ActorEmail != email || r.IP != "192.0.2.7" || *r.TargetObject != 42 || r.UserAgent != "test/1" {
		t.Errorf("row %+v", r)
	}
	data := string(r.Data)
	for _, secret := range []string{"hunter2", `"cs"`, "flt_x", "k:s", "user:pw", "XSECRETX", "token=q", "JBSW", "unchanged"} {
		if strings.Contains(data, secret) {
			t.Errorf("audit data keeps %q: %s", secret, data)
		}
	}
	if !strings.Contains(data, `"https://hooks.example.com"`) || !strings.Contains(data, `"before": "old"`) {
		t.Errorf("audit data lost its summary: %s", data)
	}

	// The audit log keeps its own retention (90 days here), whatever an
	// organization keeps of its events (a keeps 5 days).
	if err := db.SetRetention(ctx, a.OrganizationID, 5); err != nil {
		t.Fatal(err)
	}
	for _, org := range []int64{a.OrganizationID, b.OrganizationID} {
		if err := db.BackdateAudit(ctx, org, "team.create", 10*24*time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.BackdateAudit(ctx, b.OrganizationID, "member.login-failed", 100*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExpireAudit(ctx, time.Now(), 90); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(auditEvents(t, db, a.OrganizationID, metadata.AuditFilter{}), " "); got != "member.login-failed project.edit team.create" {
		t.Errorf("a (events kept 5 days) after expiry: %s", got)
	}
	if got := strings.Join(auditEvents(t, db, b.OrganizationID, metadata.AuditFilter{}), " "); got != "team.create" {
		t.Errorf("b after expiry (its 100-day-old entry goes): %s", got)
	}
}
