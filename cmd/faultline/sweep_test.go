package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata/metadatatest"
)

// getRaw fetches path with the token and returns the status and the body.
func (c apiClient) getRaw(path string) (int, []byte) {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// requireLive fails the test unless the server still answers its liveness
// probe.
func requireLive(t *testing.T, srv *server) {
	t.Helper()
	resp, err := http.Get("http://" + srv.addr + "/.well-known/live")
	if err != nil {
		t.Fatalf("the server no longer answers: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /.well-known/live: %d", resp.StatusCode)
	}
}

// Each of these once took the whole process down with one GET (a period
// whose duration overflowed and sized a series, a cursor offset that
// overflowed and sliced the monitor list) or answered 500 (a NUL byte that
// reached PostgreSQL). A period longer than events are kept (90 days here)
// is now cut to it; the rest answer 400 naming their parameter.
func TestHostileParameters(t *testing.T) {
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
	org := "/api/0/organizations/" + proj.Organization
	var mon monitorResp
	if code := api.call("POST", org+"/monitors/", `{"monitorType":"Heartbeat","name":"nightly","interval":3600}`, &mon); code != http.StatusCreated {
		t.Fatalf("create monitor: %d", code)
	}
	// A clamped series starts within the retention window (and a bucket)
	// and has at most 2000 points.
	earliest := time.Now().Add(-90*24*time.Hour - 2*time.Hour).Unix()
	eventsSeries := func(b []byte) error {
		var s struct {
			Data  []json.RawMessage
			Start int64
		}
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if len(s.Data) == 0 || len(s.Data) > 2000 || s.Start < earliest {
			return fmt.Errorf("%d points from %d, want 1 to 2000 from %d on", len(s.Data), s.Start, earliest)
		}
		return nil
	}
	monitorSeries := func(b []byte) error {
		var s struct{ Series []struct{ Start int64 } }
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if len(s.Series) == 0 || len(s.Series) > 2000 || s.Series[0].Start < earliest {
			return fmt.Errorf("%d points, want 1 to 2000 from %d on", len(s.Series), earliest)
		}
		return nil
	}
	for _, tc := range []struct {
		name, path string
		want       int
		param      string             // named by a 400
		check      func([]byte) error // of a 200
	}{
		{"events-stats period past int64 nanoseconds", org + "/events-stats/?statsPeriod=106752d", 200, "", eventsSeries},
		{"events-stats period past uint64", org + "/events-stats/?statsPeriod=99999999999999999999d&interval=1d", 200, "", eventsSeries},
		{"events-stats interval of zero", org + "/events-stats/?interval=0m", 400, "interval", nil},
		{"events-stats interval too small for its period", org + "/events-stats/?statsPeriod=90d&interval=1m", 400, "interval", nil},
		{"monitor stats period past int64 nanoseconds", org + "/monitors/" + mon.ID + "/stats/?statsPeriod=9999999999999d", 200, "", monitorSeries},
		{"monitor list cursor offset at int64's maximum", org + "/monitors/?cursor=0:9223372036854775807:0", 400, "cursor", nil},
		{"monitor list cursor offset past int64", org + "/monitors/?cursor=0:99999999999999999999:0", 400, "cursor", nil},
		{"monitor list cursor without a number", org + "/monitors/?cursor=0:x:0", 400, "cursor", nil},
		{"NUL in an issue search", "/api/0/projects/" + proj.Organization + "/" + proj.Project + "/issues/?query=a%00b", 400, "query", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := api.getRaw(tc.path)
			var e struct{ Detail string }
			_ = json.Unmarshal(body, &e)
			switch {
			case code != tc.want:
				t.Errorf("GET %s: %d %s, want %d", tc.path, code, body, tc.want)
			case code == http.StatusBadRequest && !strings.Contains(e.Detail, tc.param):
				t.Errorf("GET %s: 400 %q does not name %s", tc.path, e.Detail, tc.param)
			case tc.check != nil:
				if err := tc.check(body); err != nil {
					t.Errorf("GET %s: %v", tc.path, err)
				}
			}
			requireLive(t, srv)
		})
	}
}
