package ingest

import (
	"bytes"
	"encoding/binary"
	"io"
	"math/bits"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Decoders are pooled: a new gzip reader allocates its Huffman tables and
// a 32 KiB window, and a new zstd decoder far more, which for a 2–3 KiB
// event costs more than the inflating itself. A decoder is reset onto each
// body and given back with its reference to the body dropped.
var (
	gzipDecoders = sync.Pool{New: func() any { return new(gzipDecoder) }}
	zstdDecoders = sync.Pool{New: func() any { return newZstdDecoder() }}
)

type gzipDecoder struct {
	src bytes.Reader
	gzip.Reader
}

// getGzip returns a pooled gzip reader of raw; put it back with putGzip,
// also when its header could not be read.
func getGzip(raw []byte) (*gzipDecoder, error) {
	d := gzipDecoders.Get().(*gzipDecoder)
	d.src.Reset(raw)
	return d, d.Reset(&d.src)
}

func putGzip(d *gzipDecoder) {
	d.src.Reset(nil)
	gzipDecoders.Put(d)
}

type zstdDecoder struct {
	src bytes.Reader
	*zstd.Decoder
}

// newZstdDecoder makes a decoder that decodes on the caller's goroutine
// (concurrency 1 starts none), so a pooled decoder that is dropped leaks
// nothing.
func newZstdDecoder() *zstdDecoder {
	d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1))
	if err != nil {
		panic("zstd decoder options are invalid: " + err.Error()) // fixed options; cannot happen
	}
	return &zstdDecoder{Decoder: d}
}

// getZstd returns a pooled zstd reader of raw whose window and decoded size
// are capped by limit, so a hostile frame header cannot make it allocate
// more than the limit allows; put it back with putZstd.
func getZstd(raw []byte, limit int64) (*zstdDecoder, error) {
	d := zstdDecoders.Get().(*zstdDecoder)
	d.src.Reset(raw)
	return d, d.ResetWithOptions(&d.src,
		zstd.WithDecoderMaxWindow(uint64(max(limit, 1<<20))), zstd.WithDecoderMaxMemory(uint64(limit+1)))
}

func putZstd(d *zstdDecoder) {
	_ = d.Decoder.Reset(nil)
	d.src.Reset(nil)
	zstdDecoders.Put(d)
}

// maxDeflateRatio is the most deflate can expand its input: 258 bytes from
// a 2-bit code, about 1032:1.
const maxDeflateRatio = 1032

// gzipSize is how large raw's content probably is, at most n: its trailer
// states the size of its last member, which is the whole content for the
// single member SDKs send. The trailer is the sender's word, so it is
// believed only up to what raw could hold; a body of several members is
// larger than it says and grows as it is read.
func gzipSize(raw []byte, n int64) int64 {
	if len(raw) < 18 { // a 10-byte header, an empty block, an 8-byte trailer
		return guessSize(raw, n)
	}
	stated := int64(binary.LittleEndian.Uint32(raw[len(raw)-4:]))
	return min(stated, n, int64(len(raw))*maxDeflateRatio)
}

// guessSize is a first guess at how large compressed JSON inflates, at
// most n: about 4 times, which is less than JSON usually shrinks.
func guessSize(raw []byte, n int64) int64 {
	return min(int64(len(raw))*4, n)
}

// readUpTo reads r to its end or until it has read most bytes,
// into a buffer sized for hint bytes first (io.ReadAll would start at 512
// and copy its way up). A hint of the exact size costs one allocation, or
// none when a recycled buffer of its size class is free (bodyBuffer).
func readUpTo(r io.Reader, most, hint int64) ([]byte, error) {
	// One byte past the hint, so that reading the end of a body that is
	// exactly as large as hinted needs no larger buffer.
	buf := bodyBuffer(min(max(hint+1, 512), most))
	for {
		room := min(int64(cap(buf)), most) // a recycled buffer may hold more
		if int64(len(buf)) == room {
			if room >= most {
				return buf, nil
			}
			grown := make([]byte, len(buf), min(2*int64(cap(buf)), most))
			copy(grown, buf)
			buf = grown
			continue
		}
		k, err := r.Read(buf[len(buf):room])
		buf = buf[:len(buf)+k]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// Inflated bodies are recycled by size class, a power of two from 4 KiB to
// 256 KiB: the buffers made for them were a seventh of the bytes a
// saturated server allocated, and so of what its collector ran for. Only
// the envelope endpoint gives its body back (recycleBody), and only once
// every record made from it was acknowledged by the broker.
const (
	minBodyClass = 12
	maxBodyClass = 18
)

var bodyBuffers [maxBodyClass + 1]sync.Pool

// bodyBuffer is an empty buffer with room for size bytes: recycled when
// one of size's class is free, made otherwise. Past the largest class it
// is made to measure.
func bodyBuffer(size int64) []byte {
	class := max(bits.Len64(uint64(size-1)), minBodyClass)
	if class > maxBodyClass {
		return make([]byte, 0, size)
	}
	if b, ok := bodyBuffers[class].Get().(*[]byte); ok {
		return (*b)[:0]
	}
	return make([]byte, 0, 1<<class)
}

// recycleBody gives back a buffer bodyBuffer made, for another request to
// fill. Nothing may read or keep b afterwards: the caller must know that
// no record, message or blob still refers to it. Buffers of other
// capacities (made to measure, or grown) are left to the collector.
func recycleBody(b []byte) {
	class := bits.Len64(uint64(cap(b))) - 1
	if class < minBodyClass || class > maxBodyClass || cap(b) != 1<<class {
		return
	}
	b = b[:0]
	bodyBuffers[class].Put(&b)
}
