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

export async function api<T = any>(method: string, path: string, body?: unknown): Promise<{ data: T; link: string; hits: number | null }> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") headers["X-CSRFToken"] = csrfToken();
  let resp: Response;
  try {
    resp = await fetch("/api/0" + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin" });
  } catch {
    throw new APIError(0, "The server could not be reached. Check your connection and try again.");
  }
  const text = await resp.text();
  let data: any = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!resp.ok) {
    throw new APIError(resp.status, (data && data.detail) || `The server answered ${resp.status}.`, data);
  }
  // X-Hits: how many a list matches in all, where the server counts them.
  const hits = resp.headers.get("X-Hits");
  return { data, link: resp.headers.get("Link") || "", hits: hits === null ? null : Number(hits) };
}

// nextCursor reads Sentry's Link header: the next page's cursor, if any.
export function nextCursor(link: string): string | null {
  const m = link.match(/rel="next"; results="true"; cursor="([^"]+)"/);
  return m ? m[1] : null;
}
