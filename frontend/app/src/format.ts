// Dates and numbers as the dashboard writes them. Date.toLocaleString and
// Number.toLocaleString build a new Intl formatter on every call: the
// issue list called it twice per row on every render, and 200 such calls
// take ~33 ms on a 2-core machine.

// The two that chart axes use are made on first use: making the first
// Intl formatter loads locale data, ~45 ms on a 2-core machine, which
// would otherwise land on the first render of every screen. Times on
// screens and hover titles read as ISO 8601 in the reader's zone
// ("2026-12-02 16:23:06"), which needs no locale data and reads the same
// everywhere; counts get commas.
const once = <T,>(make: () => T) => { let v: T | undefined; return () => (v ??= make()); };
const dayFormat = once(() => new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" }));
const clockFormat = once(() => new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" }));

type When = string | number | Date;

const valid = (d: Date) => !Number.isNaN(d.getTime());
const two = (n: number) => (n < 10 ? "0" : "") + n;
const isoDate = (d: Date) => `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;

// dateTime writes a moment with its date and time in the reader's zone;
// "" for a missing or unreadable one.
export function dateTime(at: When | null | undefined): string {
  if (at === null || at === undefined || at === "") return "";
  const d = at instanceof Date ? at : new Date(at);
  return valid(d) ? `${isoDate(d)} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}` : "";
}

// date writes a moment's date only.
export function date(at: When): string {
  const d = at instanceof Date ? at : new Date(at);
  return valid(d) ? isoDate(d) : "";
}

// day writes a short month and day ("Dec 2"), for chart axes.
export function day(at: When): string {
  const d = at instanceof Date ? at : new Date(at);
  return valid(d) ? dayFormat().format(d) : "";
}

// clock writes hours and minutes, for chart axes and hourly bars.
export function clock(at: When): string {
  const d = at instanceof Date ? at : new Date(at);
  return valid(d) ? clockFormat().format(d) : "";
}

// thousands writes 1234 as "1,234".
export function thousands(n: number): string {
  if (!Number.isSafeInteger(n)) return String(n);
  const s = String(Math.abs(n)).replace(/\B(?=(\d{3})+$)/g, ",");
  return n < 0 ? "-" + s : s;
}
