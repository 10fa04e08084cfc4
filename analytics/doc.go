// Package analytics owns Faultline's ClickHouse side: the schema, the batch
// writers and every query that counts, charts or searches over events. It is
// the only package that imports clickhouse-go.
//
// All SQL here must run on ClickHouse 18.16 (Debian's package) as well as on
// current releases: MergeTree-family engines with PARTITION BY / ORDER BY,
// DateTime plus a separate millisecond column, Nested columns for tags, no
// Map/JSON/DateTime64/LowCardinality/TTL/window functions, inserts that name
// their columns.
package analytics
