package analytics_test

import (
	"strings"
	"testing"

	"github.com/faultline/faultline/analytics"
)

// The cluster DDL makes every table replicated on each node and
// distributed over the cluster; a single node keeps plain tables.
func TestClusterDDL(t *testing.T) {
	single, err := analytics.SchemaDDL("")
	if err != nil {
		t.Fatal(err)
	}
	cluster, err := analytics.SchemaDDL("faultline")
	if err != nil {
		t.Fatal(err)
	}
	tables := 0
	for _, stmt := range single {
		if strings.Contains(stmt, "Replicated") || strings.Contains(stmt, "ON CLUSTER") || strings.Contains(stmt, "Distributed") {
			t.Errorf("single-node DDL mentions a cluster: %s", stmt)
		}
		if strings.HasPrefix(stmt, "CREATE TABLE") || strings.HasPrefix(stmt, "ALTER TABLE") {
			tables++ // each becomes two statements: the local and the distributed table's
		}
	}
	if len(cluster) != len(single)+tables {
		t.Fatalf("%d cluster statements for %d single-node ones with %d tables", len(cluster), len(single), tables)
	}
	for _, table := range []string{"events", "transactions", "spans", "sessions", "check_ins", "outcomes", "monitor_checks"} {
		var local, dist string
		for _, stmt := range cluster {
			if strings.HasPrefix(stmt, "CREATE TABLE IF NOT EXISTS "+table+"_local ON CLUSTER faultline (") {
				local = stmt
			}
			if strings.HasPrefix(stmt, "CREATE TABLE IF NOT EXISTS "+table+" ON CLUSTER faultline AS "+table+"_local ENGINE = Distributed(faultline, currentDatabase(), "+table+"_local, cityHash64(") {
				dist = stmt
			}
		}
		if !strings.Contains(local, "ENGINE = Replicated") || !strings.Contains(local, "('/clickhouse/tables/{shard}/{database}/"+table+"_local', '{replica}')") ||
			!strings.Contains(local, "PARTITION BY") || !strings.Contains(local, "ORDER BY") {
			t.Errorf("%s: local table DDL %q", table, local)
		}
		if dist == "" {
			t.Errorf("%s: no Distributed table", table)
		}
	}
	alter, err := analytics.ClusterDDL("ALTER TABLE sessions ADD COLUMN seq UInt64", "faultline")
	if err != nil || len(alter) != 2 || alter[0] != "ALTER TABLE sessions_local ON CLUSTER faultline ADD COLUMN seq UInt64" ||
		alter[1] != "ALTER TABLE sessions ON CLUSTER faultline ADD COLUMN seq UInt64" {
		t.Errorf("cluster ALTER = %q, %v; want the local and the distributed table altered", alter, err)
	}
	if _, err := analytics.ClusterDDL("CREATE TABLE IF NOT EXISTS x (a UInt8) ENGINE = MergeTree() ORDER BY a", "bad name; DROP"); err == nil {
		t.Error("a cluster name with spaces and semicolons was accepted")
	}
}
