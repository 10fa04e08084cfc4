package queue

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/klauspost/compress/s2"
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
	// Checked says ingest found Payload to be valid JSON, so a worker
	// parses it without scanning it again. Records without the mark (from
	// older versions, or other writers) are scanned as before.
	Checked bool
	Payload []byte
	// Logged says Decode read the record from the log, at Partition and
	// Offset (not written by Message): the replay guard's position.
	Logged    bool
	Partition int
	Offset    int64
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
	hdrEncoding  = "encoding"
	hdrChecked   = "json_checked"
)

// Payloads of compressFrom bytes or more travel S2-compressed (header
// "encoding: s2") when that saves an eighth or more: an event's JSON
// shrinks two- to fourfold, and so do the embedded broker's segment
// writes, syncs and fetches, and the bytes through both sockets. Each
// record is compressed on its own rather than the producer's batches,
// because kafka-go's consumer expands every batch of a fetch at once,
// before the worker can count a byte against its budget. Decode expands a
// record's payload, up to MaxPayloadBytes, and PayloadLen tells its size
// beforehand.
const (
	compressFrom = 256
	encodingS2   = "s2"
	// MaxPayloadBytes bounds what one record may expand to: more than any
	// envelope ingest accepts.
	MaxPayloadBytes = 256 << 20
)

// Message encodes a record for Kafka, its payload compressed when that
// pays. The key is the project id, so one project's records stay in order
// on one partition.
func (r Record) Message() kafka.Message {
	m := r.PlainMessage()
	if len(r.Payload) < compressFrom {
		return m
	}
	// S2 wants room for the worst case, more than the payload; the value
	// kept is a copy of exactly the compressed size, a third or a quarter
	// of it. The value must not come from the pool itself: kafka-go may
	// still hold a message whose write timed out.
	scratch := encodeScratch.Get().(*[]byte)
	c := s2.Encode((*scratch)[:cap(*scratch)], r.Payload)
	if len(c) <= len(r.Payload)-len(r.Payload)/8 {
		m.Value = bytes.Clone(c)
		m.Headers = append(m.Headers, kafka.Header{Key: hdrEncoding, Value: []byte(encodingS2)})
	}
	if cap(c) <= maxScratch {
		*scratch = c[:0]
		encodeScratch.Put(scratch)
	}
	return m
}

// encodeScratch holds buffers S2 compresses into, up to maxScratch bytes.
var encodeScratch = sync.Pool{New: func() any { return new([]byte) }}

const maxScratch = 1 << 20

// PlainMessage is Message with the payload as it is, which workers of
// every version read.
func (r Record) PlainMessage() kafka.Message {
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
	if r.Checked {
		m.Headers = append(m.Headers, kafka.Header{Key: hdrChecked, Value: []byte("1")})
	}
	if !r.SentAt.IsZero() {
		m.Headers = append(m.Headers, kafka.Header{Key: hdrSentAt, Value: []byte(strconv.FormatInt(r.SentAt.UnixMilli(), 10))})
	}
	return m
}

// PayloadLen is the bytes a message's payload takes once Decode expanded
// it: what the worker counts against its budgets before expanding. A
// payload that cannot be expanded counts as stored; Decode refuses it.
func PayloadLen(m kafka.Message) int {
	if encoding(m) != encodingS2 {
		return len(m.Value)
	}
	if n, err := expandedLen(m.Value); err == nil {
		return n
	}
	return len(m.Value)
}

func encoding(m kafka.Message) string {
	for _, h := range m.Headers {
		if h.Key == hdrEncoding {
			return string(h.Value)
		}
	}
	return ""
}

// expand returns a payload as ingest accepted it.
func expand(value []byte, enc string) ([]byte, error) {
	if enc != encodingS2 {
		return nil, fmt.Errorf("payload encoding %q is not known", enc)
	}
	n, err := expandedLen(value)
	if err != nil {
		return nil, err
	}
	v, err := s2.Decode(make([]byte, n), value)
	if err != nil {
		return nil, fmt.Errorf("expand payload: %w", err)
	}
	return v, nil
}

// expandedLen is what an S2 value says it expands to, refused past
// MaxPayloadBytes.
func expandedLen(value []byte) (int, error) {
	n, err := s2.DecodedLen(value)
	if err != nil {
		return 0, fmt.Errorf("expand payload: %w", err)
	}
	if n > MaxPayloadBytes {
		return 0, fmt.Errorf("payload would expand to %d bytes; the limit is %d", n, MaxPayloadBytes)
	}
	return n, nil
}

// Decode reads a record back from a Kafka message.
func Decode(m kafka.Message) (Record, error) {
	r := Record{Payload: m.Value, Logged: true, Partition: m.Partition, Offset: m.Offset}
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
		case hdrChecked:
			r.Checked = string(h.Value) == "1"
		case hdrEncoding:
			r.Payload, err = expand(m.Value, string(h.Value))
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
