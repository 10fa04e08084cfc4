// Usage: node sessions.mjs DSN PLAN
// Runs one process per letter of PLAN, each a release-health session of
// the unmodified @sentry/node SDK (its default process session) for user
// u-<index>: "c" crashes with an uncaught error, "e" captures a handled
// error and exits, "o" just exits. Exits 0 only if every process ended as
// planned (a crashed one exits 1 after the SDK flushed).
//
// Run with SESSION_MODE=c|e|o and SESSION_USER set, it is one such process.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as Sentry from "@sentry/node";

const [dsn, plan] = process.argv.slice(2);

if (process.env.SESSION_MODE) {
  Sentry.init({ dsn, release: "node-health@1.0.0", environment: "test", tracesSampleRate: 0 });
  Sentry.setUser({ id: process.env.SESSION_USER });
  switch (process.env.SESSION_MODE) {
    case "c":
      setTimeout(() => { throw new Error("checkout crashed"); }, 10);
      break;
    case "e":
      Sentry.captureException(new Error("payment retried"));
      break;
  }
} else {
  const self = fileURLToPath(import.meta.url);
  const runs = [...plan].map((mode, i) => new Promise((resolve) => {
    const child = spawn(process.execPath, [self, dsn], {
      env: { ...process.env, SESSION_MODE: mode, SESSION_USER: `u-${i}` }, stdio: "inherit",
    });
    child.on("exit", (code) => resolve((code === 0) === (mode !== "c")));
  }));
  const asPlanned = await Promise.all(runs);
  process.exit(asPlanned.every(Boolean) ? 0 : 1);
}
