// Package frontend is what people and tools see over HTTP: the /api/0/ JSON
// API, its authentication, the health endpoints, the one error-to-HTTP
// translation every route shares, and the dashboard page.
package frontend
