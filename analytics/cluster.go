package analytics

import (
	"fmt"
	"regexp"
	"strings"
)

// ClickHouse clusters: with FAULTLINE_CLICKHOUSE_CLUSTER set, each table of
// the migrations becomes a Replicated*MergeTree table `<name>_local` on
// every node (ON CLUSTER) and a Distributed table `<name>` over it, which
// Faultline reads and writes; rows are sharded by project (monitor checks
// by monitor). A single node keeps the plain MergeTree tables.

var (
	createTable = regexp.MustCompile(`(?s)^CREATE TABLE IF NOT EXISTS (\w+) \((.*)\) ENGINE = (\w*MergeTree)\(\)\s*(.*)$`)
	clusterName = regexp.MustCompile(`^[A-Za-z0-9_]+$`)
	alterTable  = regexp.MustCompile(`(?s)^ALTER TABLE (\w+) (.*)$`)
)

// shardKey is how a table's rows are spread over shards: all of a project's
// rows on one shard keeps its queries local.
func shardKey(table string) string {
	if table == "monitor_checks" {
		return "cityHash64(monitor_id)"
	}
	return "cityHash64(project_id)"
}

// ClusterDDL rewrites one migration statement for a cluster: a CREATE
// TABLE becomes the local and the Distributed table, an ALTER TABLE alters
// both; other statements pass unchanged.
func ClusterDDL(stmt, cluster string) ([]string, error) {
	if !clusterName.MatchString(cluster) {
		return nil, fmt.Errorf("cluster name %q: letters, digits and _ only", cluster)
	}
	if a := alterTable.FindStringSubmatch(strings.TrimSpace(stmt)); a != nil {
		table, change := a[1], a[2]
		return []string{
			fmt.Sprintf("ALTER TABLE %s_local ON CLUSTER %s %s", table, cluster, change),
			fmt.Sprintf("ALTER TABLE %s ON CLUSTER %s %s", table, cluster, change),
		}, nil
	}
	m := createTable.FindStringSubmatch(strings.TrimSpace(stmt))
	if m == nil {
		return []string{stmt}, nil
	}
	table, columns, engine, rest := m[1], m[2], m[3], m[4]
	local := table + "_local"
	return []string{
		fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s ON CLUSTER %s (%s) ENGINE = Replicated%s('/clickhouse/tables/{shard}/{database}/%s', '{replica}')\n%s",
			local, cluster, columns, engine, local, rest),
		fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s ON CLUSTER %s AS %s ENGINE = Distributed(%s, currentDatabase(), %s, %s)",
			table, cluster, local, cluster, local, shardKey(table)),
	}, nil
}

// SchemaDDL is every statement the migrations run, for a cluster when
// cluster is set: what `faultline migrate --print-clickhouse-ddl` shows.
func SchemaDDL(cluster string) ([]string, error) {
	migrations, err := loadMigrations()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range migrations {
		for _, stmt := range m.statements {
			if cluster == "" {
				out = append(out, stmt)
				continue
			}
			ddl, err := ClusterDDL(stmt, cluster)
			if err != nil {
				return nil, err
			}
			out = append(out, ddl...)
		}
	}
	return out, nil
}
