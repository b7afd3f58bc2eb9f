// runs.js - the run list (/): GET /api/runs, one table row per run.
import { getJSON, el, fmtNs, fmtCount, fmtTime, fmtPct, setStatus } from '/assets/irqhop.js';

function runRow(r) {
  const link = (text) => el('a', { href: `/runs/${r.id}` }, text);
  const dur = r.start_ns != null && r.end_ns != null ? r.end_ns - r.start_ns : null;
  const inc = el('td', { class: 'num' + (r.irqs_incomplete > 0 ? ' warn' : '') },
    fmtCount(r.irqs_incomplete));
  if (r.irqs_incomplete > 0 && r.irqs > 0)
    inc.title = `${fmtPct(r.irqs_incomplete, r.irqs)} of the run's interrupts`;
  return el('tr', {},
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

async function main() {
  try {
    const { runs } = await getJSON('/api/runs');
    if (!runs.length) {
      setStatus('No runs in this database yet: record one with irqhop record, then load it with irqhop analyze.');
      return;
    }
    const table = document.getElementById('runs');
    table.tBodies[0].replaceChildren(...runs.map(runRow));
    table.hidden = false;
    setStatus(runs.length === 1 ? '1 run' : `${runs.length} runs, newest first`);
  } catch (e) {
    setStatus(`Cannot load the runs: ${e.message}`, true);
  }
}

main();
