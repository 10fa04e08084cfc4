import { prefetch } from "../api";
import { base } from "../router";
import { issueListPath } from "./issues";
import { issuePaths } from "./issue";

// prefetchScreen starts the "who am I" call and the data requests of the
// screen a page load lands on (the issue list, an issue) together, as the
// script starts: otherwise "who am I" waits for the first render, and the
// screen's requests for its answer. Without a session they fail quietly
// and the screen asks again after logging in. whoAmI false leaves "who am
// I" out, for a caller that knows the answer (a login's).
export function prefetchScreen(loc: Location, whoAmI = true) {
  if (!loc.pathname.startsWith(base + "/")) return;
  // As main.tsx reads the address: the parts as they stand.
  const parts = loc.pathname.slice(base.length).split("/").filter(Boolean);
  // "Who am I" too, before the first render and its effects, which come a
  // frame or more later; public status pages do not ask.
  if (whoAmI && parts[0] !== "status") prefetch("/");
  const reserved = ["settings", "monitors", "discover", "account", "accept-invite", "status", "reset-password", "verify-email", "login"];
  if (parts.length === 3 && parts[2] === "issues" && !reserved.includes(parts[0]) && !reserved.includes(parts[1])) {
    prefetch(issueListPath(parts[0], parts[1], new URLSearchParams(loc.search)));
  } else if (parts.length === 3 && parts[1] === "issues" && /^\d+$/.test(parts[2])) {
    [...issuePaths(parts[2]), `/organizations/${parts[0]}/members/`, `/organizations/${parts[0]}/teams/`].forEach(prefetch);
  }
}
