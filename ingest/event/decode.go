package event

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"sync"
	"unsafe"

	"github.com/faultline/faultline/ingest/jsonscan"
)

// The wire structs are decoded by this package's own decoder rather than
// encoding/json's. json.Unmarshal validates the whole payload with a state
// function per byte, then decodes it with the same scanner, then scans each
// value a lenient leaf (text, list, ...) decodes once more to hand it its
// bytes; a list decoded its elements with a second json.Unmarshal that
// validated them again. Here the payload is validated once by jsonscan and
// then walked once: 58 % of a transaction's parse was encoding/json.
//
// It decodes as json.Unmarshal does, field for field (FuzzDecodeAsStdlib
// compares the two): names match exactly, then case-insensitively; the last
// of repeated names wins, decoding into what the earlier one left; a value
// of the wrong type leaves its field as it was, and null clears only
// pointers, slices and maps. The one difference is that a wrong type is
// never reported: every caller ignored json.UnmarshalTypeError.

// unmarshal decodes the JSON document b into v, a pointer to a wire struct.
func unmarshal(b []byte, v any) error {
	if !jsonscan.Valid(b) {
		// Only the refusal pays for encoding/json's wording of the error.
		var raw json.RawMessage
		if err := json.Unmarshal(b, &raw); err != nil {
			return err
		}
		return errors.New("invalid JSON")
	}
	return decodeValid(b, v)
}

// decode is unmarshal for a top-level payload, without the validity scan
// when m.Checked says ingest made it already: a worker then walks the
// payload once instead of twice (the scan was a sixth of a parse). The walk
// ends on any input, valid or not (FuzzDecodeChecked), and a malformed
// payload that crashes it is an error here, not a panic.
func (m Meta) decode(b []byte, v any) (err error) {
	if !m.Checked {
		return unmarshal(b, v)
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w (%v)", errMalformed, p)
		}
	}()
	return decodeValid(b, v)
}

// errMalformed is what a payload marked checked but not valid JSON gets.
var errMalformed = errors.New("payload marked as checked is not valid JSON")

// decodeValid is unmarshal for a document already known to be valid, such
// as the bytes encoding/json or this decoder hand a lenient leaf.
func decodeValid(b []byte, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		panic(fmt.Sprintf("event: decoding into %T, not a non-nil pointer", v))
	}
	_, err := decoderFor(rv.Type().Elem())(b, jsonscan.SkipSpace(b, 0), rv.Elem())
	return err
}

// A decodeFunc decodes the valid JSON value that starts at b[i] into v
// (addressable) and returns the index just after the value.
type decodeFunc func(b []byte, i int, v reflect.Value) (int, error)

// wireDecoder is implemented by leaves that decode straight from the
// document, without first being handed their bytes (see list).
type wireDecoder interface {
	decodeWire(b []byte, i int) (int, error)
}

var (
	decoders   sync.Map // reflect.Type → decodeFunc
	decodersMu sync.Mutex

	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	wireDecoderType = reflect.TypeFor[wireDecoder]()
	numberType      = reflect.TypeFor[json.Number]()
)

func decoderFor(t reflect.Type) decodeFunc {
	if f, ok := decoders.Load(t); ok {
		return f.(decodeFunc)
	}
	decodersMu.Lock()
	defer decodersMu.Unlock()
	return compileDecoder(t, map[reflect.Type]*decodeFunc{})
}

// compileDecoder builds t's decoder; building holds the types on the way
// down, so a recursive type refers to its own decoder.
func compileDecoder(t reflect.Type, building map[reflect.Type]*decodeFunc) decodeFunc {
	if f, ok := decoders.Load(t); ok {
		return f.(decodeFunc)
	}
	if f, ok := building[t]; ok {
		return func(b []byte, i int, v reflect.Value) (int, error) { return (*f)(b, i, v) }
	}
	f := new(decodeFunc)
	building[t] = f
	*f = newDecoder(t, building)
	decoders.Store(t, *f)
	return *f
}

func newDecoder(t reflect.Type, building map[reflect.Type]*decodeFunc) decodeFunc {
	if f, ok := leafDecoders[t]; ok {
		return f
	}
	if t.Kind() != reflect.Pointer {
		switch pt := reflect.PointerTo(t); {
		case pt.Implements(wireDecoderType):
			return func(b []byte, i int, v reflect.Value) (int, error) {
				return v.Addr().Interface().(wireDecoder).decodeWire(b, i)
			}
		case pt.Implements(unmarshalerType):
			return func(b []byte, i int, v reflect.Value) (int, error) {
				end := jsonscan.ValueEnd(b, i)
				return end, v.Addr().Interface().(json.Unmarshaler).UnmarshalJSON(b[i:end])
			}
		}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return pointerDecoder(t, compileDecoder(t.Elem(), building))
	case reflect.Struct:
		return structDecoder(t, building)
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			break // base64, which no wire struct holds
		}
		return sliceDecoder(t, compileDecoder(t.Elem(), building))
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			break
		}
		return mapDecoder(t, compileDecoder(t.Elem(), building))
	case reflect.String:
		return decodeString
	case reflect.Bool:
		return decodeBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return decodeInt
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return decodeUint
	case reflect.Float32, reflect.Float64:
		return decodeFloat
	case reflect.Interface:
		return decodeInterface
	}
	panic(fmt.Sprintf("event: no decoder for %s", t))
}

// leafDecoders decode the lenient leaves (lenient.go) by calling their
// UnmarshalJSON directly: the generic path's Addr, interface conversion
// and dynamic call cost more than decoding a short string, and an event
// holds hundreds of leaves (a frame has twelve).
var leafDecoders = map[reflect.Type]decodeFunc{
	reflect.TypeFor[text]():   decodeText,
	reflect.TypeFor[[]text](): decodeTextList,
	reflect.TypeFor[number](): leaf((*number).UnmarshalJSON),
	reflect.TypeFor[flag]():   leaf((*flag).UnmarshalJSON),
	reflect.TypeFor[object](): leaf((*object).UnmarshalJSON),
	reflect.TypeFor[when]():   leaf((*when).UnmarshalJSON),
}

func leaf[T any](unmarshal func(*T, []byte) error) decodeFunc {
	return func(b []byte, i int, v reflect.Value) (int, error) {
		end := jsonscan.ValueEnd(b, i)
		// v is addressable (see decodeFunc) and of type T.
		return end, unmarshal((*T)(unsafe.Pointer(v.UnsafeAddr())), b[i:end])
	}
}

func pointerDecoder(t reflect.Type, elem decodeFunc) decodeFunc {
	return func(b []byte, i int, v reflect.Value) (int, error) {
		if b[i] == 'n' {
			v.SetZero()
			return i + len("null"), nil
		}
		if v.IsNil() {
			v.Set(reflect.New(t.Elem()))
		}
		return elem(b, i, v.Elem())
	}
}

type structField struct {
	name  []byte
	index int
	dec   decodeFunc
}

func structDecoder(t reflect.Type, building map[reflect.Type]*decodeFunc) decodeFunc {
	var fields []structField
	for i := range t.NumField() {
		sf := t.Field(i)
		if sf.Anonymous {
			panic(fmt.Sprintf("event: embedded field %s in %s", sf.Name, t))
		}
		if !sf.IsExported() {
			continue
		}
		name, opts, _ := bytes.Cut([]byte(sf.Tag.Get("json")), []byte(","))
		if string(name) == "-" && len(opts) == 0 {
			continue
		}
		if bytes.Contains(opts, []byte("string")) {
			panic(fmt.Sprintf("event: the ,string option on %s.%s", t, sf.Name))
		}
		if len(name) == 0 {
			name = []byte(sf.Name)
		}
		fields = append(fields, structField{name: name, index: i, dec: compileDecoder(sf.Type, building)})
	}
	find := fieldFinder(fields)
	return func(b []byte, i int, v reflect.Value) (int, error) {
		if b[i] != '{' {
			return jsonscan.ValueEnd(b, i), nil // null, or the wrong type: left as it was
		}
		i = jsonscan.SkipSpace(b, i+1)
		if b[i] == '}' {
			return i + 1, nil
		}
		for {
			keyEnd := jsonscan.ValueEnd(b, i)
			key := b[i+1 : keyEnd-1]
			if bytes.IndexByte(key, '\\') >= 0 {
				key = []byte(unquote(b[i:keyEnd]))
			}
			i = jsonscan.SkipSpace(b, jsonscan.SkipSpace(b, keyEnd)+1) // past the colon
			if f := find(key); f != nil {
				var err error
				if i, err = f.dec(b, i, v.Field(f.index)); err != nil {
					return i, err
				}
			} else {
				i = jsonscan.ValueEnd(b, i)
			}
			if i = jsonscan.SkipSpace(b, i); b[i] == '}' {
				return i + 1, nil
			}
			i = jsonscan.SkipSpace(b, i+1) // past the comma
		}
	}
}

// fieldFinder finds the field a key names, as encoding/json does: the
// exact name, else one equal under Unicode case folding. A key is compared
// with the names of its length only, instead of hashed for a map. A key
// the struct does not have (most of a span's) skips the folding when it
// and every name are lower-case ASCII, as wire names are: no other
// spelling of it can then match.
func fieldFinder(fields []structField) func(key []byte) *structField {
	var byLen [][]int // name length → positions in fields
	allLower := true
	for at, f := range fields {
		for len(byLen) <= len(f.name) {
			byLen = append(byLen, nil)
		}
		byLen[len(f.name)] = append(byLen[len(f.name)], at)
		allLower = allLower && jsonscan.LowerASCII(f.name)
	}
	return func(key []byte) *structField {
		if len(key) < len(byLen) {
			for _, at := range byLen[len(key)] {
				if string(fields[at].name) == string(key) {
					return &fields[at]
				}
			}
		}
		if allLower && jsonscan.LowerASCII(key) {
			return nil
		}
		for at := range fields {
			if bytes.EqualFold(fields[at].name, key) {
				return &fields[at]
			}
		}
		return nil
	}
}

// sliceDecoder decodes arrays as encoding/json does: into the elements
// already there, growing or shortening the slice to fit; [] is an empty
// slice, not nil.
func sliceDecoder(t reflect.Type, elem decodeFunc) decodeFunc {
	// Scratch slices of t, kept between documents: an array is decoded
	// into one, then copied into a slice of its exact length. Counting the
	// elements first instead read every array twice, and a frame list or a
	// span list once more for each array it sits in.
	scratch := sync.Pool{New: func() any {
		s := reflect.New(t).Elem()
		return &s
	}}
	return func(b []byte, i int, v reflect.Value) (int, error) {
		switch b[i] {
		case 'n':
			v.SetZero()
			return i + len("null"), nil
		case '[':
		default:
			return jsonscan.ValueEnd(b, i), nil
		}
		if v.Cap() > 0 {
			// Decoding into elements already there, as encoding/json
			// does (a repeated name): rare, and done in place.
			return decodeInPlace(b, i, v, elem)
		}
		sp := scratch.Get().(*reflect.Value)
		s := *sp
		i = jsonscan.SkipSpace(b, i+1)
		n := 0
		for b[i] != ']' {
			if n >= s.Cap() {
				s.Grow(1)
			}
			s.SetLen(n + 1)
			start := i
			var err error
			if i, err = elem(b, i, s.Index(n)); err == nil && i == start {
				err = errMalformed // no value here: only a malformed payload stops a walk
			}
			if err != nil {
				putScratch(&scratch, sp, s)
				return i, err
			}
			n++
			if i = jsonscan.SkipSpace(b, i); b[i] == ',' {
				i = jsonscan.SkipSpace(b, i+1)
			}
		}
		if n == 0 {
			v.Set(reflect.MakeSlice(t, 0, 0)) // [] is an empty slice, not nil
		} else {
			v.Grow(n) // v is empty: one array of n elements
			v.SetLen(n)
			reflect.Copy(v, s)
		}
		putScratch(&scratch, sp, s)
		return i + 1, nil
	}
}

// putScratch empties a scratch slice, letting go of what its elements
// point to, and gives it back to its pool.
func putScratch(pool *sync.Pool, sp *reflect.Value, s reflect.Value) {
	s.Clear()
	s.SetLen(0)
	*sp = s
	pool.Put(sp)
}

// decodeInPlace decodes the array at b[i] into the slice v, reusing its
// elements and its backing array as far as they go.
func decodeInPlace(b []byte, i int, v reflect.Value, elem decodeFunc) (int, error) {
	i = jsonscan.SkipSpace(b, i+1)
	n := 0
	for b[i] != ']' {
		if n >= v.Cap() {
			v.Grow(1)
		}
		if n >= v.Len() {
			v.SetLen(n + 1)
		}
		start := i
		var err error
		if i, err = elem(b, i, v.Index(n)); err == nil && i == start {
			err = errMalformed
		}
		if err != nil {
			return i, err
		}
		n++
		if i = jsonscan.SkipSpace(b, i); b[i] == ',' {
			i = jsonscan.SkipSpace(b, i+1)
		}
	}
	if n < v.Len() {
		v.SetLen(n)
	}
	if n == 0 {
		v.Set(reflect.MakeSlice(v.Type(), 0, 0))
	}
	return i + 1, nil
}

func mapDecoder(t reflect.Type, elem decodeFunc) decodeFunc {
	return func(b []byte, i int, v reflect.Value) (int, error) {
		switch b[i] {
		case 'n':
			v.SetZero()
			return i + len("null"), nil
		case '{':
		default:
			return jsonscan.ValueEnd(b, i), nil
		}
		if v.IsNil() {
			v.Set(reflect.MakeMap(t))
		}
		i = jsonscan.SkipSpace(b, i+1)
		for b[i] != '}' {
			keyEnd := jsonscan.ValueEnd(b, i)
			key := reflect.ValueOf(unquote(b[i:keyEnd])).Convert(t.Key())
			i = jsonscan.SkipSpace(b, jsonscan.SkipSpace(b, keyEnd)+1)
			value := reflect.New(t.Elem()).Elem()
			var err error
			if i, err = elem(b, i, value); err != nil {
				return i, err
			}
			v.SetMapIndex(key, value)
			if i = jsonscan.SkipSpace(b, i); b[i] == ',' {
				i = jsonscan.SkipSpace(b, i+1)
			}
		}
		return i + 1, nil
	}
}

func decodeString(b []byte, i int, v reflect.Value) (int, error) {
	end := jsonscan.ValueEnd(b, i)
	switch c := b[i]; {
	case c == '"':
		s := unquote(b[i:end])
		if v.Type() == numberType && !isNumber([]byte(s)) {
			return end, fmt.Errorf("json: invalid number literal, trying to unmarshal %q into Number", b[i:end])
		}
		v.SetString(s)
	case (c == '-' || isDigit(c)) && v.Type() == numberType:
		v.SetString(string(b[i:end]))
	}
	return end, nil
}

func decodeBool(b []byte, i int, v reflect.Value) (int, error) {
	switch b[i] {
	case 't':
		v.SetBool(true)
	case 'f':
		v.SetBool(false)
	}
	return jsonscan.ValueEnd(b, i), nil
}

func decodeInt(b []byte, i int, v reflect.Value) (int, error) {
	end := jsonscan.ValueEnd(b, i)
	if c := b[i]; c == '-' || isDigit(c) {
		if n, err := strconv.ParseInt(string(b[i:end]), 10, 64); err == nil && !v.OverflowInt(n) {
			v.SetInt(n)
		}
	}
	return end, nil
}

func decodeUint(b []byte, i int, v reflect.Value) (int, error) {
	end := jsonscan.ValueEnd(b, i)
	if c := b[i]; c == '-' || isDigit(c) {
		if n, err := strconv.ParseUint(string(b[i:end]), 10, 64); err == nil && !v.OverflowUint(n) {
			v.SetUint(n)
		}
	}
	return end, nil
}

func decodeFloat(b []byte, i int, v reflect.Value) (int, error) {
	end := jsonscan.ValueEnd(b, i)
	if c := b[i]; c == '-' || isDigit(c) {
		if f, err := strconv.ParseFloat(string(b[i:end]), v.Type().Bits()); err == nil && !v.OverflowFloat(f) {
			v.SetFloat(f)
		}
	}
	return end, nil
}

// decodeInterface hands the rare untyped value to encoding/json.
func decodeInterface(b []byte, i int, v reflect.Value) (int, error) {
	end := jsonscan.ValueEnd(b, i)
	var ute *json.UnmarshalTypeError
	if err := json.Unmarshal(b[i:end], v.Addr().Interface()); err != nil && !errors.As(err, &ute) {
		return end, err
	}
	return end, nil
}

// isNumber reports whether s is a JSON number, as json.Number requires: a
// valid document that starts and ends as a number does is one number.
func isNumber(s []byte) bool {
	return len(s) > 0 && (s[0] == '-' || isDigit(s[0])) && isDigit(s[len(s)-1]) && jsonscan.Valid(s)
}
