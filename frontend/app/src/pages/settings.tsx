import { useEffect, useState } from "preact/hooks";
import { api, APIError } from "../api";
import { Link } from "../router";
import { ErrorNote, NotFound } from "../main";

export function Settings(props: { org: string; project: string }) {
  const [keys, setKeys] = useState<any[] | null>(null);
  const [project, setProject] = useState<any>(null);
  const [domains, setDomains] = useState("");
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api<any[]>("GET", `/projects/${props.org}/${props.project}/keys/`).then((r) => setKeys(r.data)).catch(setError);
    api("GET", `/projects/${props.org}/${props.project}/`).then((r) => { setProject(r.data); setDomains(r.data.allowedDomains.join("\n")); }).catch(setError);
  }, [props.org, props.project]);
  const save = async (e: Event) => {
    e.preventDefault();
    try {
      const allowedDomains = domains.split(/\s+/).filter(Boolean);
      const r = await api("PUT", `/projects/${props.org}/${props.project}/`, { allowedDomains, scrubData: project.scrubData });
      setProject(r.data); setSaved(true);
    } catch (err) { setError(err); }
  };
  if (error instanceof APIError && error.status === 404 && !keys) return <NotFound what="project" />;
  if (error) return <ErrorNote error={error} />;
  if (!keys) return <p class="loading">Loading keys…</p>;
  const dsn = keys.find((k) => k.isActive)?.dsn.public;
  return (
    <section>
      <h1><Link href={`/${props.org}/${props.project}/issues`}>{props.project}</Link> / settings</h1>
      <h2>DSN keys</h2>
      <ul class="keys">
        {keys.map((k) => <KeyRow org={props.org} project={props.project} k={k} onChange={(nk) => setKeys(keys.map((x) => (x.id === nk.id ? nk : x)))} onError={setError} />)}
      </ul>
      {project && (
        <form class="project-settings" onSubmit={save}>
          <h2>Security</h2>
          <label>Allowed browser origins, one per line (<code>*</code> for any; <code>*.example.com</code>, <code>https://app.example.com</code>)
            <textarea aria-label="Allowed origins" value={domains} onInput={(e: any) => { setDomains(e.currentTarget.value); setSaved(false); }} />
          </label>
          <label><input type="checkbox" checked={project.scrubData} onChange={(e: any) => { setProject({ ...project, scrubData: e.currentTarget.checked }); setSaved(false); }} /> Scrub passwords, tokens, cookies and card numbers before storing events</label>
          <button type="submit">Save</button> {saved && <span class="ok">Saved.</span>}
        </form>
      )}
      {dsn && (
        <>
          <h2>Send your first error</h2>
          <h3>JavaScript (browser or Node)</h3>
          <pre>{`import * as Sentry from "@sentry/browser"; // or "@sentry/node"\nSentry.init({ dsn: "${dsn}" });`}</pre>
          <h3>Python</h3>
          <pre>{`import sentry_sdk\nsentry_sdk.init(dsn="${dsn}")`}</pre>
          <h3>Go</h3>
          <pre>{`sentry.Init(sentry.ClientOptions{Dsn: "${dsn}"})`}</pre>
        </>
      )}
    </section>
  );
}

// KeyRow shows a DSN key with its DSN, its switch and its rate limit.
function KeyRow(props: { org: string; project: string; k: any; onChange: (k: any) => void; onError: (e: unknown) => void }) {
  const k = props.k;
  const [limit, setLimit] = useState(k.rateLimit ? String(k.rateLimit.count) : "");
  const update = async (body: object) => {
    try { props.onChange((await api("PUT", `/projects/${props.org}/${props.project}/keys/${k.id}/`, body)).data); } catch (e) { props.onError(e); }
  };
  return (
    <li><strong>{k.name}</strong> {k.isActive ? "" : <span class="muted">(disabled)</span>}
      <input readOnly value={k.dsn.public} aria-label={`DSN of ${k.name}`} onFocus={(e: any) => e.currentTarget.select()} />
      <button class="small" onClick={() => navigator.clipboard?.writeText(k.dsn.public)}>Copy</button>
      <button class="small" onClick={() => update({ isActive: !k.isActive })}>{k.isActive ? "Disable" : "Enable"}</button>
      <label class="small">Events per minute <input class="small narrow" inputMode="numeric" placeholder="no limit" aria-label={`Rate limit of ${k.name}`}
        value={limit} onInput={(e: any) => setLimit(e.currentTarget.value)} /></label>
      <button class="small" onClick={() => update({ rateLimit: limit.trim() ? { window: 60, count: Number(limit) } : { window: 0, count: 0 } })}>Set limit</button>
    </li>
  );
}
