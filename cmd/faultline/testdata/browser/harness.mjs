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

// logIn signs in through the login page and waits for the projects
// screen it leads to.
export async function logIn(page, base, email, password) {
  await page.goto(`${base}/app/login`);
  await page.fill("input[name=email]", email);
  await page.fill("input[name=password]", password);
  await page.click("button[type=submit]");
  await page.waitForSelector("h1:has-text('Projects')");
}

// waitFor polls fn, which answers [done, what it saw], every 200 ms until
// it is done, or fails after ms with what, and what fn saw last.
export async function waitFor(what, fn, ms = 15000) {
  const end = Date.now() + ms;
  for (;;) {
    const [ok, got] = await fn();
    if (ok) return;
    if (Date.now() > end) throw new Error(`${what}: ${JSON.stringify(got)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
