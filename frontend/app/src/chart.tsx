import { useEffect, useRef } from "preact/hooks";
import type uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

// The plotting library is most of the dashboard's code: it loads with the
// first chart, after the page itself has shown.
let plotting: Promise<typeof uPlot> | null = null;
const loadPlotting = () => (plotting ??= import("uplot").then((m) => m.default));

// drawLater builds a plot once the library is there, unless the chart is
// gone by then; it returns the effect's cleanup.
function drawLater(el: HTMLDivElement, build: (U: typeof uPlot) => uPlot, width: () => number) {
  let plot: uPlot | null = null;
  let gone = false;
  const resize = () => plot?.setSize({ width: width(), height: plot.height });
  loadPlotting().then((U) => {
    if (gone || !el.isConnected) return;
    plot = build(U);
    window.addEventListener("resize", resize);
  }).catch(() => { /* without the library the box stays empty; the figures around it still show */ });
  return () => { gone = true; window.removeEventListener("resize", resize); plot?.destroy(); };
}

// Chart draws [[unix seconds, count], ...] as bars; a sparkline is the
// same without axes.
export function Chart(props: { stats: [number, number][]; height?: number; sparkline?: boolean; label?: string }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current || !props.stats.length) return;
    const xs = props.stats.map((s) => s[0]);
    const ys = props.stats.map((s) => s[1]);
    const accent = getComputedStyle(document.documentElement).getPropertyValue("--accent").trim() || "#6e40c9";
    const muted = getComputedStyle(document.documentElement).getPropertyValue("--muted").trim() || "#888";
    const box = el.current;
    return drawLater(box, (uPlot) => new uPlot({
      width: box.clientWidth || 300,
      height: props.height || (props.sparkline ? 36 : 160),
      legend: { show: false },
      cursor: { show: !props.sparkline },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
      axes: props.sparkline ? [{ show: false }, { show: false }] : [{ stroke: muted }, { stroke: muted, size: 40 }],
      series: [{}, { label: props.label || "events", stroke: accent, fill: accent + "55", paths: uPlot.paths.bars!({ size: [0.8, 40] }), points: { show: false } }],
    }, [xs, ys], box), () => box.clientWidth || 300);
  }, [props.stats]);
  const height = props.height || (props.sparkline ? 36 : 160);
  // The box keeps its height while data loads, so nothing below it jumps.
  return <div class={props.sparkline ? "chart spark" : "chart"} style={{ minHeight: height + "px" }} ref={el} aria-label={props.label || "events over time"} />;
}

export type Line = { label: string; values: (number | null)[] };

// LineChart draws several series over the same times, with a legend; unit
// formats the y axis ("ms" turns long durations into seconds).
export function LineChart(props: { xs: number[]; lines: Line[]; height?: number; unit?: string; label: string }) {
  const el = useRef<HTMLDivElement>(null);
  const height = props.height || 180;
  useEffect(() => {
    if (!el.current || !props.xs.length) return;
    const css = getComputedStyle(document.documentElement);
    const muted = css.getPropertyValue("--muted").trim() || "#888";
    const colors = [css.getPropertyValue("--accent").trim() || "#6e40c9", "#d4a72c", "#2da44e", "#cf222e", "#0969da", "#8c959f"];
    const fmt = (v: number) => props.unit === "ms" ? (v >= 1000 ? (v / 1000).toFixed(1) + " s" : Math.round(v) + " ms")
      : props.unit === "%" ? (100 * v).toFixed(0) + "%" : String(Math.round(v * 100) / 100);
    const box = el.current;
    return drawLater(box, (uPlot) => new uPlot({
      width: box.clientWidth || 300,
      height,
      legend: { show: true },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      axes: [{ stroke: muted }, { stroke: muted, size: 56, values: (_u, ticks) => ticks.map(fmt) }],
      // Sparse series (a few checks, gaps where nothing ran) draw their
      // points too: a lone value has no line to draw.
      series: [{}, ...props.lines.map((l, i) => ({ label: l.label, stroke: colors[i % colors.length], width: 2, spanGaps: true,
        points: { show: l.values.filter((v) => v != null).length < 60, size: 7, fill: colors[i % colors.length] }, value: (_u: unknown, v: number | null) => v == null ? "–" : fmt(v) }))],
    }, [props.xs, ...props.lines.map((l) => l.values)], box), () => box.clientWidth || 300);
  }, [props.xs, props.lines]);
  return <div class="chart" style={{ minHeight: height + "px" }} ref={el} aria-label={props.label} />;
}

// seriesOf reads one events-stats series ({data: [[t, [{count}]], …]}).
export function seriesOf(s: any): { xs: number[]; ys: number[] } {
  const data: [number, { count: number }[]][] = s?.data || [];
  return { xs: data.map((d) => d[0]), ys: data.map((d) => d[1][0]?.count ?? 0) };
}
