// runs.js - the run list (/): GET /api/runs with the page's own filters
// (?label=&host=&mechanism=, passed through to the API), one table row per
// run; tick two runs to compare them.
import { getJSON, el, fmtNs, fmtCount, fmtTime, fmtPct, setStatus } from '/assets/irqhop.js';

function runRow(r) {
  const link = (text) => el('a', { href: `/runs/${r.id}` }, text);
  const dur = r.start_ns != null && r.end_ns != null ? r.end_ns - r.start_ns : null;
  const inc = el('td', { class: 'num' + (r.irqs_incomplete > 0 ? ' warn' : '') },
    fmtCount(r.irqs_incomplete));
  if (r.irqs_incomplete > 0 && r.irqs > 0)
    inc.title = `${fmtPct(r.irqs_incomplete, r.irqs)} of the run's interrupts`;
  return el('tr', { 'data-run': r.id },
    el('td', { class: 'pick' }, el('input', { type: 'checkbox', value: r.id, 'aria-label': `compare run ${r.id}` })),
    el('td', { class: 'num' }, link(String(r.id))),
    el('td', {}, link(r.label || '(no label)')),
    el('td', {}, r.host || el('span', { class: 'dim' }, '–')),
    el('td', { class: 'mode' }, r.tasklet_mode || '–'),
    el('td', { class: 'mode' }, r.notifier_mode || '–'),
    el('td', {}, fmtTime(r.start_ns)),
    el('td', { class: 'num' }, fmtNs(dur)),
    el('td', { class: 'num' }, fmtCount(r.irqs)),
    inc,
    el('td', { class: 'num' }, fmtCount(r.events)),
    el('td', { class: 'num' + (r.discarded > 0 ? ' warn' : '') }, fmtCount(r.discarded)));
}

const FILTERS = ['label', 'host', 'mechanism'];

// The page's filters from its URL, shown in the form.
function readFilters() {
  const q = new URLSearchParams(location.search);
  const f = {};
  for (const k of FILTERS) {
    const v = q.get(k);
    if (v) f[k] = v;
    const input = document.getElementById(`f-${k}`);
    if (input && v) {
      if (input.tagName === 'SELECT' && ![...input.options].some((o) => o.value === v))
        input.append(el('option', { value: v }, v));
      input.value = v;
    }
  }
  return f;
}

// Ticking exactly two runs enables the compare button (older run as A).
function wireCompare(table) {
  const btn = document.getElementById('compare-btn');
  const ticked = () => [...table.querySelectorAll('input[type=checkbox]:checked')].map((c) => Number(c.value));
  table.addEventListener('change', () => {
    const t = ticked();
    btn.disabled = t.length !== 2;
    btn.textContent = t.length === 2 ? `Compare run ${Math.min(...t)} with run ${Math.max(...t)}` : 'Compare the two ticked runs';
  });
  btn.addEventListener('click', () => {
    const t = ticked().sort((a, b) => a - b);
    if (t.length === 2) location.href = `/compare?a=${t[0]}&b=${t[1]}`;
  });
}

async function main() {
  const f = readFilters();
  const table = document.getElementById('runs');
  wireCompare(table);
  try {
    const q = new URLSearchParams(f).toString();
    const [{ runs }, all] = await Promise.all([getJSON(`/api/runs${q ? `?${q}` : ''}`),
      q ? getJSON('/api/runs') : null]);
    const hosts = [...new Set((all ? all.runs : runs).map((r) => r.host).filter(Boolean))].sort();
    const hostSel = document.getElementById('f-host');
    for (const h of hosts)
      if (![...hostSel.options].some((o) => o.value === h)) hostSel.append(el('option', { value: h }, h));
    if (f.host) hostSel.value = f.host;
    if (!runs.length) {
      setStatus(q ? 'No run matches these filters.' :
        'No runs in this database yet: record one with irqhop record, then load it with irqhop analyze.');
      document.body.dataset.ready = '1';
      return;
    }
    table.tBodies[0].replaceChildren(...runs.map(runRow));
    table.hidden = false;
    const what = q ? ' matching the filters' : '';
    setStatus(runs.length === 1 ? `1 run${what}` : `${runs.length} runs${what}, newest first`);
    document.body.dataset.ready = '1';
  } catch (e) {
    setStatus(`Cannot load the runs: ${e.message}`, true);
    document.body.dataset.ready = 'error';
  }
}

main();
