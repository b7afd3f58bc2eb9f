// irqhop.js - helpers shared by the dashboard pages (an ES module).
// Every page gets its data from the JSON API (docs/api.md) through getJSON.

// Fetches URL and returns its parsed JSON; throws an Error carrying the
// API's {"error": ...} message (or the HTTP status) on failure.
export async function getJSON(url) {
  let res;
  try {
    res = await fetch(url, { headers: { Accept: 'application/json' } });
  } catch (e) {
    throw new Error(`cannot reach the server (${e.message})`);
  }
  let body = null;
  try { body = await res.json(); } catch (e) { /* not JSON: use the status */ }
  if (!res.ok)
    throw new Error(body && body.error ? body.error : `HTTP ${res.status} for ${url}`);
  return body;
}

// Creates an element: el('td', {class: 'num'}, 'text', childNode, ...).
// Text is always inserted as text, never parsed as HTML.
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') node.className = v;
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    node.append(c instanceof Node ? c : String(c));
  }
  return node;
}

const DASH = '–';

// Three significant digits in the unit that keeps the number readable.
function sig3(v) {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

// A duration in ns as "850 ns", "12.4 µs", "3.21 ms" or "1.50 s".
export function fmtNs(ns) {
  if (ns === null || ns === undefined || Number.isNaN(Number(ns))) return DASH;
  const v = Number(ns);
  const a = Math.abs(v);
  if (a < 1e3) return `${Math.round(v)} ns`;
  if (a < 1e6) return `${sig3(v / 1e3)} µs`;
  if (a < 1e9) return `${sig3(v / 1e6)} ms`;
  return `${sig3(v / 1e9)} s`;
}

// An integer with thin-space thousands separators ("1 234 567").
export function fmtCount(n) {
  if (n === null || n === undefined) return DASH;
  return Number(n).toLocaleString('en-US').replace(/,/g, '\u202f');
}

// An instant in ns since the Unix epoch as "2026-11-22 04:06:51" (UTC).
// Precision below a millisecond is lost in JavaScript numbers anyway.
export function fmtTime(ns) {
  if (ns === null || ns === undefined) return DASH;
  const d = new Date(Number(ns) / 1e6);
  if (Number.isNaN(d.getTime())) return DASH;
  return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, '');
}

// "12.5%" of part in whole, or '' when whole is empty.
export function fmtPct(part, whole) {
  if (!whole) return '';
  const p = (100 * part) / whole;
  return `${p < 10 ? p.toFixed(1) : p.toFixed(0)}%`;
}

// Shows a message in the page's status line (an error in red).
export function setStatus(text, isError) {
  const s = document.getElementById('status');
  if (!s) return;
  s.textContent = text || '';
  s.classList.toggle('error', !!isError);
}

// What each path is, in the words of docs/design.md §5 and
// docs/kvm-model.md.  Only prose: the paths, their hops and the hops' order
// come from the database (GET /api/paths, loadPaths); a path without prose
// here is described by its events (pathAbout).
export const PATHS = {
  passthrough: 'Xen passthrough (dpci): device IRQ → tasklet → injection → guest ack',
  timer: 'Xen VIRQ_TIMER: timer → tasklet → injection → guest ack',
  irqfd: 'KVM irqfd: eventfd signal → notifier → (workqueue) → injection → guest ack',
  'kvm-msi': 'KVM on a real host, MSI: device raise → kvm_msi_set_irq → vCPU woken → vCPU runs → guest ack',
  'kvm-ioapic': 'KVM on a real host, IOAPIC: device raise → kworker → kvm_set_irq → vCPU woken → vCPU runs → guest ack',
};

// The database's paths (GET /api/paths): a Map from path name to its hops
// in order ([{hop, seq, from_ev, to_ev, role}]), paths by name.
export async function loadPaths() {
  const { paths } = await getJSON('/api/paths');
  return new Map(paths.map((p) => [p.path, p.hops]));
}

// A line saying what PATH is: its prose, else its events in order.
export function pathAbout(path, hops) {
  if (PATHS[path]) return PATHS[path];
  if (!hops || !hops.length) return '';
  return [hops[0].from_ev, ...hops.map((h) => h.to_ev)].join(' → ');
}
