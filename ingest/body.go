package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/andybalholm/brotli"
	"github.com/gofiber/fiber/v2"
	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
)

// errTooLarge is returned when a body grows past its limit while being read
// or decompressed.
var errTooLarge = errors.New("body too large")

// decode undoes Content-Encoding, reading at most limit bytes of output, so
// a decompression bomb costs only the time to inflate limit bytes.
func decode(raw []byte, encoding string, limit int64) ([]byte, error) {
	out, more, err := inflate(raw, encoding, limit, limit)
	if err == nil && more {
		return nil, errTooLarge
	}
	return out, err
}

// inflate undoes Content-Encoding and returns at most the first n bytes of
// the content, reporting whether more follows; it stops reading there, so
// a prefix of a bomb costs what n bytes cost. limit bounds the memory a
// decoder may take for its window (zstd's is declared by the frame).
// Decoders are reused across requests (see decoders.go): making a gzip or
// zstd decoder costs more than inflating a typical event.
func inflate(raw []byte, encoding string, n, limit int64) (out []byte, more bool, err error) {
	var r io.Reader
	hint := guessSize(raw, n)
	switch enc := strings.ToLower(strings.TrimSpace(encoding)); enc {
	case "", "identity":
		if int64(len(raw)) > n {
			return raw[:n], true, nil
		}
		return raw, false, nil
	case "gzip", "x-gzip":
		zr, err := getGzip(raw)
		defer putGzip(zr)
		if err != nil {
			return nil, false, fmt.Errorf("body is not valid gzip: %w", err)
		}
		r, hint = zr, gzipSize(raw, n)
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
		zr, err := getZstd(raw, limit)
		defer putZstd(zr)
		if err != nil {
			return nil, false, fmt.Errorf("body is not valid zstd: %w", err)
		}
		r = zr
	default:
		return nil, false, fmt.Errorf("unsupported Content-Encoding %q (use gzip, deflate, br or zstd)", encoding)
	}
	out, err = readUpTo(r, n+1, hint)
	if errors.Is(err, zstd.ErrDecoderSizeExceeded) || errors.Is(err, zstd.ErrWindowSizeExceeded) {
		return nil, false, errTooLarge
	}
	if err != nil {
		return nil, false, fmt.Errorf("body could not be decompressed: %w", err)
	}
	if int64(len(out)) > n {
		return out[:n], true, nil
	}
	return out, false, nil
}

// body reads the request body and undoes its Content-Encoding under the
// envelope limit (413 past it). fiber's own Body() would inflate without a
// limit.
func (h *Handler) body(c *fiber.Ctx) ([]byte, error) {
	body, _, err := h.ownBody(c)
	return body, err
}

// ownBody is body that also says whether the bytes are the handler's own,
// inflated into a buffer of its making, which recycleBody may take back
// once nothing refers to them; the request's own bytes are fasthttp's.
func (h *Handler) ownBody(c *fiber.Ctx) (body []byte, own bool, err error) {
	body, more, err := h.decompress(c, h.limits.MaxEnvelopeBytes)
	if err == nil && more {
		err = errTooLarge
	}
	if errors.Is(err, errTooLarge) {
		return nil, false, fiber.NewError(fiber.StatusRequestEntityTooLarge,
			fmt.Sprintf("body is larger than %d bytes once decompressed", h.limits.MaxEnvelopeBytes))
	}
	return body, err == nil && encoded(c.Get(fiber.HeaderContentEncoding)), err
}

// encoded reports a Content-Encoding that decompress inflates into a
// buffer of its own.
func encoded(encoding string) bool {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "", "identity":
		return false
	}
	return true
}

// decompress returns the first n bytes of the request body with its
// Content-Encoding undone, and whether more follows. Compressed bodies are
// inflated only within a turn of the decoding gate: a request that gets no
// turn within DecodeWait is answered 503 with Retry-After.
func (h *Handler) decompress(c *fiber.Ctx, n int64) ([]byte, bool, error) {
	encoding := c.Get(fiber.HeaderContentEncoding)
	if !encoded(encoding) {
		return inflate(c.BodyRaw(), encoding, n, h.limits.MaxEnvelopeBytes)
	}
	// A compressed body is inflated into a buffer of its own, so the
	// request's bytes are read in place rather than copied first, as
	// BodyRaw does under Immutable.
	raw := c.Request().Body()
	if !h.decoding.enter(c.UserContext()) {
		h.metrics.limitHits.WithLabelValues("decode_busy").Inc()
		c.Set(fiber.HeaderRetryAfter, "1")
		return nil, false, unavailable("too many requests are being decompressed at once; retry in 1 s")
	}
	defer h.decoding.leave()
	out, more, err := h.inflate(raw, encoding, n, h.limits.MaxEnvelopeBytes)
	if err != nil && !errors.Is(err, errTooLarge) {
		return nil, false, fiber.NewError(fiber.StatusBadRequest, err.Error())
	}
	return out, more, err
}
