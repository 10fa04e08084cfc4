import { CouponExpiredError } from "./errors";

export interface LineItem {
  sku: string;
  cents: number;
}

export interface Cart {
  items: LineItem[];
  coupon?: string;
}

const expiredCoupons: Record<string, string> = {
  "SPRING-26": "2026-03-31",
};

function applyCoupon(total: number, coupon: string): number {
  const expiredOn = expiredCoupons[coupon];
  if (expiredOn !== undefined) {
    throw new CouponExpiredError(coupon, expiredOn);
  }
  return Math.round(total * 0.9);
}

function priceCart(cart: Cart): number {
  const subtotal = cart.items.reduce((sum, item) => sum + item.cents, 0);
  return cart.coupon ? applyCoupon(subtotal, cart.coupon) : subtotal;
}

export function runCheckout(cart: Cart): string {
  const total = priceCart(cart);
  return `charged ${(total / 100).toFixed(2)}`;
}
