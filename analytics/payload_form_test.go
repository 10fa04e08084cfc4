package analytics_test

import (
	"bytes"
	"testing"

	"github.com/faultline/faultline/analytics"
	"github.com/klauspost/compress/zstd"
)

// A worker's payloads are S2 blocks behind a tag and a checksum, and
// append to what dst holds.
func TestPayloadsAreStoredAsTaggedS2(t *testing.T) {
	json := benchPayload(11)
	prefix := []byte("kept")
	stored := analytics.CompressPayload(bytes.Clone(prefix), json)
	if !bytes.HasPrefix(stored, prefix) {
		t.Fatalf("CompressPayload did not append to dst: starts %q", stored[:min(len(stored), 8)])
	}
	stored = stored[len(prefix):]
	if stored[0] != 0xf2 {
		t.Fatalf("stored payload starts with %#x, want the S2 tag 0xf2", stored[0])
	}
	if len(stored) >= len(json)/3 {
		t.Errorf("stored %d bytes of %d: not compressed", len(stored), len(json))
	}
	got, err := analytics.ExpandPayload(stored)
	if err != nil || !bytes.Equal(got, json) {
		t.Fatalf("ExpandPayload: equal %v, err %v", bytes.Equal(got, json), err)
	}
	empty, err := analytics.ExpandPayload(analytics.CompressPayload(nil, nil))
	if err != nil || len(empty) != 0 {
		t.Errorf("empty payload read back as %q, %v", empty, err)
	}
}

// Rows written before S2 hold zstd frames, with or without a checksum,
// and still read back.
func TestZstdPayloadsStillExpand(t *testing.T) {
	json := benchPayload(12)
	for _, opts := range [][]zstd.EOption{
		{zstd.WithEncoderLevel(zstd.SpeedDefault)},
		{zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderCRC(false)},
	} {
		enc, err := zstd.NewWriter(nil, opts...)
		if err != nil {
			t.Fatal(err)
		}
		got, err := analytics.ExpandPayload(enc.EncodeAll(json, nil))
		if err != nil || !bytes.Equal(got, json) {
			t.Errorf("zstd frame: equal %v, err %v", bytes.Equal(got, json), err)
		}
	}
}

// A damaged payload is an error, never another event's JSON.
func TestDamagedPayloadsAreErrors(t *testing.T) {
	json := benchPayload(13)
	stored := analytics.CompressPayload(nil, json)
	flipped := func(i int) []byte {
		b := bytes.Clone(stored)
		b[i] ^= 0x20
		return b
	}
	literal := bytes.Index(stored, []byte("Cannot read properties"))
	if literal < 0 {
		t.Fatal("the test expects the exception's value among the block's literals")
	}
	cases := map[string][]byte{
		"tag only":         stored[:1],
		"header only":      stored[:5],
		"cut block":        stored[:len(stored)/2],
		"checksum byte":    flipped(2),
		"literal byte":     flipped(literal),
		"trailing garbage": append(bytes.Clone(stored), 0, 1, 2),
		"not a payload":    []byte(`{"event_id":"x"}`),
	}
	for name, b := range cases {
		if got, err := analytics.ExpandPayload(b); err == nil {
			t.Errorf("%s: read back %d bytes without an error", name, len(got))
		}
	}
}
