package frontend

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
)

const day = 24 * time.Hour

func discardLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestParsePeriod(t *testing.T) {
	const life = 90 * day
	for _, tc := range []struct {
		in   string
		want time.Duration // 0: an error
	}{
		{"30m", 30 * time.Minute},
		{"24h", 24 * time.Hour},
		{"14d", 14 * day},
		{"1w", 7 * day},
		{"90d", 90 * day},
		{"91d", life},                   // past the window: cut to it
		{"106752d", life},               // past int64 nanoseconds
		{"9999999999999d", life},        // likewise, by far
		{"99999999999999999999d", life}, // past uint64
		{"0d", 0},
		{"0s", 0},
		{"-1d", 0},
		{"-1", 0},
		{"1", 0},
		{"", 0},
		{"d", 0},
		{"1y", 0},
		{"1.5d", 0},
		{"1e309s", 0},
		{"NaN", 0},
		{"[]", 0},
		{"a\x00b", 0},
		{"1\x00d", 0},
		{"\xff\xfe", 0},
	} {
		got, err := parsePeriod(tc.in, life)
		if tc.want == 0 {
			if err == nil {
				t.Errorf("parsePeriod(%q) = %v, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("parsePeriod(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestParseInterval(t *testing.T) {
	for _, tc := range []struct {
		in     string
		period time.Duration
		want   time.Duration // 0: an error
		msg    string        // in the error
	}{
		{"1h", day, time.Hour, ""},
		{"30m", day, 30 * time.Minute, ""},
		{"1m", day, time.Minute, ""},
		{"1d", 14 * day, day, ""},
		{"1w", 90 * day, 7 * day, ""},
		{"2w", day, 14 * day, ""},                   // wider than the period: one bucket
		{"9999999999999d", 14 * day, 14 * day, ""},  // past int64: the whole period
		{"99999999999999999999d", day, day, ""},     // past uint64
		{"1m", 90 * day, 0, "at most 2000 buckets"}, // 129,600 buckets
		{"1h", 90 * day, 0, "at most 2000 buckets"}, // 2,160 buckets
		{"30s", time.Hour, 0, "shorter than"},       // finer than a minute
		{"0m", day, 0, "shorter than"},              // once a division by zero
		{"-1h", day, 0, "not a period"},
		{"1", day, 0, "not a period"},
		{"", day, 0, "not a period"},
		{"1y", day, 0, "not a period"},
		{"true", day, 0, "not a period"},
		{"1h\x00", day, 0, "not a period"},
		{"NaN", day, 0, "not a period"},
	} {
		got, err := parseInterval(tc.in, tc.period)
		if tc.want == 0 {
			if err == nil || !strings.Contains(err.Error(), tc.msg) || !strings.HasPrefix(err.Error(), "interval") {
				t.Errorf("parseInterval(%q, %v) = %v, %v; want an error naming interval and saying %q", tc.in, tc.period, got, err, tc.msg)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("parseInterval(%q, %v) = %v, %v; want %v", tc.in, tc.period, got, err, tc.want)
		}
	}
}

func TestDefaultInterval(t *testing.T) {
	for _, period := range []time.Duration{time.Minute, time.Hour, day, 30 * day, 83 * day, 84 * day, 90 * day, 36500 * day} {
		step := defaultInterval(period)
		if step < time.Hour || step%time.Hour != 0 || period/step > maxBuckets {
			t.Errorf("defaultInterval(%v) = %v: want whole hours, at least one, at most %d buckets", period, step, maxBuckets)
		}
		if _, err := parseInterval(fmt.Sprintf("%dh", step/time.Hour), period); err != nil {
			t.Errorf("defaultInterval(%v) = %v, which parseInterval refuses: %v", period, step, err)
		}
	}
	if got := defaultInterval(day); got != time.Hour {
		t.Errorf("defaultInterval(24h) = %v, want 1h", got)
	}
}

func TestParseTime(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	const life = 90 * day
	for _, tc := range []struct {
		in   string
		want time.Time // zero: an error
	}{
		{"2026-11-01T00:00:00Z", time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)},
		{"2026-11-22T12:30:00Z", time.Date(2026, 11, 22, 12, 30, 0, 0, time.UTC)},
		{"2026-11-22T14:00:00+02:00", time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)},
		{"2020-01-01T00:00:00Z", now.Add(-life)},     // before the window: cut to it
		{"0000-01-01T00:00:00Z", now.Add(-life)},     // year zero
		{"9999-12-31T23:59:59Z", now.Add(clockSkew)}, // far ahead: cut to now and a little
		{"2026-11-23T00:00:00Z", now.Add(clockSkew)}, //
		{"2026-11-01", time.Time{}},                  // a date alone is not RFC 3339
		{"9223372036854775807", time.Time{}},         //
		{"-1", time.Time{}},                          //
		{"", time.Time{}},                            //
		{"2026-13-01T00:00:00Z", time.Time{}},        //
		{"2026-11-01T00:00:00Z\x00", time.Time{}},    //
		{"10000-01-01T00:00:00Z", time.Time{}},       //
	} {
		got, err := parseTime(tc.in, now, life)
		if tc.want.IsZero() {
			if err == nil {
				t.Errorf("parseTime(%q) = %v, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("parseTime(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestParseCursor(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int // -1: an error
	}{
		{"0:0:0", 0},
		{"0:25:0", 25},
		{"0:0:1", 0},
		{"1700000000000:50:1", 50},
		{"0:1000000:0", 1_000_000},
		{"0:1000001:0", -1},             // deeper than any list goes
		{"0:9223372036854775807:0", -1}, // once overflowed offset+limit and sliced out of range
		{"0:99999999999999999999:0", -1},
		{"0:-5:0", -1},
		{"-5:-5:-5", -1},
		{":::", -1},
		{"::", -1},
		{"0:25", -1},
		{"0:25:0:0", -1},
		{"0:25:2", -1},
		{"x:25:0", -1},
		{"0:x:0", -1},
		{"0:1e3:0", -1},
		{"0:+5:0", -1},
		{"0: 5:0", -1},
		{"0:5\x00:0", -1},
		{"", -1},
		{"[]", -1},
		{"NaN:NaN:NaN", -1},
	} {
		got, err := parseCursor(tc.in)
		if tc.want < 0 {
			if err == nil {
				t.Errorf("parseCursor(%q) = %d, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("parseCursor(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}

func TestParseCount(t *testing.T) {
	for _, tc := range []struct {
		in     string
		lo, hi int
		want   int // -1: an error
	}{
		{"25", 1, 100, 25},
		{"1", 1, 100, 1},
		{"100", 1, 100, 100},
		{"101", 1, 100, 100}, // larger: cut to the largest
		{"9223372036854775807", 1, 100, 100},
		{"99999999999999999999", 1, 100, 100},
		{"007", 1, 100, 7},
		{"0", 1, 100, -1},
		{"0", 0, 10, 0},
		{"-1", 0, 10, -1},
		{"-9223372036854775808", 1, 100, -1},
		{"", 1, 100, -1},
		{"1.5", 1, 100, -1},
		{"1e309", 1, 100, -1},
		{"NaN", 1, 100, -1},
		{"true", 1, 100, -1},
		{"[]", 1, 100, -1},
		{" 5", 1, 100, -1},
		{"5\x00", 1, 100, -1},
		{"０５", 1, 100, -1}, // full-width digits
	} {
		got, err := parseCount(tc.in, tc.lo, tc.hi)
		if tc.want < 0 {
			if err == nil {
				t.Errorf("parseCount(%q, %d, %d) = %d, want an error", tc.in, tc.lo, tc.hi, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("parseCount(%q, %d, %d) = %d, %v; want %d", tc.in, tc.lo, tc.hi, got, err, tc.want)
		}
	}
}

// paramsApp serves the parameter helpers' answers at /api/0/.
func paramsApp() *fiber.App {
	app := fiber.New(fiber.Config{ErrorHandler: ErrorHandler(discardLog())})
	a := &API{opts: Options{MaxEventLife: 90 * day}}
	app.Use("/api/0/", checkInput)
	app.Get("/api/0/period/", func(c *fiber.Ctx) error {
		period, err := a.periodParam(c, "24h")
		if err != nil {
			return err
		}
		step, err := stepParam(c, period)
		if err != nil {
			return err
		}
		return c.JSON(fiber.Map{"period": period.String(), "step": step.String()})
	})
	app.Get("/api/0/page/", func(c *fiber.Ctx) error {
		p, err := parsePage(c)
		if err != nil {
			return err
		}
		return c.JSON(fiber.Map{"limit": p.limit, "offset": p.offset})
	})
	return app
}

func TestParamHelpersAnswer400NamingTheParameter(t *testing.T) {
	app := paramsApp()
	for _, tc := range []struct {
		query string
		code  int
		want  string // the body (200) or in the detail (400)
	}{
		{"/api/0/period/", 200, `{"period":"24h0m0s","step":"1h0m0s"}`},
		{"/api/0/period/?statsPeriod=106752d", 200, `{"period":"2160h0m0s","step":"2h0m0s"}`},
		{"/api/0/period/?statsPeriod=14d&interval=1d", 200, `{"period":"336h0m0s","step":"24h0m0s"}`},
		{"/api/0/period/?statsPeriod=-1d", 400, "statsPeriod: "},
		{"/api/0/period/?statsPeriod=0d", 400, "statsPeriod: "},
		{"/api/0/period/?statsPeriod=90d&interval=1m", 400, "interval too small for statsPeriod: at most 2000 buckets"},
		{"/api/0/period/?interval=NaN", 400, "interval: "},
		{"/api/0/page/?limit=99999999999999999999&cursor=0:50:0", 200, `{"limit":100,"offset":50}`},
		{"/api/0/page/?per_page=0", 400, "per_page: "},
		{"/api/0/page/?limit=-1", 400, "limit: "},
		{"/api/0/page/?cursor=0:9223372036854775807:0", 400, "cursor: "},
		{"/api/0/page/?cursor=:::", 400, "cursor: "},
		{"/api/0/page/?query=a%00b", 400, "query parameter query contains a NUL byte"},
		{"/api/0/page/?cursor=%00", 400, "query parameter cursor contains a NUL byte"},
		{"/api/0/page/?a%00b=1", 400, `query parameter "a\x00b" contains a NUL byte`},
		{"/api/0/page/?query=%ff%fe", 400, "query parameter query is not valid UTF-8"},
	} {
		resp, err := app.Test(httptest.NewRequest("GET", tc.query, nil), -1)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		var e struct{ Detail string }
		_ = json.Unmarshal(b, &e)
		switch {
		case resp.StatusCode != tc.code:
			t.Errorf("GET %s: %d %s, want %d", tc.query, resp.StatusCode, b, tc.code)
		case tc.code == 200 && string(b) != tc.want:
			t.Errorf("GET %s: %s, want %s", tc.query, b, tc.want)
		case tc.code == 400 && !strings.Contains(e.Detail, tc.want):
			t.Errorf("GET %s: %q, want it to contain %q", tc.query, e.Detail, tc.want)
		}
	}
}

func FuzzParseCursor(f *testing.F) {
	for _, s := range []string{"0:25:0", "0:9223372036854775807:0", ":::", "-5:-5:-5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if off, err := parseCursor(v); err == nil && (off < 0 || off > maxCursorOffset) {
			t.Fatalf("parseCursor(%q) = %d, outside 0 to %d", v, off, maxCursorOffset)
		}
	})
}

func FuzzParseCount(f *testing.F) {
	for _, s := range []string{"25", "99999999999999999999", "-1", "0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if n, err := parseCount(v, 1, 100); err == nil && (n < 1 || n > 100) {
			t.Fatalf("parseCount(%q) = %d, outside 1 to 100", v, n)
		}
	})
}

func FuzzParsePeriodAndInterval(f *testing.F) {
	for _, s := range []string{"24h", "106752d", "0m", "9999999999999d"} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, p, i string) {
		period, err := parsePeriod(p, 90*day)
		if err != nil {
			return
		}
		if period <= 0 || period > 90*day {
			t.Fatalf("parsePeriod(%q) = %v, outside (0, 90d]", p, period)
		}
		if step, err := parseInterval(i, period); err == nil && (step < minInterval || period/step > maxBuckets) {
			t.Fatalf("parseInterval(%q, %v) = %v: too fine", i, period, step)
		}
	})
}
