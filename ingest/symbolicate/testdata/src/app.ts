import { applyDiscount, LineItem } from "./cart";

function subtotal(items: LineItem[]): number {
  let sum = 0;
  for (const item of items) {
    sum += item.quantity * item.unitPrice;
  }
  return sum;
}

function priceOrder(items: LineItem[], coupon?: string): number {
  const total = subtotal(items);
  return applyDiscount(total, coupon);
}

function renderSummary(items: LineItem[], coupon?: string): string {
  const price = priceOrder(items, coupon);
  return `${items.length} items, ${price.toFixed(2)} EUR`;
}

function handleCheckout(form: { items: LineItem[]; coupon?: string }): string {
  return renderSummary(form.items, form.coupon);
}

function onSubmit(coupon: string): string {
  const items: LineItem[] = [
    { sku: "tea-01", quantity: 2, unitPrice: 4.5 },
    { sku: "mug-07", quantity: 1, unitPrice: 12 },
  ];
  return handleCheckout({ items, coupon });
}

function dispatch(action: string, payload: string): string {
  switch (action) {
    case "submit":
      return onSubmit(payload);
    default:
      return "ignored";
  }
}

function runQueue(actions: [string, string][]): string[] {
  return actions.map(([action, payload]) => dispatch(action, payload));
}

export function start(): string[] {
  return runQueue([
    ["noop", ""],
    ["submit", "BOGUS"],
  ]);
}
