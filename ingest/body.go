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

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
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
	case "br":
		r = brotli.NewReader(bytes.NewReader(raw))
	case "zstd":
		// The decoder's window is capped so a hostile frame header cannot make
		// it allocate more than the limit allows.
		zr, err := zstd.NewReader(bytes.NewReader(raw), zstd.WithDecoderConcurrency(1),
			zstd.WithDecoderMaxWindow(uint64(max(limit, 1<<20))), zstd.WithDecoderMaxMemory(uint64(limit+1)))
		if err != nil {
			return nil, fmt.Errorf("body is not valid zstd: %w", err)
		}
		defer zr.Close()
		r = zr
	default:
		return nil, fmt.Errorf("unsupported Content-Encoding %q (use gzip, deflate, br or zstd)", encoding)
	}
	out, err := io.ReadAll(io.LimitReader(r, limit+1))
	if errors.Is(err, zstd.ErrDecoderSizeExceeded) || errors.Is(err, zstd.ErrWindowSizeExceeded) {
		return nil, errTooLarge
	}
	if err != nil {
		return nil, fmt.Errorf("body could not be decompressed: %w", err)
	}
	if int64(len(out)) > limit {
		return nil, errTooLarge
	}
	return out, nil
}
