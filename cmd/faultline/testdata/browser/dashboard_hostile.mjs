// Usage: node dashboard_hostile.mjs BASE_URL EMAIL PASSWORD ORG PROJECT ISSUE_ID RTL_FILENAME SCREENSHOT_DIR
// Opens an issue whose event (sent through the real ingest) carries
// hostile values, on a desktop and a phone screen, and checks the page
// holds them: no sideways scrolling, a bounded height, tag values inside
// their column, long frame lists folded, the right-to-left filename
// isolated. Prints "ok" or every check that failed.
import { launch, checks, logIn } from "./harness.mjs";
import { mkdirSync } from "node:fs";

const [base, email, password, org, project, issueID, rtlName, shots] = process.argv.slice(2);
mkdirSync(shots, { recursive: true });
const browser = await launch();

const { failures, check, expect } = checks();
const size = (page) => page.evaluate(() => ({ width: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight, inner: innerWidth }));
// The page's tallest parts, to name in a failure.
const tallest = (page) => page.evaluate(() => [...document.querySelectorAll(".detail > *, .facts > *")]
  .map((el) => [el.className || el.tagName, Math.round(el.getBoundingClientRect().height)]).sort((a, b) => b[1] - a[1]).slice(0, 4));

let status = 1;
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.setDefaultTimeout(20000); // a loaded 2-core machine renders slowly
  page.on("pageerror", (e) => failures.push("page error: " + String(e)));
  await logIn(page, base, email, password);

  for (const [name, viewport] of [["desktop", { width: 1440, height: 900 }], ["phone", { width: 390, height: 844 }]]) {
    await page.setViewportSize(viewport);
    await check(`the issue list fits the ${name} screen`, async () => {
      await page.goto(`${base}/app/${org}/${project}/issues`);
      await page.waitForSelector("ul.issues a.title");
      const s = await size(page);
      expect(s.width <= s.inner, `the list is ${s.width} px wide on a ${s.inner} px screen`);
      expect(await page.title() === `Issues · ${project} · Faultline`, "the tab is titled " + JSON.stringify(await page.title()));
    });

    await page.goto(`${base}/app/${org}/issues/${issueID}`);
    await page.waitForSelector(".frame.in-app");
    await page.waitForSelector(".facts .context");
    await page.waitForSelector(".tags .tag");
    await page.waitForSelector(".crumbs li");
    await check(`the issue fits the ${name} screen`, async () => {
      const s = await size(page);
      expect(s.width <= s.inner, `the page is ${s.width} px wide on a ${s.inner} px screen`);
      expect(s.height <= 6000, `the page is ${s.height} px tall; tallest parts ${JSON.stringify(await tallest(page))}`);
      await page.screenshot({ path: `${shots}/${name}-issue.png`, fullPage: true, timeout: 30000 }).catch(() => {});
    });
    await check(`the tab names the issue (${name})`, async () => {
      const title = await page.title();
      expect(/^[A-Z0-9-]+-\d+: Error: x+…? · /.test(title) && title.endsWith(` · ${project} · Faultline`) && title.length < 160,
        "the tab is titled " + JSON.stringify(title.slice(0, 200)));
    });
    await check(`long values fold behind show more (${name})`, async () => {
      expect(await page.locator("button.more:has-text('show more')").count() > 0, "no value is folded");
    });
    await check(`long tag values stay in their column (${name})`, async () => {
      const over = await page.evaluate(() => [...document.querySelectorAll(".tags .tag")]
        .filter((t) => t.scrollWidth > t.clientWidth + 1).map((t) => `${t.scrollWidth}>${t.clientWidth}`));
      expect(!over.length, "tag columns overflow: " + over.join(", "));
    });
    await check(`the right-to-left filename is isolated (${name})`, async () => {
      const found = await page.evaluate((file) => {
        const holders = [...document.querySelectorAll(".frame summary *")].filter((e) => e.textContent.includes(file));
        if (!holders.length) return "no frame shows the filename";
        // The innermost element holding the filename must isolate it
        // (unicode-bidi: isolate, as <bdi> does) and hold nothing else.
        const inner = holders.find((e) => ![...e.children].some((c) => c.textContent.includes(file)));
        return inner.textContent === file && getComputedStyle(inner).unicodeBidi === "isolate"
          ? "isolated" : `${inner.tagName} ${JSON.stringify(inner.textContent)} unicode-bidi: ${getComputedStyle(inner).unicodeBidi}`;
      }, rtlName);
      expect(found === "isolated", found);
    });
    await check(`200 frames show the crashing one, the rest on request (${name})`, async () => {
      const shown = await page.locator(".frame").count();
      expect(shown >= 2 && shown < 10, `${shown} frames shown`);
      expect(await page.locator(".frame.in-app summary:has-text('checkout')").count() === 1, "the in-app frame is not shown");
      const more = page.locator("button:has-text('more frames')");
      expect(/show \d+ more frames/.test(await more.textContent()), "no show-more-frames button");
      await more.click();
      await page.waitForFunction(() => document.querySelectorAll(".frame").length === 200);
      const s = await size(page);
      expect(s.width <= s.inner, `with every frame the page is ${s.width} px wide`);
    });
  }

  if (failures.length) console.error("failed:\n" + failures.join("\n"));
  else { console.log("ok"); status = 0; }
} catch (e) {
  console.error(String(e));
  if (failures.length) console.error("failed:\n" + failures.join("\n"));
} finally {
  await browser.close();
}
process.exit(status);
