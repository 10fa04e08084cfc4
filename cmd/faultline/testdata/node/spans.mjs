// Usage: node spans.mjs DSN
// Sends one traced request with two child spans with the unmodified
// @sentry/node SDK and its default trace lifecycle (span streaming).
import * as Sentry from "@sentry/node";

const dsn = process.argv[2];
Sentry.init({ dsn, release: "node-shop@1.0.0", environment: "test", tracesSampleRate: 1, defaultIntegrations: false });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

await Sentry.startSpan({ name: "GET /checkout/:id", op: "http.server" }, async () => {
  await Sentry.startSpan({ name: "SELECT * FROM orders WHERE id = 42", op: "db.query" }, () => sleep(5));
  await Sentry.startSpan({ name: "orders:1234", op: "cache.get" }, () => sleep(2));
});
const ok = await Sentry.flush(10000);
process.exit(ok ? 0 : 1);
