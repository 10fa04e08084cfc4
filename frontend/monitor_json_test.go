package frontend

import (
	"encoding/json"
	"testing"
)

func TestSeconds(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int // -1: an error
	}{
		{`60`, 60}, {`"60"`, 60}, {`59.9`, 59}, {`"00:01:30"`, 90}, {`"1:00:00"`, 3600}, {`null`, 10}, {``, 10},
		{`1e309`, -1}, {`"NaN"`, -1}, {`"Inf"`, -1}, {`1e300`, -1}, {`9223372036854775807`, -1}, {`-1e300`, -1},
		{`"2562047788015216:00:00"`, -1}, // hours whose seconds wrap int64
		{`"0:0:1e300"`, -1}, {`"a:b:c"`, -1}, {`"1:2"`, -1}, {`[]`, -1}, {`true`, -1},
	} {
		got, err := seconds(json.RawMessage(tc.in), 10)
		if tc.want < 0 {
			if err == nil {
				t.Errorf("seconds(%s) = %d, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("seconds(%s) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}
