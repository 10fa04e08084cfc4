package analytics

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"slices"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
)

// An error event's normalized JSON is stored compressed in the events
// table's payload column, since ClickHouse 18.16 has no column codecs.
//
// The stored form is a tag byte, the CRC-32C of the JSON (little endian)
// and an S2 block. S2 compresses an event about six times faster than
// zstd's default level (5.5 against 31 µs for a 13 KB event), which is
// what a worker's CPU pays for every event. Its blocks are larger (about
// 2.0 against 1.3 KB), but it leaves literals byte-aligned, so the
// column's LZ4 still finds what the events of an issue share: the column
// measured smaller on disk than with zstd frames, whose entropy coding
// hides that. The checksum stands in for zstd's: the native protocol
// carries blocks unchecked when the connection is not compressed.
//
// Rows written before S2 hold zstd frames; ExpandPayload reads both.
const (
	s2PayloadTag    = 0xf2 // neither a zstd frame's first byte nor JSON's
	s2PayloadHeader = 1 + 4
)

var (
	castagnoli = crc32.MakeTable(crc32.Castagnoli)
	// payloadEncoder compresses only a payload too large for an S2 block,
	// which events, at most a few MB, never are.
	payloadEncoder, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1))
	payloadDecoder, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(0))
)

// CompressPayload appends the stored form of an event's JSON to dst. A
// worker compresses where it builds the JSON, into scratch it reuses, so
// that a batch holds each payload at a sixth of its size until the insert.
func CompressPayload(dst, json []byte) []byte {
	bound := s2.MaxEncodedLen(len(json))
	if bound < 0 {
		return payloadEncoder.EncodeAll(json, dst)
	}
	n := len(dst)
	dst = slices.Grow(dst, s2PayloadHeader+bound)[:n+s2PayloadHeader+bound]
	dst[n] = s2PayloadTag
	binary.LittleEndian.PutUint32(dst[n+1:], crc32.Checksum(json, castagnoli))
	block := s2.Encode(dst[n+s2PayloadHeader:], json)
	return dst[:n+s2PayloadHeader+len(block)]
}

var errPayloadChecksum = errors.New("checksum mismatch")

// ExpandPayload is the event JSON that CompressPayload stored as stored.
func ExpandPayload(stored []byte) ([]byte, error) {
	if len(stored) == 0 || stored[0] != s2PayloadTag {
		json, err := payloadDecoder.DecodeAll(stored, nil)
		if err != nil {
			return nil, fmt.Errorf("expand event payload: %w", err)
		}
		return json, nil
	}
	if len(stored) < s2PayloadHeader {
		return nil, fmt.Errorf("expand event payload: %d bytes, shorter than its header", len(stored))
	}
	json, err := s2.Decode(nil, stored[s2PayloadHeader:])
	if err != nil {
		return nil, fmt.Errorf("expand event payload: %w", err)
	}
	if crc32.Checksum(json, castagnoli) != binary.LittleEndian.Uint32(stored[1:]) {
		return nil, fmt.Errorf("expand event payload: %w", errPayloadChecksum)
	}
	return json, nil
}
