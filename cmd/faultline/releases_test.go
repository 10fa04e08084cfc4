package main

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata/metadatatest"
)

type releaseResp struct {
	ID           *int64  `json:"id"`
	Version      string  `json:"version"`
	DateReleased *string `json:"dateReleased"`
	FirstEvent   *string `json:"firstEvent"`
	LastEvent    *string `json:"lastEvent"`
	CommitCount  int     `json:"commitCount"`
	DeployCount  int     `json:"deployCount"`
	LastDeploy   *struct {
		Environment string `json:"environment"`
	} `json:"lastDeploy"`
	Projects []struct {
		Slug string `json:"slug"`
	} `json:"projects"`
}

var nextCursor = regexp.MustCompile(`rel="next"; results="true"; cursor="([^"]+)"`)

// sentry-cli's release steps against the whole server with a token holding
// project:releases: create (again: 208), deploy, set commits, finalize;
// lists filter with query= and page with cursors, and show a version that
// only an event names.
func TestReleasesWithAToken(t *testing.T) {
	srv := testServer(t)
	owner := metadatatest.Project(t, srv.db, testSecret)
	tok, err := srv.db.CreateToken(t.Context(), owner.UserID, "ci", []string{"project:releases", "org:read"})
	if err != nil {
		t.Fatal(err)
	}
	cli := apiClient{t: t, base: "http://" + srv.addr, token: tok.Token}
	org := "/api/0/organizations/" + owner.Organization + "/releases/"
	projectReleases := fmt.Sprintf("/api/0/projects/%s/%s/releases/", owner.Organization, owner.Project)

	envelope := "{}\n" + `{"type":"event"}` + "\n" + `{"message":"from an old build","release":"shop@0.9"}`
	if resp, body := postEnvelope(t, srv.addr, owner.ProjectID, owner.PublicKey, envelope, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("event: %d %s", resp.StatusCode, body)
	}

	var created releaseResp
	body := `{"version":"shop@1.0.0+7","projects":["` + owner.Project + `"]}`
	if code := cli.call("POST", org, body, &created); code != http.StatusCreated || created.ID == nil || len(created.Projects) != 1 {
		t.Fatalf("create: %d %+v", code, created)
	}
	if code := cli.call("POST", org, body, nil); code != http.StatusAlreadyReported {
		t.Errorf("create again: %d, want 208", code)
	}
	release := org + "shop%401.0.0%2B7/"
	if code := cli.call("POST", release+"deploys/", `{"environment":"production","name":"web-7"}`, nil); code != http.StatusCreated {
		t.Errorf("deploy: %d", code)
	}
	// Refs name repositories of the organization, which an owner adds.
	if code := cli.call("PUT", release, `{"refs":[{"repository":"acme/shop","commit":"62aaca3ed186"}]}`, nil); code != http.StatusBadRequest {
		t.Errorf("a ref to a repository the organization lacks: %d, want 400", code)
	}
	ownerAPI := apiClient{t: t, base: cli.base, token: owner.Token}
	if code := ownerAPI.call("POST", "/api/0/organizations/"+owner.Organization+"/repos/", `{"name":"acme/shop"}`, nil); code != http.StatusCreated {
		t.Fatalf("repository: %d", code)
	}
	if code := cli.call("PUT", release, `{"refs":[{"repository":"acme/shop","commit":"62aaca3ed186edc7671b4cca0ab6ec53cb7de8b5","previousCommit":null}]}`, nil); code != http.StatusOK {
		t.Errorf("set commits: %d", code)
	}
	var finalized releaseResp
	if code := cli.call("PUT", release, `{"dateReleased":"2026-12-01T10:00:00Z"}`, &finalized); code != http.StatusOK ||
		finalized.DateReleased == nil || finalized.CommitCount != 1 || finalized.DeployCount != 1 || finalized.LastDeploy.Environment != "production" {
		t.Errorf("finalize: %d %+v", code, finalized)
	}
	var commits []struct {
		ID         string
		Repository struct{ Name string }
	}
	if code := cli.get(release+"commits/", &commits); code != http.StatusOK || len(commits) != 1 || commits[0].Repository.Name != "acme/shop" {
		t.Errorf("commits: %d %+v", code, commits)
	}
	if code := cli.call("POST", org, `{"version":"shop/2","projects":["`+owner.Project+`"]}`, nil); code != http.StatusBadRequest {
		t.Errorf("a version with a slash: %d, want 400", code)
	}

	for _, v := range []string{"shop@1.1", "shop@1.2", "other@1"} {
		if code := cli.call("POST", org, `{"version":"`+v+`","projects":["`+owner.Project+`"]}`, nil); code != http.StatusCreated {
			t.Fatalf("create %s: %d", v, code)
		}
	}
	// Three pages of two releases with query=shop@1, following the cursors.
	var pages []string
	for path := org + "?query=SHOP@1&per_page=2"; path != ""; {
		var page []releaseResp
		code, link := cli.getWithLink(path, &page)
		if code != http.StatusOK {
			t.Fatalf("GET %s: %d", path, code)
		}
		var versions []string
		for _, r := range page {
			versions = append(versions, r.Version)
		}
		pages = append(pages, strings.Join(versions, " "))
		path = ""
		if m := nextCursor.FindStringSubmatch(link); m != nil {
			path = org + "?query=SHOP@1&per_page=2&cursor=" + m[1]
		}
	}
	if fmt.Sprint(pages) != "[shop@1.2 shop@1.1 shop@1.0.0+7]" {
		t.Errorf("pages: %q", pages)
	}

	// The version the event named is listed once the event is stored.
	var seen *releaseResp
	for deadline := time.Now().Add(30 * time.Second); seen == nil; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("shop@0.9, named only by an event, never listed")
		}
		var list []releaseResp
		cli.get(projectReleases+"?query=0.9", &list)
		if len(list) == 1 {
			seen = &list[0]
		}
	}
	if seen.Version != "shop@0.9" || seen.ID != nil || seen.FirstEvent == nil || seen.LastEvent == nil || len(seen.Projects) != 1 {
		t.Errorf("release named by an event: %+v", seen)
	}
	var one releaseResp
	if code := cli.get(org+"shop@0.9/", &one); code != http.StatusOK || one.FirstEvent == nil {
		t.Errorf("GET shop@0.9: %d %+v", code, one)
	}
	if code := cli.call("DELETE", org+"other@1/", "", nil); code != http.StatusNoContent {
		t.Errorf("delete: %d", code)
	}
	if code := cli.get(org+"other@1/", nil); code != http.StatusNotFound {
		t.Errorf("deleted release: %d, want 404", code)
	}

	readOnly, err := srv.db.CreateToken(t.Context(), owner.UserID, "read", []string{"project:read"})
	if err != nil {
		t.Fatal(err)
	}
	reader := apiClient{t: t, base: cli.base, token: readOnly.Token}
	if code := reader.get(org, nil); code != http.StatusOK {
		t.Errorf("list with project:read: %d", code)
	}
	if code := reader.call("POST", org, `{"version":"shop@3","projects":["`+owner.Project+`"]}`, nil); code != http.StatusForbidden {
		t.Errorf("create with project:read: %d, want 403", code)
	}
}
