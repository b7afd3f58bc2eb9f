// explorer.js - the interrupt explorer of a run (/runs/ID/irqs): the
// interrupts behind a histogram bin or percentile (?path=&hop=&lo=&hi=, from
// GET /api/runs/ID/irqs), the slowest N (/irqs/slowest) and a sample
// (/irqs/sample).  Each interrupt links to its waterfall.
import { getJSON, el, fmtNs, fmtCount, setStatus, loadPaths } from '/assets/irqhop.js';

// Path name -> its hop names in order, from the database (GET /api/paths).
let HOPS = new Map();

// The hops of one interrupt as a bar of coloured parts, widths relative to
// SCALE (the longest total in the table).
function hopStrip(irq, scale) {
  const parts = (HOPS.get(irq.path) || []).filter((h) => irq[`${h}_ns`] != null).map((h) => {
    const s = el('span', { class: 'part', 'data-hop': h, title: `${h} ${fmtNs(irq[`${h}_ns`])}` });
    s.style.width = `${((100 * irq[`${h}_ns`]) / (scale || 1)).toFixed(2)}%`;
    return s;
  });
  return el('div', { class: 'strip' }, ...parts);
}

const lane = (v) => (v == null ? '–' : String(v));

function irqTable(table, irqs, runId, withDur) {
  const scale = Math.max(1, ...irqs.map((i) => i.total_ns || 0));
  const cols = ['Interrupt', 'Path', ...(withDur ? ['Hop'] : []), 'Total', 'Hops', 'Threads', 'vCPU'];
  table.tHead.replaceChildren(el('tr', {}, ...cols.map((c) => el('th', { class: c === 'Total' || c === 'Hop' ? 'num' : null }, c))));
  table.tBodies[0].replaceChildren(...irqs.map((i) => el('tr', { 'data-irq': i.irq_id },
    el('td', { class: 'num' }, el('a', { href: `/runs/${runId}/irqs/${i.irq_id}` }, `#${i.irq_id}`)),
    el('td', {}, i.path + (i.complete ? '' : ` (broken at ${i.broken_hop})`)),
    ...(withDur ? [el('td', { class: 'num' }, fmtNs(i.dur_ns))] : []),
    el('td', { class: 'num' }, fmtNs(i.total_ns)),
    el('td', { class: 'stripcell' }, hopStrip(i, scale)),
    // The threads its hops ran on, as the server names the waterfall's lanes.
    el('td', { class: 'threads' }, (i.threads || []).join(' → ') || '–'),
    el('td', {}, lane(i.vcpu)))));
  perfettoLink(table, irqs, runId);
}

// Below a table: the listed interrupts as a trace for ui.perfetto.dev
// (GET /api/runs/ID/export?irq=..., docs/export.md).
function perfettoLink(table, irqs, runId) {
  const section = table.closest('section');
  section.querySelector('.perfetto-note')?.remove();
  if (!irqs.length) return;
  const ids = irqs.map((i) => i.irq_id).join(',');
  section.append(el('p', { class: 'help perfetto-note' }, el('a', { class: 'perfetto', href: `/api/runs/${runId}/export?irq=${ids}`, download: '' },
    `Download these ${irqs.length} as a Perfetto trace`), ' (open it in ui.perfetto.dev)'));
}

async function main() {
  const m = /^\/runs\/([1-9][0-9]*)\/irqs$/.exec(location.pathname);
  if (!m) {
    setStatus('This page expects a URL of the form /runs/ID/irqs.', true);
    return;
  }
  const id = m[1];
  const q = new URLSearchParams(location.search);
  const crumbs = document.getElementById('crumbs');
  crumbs.append(' / ', el('a', { href: `/runs/${id}` }, `run ${id}`), ' / ', el('span', {}, 'interrupts'));
  const path = q.get('path') || '';
  const n = q.get('n') || '20';
  try {
    const [run, paths] = await Promise.all([getJSON(`/api/runs/${id}`), loadPaths()]);
    HOPS = new Map([...paths].map(([p, hops]) => [p, hops.map((h) => h.hop)]));
    document.getElementById('title').textContent = `Interrupts of run ${id}${run.label ? ` — ${run.label}` : ''}`;
    const form = document.getElementById('pick');
    const sel = document.getElementById('f-path');
    for (const p of run.paths || []) sel.append(el('option', { value: p.path }, p.path));
    sel.value = path;
    document.getElementById('f-n').value = n;
    form.hidden = false;
    const list = new URLSearchParams();
    if (path) list.set('path', path);
    list.set('n', n);
    const jobs = [getJSON(`/api/runs/${id}/irqs/slowest?${list}`), getJSON(`/api/runs/${id}/irqs/sample?${list}`)];
    if (q.get('hop')) {
      const r = new URLSearchParams();
      for (const k of ['path', 'hop', 'lo', 'hi', 'n']) if (q.get(k)) r.set(k, q.get(k));
      jobs.push(getJSON(`/api/runs/${id}/irqs?${r}`));
    }
    const [slowest, sample, range] = await Promise.all(jobs);
    if (range) {
      const t = document.getElementById('range-table');
      irqTable(t, range.irqs, id, true);
      document.getElementById('range-title').textContent =
        `${range.path} · ${range.hop} between ${fmtNs(range.lo_ns)} and ${fmtNs(range.hi_ns)}`;
      document.getElementById('range-help').textContent = range.irqs.length
        ? `${fmtCount(range.irqs.length)} interrupt${range.irqs.length === 1 ? '' : 's'} whose ${range.hop} hop lasted between ${range.lo_ns} ns and ${range.hi_ns} ns, shortest first${range.more ? ` (the first ${range.n}; more exist)` : ''}. Click one for its waterfall.`
        : 'No interrupt of this run has that hop in that range.';
      document.getElementById('range').hidden = false;
    }
    // One colour legend for the hop strips of every table.
    // The run's paths (or the one asked for), their hops in path order.
    const shownPaths = path ? [path] : (run.paths || []).map((p) => p.path);
    const hopsShown = [...new Set(shownPaths.flatMap((p) => HOPS.get(p) || []))];
    document.getElementById('legend').replaceChildren('Hops: ',
      ...hopsShown.map((h) => el('span', { class: 'key' }, el('span', { class: 'swatch', 'data-hop': h }), h)));
    irqTable(document.getElementById('slowest-table'), slowest.irqs, id, false);
    document.getElementById('slowest').hidden = false;
    irqTable(document.getElementById('sample-table'), sample.irqs, id, false);
    document.getElementById('sample').hidden = false;
    setStatus('');
    document.body.dataset.ready = '1';
  } catch (e) {
    setStatus(`Cannot load the interrupts of run ${id}: ${e.message}`, true);
    document.body.dataset.ready = 'error';
  }
}

main();
