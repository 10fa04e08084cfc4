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
// Frames keep zstd's content checksum: the native protocol carries blocks
// unchecked when the connection is not compressed, and the checksum costs
// only about 5 % of the compression.
var (
	payloadEncoder, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault),
		zstd.WithEncoderConcurrency(runtime.GOMAXPROCS(0)))
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
