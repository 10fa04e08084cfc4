// What an Undo of a change to issues puts back: for each issue, the
// fields the change is about to alter, as they were.

// Restore is one request of an Undo: a body and the issues it goes to.
export type Restore = { body: any; ids: string[] };

// restoreBody is the change that gives an issue back the fields `change`
// alters: its status with the status's details (the release it was
// resolved in, or the ignore's end, count and duration), its assignee,
// the caller's bookmark and seen mark.
export function restoreBody(is: any, change: any): any {
  const out: any = {};
  if (change.status !== undefined) {
    out.status = is.status;
    const d = is.statusDetails || {}, details: any = {};
    if (is.status === "resolved") {
      if (d.inRelease) details.inRelease = d.inRelease;
      else if (d.inNextRelease) details.inNextRelease = true;
    } else if (is.status === "ignored") {
      // An end already past cannot be asked for again; the ignore's other
      // conditions still can.
      if (d.ignoreUntil && Date.parse(d.ignoreUntil) > Date.now()) details.ignoreUntil = d.ignoreUntil;
      if (d.ignoreDuration && details.ignoreUntil) details.ignoreDuration = d.ignoreDuration;
      if (d.ignoreCount) details.ignoreCount = d.ignoreCount;
    }
    if (Object.keys(details).length) out.statusDetails = details;
  }
  if (change.assignedTo !== undefined) {
    const a = is.assignedTo;
    out.assignedTo = !a ? "" : a.type === "team" ? "#" + a.name : a.email;
  }
  if (change.isBookmarked !== undefined) out.isBookmarked = !!is.isBookmarked;
  if (change.hasSeen !== undefined) out.hasSeen = !!is.hasSeen;
  return out;
}

// restoresOf groups the issues by the body that restores each, so issues
// that were alike go back in one request.
export function restoresOf(issues: any[], change: any): Restore[] {
  const byBody = new Map<string, Restore>();
  for (const is of issues) {
    const body = restoreBody(is, change), key = JSON.stringify(body);
    const r = byBody.get(key);
    if (r) r.ids.push(is.id); else byBody.set(key, { body, ids: [is.id] });
  }
  return [...byBody.values()];
}
