import { useState } from "preact/hooks";
import { api } from "../api";

// resolvedLabel says how an issue was resolved, in the words of its
// statusDetails.
export function resolvedLabel(issue: any): string {
  const d = issue.statusDetails || {};
  if (issue.status !== "resolved") return issue.status;
  if (d.inNextRelease) return "resolved in next release";
  if (d.inRelease) return `resolved in ${d.inRelease}`;
  return "resolved";
}

// ResolveMenu resolves now, in the next release, or in a release picked
// from the project's; it hands the PUT body to onResolve.
export function ResolveMenu(props: { org: string; project: string; onResolve: (body: object) => void; small?: boolean }) {
  const [picking, setPicking] = useState(false);
  const [versions, setVersions] = useState<string[] | null>(null);
  const [version, setVersion] = useState("");
  const [failed, setFailed] = useState("");
  const pick = () => {
    setPicking(true);
    if (versions) return;
    api<any[]>("GET", `/projects/${props.org}/${props.project}/releases/?per_page=100`)
      .then((r) => { const vs = r.data.map((x) => x.version ?? x.name).filter(Boolean); setVersions(vs); setVersion(vs[0] || ""); })
      .catch((e) => { setVersions([]); setFailed(e.message); });
  };
  const cls = props.small ? "small" : "";
  return (
    <span class="resolve">
      <button class={cls} onClick={() => props.onResolve({ status: "resolved" })}>Resolve</button>
      <details class="menu" onKeyDown={(e: KeyboardEvent) => {
        // Escape closes the menu and leaves the focus on its toggle.
        const menu = e.currentTarget as HTMLDetailsElement;
        if (e.key === "Escape" && menu.open) { menu.open = false; menu.querySelector("summary")?.focus(); e.stopPropagation(); }
      }}>
        <summary class={"button " + cls} aria-label="More ways to resolve">▾</summary>
        <div class="menu-items">
          <button class={cls} onClick={() => props.onResolve({ status: "resolved", statusDetails: { inNextRelease: true } })}>Resolve in next release</button>
          {!picking ? <button class={cls} onClick={pick}>Resolve in release…</button> : (
            <form class="pick-release" onSubmit={(e) => { e.preventDefault(); if (version) props.onResolve({ status: "resolved", statusDetails: { inRelease: version } }); }}>
              {versions === null ? <span class="muted small">Loading releases…</span> : versions.length === 0 ? (
                <span class="muted small">{failed || "This project has no releases yet."}</span>
              ) : (
                <>
                  <select aria-label="Release" value={version} onChange={(e: any) => setVersion(e.currentTarget.value)}>
                    {versions.map((v) => <option value={v}>{v}</option>)}
                  </select>
                  <button class={cls} type="submit">Resolve in this release</button>
                </>
              )}
            </form>
          )}
        </div>
      </details>
    </span>
  );
}
