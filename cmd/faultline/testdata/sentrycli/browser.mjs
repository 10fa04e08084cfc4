// Usage: node browser.mjs DSN RELEASE BUILDDIR LABEL [BUILDDIR LABEL ...]
// For each BUILDDIR, serves BUILDDIR/checkout.js (a minified browser build,
// never its map: the source map must come from Faultline) after a page that
// starts @sentry/browser, opens it in headless Chromium, lets the build throw
// and waits until the SDK has delivered the error, tagged harness=LABEL.
// A build is served at its path on disk (http://host/BUILDDIR/checkout.js),
// so its map's "../../app/*.ts" sources resolve to the same paths as the
// Node.js build's beside it, and both builds' frames name the same files.
import { readFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import { chromium } from "playwright-core";

const [dsn, release, ...pairs] = process.argv.slice(2);
const here = path.dirname(fileURLToPath(import.meta.url));

const sdk = await build({
  stdin: {
    contents: `import * as Sentry from "@sentry/browser";
Sentry.init({ dsn: window.FAULTLINE_DSN, release: window.FAULTLINE_RELEASE, environment: "production", defaultIntegrations: false });
Sentry.setTag("harness", window.FAULTLINE_LABEL);
window.faultlineReport = (error) => {
  Sentry.captureException(error);
  Sentry.flush(10000).then((ok) => { window.__faultlineDone = ok ? "ok" : "flush failed"; });
};`,
    resolveDir: here,
  },
  bundle: true, write: false, format: "iife", target: "es2020",
});
const files = { "/sdk.js": sdk.outputFiles[0].text };
const pages = {}; // "/page/N" → its HTML
for (let i = 0; i < pairs.length; i += 2) {
  const [buildDir, label] = [pairs[i], pairs[i + 1]];
  const bundleURL = pathToFileURL(path.join(path.resolve(buildDir), "checkout.js")).pathname;
  files[bundleURL] = readFileSync(path.join(buildDir, "checkout.js"), "utf8");
  pages[`/page/${i / 2}`] = `<!doctype html><html><head><title>checkout</title></head><body>
<script>window.FAULTLINE_DSN = ${JSON.stringify(dsn)}; window.FAULTLINE_RELEASE = ${JSON.stringify(release)};
window.FAULTLINE_LABEL = ${JSON.stringify(label)};</script>
<script src="/sdk.js"></script><script src="${bundleURL}"></script>
<script>checkoutApp.startCheckout(window.faultlineReport);</script></body></html>`;
}

const server = http.createServer((req, res) => {
  if (pages[req.url] !== undefined) { res.writeHead(200, { "content-type": "text/html" }); res.end(pages[req.url]); return; }
  if (files[req.url] !== undefined) {
    res.writeHead(200, { "content-type": "text/javascript" }); res.end(files[req.url]); return;
  }
  res.writeHead(404); res.end();
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run"],
});
let status = 0;
try {
  for (const url of Object.keys(pages)) {
    const page = await browser.newPage();
    const pageErrors = [];
    page.on("pageerror", (e) => pageErrors.push(String(e)));
    await page.goto(`http://127.0.0.1:${server.address().port}${url}`);
    await page.waitForFunction(() => window.__faultlineDone, null, { timeout: 20000 });
    const done = await page.evaluate(() => window.__faultlineDone);
    console.log(JSON.stringify({ url, done, pageErrors }));
    if (done !== "ok" || pageErrors.length > 0) status = 1;
    await page.close();
  }
} finally {
  await browser.close();
  server.close();
}
process.exit(status);
