package event

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// The regular expressions span descriptions were normalized with before
// the scanners in spandesc.go: the reference those must agree with.
var (
	refSQLString  = regexp.MustCompile(`'(?:[^']|'')*'`)
	refSQLNumber  = regexp.MustCompile(`\b-?\d+(?:\.\d+)?\b`)
	refSQLInList  = regexp.MustCompile(`(?i)\bIN\s*\((?:\s*(?:%s|\?|\$\d+)\s*,?)+\)`)
	refPathNumber = regexp.MustCompile(`/\d+(/|$|\?)`)
	refPathID     = regexp.MustCompile(`(?i)/(?:[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}|[0-9a-f]{16,})(/|$|\?)`)
	refQueryPart  = regexp.MustCompile(`\?.*$`)
)

func referenceNormalize(op, desc string) string {
	switch {
	case strings.HasPrefix(op, "db"):
		desc = refSQLString.ReplaceAllString(desc, "%s")
		var b strings.Builder
		last := 0
		for _, m := range refSQLNumber.FindAllStringIndex(desc, -1) {
			if m[0] > 0 && desc[m[0]-1] == '$' {
				continue
			}
			b.WriteString(desc[last:m[0]])
			b.WriteString("%s")
			last = m[1]
		}
		b.WriteString(desc[last:])
		desc = refSQLInList.ReplaceAllString(b.String(), "IN (%s)")
	case strings.HasPrefix(op, "http"):
		desc = refQueryPart.ReplaceAllString(desc, "")
		for _, re := range []*regexp.Regexp{refPathID, refPathNumber} {
			for re.MatchString(desc) {
				desc = re.ReplaceAllString(desc, "/*$1")
			}
		}
	case strings.HasPrefix(op, "cache"):
		desc = parameterize(desc)
	}
	return desc
}

// The cases where a one-pass scanner most easily parts from the regular
// expressions: escaped and unterminated quotes, signs and decimals at word
// edges, positional parameters, IN lists that almost match, ids next to
// each other and query strings on earlier lines.
var spanDescriptionEdges = []struct{ op, in string }{
	{"db", "SELECT * FROM orders WHERE id = 42 AND name = 'x''y'"},
	{"db", "SELECT 'a'' b"},
	{"db", "SELECT 'a'' b'' c"},
	{"db", "SELECT 'unterminated"},
	{"db", "x = '' AND y = ''''"},
	{"db", "'a''"},
	{"db", "x-5 = -5 AND 1.5x = 2.25 AND v2 = 3. AND 4.a AND _7 AND 8_"},
	{"db", "$1 $-5 $2.5 $ 12 a$3"},
	{"db", "-1"},
	{"db", "1.2.3 and 10.05"},
	{"db", "WHERE id IN (1, 2, 3) AND x in(?,?) AND y IN ( $1 , $2 ,) AND z IN (%s,,%s) AND JOIN (1)"},
	{"db", "IN (%s ,  )"},
	{"db", "IN ()"},
	{"db", "IN (%S, %ſ)"},
	{"db", "xIN (1) _IN (2) IN\n(3) IN\v(4)"},
	{"db", "IN (1) IN (2)"},
	{"db", "IN ('a', 'b''c', 3)"},
	{"db.sql.query", "UPDATE t SET v = $1 WHERE id = $2"},
	{"http.client", "GET https://api.example.com/users/123/orders/456?page=2"},
	{"http.client", "GET /items/0b3e5a1c-9f2d-4c1e-8a7b-6d5e4f3a2b1c"},
	{"http", "/1/2/3/ /a1/12a/ /0123456789abcdef/0123456789ABCDEF0/"},
	{"http", "/0b3e5a1c9f2d4c1e8a7b6d5e4f3a2b1c /0b3e5a1c-9f2d4c1e-8a7b-6d5e4f3a2b1c/x /0b3e5a1c-9f2d-4c1e-8a7b-6d5e4f3a2b1c-"},
	{"http", "GET /a/1?x=/2/\nPOST /b/3?y=1"},
	{"http", "GET /a/1\n/2?q"},
	{"http", "//12//"},
	{"http", "/"},
	{"cache.get", "orders:1234"},
	{"function", "render 12 rows"},
}

func TestScannersAgreeWithTheExpressions(t *testing.T) {
	for _, tc := range spanDescriptionEdges {
		if got, want := NormalizeSpanDescription(tc.op, tc.in), referenceNormalize(tc.op, tc.in); got != want {
			t.Errorf("%s %q → %q, the expressions give %q", tc.op, tc.in, got, want)
		}
	}
	// And on random text made of the characters that matter.
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "'' 0123456789-.$%sS?,()/INin\n\tabcdefABCDEF_x*"
	for range 200_000 {
		b := make([]byte, rng.IntN(24))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		for _, op := range []string{"db", "http"} {
			in := string(b)
			if got, want := NormalizeSpanDescription(op, in), referenceNormalize(op, in); got != want {
				t.Fatalf("%s %q → %q, the expressions give %q", op, in, got, want)
			}
		}
	}
}

func FuzzNormalizeSpanDescription(f *testing.F) {
	for _, tc := range spanDescriptionEdges {
		f.Add(tc.op, tc.in)
	}
	f.Fuzz(func(t *testing.T, op, in string) {
		if got, want := NormalizeSpanDescription(op, in), referenceNormalize(op, in); got != want {
			t.Errorf("%s %q → %q, the expressions give %q", op, in, got, want)
		}
	})
}
