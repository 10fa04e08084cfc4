// Usage: node sso.mjs BASE_URL PROVIDER_NAME EMAIL SCREENSHOT_DIR
// Signs in to the dashboard in headless Chromium with the login page's
// "Sign in with <provider>" button: through the identity provider and back
// to the dashboard, whose session then answers /api/0/ as EMAIL.
import { launch } from "./harness.mjs";
import { mkdirSync } from "node:fs";

const [base, provider, email, shots] = process.argv.slice(2);
mkdirSync(shots, { recursive: true });
const browser = await launch();
let status = 1;
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${base}/app/`);
  const button = page.locator(`a:has-text(${JSON.stringify("Sign in with " + provider)})`);
  await button.waitFor();
  await page.screenshot({ path: `${shots}/1-login.png`, fullPage: true });
  await button.click();
  await page.waitForSelector("h1:has-text('Projects')");
  await page.screenshot({ path: `${shots}/2-dashboard.png`, fullPage: true });
  const me = await page.evaluate(async () => (await fetch("/api/0/")).json());
  if (me.user?.email !== email) throw new Error(`signed in as ${JSON.stringify(me.user)}, want ${email}`);
  if (errors.length) throw new Error("page errors: " + errors.join("; "));
  console.log("signed in with", provider, "as", email);
  status = 0;
} catch (e) {
  console.error(String(e));
} finally {
  await browser.close();
  process.exit(status);
}
