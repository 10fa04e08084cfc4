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

// eventLike is an error event's JSON of about 10 KB: twenty frames that
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

// The writer compresses its batches (LZ4): the broker writes, syncs,
// serves and sends a quarter of the bytes, which was a fifth of the
// server's CPU at saturation. A log written before, uncompressed, still
// reads, and so does each record of a compressed batch.
func TestWriterCompressesRecords(t *testing.T) {
	dataDir := t.TempDir()
	e := startBroker(t, EmbeddedConfig{DataDir: dataDir})
	ctx := context.Background()
	onePartition := kafka.BalancerFunc(func(kafka.Message, ...int) int { return 0 })

	var sent [][]byte
	message := func() kafka.Message {
		v := eventLike(len(sent))
		sent = append(sent, v)
		return kafka.Message{Topic: EventsTopic, Key: []byte("1"), Value: v}
	}
	// A log an earlier Faultline wrote, uncompressed.
	plain := NewWriter([]string{e.Addr()})
	plain.Balancer, plain.Compression = onePartition, 0
	if err := plain.WriteMessages(ctx, message(), message()); err != nil {
		t.Fatal(err)
	}
	plain.Close()
	partDir := filepath.Join(dataDir, "kafka", "partitions", EventsTopic+"-0")
	before, _ := diskUsage(t, partDir)

	w := NewWriter([]string{e.Addr()})
	w.Balancer = onePartition
	var raw int
	for range 10 {
		batch := make([]kafka.Message, 20)
		for i := range batch {
			batch[i] = message()
			raw += len(batch[i].Value)
		}
		if err := w.WriteMessages(ctx, batch...); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	after, _ := diskUsage(t, partDir)
	if written := after - before; written*3 > int64(raw) {
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
		if m.Offset != int64(i) || !bytes.Equal(m.Value, want) {
			t.Fatalf("record %d: offset %d, %d bytes, want the %d bytes sent", i, m.Offset, len(m.Value), len(want))
		}
	}
}
