// Package releases is the releases domain behind the /api/0/ handlers:
// listing an organization's or a project's releases (those created with
// sentry-cli or the API, merged with the versions its events name), one
// release with what it brought (first and last events, new issues,
// deploys, commits, files), and creating, changing and deleting releases,
// their deploys and their commits. Releases live in PostgreSQL and events
// in ClickHouse; each is reached through the few methods declared here.
package releases
