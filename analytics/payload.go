package analytics

import (
	"fmt"
	"runtime"

	"github.com/klauspost/compress/zstd"
)

// An error event's normalized JSON is stored zstd-compressed in the
// events table's payload column, since ClickHouse 18.16 has no column
// codecs to choose zstd with.
//
// Frames carry no content checksum: every compressed block ClickHouse
// keeps on disk carries a checksum of its own, which it checks as it
// reads, and the frame's cost about 5 % of the compression. Payloads
// stored with one still expand, and are checked.
var (
	payloadEncoder, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault),
		zstd.WithEncoderConcurrency(runtime.GOMAXPROCS(0)), zstd.WithEncoderCRC(false))
	payloadDecoder, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(0))
)

// CompressPayload appends the stored form of an event's JSON to dst. A
// worker compresses where it builds the JSON, into scratch it reuses, so
// that a batch holds each payload at a third of its size until the insert.
func CompressPayload(dst, json []byte) []byte {
	return payloadEncoder.EncodeAll(json, dst)
}

// ExpandPayload is the event JSON that CompressPayload stored as stored.
func ExpandPayload(stored []byte) ([]byte, error) {
	json, err := payloadDecoder.DecodeAll(stored, nil)
	if err != nil {
		return nil, fmt.Errorf("expand event payload: %w", err)
	}
	return json, nil
}
