// Usage: node webauthn.mjs BASE_URL EMAIL PASSWORD SCREENSHOT_DIR
// In headless Chromium with a virtual security key (the DevTools protocol's
// WebAuthn domain): logs in, adds the key on the account page, logs out,
// logs in with the password and the key and reaches the dashboard; then
// shows that the password step alone, or a forged answer for the key,
// gives no session.
import { launch } from "./harness.mjs";
import { mkdirSync } from "node:fs";

const [base, email, password, shots] = process.argv.slice(2);
mkdirSync(shots, { recursive: true });
const browser = await launch();
let status = 1;
let page;
try {
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: { protocol: "ctap2", transport: "usb", hasResidentKey: false, hasUserVerification: true,
      isUserVerified: true, automaticPresenceSimulation: true },
  });
  const me = () => page.evaluate(async () => { const r = await fetch("/api/0/"); return r.ok ? (await r.json()).user?.email : null; });
  const passwordStep = async () => {
    await page.goto(`${base}/app/`);
    await page.fill("input[name=email]", email);
    await page.fill("input[name=password]", password);
    await page.click("button[type=submit]");
  };

  // Log in with the password alone (no key yet), add a key.
  await passwordStep();
  await page.waitForSelector("h1:has-text('Projects')");
  await page.goto(`${base}/app/account`);
  await page.fill("input[aria-label='Security key name']", "Virtual key");
  await page.fill("input[aria-label='Current password for security keys']", password);
  await page.click("button:has-text('Add security key')");
  await page.waitForSelector(".security-keys li:has-text('Virtual key')");
  await page.waitForSelector("pre.recovery-codes");
  const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
  if (credentials.length !== 1) throw new Error(`the virtual key holds ${credentials.length} credentials, want 1`);
  await page.screenshot({ path: `${shots}/1-account-key-added.png`, fullPage: true });

  // Log out; the password now leads to the second step, without a session.
  await page.click("button:has-text('Log out')");
  await page.waitForSelector("input[name=email]");
  await passwordStep();
  const useKey = page.locator("button:has-text('Use security key')");
  await useKey.waitFor();
  await page.screenshot({ path: `${shots}/2-second-step.png`, fullPage: true });
  if (await me() !== null) throw new Error("the password step alone gave a session");

  // The key finishes the login.
  await useKey.click();
  await page.waitForSelector("h1:has-text('Projects')");
  await page.screenshot({ path: `${shots}/3-dashboard.png`, fullPage: true });
  if (await me() !== email) throw new Error(`after the key, signed in as ${await me()}, want ${email}`);
  const after = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
  if (!(after.credentials[0].signCount >= 1)) throw new Error(`the key signed nothing: ${JSON.stringify(after.credentials[0])}`);

  // A login whose second step is not the key's assertion gets no session:
  // the password step's token with a challenge signed by nobody.
  await page.click("button:has-text('Log out')");
  await page.waitForSelector("input[name=email]");
  const refused = await page.evaluate(async ([email, password]) => {
    const post = (path, body) => fetch("/api/0" + path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    const step = await (await post("/auth/login/", { email, password })).json();
    if (!step.loginToken) return "no login token: " + JSON.stringify(step);
    const options = await (await post("/auth/webauthn/begin/", { loginToken: step.loginToken })).json();
    const id = options.allowCredentials?.[0]?.id;
    const forged = await post("/auth/webauthn/finish/", { loginToken: step.loginToken, credential: {
      id, rawId: id, type: "public-key", response: { clientDataJSON: btoa(JSON.stringify({ type: "webauthn.get", challenge: options.challenge, origin: location.origin })).replace(/=+$/, ""),
        authenticatorData: "AAAA", signature: "AAAA" } } });
    const who = await fetch("/api/0/");
    return `finish ${forged.status}, then /api/0/ ${who.status}`;
  }, [email, password]);
  if (!/^finish 4\d\d, then \/api\/0\/ 401$/.test(refused)) throw new Error("a forged second step: " + refused);
  if (await me() !== null) throw new Error("a forged second step gave a session");
  if (errors.length) throw new Error("page errors: " + errors.join("; "));
  console.log("security key registered, used to log in as", email, "; forged second step refused:", refused);
  status = 0;
} catch (e) {
  console.error(String(e));
  await page?.screenshot({ path: `${shots}/failed.png`, fullPage: true }).catch(() => {});
} finally {
  await browser.close();
  process.exit(status);
}
