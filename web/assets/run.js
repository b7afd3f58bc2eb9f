// run.js - one run (/runs/ID): its header from GET /api/runs/ID and, per
// path, the per-hop latency table from GET /api/runs/ID/hops.
import { getJSON, el, fmtNs, fmtCount, fmtTime, fmtPct, setStatus, PATHS } from '/assets/irqhop.js';

function summary(run) {
  const dur = run.start_ns != null && run.end_ns != null ? run.end_ns - run.start_ns : null;
  const items = [
    ['Label', run.label || '(no label)'],
    ['Host', run.host || '–'],
    ['Tasklet mode', run.tasklet_mode || '–'],
    ['Notifier mode', run.notifier_mode || '–'],
    ['Started (UTC)', fmtTime(run.start_ns)],
    ['Duration', fmtNs(dur)],
    ['Interrupts', fmtCount(run.irqs)],
    ['Incomplete', `${fmtCount(run.irqs_incomplete)}${run.irqs ? ` (${fmtPct(run.irqs_incomplete, run.irqs)})` : ''}`],
    ['Raised / acked (runtime)', `${fmtCount(run.irqs_raised)} / ${fmtCount(run.irqs_acked)}`],
    ['Events', fmtCount(run.events)],
    ['Discarded events', fmtCount(run.discarded)],
    ['Analyzed', `${run.analyzed_at || '–'} (${run.analyzer_version || '?'})`],
  ];
  if (run.host_total_ns)
    items.push(['Host steal', fmtPct(run.host_steal_ns || 0, run.host_total_ns) || '–']);
  items.push(['Trace', run.trace || '–']);
  const dl = document.getElementById('summary');
  dl.replaceChildren(...items.map(([k, v]) => el('div', {}, el('dt', {}, k), el('dd', {}, v))));
  dl.hidden = false;
}

// A bar showing VALUE's share of WHOLE (clamped to the track).
function shareBar(value, whole) {
  const fill = el('span', { class: 'fill' });
  const frac = whole > 0 && value != null ? Math.min(1, value / whole) : 0;
  fill.style.width = `${(frac * 100).toFixed(1)}%`;
  return el('div', { class: 'share', title: 'share of the p50 of the whole path' },
    el('span', { class: 'track' }, fill),
    el('span', { class: 'pct' }, whole > 0 && value != null ? fmtPct(value, whole) : ''));
}

function pathSection(path, hops, counts) {
  const total = hops.find((h) => h.hop === 'total');
  const steps = hops.filter((h) => h.hop !== 'total');
  // Share of the p50 total: the path's own p50 when known, else the sum of
  // the hops' p50 (the two differ: medians do not add up).
  const whole = total && total.p50_ns ? total.p50_ns : steps.reduce((s, h) => s + (h.p50_ns || 0), 0);
  const row = (h, isTotal) => el('tr', { class: isTotal ? 'total' : null },
    el('td', {}, isTotal ? 'total' : h.hop),
    el('td', {}, isTotal ? '' : shareBar(h.p50_ns, whole)),
    el('td', { class: 'num' }, fmtCount(h.count)),
    el('td', { class: 'num' }, fmtNs(h.mean_ns)),
    el('td', { class: 'num' }, fmtNs(h.p50_ns)),
    el('td', { class: 'num' }, fmtNs(h.p90_ns)),
    el('td', { class: 'num' }, fmtNs(h.p99_ns)),
    el('td', { class: 'num' }, fmtNs(h.max_ns)));
  const head = el('tr', {}, ...['Hop', 'Share of p50', 'Count', 'Mean', 'p50', 'p90', 'p99', 'Max']
    .map((t, i) => el('th', { class: i >= 2 ? 'num' : null }, t)));
  const body = [...steps.map((h) => row(h, false))];
  if (total) body.push(row(total, true));
  const about = [PATHS[path] || ''];
  if (counts) {
    const inc = counts.irqs - (counts.complete || 0);
    about.push(`${fmtCount(counts.irqs)} interrupt${counts.irqs === 1 ? '' : 's'}, ${fmtCount(counts.complete)} complete` +
      (inc > 0 ? `, ${fmtCount(inc)} incomplete` : ''));
  }
  return el('section', { class: 'path' },
    el('header', {}, el('h2', {}, path), el('span', { class: 'about' }, about.filter(Boolean).join(' · '))),
    el('div', { class: 'scroll' }, el('table', { class: 'data hops' }, el('thead', {}, head), el('tbody', {}, ...body))));
}

async function main() {
  const m = /^\/runs\/([1-9][0-9]*)$/.exec(location.pathname);
  if (!m) {
    setStatus('This page expects a URL of the form /runs/ID.', true);
    return;
  }
  const id = m[1];
  document.getElementById('crumb').textContent = `run ${id}`;
  try {
    const [run, stats] = await Promise.all([getJSON(`/api/runs/${id}`), getJSON(`/api/runs/${id}/hops`)]);
    document.title = `irqhop · run ${id}${run.label ? ` · ${run.label}` : ''}`;
    document.getElementById('title').textContent = `Run ${id}${run.label ? ` — ${run.label}` : ''}`;
    summary(run);
    const byPath = new Map();
    for (const h of stats.hops) {
      if (!byPath.has(h.path)) byPath.set(h.path, []);
      byPath.get(h.path).push(h);
    }
    const counts = new Map((run.paths || []).map((p) => [p.path, p]));
    const sections = [];
    if (run.discarded > 0)
      sections.push(el('p', { class: 'notice' },
        `The tracer discarded ${fmtCount(run.discarded)} events: interrupts crossing the gaps are kept but marked incomplete (see the counts per path).`));
    for (const [path, hops] of byPath) sections.push(pathSection(path, hops, counts.get(path)));
    for (const [path, c] of counts)
      if (!byPath.has(path))
        sections.push(el('section', { class: 'path' }, el('header', {}, el('h2', {}, path),
          el('span', { class: 'about' }, `${fmtCount(c.irqs)} interrupt${c.irqs === 1 ? '' : 's'}, no hop statistics`))));
    document.getElementById('paths').replaceChildren(...sections);
    setStatus(sections.length ? '' : 'This run has no interrupts.');
  } catch (e) {
    setStatus(`Cannot load run ${id}: ${e.message}`, true);
  }
}

main();
