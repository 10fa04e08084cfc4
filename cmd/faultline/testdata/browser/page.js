// Runs in the page: the unmodified @sentry/browser SDK, bundled by esbuild.
import * as Sentry from "@sentry/browser";

Sentry.init({ dsn: window.FAULTLINE_DSN, release: "web@1.0.0", environment: "test", defaultIntegrations: false });

function renderCart(cart) {
  return cart.items.length; // TypeError when cart is undefined
}

Sentry.setUser({ id: "browser-user-1" });
for (let i = 0; i < 2; i++) {
  try { renderCart(undefined); } catch (e) { Sentry.captureException(e); }
}
Sentry.captureMessage("browser checkout opened", "info");
Sentry.flush(10000).then((ok) => { window.__faultlineDone = ok ? "ok" : "flush failed"; });
