import { useEffect, useState } from "preact/hooks";
import { api, APIError, nextCursor } from "../api";
import { OrgNav } from "./forms";
import { ErrorNote } from "../main";
import { dateTime } from "../format";

type Row = {
  id: string; event: string; actor: { id: string; email: string } | null; actorToken: string | null;
  ipAddress: string; dateCreated: string; data: Record<string, unknown>; targetObject: number | null;
  targetUser: { id: string; email: string } | null;
};

const cell = { textAlign: "left", padding: ".35rem .5rem", borderTop: "1px solid var(--line)", verticalAlign: "top" };

// AuditLog lists who changed what in the organization, newest first, for
// its owners and managers; others are told they may not read it.
export function AuditLog(props: { org: string }) {
  const [rows, setRows] = useState<Row[] | null>(null);
  const [options, setOptions] = useState<string[]>([]);
  const [event, setEvent] = useState("");
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = (more: string | null) => {
    const q = new URLSearchParams({ per_page: "50" });
    if (event) q.set("event", event);
    if (more) q.set("cursor", more);
    api<{ rows: Row[]; options: string[] }>("GET", `/organizations/${props.org}/audit-logs/?${q}`).then((r) => {
      setRows((old) => (more && old ? [...old, ...r.data.rows] : r.data.rows));
      setOptions(r.data.options);
      setCursor(nextCursor(r.link));
    }).catch(setError);
  };
  useEffect(() => { setError(null); setRows(null); load(null); }, [props.org, event]);
  if (error instanceof APIError && error.status === 403) {
    return <section><h1>Audit log</h1><p class="muted">Only the organization's owners and managers may read its audit log.</p></section>;
  }
  return (
    <section>
      <h1>Audit log</h1>
      <OrgNav org={props.org} current="settings/audit-log" />
      <label>Event <select aria-label="Event" value={event} onChange={(e: any) => setEvent(e.currentTarget.value)}>
        <option value="">All events</option>{options.map((o) => <option>{o}</option>)}
      </select></label>
      {error ? <ErrorNote error={error} retry={() => { setError(null); load(null); }} /> : null}
      {!rows ? (error ? null : <p class="loading">Loading the audit log…</p>) : rows.length === 0 ? <p class="muted">Nothing recorded{event ? " for this event" : ""}.</p> : (
        <table class="audit" style={{ width: "100%", borderCollapse: "collapse" }}>
          <thead><tr>{["Time", "Actor", "Event", "Target", "IP address"].map((h) => <th style={cell}>{h}</th>)}</tr></thead>
          <tbody>{rows.map((r) => (
            <tr>
              <td style={cell}><time dateTime={r.dateCreated}>{dateTime(r.dateCreated)}</time></td>
              <td style={cell}>{r.actor ? r.actor.email : "—"}{r.actorToken ? <span class="muted"> (API token)</span> : null}</td>
              <td style={cell}><code>{r.event}</code></td>
              <td style={cell}>{target(r)}</td>
              <td style={cell}>{r.ipAddress}</td>
            </tr>
          ))}</tbody>
        </table>
      )}
      {cursor && rows && <p><button class="small" onClick={() => load(cursor)}>Older entries</button></p>}
    </section>
  );
}

// target names what a change was about: the user, else the summary's
// name or slug, else the object's id.
function target(r: Row): string {
  if (r.targetUser) return r.targetUser.email;
  for (const k of ["name", "slug", "project", "email"]) {
    const v = r.data?.[k];
    if (typeof v === "string") return v;
    if (v && typeof v === "object" && "after" in v) return String((v as any).after);
  }
  return r.targetObject != null ? "#" + r.targetObject : "";
}
