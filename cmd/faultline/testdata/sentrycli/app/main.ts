import { runCheckout, type Cart } from "./checkout";

const cart: Cart = {
  items: [{ sku: "mug", cents: 1200 }, { sku: "tea", cents: 850 }],
  coupon: "SPRING-26",
};

function checkoutOnTimer(report: (error: unknown) => void): void {
  try {
    runCheckout(cart);
  } catch (error) {
    report(error);
  }
}

// startCheckout runs the checkout from a timer, so the stack holds the app's
// frames alone whichever runtime (browser or Node.js) called it, and hands
// what it throws to report.
export function startCheckout(report: (error: unknown) => void): void {
  setTimeout(checkoutOnTimer, 0, report);
}
