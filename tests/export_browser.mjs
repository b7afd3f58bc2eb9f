// export_browser.mjs - a trace written by `irqhop export` loaded in headless
// Chromium (TAP on stdout), run by tests/export_browser.test.  The page is
// the project's own tests/export_view.html, which imports the JSON by
// Perfetto's rules (tracks, slice stacking and dropping, v2 flows, counter
// tracks) and draws it; ui.perfetto.dev itself is not distributed as a
// package that could be served here (docs/export.md).
//
// Then, with IH_WEB_URL (a running irqhop serve), the dashboard's download
// links on run IH_RUN's pages (IH_SLOWEST: the ids of its slowest 100, a
// JSON array computed with sqlite3).
//
// Environment: IH_TRACE (the trace file), CHROMIUM, IH_WEB_NODE_MODULES,
// IH_ARTIFACTS, IH_TMP, IH_WEB_URL, IH_RUN, IH_SLOWEST.  Every wait is
// bounded.
import { createRequire } from 'node:module';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const env = process.env;
let n = 0;
let failed = 0;
function ok(cond, what, diag) {
  n++;
  console.log(`${cond ? 'ok' : 'not ok'} ${n} - ${what}`);
  if (!cond) {
    failed++;
    if (diag !== undefined)
      for (const line of JSON.stringify(diag).slice(0, 2000).split('\n').slice(0, 20)) console.log(`#   ${line}`);
  }
  return cond;
}

const requireWeb = createRequire(path.join(env.IH_WEB_NODE_MODULES, 'x.js'));
const { chromium } = requireWeb('playwright-core');

// The dashboard's download links (run page: its slowest 100; interrupt
// page: that interrupt; explorer: each list shown): each points at the
// export route with the interrupts the page shows, and following it
// downloads a trace of exactly those.
async function dashboardLinks(ctx, errors) {
  const base = env.IH_WEB_URL.replace(/\/$/, '');
  const run = env.IH_RUN;
  const page = await ctx.newPage();
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  async function open(url) {
    await page.goto(base + url, { timeout: 30000 });
    await page.waitForSelector('body[data-ready]', { timeout: 30000 });
    return page.evaluate(() => document.body.dataset.ready);
  }
  async function follow(link) {
    const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 30000 }), link.click()]);
    const file = await dl.path();
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    return { name: dl.suggestedFilename(), ids: [...new Set(doc.traceEvents.filter((e) => e.ph === 'X').map((e) => e.args.irq_id))] };
  }
  ok(await open(`/runs/${run}`) === '1', 'the run page loads');
  let link = page.locator('a.perfetto');
  ok(await link.count() === 1 && await link.getAttribute('href') === `/api/runs/${run}/export?slowest=100`,
    'the run page links its slowest 100 as a trace', await link.count());
  let got = await follow(link);
  const want = JSON.parse(env.IH_SLOWEST);
  ok(got.name === `irqhop-run-${run}-slowest.json` && JSON.stringify(got.ids.sort((a, b) => a - b)) === JSON.stringify(want),
    `following it downloads a trace of the run's ${want.length} slowest interrupts`, [got.name, got.ids.length]);

  ok(await open(`/runs/${run}/irqs/${want[0]}`) === '1', 'an interrupt page loads');
  link = page.locator('a.perfetto');
  got = await follow(link);
  ok(got.name === `irqhop-run-${run}-irqs.json` && JSON.stringify(got.ids) === JSON.stringify([want[0]]),
    'its link downloads a trace of that interrupt', got);

  ok(await open(`/runs/${run}/irqs?n=30`) === '1', 'the explorer loads');
  for (const list of ['slowest', 'sample']) {
    const shown = await page.$$eval(`#${list}-table tbody tr`, (rows) => rows.map((r) => Number(r.dataset.irq)));
    link = page.locator(`#${list} a.perfetto`);
    got = await follow(link);
    ok(shown.length > 0 && JSON.stringify(got.ids.sort((a, b) => a - b)) === JSON.stringify([...shown].sort((a, b) => a - b)),
      `the explorer's ${list} list links a trace of exactly the ${shown.length} interrupts it lists`, [shown.length, got.ids.length]);
  }
  await page.screenshot({ path: path.join(env.IH_ARTIFACTS, 'export-explorer.png'), fullPage: false });
  await page.close();
}

async function main() {
  const text = readFileSync(env.IH_TRACE, 'utf8');
  const doc = JSON.parse(text);
  const xs = doc.traceEvents.filter((e) => e.ph === 'X');
  const links = xs.filter((e) => e.flow_in).length;
  const vcpus = new Set(doc.traceEvents.filter((e) => e.ph === 'C').map((e) => e.name));
  mkdirSync(env.IH_ARTIFACTS, { recursive: true });
  const profile = mkdtempSync(path.join(env.IH_TMP || '/tmp', 'chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1400, height: 900 },
    acceptDownloads: true,
  });
  try {
    const page = await ctx.newPage();
    const errors = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(String(e)));
    const url = pathToFileURL(path.join(env.top_srcdir, 'tests/export_view.html')).href;
    await page.goto(url, { timeout: 30000 });
    const v = await page.evaluate((t) => window.ihShow(t), text);
    ok(v.slices === xs.length && v.boxes === xs.length,
      `Chromium imported and drew every slice (${v.slices} of ${xs.length})`, v.slices);
    ok(v.dropped === 0, 'no slice dropped for crossing another on its track', v.dropped);
    ok(v.nested === 0, 'no slice nested in another (rows never overlap)', v.nested);
    ok(v.unnamedTracks === 0, `every track has its thread's name (${v.tracks} tracks)`, v.unnamedTracks);
    ok(v.flows === links && v.badFlows === 0 && v.lines === links,
      `every flow binds both its slices and is drawn (${v.flows} of ${links})`, [v.flows, v.badFlows, v.lines]);
    ok(v.counters.length === vcpus.size && v.counters.every((c) => /^vCPU threads: vCPU \d+ steal_pct$/.test(c)),
      `one steal counter track per vCPU (${v.counters.length})`, v.counters);
    const bad = v.durs.filter(([irq, hop, dur], i) => {
      const e = xs.find((x) => x.args.irq_id === irq && x.args.hop === hop);
      return !e || String(e.args.dur_ns) !== dur;
    });
    ok(bad.length === 0, "every slice's imported duration is its stored dur_ns", bad.slice(0, 5));
    ok(errors.length === 0, 'no console error', errors.slice(0, 5));
    await page.screenshot({ path: path.join(env.IH_ARTIFACTS, 'export.png'), fullPage: false });
    ok(true, `screenshot in ${path.join(env.IH_ARTIFACTS, 'export.png')}`);
    if (env.IH_WEB_URL) await dashboardLinks(ctx, errors);
  } finally {
    await ctx.close();
  }
  console.log(`1..${n}`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => { console.log(`not ok ${n + 1} - ${e}`); console.log(`1..${n + 1}`); process.exit(1); });
