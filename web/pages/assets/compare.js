// compare.js - two runs side by side (/compare?a=A&b=B), from GET
// /api/compare: per-hop p50/p99 of both with B - A and B / A, both CDFs of
// each hop overlaid, and the regression verdicts when the answer has them
// (`irqhop regress` adds a "verdicts" member: shown as it comes).
import { getJSON, el, fmtNs, fmtCount, setStatus } from '/assets/irqhop.js';
import { cdf } from '/assets/charts.js';

const COLOR_A = '#1f5fa8';
const COLOR_B = '#d9534f';
const runName = (r) => `run ${r.id}${r.label ? ` (${r.label})` : ''}`;

// A signed duration delta, and its class: worse (B slower by > 5%), better.
function deltaCell(d, ratio) {
  if (d == null) return el('td', { class: 'num dim' }, '–');
  const cls = ratio == null ? '' : ratio > 1.05 ? ' worse' : ratio < 0.95 ? ' better' : '';
  const sign = d > 0 ? '+' : d < 0 ? '−' : '±';
  return el('td', { class: `num${cls}` }, `${sign}${fmtNs(Math.abs(d))}`);
}
// B / A with two decimals, or two significant digits below 0.1.
export const fmtRatio = (r) => `×${r >= 0.1 ? r.toFixed(2) : r.toPrecision(2)}`;
const ratioCell = (r) => el('td', { class: 'num' + (r == null ? ' dim' : r > 1.05 ? ' worse' : r < 0.95 ? ' better' : '') },
  r == null ? '–' : fmtRatio(r));

function deltaTables(hops) {
  const byPath = new Map();
  for (const h of hops) {
    if (!byPath.has(h.path)) byPath.set(h.path, []);
    byPath.get(h.path).push(h);
  }
  const out = [];
  for (const [path, rows] of byPath) {
    rows.sort((x, y) => x.seq - y.seq);
    const head = el('tr', {}, ...['Hop', 'A p50', 'B p50', 'Δ p50', 'B/A', 'A p99', 'B p99', 'Δ p99', 'B/A', 'A count', 'B count']
      .map((t, i) => el('th', { class: i ? 'num' : null }, t)));
    const body = rows.map((h) => el('tr', { class: h.hop === 'total' ? 'total' : null, 'data-hop': h.hop },
      el('td', {}, el('span', { class: 'swatch', 'data-hop': h.hop }), h.hop),
      el('td', { class: 'num' }, fmtNs(h.a && h.a.p50_ns)), el('td', { class: 'num' }, fmtNs(h.b && h.b.p50_ns)),
      deltaCell(h.d_p50_ns, h.r_p50), ratioCell(h.r_p50),
      el('td', { class: 'num' }, fmtNs(h.a && h.a.p99_ns)), el('td', { class: 'num' }, fmtNs(h.b && h.b.p99_ns)),
      deltaCell(h.d_p99_ns, h.r_p99), ratioCell(h.r_p99),
      el('td', { class: 'num' }, fmtCount(h.a && h.a.count)), el('td', { class: 'num' }, fmtCount(h.b && h.b.count))));
    out.push(el('section', { class: 'path', 'data-path': path }, el('header', {}, el('h3', {}, path)),
      el('div', { class: 'scroll' }, el('table', { class: 'data deltas' }, el('thead', {}, head), el('tbody', {}, ...body)))));
  }
  return out;
}

// The verdicts as they come (irqhop regress decides their shape): a list
// of objects becomes a table with one column per key, an object a table of
// key and value (nested values rendered the same way), anything else text.
// Regressions are red, passes green.
const BAD = /^(true|regress(ed|ion)?|fail(ed)?|worse|slower)$/i;
const GOOD = /^(false|ok|pass(ed)?|better|faster|same|unchanged|improved|none)$/i;
function verdictCell(key, x) {
  if (x !== null && typeof x === 'object') return el('td', {}, renderValue(x));
  const s = String(x);
  // A boolean only means "regressed" under a key that says so.
  const judged = typeof x !== 'boolean' || /regress|fail|worse/i.test(key);
  return el('td', { class: judged && BAD.test(s) ? 'worse' : judged && GOOD.test(s) ? 'better' : null,
    'data-key': key }, typeof x === 'number' && !Number.isInteger(x) ? x.toFixed(3) : s);
}
function renderValue(v) {
  if (Array.isArray(v) && v.length && v.every((r) => r && typeof r === 'object' && !Array.isArray(r))) {
    const keys = [...new Set(v.flatMap((r) => Object.keys(r)))];
    return el('table', { class: 'data verdicts' }, el('thead', {}, el('tr', {}, ...keys.map((k) => el('th', {}, k)))),
      el('tbody', {}, ...v.map((r) => el('tr', {}, ...keys.map((k) => verdictCell(k, r[k] ?? ''))))));
  }
  if (v && typeof v === 'object' && !Array.isArray(v))
    return el('table', { class: 'data verdicts' }, el('tbody', {},
      ...Object.entries(v).map(([k, x]) => el('tr', {}, el('th', {}, k), verdictCell(k, x)))));
  return el('span', {}, Array.isArray(v) ? v.map(String).join(', ') : String(v));
}
function renderVerdicts(v) {
  document.getElementById('verdict-body').replaceChildren(el('div', { class: 'scroll' }, renderValue(v)));
  document.getElementById('verdicts').hidden = false;
}

async function main() {
  const q = new URLSearchParams(location.search);
  const a = q.get('a');
  const b = q.get('b');
  const crumbs = document.getElementById('crumbs');
  crumbs.append(' / ', el('span', {}, 'compare'));
  try {
    const { runs } = await getJSON('/api/runs');
    const fa = document.getElementById('f-a');
    const fb = document.getElementById('f-b');
    for (const sel of [fa, fb])
      sel.replaceChildren(...runs.map((r) => el('option', { value: r.id }, runName(r))));
    if (runs.length > 1) {
      fa.value = a || runs[1].id;
      fb.value = b || runs[0].id;
    }
    if (!a || !b) {
      setStatus(runs.length > 1 ? 'Pick two runs: A is the reference, B the one judged against it.'
        : 'Comparing needs two runs in the database.');
      document.body.dataset.ready = '1';
      return;
    }
    const cmp = await getJSON(`/api/compare?a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}`);
    document.title = `irqhop · compare ${cmp.a.id} and ${cmp.b.id}`;
    document.getElementById('title').textContent = `Run ${cmp.b.id} against run ${cmp.a.id}`;
    const card = (r, tag, color) => {
      const c = el('div', { class: 'card' }, el('span', { class: 'tag' }, tag),
        el('a', { href: `/runs/${r.id}` }, runName(r)),
        el('div', { class: 'dim' }, `tasklets ${r.tasklet_mode || '–'} · notifier ${r.notifier_mode || '–'} · host ${r.host || '–'} · ${fmtCount(r.irqs)} interrupts`));
      c.querySelector('.tag').dataset.side = tag;
      c.dataset.color = color;
      return c;
    };
    const vs = document.getElementById('runs');
    vs.replaceChildren(card(cmp.a, 'A', COLOR_A), el('span', { class: 'vs' }, 'vs'), card(cmp.b, 'B', COLOR_B));
    vs.hidden = false;
    if (cmp.verdicts !== undefined) renderVerdicts(cmp.verdicts);
    document.getElementById('delta-body').replaceChildren(...deltaTables(cmp.hops));
    document.getElementById('deltas').hidden = false;
    // CDFs: one chart per hop, A and B overlaid.
    const body = document.getElementById('cdf-body');
    document.getElementById('cdfs').hidden = false;
    const byPath = new Map();
    for (const c of cmp.cdfs) {
      if (!byPath.has(c.path)) byPath.set(c.path, []);
      byPath.get(c.path).push(c);
    }
    const draws = [];
    for (const [path, list] of byPath) {
      const grid = el('div', { class: 'cdfgrid' });
      body.append(el('section', { class: 'path', 'data-path': path }, el('header', {}, el('h3', {}, path)), grid));
      for (const c of list.sort((x, y) => x.seq - y.seq)) {
        const box = el('div', { class: 'chart' });
        grid.append(el('div', { class: 'cdfcell', 'data-hop': c.hop }, el('h4', {}, c.hop), box));
        const sets = [];
        if (c.a) sets.push({ label: `A: run ${cmp.a.id}`, color: COLOR_A, points: c.a });
        if (c.b) sets.push({ label: `B: run ${cmp.b.id}`, color: COLOR_B, points: c.b });
        draws.push(() => cdf(box, `cmp:${path}/${c.hop}`, { sets, height: 190 }));
      }
    }
    for (const t of draws) t();
    setStatus('');
    document.body.dataset.ready = '1';
  } catch (e) {
    setStatus(`Cannot compare: ${e.message}`, true);
    document.body.dataset.ready = 'error';
  }
}

main();
