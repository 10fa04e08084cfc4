package queue

import (
	"errors"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

func TestRecordRoundTrip(t *testing.T) {
	in := Record{ProjectID: 42, EventID: "0ef7d9cd86b9412082fee68473d5a5d6", ItemType: "event",
		Received: time.UnixMilli(1795303252902).UTC(), SentAt: time.UnixMilli(1795303252000).UTC(),
		ClientIP: "203.0.113.9", KeepSensitiveData: true, Payload: []byte(`{"a":1}`)}
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
		string(out.Payload) != string(in.Payload) {
		t.Fatalf("round trip: %+v, want %+v", out, in)
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
