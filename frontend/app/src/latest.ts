import { useRef } from "preact/hooks";

// useLatest guards a screen against answers that arrive out of order: a
// search's answer can come before the answer of the list it replaced
// (asked for a moment earlier, on another connection), which must then
// not overwrite it. latest(p) settles like p only while no later call of
// the same latest started; an overtaken answer never settles, so neither
// its rows nor its error reach the screen.
export function useLatest() {
  const generation = useRef(0);
  return function latest<T>(p: Promise<T>): Promise<T> {
    const g = ++generation.current;
    const never = new Promise<T>(() => {});
    return p.then((v) => (g === generation.current ? v : never), (e) => (g === generation.current ? Promise.reject(e) : never));
  };
}
