// Package issues is the issues domain behind the /api/0/ handlers:
// searching issues (PostgreSQL filters narrowed by ClickHouse's answers on
// events), reading one with its events, tags, counts and comments,
// changing their status and assignees, deleting and merging them.
// Handlers parse a request, call a service here and render its answer;
// the stores are reached through the few methods each service declares it
// needs.
package issues
