// Usage: node spans.mjs DSN [static]
// Sends one traced request with two child spans with the unmodified
// @sentry/node SDK: by default with its default trace lifecycle (span
// streaming, "span" items), with "static" as whole transactions.
import * as Sentry from "@sentry/node";

const [dsn, lifecycle] = process.argv.slice(2);
const options = { dsn, release: "node-shop@1.0.0", environment: "test", tracesSampleRate: 1, defaultIntegrations: false };
if (lifecycle === "static") options.traceLifecycle = "static";
Sentry.init(options);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

await Sentry.startSpan({ name: "GET /checkout/:id", op: "http.server" }, async () => {
  await Sentry.startSpan({ name: "SELECT * FROM orders WHERE id = 42", op: "db.query" }, () => sleep(5));
  await Sentry.startSpan({ name: "orders:1234", op: "cache.get" }, () => sleep(2));
});
const ok = await Sentry.flush(10000);
process.exit(ok ? 0 : 1);
