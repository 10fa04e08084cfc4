// Usage: node send.mjs DSN
// Sends, with the unmodified @sentry/node SDK: a TypeError thrown by
// chargeCard three times, a handled Error from loadConfig twice, and a
// captured message; then flushes and exits 0 only if the SDK delivered them.
import * as Sentry from "@sentry/node";

const dsn = process.argv[2];
Sentry.init({ dsn, release: "node-shop@1.0.0", environment: "test", tracesSampleRate: 0, defaultIntegrations: false });

function chargeCard(order) {
  const card = undefined;
  return card.number + order; // TypeError
}

function loadConfig() {
  throw new Error("config file missing");
}

Sentry.setUser({ id: "node-user-1" });
for (let order = 0; order < 3; order++) {
  try { chargeCard(order); } catch (e) { Sentry.captureException(e); }
}
for (let i = 0; i < 2; i++) {
  try { loadConfig(); } catch (e) { Sentry.captureException(e); }
}
Sentry.captureMessage("node cache warmed up", "warning");
const ok = await Sentry.flush(10000);
process.exit(ok ? 0 : 1);
