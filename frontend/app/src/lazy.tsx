import { useEffect, useState } from "preact/hooks";

// lazy loads a screen's code the first time it is shown, so the first page
// of the dashboard does not wait for every screen's.
export function lazy(load: () => Promise<any>) {
  let loaded: any = null;
  return function Lazy(props: Record<string, any>) {
    const [Screen, setScreen] = useState<any>(() => loaded);
    const [failed, setFailed] = useState(false);
    useEffect(() => {
      if (!Screen) load().then((s: any) => { loaded = s; setScreen(() => s); }).catch(() => setFailed(true));
    }, []);
    if (failed) return <p class="error" role="alert">This screen could not be loaded. Check your connection and reload the page.</p>;
    return Screen ? <Screen {...props} /> : <p class="loading">Loading…</p>;
  };
}
