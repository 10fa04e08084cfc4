// Package alerts is the alert rules domain behind the /api/0/ handlers:
// listing a project's rules, saving and deleting them, sending a rule's
// test notification and reading what fired. A rule is judged before it is
// stored: metadata.AlertRule.Validate checks its fields, and the service
// refuses recipients the server may not reach and email addresses that
// are not the organization's members'. The stores are reached through the
// few methods declared here.
package alerts
