package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportBoundaries keeps each driver in the package that owns it and the
// imports flowing one way (see the README's layout).
func TestImportBoundaries(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "github.com/faultline/faultline/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	const mod = "github.com/faultline/faultline/"
	owners := map[string]string{
		"github.com/ClickHouse/clickhouse-go": mod + "analytics",
		"github.com/jackc/pgx":                mod + "metadata",
		"github.com/pressly/goose":            mod + "metadata",
		"github.com/asynkron/protoactor-go":   mod + "actors",
		"github.com/twmb/franz-go":            mod + "ingest/queue",
	}
	forbidden := map[string][]string{
		mod + "ingest":    {mod + "metadata", mod + "analytics", mod + "actors", mod + "frontend"},
		mod + "metadata":  {mod + "analytics", mod + "actors", mod + "frontend", mod + "ingest"},
		mod + "analytics": {mod + "actors", mod + "frontend", mod + "ingest"},
		mod + "actors":    {mod + "frontend"},
		mod + "frontend":  {mod + "actors"},
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg, imports := fields[0], fields[1:]
		if strings.HasPrefix(pkg, mod+"cmd/") {
			continue // the binaries wire everything
		}
		for _, imp := range imports {
			for prefix, owner := range owners {
				if strings.HasPrefix(imp, prefix) && !strings.HasPrefix(pkg, owner) {
					t.Errorf("%s imports %s; only %s may", pkg, imp, owner)
				}
			}
			for from, bans := range forbidden {
				if pkg != from && !strings.HasPrefix(pkg, from+"/") {
					continue
				}
				for _, ban := range bans {
					if imp == ban || strings.HasPrefix(imp, ban+"/") {
						t.Errorf("%s imports %s, against the direction of the layers", pkg, imp)
					}
				}
			}
		}
	}
}
