import { useEffect, useState } from "preact/hooks";
import { api, APIError } from "../api";
import { Link } from "../router";
import { ErrorNote, NotFound } from "../main";
import { dateTime } from "../format";

const triggerNames: [string, string][] = [["new_issue", "New issue"], ["regression", "Regression"], ["frequency", "Issue seen often"],
  ["users", "Many users affected"], ["monitor_down", "Monitor down"], ["monitor_up", "Monitor up again"], ["tls_expiry", "Certificate expiring"],
  ["slow_transaction", "Slow transaction"]];
const kinds = ["email", "webhook", "slack", "discord", "teams"];

const blank = () => ({ name: "", triggers: ["new_issue"], quantity: 10, timespanMinutes: 5, usersQuantity: 10, transaction: "", p95Threshold: 1000,
  filters: { level: "", environment: "", release: "", tags: {} }, intervalMinutes: 60, enabled: true, alertRecipients: [{ recipientType: "email", url: "" }] });

// Alerts edits a project's alert rules and shows what they sent.
export function Alerts(props: { org: string; project: string }) {
  const base = `/projects/${props.org}/${props.project}/alerts/`;
  const [rules, setRules] = useState<any[] | null>(null);
  const [history, setHistory] = useState<any[]>([]);
  const [editing, setEditing] = useState<any | null>(null);
  const [note, setNote] = useState("");
  const [error, setError] = useState<unknown>(null);
  const load = () => {
    api<any[]>("GET", base).then((r) => setRules(r.data)).catch(setError);
    api<any[]>("GET", base + "history/?limit=25").then((r) => setHistory(r.data)).catch(setError);
  };
  useEffect(() => { load(); const t = setInterval(load, 15000); return () => clearInterval(t); }, [props.org, props.project]);
  const save = async (e: Event) => {
    e.preventDefault();
    try {
      const body = { ...editing, quantity: Number(editing.quantity), timespanMinutes: Number(editing.timespanMinutes),
        usersQuantity: Number(editing.usersQuantity), p95Threshold: Number(editing.p95Threshold), intervalMinutes: Number(editing.intervalMinutes) };
      if (editing.id) await api("PUT", `${base}${editing.id}/`, body); else await api("POST", base, body);
      setEditing(null); setError(null); setNote("Saved. Changes apply within 30 seconds."); load();
    } catch (err) { setError(err); }
  };
  const test = async (r: any) => {
    try { await api("POST", `${base}${r.id}/test/`); setNote(`A test notification of ${r.name} is on its way.`); setTimeout(load, 2000); } catch (err) { setError(err); }
  };
  const remove = async (r: any) => {
    if (!confirm(`Delete the alert ${r.name}?`)) return;
    try { await api("DELETE", `${base}${r.id}/`); load(); } catch (err) { setError(err); }
  };
  const set = (k: string, v: any) => setEditing({ ...editing, [k]: v });
  const has = (t: string) => editing?.triggers.includes(t);
  const toggle = (t: string) => set("triggers", has(t) ? editing.triggers.filter((x: string) => x !== t) : [...editing.triggers, t]);
  if (error instanceof APIError && error.status === 404 && !rules) return <NotFound what="project" />;
  return (
    <section class="alerts">
      <h1><Link href={`/${props.org}/${props.project}/issues`}>{props.project}</Link> / alerts</h1>
      {error ? <ErrorNote error={error} retry={() => { setError(null); load(); }} /> : null}
      {note && <p class="ok" role="status">{note}</p>}
      {error && !rules ? null : !rules ? <p class="loading">Loading alerts…</p> : (
        <ul class="tokens rules">{rules.map((r) => (
          <li><b>{r.name}</b>{!r.enabled && <span class="muted">(off)</span>}
            <span class="muted">{r.triggers.map((t: string) => triggerNames.find(([k]) => k === t)?.[1] || t).join(", ")} → {r.alertRecipients.map((x: any) => x.recipientType + (x.url ? " " + x.url : " (members)")).join(", ")}</span>
            <button class="small" onClick={() => test(r)}>Send test</button>
            <button class="small" onClick={() => setEditing({ ...blank(), ...r })}>Edit</button>
            <button class="small" onClick={() => remove(r)}>Delete</button></li>
        ))}</ul>
      )}
      {rules && rules.length === 0 && !editing && <div class="empty"><p>No alerts yet: nobody hears of this project's problems until you add one.</p></div>}
      {!editing ? <button onClick={() => setEditing(blank())}>New alert</button> : (
        <form class="alert-form" onSubmit={save}>
          <label>Name <input required value={editing.name} onInput={(e: any) => set("name", e.currentTarget.value)} placeholder="Checkout problems" /></label>
          <fieldset><legend>When</legend>{triggerNames.map(([k, label]) => (
            <label><input type="checkbox" checked={has(k)} onChange={() => toggle(k)} /> {label}</label>
          ))}</fieldset>
          {(has("frequency") || has("users") || has("slow_transaction")) && (
            <div class="row">
              {has("frequency") && <label>More than <input type="number" min="1" value={editing.quantity} onInput={(e: any) => set("quantity", e.currentTarget.value)} /> events</label>}
              {has("users") && <label>At least <input type="number" min="1" value={editing.usersQuantity} onInput={(e: any) => set("usersQuantity", e.currentTarget.value)} /> users</label>}
              <label>within <input type="number" min="1" max="1440" value={editing.timespanMinutes} onInput={(e: any) => set("timespanMinutes", e.currentTarget.value)} /> minutes</label>
            </div>
          )}
          {has("slow_transaction") && (
            <div class="row">
              <label>Transaction <input value={editing.transaction} onInput={(e: any) => set("transaction", e.currentTarget.value)} placeholder="GET /checkout" /></label>
              <label>p95 above (ms) <input type="number" min="1" value={editing.p95Threshold} onInput={(e: any) => set("p95Threshold", e.currentTarget.value)} /></label>
            </div>
          )}
          <div class="row">
            <label>Level <select value={editing.filters.level} onChange={(e: any) => set("filters", { ...editing.filters, level: e.currentTarget.value })}>
              <option value="">any</option>{["fatal", "error", "warning", "info", "debug"].map((l) => <option>{l}</option>)}</select></label>
            <label>Environment <input value={editing.filters.environment} onInput={(e: any) => set("filters", { ...editing.filters, environment: e.currentTarget.value })} placeholder="any" /></label>
            <label>At most one notification per issue every <input type="number" min="0" value={editing.intervalMinutes} onInput={(e: any) => set("intervalMinutes", e.currentTarget.value)} /> minutes</label>
          </div>
          <fieldset><legend>Notify</legend>
            {editing.alertRecipients.map((rc: any, i: number) => (
              <div class="row">
                <select aria-label="Recipient type" value={rc.recipientType} onChange={(e: any) => set("alertRecipients", editing.alertRecipients.map((x: any, j: number) => j === i ? { ...x, recipientType: e.currentTarget.value } : x))}>
                  {kinds.map((k) => <option>{k}</option>)}</select>
                <input aria-label="Recipient" value={rc.url} placeholder={rc.recipientType === "email" ? "an address, or empty for all members" : "https://…"}
                  onInput={(e: any) => set("alertRecipients", editing.alertRecipients.map((x: any, j: number) => j === i ? { ...x, url: e.currentTarget.value } : x))} />
                {rc.secret && <code class="secret" title="verify X-Faultline-Signature with this">secret {rc.secret}</code>}
                <button type="button" class="small" onClick={() => set("alertRecipients", editing.alertRecipients.filter((_: any, j: number) => j !== i))}>Remove</button>
              </div>
            ))}
            <button type="button" class="small" onClick={() => set("alertRecipients", [...editing.alertRecipients, { recipientType: "webhook", url: "" }])}>Add recipient</button>
          </fieldset>
          <label class="check"><input type="checkbox" checked={editing.enabled} onChange={(e: any) => set("enabled", e.currentTarget.checked)} /> On</label>
          <div><button type="submit">Save alert</button> <button type="button" onClick={() => setEditing(null)}>Cancel</button></div>
        </form>
      )}
      <h2>Sent</h2>
      {history.length === 0 ? <p class="muted">Nothing yet.</p> : (
        <table class="perf history">
          <thead><tr><th>When</th><th>Alert</th><th>Deliveries</th></tr></thead>
          <tbody>{history.map((h) => (
            <tr><td class="name">{dateTime(h.firedAt)}</td>
              <td class="name">{h.url ? <a href={h.url}>{h.title}</a> : h.title} <span class="muted">({h.alertName})</span></td>
              <td class="name">{h.deliveries.map((d: any) => (
                <div class={"delivery " + d.status} title={d.lastError}>{d.recipientType} {d.target}: {d.status}{d.attempts > 1 ? ` after ${d.attempts} attempts` : ""}{d.status !== "sent" && d.lastError ? ` — ${d.lastError}` : ""}</div>
              ))}</td></tr>
          ))}</tbody>
        </table>
      )}
    </section>
  );
}
