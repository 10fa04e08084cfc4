package event

// substrings finds whether a text holds any of a set of patterns, reading
// the text once. A bit per two-byte pair says whether some pattern starts
// with it; only at such a place are the patterns with that first byte
// compared. The scrubbing pre-check runs it on every frame's variables
// and every context, where 24 separate substring searches cost about a
// microsecond per value.
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

// in reports whether text holds one of the patterns.
func (m *substrings) in(text []byte) bool {
	for i := 0; i+1 < len(text); i++ {
		pair := uint16(text[i])<<8 | uint16(text[i+1])
		if m.pairs[pair>>6]&(1<<(pair&63)) == 0 {
			continue
		}
		for _, p := range m.byFirst[text[i]] {
			if len(text)-i >= len(p) && string(text[i:i+len(p)]) == p {
				return true
			}
		}
	}
	return false
}
