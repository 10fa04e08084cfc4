import { useEffect, useState } from "preact/hooks";
import { api, APIError } from "../api";
import { Link, navigate } from "../router";
import { ErrorNote, NotFound } from "../main";
import { Copyable } from "../copy";
import { DangerZone, platforms, useAction } from "./forms";

// Settings is a project's settings: its name, slug, platform and issue
// settings, its DSN keys, the teams that have it, its allowed origins and
// scrubbing, and deleting it.
export function Settings(props: { org: string; project: string }) {
  const [keys, setKeys] = useState<any[] | null>(null);
  const [project, setProject] = useState<any>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    setKeys(null); setProject(null); setError(null);
    api<any[]>("GET", `/projects/${props.org}/${props.project}/keys/`).then((r) => setKeys(r.data)).catch(setError);
    api("GET", `/projects/${props.org}/${props.project}/`).then((r) => setProject(r.data)).catch(setError);
  }, [props.org, props.project]);
  if (error instanceof APIError && error.status === 404) return <NotFound what="project" />;
  if (error) return <ErrorNote error={error} />;
  if (!keys || !project) return <p class="loading">Loading settings…</p>;
  const dsn = keys.find((k) => k.isActive)?.dsn.public;
  const path = `/projects/${props.org}/${props.project}/`;
  return (
    <section>
      <h1><Link href={`/${props.org}/${props.project}/issues`}>{props.project}</Link> / settings</h1>
      <General org={props.org} project={project} onSaved={setProject} />
      <h2>DSN keys</h2>
      <ul class="keys">
        {keys.map((k) => <KeyRow org={props.org} project={props.project} k={k} onChange={(nk) => setKeys(keys.map((x) => (x.id === nk.id ? nk : x)))} />)}
      </ul>
      <ProjectTeams org={props.org} project={project} onChange={setProject} />
      <Security path={path} project={project} onSaved={setProject} />
      {dsn && <FirstError dsn={dsn} />}
      <DangerZone what="project" slug={project.slug}
        warning="Its issues, events, releases, alert rules and keys go with it; SDKs sending to its DSN are refused from then on."
        onDelete={async () => { await api("DELETE", path); navigate(`/${props.org}/`); }} />
    </section>
  );
}

// General changes the project's name, slug, platform, auto-resolve age,
// email subject prefix and Apdex threshold.
function General(props: { org: string; project: any; onSaved: (p: any) => void }) {
  const p = props.project;
  const [form, setForm] = useState({ name: p.name, slug: p.slug, platform: p.platform || "", resolveAge: String(p.resolveAge ?? 0),
    subjectPrefix: p.subjectPrefix || "", apdexThreshold: String(p.apdexThreshold ?? 300) });
  const a = useAction();
  const set = (k: keyof typeof form) => (e: any) => setForm({ ...form, [k]: e.currentTarget.value });
  const save = a.run(async () => {
    const r = await api("PUT", `/projects/${props.org}/${p.slug}/`, { name: form.name, slug: form.slug, platform: form.platform,
      resolveAge: num(form.resolveAge), subjectPrefix: form.subjectPrefix, apdexThreshold: num(form.apdexThreshold) });
    props.onSaved(r.data);
    // The old slug answers 404 now: the page moves to the new address.
    if (r.data.slug !== p.slug) navigate(`/${props.org}/${r.data.slug}/settings`, true);
  }, "Saved.");
  const choices = platforms.includes(form.platform) ? platforms : [...platforms, form.platform];
  return (
    <form class="settings-form general" onSubmit={save}>
      <h2>General</h2>
      <div class="row">
        <label>Name<input aria-label="Project name" required value={form.name} onInput={set("name")} /></label>
        <label>Slug<input aria-label="Project slug" required value={form.slug} onInput={set("slug")} /></label>
      </div>
      <div class="row">
        <label>Platform<select aria-label="Platform" value={form.platform} onChange={set("platform")}>
          {choices.map((x) => <option value={x}>{x || "not set"}</option>)}
        </select></label>
        <label>Email subject prefix<input aria-label="Email subject prefix" placeholder="[shop]" value={form.subjectPrefix} onInput={set("subjectPrefix")} /></label>
      </div>
      <div class="row">
        <label>Resolve issues after (hours without an event; 0 never)<input aria-label="Auto-resolve after hours" inputMode="numeric" value={form.resolveAge} onInput={set("resolveAge")} /></label>
        <label>Apdex threshold (milliseconds)<input aria-label="Apdex threshold" inputMode="numeric" value={form.apdexThreshold} onInput={set("apdexThreshold")} /></label>
      </div>
      {a.note}
      <button type="submit" disabled={a.busy}>{a.busy ? "Saving…" : "Save"}</button>
    </form>
  );
}

// num sends what was typed as a number when it is one, and as typed
// otherwise, so that the API's message names the field.
function num(s: string): number | string {
  const t = s.trim();
  return /^-?\d+$/.test(t) ? Number(t) : t;
}

// ProjectTeams lists the teams that have the project and gives it to others.
function ProjectTeams(props: { org: string; project: any; onChange: (p: any) => void }) {
  const [teams, setTeams] = useState<any[]>([]);
  const a = useAction();
  useEffect(() => { api<any[]>("GET", `/organizations/${props.org}/teams/`).then((r) => setTeams(r.data)).catch(() => setTeams([])); }, [props.org]);
  const mine: any[] = props.project.teams || [];
  const others = teams.filter((t) => !mine.some((m) => m.slug === t.slug));
  const path = `/projects/${props.org}/${props.project.slug}/`;
  const reload = async () => props.onChange((await api("GET", path)).data);
  return (
    <div class="project-teams">
      <h2>Teams</h2>
      {mine.length ? <ul class="member-list">{mine.map((t) => (
        <li><span class="who-line"><Link href={`/${props.org}/settings/teams/${t.slug}`}>#{t.slug}</Link></span>
          <button class="small" disabled={a.busy} onClick={a.run(async () => { await api("DELETE", `${path}teams/${t.slug}/`); await reload(); })}>Remove</button></li>
      ))}</ul> : <p class="muted">No team has this project; every member of the organization sees it.</p>}
      {others.length > 0 && (
        <select aria-label="Give a team this project" value="" disabled={a.busy}
          onChange={(e: any) => { const t = e.currentTarget.value; if (t) a.run(async () => { await api("POST", `${path}teams/${t}/`); await reload(); })(); }}>
          <option value="">Add a team…</option>
          {others.map((t) => <option value={t.slug}>#{t.slug}</option>)}
        </select>
      )}
      {a.note}
    </div>
  );
}

function Security(props: { path: string; project: any; onSaved: (p: any) => void }) {
  const [domains, setDomains] = useState((props.project.allowedDomains || []).join("\n"));
  const [scrub, setScrub] = useState(!!props.project.scrubData);
  const a = useAction();
  const save = a.run(async () => {
    const allowedDomains = domains.split(/\s+/).filter(Boolean);
    props.onSaved((await api("PUT", props.path, { allowedDomains, scrubData: scrub })).data);
  }, "Saved.");
  return (
    <form class="project-settings" onSubmit={save}>
      <h2>Security</h2>
      <label>Allowed browser origins, one per line (<code>*</code> for any; <code>*.example.com</code>, <code>https://app.example.com</code>)
        <textarea aria-label="Allowed origins" value={domains} onInput={(e: any) => setDomains(e.currentTarget.value)} />
      </label>
      <label><input type="checkbox" checked={scrub} onChange={(e: any) => setScrub(e.currentTarget.checked)} /> Scrub passwords, tokens, cookies and card numbers before storing events</label>
      {a.note}
      <button type="submit" disabled={a.busy}>{a.busy ? "Saving…" : "Save"}</button>
    </form>
  );
}

// FirstError shows how to send the project's first error with its DSN.
export function FirstError(props: { dsn: string }) {
  const dsn = props.dsn;
  return (
    <>
      <h2>Send your first error</h2>
      <h3>JavaScript (browser or Node)</h3>
      <pre>{`import * as Sentry from "@sentry/browser"; // or "@sentry/node"\nSentry.init({ dsn: "${dsn}" });`}</pre>
      <h3>Python</h3>
      <pre>{`import sentry_sdk\nsentry_sdk.init(dsn="${dsn}")`}</pre>
      <h3>Go</h3>
      <pre>{`sentry.Init(sentry.ClientOptions{Dsn: "${dsn}"})`}</pre>
    </>
  );
}

// KeyRow shows a DSN key with its DSN, its switch and its rate limit.
function KeyRow(props: { org: string; project: string; k: any; onChange: (k: any) => void }) {
  const k = props.k;
  const [limit, setLimit] = useState(k.rateLimit ? String(k.rateLimit.count) : "");
  const a = useAction();
  const update = (body: object, ok: string) => a.run(async () => {
    props.onChange((await api("PUT", `/projects/${props.org}/${props.project}/keys/${k.id}/`, body)).data);
  }, ok);
  return (
    <li><strong>{k.name}</strong> {k.isActive ? "" : <span class="muted">(disabled)</span>}
      <Copyable value={k.dsn.public} label={`DSN of ${k.name}`} />
      <button class="small" disabled={a.busy} onClick={update({ isActive: !k.isActive }, k.isActive ? "Disabled." : "Enabled.")}>{k.isActive ? "Disable" : "Enable"}</button>
      <label class="small">Events per minute <input class="small narrow" inputMode="numeric" placeholder="no limit" aria-label={`Rate limit of ${k.name}`}
        value={limit} onInput={(e: any) => setLimit(e.currentTarget.value)} /></label>
      <button class="small" disabled={a.busy} onClick={update({ rateLimit: limit.trim() ? { window: 60, count: Number(limit) } : { window: 0, count: 0 } }, "Limit set.")}>Set limit</button>
      {a.note}
    </li>
  );
}
