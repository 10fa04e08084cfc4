// A named error, so both builds report the same exception type however the
// minifier renames the class.
export class CouponExpiredError extends Error {
  readonly code: string;

  constructor(code: string, expiredOn: string) {
    super(`coupon ${code} expired on ${expiredOn}`);
    this.name = "CouponExpiredError";
    this.code = code;
  }
}
