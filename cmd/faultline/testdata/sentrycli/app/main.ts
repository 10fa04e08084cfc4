import { runCheckout, type Cart } from "./checkout";

const cart: Cart = {
  items: [{ sku: "mug", cents: 1200 }, { sku: "tea", cents: 850 }],
  coupon: "SPRING-26",
};

function processQueuedCheckout(report: (error: unknown) => void): void {
  try {
    runCheckout(cart);
  } catch (error) {
    report(error);
  }
}

// startCheckout runs the checkout as a promise reaction, so the stack holds
// the app's frames alone, named alike, whichever runtime (browser or
// Node.js) called it, and hands what it throws to report.
export function startCheckout(report: (error: unknown) => void): void {
  void Promise.resolve(report).then(processQueuedCheckout);
}
