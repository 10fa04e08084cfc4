package ingest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

// A gzip trailer states the content's size; a body that lies about it is
// refused by the reader, and the buffer made for it is sized by what the
// body could hold, not by what it claims.
func TestGzipStatedSizeIsNotTrusted(t *testing.T) {
	body := compress(t, "gzip", []byte(`{"message":"small"}`))
	binary.LittleEndian.PutUint32(body[len(body)-4:], 0xFFFFFFFF)
	if got, most := gzipSize(body, DefaultLimits.MaxEnvelopeBytes), int64(len(body))*maxDeflateRatio; got > most {
		t.Errorf("size hint %d for a %d-byte body, want at most %d", got, len(body), most)
	}
	var err error
	if n := allocated(func() { _, err = decode(body, "gzip", DefaultLimits.MaxEnvelopeBytes) }); n > 256<<10 {
		t.Errorf("decoding a %d-byte body that claims 4 GiB allocated %d bytes", len(body), n)
	}
	if err == nil {
		t.Error("a body whose trailer lies about its size decoded without error")
	}
}

// Bodies of several gzip members, whose trailer states only the last
// member's size, are read whole; so are bodies larger than first guessed.
func TestDecodeBeyondHint(t *testing.T) {
	first, second := strings.Repeat(`{"a":1}`, 5000), strings.Repeat(`{"b":2}`, 10)
	members := append(compress(t, "gzip", []byte(first)), compress(t, "gzip", []byte(second))...)
	out, err := decode(members, "gzip", 1<<20)
	if err != nil || string(out) != first+second {
		t.Fatalf("decoded %d bytes (err %v), want %d", len(out), err, len(first+second))
	}
	for _, enc := range []string{"deflate", "br", "zstd"} {
		payload := bytes.Repeat([]byte(`{"message":"hello"}`), 10000) // inflates far more than 4 times
		out, err := decode(compress(t, enc, payload), enc, DefaultLimits.MaxEnvelopeBytes)
		if err != nil || !bytes.Equal(out, payload) {
			t.Errorf("%s: decoded %d bytes (err %v), want %d", enc, len(out), err, len(payload))
		}
	}
}

// A pooled zstd decoder takes the limit of each use: one used under a
// large limit still refuses a body past a small one afterwards.
func TestPooledZstdKeepsEachLimit(t *testing.T) {
	payload := bytes.Repeat([]byte(`{"message":"hello"}`), 100)
	body := compress(t, "zstd", payload)
	for range 3 {
		if out, err := decode(body, "zstd", 1<<20); err != nil || !bytes.Equal(out, payload) {
			t.Fatalf("under 1 MiB: decoded %d bytes, err %v", len(out), err)
		}
		if _, err := decode(body, "zstd", 100); !errors.Is(err, errTooLarge) {
			t.Fatalf("under 100 bytes: err = %v, want errTooLarge", err)
		}
	}
}

func TestReadUpTo(t *testing.T) {
	content := strings.Repeat("x", 3000)
	for _, tc := range []struct {
		name       string
		most, hint int64
		want       int
	}{
		{"exact hint", 1 << 20, 3000, 3000},
		{"small hint", 1 << 20, 10, 3000},
		{"large hint", 1 << 20, 1 << 19, 3000},
		{"stops at most", 1000, 3000, 1000},
		{"stops at most with a small hint", 1000, 10, 1000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := readUpTo(strings.NewReader(content), tc.most, tc.hint)
			if err != nil || len(out) != tc.want || string(out) != content[:tc.want] {
				t.Fatalf("read %d bytes (err %v), want %d", len(out), err, tc.want)
			}
		})
	}
}

// A gzipped event is inflated by a reused decoder into a buffer sized from
// the body's trailer. A new gzip reader per body (its 32 KiB window and
// Huffman tables) and io.ReadAll's growth from 512 bytes allocated several
// times the event itself, for every request.
func TestGzipDecodeAllocatesAboutTheEvent(t *testing.T) {
	envelope := pythonEnvelope() // ~11 KB, as sentry-python sends an error
	body := compress(t, "gzip", envelope)
	if _, err := decode(body, "gzip", DefaultLimits.MaxEnvelopeBytes); err != nil { // fills the pool
		t.Fatal(err)
	}
	const runs = 50
	var err error
	var out []byte
	n := allocated(func() {
		for range runs {
			if out, err = decode(body, "gzip", DefaultLimits.MaxEnvelopeBytes); err != nil {
				return
			}
		}
	})
	if err != nil || !bytes.Equal(out, envelope) {
		t.Fatalf("decoded %d of %d bytes: %v", len(out), len(envelope), err)
	}
	// The buffer itself is the next power of two above the event (16 KiB).
	if per, most := n/runs, uint64(2*len(envelope)); per > most {
		t.Errorf("inflating a %d-byte gzipped event of %d bytes allocated %d bytes, want at most %d", len(body), len(envelope), per, most)
	}
}
