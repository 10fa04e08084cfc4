// A shopping cart whose checkout fails on an unknown coupon.

export interface LineItem {
  sku: string;
  quantity: number;
  unitPrice: number;
}

export class CouponError extends Error {
  constructor(public readonly code: string) {
    super(`unknown coupon ${code}`);
    this.name = "CouponError";
  }
}

const coupons: Record<string, number> = { WELCOME10: 0.1, SPRING25: 0.25 };

export function lookupCoupon(code: string): number {
  const rate = coupons[code.toUpperCase()];
  if (rate === undefined) {
    throw new CouponError(code);
  }
  return rate;
}

export function applyDiscount(total: number, code: string | undefined): number {
  if (!code) {
    return total;
  }
  const rate = lookupCoupon(code);
  return Math.round(total * (1 - rate) * 100) / 100;
}
