package event

// substrings finds whether a text, folded as foldKey folds keys, holds any
// of a set of patterns, reading the text once. A bit per two-byte pair says
// whether some pattern starts with it; only at such a place are the
// patterns with that first byte compared. The scrubbing pre-check runs it
// on every frame's variables and every context, where 24 separate
// substring searches cost about a microsecond per value.
type substrings struct {
	pairs   [1 << 16 / 64]uint64
	byFirst [256][]string
}

// newSubstrings matches the patterns of every list given; each pattern
// has two bytes or more.
func newSubstrings(lists ...[]string) *substrings {
	m := &substrings{}
	for _, list := range lists {
		for _, p := range list {
			if len(p) < 2 {
				panic("substrings: pattern " + p + " is shorter than two bytes")
			}
			pair := uint16(p[0])<<8 | uint16(p[1])
			m.pairs[pair>>6] |= 1 << (pair & 63)
			m.byFirst[p[0]] = append(m.byFirst[p[0]], p)
		}
	}
	return m
}

// in reports whether raw, folded as foldKey folds keys, holds one of the
// patterns. It folds as it reads, so that the scrubbing pre-check reads
// each value once and needs no buffer: folding into a stack buffer first
// took a third of the check, a fifth for clearing the buffer alone.
func (m *substrings) in(raw []byte) bool {
	r := foldReader{prev: -1}
	for i := range raw {
		if from, maybe := m.step(raw, i, &r); maybe && m.startsAt(raw[from:]) {
			return true
		}
	}
	return false
}

// foldReader is where a reading of in stands: the last folded byte (-1
// before the first), and where it is in raw.
type foldReader struct {
	prev   int16
	prevAt int
}

// step reads raw[i], raw[:i] having been read with r. It reports whether
// raw[from:] may start with a pattern, folded: the folded byte at from and
// the one read now are a pattern's first two; startsAt then tells. It is
// small enough to be inlined in the loops that read with it.
func (m *substrings) step(raw []byte, i int, r *foldReader) (from int, maybe bool) {
	c := folds[raw[i]]
	if c < 0 {
		return 0, false
	}
	from, maybe = r.prevAt, r.prev >= 0 && m.pairStarts(r.prev, c)
	r.prev, r.prevAt = c, i
	return from, maybe
}

// pairStarts reports whether some pattern starts with the folded bytes a, b.
func (m *substrings) pairStarts(a, b int16) bool {
	pair := uint16(a)<<8 | uint16(b)
	return m.pairs[pair>>6]&(1<<(pair&63)) != 0
}

// startsAt reports whether raw, folded, starts with a pattern.
func (m *substrings) startsAt(raw []byte) bool {
	first, _ := foldByte(raw[0])
	for _, p := range m.byFirst[first] {
		if hasFoldedPrefix(raw, p) {
			return true
		}
	}
	return false
}

// hasFoldedPrefix reports whether foldKey(raw) starts with p.
func hasFoldedPrefix(raw []byte, p string) bool {
	j := 0
	for i := 0; i < len(raw) && j < len(p); i++ {
		c, kept := foldByte(raw[i])
		if !kept {
			continue
		}
		if c != p[j] {
			return false
		}
		j++
	}
	return j == len(p)
}

// foldByte is how foldKey folds c: lower case, and not kept at all if it
// is '-' or '_'.
func foldByte(c byte) (folded byte, kept bool) {
	f := folds[c]
	return byte(f), f >= 0
}

// folds is foldByte's answer for every byte, -1 for one not kept: a
// lookup, where comparisons took a fifth of the pre-check.
var folds = func() (t [256]int16) {
	for c := range t {
		switch {
		case c == '-' || c == '_':
			t[c] = -1
		case 'A' <= c && c <= 'Z':
			t[c] = int16(c + 'a' - 'A')
		default:
			t[c] = int16(c)
		}
	}
	return t
}()
