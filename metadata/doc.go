// Package metadata owns Faultline's PostgreSQL state: users, organizations,
// projects, DSN keys, API tokens and issues (their aggregate state). It is the
// only package that imports pgx. Schema migrations are embedded SQL files
// applied with goose under PostgreSQL's advisory lock, so several processes
// may start at once.
package metadata
