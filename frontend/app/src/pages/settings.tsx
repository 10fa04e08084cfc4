import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
import { Link } from "../router";
import { ErrorNote } from "../main";

export function Settings(props: { org: string; project: string }) {
  const [keys, setKeys] = useState<any[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api<any[]>("GET", `/projects/${props.org}/${props.project}/keys/`).then((r) => setKeys(r.data)).catch(setError);
  }, [props.org, props.project]);
  if (error) return <ErrorNote error={error} />;
  if (!keys) return <p class="loading">Loading keys…</p>;
  const dsn = keys.find((k) => k.isActive)?.dsn.public;
  return (
    <section>
      <h1><Link href={`/${props.org}/${props.project}/issues`}>{props.project}</Link> / settings</h1>
      <h2>DSN keys</h2>
      <ul class="keys">
        {keys.map((k) => (
          <li><strong>{k.name}</strong> {k.isActive ? "" : <span class="muted">(disabled)</span>}
            <input readOnly value={k.dsn.public} aria-label={`DSN of ${k.name}`} onFocus={(e: any) => e.currentTarget.select()} />
            <button class="small" onClick={() => navigator.clipboard?.writeText(k.dsn.public)}>Copy</button>
          </li>
        ))}
      </ul>
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
