package queue

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

// eventLike is an error event's JSON of about 7 KB: twenty frames that
// differ in their line numbers, as real stack traces do.
func eventLike(n int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"event_id":"%032x","platform":"python","exception":{"values":[{"type":"KeyError","stacktrace":{"frames":[`, n)
	for i := range 20 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"filename":"shop/views/checkout.py","function":"handle_%d","lineno":%d,"context_line":"    basket = load_basket(request.session['basket_id'])","pre_context":["def handle(request):","    user = request.user","    if not user.is_authenticated:","        return redirect('login')"],"vars":{"request":"<WSGIRequest: POST '/checkout/'>","basket_id":"%d"}}`, i, 40+i*7+n%13, n)
	}
	b.WriteString(`]}}]}}`)
	return b.Bytes()
}

// Records reach the broker's log compressed: the broker writes, syncs and
// sends a fraction of the bytes, which was a fifth of the server's CPU at
// saturation. Records an earlier Faultline wrote, uncompressed, still
// decode beside them.
func TestRecordsAreLoggedCompressed(t *testing.T) {
	dataDir := t.TempDir()
	e := startBroker(t, EmbeddedConfig{DataDir: dataDir})
	ctx := context.Background()
	w := NewWriter([]string{e.Addr()}, nil)
	defer w.Close()
	w.Balancer = kafka.BalancerFunc(func(kafka.Message, ...int) int { return 0 })

	var sent [][]byte
	record := func() Record {
		sent = append(sent, eventLike(len(sent)))
		return Record{ProjectID: 1, EventID: fmt.Sprintf("%032x", len(sent)), ItemType: "event", Payload: sent[len(sent)-1]}
	}
	// Two records as an earlier Faultline wrote them.
	if err := w.WriteMessages(ctx, record().PlainMessage(), record().PlainMessage()); err != nil {
		t.Fatal(err)
	}
	partDir := filepath.Join(dataDir, "kafka", "partitions", EventsTopic+"-0")
	before, _ := diskUsage(t, partDir)
	var raw int
	for range 10 {
		batch := make([]kafka.Message, 20)
		for i := range batch {
			batch[i] = record().Message()
			raw += len(sent[len(sent)-1])
		}
		if err := w.WriteMessages(ctx, batch...); err != nil {
			t.Fatal(err)
		}
	}
	after, _ := diskUsage(t, partDir)
	if written := after - before; written*2 > int64(raw) {
		t.Errorf("200 events of %d bytes in all took %d bytes of log: not compressed", raw, written)
	}

	r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{e.Addr()}, Topic: EventsTopic, Partition: 0, MaxWait: 500 * time.Millisecond})
	defer r.Close()
	readCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for i, want := range sent {
		m, err := r.ReadMessage(readCtx)
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		got, err := Decode(m)
		if err != nil || !bytes.Equal(got.Payload, want) {
			t.Fatalf("record %d: %d bytes (%v), want the %d bytes sent", i, len(got.Payload), err, len(want))
		}
	}
}
