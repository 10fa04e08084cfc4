// Package monitors is the uptime and cron monitors domain behind the
// /api/0/ handlers: listing an organization's monitors with their last
// day, one monitor with its checks and state changes, its uptime figures
// over a period, its cron runs, saving and deleting monitors, and
// recording heartbeats. Settings live in PostgreSQL and check results in
// ClickHouse; each is reached through the few methods declared here.
package monitors
