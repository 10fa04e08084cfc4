package event

import "strings"

// splice builds a copy of s with some ranges replaced, in order, by the
// normalizing scanners (spandesc.go, params.go). Until a range is
// replaced nothing is copied, and String returns s itself: most text has
// nothing to replace.
type splice struct {
	s        string
	b        strings.Builder
	last     int // s[last:] is not yet written
	replaced bool
}

// replace writes what precedes s[from:to], then with in its place.
func (sp *splice) replace(from, to int, with string) {
	if !sp.replaced {
		sp.b.Grow(len(sp.s))
		sp.replaced = true
	}
	sp.b.WriteString(sp.s[sp.last:from])
	sp.b.WriteString(with)
	sp.last = to
}

func (sp *splice) String() string {
	if !sp.replaced {
		return sp.s
	}
	sp.b.WriteString(sp.s[sp.last:])
	return sp.b.String()
}
