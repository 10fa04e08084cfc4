import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
import { ErrorNote } from "../main";
import { dateTime, date } from "../format";

// PublicStatus is a status page as the public sees it: no account, no
// monitor URLs, each monitor's state and its last 90 days.
export function PublicStatus(props: { org: string; slug: string }) {
  const [page, setPage] = useState<any>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    const load = () => api("GET", `/status-pages/${props.org}/${props.slug}/`).then((r) => { setPage(r.data); document.title = r.data.name; }).catch(setError);
    load();
    const t = setInterval(load, 60000);
    return () => clearInterval(t);
  }, [props.org, props.slug]);
  if (error) return <main class="status-page"><ErrorNote error={error} /></main>;
  if (!page) return <p class="boot">Loading…</p>;
  const headline: Record<string, string> = { operational: "All systems operational", degraded: "Some systems are down", down: "All systems are down" };
  return (
    <main class="status-page">
      <h1>{page.name}</h1>
      <p class={"overall " + page.status}>{headline[page.status] || page.status}</p>
      <ul class="status-monitors">{page.monitors.map((m: any) => (
        <li>
          <div class="row"><b>{m.name}</b><span class={"state " + m.state}>{m.state === "up" ? "Operational" : m.state === "down" ? "Down" : m.state === "paused" ? "Paused" : "Unknown"}</span></div>
          <span class="strip days" role="img" aria-label="last 90 days">{m.days.map((d: any) => {
            const cls = d.checks === 0 ? "none" : d.down === 0 ? "good" : d.down === d.checks ? "bad" : "mixed";
            return <span class={"bar-" + cls} title={`${date(d.start * 1000)}: ${d.checks ? (100 * (1 - d.down / d.checks)).toFixed(2) + "% up" : "no data"}`} />;
          })}</span>
          <span class="muted">{m.checks90d > 0 ? m.uptime90d.toFixed(3) + "% uptime over 90 days" : "no checks yet"}</span>
        </li>
      ))}</ul>
      <p class="muted small">Updated {dateTime(page.updated)} · powered by Faultline</p>
    </main>
  );
}

// StatusPages lists and edits an organization's status pages.
export function StatusPages(props: { org: string; monitors: any[] }) {
  const [pages, setPages] = useState<any[] | null>(null);
  const [editing, setEditing] = useState<any | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = () => api<any[]>("GET", `/organizations/${props.org}/status-pages/`).then((r) => setPages(r.data)).catch(setError);
  useEffect(() => { load(); }, [props.org]);
  const save = async (e: Event) => {
    e.preventDefault();
    try {
      const body = { name: editing.name, slug: editing.slug, isPublic: editing.isPublic, monitors: editing.monitors };
      if (editing.id) await api("PUT", `/organizations/${props.org}/status-pages/${editing.originalSlug}/`, body);
      else await api("POST", `/organizations/${props.org}/status-pages/`, body);
      setEditing(null); setError(null); load();
    } catch (err) { setError(err); }
  };
  const remove = async (p: any) => {
    if (!confirm(`Delete the status page ${p.name}?`)) return;
    try { await api("DELETE", `/organizations/${props.org}/status-pages/${p.slug}/`); load(); } catch (err) { setError(err); }
  };
  const toggle = (id: number) => setEditing({ ...editing, monitors: editing.monitors.includes(id) ? editing.monitors.filter((x: number) => x !== id) : [...editing.monitors, id] });
  return (
    <section class="status-pages">
      <h2>Status pages</h2>
      {error ? <ErrorNote error={error} /> : null}
      {pages && pages.length > 0 && (
        <ul class="tokens">{pages.map((p) => (
          <li><b>{p.name}</b> <a href={p.url} target="_blank" rel="noopener">{location.origin}{p.url}</a>
            {!p.isPublic && <span class="muted">(hidden)</span>} <span class="muted">{p.monitors.length} monitors</span>
            <button class="small" onClick={() => setEditing({ ...p, originalSlug: p.slug })}>Edit</button>
            <button class="small" onClick={() => remove(p)}>Delete</button></li>
        ))}</ul>
      )}
      {!editing ? <button onClick={() => setEditing({ name: "", slug: "", isPublic: true, monitors: [] })}>New status page</button> : (
        <form class="status-editor" onSubmit={save}>
          <label>Name <input required value={editing.name} onInput={(e: any) => setEditing({ ...editing, name: e.currentTarget.value })} placeholder="Acme status" /></label>
          <label>Address <span class="muted">/status/{props.org}/</span><input required value={editing.slug} pattern="[a-z0-9][a-z0-9_\-]*" onInput={(e: any) => setEditing({ ...editing, slug: e.currentTarget.value })} placeholder="public" /></label>
          <label><input type="checkbox" checked={editing.isPublic} onChange={(e: any) => setEditing({ ...editing, isPublic: e.currentTarget.checked })} /> Public</label>
          <fieldset><legend>Monitors shown</legend>
            {props.monitors.filter((m) => m.kind !== "cron").map((m) => (
              <label><input type="checkbox" checked={editing.monitors.includes(Number(m.id))} onChange={() => toggle(Number(m.id))} /> {m.name}</label>
            ))}
          </fieldset>
          <div><button type="submit">Save status page</button> <button type="button" onClick={() => setEditing(null)}>Cancel</button></div>
        </form>
      )}
    </section>
  );
}
