import { useEffect, useState } from "preact/hooks";

// A small history-API router: every screen has a URL, back and forward
// work, and deep links survive a reload (the server answers index.html for
// every /app/ path).
export const base = "/app";

export function navigate(to: string, replace = false) {
  const url = to.startsWith(base) ? to : base + to;
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  window.dispatchEvent(new Event("fl:navigate"));
}

export function useLocation(): URL {
  const [url, setURL] = useState(() => new URL(location.href));
  useEffect(() => {
    const update = () => setURL(new URL(location.href));
    window.addEventListener("popstate", update);
    window.addEventListener("fl:navigate", update);
    return () => {
      window.removeEventListener("popstate", update);
      window.removeEventListener("fl:navigate", update);
    };
  }, []);
  return url;
}

export function Link(props: { href: string; class?: string; children: any }) {
  return (
    <a href={base + props.href} class={props.class}
      onClick={(e: MouseEvent) => {
        if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
        e.preventDefault();
        navigate(props.href);
      }}>{props.children}</a>
  );
}

// setTitle names the browser tab after the screen, most specific first:
// setTitle("Issues", "shop") gives "Issues · shop · Faultline".
export function setTitle(...parts: string[]) {
  const t = [...parts.filter(Boolean), "Faultline"].join(" · ");
  if (document.title !== t) document.title = t;
}
