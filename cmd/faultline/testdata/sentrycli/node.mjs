// Usage: node node.mjs DSN RELEASE BUILDDIR LABEL
// Starts @sentry/node, imports BUILDDIR/checkout.mjs (the minified Node.js
// build), lets it throw and exits 0 once the SDK has delivered the error,
// tagged harness=LABEL.
import path from "node:path";
import { pathToFileURL } from "node:url";
import * as Sentry from "@sentry/node";

const [dsn, release, buildDir, label] = process.argv.slice(2);
Sentry.init({ dsn, release, environment: "production", tracesSampleRate: 0, defaultIntegrations: false });
Sentry.setTag("harness", label);

const app = await import(pathToFileURL(path.join(buildDir, "checkout.mjs")).href);
app.startCheckout(async (error) => {
  Sentry.captureException(error);
  process.exit((await Sentry.flush(10000)) ? 0 : 1);
});
