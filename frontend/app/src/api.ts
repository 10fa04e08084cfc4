// The dashboard talks only to the public /api/0/ API, with the session
// cookie and, on every change, the CSRF token the server set in fl_csrf.

export class APIError extends Error {
  constructor(public status: number, message: string, public body: any = null) {
    super(message);
  }
}

function csrfToken(): string {
  const m = document.cookie.match(/(?:^|;\s*)fl_csrf=([^;]+)/);
  return m ? decodeURIComponent(m[1]) : "";
}

// warm holds GET answers asked for ahead of the screen that reads them
// (see prefetch); each is used once.
const warm = new Map<string, Promise<Response | null>>();

// prefetch starts a GET now, for a screen that is about to ask for it: a
// deep link's data then loads alongside the "who am I" call, not after it.
export function prefetch(path: string) {
  if (warm.has(path)) return;
  // A 400 or 404 is the answer: asking again would only repeat it.
  const early = fetch("/api/0" + path, { headers: { Accept: "application/json" }, credentials: "same-origin" })
    .then((r) => (r.ok || r.status === 400 || r.status === 404 ? r : null)).catch(() => null);
  warm.set(path, early);
  // A refused one (no session yet) or a failed one is forgotten, so that
  // it can be asked again, ahead once logged in.
  early.then((r) => { if (!r && warm.get(path) === early) warm.delete(path); });
  // Unclaimed answers go stale: drop them.
  setTimeout(() => warm.delete(path), 15000);
}

// changing holds the changes sent and not yet answered. A read waits for
// them, so that it sees what this tab just did: opening an issue marks it
// seen, and going straight back to the list must not fetch the list ahead
// of the mark on another connection and show the issue unseen. A change
// the server is slow to answer holds reads back for changeWaitMs at most.
const changing = new Set<Promise<unknown>>();
const changeWaitMs = 5000;

export async function api<T = any>(method: string, path: string, body?: unknown): Promise<{ data: T; link: string; hits: number | null; moreHits: boolean }> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") headers["X-CSRFToken"] = csrfToken();
  let resp: Response | null = null;
  if (method === "GET" && changing.size > 0) {
    await Promise.race([Promise.allSettled(changing), new Promise((r) => setTimeout(r, changeWaitMs))]);
    // An answer asked for ahead may predate the change.
    warm.delete(path);
  }
  const early = method === "GET" ? warm.get(path) : undefined;
  if (early) { warm.delete(path); resp = await early; }
  try {
    if (!resp) {
      const sent = fetch("/api/0" + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin" });
      if (method !== "GET") {
        changing.add(sent);
        sent.finally(() => changing.delete(sent)).catch(() => {});
      }
      resp = await sent;
    }
  } catch {
    throw new APIError(0, "The server could not be reached. Check your connection and try again.");
  }
  const text = await resp.text();
  let data: any = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!resp.ok) {
    throw new APIError(resp.status, (data && data.detail) || `The server answered ${resp.status}.`, data);
  }
  // X-Hits: how many a list matches in all, where the server counts them;
  // it stops counting at X-Max-Hits, so reaching it means "or more".
  const hits = resp.headers.get("X-Hits");
  const maxHits = resp.headers.get("X-Max-Hits");
  const n = hits === null ? null : Number(hits);
  return { data, link: resp.headers.get("Link") || "", hits: n, moreHits: n !== null && maxHits !== null && n >= Number(maxHits) };
}

// nextCursor reads Sentry's Link header: the next page's cursor, if any.
export function nextCursor(link: string): string | null {
  const m = link.match(/rel="next"; results="true"; cursor="([^"]+)"/);
  return m ? m[1] : null;
}
