package artifact

import (
	"bytes"
	"encoding/binary"
	"io"
)

const (
	endRecordLen       = 22 // the end of central directory record, without its comment
	zip64LocatorLen    = 20
	zip64EndRecordLen  = 56
	maxZipCommentBytes = 0xffff
)

// entryCount reads how many entries the zip's end record says its central
// directory holds (the zip64 record's count when the zip needs one).
func entryCount(r io.ReaderAt, size int64) (uint64, error) {
	tail := int64(endRecordLen + maxZipCommentBytes)
	if tail > size {
		tail = size
	}
	buf := make([]byte, tail)
	if _, err := r.ReadAt(buf, size-tail); err != nil && err != io.EOF {
		return 0, err
	}
	at := -1
	for i := len(buf) - endRecordLen; i >= 0; i-- {
		if bytes.Equal(buf[i:i+4], []byte("PK\x05\x06")) &&
			i+endRecordLen+int(binary.LittleEndian.Uint16(buf[i+20:])) <= len(buf) {
			at = i
			break
		}
	}
	if at < 0 {
		return 0, invalid("the bundle is not a valid zip archive: %v", errNoEnd)
	}
	count := uint64(binary.LittleEndian.Uint16(buf[at+10:]))
	if count != 0xffff {
		return count, nil
	}
	// A zip64 archive: its locator sits just before the end record and points
	// at the zip64 end record, usually just before the locator.
	locPos := size - tail + int64(at) - zip64LocatorLen
	loc := make([]byte, zip64LocatorLen)
	if locPos < 0 {
		return 0, invalid("the bundle is not a valid zip archive: a zip64 count without a zip64 locator")
	}
	if _, err := r.ReadAt(loc, locPos); err != nil || !bytes.Equal(loc[:4], []byte("PK\x06\x07")) {
		return 0, invalid("the bundle is not a valid zip archive: a zip64 count without a zip64 locator")
	}
	rec := make([]byte, zip64EndRecordLen)
	for _, pos := range []int64{locPos - zip64EndRecordLen, int64(binary.LittleEndian.Uint64(loc[8:]))} {
		if pos < 0 || pos+zip64EndRecordLen > size {
			continue
		}
		if _, err := r.ReadAt(rec, pos); err == nil && bytes.Equal(rec[:4], []byte("PK\x06\x06")) {
			return binary.LittleEndian.Uint64(rec[32:]), nil
		}
	}
	return 0, invalid("the bundle is not a valid zip archive: its zip64 end record is missing")
}
