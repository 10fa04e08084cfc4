import { useState } from "preact/hooks";
import { ErrorNote } from "../main";
import { Link } from "../router";
import "./manage.css";

// useAction runs a form's request: the form's buttons are disabled while
// it is under way, and the API's message shows by the form when it fails.
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState("");
  const run = (f: () => Promise<unknown>, ok = "") => async (e?: Event) => {
    e?.preventDefault();
    if (busy) return;
    setBusy(true); setError(null); setDone("");
    try { await f(); setDone(ok); } catch (err) { setError(err); } finally { setBusy(false); }
  };
  const note = error ? <ErrorNote error={error} /> : done ? <p class="ok" role="status">{done}</p> : null;
  return { busy, error, setError, run, note };
}

// DangerZone deletes something once its slug is typed back: a slip of the
// mouse cannot delete a project, a team or an organization.
export function DangerZone(props: { what: string; slug: string; warning: string; onDelete: () => Promise<unknown> }) {
  const [typed, setTyped] = useState("");
  const a = useAction();
  return (
    <form class="danger-zone" onSubmit={a.run(props.onDelete)}>
      <h2>Delete this {props.what}</h2>
      <p>{props.warning}</p>
      <label><span>Type <code>{props.slug}</code> to confirm</span>
        <input aria-label={`Type ${props.slug} to confirm`} autocomplete="off" autocapitalize="off" spellcheck={false}
          value={typed} onInput={(e: any) => setTyped(e.currentTarget.value)} />
      </label>
      {a.note}
      <button type="submit" class="danger" disabled={typed !== props.slug || a.busy}>{a.busy ? "Deleting…" : `Delete ${props.what}`}</button>
    </form>
  );
}

const orgTabs: [string, string][] = [["settings", "General & members"], ["settings/teams", "Teams"], ["settings/usage", "Usage & quotas"],
  ["settings/audit-log", "Audit log"]];

// OrgNav links the organization's settings screens; the current one is marked.
export function OrgNav(props: { org: string; current: string }) {
  return (
    <nav class="project-nav" aria-label="Organization settings">
      {orgTabs.map(([path, label]) => path === props.current
        ? <span aria-current="page">{label}</span>
        : <Link href={`/${props.org}/${path}`}>{label}</Link>)}
    </nav>
  );
}

export const roles = ["member", "admin", "manager", "owner"];

export const platforms = ["", "javascript", "javascript-react", "javascript-vue", "javascript-angular", "javascript-nextjs", "node", "node-express",
  "python", "python-django", "python-flask", "python-fastapi", "go", "java", "java-spring-boot", "android", "apple-ios", "dotnet", "php", "php-laravel",
  "ruby", "ruby-rails", "rust", "elixir", "dart", "flutter", "react-native", "native", "other"];
