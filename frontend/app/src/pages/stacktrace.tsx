import { useState } from "preact/hooks";
import { Fold } from "./fold";

// Why a frame could not be mapped to its original source, in words.
const unmapped: Record<string, string> = {
  no_bundle: "no source map uploaded for this release",
  no_sourcemap: "no source map for this file",
  line_out_of_range: "the line is outside the source map (was the map uploaded for another build?)",
  invalid_sourcemap: "the uploaded source map could not be read",
};

const resolvedWith: Record<string, string> = {
  "debug-id": "debug ID",
  release: "release artifacts",
  "sourcemap-url": "sourceMappingURL",
};

function FrameNote(props: { data: any }) {
  const d = props.data;
  if (!d || typeof d !== "object") return null;
  if (d.symbolicated === false) {
    const reason = unmapped[d.unmapped_reason] || "the source map could not be applied";
    return <p class="frame-note unmapped">Not mapped: {reason}.</p>;
  }
  if (d.symbolicated === true) {
    return <p class="frame-note muted small">Mapped with {resolvedWith[d.resolved_with] || "a source map"}{d.sourcemap ? <>: <code><bdi>{d.sourcemap}</bdi></code></> : null}</p>;
  }
  return null;
}

// At most this many in-app frames show before "show more": deep recursion
// in the app's own code must not make the page thousands of pixels tall.
const inAppShown = 10;

// Frames shows a stack trace from the crashing frame down: the crashing
// frame and the first in-app frames, the others folded away.
export function Frames(props: { frames: any[] }) {
  const frames = props.frames.slice().reverse();
  const [all, setAll] = useState(false);
  let inApp = 0;
  const shown = all ? frames : frames.filter((f, i) => i === 0 || (f.inApp && inApp++ < inAppShown));
  const someInApp = frames.some((f) => f.inApp);
  return (
    <>
      {someInApp && frames.some((f) => !f.inApp) && (
        <div class="frame-scope" role="group" aria-label="Frames shown">
          <button class={"small" + (!all ? " on" : "")} aria-pressed={!all} onClick={() => setAll(false)}>In-app</button>
          <button class={"small" + (all ? " on" : "")} aria-pressed={all} onClick={() => setAll(true)}>All frames</button>
        </div>
      )}
      <ol class="frames">
        {shown.map((f: any) => (
          <li class={"frame" + (f.inApp ? " in-app" : "") + (f.data?.symbolicated === false ? " not-mapped" : "")}>
            <details open={f.inApp}>
              <summary><code class="where"><bdi>{f.filename || f.absPath || f.module}</bdi>{f.lineNo ? `:${f.lineNo}` : ""}{f.lineNo && f.colNo ? `:${f.colNo}` : ""}</code> in <code><bdi>{f.function || "?"}</bdi></code></summary>
              <FrameNote data={f.data} />
              {f.context?.length > 0 && <pre>{f.context.map((c: any) => `${c[0]}  ${c[1]}`).join("\n")}</pre>}
              {f.vars && <pre class="vars"><Fold text={JSON.stringify(f.vars, null, 2)} limit={600} /></pre>}
            </details>
          </li>
        ))}
      </ol>
      {shown.length < frames.length && (
        <button class="small more-frames" onClick={() => setAll(true)}>show {frames.length - shown.length} more frames</button>
      )}
    </>
  );
}

// looksMinified: bundled JavaScript, by its file name or by code that sits
// far to the right on one of the first lines.
export function looksMinified(frames: any[]): boolean {
  return frames.some((f) => /\.min\.(c|m)?js(\?|#|$)|[.-][0-9a-f]{8,}\.(c|m)?js(\?|#|$)/i.test(f.absPath || f.filename || "")
    || ((f.lineNo ?? 0) <= 2 && (f.colNo ?? 0) > 200));
}

// Exception shows one exception of an event: its original frames, and,
// when symbolication mapped them, the minified frames on request.
export function Exception(props: { ex: any; release?: string }) {
  const ex = props.ex;
  const [minified, setMinified] = useState(false);
  const raw = ex.rawStacktrace?.frames;
  const frames = (minified && raw ? raw : ex.stacktrace?.frames) || [];
  const mapped = (ex.stacktrace?.frames || []).some((f: any) => f.data?.symbolicated === true);
  return (
    <div class="exception">
      <h2><bdi>{ex.type}</bdi>: <span class="value"><Fold text={ex.value || ""} /></span></h2>
      {raw && (
        <div class="frame-view" role="group" aria-label="Stack trace view">
          <button class={"small" + (!minified ? " on" : "")} aria-pressed={!minified} onClick={() => setMinified(false)}>Original</button>
          <button class={"small" + (minified ? " on" : "")} aria-pressed={minified} onClick={() => setMinified(true)}>Minified</button>
        </div>
      )}
      {!raw && !mapped && looksMinified(frames) && (
        <p class="hint small">These frames look minified. Source maps are applied when an event arrives:
          maps uploaded{props.release ? <> for <bdi>{props.release}</bdi></> : null} after this event was received show original frames only for later events.</p>
      )}
      <Frames frames={frames} key={minified ? "minified" : "original"} />
    </div>
  );
}
