package analytics_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/analytics/analyticstest"
	"github.com/klauspost/compress/zstd"
)

// Every way a payload reaches InsertEvents reads back as the JSON it was:
// compressed by the insert, compressed by the worker beforehand, and
// compressed by other encoders (without a checksum, here).
func TestPayloadsReadBackAsWritten(t *testing.T) {
	other, err := zstd.NewWriter(nil, zstd.WithEncoderCRC(false), zstd.WithEncoderLevel(zstd.SpeedFastest))
	if err != nil {
		t.Fatal(err)
	}
	s := analyticstest.Open(t)
	ctx := context.Background()
	project := uniqueProject()
	now := time.Now().Truncate(time.Second)
	json := benchPayload(7)
	cases := []struct {
		name string
		row  analytics.EventRow
	}{
		{"plain", analytics.EventRow{Payload: json}},
		{"compressed by the worker", analytics.EventRow{StoredPayload: analytics.CompressPayload(nil, json)}},
		{"another encoder's", analytics.EventRow{StoredPayload: other.EncodeAll(json, nil)}},
	}
	var rows []analytics.EventRow
	for i, c := range cases {
		r := c.row
		r.ProjectID, r.IssueID, r.EventID = project, uint64(i+1), fmt.Sprintf("%032x", 0xb0+i)
		r.Timestamp, r.Received, r.Level, r.Title = now, now, "error", c.name
		rows = append(rows, r)
	}
	if err := s.InsertEvents(ctx, rows); err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		got, err := s.IssueEvents(ctx, project, uint64(i+1), 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || !bytes.Equal(got[0].Payload, json) || got[0].StoredPayload != nil {
			t.Errorf("%s: read back %d rows, payload equal %v", c.name, len(got), len(got) == 1 && bytes.Equal(got[0].Payload, json))
		}
	}
}

// A worker's batch goes in blocks of a few hundred rows; every row of
// every block reads back once, with its own payload.
func TestEventsAcrossBlocksReadBackAsWritten(t *testing.T) {
	s := analyticstest.Open(t)
	ctx := context.Background()
	project := uniqueProject()
	now := time.Now().Truncate(time.Second)
	const n = 600 // three blocks
	rows := make([]analytics.EventRow, n)
	for i := range rows {
		rows[i] = analytics.EventRow{ProjectID: project, IssueID: uint64(i + 1), EventID: fmt.Sprintf("%032x", 0xe000+i),
			Timestamp: now, Received: now, Level: "error", Title: fmt.Sprintf("event %d", i), Payload: fmt.Appendf(nil, `{"n":%d}`, i)}
	}
	if err := s.InsertEvents(ctx, rows); err != nil {
		t.Fatal(err)
	}
	stored, err := s.StoredEventIDs(ctx, project)
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != n {
		t.Fatalf("%d events stored, want %d", len(stored), n)
	}
	for _, i := range []int{0, 255, 256, 511, 512, n - 1} {
		got, err := s.IssueEvents(ctx, project, uint64(i+1), 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].EventID != rows[i].EventID || !bytes.Equal(got[0].Payload, rows[i].Payload) {
			t.Errorf("row %d: read back %d rows, want one with its own id and payload", i, len(got))
		}
	}
}

// BenchmarkCompressPayload compresses a 17 KB normalized event as a
// worker stores it.
//
//	go test -run '^$' -bench CompressPayload -benchmem ./analytics/
func BenchmarkCompressPayload(b *testing.B) {
	json := benchPayload(3)
	var dst []byte
	b.SetBytes(int64(len(json)))
	b.ReportAllocs()
	for b.Loop() {
		dst = analytics.CompressPayload(dst[:0], json)
	}
	b.ReportMetric(float64(len(json))/float64(len(dst)), "ratio")
}
