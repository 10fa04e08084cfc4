// Usage: node dashboard_audit.mjs BASE_URL OWNER_EMAIL MEMBER_EMAIL PASSWORD ORG SCREENSHOT_DIR
// Opens the audit log from the organization settings as an owner, checks
// its rows and its event filter, then opens it as a member, who is told
// only owners and managers may read it. Prints "ok" or every check that
// failed.
import { launch, checks, logIn } from "./harness.mjs";
import { mkdirSync } from "node:fs";

const [base, ownerEmail, memberEmail, password, org, shots] = process.argv.slice(2);
mkdirSync(shots, { recursive: true });
const browser = await launch();
const { failures, check, expect } = checks();

async function login(email) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(20000);
  page.on("pageerror", (e) => failures.push("page error: " + String(e)));
  await logIn(page, base, email, password);
  return page;
}

let status = 1;
try {
  const owner = await login(ownerEmail);
  await check("organization settings link to the audit log, which lists the changes", async () => {
    await owner.goto(`${base}/app/${org}/settings`);
    await owner.click("a:has-text('Audit log')");
    await owner.waitForSelector("table.audit tbody tr");
    expect(owner.url().endsWith(`/app/${org}/settings/audit-log`), "address " + owner.url());
    const text = await owner.locator("table.audit").textContent();
    for (const want of ["member.login", "team.create", "org.edit", ownerEmail, "127.0.0.1"]) {
      expect(text.includes(want), `the table lacks ${want}: ${text.slice(0, 300)}`);
    }
    await owner.screenshot({ path: `${shots}/audit-owner.png`, fullPage: true });
  });
  await check("the event filter keeps that event's rows only", async () => {
    await owner.selectOption("select[aria-label=Event]", "team.create");
    await owner.waitForFunction(() => {
      const events = [...document.querySelectorAll("table.audit tbody tr td:nth-child(3)")];
      return events.length > 0 && events.every((td) => td.textContent === "team.create");
    });
    const rows = await owner.locator("table.audit tbody tr").count();
    expect(rows === 1, `${rows} rows for team.create`);
    const target = await owner.locator("table.audit tbody tr td:nth-child(4)").textContent();
    expect(target === "audited-team", "target " + target);
  });
  const member = await login(memberEmail);
  await check("a member is told only owners and managers may read it", async () => {
    await member.goto(`${base}/app/${org}/settings/audit-log`);
    await member.waitForSelector("text=Only the organization's owners and managers may read its audit log.");
    expect(await member.locator("table.audit").count() === 0, "a member sees the table");
  });
  status = failures.length ? 1 : 0;
} catch (e) {
  failures.push(String(e));
} finally {
  await browser.close();
}
console.log(failures.length ? failures.join("\n") : "ok");
process.exit(failures.length ? 1 : status);
