import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
import { Link } from "../router";
import { ErrorNote } from "../main";
import { ms } from "./transaction";
import { dateTime } from "../format";

type Span = { span_id: string; parent_span_id: string; op: string; description: string; status: string; offset_ms: number; duration_ms: number; self_time_ms: number };

// Waterfall shows one transaction's spans as bars on its timeline, nested
// under their parents.
export function Waterfall(props: { org: string; project: string; eventId: string }) {
  const [data, setData] = useState<any>(null);
  const [error, setError] = useState<unknown>(null);
  const [open, setOpen] = useState<string | null>(null);
  useEffect(() => {
    api("GET", `/projects/${props.org}/${props.project}/transactions/${props.eventId}/spans/`).then((r) => setData(r.data)).catch(setError);
  }, [props.org, props.project, props.eventId]);
  if (error) return <section><ErrorNote error={error} /></section>;
  if (!data) return <p class="loading">Loading the transaction…</p>;
  const t = data.transaction;
  const total = Math.max(t.duration_ms, ...data.spans.map((s: Span) => s.offset_ms + s.duration_ms), 1);
  const rows = nest(t.span_id, data.spans);
  const perf = `/${props.org}/${props.project}/performance`;
  return (
    <section class="waterfall">
      <h1><Link href={`${perf}/summary?${new URLSearchParams({ transaction: t.name })}`}>{t.name}</Link> / {props.eventId.slice(0, 8)}</h1>
      <p class="muted">{[t.op, ms(t.duration_ms), t.status, dateTime(t.start_timestamp * 1000), "trace " + t.trace_id].filter(Boolean).join(" · ")}</p>
      <div class="spans" role="list">
        <div class="span root" role="listitem">
          <span class="label">{t.op || "transaction"}</span>
          <span class="track"><span class="span-bar" style={{ left: "0%", width: (100 * t.duration_ms / total) + "%" }} /></span>
          <span class="dur">{ms(t.duration_ms)}</span>
        </div>
        {rows.map(({ span: s, depth }) => (
          // Each row is a button: Tab reaches it, Enter or Space opens its
          // details as a click does, and a screen reader hears whether it is open.
          <div class={"span" + (s.status && s.status !== "ok" ? " failed" : "")} role="listitem">
            <button type="button" class="span-row" aria-expanded={open === s.span_id} aria-controls={"span-" + s.span_id}
              onClick={() => setOpen(open === s.span_id ? null : s.span_id)}>
              <span class="label" style={{ paddingLeft: depth * 12 + "px" }} title={s.description}><b>{s.op}</b> {s.description}</span>
              <span class="track"><span class="span-bar" style={{ left: (100 * s.offset_ms / total) + "%", width: Math.max(0.3, 100 * s.duration_ms / total) + "%" }} /></span>
              <span class="dur">{ms(s.duration_ms)}</span>
            </button>
            {open === s.span_id && (
              <dl class="span-detail" id={"span-" + s.span_id}>
                <dt>Description</dt><dd>{s.description || "–"}</dd><dt>Starts at</dt><dd>+{ms(s.offset_ms)}</dd>
                <dt>Self time</dt><dd>{ms(s.self_time_ms)}</dd><dt>Status</dt><dd>{s.status || "–"}</dd><dt>Span id</dt><dd>{s.span_id}</dd>
              </dl>
            )}
          </div>
        ))}
      </div>
      {data.spans.length === 0 && <p class="muted">This transaction has no spans.</p>}
    </section>
  );
}

// nest orders spans depth-first under their parents; spans whose parent is
// missing hang under the root.
function nest(root: string, spans: Span[]): { span: Span; depth: number }[] {
  const ids = new Set(spans.map((s) => s.span_id));
  const children = new Map<string, Span[]>();
  for (const s of spans) {
    const parent = s.parent_span_id && ids.has(s.parent_span_id) ? s.parent_span_id : root;
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent)!.push(s);
  }
  const out: { span: Span; depth: number }[] = [];
  const walk = (id: string, depth: number) => {
    for (const s of (children.get(id) || []).sort((a, b) => a.offset_ms - b.offset_ms)) {
      out.push({ span: s, depth });
      if (depth < 50) walk(s.span_id, depth + 1);
    }
  };
  walk(root, 0);
  return out;
}
