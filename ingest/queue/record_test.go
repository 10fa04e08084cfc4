package queue

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

func TestRecordRoundTrip(t *testing.T) {
	in := Record{ProjectID: 42, EventID: "0ef7d9cd86b9412082fee68473d5a5d6", ItemType: "event",
		Received: time.UnixMilli(1795303252902).UTC(), SentAt: time.UnixMilli(1795303252000).UTC(),
		ClientIP: "203.0.113.9", KeepSensitiveData: true, Checked: true, Payload: []byte(`{"a":1}`)}
	m := in.Message()
	if string(m.Key) != "42" || m.Topic != EventsTopic {
		t.Fatalf("key %q topic %q; want the project id on the events topic", m.Key, m.Topic)
	}
	out, err := Decode(m)
	if err != nil {
		t.Fatal(err)
	}
	if out.ProjectID != in.ProjectID || out.EventID != in.EventID || out.ItemType != in.ItemType ||
		!out.Received.Equal(in.Received) || !out.SentAt.Equal(in.SentAt) || out.ClientIP != in.ClientIP || !out.KeepSensitiveData ||
		!out.Checked || string(out.Payload) != string(in.Payload) {
		t.Fatalf("round trip: %+v, want %+v", out, in)
	}
	in.Checked = false
	if out, err := Decode(in.Message()); err != nil || out.Checked {
		t.Fatalf("a record ingest did not check came back checked (%v)", err)
	}
}

func TestDecodeRejectsForeignMessages(t *testing.T) {
	cases := []kafka.Message{
		{Value: []byte("{}")},
		{Headers: []kafka.Header{{Key: hdrProjectID, Value: []byte("x")}}},
		{Headers: []kafka.Header{{Key: hdrProjectID, Value: []byte("1")}}},
	}
	for i, m := range cases {
		if _, err := Decode(m); err == nil {
			t.Errorf("case %d decoded", i)
		}
	}
	dl := DeadLetter(kafka.Message{Topic: EventsTopic, Partition: 3, Offset: 9, Value: []byte("x")}, errors.New("bad"))
	if dl.Topic != DeadLetterTopic || string(dl.Value) != "x" {
		t.Errorf("dead letter = %+v", dl)
	}
}

// Payloads travel S2-compressed when that pays, and Decode gives them back
// as ingest accepted them; PayloadLen tells their expanded size before.
func TestRecordPayloadTravelsCompressed(t *testing.T) {
	random := make([]byte, 4096)
	rand.Read(random)
	for _, c := range []struct {
		name       string
		payload    []byte
		compressed bool
	}{
		{"small event", []byte(`{"message":"short"}`), false},
		{"error event", eventLike(1), true},
		{"incompressible", random, false},
	} {
		m := Record{ProjectID: 7, EventID: "0ef7d9cd86b9412082fee68473d5a5d6", ItemType: "event", Payload: c.payload}.Message()
		if got := encoding(m) == encodingS2; got != c.compressed {
			t.Errorf("%s: compressed %v, want %v", c.name, got, c.compressed)
		}
		if c.compressed && len(m.Value)*2 > len(c.payload) {
			t.Errorf("%s: %d bytes stored for %d", c.name, len(m.Value), len(c.payload))
		}
		if n := PayloadLen(m); n != len(c.payload) {
			t.Errorf("%s: PayloadLen %d, want %d", c.name, n, len(c.payload))
		}
		r, err := Decode(m)
		if err != nil || !bytes.Equal(r.Payload, c.payload) {
			t.Errorf("%s: decoded %d bytes (%v), want the %d sent", c.name, len(r.Payload), err, len(c.payload))
		}
	}
}

// A payload that cannot be expanded is refused by Decode, with the
// reason, so the worker dead-letters it; and it counts as its stored size.
func TestDecodeRefusesPayloadsThatDoNotExpand(t *testing.T) {
	good := Record{ProjectID: 7, EventID: "0ef7d9cd86b9412082fee68473d5a5d6", ItemType: "event", Payload: eventLike(2)}.Message()
	withValue := func(v []byte, enc string) kafka.Message {
		m := good
		m.Value = v
		m.Headers = slices.Clone(good.Headers)
		m.Headers[len(m.Headers)-1].Value = []byte(enc)
		return m
	}
	truncated := good.Value[:len(good.Value)/2]
	huge := binary.AppendUvarint(nil, MaxPayloadBytes+1) // a length header past the limit
	for _, c := range []struct {
		name string
		m    kafka.Message
		want string
	}{
		{"truncated", withValue(truncated, "s2"), "expand payload"},
		{"past the limit", withValue(append(huge, 0), "s2"), "the limit"},
		{"unknown encoding", withValue(good.Value, "zip"), `"zip" is not known`},
	} {
		_, err := Decode(c.m)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Decode error %v, want one saying %q", c.name, err, c.want)
		}
		if c.name != "truncated" && PayloadLen(c.m) != len(c.m.Value) {
			t.Errorf("%s: PayloadLen %d, want the stored %d", c.name, PayloadLen(c.m), len(c.m.Value))
		}
	}
}

// BenchmarkRecordMessage is ingest's cost to encode and compress one
// error event's record.
func BenchmarkRecordMessage(b *testing.B) {
	r := Record{ProjectID: 7, EventID: "0ef7d9cd86b9412082fee68473d5a5d6", ItemType: "event", Received: time.Now(), Payload: eventLike(3)}
	b.SetBytes(int64(len(r.Payload)))
	b.ReportAllocs()
	for b.Loop() {
		_ = r.Message()
	}
}
