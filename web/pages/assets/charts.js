// charts.js - the dashboard's charts, drawn by uPlot (the npm package,
// bundled into the binary as /assets/uPlot.esm.js: no CDN).
//
// Every chart is registered in window.ihCharts under its element's
// data-chart name, with the exact data it was given (the browser test reads
// it back and compares it with the database).  Durations are in ns.
import uPlot from '/assets/uPlot.esm.js';
import { fmtNs, fmtCount } from '/assets/irqhop.js';

export const charts = (window.ihCharts = window.ihCharts || {});

// One colour per hop (the same on every page) and per vCPU state.
export const HOP_COLORS = {
  delivery: '#4f8fd6', schedule: '#e0a21b', queue: '#d9534f', assist: '#2f9e77', guest: '#8b5cf6',
  callback: '#0ea5e9', defer: '#f97316', worker: '#b91c1c', inject: '#14b8a6', total: '#334155',
  signal: '#0891b2', wake: '#ca8a04', run: '#db2777',
};
export const STATE_COLORS = {
  guest: '#2f9e77', hypervisor: '#e0a21b', runnable: '#d9534f', blocked: '#cbd5e1', offline: '#64748b',
};
const SERIES_COLORS = ['#1f5fa8', '#d9534f', '#2f9e77', '#e0a21b', '#8b5cf6', '#0ea5e9', '#f97316', '#64748b'];
export const seriesColor = (i) => SERIES_COLORS[i % SERIES_COLORS.length];

// Width for a chart in CONTAINER (uPlot draws at a fixed size).
function widthOf(container, min = 280) {
  return Math.max(min, Math.floor(container.getBoundingClientRect().width || container.clientWidth || 600));
}

function register(container, name, kind, u, given) {
  container.dataset.chart = name;
  charts[name] = { kind, u, container, ...given };
  return u;
}

// Charts follow the window's width (once per animation frame at most).
let resizing = false;
window.addEventListener('resize', () => {
  if (resizing) return;
  resizing = true;
  requestAnimationFrame(() => {
    resizing = false;
    for (const c of Object.values(charts))
      if (c.container.isConnected) c.u.setSize({ width: widthOf(c.container), height: c.u.height });
  });
});

// Axis values for durations in ns ("10 µs").
const nsAxis = (u, splits) => splits.map((v) => (v == null ? '' : fmtNs(v)));
// Axis values on a log scale: only powers of ten, labelled.
const nsLogAxis = (u, splits) => splits.map((v) => {
  if (v == null || v <= 0) return '';
  const l = Math.log10(v);
  return Math.abs(l - Math.round(l)) < 1e-9 ? fmtNs(v) : '';
});

const bars = uPlot.paths.bars;
const stepped = uPlot.paths.stepped;

// Stacked bars.  CATEGORIES label the x positions; LAYERS is
// [{label, color, values: [one per category]}] from the bottom up.  Draws
// each layer as bars of its cumulative height, tallest first, so they
// stack; the legend and the registry keep the layers' own values.
export function stackedBars(container, name, { categories, layers, yFormat = fmtNs, height = 240, title, xLabel = '' }) {
  const xs = categories.map((_, i) => i);
  const cum = [];
  let acc = categories.map(() => 0);
  for (const l of layers) {
    acc = acc.map((a, i) => a + (Number(l.values[i]) || 0));
    cum.push(acc.slice());
  }
  const order = layers.map((_, i) => i).reverse();
  const data = [xs, ...order.map((i) => cum[i])];
  const series = [{ label: xLabel, value: (u, v) => (v == null ? '' : categories[v] ?? '') }];
  for (const i of order) {
    const l = layers[i];
    series.push({
      label: l.label, stroke: l.color, fill: l.color, width: 0,
      paths: bars({ size: [0.6, 80], align: 0 }), points: { show: false },
      value: (u, v, si, idx) => (idx == null ? '' : yFormat(l.values[idx])),
    });
  }
  const u = new uPlot({
    title, width: widthOf(container), height,
    scales: { x: { time: false, range: [-0.5, categories.length - 0.5] }, y: { range: (u, lo, hi) => [0, hi * 1.05 || 1] } },
    axes: [
      { values: (u, splits) => splits.map((v) => (Number.isInteger(v) && categories[v] != null ? categories[v] : '')),
        splits: () => xs, grid: { show: false } },
      { values: (u, splits) => splits.map((v) => yFormat(v)), size: 70 },
    ],
    legend: { live: true },
    cursor: { points: { show: false }, drag: { x: false, y: false } },
    series,
  }, data, container);
  return register(container, name, 'stackedBars', u, { categories, layers });
}

// Histogram of one hop on a log duration axis, from the API's buckets
// [[lo_ns, hi_ns, count, cum], ...], grouped into BINS_PER_DECADE log bins
// (the raw buckets are 1% wide: too fine to read).  Each bin keeps the
// exact range of the buckets in it, [lo, hi], so clicking it lists the
// interrupts behind it: ONBIN({lo, hi, count}).
export const BINS_PER_DECADE = 20;
export function binBuckets(buckets) {
  const bins = [];
  let cur = null;
  for (const [lo, hi, count] of buckets) {
    const k = Math.floor(Math.log10(Math.max(lo, 1)) * BINS_PER_DECADE + 1e-9);
    if (!cur || cur.k !== k) {
      cur = { k, lo, hi, count: 0 };
      bins.push(cur);
    }
    cur.hi = hi;
    cur.count += count;
  }
  return bins.map(({ lo, hi, count }) => ({ lo, hi, count }));
}

export function histogram(container, name, { buckets, color = '#1f5fa8', height = 170, title, onBin }) {
  const bins = binBuckets(buckets);
  // Steps drawn at each bin's lower bound; a last point closes the last bin.
  const xs = bins.map((b) => Math.max(b.lo, 1));
  const ys = bins.map((b) => b.count);
  if (bins.length) {
    xs.push(Math.max(bins[bins.length - 1].hi + 1, xs[xs.length - 1] * 1.01));
    ys.push(0);
  }
  const u = new uPlot({
    title, width: widthOf(container), height,
    scales: { x: { time: false, distr: 3, log: 10 }, y: { range: (u, lo, hi) => [0, hi * 1.08 || 1] } },
    axes: [{ values: nsLogAxis, space: 40 }, { size: 50, values: (u, s) => s.map((v) => fmtCount(v)) }],
    legend: { show: false },
    cursor: { drag: { x: false, y: false }, points: { show: false } },
    series: [{}, { label: 'interrupts', stroke: color, fill: color + '55', width: 1,
      paths: stepped({ align: 1 }), points: { show: false } }],
  }, [xs, ys], container);
  const bin = (idx) => (idx != null && idx < bins.length ? bins[idx] : null);
  // Hover: which bin, how many; click: its interrupts.
  const tip = document.createElement('div');
  tip.className = 'chart-tip';
  container.append(tip);
  u.over.addEventListener('mousemove', (e) => {
    const b = bin(binAt(u, xs, e));
    tip.textContent = b ? `${fmtNs(b.lo)} – ${fmtNs(b.hi)}: ${fmtCount(b.count)} interrupt${b.count === 1 ? '' : 's'} (click to list)` : '';
  });
  u.over.addEventListener('mouseleave', () => { tip.textContent = ''; });
  if (onBin) {
    u.over.style.cursor = 'pointer';
    u.over.addEventListener('click', (e) => { const b = bin(binAt(u, xs, e)); if (b && b.count) onBin(b); });
  }
  return register(container, name, 'histogram', u, { buckets, bins });
}

// Index of the bin under the pointer: the last x at or left of it.  The
// position comes from the event itself, not from uPlot's cursor, which is
// updated from mousemove and can lag behind a quick click.
function binAt(u, xs, e) {
  const left = e ? e.clientX - u.over.getBoundingClientRect().left : u.cursor.left;
  if (left == null || left < 0) return null;
  const v = u.posToVal(left, 'x');
  let idx = null;
  for (let i = 0; i < xs.length - 1; i++) if (xs[i] <= v) idx = i;
  return idx;
}

// CDF(s) on a log duration axis.  SETS: [{label, color, points: [[x_ns,
// fraction], ...]}] (the API's cdf, or a hist's buckets as [hi, cum/count]).
// ONPOINT(setIndex, pointIndex) on click.
export function cdf(container, name, { sets, height = 200, title, onPoint }) {
  // One x array for all sets: the union of their x values.
  const xsSet = new Set();
  for (const s of sets) for (const [x] of s.points) xsSet.add(Math.max(x, 1));
  const xs = [...xsSet].sort((a, b) => a - b);
  const ys = sets.map((s) => {
    const m = new Map(s.points.map(([x, y]) => [Math.max(x, 1), y]));
    // Carry the last value forward: a CDF is a step function.
    let last = null;
    return xs.map((x) => { if (m.has(x)) last = m.get(x); return last; });
  });
  const u = new uPlot({
    title, width: widthOf(container), height,
    scales: { x: { time: false, distr: 3, log: 10 }, y: { range: [0, 1] } },
    axes: [{ values: nsLogAxis, space: 40 }, { size: 54, values: (u, s) => s.map((v) => `${Math.round(v * 100)}%`) }],
    legend: { live: true },
    cursor: { drag: { x: false, y: false } },
    series: [{ label: 'duration', value: (u, v) => (v == null ? '' : fmtNs(v)) },
      ...sets.map((s) => ({ label: s.label, stroke: s.color, width: 2, paths: stepped({ align: 1 }),
        points: { show: false }, value: (u, v) => (v == null ? '' : `${(v * 100).toFixed(1)}%`) }))],
  }, [xs, ...ys], container);
  if (onPoint) {
    u.over.style.cursor = 'pointer';
    u.over.addEventListener('click', () => {
      const i = u.cursor.idx;
      if (i == null) return;
      onPoint(xs[i], ys.map((y) => y[i]), u.posToVal(u.cursor.top, 'y'));
    });
  }
  return register(container, name, 'cdf', u, { sets });
}

// Lines over time.  X: seconds; SETS: [{label, color, values}]; YFMT formats
// the y values.
export function lines(container, name, { x, sets, yFormat = (v) => `${v.toFixed(1)}%`, yRange, height = 200, title }) {
  const u = new uPlot({
    title, width: widthOf(container), height,
    scales: { x: { time: false }, y: yRange ? { range: yRange } : {} },
    axes: [{ values: (u, s) => s.map((v) => `${v}s`) }, { size: 64, values: (u, s) => s.map((v) => yFormat(v)) }],
    legend: { live: true },
    cursor: { drag: { x: true, y: false } },
    series: [{ label: 'time', value: (u, v) => (v == null ? '' : `${v.toFixed(2)} s`) },
      ...sets.map((s) => ({ label: s.label, stroke: s.color, width: 1.5, points: { show: false },
        value: (u, v) => (v == null ? '' : yFormat(v)) }))],
  }, [x, ...sets.map((s) => s.values)], container);
  return register(container, name, 'lines', u, { x, sets });
}

// Waterfall of one interrupt: each hop a thick bar on its lane (thread),
// from its offset to offset + duration (ns from the interrupt's start).
// HOPS: [{hop, offset_ns, dur_ns, lane}]; LANES: lane names, top first.
export function waterfall(container, name, { hops, lanes, height, title }) {
  const pts = new Set();
  for (const h of hops) { pts.add(h.offset_ns); pts.add(h.offset_ns + h.dur_ns); }
  const xs = [...pts].sort((a, b) => a - b);
  const laneY = (lane) => lanes.length - 1 - lanes.indexOf(lane);
  const data = [xs, ...hops.map((h) => xs.map((x) => (x === h.offset_ns || x === h.offset_ns + h.dur_ns ? laneY(h.lane) : null)))];
  const barH = 18;
  const u = new uPlot({
    title, width: widthOf(container), height: height || 90 + lanes.length * 44,
    scales: { x: { time: false, range: (u, lo, hi) => [0, hi > 0 ? hi * 1.02 : 1] }, y: { range: [-0.7, lanes.length - 0.3] } },
    axes: [{ values: nsAxis, space: 70 },
      // Wide enough for the longest lane name (about 7 px a character).
      { size: Math.max(110, 16 + 7 * Math.max(0, ...lanes.map((l) => String(l).length))), splits: () => lanes.map((_, i) => i), values: (u, s) => s.map((v) => lanes[lanes.length - 1 - v] ?? ''), grid: { show: false } }],
    legend: { live: false },
    cursor: { drag: { x: true, y: false }, points: { show: false } },
    series: [{ label: 'time', value: (u, v) => (v == null ? '' : fmtNs(v)) },
      ...hops.map((h) => ({ label: `${h.hop} ${fmtNs(h.dur_ns)}`, stroke: HOP_COLORS[h.hop] || '#334155',
        width: barH, spanGaps: true, points: { show: false }, cap: 'butt' }))],
  }, data, container);
  return register(container, name, 'waterfall', u, { hops, lanes });
}
