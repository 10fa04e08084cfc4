package queue

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"
)

// Topic names.
const (
	EventsTopic     = "events"
	DeadLetterTopic = "events-dead-letter"
)

// Record is one accepted item on its way from ingest to the workers.
type Record struct {
	ProjectID int64
	EventID   string // 32 lowercase hex digits
	ItemType  string // envelope item type, e.g. "event"
	Received  time.Time
	SentAt    time.Time // the envelope's sent_at (client clock); zero if absent
	ClientIP  string
	// KeepSensitiveData is the project's choice to turn data scrubbing off.
	KeepSensitiveData bool
	Payload           []byte
}

const (
	hdrProjectID = "project_id"
	hdrEventID   = "event_id"
	hdrItemType  = "item_type"
	hdrReceived  = "received_ms"
	hdrSentAt    = "sent_at_ms"
	hdrClientIP  = "client_ip"
	hdrKeepData  = "keep_sensitive_data"
	hdrError     = "error"
)

// Message encodes a record for Kafka. The key is the project id, so one
// project's records stay in order on one partition.
func (r Record) Message() kafka.Message {
	pid := strconv.FormatInt(r.ProjectID, 10)
	m := kafka.Message{
		Topic: EventsTopic,
		Key:   []byte(pid),
		Value: r.Payload,
		Headers: []kafka.Header{
			{Key: hdrProjectID, Value: []byte(pid)},
			{Key: hdrEventID, Value: []byte(r.EventID)},
			{Key: hdrItemType, Value: []byte(r.ItemType)},
			{Key: hdrReceived, Value: []byte(strconv.FormatInt(r.Received.UnixMilli(), 10))},
			{Key: hdrClientIP, Value: []byte(r.ClientIP)},
		},
	}
	if r.KeepSensitiveData {
		m.Headers = append(m.Headers, kafka.Header{Key: hdrKeepData, Value: []byte("1")})
	}
	if !r.SentAt.IsZero() {
		m.Headers = append(m.Headers, kafka.Header{Key: hdrSentAt, Value: []byte(strconv.FormatInt(r.SentAt.UnixMilli(), 10))})
	}
	return m
}

// Decode reads a record back from a Kafka message.
func Decode(m kafka.Message) (Record, error) {
	r := Record{Payload: m.Value}
	var received, sentAt int64
	var err error
	for _, h := range m.Headers {
		switch h.Key {
		case hdrProjectID:
			r.ProjectID, err = strconv.ParseInt(string(h.Value), 10, 64)
		case hdrEventID:
			r.EventID = string(h.Value)
		case hdrItemType:
			r.ItemType = string(h.Value)
		case hdrReceived:
			received, err = strconv.ParseInt(string(h.Value), 10, 64)
		case hdrSentAt:
			sentAt, err = strconv.ParseInt(string(h.Value), 10, 64)
		case hdrClientIP:
			r.ClientIP = string(h.Value)
		case hdrKeepData:
			r.KeepSensitiveData = string(h.Value) == "1"
		}
		if err != nil {
			return r, fmt.Errorf("header %s: %w", h.Key, err)
		}
	}
	if r.ProjectID == 0 || r.EventID == "" {
		return r, errors.New("record has no project_id or event_id header")
	}
	r.Received = time.UnixMilli(received).UTC()
	if sentAt != 0 {
		r.SentAt = time.UnixMilli(sentAt).UTC()
	}
	return r, nil
}

// DeadLetter wraps a message that could not be processed, with the reason,
// for the dead-letter topic.
func DeadLetter(m kafka.Message, reason error) kafka.Message {
	headers := append([]kafka.Header{}, m.Headers...)
	headers = append(headers,
		kafka.Header{Key: hdrError, Value: []byte(reason.Error())},
		kafka.Header{Key: "source", Value: fmt.Appendf(nil, "%s/%d/%d", m.Topic, m.Partition, m.Offset)})
	return kafka.Message{Topic: DeadLetterTopic, Key: m.Key, Value: m.Value, Headers: headers}
}

// Attachment is the payload of an "attachment" record: where ingest
// put the bytes, and what the SDK said of them.
type Attachment struct {
	EventID        string `json:"event_id"`
	BlobKey        string `json:"blob_key"`
	Filename       string `json:"filename"`
	ContentType    string `json:"content_type"`
	AttachmentType string `json:"attachment_type"`
	Size           int    `json:"size"`
}
