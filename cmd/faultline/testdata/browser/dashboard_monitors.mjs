// Usage: node dashboard_monitors.mjs BASE_URL EMAIL PASSWORD ORG UP_ID DOWN_ID HEARTBEAT_ID SCREENSHOT_DIR
// Opens an up monitor with a dozen checks, a monitor that never answered
// and a heartbeat monitor, and checks what each page shows of them.
// Prints "ok" or every check that failed.
import { launch, checks, logIn } from "./harness.mjs";
import { mkdirSync } from "node:fs";

const [base, email, password, org, upID, downID, beatID, shots] = process.argv.slice(2);
mkdirSync(shots, { recursive: true });
const browser = await launch();
const { failures, check, expect } = checks();
const figure = (page, name) => page.locator(`.figures div:has(dt:text-is("${name}")) dd`).textContent();

let status = 1;
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.setDefaultTimeout(20000);
  page.on("pageerror", (e) => failures.push("page error: " + String(e)));
  await logIn(page, base, email, password);

  await check("an up monitor with 12 checks draws its response times", async () => {
    await page.goto(`${base}/app/${org}/monitors/${upID}`);
    await page.waitForSelector(".monitor .chart svg");
    await page.waitForFunction(() => /\d+ ms/.test(document.querySelector(".figures")?.textContent || ""));
    // The series' marks: an empty chart has none.
    const drawn = await page.locator(".monitor .chart svg :is(.stroke, .dot)").count();
    expect(drawn > 0, `the chart has ${drawn} marks of the series`);
    expect(await figure(page, "Checks") === "12", "checks: " + await figure(page, "Checks"));
    const p50 = await figure(page, "p50");
    expect(/^1\d\d ms$/.test(p50), "p50: " + p50);
    expect(await page.title() === "Shop home · Monitors · Faultline", "the tab is titled " + await page.title());
    await page.screenshot({ path: `${shots}/up.png`, fullPage: true });
  });
  await check("a monitor that never answered has no response times", async () => {
    await page.goto(`${base}/app/${org}/monitors/${downID}`);
    await page.waitForFunction(() => document.querySelector(".figures")?.textContent.includes("12"));
    for (const name of ["p50", "p95"]) {
      const v = await figure(page, name);
      expect(v === "–" || v === "—", `${name}: ${v}`);
    }
    expect(await page.locator(".figures dd:has-text('0 ms')").count() === 0, "shows 0 ms");
    await page.screenshot({ path: `${shots}/down.png`, fullPage: true });
  });
  await check("a heartbeat shows its check-in history, not a response-time chart", async () => {
    await page.goto(`${base}/app/${org}/monitors/${beatID}`);
    await page.waitForSelector("h2:has-text('Check-in history')");
    expect(await page.locator("h2:has-text('Response time')").count() === 0, "a response-time heading");
    expect(await page.locator(".monitor .chart").count() === 0, "a chart");
    expect(await page.locator(".figures dt:has-text('p50')").count() === 0, "response-time percentiles");
    expect(await page.locator(".checkins li").count() === 3, "check-ins listed: " + await page.locator(".checkins li").count());
    expect(await page.locator(".checkins li:has-text('missed')").count() === 1, "the missed check-in is not marked");
    expect(await page.locator("text=0 ms").count() === 0, "shows 0 ms");
    await page.screenshot({ path: `${shots}/heartbeat.png`, fullPage: true });
  });
  await check("monitor pages fit a phone", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const id of [upID, downID, beatID]) {
      await page.goto(`${base}/app/${org}/monitors/${id}`);
      await page.waitForSelector(".figures dd");
      const s = await page.evaluate(() => ({ width: document.documentElement.scrollWidth, inner: innerWidth }));
      expect(s.width <= s.inner, `monitor ${id} is ${s.width} px wide on a ${s.inner} px screen`);
    }
  });

  if (failures.length) console.error("failed:\n" + failures.join("\n"));
  else { console.log("ok"); status = 0; }
} catch (e) {
  console.error(String(e));
  if (failures.length) console.error("failed:\n" + failures.join("\n"));
} finally {
  await browser.close();
}
process.exit(status);
