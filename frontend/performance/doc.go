// Package performance is the transactions domain behind the /api/0/
// handlers: per-name summaries of a project's transactions with their
// sparklines, one transaction name's figures, slowest samples and where
// its time goes, and one transaction's span waterfall. It reaches
// ClickHouse through the few methods it declares.
package performance
