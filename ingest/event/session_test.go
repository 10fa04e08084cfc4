package event

import (
	"testing"
	"time"
)

// A session update keeps what ties it to the session's other updates and
// orders it among them: the sid, and seq or else the update's timestamp.
func TestParseSessionUpdateIdentity(t *testing.T) {
	received := time.Date(2026, 11, 21, 23, 21, 0, 0, time.UTC)
	tests := []struct {
		name, payload string
		wantSID       string
		wantSeq       uint64
	}{
		{"node update", `{"sid":"6e56c9f0-4f5c-45fc-8f4f-16cd35c25b90","init":true,"started":"2026-11-21T23:20:52.889Z","timestamp":"2026-11-21T23:20:52.949Z","status":"ok","errors":1,"attrs":{"release":"r@1"}}`,
			"6e56c9f04f5c45fc8f4f16cd35c25b90", uint64(time.Date(2026, 11, 21, 23, 20, 52, 949e6, time.UTC).UnixMilli())},
		{"explicit seq", `{"sid":"6E56C9F04F5C45FC8F4F16CD35C25B90","seq":7,"timestamp":"2026-11-21T23:20:52.949Z","status":"exited","attrs":{"release":"r@1"}}`,
			"6e56c9f04f5c45fc8f4f16cd35c25b90", 7},
		{"short sid, no timestamp", `{"sid":"a","status":"crashed","attrs":{"release":"r@1"}}`, "a", uint64(received.UnixMilli())},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSessions("session", []byte(tt.payload), received)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].SessionID != tt.wantSID || got[0].Seq != tt.wantSeq {
				t.Fatalf("got %+v; want sid %s, seq %d", got, tt.wantSID, tt.wantSeq)
			}
		})
	}
}
