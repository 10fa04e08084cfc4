import { dateTime } from "../format";
// What the release screens share: how figures read and where a release lives.

// percent shows a share the API gives in percent (crash-free, adoption).
export function percent(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return "–";
  if (v >= 100) return "100%";
  return (v >= 99 ? v.toFixed(2) : v.toFixed(1)) + "%";
}

export const when = (iso: string | null | undefined) => (iso ? dateTime(iso) || "–" : "–");

// health is the release's health in this project, when sessions were sent.
export function health(release: any, project: string): any | null {
  return release.projects?.find((p: any) => p.slug === project)?.healthData ?? null;
}

// releasePath is the dashboard address of a release; versions may hold
// characters such as "+" and "@" that must survive the trip.
export const releasePath = (org: string, project: string, version: string) =>
  `/${org}/${project}/releases/${encodeURIComponent(version)}`;

export const shortVersion = (r: any) => r.shortVersion || r.version;
