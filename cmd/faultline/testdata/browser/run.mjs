// Usage: node run.mjs DSN
// Serves a page that uses @sentry/browser from its own origin (so requests to
// Faultline are cross-origin and CORS is exercised), opens it in headless
// Chromium and waits until the SDK has flushed its events.
import http from "node:http";
import { build } from "esbuild";
import { launch } from "./harness.mjs";

const dsn = process.argv[2];
const bundle = await build({
  entryPoints: [new URL("./page.js", import.meta.url).pathname],
  bundle: true, write: false, format: "iife", target: "es2020",
});
const js = bundle.outputFiles[0].text;
const html = `<!doctype html><html><head><title>shop</title></head><body>
<script>window.FAULTLINE_DSN = ${JSON.stringify(dsn)};</script><script src="/app.js"></script></body></html>`;

const server = http.createServer((req, res) => {
  if (req.url === "/app.js") { res.writeHead(200, { "content-type": "text/javascript" }); res.end(js); return; }
  res.writeHead(200, { "content-type": "text/html" }); res.end(html);
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const pageURL = `http://127.0.0.1:${server.address().port}/`;

const browser = await launch();
let status = 1;
try {
  const page = await browser.newPage();
  const consoleErrors = [];
  page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
  await page.goto(pageURL);
  await page.waitForFunction(() => window.__faultlineDone, null, { timeout: 20000 });
  const done = await page.evaluate(() => window.__faultlineDone);
  console.log(JSON.stringify({ done, consoleErrors }));
  status = done === "ok" && consoleErrors.length === 0 ? 0 : 1;
} finally {
  await browser.close();
  server.close();
}
process.exit(status);
