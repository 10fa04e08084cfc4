package ingest

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"strings"
)

// errTooLarge is returned when a body grows past its limit while being read
// or decompressed.
var errTooLarge = errors.New("body too large")

// decode undoes Content-Encoding, reading at most limit bytes of output, so
// a decompression bomb costs only the time to inflate limit bytes.
func decode(raw []byte, encoding string, limit int64) ([]byte, error) {
	var r io.Reader
	switch enc := strings.ToLower(strings.TrimSpace(encoding)); enc {
	case "", "identity":
		if int64(len(raw)) > limit {
			return nil, errTooLarge
		}
		return raw, nil
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("body is not valid gzip: %w", err)
		}
		r = zr
	case "deflate":
		// HTTP's deflate is zlib-wrapped, but some clients send raw deflate.
		if zr, err := zlib.NewReader(bytes.NewReader(raw)); err == nil {
			r = zr
		} else {
			r = flate.NewReader(bytes.NewReader(raw))
		}
	default:
		return nil, fmt.Errorf("unsupported Content-Encoding %q (use gzip or deflate)", encoding)
	}
	out, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("body could not be decompressed: %w", err)
	}
	if int64(len(out)) > limit {
		return nil, errTooLarge
	}
	return out, nil
}
