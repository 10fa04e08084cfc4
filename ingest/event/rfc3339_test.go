package event

import (
	"strconv"
	"testing"
	"time"
)

// slowTimestamp is what timestamp gave string timestamps before
// parseRFC3339: time.Parse with each accepted layout.
func slowTimestamp(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

var rfc3339Samples = []string{
	"2026-11-21T23:20:08.554184898Z",
	"2026-11-21T23:20:08Z",
	"2026-11-21T23:20:08.5+02:00",
	"2026-11-21T23:20:08.123456-07:30",
	"2026-11-21 23:20:08.123Z",
	"2026-11-21 23:20:08",
	"2026-11-21T23:20:08",
	"2024-02-29T00:00:00Z",
	"2023-02-29T00:00:00Z",
	"2100-02-29T00:00:00Z",
	"2000-02-29T00:00:00Z",
	"2026-04-31T00:00:00Z",
	"2026-13-01T00:00:00Z",
	"2026-00-10T00:00:00Z",
	"2026-11-21T24:00:00Z",
	"2026-11-21T23:60:00Z",
	"2026-11-21T23:59:60Z",
	"2026-11-21T23:20:08.Z",
	"2026-11-21T23:20:08.1234567891Z",
	"2026-11-21T23:20:08,123Z",
	"2026-11-21T23:20:08z",
	"2026-11-21T23:20:08+24:00",
	"2026-11-21T23:20:08+0200",
	"2026-11-21t23:20:08Z",
	"0000-01-01T00:00:00Z",
	"9999-12-31T23:59:59.999999999Z",
	"+026-11-21T23:20:08Z",
	"2026-1-21T23:20:08Z",
}

// parseRFC3339 answers exactly as time.Parse did wherever it answers, and
// declines the rest, which timestamp then hands to time.Parse.
func TestParseRFC3339AgreesWithTimeParse(t *testing.T) {
	accepted := 0
	for _, s := range rfc3339Samples {
		if checkRFC3339(t, s) {
			accepted++
		}
		got, gotOK := timestamp([]byte(strconv.Quote(s)))
		want, wantOK := slowTimestamp(s)
		if gotOK != wantOK || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("timestamp(%q) = %v %v, time.Parse gives %v %v", s, got, gotOK, want, wantOK)
		}
	}
	if accepted < 10 {
		t.Errorf("the fast path took %d of the samples, want the common shapes (10 or more)", accepted)
	}
}

func FuzzParseRFC3339(f *testing.F) {
	for _, s := range rfc3339Samples {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkRFC3339(t, s) })
}

// checkRFC3339 fails t when parseRFC3339 accepts s with another time than
// time.Parse, or accepts what time.Parse refuses; it reports whether the
// fast path accepted s.
func checkRFC3339(t *testing.T, s string) bool {
	t.Helper()
	got, ok := parseRFC3339([]byte(s))
	if !ok {
		return false
	}
	want, wantOK := slowTimestamp(s)
	if !wantOK || !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("parseRFC3339(%q) = %v, time.Parse gives %v (ok %v)", s, got, want, wantOK)
	}
	return true
}

// The decimal reading of a number of seconds gives exactly what the float
// reading gives, and reads the forms SDKs send itself.
func TestEpochDecimalAsFloat(t *testing.T) {
	for _, s := range []string{"1795303252.899", "1795303621.3744278", "1795303621", "1795303252.5",
		"0.0000008", "0", "0.0", "1795303252.0000001"} {
		checkEpochDecimal(t, []byte(s), true)
	}
	for _, s := range []string{"-1", "1e9", "1.", ".5", "100000000000", "1795303252.5x", "+1", "000001795303252.25", "1795303621.3744485", "0.0000004",
		"1795303621.3640795", "99999999999.9999999", "1795303252.0000005"} {
		checkEpochDecimal(t, []byte(s), false)
	}
}

func FuzzEpochDecimal(f *testing.F) {
	for _, s := range []string{"1795303252.899", "1795303621.3744485", "0", "1.", "1e9", "12345678901.123456789012"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		checkEpochDecimal(t, raw, false)
	})
}

// checkEpochDecimal compares epochDecimal with ParseFloat and epoch on raw;
// mustRead says epochDecimal has to read raw itself.
func checkEpochDecimal(t *testing.T, raw []byte, mustRead bool) {
	t.Helper()
	got, gotOK, read := epochDecimal(raw)
	if !read {
		if mustRead {
			t.Errorf("%q was left to ParseFloat", raw)
		}
		return
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil {
		t.Fatalf("%q read, but it is not a number: %v", raw, err)
	}
	if want, wantOK := epoch(f); gotOK != wantOK || !got.Equal(want) {
		t.Errorf("%q: %v %v, the float gives %v %v", raw, got, gotOK, want, wantOK)
	}
}

// BenchmarkEpochSeconds reads span timestamps as the Node, Python and Ruby
// SDKs printed them.
func BenchmarkEpochSeconds(b *testing.B) {
	sent := [][]byte{[]byte("1795303267.8915412"), []byte("1795303267.9119503"), []byte("1795303267.751"),
		[]byte("1795303621.3641782"), []byte("1795303621.3640795"), []byte("1795303621.3744485"),
		[]byte("1795303351.7807403"), []byte("1795303351.9934871"), []byte("1795303283.2462912"), []byte("1795303252.899")}
	for i := 0; b.Loop(); i++ {
		if _, ok := timestamp(sent[i%len(sent)]); !ok {
			b.Fatal("unread")
		}
	}
}
