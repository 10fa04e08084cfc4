// What every browser script here shares: Chromium started as the tests
// run it, and checks that collect failures instead of stopping at the
// first.
import { chromium } from "playwright-core";

// chromiumFlags are the flags a headless test browser needs here; extra
// flags (a host mapping, say) come after them.
export const chromiumFlags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--no-first-run"];

// launch starts Debian's Chromium, or the one CHROMIUM names.
export function launch(...extraFlags) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: [...chromiumFlags, ...extraFlags],
  });
}

// checks returns a list of failures, check (runs one named check and
// records its failure) and expect (fails a check with msg unless cond).
export function checks() {
  const failures = [];
  async function check(name, fn) {
    try { await fn(); } catch (e) { failures.push(`${name}: ${String(e).split("\n")[0]}`); }
  }
  function expect(cond, msg) { if (!cond) throw new Error(msg); }
  return { failures, check, expect };
}
