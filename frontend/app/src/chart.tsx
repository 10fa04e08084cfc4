import { useEffect, useRef, useState } from "preact/hooks";
import { day, clock } from "./format";

// Charts are plain SVG: text that can be read, selected and measured, colours
// from the theme's variables (so they follow a theme change), and no plotting
// library to load.

const font = 11;
// labelWidth is a generous guess of a label's width (digits and units in an
// 11px system font are narrower than 0.7em): the axis is made wide enough
// for its longest label, so none is clipped.
const labelWidth = (s: string) => Math.ceil(s.length * font * 0.7);

// niceStep rounds a raw tick step up to 1, 2 or 5 times a power of ten.
function niceStep(raw: number): number {
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const f = raw / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

function yTicks(max: number, unit?: string): number[] {
  const top = max > 0 ? max : 1;
  let step = niceStep(top / 4);
  if (!unit && step < 1) step = 1; // counts are whole
  const out: number[] = [];
  // The last tick is at or above the highest value, so no mark leaves the plot.
  for (let v = 0; out.length < 12; v += step) { out.push(+v.toPrecision(12)); if (v >= top) break; }
  return out;
}

export function formatValue(v: number, unit?: string): string {
  if (unit === "ms") return v >= 1000 ? (v / 1000).toFixed(v >= 10000 ? 0 : 1) + " s" : Math.round(v) + " ms";
  if (unit === "%") return (100 * v).toFixed(0) + "%";
  if (Math.abs(v) >= 10000) return (v / 1000).toFixed(0) + "k";
  return String(Math.round(v * 100) / 100);
}

function timeLabel(t: number, span: number): string {
  const d = new Date(t * 1000);
  return span > 2 * 86400 ? day(d) : clock(d);
}

// useWidth follows the width of the chart's box (a window resize, a
// scroll bar appearing, a sidebar folding under on a phone). The observer
// reports the first width too, after the browser's own layout: reading
// clientWidth here would force a layout of the whole page in the middle
// of its first render (~40 ms on a 2-core machine).
function useWidth(): [preact.RefObject<HTMLDivElement>, number] {
  const el = useRef<HTMLDivElement>(null);
  const [w, setW] = useState(0);
  useEffect(() => {
    const box = el.current;
    if (!box) return;
    const obs = new ResizeObserver((entries) => {
      const e = entries[entries.length - 1];
      // The content box: clientWidth less padding, and a chart has none.
      setW(Math.floor(e.contentBoxSize?.[0]?.inlineSize ?? e.contentRect.width));
    });
    obs.observe(box);
    return () => obs.disconnect();
  }, []);
  return [el, w];
}

type Series = { label: string; values: (number | null)[] };

// Plot draws series over shared times: bars for counts, lines otherwise.
// A bucket without a value (null, or a zero bar) is a gap, never a drop to
// zero; a value with no neighbour is a dot.
function Plot(props: { xs: number[]; series: Series[]; bars?: boolean; unit?: string; width: number; height: number; bare?: boolean; label: string }) {
  const { xs, series, width, height, unit, bare } = props;
  const max = Math.max(0, ...series.flatMap((s) => s.values.map((v) => v ?? 0)));
  const ticks = bare ? [0, max || 1] : yTicks(props.bars ? max : max * 1.05, unit);
  const top = ticks[ticks.length - 1] || 1;
  const labels = ticks.map((v) => formatValue(v, unit));
  const left = bare ? 1 : Math.max(...labels.map(labelWidth)) + 10;
  const right = bare ? 1 : 8, above = bare ? 1 : font, below = bare ? 1 : font + 10;
  const pw = Math.max(10, width - left - right), ph = Math.max(10, height - above - below);
  const n = xs.length;
  const step = n > 0 ? pw / n : pw;
  // Bars sit in their bucket; line points at the bucket's middle.
  const x = (i: number) => left + step * i + step / 2;
  const y = (v: number) => above + ph - (v / top) * ph;
  const span = n > 1 ? xs[n - 1] - xs[0] : 0;
  const xTickCount = Math.max(2, Math.min(n, Math.floor(pw / 90)));
  const xTickIdx = n <= 1 ? [0] : Array.from(new Set(Array.from({ length: xTickCount }, (_, k) => Math.round(k * (n - 1) / (xTickCount - 1)))));
  return (
    <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={props.label} class="plot">
      <title>{props.label}</title>
      {!bare && ticks.map((v, i) => (
        <g class="y-tick">
          <line class="grid" x1={left} x2={left + pw} y1={y(v)} y2={y(v)} />
          <text class="axis-label" x={left - 6} y={y(v)} dy="0.35em" text-anchor="end">{labels[i]}</text>
        </g>
      ))}
      {!bare && xTickIdx.map((i, k) => (
        <text class="axis-label" x={k === 0 ? left : k === xTickIdx.length - 1 ? left + pw : x(i)} y={height - 4}
          text-anchor={k === 0 ? "start" : k === xTickIdx.length - 1 ? "end" : "middle"}>{timeLabel(xs[i], span)}</text>
      ))}
      {series.map((s, si) => props.bars ? (
        <g class={"bars series-" + si}>{s.values.map((v, i) => v != null && v > 0 ? (
          <rect class="bar-fill" data-value={v} x={left + step * i + step * 0.1} width={Math.max(1, step * 0.8)} y={y(v)} height={Math.max(1.5, y(0) - y(v))}>
            <title>{`${timeLabel(xs[i], span)}: ${formatValue(v, unit)}`}</title></rect>) : null)}</g>
      ) : (
        <g class={"line series-" + si}>
          {segments(s.values).map((seg) => seg.length > 1
            ? <path class="stroke" d={seg.map((i, k) => (k ? "L" : "M") + x(i).toFixed(1) + " " + y(s.values[i]!).toFixed(1)).join("")} />
            : null)}
          {s.values.map((v, i) => v != null && (isolated(s.values, i) || (!bare && s.values.filter((u) => u != null).length < 60)) ? (
            <circle class="dot" data-value={v} cx={x(i)} cy={y(v)} r={isolated(s.values, i) ? 4 : 3}>
              <title>{`${s.label} ${timeLabel(xs[i], span)}: ${formatValue(v, unit)}`}</title></circle>) : null)}
        </g>
      ))}
      {!bare && <line class="axis" x1={left} x2={left + pw} y1={y(0)} y2={y(0)} />}
    </svg>
  );
}

// segments splits a series at its gaps into runs of indexes with values.
function segments(values: (number | null)[]): number[][] {
  const out: number[][] = [];
  let cur: number[] = [];
  values.forEach((v, i) => {
    if (v == null) { if (cur.length) out.push(cur); cur = []; } else cur.push(i);
  });
  if (cur.length) out.push(cur);
  return out;
}

const isolated = (v: (number | null)[], i: number) => v[i] != null && v[i - 1] == null && v[i + 1] == null;

// Chart draws [[unix seconds, count], ...] as bars; a sparkline is the
// same without axes.
export function Chart(props: { stats: [number, number][]; height?: number; sparkline?: boolean; label?: string }) {
  const [el, width] = useWidth();
  const height = props.height || (props.sparkline ? 36 : 160);
  const label = props.label || "events over time";
  const stats = props.stats || [];
  // The box keeps its height while data loads, so nothing below it jumps.
  return (
    <div class={props.sparkline ? "chart spark" : "chart"} style={{ minHeight: height + "px" }} ref={el}>
      {width > 0 && stats.length > 0 && <Plot bars bare={props.sparkline} label={label} width={width} height={height}
        xs={stats.map((s) => s[0])} series={[{ label, values: stats.map((s) => s[1]) }]} />}
    </div>
  );
}

export type Line = { label: string; values: (number | null)[] };

// LineChart draws several series of one unit over the same times, with a
// legend; unit formats the y axis ("ms" turns long durations into seconds).
// Series of different units go in charts of their own.
export function LineChart(props: { xs: number[]; lines: Line[]; height?: number; unit?: string; label: string }) {
  const [el, width] = useWidth();
  const height = props.height || 180;
  return (
    <div class="chart line-chart" style={{ minHeight: height + "px" }} ref={el}>
      {width > 0 && props.xs.length > 0 && <Plot label={props.label} unit={props.unit} width={width} height={height} xs={props.xs} series={props.lines} />}
      {props.lines.length > 0 && (
        <ul class="legend">{props.lines.map((l, i) => <li class={"series-" + i}><span class="swatch" aria-hidden="true" />{l.label}</li>)}</ul>
      )}
    </div>
  );
}

// seriesOf reads one events-stats series ({data: [[t, [{count}]], …]}).
export function seriesOf(s: any): { xs: number[]; ys: number[] } {
  const data: [number, { count: number }[]][] = s?.data || [];
  return { xs: data.map((d) => d[0]), ys: data.map((d) => d[1][0]?.count ?? 0) };
}

// gapsWhereNone turns the values of buckets that counted nothing into gaps:
// the API answers 0 for a percentile of an empty bucket.
export function gapsWhereNone(values: number[], counts: number[]): (number | null)[] {
  return values.map((v, i) => (counts[i] > 0 ? v : null));
}
