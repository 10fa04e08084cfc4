package analytics

import (
	"reflect"
	"testing"
)

func TestSplitStatements(t *testing.T) {
	sql := "-- a comment\nCREATE TABLE a (x UInt8)\nENGINE = Memory;\n\n-- another\nCREATE TABLE b (y UInt8) ENGINE = Memory;\nSELECT 1"
	want := []string{"CREATE TABLE a (x UInt8)\nENGINE = Memory", "CREATE TABLE b (y UInt8) ENGINE = Memory", "SELECT 1"}
	if got := splitStatements(sql); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}
