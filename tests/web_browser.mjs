// web_browser.mjs - browser test of the dashboard (TAP on stdout), run by
// tests/web_browser.test: headless Chromium from Debian driven by
// playwright-core (from web/node_modules), against a running `irqhop serve`
// over a database the analyzer made from real traces.
//
// Opens every page, checks that the charts were given the numbers the
// database holds (read back from window.ihCharts and compared with sqlite3
// queries), clicks from a histogram bin through to the interrupts behind it
// and on to one interrupt's waterfall, fails on any console error or
// uncaught exception (a Content-Security-Policy violation included), and
// saves a screenshot of each page in $IH_ARTIFACTS.
//
// Environment: IH_WEB_URL (http://127.0.0.1:PORT/), IH_WEB_DB, SQLITE3,
// CHROMIUM, IH_WEB_NODE_MODULES, IH_ARTIFACTS, IH_TMP; IH_WEB_MODE=kvm
// checks the pages on kernel-model runs instead (kvmMain).  Every wait is
// bounded (page loads and the pages' own "ready" flag).
import { createRequire } from 'node:module';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import path from 'node:path';

const env = process.env;
const URL0 = env.IH_WEB_URL;
const DB = env.IH_WEB_DB;
const SQLITE3 = env.SQLITE3 || 'sqlite3';
const ART = env.IH_ARTIFACTS;
const TIMEOUT = 30000;

let n = 0;
let failed = 0;
function ok(cond, what, diag) {
  n++;
  console.log(`${cond ? 'ok' : 'not ok'} ${n} - ${what}`);
  if (!cond) {
    failed++;
    if (diag !== undefined)
      for (const line of String(typeof diag === 'string' ? diag : JSON.stringify(diag)).split('\n').slice(0, 20))
        console.log(`#   ${line.slice(0, 400)}`);
  }
  return cond;
}

function sql(query) {
  const out = execFileSync(SQLITE3, ['-json', '-readonly', DB, query], { encoding: 'utf8', timeout: 60000 });
  return out.trim() ? JSON.parse(out) : [];
}

const requireWeb = createRequire(path.join(env.IH_WEB_NODE_MODULES, 'x.js'));
const { chromium } = requireWeb('playwright-core');

const close = (a, b) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));

// Launches Chromium; the page records console errors, exceptions and any
// request that leaves the server under test.
async function launch() {
  mkdirSync(ART, { recursive: true });
  const profile = mkdtempSync(path.join(env.IH_TMP || '/tmp', 'chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1400, height: 900 },
    timeout: TIMEOUT,
  });
  ctx.setDefaultTimeout(TIMEOUT);
  const page = ctx.pages()[0] || await ctx.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`exception: ${e.message}`));
  // Nothing may leave the machine: every request goes to the server under test.
  const foreign = [];
  page.on('request', (r) => { if (!r.url().startsWith(URL0) && !r.url().startsWith('data:')) foreign.push(r.url()); });

  async function open(rel, what) {
    problems.length = 0;
    const resp = await page.goto(URL0 + rel.replace(/^\//, ''), { waitUntil: 'load' });
    await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: TIMEOUT });
    const ready = await page.evaluate(() => document.body.dataset.ready);
    ok(resp.status() === 200 && ready === '1', `${what}: loads and renders (${rel})`,
      { status: resp.status(), ready, status_line: await page.locator('#status').textContent() });
    return resp;
  }
  async function shot(name) {
    await page.screenshot({ path: path.join(ART, `${name}.png`), fullPage: true });
  }
  function noProblems(what) {
    ok(problems.length === 0, `${what}: no console error, no exception`, problems.join('\n'));
  }

  return { ctx, page, problems, foreign, open, shot, noProblems };
}

async function main() {
  const { ctx, page, foreign, open, shot, noProblems } = await launch();
  // ---- runs ------------------------------------------------------------
  const runs = sql('SELECT id, label, host, tasklet_mode, notifier_mode, irqs FROM run ORDER BY id DESC');
  await open('/', 'runs page');
  const rows = await page.$$eval('#runs tbody tr', (trs) => trs.map((t) => Number(t.dataset.run)));
  ok(JSON.stringify(rows) === JSON.stringify(runs.map((r) => r.id)), 'runs page lists every run, newest first', { rows, want: runs.map((r) => r.id) });
  const irqCells = await page.$$eval('#runs tbody tr td:nth-child(9)', (tds) => tds.map((t) => Number(t.textContent.replace(/\D/g, ''))));
  ok(JSON.stringify(irqCells) === JSON.stringify(runs.map((r) => r.irqs)), 'runs page shows each run\'s interrupt count', { irqCells });
  noProblems('runs page');
  await shot('runs');
  await open('/?mechanism=percpu', 'runs page filtered by mechanism');
  const want = runs.filter((r) => r.tasklet_mode === 'percpu' || r.notifier_mode === 'percpu').map((r) => r.id);
  const got = await page.$$eval('#runs tbody tr', (trs) => trs.map((t) => Number(t.dataset.run)));
  ok(want.length > 0 && JSON.stringify(got) === JSON.stringify(want), 'mechanism filter shows exactly the percpu runs', { got, want });
  ok(await page.$eval('#f-mechanism', (s) => s.value) === 'percpu', 'the filter form shows the filter in use');
  await open(`/?label=${encodeURIComponent('xen-steal')}&host=${encodeURIComponent(runs[0].host)}`, 'runs page filtered by label and host');
  const got2 = await page.$$eval('#runs tbody tr', (trs) => trs.map((t) => Number(t.dataset.run)));
  const want2 = runs.filter((r) => r.label.includes('xen-steal') && r.host === runs[0].host).map((r) => r.id);
  ok(want2.length > 0 && JSON.stringify(got2) === JSON.stringify(want2), 'label and host filters', { got2, want2 });

  // ---- run overview ------------------------------------------------------
  // The run with the most paths (mixed: all three).
  const runId = sql('SELECT run_id FROM hop_summary GROUP BY run_id ORDER BY count(DISTINCT path) DESC, run_id LIMIT 1')[0].run_id;
  await open(`/runs/${runId}`, `run ${runId} overview`);
  noProblems(`run ${runId} overview`);
  const charts = await page.evaluate(() => Object.fromEntries(Object.entries(window.ihCharts).map(([k, c]) => [k, {
    kind: c.kind, buckets: c.buckets, bins: c.bins, layers: c.layers, categories: c.categories, sets: c.sets,
    data: c.u.data.map((a) => Array.from(a)), drawn: c.u.root.isConnected && c.u.ctx.canvas.width > 0 }])));
  const stats = sql(`SELECT path, hop, count, p50_ns, p99_ns FROM hop_stats WHERE run_id = ${runId} ORDER BY path, seq`);
  const summaries = sql(`SELECT path, hop, count FROM hop_summary WHERE run_id = ${runId}`);
  // Stacked bars: each hop's p50 and p99 as hop_stats has them.
  for (const p of [...new Set(stats.map((s) => s.path))]) {
    const c = charts[`bars:${p}`];
    const hops = stats.filter((s) => s.path === p && s.hop !== 'total');
    const layers = c ? c.layers.map((l) => [l.label, l.values[0], l.values[1]]) : null;
    ok(c && c.drawn && JSON.stringify(layers) === JSON.stringify(hops.map((h) => [h.hop, h.p50_ns, h.p99_ns])),
      `${p}: the stacked bars hold each hop's p50 and p99 from hop_stats`, { layers, want: hops });
    // The tallest bar is the sum of the hops' p99.
    const top = c ? Math.max(...c.data.slice(1).map((s) => s[1])) : -1;
    ok(c && top === hops.reduce((s, h) => s + h.p99_ns, 0), `${p}: the p99 bar stacks to the sum of the hops' p99`, { top });
  }
  // Histograms and CDFs: the buckets are hop_hist's rows; the bins add up.
  let histOk = 0;
  const histBad = [];
  for (const s of summaries) {
    const key = `${s.path}/${s.hop}`;
    const h = charts[`hist:${key}`];
    const cd = charts[`cdf:${s.path}`];
    const si = cd ? cd.sets.findIndex((x) => x.label === s.hop) : -1;
    const rowsH = sql(`SELECT lo_ns, hi_ns, count FROM hop_hist WHERE run_id = ${runId} AND path = '${s.path}' AND hop = '${s.hop}' ORDER BY lo_ns`);
    const given = h ? h.buckets.map((b) => [b[0], b[1], b[2]]) : null;
    const binSum = h ? h.bins.reduce((a, b) => a + b.count, 0) : -1;
    const drawnSum = h ? h.data[1].reduce((a, b) => a + (b || 0), 0) : -1;
    const lastY = si >= 0 ? cd.data[si + 1][cd.data[si + 1].length - 1] : -1;
    const cdfPts = si >= 0 ? cd.sets[si].points.map((p) => p[0]) : [];
    if (h && h.drawn && cd && cd.drawn && JSON.stringify(given) === JSON.stringify(rowsH.map((r) => [r.lo_ns, r.hi_ns, r.count]))
        && binSum === s.count && drawnSum === s.count && close(lastY, 1)
        && JSON.stringify(cdfPts) === JSON.stringify(rowsH.map((r) => r.hi_ns))) histOk++;
    else histBad.push({ key, has: !!h, si, binSum, drawnSum, count: s.count, lastY });
  }
  ok(histOk === summaries.length && histOk > 0, `every hop's histogram and CDF curve (${histOk}) drew hop_hist's buckets, adding up to hop_summary's count and to 100%`, histBad);
  // Percentile links point at the bucket that holds the percentile.
  const p99link = await page.$eval(`section[data-path="passthrough"] table.hops tbody tr:last-child td:nth-child(7) a`, (a) => a.getAttribute('href')).catch(() => null);
  const totalP99 = stats.find((s) => s.path === 'passthrough' && s.hop === 'total');
  const m99 = p99link && /lo=(\d+)&hi=(\d+)/.exec(p99link);
  ok(m99 && Number(m99[1]) <= totalP99.p99_ns && totalP99.p99_ns <= Number(m99[2]) + 1,
    'the p99 of the passthrough total links to the interrupts of its bucket', { p99link, p99: totalP99 && totalP99.p99_ns });
  // Steal and locks, against steal_breakdown and lock_summary.
  const steal = sql(`SELECT vcpu, running_ns - hypervisor_ns AS guest_ns, hypervisor_ns, runnable_ns, blocked_ns, offline_ns, steal_pct FROM steal_breakdown WHERE run_id = ${runId} ORDER BY vcpu`);
  if (steal.length) {
    const c = charts['steal:vcpus'];
    const pct = steal.map((v) => {
      const wall = v.guest_ns + v.hypervisor_ns + v.runnable_ns + v.blocked_ns + v.offline_ns;
      return ['guest_ns', 'hypervisor_ns', 'runnable_ns', 'blocked_ns', 'offline_ns'].map((k) => (100 * v[k]) / (wall || 1));
    });
    const given = c ? c.layers.map((l) => l.values) : [];
    const same = c && given.length === 5 && given.every((vals, li) => vals.every((v, vi) => close(v, pct[vi][li])));
    ok(same && c.drawn, `steal per vCPU: stacked running/hypervisor/runnable/blocked/offline from steal_breakdown (${steal.length} vCPUs)`, { given, pct });
    const shown = await page.$$eval('#steal-table tbody tr td:nth-child(5)', (tds) => tds.map((t) => t.textContent));
    ok(JSON.stringify(shown) === JSON.stringify(steal.map((v) => `${v.steal_pct.toFixed(1)}%`)), 'steal % per vCPU shown as steal_breakdown has it', { shown });
    const wins = sql(`SELECT count(*) AS n FROM steal WHERE run_id = ${runId}`)[0].n;
    const t = charts['steal:time'];
    const points = t ? t.sets.reduce((a, s) => a + s.values.filter((v) => v != null).length, 0) : -1;
    ok(t && t.drawn && points === wins, `steal over time: one point per vCPU and window (${wins})`, { points, wins });
  } else {
    ok(await page.locator('#stealbody').textContent().then((x) => /no steal accounting/.test(x)),
      'steal: the run has no steal rows and the page says so (the analyzer does not fill steal yet)');
  }
  const locks = sql(`SELECT lock_name, acquisitions, contended FROM lock_summary WHERE run_id = ${runId} ORDER BY wait_ns DESC, lock`);
  if (locks.length) {
    const shown = await page.$$eval('#lock-table tbody tr', (trs) => trs.map((t) => [t.children[0].textContent,
      Number(t.children[1].textContent.replace(/\D/g, '')), Number(t.children[2].textContent.replace(/\D/g, ''))]));
    ok(JSON.stringify(shown) === JSON.stringify(locks.map((l) => [l.lock_name, l.acquisitions, l.contended])),
      `lock contention table matches lock_summary (${locks.length} locks)`, { shown, locks });
  } else {
    ok(await page.locator('#lockbody').textContent().then((x) => /no lock statistics/.test(x)),
      'locks: the run has no lock_stat rows and the page says so');
  }
  await shot('run');
  // Charts follow the window's width.
  const wBefore = await page.evaluate(() => window.ihCharts['cdf:passthrough'].u.width);
  const hBefore = await page.evaluate(() => window.ihCharts['hist:passthrough/queue'].u.width);
  await page.setViewportSize({ width: 1000, height: 900 });
  await page.waitForFunction((w) => window.ihCharts['cdf:passthrough'].u.width < w, wBefore, { timeout: TIMEOUT }).catch(() => null);
  const wAfter = await page.evaluate(() => window.ihCharts['cdf:passthrough'].u.width);
  ok(wAfter < wBefore, `charts follow the window's width (${wBefore} px, then ${wAfter} px)`);
  await page.setViewportSize({ width: 1400, height: 900 });
  // The charts redraw at the old width asynchronously: wait for it (bounded)
  // before measuring where a bin is, or the click lands on a stale layout.
  await page.waitForFunction(([w, h]) => window.ihCharts['cdf:passthrough'].u.width >= w &&
    window.ihCharts['hist:passthrough/queue'].u.width >= h, [wBefore, hBefore], { timeout: TIMEOUT }).catch(() => null);

  // ---- histogram bin -> interrupts -> waterfall ---------------------------
  // A passthrough queue bin with few interrupts (all of them fit the list).
  const key = 'passthrough/queue';
  const bins = charts[`hist:${key}`].bins;
  // The widest bin on screen among those with 1 to 20 interrupts (all of
  // them fit the list), away from the plot's edges.
  const pos = await page.evaluate(([name]) => {
    const c = window.ihCharts[name];
    c.u.root.scrollIntoView({ block: 'center' });
    const xs = c.u.data[0];
    const r = c.u.over.getBoundingClientRect();
    let best = -1;
    let bestW = 0;
    c.bins.forEach((b, i) => {
      const x0 = c.u.valToPos(xs[i], 'x');
      const x1 = c.u.valToPos(xs[i + 1], 'x');
      const w = Math.min(x1, r.width - 3) - Math.max(x0, 3);
      const few = b.count > 0 && b.count <= 20;
      if (w > 2 && (best < 0 || (few && !(c.bins[best].count <= 20)) || (few === (c.bins[best].count <= 20) && w > bestW))) {
        best = i;
        bestW = w;
      }
    });
    const x0 = Math.max(c.u.valToPos(xs[best], 'x'), 3);
    const x1 = Math.min(c.u.valToPos(xs[best + 1], 'x'), r.width - 3);
    return { bi: best, x: r.left + (x0 + x1) / 2, y: r.top + r.height * 0.6 };
  }, [`hist:${key}`]);
  const bin = bins[pos.bi];
  await page.mouse.move(pos.x, pos.y);
  await Promise.all([page.waitForURL(/\/irqs\?/, { timeout: TIMEOUT }), page.mouse.click(pos.x, pos.y)]);
  const u = new URL(page.url());
  ok(u.pathname === `/runs/${runId}/irqs` && u.searchParams.get('path') === 'passthrough' && u.searchParams.get('hop') === 'queue'
    && Number(u.searchParams.get('lo')) === bin.lo && Number(u.searchParams.get('hi')) === bin.hi,
    `clicking a histogram bin opens the interrupts behind it (${bin.lo}-${bin.hi} ns, ${bin.count})`, page.url());
  await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: TIMEOUT });
  noProblems('interrupt explorer');
  const listed = await page.$$eval('#range-table tbody tr', (trs) => trs.map((t) => Number(t.dataset.irq)));
  const behind = sql(`SELECT irq_id FROM irq WHERE run_id = ${runId} AND path = 'passthrough' AND queue_ns BETWEEN ${bin.lo} AND ${bin.hi} ORDER BY queue_ns, irq_id`);
  ok(listed.length === Math.min(20, bin.count) && behind.length === bin.count &&
     [...listed].sort((a, b) => a - b).join() === behind.slice(0, listed.length).map((r) => r.irq_id).sort((a, b) => a - b).join()
     || (bin.count > 20 && listed.length === 20),
  `the explorer lists the bin's interrupts (${listed.length} of ${bin.count}; sqlite3 finds ${behind.length})`, { listed, behind: behind.slice(0, 25) });
  const slowest = await page.$$eval('#slowest-table tbody tr', (trs) => trs.map((t) => Number(t.dataset.irq)));
  const topTotals = sql(`SELECT total_ns FROM irq WHERE run_id = ${runId} AND total_ns IS NOT NULL AND path = 'passthrough' ORDER BY total_ns DESC LIMIT 20`).map((r) => r.total_ns);
  const listedTotals = slowest.length ? sql(`SELECT total_ns FROM irq WHERE run_id = ${runId} AND irq_id IN (${slowest.join(',')})`).map((r) => r.total_ns).sort((a, b) => b - a) : [];
  ok(slowest.length === 20 && JSON.stringify(listedTotals) === JSON.stringify(topTotals),
    'the explorer\'s slowest interrupts are the 20 slowest in sqlite3', { listedTotals, topTotals });
  await shot('explorer');
  const first = listed[0];
  await Promise.all([page.waitForURL(new RegExp(`/runs/${runId}/irqs/${first}$`), { timeout: TIMEOUT }),
    page.click(`#range-table tbody tr[data-irq="${first}"] a`)]);
  await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: TIMEOUT });
  noProblems('waterfall');
  const wf = await page.evaluate(() => { const c = window.ihCharts.waterfall; return { hops: c.hops, lanes: c.lanes, drawn: c.u.ctx.canvas.width > 0 }; });
  const hopsSql = sql(`SELECT hop, dur_ns FROM hop WHERE run_id = ${runId} AND irq_id = ${first} ORDER BY seq`);
  const irqRow = sql(`SELECT pcpu, task_pcpu, ack_pcpu FROM irq WHERE run_id = ${runId} AND irq_id = ${first}`)[0];
  ok(wf.drawn && JSON.stringify(wf.hops.map((h) => [h.hop, h.dur_ns])) === JSON.stringify(hopsSql.map((h) => [h.hop, h.dur_ns])),
    `interrupt ${first}: the waterfall drew its hops with the hop view's durations`, { wf: wf.hops, hopsSql });
  const laneOf = Object.fromEntries(wf.hops.map((h) => [h.hop, h.lane]));
  ok(laneOf.delivery === `pCPU ${irqRow.pcpu}` && laneOf.queue === `pCPU ${irqRow.task_pcpu}` && laneOf.guest === `pCPU ${irqRow.ack_pcpu}`,
    'waterfall lanes: raise on pcpu, tasklet on task_pcpu, ack on ack_pcpu', { laneOf, irqRow });
  let offs = 0;
  for (const h of wf.hops) { if (h.offset_ns !== offs) break; offs += h.dur_ns; }
  ok(offs === sql(`SELECT total_ns FROM irq WHERE run_id = ${runId} AND irq_id = ${first}`)[0].total_ns,
    'waterfall hops follow one another from 0 to the total');
  await shot('irq');

  // ---- compare ------------------------------------------------------------
  const pair = sql("SELECT a.id AS a, b.id AS b FROM run a JOIN run b ON a.label LIKE 'xen-steal-global%' AND b.label LIKE 'xen-steal-percpu%'")[0];
  await open(`/compare?a=${pair.a}&b=${pair.b}`, `compare runs ${pair.a} and ${pair.b}`);
  noProblems('compare');
  const cmpRows = await page.$$eval('section[data-path="passthrough"] table.deltas tbody tr', (trs) => trs.map((t) => t.dataset.hop));
  const cmpSql = sql(`SELECT hop FROM hop_stats WHERE run_id = ${pair.a} AND path = 'passthrough' ORDER BY seq`);
  ok(JSON.stringify(cmpRows) === JSON.stringify(cmpSql.map((r) => r.hop)), 'compare: one delta row per passthrough hop', { cmpRows });
  const cmpCharts = await page.evaluate(() => Object.fromEntries(Object.entries(window.ihCharts).filter(([k]) => k.startsWith('cmp:'))
    .map(([k, c]) => [k, { sets: c.sets.map((s) => s.points.length), last: c.u.data.slice(1).map((a) => a[a.length - 1]), drawn: c.u.ctx.canvas.width > 0 }])));
  const qa = sql(`SELECT path || '/' || hop AS k, count(*) AS n FROM hop_hist WHERE run_id = ${pair.a} GROUP BY path, hop`);
  const qb = Object.fromEntries(sql(`SELECT path || '/' || hop AS k, count(*) AS n FROM hop_hist WHERE run_id = ${pair.b} GROUP BY path, hop`).map((r) => [r.k, r.n]));
  const bad = qa.filter((r) => { const c = cmpCharts[`cmp:${r.k}`]; return !c || !c.drawn || c.sets[0] !== r.n || (qb[r.k] && c.sets[1] !== qb[r.k]) || !c.last.every((v) => close(v, 1)); });
  ok(qa.length > 0 && bad.length === 0, `compare: overlaid CDFs of both runs for every hop (${qa.length}), each from its hop_hist buckets, ending at 100%`, bad);
  const p99 = sql(`SELECT a.p99_ns AS a, b.p99_ns AS b FROM hop_stats a JOIN hop_stats b ON b.run_id = ${pair.b} AND b.path = a.path AND b.hop = a.hop WHERE a.run_id = ${pair.a} AND a.path = 'passthrough' AND a.hop = 'total'`)[0];
  const shownD = await page.$eval('section[data-path="passthrough"] table.deltas tr[data-hop="total"] td:nth-child(9)', (t) => t.textContent);
  const r99 = p99.b / p99.a;
  ok(shownD === `×${r99 >= 0.1 ? r99.toFixed(2) : r99.toPrecision(2)}`, `compare: total p99 ratio B/A shown as sqlite3 computes it (${shownD})`, { shownD, p99 });
  await shot('compare');
  // The verdicts are irqhop regress's own (one implementation serves the CI
  // gate and the page): the rows shown in red are exactly the regressions
  // `irqhop regress --format json` reports for the same two runs, and its
  // exit status agrees with them.
  const regRun = spawnSync(path.join(env.top_builddir, 'irqhop'), ['regress', '--db', DB, '--baseline', String(pair.a),
    '--candidate', String(pair.b), '--format', 'json'], { encoding: 'utf8', timeout: 120000 });
  let regJson = null;
  try { regJson = JSON.parse(regRun.stdout); } catch (e) { /* reported below */ }
  ok(regJson !== null && regRun.status === (regJson.regressed ? 1 : 0), `compare: irqhop regress answers (exit ${regRun.status})`, regRun.stderr);
  const vRows = await page.$$eval('#verdicts tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  const redRows = await page.$$eval('#verdicts tbody tr', (trs) => trs.filter((tr) => tr.querySelector('td.worse'))
    .map((tr) => [...tr.children].slice(0, 3).map((td) => td.textContent).join('/')));
  const regWant = regJson ? regJson.regressions.map((r) => `${r.path}/${r.hop}/${r.metric}`).sort() : [];
  const regShown = redRows.slice().sort();
  ok(await page.locator('#verdicts').isVisible() && vRows.length > 0 && JSON.stringify(regShown) === JSON.stringify(regWant),
    `compare: the verdicts table shows irqhop regress's regressions in red (${regWant.length} of ${vRows.length} rows)`, { regShown, regWant });
  await shot('compare-verdicts');
  await open('/compare', 'compare without runs chosen');
  noProblems('compare without runs chosen');
  const opts = await page.$$eval('#f-a option', (os) => os.map((o) => Number(o.value)));
  ok(JSON.stringify(opts) === JSON.stringify(runs.map((r) => r.id)) && /Pick two runs/.test(await page.locator('#status').textContent()),
    'compare without runs: both pickers list every run and the page asks for two', opts);
  ok(foreign.length === 0, 'no request left the server under test (no CDN)', foreign.slice(0, 5));
  await ctx.close();
}

// IH_WEB_MODE=kvm: the pages on runs of the kernel model (real KVM hosts,
// paths kvm-msi and kvm-ioapic; tests/data/kvm/ analyzed): the run page's
// sections, bars and histograms hold the kvm hops; the explorer's strips and
// legend follow hop_def; the interrupt page's waterfall puts each hop on its
// thread (device thread, kworker, vCPU thread).  Screenshots kvm-*.png.
async function kvmMain() {
  const { ctx, page, foreign, open, shot, noProblems } = await launch();
  const defs = {};
  for (const r of sql('SELECT path, hop FROM hop_def ORDER BY path, seq')) (defs[r.path] ||= []).push(r.hop);
  const byLabel = Object.fromEntries(sql('SELECT id, label FROM run').map((r) => [r.label, r.id]));
  // ---- run page, one run of each path ----------------------------------------
  for (const [label, kpath] of [['kvm-msi-1vcpu', 'kvm-msi'], ['kvm-ioapic-2vcpu', 'kvm-ioapic']]) {
    const rid = byLabel[label];
    await open(`/runs/${rid}`, `${label} (run ${rid}) overview`);
    noProblems(`${label} overview`);
    const sections = await page.$$eval('section.path', (ss) => ss.map((x) => [x.dataset.path, x.querySelector('.about').textContent]));
    ok(sections.length === 1 && sections[0][0] === kpath && /KVM on a real host/.test(sections[0][1]),
      `${label}: one section, for ${kpath}, with its description`, sections);
    const stats = sql(`SELECT hop, p50_ns, p99_ns FROM hop_stats WHERE run_id = ${rid} AND path = '${kpath}' ORDER BY seq`);
    const rows = await page.$$eval(`section[data-path="${kpath}"] table.hops tbody tr`, (trs) => trs.map((t) => t.children[0].textContent));
    ok(JSON.stringify(rows) === JSON.stringify(stats.map((h) => h.hop)) && rows.includes('run'),
      `${label}: the hop table has the kvm hops in hop_def's order (${rows.join(' ')})`, { rows, stats });
    const charts = await page.evaluate(() => Object.fromEntries(Object.entries(window.ihCharts).map(([k, c]) => [k, {
      layers: c.layers, buckets: c.buckets, drawn: c.u.root.isConnected && c.u.ctx.canvas.width > 0 }])));
    const bars = charts[`bars:${kpath}`];
    const steps = stats.filter((h) => h.hop !== 'total');
    ok(bars && bars.drawn && JSON.stringify(bars.layers.map((l) => [l.label, l.values[0], l.values[1]])) ===
      JSON.stringify(steps.map((h) => [h.hop, h.p50_ns, h.p99_ns])), `${label}: the stacked bars hold each kvm hop's p50 and p99`, bars && bars.layers);
    const hopsWithHist = sql(`SELECT hop FROM hop_summary WHERE run_id = ${rid} AND path = '${kpath}'`).map((r) => r.hop);
    const missing = hopsWithHist.filter((h) => !(charts[`hist:${kpath}/${h}`] && charts[`hist:${kpath}/${h}`].drawn));
    ok(hopsWithHist.length > 0 && missing.length === 0, `${label}: a histogram drawn for every hop (${hopsWithHist.join(' ')})`, missing);
    const colours = await page.$$eval(`section[data-path="${kpath}"] table.hops .swatch`, (sw) => sw.map((x) => getComputedStyle(x).backgroundColor));
    ok(new Set(colours).size === colours.length, `${label}: every hop has its own colour`, colours);
    await shot(`kvm-run-${kpath}`);
  }
  // ---- explorer: the interrupts behind a kvm hop --------------------------
  const rid = byLabel['kvm-ioapic-2vcpu'];
  await open(`/runs/${rid}/irqs?path=kvm-ioapic&hop=run`, `run ${rid} explorer, kvm-ioapic run hop`);
  noProblems('kvm explorer');
  const legend = await page.$$eval('#legend .key', (ks) => ks.map((k) => k.textContent));
  ok(JSON.stringify(legend) === JSON.stringify(defs['kvm-ioapic']), `kvm explorer: the legend is kvm-ioapic's hops from hop_def (${legend.join(' ')})`, legend);
  const listed = await page.$$eval('#range-table tbody tr', (trs) => trs.map((t) => Number(t.dataset.irq)));
  const want = sql(`SELECT irq_id FROM irq WHERE run_id = ${rid} AND path = 'kvm-ioapic' AND run_ns IS NOT NULL ORDER BY run_ns, irq_id LIMIT 20`).map((r) => r.irq_id);
  ok(listed.length === 20 && JSON.stringify(listed) === JSON.stringify(want), 'kvm explorer: the 20 shortest run hops, as sqlite3 orders them', { listed, want });
  const strip = await page.$$eval(`#range-table tbody tr[data-irq="${listed[0]}"] .part`, (ps) => ps.map((x) => x.dataset.hop));
  const has = sql(`SELECT signal_ns, worker_ns, inject_ns, wake_ns, run_ns, guest_ns FROM irq WHERE run_id = ${rid} AND irq_id = ${listed[0]}`)[0];
  ok(JSON.stringify(strip) === JSON.stringify(defs['kvm-ioapic'].filter((h) => has[`${h}_ns`] != null)),
    `kvm explorer: an interrupt's strip has its kvm hops in order (${strip.join(' ')})`, { strip, has });
  const threads = await page.$$eval('#slowest-table tbody tr td.threads', (tds) => tds.map((t) => t.textContent));
  ok(threads.length > 0 && threads.every((t) => /^device thread, CPU \d+ → kworker \d+ → vCPU \d+$/.test(t)),
    'kvm explorer: the threads column reads device thread → kworker → vCPU', threads.slice(0, 3));
  await shot('kvm-explorer');
  // ---- the interrupt page: its waterfall ------------------------------------
  const irqId = sql(`SELECT irq_id FROM irq WHERE run_id = ${rid} AND path = 'kvm-ioapic' AND complete AND wake_ns IS NOT NULL AND run_ns IS NOT NULL ORDER BY total_ns DESC LIMIT 1`)[0].irq_id;
  await open(`/runs/${rid}/irqs/${irqId}`, `run ${rid} interrupt ${irqId} (kvm-ioapic)`);
  noProblems('kvm waterfall');
  const wf = await page.evaluate(() => { const c = window.ihCharts.waterfall; return { hops: c.hops, lanes: c.lanes, drawn: c.u.ctx.canvas.width > 0 }; });
  const hopsSql = sql(`SELECT hop, dur_ns FROM hop WHERE run_id = ${rid} AND irq_id = ${irqId} ORDER BY seq`);
  ok(wf.drawn && JSON.stringify(wf.hops.map((h) => [h.hop, h.dur_ns])) === JSON.stringify(hopsSql.map((h) => [h.hop, h.dur_ns])),
    `interrupt ${irqId}: the waterfall drew its kvm hops (${hopsSql.map((h) => h.hop).join(' ')})`, { wf: wf.hops, hopsSql });
  const row = sql(`SELECT pcpu, worker, vcpu FROM irq WHERE run_id = ${rid} AND irq_id = ${irqId}`)[0];
  const laneOf = Object.fromEntries(wf.hops.map((h) => [h.hop, h.lane]));
  const dev = `device thread, CPU ${row.pcpu}`;
  const kw = `kworker ${row.worker}`;
  const vc = `vCPU ${row.vcpu}`;
  ok(laneOf.signal === dev && laneOf.worker === kw && laneOf.inject === kw && laneOf.wake === kw && laneOf.run === vc && laneOf.guest === vc &&
    JSON.stringify(wf.lanes) === JSON.stringify([dev, kw, vc]),
  'kvm waterfall lanes: signal on the device thread, worker/inject/wake on the kworker, run/guest on the vCPU thread', { laneOf, lanes: wf.lanes, row });
  const thread = sql(`SELECT thread, tid FROM vcpu WHERE run_id = ${rid} AND vcpu = ${row.vcpu}`)[0];
  const summary = await page.locator('#summary').textContent();
  ok(summary.includes(`${thread.thread} (tid ${thread.tid})`), `the interrupt page names the vCPU thread (${thread.thread}, tid ${thread.tid})`, summary);
  await shot('kvm-irq');
  // ---- compare two kvm runs -----------------------------------------------
  const a = byLabel['kvm-msi-1vcpu'];
  const b = byLabel['kvm-msi-2vcpu'];
  await open(`/compare?a=${a}&b=${b}`, `compare kvm runs ${a} and ${b}`);
  noProblems('kvm compare');
  const cmpRows = await page.$$eval('section[data-path="kvm-msi"] table.deltas tbody tr', (trs) => trs.map((t) => t.dataset.hop));
  const cmpSql = sql(`SELECT hop FROM hop_stats WHERE run_id = ${a} AND path = 'kvm-msi' ORDER BY seq`).map((r) => r.hop);
  ok(JSON.stringify(cmpRows) === JSON.stringify(cmpSql), `kvm compare: one delta row per kvm-msi hop (${cmpRows.join(' ')})`, { cmpRows, cmpSql });
  await shot('kvm-compare');
  ok(foreign.length === 0, 'no request left the server under test (no CDN)', foreign.slice(0, 5));
  await ctx.close();
}

(env.IH_WEB_MODE === 'kvm' ? kvmMain() : main()).then(() => {
  console.log(`1..${n}`);
  process.exit(failed ? 1 : 0);
}, (e) => {
  console.log(`not ok ${n + 1} - the browser test ran to its end`);
  for (const line of String(e && e.stack || e).split('\n').slice(0, 20)) console.log(`#   ${line}`);
  console.log(`1..${n + 1}`);
  process.exit(1);
});
