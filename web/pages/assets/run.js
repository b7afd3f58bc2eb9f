// run.js - one run (/runs/ID): its header (GET /api/runs/ID); per path the
// hops' p50/p99 stacked, a table, and each hop's histogram and CDF (GET
// /api/runs/ID/hops and /hist); steal per vCPU and over time (/steal,
// /steal/windows); lock contention (/locks).
import { getJSON, el, fmtNs, fmtCount, fmtTime, fmtPct, setStatus, loadPaths, pathAbout } from '/assets/irqhop.js';
import { stackedBars, histogram, cdf, lines, HOP_COLORS, STATE_COLORS, seriesColor } from '/assets/charts.js';

let RUN_ID = null;
// Path name -> its hops from hop_def (GET /api/paths).
let PATH_DEFS = new Map();

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

// Link to the interrupts of PATH/HOP whose duration is in [lo, hi].
export function rangeHref(path, hop, lo, hi) {
  return `/runs/${RUN_ID}/irqs?${new URLSearchParams({ path, hop, lo, hi })}`;
}

// The raw bucket holding the percentile Q of a histogram (nearest rank, as
// the hop_stats view): the interrupts behind that percentile.
function bucketAt(hist, q) {
  if (!hist || !hist.buckets) return null;
  const rank = q * hist.count;
  return hist.buckets.find((b) => b[3] >= rank) || null;
}

// A percentile cell: the value, linking to the interrupts of its bucket.
function pctCell(value, hist, q, path, hop) {
  const b = bucketAt(hist, q);
  const text = fmtNs(value);
  return el('td', { class: 'num' }, b ? el('a', { href: rangeHref(path, hop, b[0], b[1]), title: `the interrupts in the p${q * 100} bucket (${fmtNs(b[0])} – ${fmtNs(b[1])})` }, text) : text);
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

function hopTable(path, steps, total, hists) {
  const whole = total && total.p50_ns ? total.p50_ns : steps.reduce((s, h) => s + (h.p50_ns || 0), 0);
  const row = (h, isTotal) => {
    const hist = hists.get(`${path}/${h.hop}`);
    return el('tr', { class: isTotal ? 'total' : null },
      el('td', {}, el('span', { class: 'swatch', 'data-hop': h.hop }), isTotal ? 'total' : h.hop),
      el('td', {}, isTotal ? '' : shareBar(h.p50_ns, whole)),
      el('td', { class: 'num' }, fmtCount(h.count)),
      el('td', { class: 'num' }, fmtNs(h.mean_ns)),
      pctCell(h.p50_ns, hist, 0.5, path, h.hop),
      pctCell(h.p90_ns, hist, 0.9, path, h.hop),
      pctCell(h.p99_ns, hist, 0.99, path, h.hop),
      el('td', { class: 'num' }, fmtNs(h.max_ns)));
  };
  const head = el('tr', {}, ...['Hop', 'Share of p50', 'Count', 'Mean', 'p50', 'p90', 'p99', 'Max']
    .map((t, i) => el('th', { class: i >= 2 ? 'num' : null }, t)));
  const body = steps.map((h) => row(h, false));
  if (total) body.push(row(total, true));
  return el('div', { class: 'scroll' }, el('table', { class: 'data hops' }, el('thead', {}, head), el('tbody', {}, ...body)));
}

function pathSection(path, hops, counts, hists) {
  const total = hops.find((h) => h.hop === 'total');
  const steps = hops.filter((h) => h.hop !== 'total');
  const about = [pathAbout(path, PATH_DEFS.get(path))];
  if (counts) {
    const inc = counts.irqs - (counts.complete || 0);
    about.push(`${fmtCount(counts.irqs)} interrupt${counts.irqs === 1 ? '' : 's'}, ${fmtCount(counts.complete)} complete` +
      (inc > 0 ? `, ${fmtCount(inc)} incomplete` : ''));
  }
  const barBox = el('div', { class: 'chart bars' });
  const grid = el('div', { class: 'hopgrid' });
  const cdfBox = el('div', { class: 'chart' });
  const sec = el('section', { class: 'path', 'data-path': path },
    el('header', {}, el('h3', {}, path), el('span', { class: 'about' }, about.filter(Boolean).join(' · ')),
      el('a', { class: 'more', href: `/runs/${RUN_ID}/irqs?path=${path}` }, 'slowest interrupts →')),
    el('div', { class: 'pathtop' }, barBox, hopTable(path, steps, total, hists)),
    el('h4', { class: 'sub' }, 'Histograms (log duration axis; click a bin for its interrupts)'),
    grid, cdfBox);
  // Charts need their containers in the document to size themselves.
  return { sec, draw() {
    stackedBars(barBox, `bars:${path}`, {
      title: 'p50 and p99, hop by hop', categories: ['p50', 'p99'], xLabel: 'percentile',
      layers: steps.map((h) => ({ label: h.hop, color: HOP_COLORS[h.hop], values: [h.p50_ns, h.p99_ns] })),
    });
    const sets = [];
    const setHops = [];
    for (const h of [...steps, ...(total ? [total] : [])]) {
      const hist = hists.get(`${path}/${h.hop}`);
      if (!hist) continue;
      const hBox = el('div', { class: 'chart' });
      grid.append(el('div', { class: 'hopcell', 'data-hop': h.hop },
        el('h4', {}, el('span', { class: 'swatch', 'data-hop': h.hop }), h.hop === 'total' ? 'total' : h.hop,
          el('span', { class: 'dim' }, ` · p50 ${fmtNs(h.p50_ns)} · p99 ${fmtNs(h.p99_ns)} · max ${fmtNs(h.max_ns)}`)),
        hBox));
      const color = HOP_COLORS[h.hop] || '#1f5fa8';
      histogram(hBox, `hist:${path}/${h.hop}`, {
        buckets: hist.buckets, color,
        onBin: (b) => { location.href = rangeHref(path, h.hop, b.lo, b.hi); },
      });
      sets.push({ label: h.hop, color, points: hist.buckets.map((b) => [b[1], b[3] / hist.count]) });
      setHops.push(hist);
    }
    // One CDF per hop, overlaid on one log axis so hops compare at a glance;
    // a click lists the interrupts of the nearest curve's bucket there.
    cdf(cdfBox, `cdf:${path}`, {
      title: `CDF of each hop (log axis) · click a curve for the interrupts there`, sets, height: 280,
      onPoint: (x, ys, yAtCursor) => {
        let best = -1;
        ys.forEach((y, i) => { if (y != null && (best < 0 || Math.abs(y - yAtCursor) < Math.abs(ys[best] - yAtCursor))) best = i; });
        if (best < 0) return;
        const hist = setHops[best];
        const b = hist.buckets.find((k) => k[1] >= x);
        if (b) location.href = rangeHref(path, hist.hop, b[0], b[1]);
      },
    });
  } };
}

// Steal per vCPU (stacked shares of wall time) and over time (steal % per
// vCPU per window), and the test host's own steal of each pCPU thread.
async function stealSection(id) {
  const [steal, win] = await Promise.all([getJSON(`/api/runs/${id}/steal`), getJSON(`/api/runs/${id}/steal/windows`)]);
  const body = document.getElementById('stealbody');
  document.getElementById('steal').hidden = false;
  if (!steal.vcpus.length) {
    body.replaceChildren(el('p', { class: 'dim' }, 'This run has no steal accounting: its trace has no vCPU runstate events.'));
    return;
  }
  const states = [['guest', 'guest_ns', 'running (guest)'], ['hypervisor', 'hypervisor_ns', 'hypervisor'],
    ['runnable', 'runnable_ns', 'runnable'], ['blocked', 'blocked_ns', 'blocked'], ['offline', 'offline_ns', 'offline']];
  const wall = (v) => states.reduce((s, [, k]) => s + (v[k] || 0), 0);
  const cats = steal.vcpus.map((v) => `vCPU ${v.vcpu}`);
  const barBox = el('div', { class: 'chart' });
  const timeBox = el('div', { class: 'chart' });
  const head = el('tr', {}, ...['vCPU', 'Guest', 'Kind', 'pCPU', 'Steal', 'Running', 'Hypervisor', 'Lock spin', 'Runnable', 'Blocked', 'Offline']
    .map((t, i) => el('th', { class: i >= 4 ? 'num' : null }, t)));
  const rows = steal.vcpus.map((v) => el('tr', { 'data-vcpu': v.vcpu },
    el('td', {}, String(v.vcpu)), el('td', {}, v.guest), el('td', {}, v.guest_kind), el('td', {}, v.pcpu ?? '–'),
    el('td', { class: 'num' + (v.steal_pct >= 10 ? ' warn' : '') }, `${v.steal_pct.toFixed(1)}%`),
    el('td', { class: 'num' }, fmtNs(v.running_ns)), el('td', { class: 'num' }, fmtNs(v.hypervisor_ns)),
    el('td', { class: 'num' }, fmtNs(v.hv_lock_ns)), el('td', { class: 'num' }, fmtNs(v.runnable_ns)),
    el('td', { class: 'num' }, fmtNs(v.blocked_ns)), el('td', { class: 'num' }, fmtNs(v.offline_ns))));
  const parts = [el('div', { class: 'pair' }, barBox, timeBox),
    el('div', { class: 'scroll' }, el('table', { class: 'data', id: 'steal-table' }, el('thead', {}, head), el('tbody', {}, ...rows)))];
  if (steal.pcpus.length)
    parts.push(el('p', { class: 'dim' }, 'Test host steal of each pCPU thread (kernel run delay): ' +
      steal.pcpus.map((p) => `pCPU ${p.pcpu} ${p.run_delay_pct.toFixed(1)}%`).join(', ')));
  body.replaceChildren(...parts);
  stackedBars(barBox, 'steal:vcpus', {
    title: 'where each vCPU\'s time went (share of wall time)', categories: cats, height: 260, xLabel: 'vCPU',
    yFormat: (v) => `${(+v).toFixed(0)}%`,
    layers: states.map(([s, k, label]) => ({ label, color: STATE_COLORS[s], values: steal.vcpus.map((v) => (100 * (v[k] || 0)) / (wall(v) || 1)) })),
  });
  // Over time: one line per vCPU, steal % of each window.
  const byVcpu = new Map();
  for (const w of win.windows) {
    if (!byVcpu.has(w.vcpu)) byVcpu.set(w.vcpu, new Map());
    byVcpu.get(w.vcpu).set(w.offset_ns, w.steal_pct);
  }
  const offsets = [...new Set(win.windows.map((w) => w.offset_ns))].sort((a, b) => a - b);
  lines(timeBox, 'steal:time', {
    title: 'steal per window (runnable + offline, % of the window)', height: 260,
    yRange: (u, lo, hi) => [0, Math.min(100, Math.max(5, hi * 1.15))],
    x: offsets.map((o) => o / 1e9),
    sets: [...byVcpu.keys()].map((v, i) => ({ label: `vCPU ${v}`, color: seriesColor(i), values: offsets.map((o) => byVcpu.get(v).get(o) ?? null) })),
  });
}

async function lockSection(id) {
  const { locks, per_pcpu: perPcpu } = await getJSON(`/api/runs/${id}/locks`);
  const body = document.getElementById('lockbody');
  document.getElementById('locks').hidden = false;
  if (!locks.length) {
    body.replaceChildren(el('p', { class: 'dim' }, 'This run has no lock statistics: its trace has no lock_stat events.'));
    return;
  }
  const head = el('tr', {}, ...['Lock', 'Acquisitions', 'Contended', 'Contended %', 'Total wait', 'Mean wait', 'Held', 'Per pCPU (wait)']
    .map((t, i) => el('th', { class: i >= 1 && i <= 6 ? 'num' : null }, t)));
  const rows = locks.map((l) => el('tr', { 'data-lock': l.lock },
    el('td', {}, l.lock_name),
    el('td', { class: 'num' }, fmtCount(l.acquisitions)), el('td', { class: 'num' }, fmtCount(l.contended)),
    el('td', { class: 'num' + (l.contended_pct >= 5 ? ' warn' : '') }, `${l.contended_pct.toFixed(1)}%`),
    el('td', { class: 'num' }, fmtNs(l.wait_ns)), el('td', { class: 'num' }, fmtNs(l.mean_wait_ns)),
    el('td', { class: 'num' }, fmtNs(l.hold_ns)),
    el('td', { class: 'dim' }, perPcpu.filter((p) => p.lock === l.lock).map((p) => `pCPU ${p.pcpu}: ${fmtNs(p.wait_ns)}`).join(' · '))));
  body.replaceChildren(el('div', { class: 'scroll' }, el('table', { class: 'data', id: 'lock-table' }, el('thead', {}, head), el('tbody', {}, ...rows))));
}

async function runNav(id) {
  const nav = document.getElementById('runnav');
  const { runs } = await getJSON('/api/runs');
  const sel = el('select', { 'aria-label': 'run to compare with' }, el('option', { value: '' }, 'compare with…'),
    ...runs.filter((r) => String(r.id) !== id).map((r) => el('option', { value: r.id }, `run ${r.id} ${r.label}`)));
  sel.addEventListener('change', () => { if (sel.value) location.href = `/compare?a=${id}&b=${sel.value}`; });
  nav.replaceChildren(el('a', { href: `/runs/${id}/irqs` }, 'Interrupt explorer →'),
    el('a', { class: 'perfetto', href: `/api/runs/${id}/export?slowest=100`, download: '',
      title: 'the 100 slowest interrupts as a trace for ui.perfetto.dev' }, 'Slowest 100 as a Perfetto trace ↓'), sel);
  nav.hidden = false;
}

async function main() {
  const m = /^\/runs\/([1-9][0-9]*)$/.exec(location.pathname);
  if (!m) {
    setStatus('This page expects a URL of the form /runs/ID.', true);
    return;
  }
  const id = m[1];
  RUN_ID = id;
  document.getElementById('crumbs').append(' / ', el('span', {}, `run ${id}`));
  try {
    const [run, stats, hist, defs] = await Promise.all([getJSON(`/api/runs/${id}`), getJSON(`/api/runs/${id}/hops`),
      getJSON(`/api/runs/${id}/hist`), loadPaths()]);
    PATH_DEFS = defs;
    document.title = `irqhop · run ${id}${run.label ? ` · ${run.label}` : ''}`;
    document.getElementById('title').textContent = `Run ${id}${run.label ? ` — ${run.label}` : ''}`;
    summary(run);
    const hists = new Map(hist.hists.map((h) => [`${h.path}/${h.hop}`, h]));
    const byPath = new Map();
    for (const h of stats.hops) {
      if (!byPath.has(h.path)) byPath.set(h.path, []);
      byPath.get(h.path).push(h);
    }
    const counts = new Map((run.paths || []).map((p) => [p.path, p]));
    const sections = [];
    const draws = [];
    if (run.discarded > 0)
      sections.push(el('p', { class: 'notice' },
        `The tracer discarded ${fmtCount(run.discarded)} events: interrupts crossing the gaps are kept but marked incomplete (see the counts per path).`));
    for (const [path, hops] of byPath) {
      const s = pathSection(path, hops, counts.get(path), hists);
      sections.push(s.sec);
      draws.push(s.draw);
    }
    for (const [path, c] of counts)
      if (!byPath.has(path))
        sections.push(el('section', { class: 'path' }, el('header', {}, el('h3', {}, path),
          el('span', { class: 'about' }, `${fmtCount(c.irqs)} interrupt${c.irqs === 1 ? '' : 's'}, no hop statistics`))));
    document.getElementById('paths').replaceChildren(...sections);
    document.getElementById('latency').hidden = false;
    for (const d of draws) d();
    await Promise.all([stealSection(id), lockSection(id), runNav(id)]);
    setStatus(sections.length ? '' : 'This run has no interrupts.');
    document.body.dataset.ready = '1';
  } catch (e) {
    setStatus(`Cannot load run ${id}: ${e.message}`, true);
    document.body.dataset.ready = 'error';
  }
}

main();
