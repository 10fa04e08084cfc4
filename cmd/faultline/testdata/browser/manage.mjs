// Usage: node manage.mjs BASE_URL INSECURE_BASE_URL EMAIL PASSWORD ORG PROJECT MEMBER_EMAIL SPARE_ORG SCREENSHOT_DIR
// Drives the management screens in headless Chromium as an owner would:
// creates a team and a project for it (and reads its DSN), renames the
// project and changes its Apdex threshold, invites someone, resends and
// revokes the invitation, puts a member in the team, changes a quota,
// reads the usage page, starts two-factor setup (a QR code) and turns it
// on with a code computed from the key shown, and deletes a project by
// typing its slug; renames a spare organization and deletes it. Then, on the same server reached by a name that is not
// a secure origin (plain http, no navigator.clipboard), copies a DSN.
// Every screen is also opened at 390x844, where nothing may overflow
// sideways. The Go test checks the results through the API.
import { launch, logIn } from "./harness.mjs";
import { mkdirSync } from "node:fs";
import { createHmac } from "node:crypto";

const [base, insecureBase, email, password, org, project, memberEmail, spareOrg, shots] = process.argv.slice(2);
mkdirSync(shots, { recursive: true });
const insecureHost = new URL(insecureBase).hostname;
const browser = await launch(`--host-resolver-rules=MAP ${insecureHost} 127.0.0.1`);
const errors = [];
const expect = (ok, what) => { if (!ok) throw new Error(what); };
let status = 1;
let step = "start";

// totp computes the current six-digit code of a base32 key (RFC 6238).
function totp(secret) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of secret.replace(/=+$/, "").toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 1000 / 30)));
  const h = createHmac("sha1", key).update(counter).digest();
  const o = h[h.length - 1] & 15;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1000000).padStart(6, "0");
}

async function login(page, at) {
  await logIn(page, at, email, password);
}

// title waits for the tab's title.
async function title(page, want) {
  await page.waitForFunction((w) => document.title === w, want, { timeout: 10000 }).catch(() => {});
  expect(await page.title() === want, `the tab is titled ${JSON.stringify(await page.title())}, want ${JSON.stringify(want)}`);
}

try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error" && !/status of (401|400|409|404)/.test(m.text())) errors.push(m.text()); });
  const shot = (name) => page.screenshot({ path: `${shots}/desktop-${name}.png`, fullPage: true });
  await login(page, base);

  step = "create a team";
  await page.goto(`${base}/app/${org}/settings/teams`);
  await title(page, `Teams · ${org} · Faultline`);
  await page.fill("input[aria-label='Team name']", "web");
  await page.click("button:has-text('Create team')");
  await page.waitForSelector("a:has-text('#web')");
  // A second team of the same name: the API's refusal shows by the form.
  await page.fill("input[aria-label='Team name']", "web");
  await page.click("button:has-text('Create team')");
  await page.waitForSelector("[role=alert]");
  await shot("1-teams");

  step = "create a project for the team";
  await page.goto(`${base}/app/${org}/`);
  await page.click("a:has-text('New project')");
  await page.waitForSelector("h1:has-text('New project')");
  await title(page, `New project · ${org} · Faultline`);
  await page.fill("input[aria-label='Project name']", "checkout-web");
  await page.selectOption("select[aria-label='Platform']", "javascript");
  await page.selectOption("select[aria-label='Team']", "web");
  await page.click("button:has-text('Create project')");
  const dsnField = page.locator("input[aria-label='DSN of the new project']");
  await dsnField.waitFor();
  const dsn = await dsnField.inputValue();
  expect(/^http:\/\/[0-9a-f]{32}@/.test(dsn), "the new project's DSN reads " + dsn);
  await shot("2-new-project");

  step = "rename the project and change its Apdex threshold";
  await page.goto(`${base}/app/${org}/checkout-web/settings`);
  await page.waitForSelector("form.general");
  await title(page, "Settings · checkout-web · Faultline");
  // A slug that is taken and a threshold that is not a number: the API's
  // messages show by the form.
  await page.fill("input[aria-label='Project slug']", project);
  await page.click("form.general button[type=submit]");
  await page.waitForSelector("form.general [role=alert]");
  await page.fill("input[aria-label='Project slug']", "checkout-store");
  await page.fill("input[aria-label='Apdex threshold']", "soon");
  await page.click("form.general button[type=submit]");
  await page.waitForSelector("form.general [role=alert]:has-text('apdexThreshold')");
  // While the change is under way its button is disabled.
  let release;
  const held = new Promise((r) => { release = r; });
  await page.route("**/api/0/projects/**", async (route) => {
    if (route.request().method() === "PUT") await held;
    await route.continue();
  });
  await page.fill("input[aria-label='Project name']", "Checkout storefront");
  await page.fill("input[aria-label='Apdex threshold']", "450");
  await page.click("form.general button[type=submit]");
  await page.waitForSelector("form.general button[type=submit][disabled]:has-text('Saving')");
  release();
  await page.waitForURL(`**/app/${org}/checkout-store/settings`);
  await page.unroute("**/api/0/projects/**");
  await page.waitForSelector("h1:has-text('checkout-store')");
  await page.waitForSelector("form.general");
  expect(await page.inputValue("input[aria-label='Apdex threshold']") === "450", "the threshold did not stay 450");
  await shot("3-project-settings");

  step = "invite, resend, revoke";
  await page.goto(`${base}/app/${org}/settings`);
  await title(page, `Organization settings · ${org} · Faultline`);
  await page.fill("input[aria-label='Email to invite']", "dana@example.com");
  await page.click("button:has-text('Invite')");
  await page.waitForSelector("input[aria-label='Invitation link']");
  const first = await page.inputValue("input[aria-label='Invitation link']");
  const invited = page.locator("li:has-text('dana@example.com')");
  await invited.waitFor();
  await invited.locator("button:has-text('Resend')").click();
  await page.waitForSelector("[role=status]:has-text('sent again')");
  const second = await page.inputValue("input[aria-label='Invitation link']");
  expect(second !== first && second.includes("/accept-invite/"), `the resent link ${second} (first ${first})`);
  await shot("4-invited");
  await invited.locator("button:has-text('Revoke')").click();
  await page.waitForSelector("[role=status]:has-text('revoked')");
  await page.waitForFunction(() => ![...document.querySelectorAll(".member-list li")].some((li) => li.textContent.includes("dana@example.com")));

  step = "put a member in the team";
  await page.goto(`${base}/app/${org}/settings/teams/web`);
  await title(page, `Team #web · ${org} · Faultline`);
  await page.waitForSelector(".team-projects li:has-text('checkout-store')");
  await page.selectOption("select[aria-label='Add a member to the team']", { label: memberEmail });
  await page.waitForSelector(`.team-members li:has-text(${JSON.stringify(memberEmail)})`);
  await page.fill("form.settings-form input[aria-label='Team name']", "Web crew");
  await page.click("form.settings-form button[type=submit]");
  await page.waitForSelector("form.settings-form [role=status]:has-text('Saved')");
  await shot("5-team");

  step = "usage and quotas";
  await page.goto(`${base}/app/${org}/settings/usage`);
  await title(page, `Usage & quotas · ${org} · Faultline`);
  await page.waitForSelector("tr[data-category=error] td[data-outcome=accepted]");
  const accepted = await page.textContent("tr[data-category=error] td[data-outcome=accepted]");
  expect(accepted === "1", "accepted errors in 30 days: " + accepted);
  await page.waitForSelector(".usage .chart svg");
  await page.fill("input[aria-label='Monthly quota of Errors']", "lots");
  await page.click("button:has-text('Save quotas')");
  await page.waitForSelector("form.quotas [role=alert]");
  await page.fill("input[aria-label='Monthly quota of Errors']", "5000");
  await page.click("button:has-text('Save quotas')");
  await page.waitForSelector("form.quotas [role=status]:has-text('Quotas saved')");
  await shot("6-usage");

  step = "delete a project by typing its slug";
  await page.goto(`${base}/app/${org}/projects/new`);
  await page.fill("input[aria-label='Project name']", "scratch");
  await page.selectOption("select[aria-label='Team']", "");
  await page.click("button:has-text('Create project')");
  await page.waitForSelector("input[aria-label='DSN of the new project']");
  await page.goto(`${base}/app/${org}/scratch/settings`);
  const del = page.locator(".danger-zone button[type=submit]");
  await del.waitFor();
  await page.fill("input[aria-label='Type scratch to confirm']", "scratc");
  expect(await del.isDisabled(), "delete is enabled before the slug is typed");
  await page.fill("input[aria-label='Type scratch to confirm']", "scratch");
  expect(!(await del.isDisabled()), "delete is disabled with the slug typed");
  await del.click();
  await page.waitForURL(`**/app/${org}/`);
  await page.waitForSelector("h1:has-text('Projects')");
  expect(await page.locator(".card:has-text('scratch')").count() === 0, "the deleted project is still listed");
  await shot("8-deleted");

  step = "rename and delete an organization";
  await page.goto(`${base}/app/${spareOrg}/settings`);
  await page.fill("input[aria-label='Organization name']", "Spare renamed");
  await page.fill("input[aria-label='Organization slug']", `${spareOrg}-renamed`);
  await page.click("form.settings-form button[type=submit]");
  await page.waitForURL(`**/app/${spareOrg}-renamed/settings`);
  await page.waitForFunction(() => document.querySelector("input[aria-label='Organization name']")?.value === "Spare renamed");
  const doom = page.locator(".danger-zone button[type=submit]");
  expect(await doom.isDisabled(), "deleting the organization is enabled before its slug is typed");
  await page.fill(`input[aria-label='Type ${spareOrg}-renamed to confirm']`, `${spareOrg}-renamed`);
  await doom.click();
  await page.waitForURL((u) => !u.pathname.includes(spareOrg) && u.pathname.startsWith("/app/"));
  await page.waitForSelector("h1:has-text('Projects')");

  step = "every screen at 390x844";
  const phone = page;
  await phone.setViewportSize({ width: 390, height: 844 });
  for (const [path, ready] of [[`/${org}/settings`, ".member-list li"], [`/${org}/settings/teams`, "a:has-text('#web')"],
    [`/${org}/settings/teams/web`, ".team-members li"], [`/${org}/settings/usage`, "form.quotas"], [`/${org}/projects/new`, "form.new-project"],
    [`/${org}/checkout-store/settings`, "form.general"], ["/account", "label:has-text('team:admin')"]]) {
    await phone.goto(`${base}/app${path}`);
    await phone.waitForSelector(ready);
    const wide = await phone.evaluate(() => document.documentElement.scrollWidth);
    await phone.screenshot({ path: `${shots}/phone-${path.replace(/\W+/g, "-")}.png`, fullPage: true });
    expect(wide <= 390, `${path} is ${wide}px wide on a 390px screen`);
  }
  await phone.setViewportSize({ width: 1280, height: 900 });

  step = "copy on plain http";
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const insecure = await context.newPage();
  insecure.on("pageerror", (e) => errors.push(String(e)));
  await login(insecure, insecureBase);
  await insecure.goto(`${insecureBase}/app/${org}/${project}/settings`);
  const field = insecure.locator("input[aria-label^='DSN of']").first();
  await field.waitFor();
  const plain = await insecure.evaluate(() => ({ secure: window.isSecureContext, clipboard: typeof navigator.clipboard }));
  expect(!plain.secure && plain.clipboard === "undefined", "the http page is a secure context: " + JSON.stringify(plain));
  const want = await field.inputValue();
  await insecure.locator(".keys button:has-text('Copy')").first().click();
  const said = insecure.locator(".keys .copy-said").first();
  await insecure.waitForFunction((el) => el.textContent !== "", await said.elementHandle());
  const text = await said.textContent();
  expect(text === "Copied" || /^Press (Ctrl\+C|⌘C)/.test(text), "after Copy the page says " + JSON.stringify(text));
  const selected = await insecure.evaluate(() => { const el = document.activeElement; return el && "value" in el ? el.value.slice(el.selectionStart, el.selectionEnd) : ""; });
  expect(selected === want, `after Copy the selection is ${JSON.stringify(selected)}, want the DSN`);
  // What the copy command put on the clipboard, read back from a page
  // that may read it.
  const reader = await browser.newContext();
  await reader.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
  const readPage = await reader.newPage();
  await readPage.goto(`${base}/app/login`);
  const pasted = await readPage.evaluate(() => navigator.clipboard.readText());
  expect(text !== "Copied" || pasted === want, `"Copied" was said but the clipboard holds ${JSON.stringify(pasted)}`);
  console.log("copy on http said", JSON.stringify(text), "; clipboard matches:", pasted === want);
  await insecure.screenshot({ path: `${shots}/desktop-9-copy-http.png`, fullPage: true });

  // Last, as logging in takes a code from then on.
  step = "two-factor setup";
  await page.goto(`${base}/app/account`);
  await title(page, "Account · Faultline");
  await page.waitForSelector("label:has-text('team:admin')");
  await page.click("button:has-text('Set up two-factor login')");
  await page.waitForSelector("svg.qr rect");
  const modules = await page.locator("svg.qr rect").count();
  expect(modules > 100, `the QR code has ${modules} rects`);
  await shot("7-two-factor");
  const secret = await page.inputValue("input[aria-label='Two-factor key']");
  // A wrong code: the API's refusal shows by the form.
  await page.fill("input[aria-label='Code']", totp(secret) === "000000" ? "111111" : "000000");
  await page.click("button:has-text('Turn on')");
  await page.waitForSelector("form:has(input[aria-label='Code']) [role=alert]");
  await page.fill("input[aria-label='Code']", totp(secret));
  await page.click("button:has-text('Turn on')");
  await page.waitForSelector("text=Two-factor login is on");


  expect(errors.length === 0, "page errors: " + errors.join("; "));
  status = 0;
} catch (e) {
  console.error(`${step}: ${e.stack || e}`);
  if (errors.length) console.error("page errors:", errors.join("\n"));
} finally {
  await browser.close();
}
process.exit(status);
