// Dates and numbers as the dashboard writes them, through formatters made
// once: Date.toLocaleString and Number.toLocaleString build a new Intl
// formatter on every call, which cost the issue list (two times per row,
// on every render) a third of its rendering time.

// The first two read as Date.toLocaleString and toLocaleDateString do.
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric" });
const dateFormat = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "numeric", day: "numeric" });
const dayFormat = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });
const clockFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const numberFormat = new Intl.NumberFormat("en-US");

type When = string | number | Date;

const valid = (d: Date) => !Number.isNaN(d.getTime());

// dateTime writes a moment with its date and time, in the reader's
// locale and zone; "" for a missing or unreadable one.
export function dateTime(at: When | null | undefined): string {
  if (at === null || at === undefined || at === "") return "";
  const d = at instanceof Date ? at : new Date(at);
  return valid(d) ? dateTimeFormat.format(d) : "";
}

// date writes a moment's date only.
export function date(at: When): string {
  const d = at instanceof Date ? at : new Date(at);
  return valid(d) ? dateFormat.format(d) : "";
}

// day writes a short month and day ("Dec 2"), for chart axes.
export function day(at: When): string {
  const d = at instanceof Date ? at : new Date(at);
  return valid(d) ? dayFormat.format(d) : "";
}

// clock writes hours and minutes, for chart axes and hourly bars.
export function clock(at: When): string {
  const d = at instanceof Date ? at : new Date(at);
  return valid(d) ? clockFormat.format(d) : "";
}

// thousands writes 1234 as "1,234".
export const thousands = (n: number) => numberFormat.format(n);
