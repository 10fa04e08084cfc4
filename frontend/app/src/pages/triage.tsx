import { useEffect, useRef } from "preact/hooks";
import "./triage.css";
import { dateTime } from "../format";

// Pieces the issue list and the issue page share for triage: relative
// times, a sparkline, an assignee's initials, an undo toast and a
// confirmation dialog. None needs a library.

const units: [number, string, string][] = [
  [365 * 86400, "yr", "yr"], [30 * 86400, "mo", "mo"], [86400, "day", "days"], [3600, "hr", "hr"], [60, "min", "min"],
];

// ago says how long before now a time was: "3 min ago", "2 days ago".
export function ago(iso: string, now = Date.now()): string {
  const s = Math.max(0, (now - new Date(iso).getTime()) / 1000);
  if (!isFinite(s)) return "";
  for (const [size, one, many] of units) {
    if (s >= size) {
      const n = Math.floor(s / size);
      return `${n} ${n === 1 ? one : many} ago`;
    }
  }
  return "just now";
}

// Ago is ago() with the absolute time on hover, in a <time>.
export function Ago(props: { at: string; class?: string }) {
  if (!props.at) return null;
  return <time class={props.class} dateTime={props.at} title={dateTime(props.at)}>{ago(props.at)}</time>;
}

// Sparkline draws [[unix seconds, count], ...] as tiny bars; a bucket
// without events is a gap, not a zero-height bar.
export function Sparkline(props: { points: [number, number][]; label: string; width?: number; height?: number }) {
  const w = props.width ?? 96, h = props.height ?? 24;
  const pts = props.points || [];
  const top = Math.max(1, ...pts.map((p) => p[1]));
  const step = pts.length ? w / pts.length : w;
  const total = pts.reduce((n, p) => n + p[1], 0);
  return (
    <svg class="sparkline" width={w} height={h} viewBox={`0 0 ${w} ${h}`} role="img"
      aria-label={`${props.label}: ${total} events`}>
      <title>{`${total} events in ${props.label}`}</title>
      {pts.map(([t, n], i) => n > 0 && (
        <rect data-count={n} data-ts={t} x={i * step + 0.5} width={Math.max(step - 1, 1)} y={h - Math.max(1.5, (n / top) * h)} height={Math.max(1.5, (n / top) * h)} />
      ))}
    </svg>
  );
}

// initials of a person or team for an avatar: "ann.lee@x" gives "AL".
export function initials(name: string): string {
  const base = (name || "?").replace(/^#/, "").split("@")[0];
  const parts = base.split(/[\s._-]+/).filter(Boolean);
  return ((parts[0]?.[0] ?? "?") + (parts.length > 1 ? parts[parts.length - 1][0] : "")).toUpperCase();
}

// Avatar shows who an issue is assigned to, as initials; a team is square.
export function Avatar(props: { actor: { type: string; name: string; email?: string } | null }) {
  const a = props.actor;
  if (!a) return <span class="avatar none" title="Unassigned" aria-label="Unassigned">–</span>;
  const who = a.type === "team" ? `#${a.name.replace(/^#/, "")}` : (a.email || a.name);
  return <span class={"avatar " + a.type} title={`Assigned to ${who}`} aria-label={`Assigned to ${who}`}>{initials(a.name)}</span>;
}

// Star is a bookmark toggle.
export function Star(props: { on: boolean; onToggle: () => void; label: string }) {
  return (
    <button class={"star" + (props.on ? " on" : "")} aria-pressed={props.on} aria-label={props.label} title={props.on ? "Bookmarked" : "Bookmark"}
      onClick={props.onToggle}>{props.on ? "★" : "☆"}</button>
  );
}

// Toast is a short notice with an optional action (Undo), gone after a
// while.
export function Toast(props: { text: string; action?: string; onAction?: () => void; onClose: () => void; ms?: number }) {
  useEffect(() => {
    const t = setTimeout(props.onClose, props.ms ?? 10000);
    return () => clearTimeout(t);
  }, [props.text]);
  return (
    <div class="toast" role="status">
      <span>{props.text}</span>
      {props.action && <button class="small" onClick={props.onAction}>{props.action}</button>}
      <button class="small link" aria-label="Dismiss" onClick={props.onClose}>×</button>
    </div>
  );
}

// Confirm asks before something that cannot be taken back, in a modal
// <dialog>: Escape and Cancel say no.
export function Confirm(props: { title: string; children: any; confirm: string; onConfirm: () => void; onCancel: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal?.();
    return () => d?.close?.();
  }, []);
  return (
    <dialog class="confirm" ref={ref} aria-label={props.title} onCancel={(e) => { e.preventDefault(); props.onCancel(); }}>
      <h2>{props.title}</h2>
      <div>{props.children}</div>
      <form method="dialog" class="confirm-actions" onSubmit={(e) => e.preventDefault()}>
        <button type="button" onClick={props.onCancel}>Cancel</button>
        <button type="button" class="danger" autoFocus onClick={props.onConfirm}>{props.confirm}</button>
      </form>
    </dialog>
  );
}

