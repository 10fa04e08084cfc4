// Usage: node dashboard_a11y.mjs BASE_URL EMAIL PASSWORD ORG PROJECT ISSUE_ID MONITOR_ID SCREENSHOT_DIR
// Visits every screen of the dashboard on a desktop and a phone, in the
// light and the dark theme, and checks keyboard use, focus, tap targets,
// contrast (axe-core for text, computed colours for graphics) and charts.
// Prints "ok" or every check that failed.
import { launch, checks } from "./harness.mjs";
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";

const [base, email, password, org, project, issueID, monitorID, shots] = process.argv.slice(2);
mkdirSync(shots, { recursive: true });
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const browser = await launch();
const { failures, check, expect } = checks();

// The axe rules asserted: text contrast, landmarks, a way past the header,
// and names of controls, images and links.
const axeRules = ["color-contrast", "landmark-one-main", "bypass", "region", "button-name", "link-name", "label", "select-name",
  "image-alt", "svg-img-alt", "role-img-alt", "aria-allowed-attr", "aria-required-children", "aria-required-parent", "list", "listitem", "nested-interactive"];

const screens = [
  ["issues", `/${org}/${project}/issues`],
  ["issue", `/${org}/issues/${issueID}`],
  ["performance", `/${org}/${project}/performance`],
  ["transaction", `/${org}/${project}/performance/summary?transaction=${encodeURIComponent("GET /a11y")}`],
  ["waterfall", null], // found from the transaction's slowest sample
  ["releases", `/${org}/${project}/releases`],
  ["monitors", `/${org}/monitors`],
  ["monitor", `/${org}/monitors/${monitorID}`],
  ["alerts", `/${org}/${project}/alerts`],
  ["project-settings", `/${org}/${project}/settings`],
  ["org-settings", `/${org}/settings`],
  ["discover", `/${org}/discover`],
  ["audit", `/${org}/settings/audit-log`],
  ["usage", `/${org}/settings/usage`],
  ["account", `/account`],
];

// In the page: the contrast ratio of two CSS colours over the background
// behind an element, and the graphics to hold 3:1.
const pageHelpers = () => {
  const rgb = (c) => {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  };
  const lum = ({ r, g, b }) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const blend = (top, under) => ({ r: top.r * top.a + under.r * (1 - top.a), g: top.g * top.a + under.g * (1 - top.a), b: top.b * top.a + under.b * (1 - top.a), a: 1 });
  // backgroundOf is the opaque colour behind el: its ancestors' backgrounds
  // blended down to the page's.
  const backgroundOf = (el) => {
    const layers = [];
    for (let e = el.parentElement; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
    }
    let bg = layers.length && layers[layers.length - 1].a >= 1 ? layers.pop() : rgb(getComputedStyle(document.documentElement).backgroundColor) || { r: 255, g: 255, b: 255, a: 1 };
    if (bg.a < 1) bg = blend(bg, { r: 255, g: 255, b: 255, a: 1 });
    while (layers.length) bg = blend(layers.pop(), bg);
    return bg;
  };
  const visible = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== "hidden"; };
  return { rgb, ratio, blend, backgroundOf, visible };
};

// graphicsContrast lists the chart marks, status dots and bars, and input
// borders under 3:1 against what is behind them.
async function graphicsContrast(page) {
  return page.evaluate((helpers) => {
    const { rgb, ratio, blend, backgroundOf, visible } = eval(`(${helpers})()`);
    const bad = [];
    const mark = (el, prop, what) => {
      if (!visible(el)) return;
      const s = getComputedStyle(el);
      let c = rgb(s[prop]);
      if (!c || c.a === 0) return;
      const bg = backgroundOf(el);
      const op = parseFloat(s.opacity) * parseFloat(prop === "fill" ? s.fillOpacity : prop === "stroke" ? s.strokeOpacity : "1");
      c = blend({ ...c, a: c.a * op }, bg);
      const r = ratio(c, bg);
      if (r < 3) bad.push(`${what} ${s[prop]} on the background: ${r.toFixed(2)}:1`);
    };
    document.querySelectorAll(".plot .stroke, svg path[stroke]:not([stroke=none])").forEach((el) => mark(el, "stroke", "a chart line"));
    document.querySelectorAll(".plot .dot, .plot .bar-fill, svg.sparkline rect").forEach((el) => mark(el, "fill", "a chart mark"));
    document.querySelectorAll(".timeline .dot, .strip span:not(.bar-none)").forEach((el) => mark(el, "backgroundColor", "a status mark"));
    document.querySelectorAll("input:not([type=checkbox]):not([type=radio]):not([type=hidden]), select, textarea").forEach((el) => mark(el, "borderTopColor", `the border of ${el.getAttribute("aria-label") || el.name || el.tagName}`));
    // A canvas chart cannot be measured: it counts as a failure.
    document.querySelectorAll("main canvas").forEach(() => bad.push("a chart drawn on a canvas, whose marks cannot be read or measured"));
    return bad;
  }, pageHelpers.toString());
}

// chartLabels lists chart labels that stick out of their chart.
async function chartLabels(page) {
  return page.evaluate(() => {
    const bad = [];
    // A chart with axes must label them in text that can be measured (a
    // canvas's labels cannot be, and clipped ones went unnoticed).
    document.querySelectorAll("main .chart:not(.spark)").forEach((c) => {
      if (c.querySelector("canvas, svg") && !c.querySelector("svg text")) bad.push("a chart without measurable axis labels");
    });
    document.querySelectorAll("main svg").forEach((svg) => {
      const box = svg.getBoundingClientRect();
      svg.querySelectorAll("text").forEach((t) => {
        const r = t.getBoundingClientRect();
        if (r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5) {
          bad.push(`label ${JSON.stringify(t.textContent)} at ${Math.round(r.left - box.left)}..${Math.round(r.right - box.left)} of a ${Math.round(box.width)} px chart`);
        }
      });
    });
    return bad;
  });
}

// smallTargets lists the visible controls of the header, navigation,
// tables, lists of rows and pager smaller than 44x44 (a checkbox counts
// with the label around it).
async function smallTargets(page) {
  return page.evaluate(() => {
    const bad = [];
    const sel = ["header a", "header button", "header select", "nav a", "nav button", "nav [aria-current]", "table a", "table button", "table input",
      ".issues a", ".issues button", ".issues input", ".issue-head input", ".monitor-list a", ".monitor-list button", ".pager a", ".pager button", ".span-row", "main input[type=checkbox]"].join(", ");
    for (const el of document.querySelectorAll(sel)) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0 || getComputedStyle(el).visibility === "hidden") continue;
      const hit = el.matches("input[type=checkbox], input[type=radio]") ? (el.closest("label") || el).getBoundingClientRect() : r;
      if (hit.width < 43.5 || hit.height < 43.5) bad.push(`${el.tagName.toLowerCase()} ${JSON.stringify((el.textContent || el.getAttribute("aria-label") || "").trim().slice(0, 30))} is ${Math.round(hit.width)}x${Math.round(hit.height)}`);
    }
    return bad;
  });
}

async function axe(page) {
  if (!(await page.evaluate(() => !!window.axe))) await page.addScriptTag({ content: axeSource });
  const res = await page.evaluate((rules) => window.axe.run(document, { runOnly: { type: "rule", values: rules }, resultTypes: ["violations"] }), axeRules);
  return res.violations.map((v) => `${v.id} (${v.nodes.length}): ${v.nodes.slice(0, 3).map((n) => n.target.join(" ") + (n.any[0]?.message ? " — " + n.any[0].message : "")).join("; ")}`);
}

// settle waits for the screen's heading and for its data to come.
async function settle(page) {
  await page.waitForSelector("main h1", { timeout: 15000 });
  await page.waitForLoadState("networkidle").catch(() => {});
  await page.waitForFunction(() => !document.querySelector("main .loading"), null, { timeout: 10000 }).catch(() => {});
  await page.waitForTimeout(150);
}

let status = 1;
try {
  let waterfall = null;
  for (const [vw, vh, device] of [[1440, 900, "desktop"], [390, 844, "phone"]]) {
    for (const theme of ["light", "dark"]) {
      const ctx = await browser.newContext({ viewport: { width: vw, height: vh }, colorScheme: theme, hasTouch: device === "phone", isMobile: device === "phone",
        bypassCSP: true }); // axe-core goes in as an inline script
      const page = await ctx.newPage();
      page.setDefaultTimeout(20000);
      page.on("pageerror", (e) => failures.push(`${device} ${theme}: page error: ${String(e)}`));
      await page.goto(`${base}/app/login`);
      await page.fill("input[name=email]", email);
      await page.fill("input[name=password]", password);
      await page.click("button[type=submit]");
      await page.waitForSelector("main h1");
      if (!waterfall) {
        await page.goto(`${base}/app${screens[3][1]}`);
        await page.waitForSelector("table.samples td.name a");
        waterfall = (await page.getAttribute("table.samples td.name a", "href")).replace(/^\/app/, "");
      }
      for (const [name, path] of screens) {
        const at = `${device} ${theme} ${name}`;
        await page.goto(`${base}/app${path || waterfall}`);
        await check(`${at}: the screen shows`, () => settle(page));
        await page.screenshot({ path: `${shots}/${device}-${theme}-${name}.png`, fullPage: true });
        await check(`${at}: the skip link is the first stop of Tab and leads into the main region`, async () => {
          await page.evaluate(() => { document.activeElement?.blur(); window.scrollTo(0, 0); });
          await page.keyboard.press("Tab");
          const first = await page.evaluate(() => {
            const a = document.activeElement, r = a.getBoundingClientRect();
            return { text: a.textContent.trim(), shown: r.width > 0 && r.height > 0 && r.top >= 0 && r.bottom <= innerHeight };
          });
          expect(first.text === "Skip to content", `the first stop of Tab is ${JSON.stringify(first.text)}`);
          expect(first.shown, "the focused skip link is not on screen");
          await page.keyboard.press("Enter");
          const inMain = await page.evaluate(() => !!document.activeElement?.closest("main"));
          expect(inMain, "after the skip link, focus is outside the main region");
        });
        await check(`${at}: axe finds no violations`, async () => {
          const v = await axe(page);
          expect(v.length === 0, v.join(" | "));
        });
        await check(`${at}: graphics hold 3:1`, async () => {
          const bad = await graphicsContrast(page);
          expect(bad.length === 0, bad.slice(0, 5).join("; "));
        });
        await check(`${at}: chart labels lie inside their chart`, async () => {
          const bad = await chartLabels(page);
          expect(bad.length === 0, bad.slice(0, 5).join("; "));
        });
        if (device === "phone") {
          await check(`${at}: tap targets are 44x44`, async () => {
            const bad = await smallTargets(page);
            expect(bad.length === 0, bad.slice(0, 6).join("; ") + (bad.length > 6 ? ` and ${bad.length - 6} more` : ""));
          });
        }
      }

      await check(`${device} ${theme}: the focus ring holds 3:1`, async () => {
        await page.goto(`${base}/app/${org}/monitors`);
        await settle(page);
        await page.focus("header a.brand");
        await page.keyboard.press("Tab");
        const r = await page.evaluate((helpers) => {
          const { rgb, ratio, backgroundOf } = eval(`(${helpers})()`);
          const el = document.activeElement, s = getComputedStyle(el);
          if (s.outlineStyle === "none" || parseFloat(s.outlineWidth) < 1) return { ratio: 0, what: `${el.tagName} has no outline` };
          const c = rgb(s.outlineColor);
          return { ratio: c ? ratio(c, backgroundOf(el)) : 0, what: `${el.tagName} outline ${s.outlineColor} ${s.outlineStyle}` };
        }, pageHelpers.toString());
        expect(r.ratio >= 3, `${r.what}: ${r.ratio.toFixed(2)}:1`);
      });

      await check(`${device} ${theme}: after navigating, focus is on the new screen's heading`, async () => {
        await page.goto(`${base}/app/${org}/${project}/issues`);
        await settle(page);
        for (const [link, want] of [[`header a:has-text("Monitors")`, "Monitors"], [`header a:has-text("Discover")`, "Discover"], [`header a:has-text("Organization")`, "Organization"]]) {
          await page.click(link);
          await page.waitForFunction((w) => document.querySelector("main h1")?.textContent.includes(w), want);
          await page.waitForFunction(() => document.activeElement?.tagName === "H1", null, { timeout: 5000 }).catch(() => {});
          const focused = await page.evaluate(() => ({ tag: document.activeElement?.tagName, text: document.activeElement?.textContent.slice(0, 40), inMain: !!document.activeElement?.closest("main") }));
          expect(focused.tag === "H1" && focused.inMain, `after ${link}, focus is on ${focused.tag} ${JSON.stringify(focused.text)}`);
        }
        await page.goto(`${base}/app/${org}/${project}/issues`);
        await settle(page);
        await page.click(`nav.project-nav a:has-text("Performance")`);
        await page.waitForFunction(() => location.pathname.endsWith("/performance"));
        await page.waitForFunction(() => document.activeElement?.tagName === "H1", null, { timeout: 5000 }).catch(() => {});
        expect(await page.evaluate(() => document.activeElement?.tagName) === "H1", "after the project's Performance link, focus is not on the heading");
      });

      await check(`${device} ${theme}: waterfall rows open with the keyboard`, async () => {
        await page.goto(`${base}/app${waterfall}`);
        await settle(page);
        await page.focus("main h1 a");
        let onRow = false;
        for (let i = 0; i < 8 && !onRow; i++) {
          await page.keyboard.press("Tab");
          onRow = await page.evaluate(() => !!document.activeElement?.closest(".spans") && document.activeElement !== document.body);
        }
        expect(onRow, "Tab never reaches a span row");
        const ring = await page.evaluate(() => { const s = getComputedStyle(document.activeElement); return s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 1; });
        expect(ring, "the focused span row shows no focus ring");
        await page.keyboard.press("Enter");
        await page.waitForSelector(".span-detail", { timeout: 3000 }).catch(() => {});
        expect(await page.locator(".span-detail").count() === 1, "Enter does not open the span's details");
        expect(await page.evaluate(() => document.activeElement?.getAttribute("aria-expanded")) === "true", "the row does not say it is expanded");
        await page.keyboard.press("Space");
        await page.waitForTimeout(100);
        expect(await page.locator(".span-detail").count() === 0, "Space does not close the span's details");
      });

      await check(`${device} ${theme}: the monitor's hours without checks are a gap, its lone check a dot`, async () => {
        await page.goto(`${base}/app/${org}/monitors/${monitorID}`);
        await settle(page);
        const r = await page.evaluate(() => {
          const svg = document.querySelector(".monitor .chart svg");
          if (!svg) return { error: "no SVG chart" };
          const axis = svg.querySelector(".axis");
          const zero = axis ? parseFloat(axis.getAttribute("y1")) : NaN;
          const ys = [...svg.querySelectorAll(".stroke")].flatMap((p) => [...p.getAttribute("d").matchAll(/[ML]([\d.]+) ([\d.]+)/g)].map((m) => +m[2]));
          ys.push(...[...svg.querySelectorAll(".dot")].map((c) => +c.getAttribute("cy")));
          const top = Math.min(...[...svg.querySelectorAll(".grid")].map((g) => parseFloat(g.getAttribute("y1"))));
          return { zero, above: ys.filter((y) => y < top - 0.5).length, atZero: ys.filter((y) => Math.abs(y - zero) < 1).length, lines: svg.querySelectorAll(".stroke").length,
            lone: [...svg.querySelectorAll(".dot")].filter((c) => +c.getAttribute("r") >= 4).length, points: ys.length };
        });
        expect(!r.error, r.error);
        expect(r.points > 0, "the chart has no points");
        expect(r.atZero === 0, `${r.atZero} points are drawn at zero`);
        expect(r.above === 0, `${r.above} points lie above the y axis's highest tick`);
        expect(r.lines === 1, `${r.lines} line segments, want 1 (the last three hours)`);
        expect(r.lone === 1, `${r.lone} lone dots, want 1 (20 hours ago)`);
      });

      await check(`${device} ${theme}: Discover charts one unit per chart`, async () => {
        await page.goto(`${base}/app/${org}/discover`);
        await settle(page);
        await page.waitForSelector(".discover .chart svg", { timeout: 10000 }).catch(() => {});
        const charts = await page.evaluate(() => [...document.querySelectorAll(".discover .chart")].map((c) => [...c.querySelectorAll(".legend li")].map((l) => l.textContent.trim())));
        expect(charts.length === 2, `${charts.length} charts for count() and p95(): ${JSON.stringify(charts)}`);
        for (const labels of charts) expect(new Set(labels.map((l) => /^p\d\d\(/.test(l))).size === 1, `one chart mixes units: ${labels.join(", ")}`);
      });
      await ctx.close();
    }
  }
  if (failures.length) console.log(failures.join("\n"));
  else { console.log("ok"); status = 0; }
} catch (e) {
  console.log("error:", e);
  if (failures.length) console.log(failures.join("\n"));
} finally {
  await browser.close();
}
process.exit(status);
