// export_browser.mjs - a trace written by `irqhop export` loaded in headless
// Chromium (TAP on stdout), run by tests/export_browser.test.  The page is
// the project's own tests/export_view.html, which imports the JSON by
// Perfetto's rules (tracks, slice stacking and dropping, v2 flows, counter
// tracks) and draws it; ui.perfetto.dev itself is not distributed as a
// package that could be served here (docs/export.md).
//
// Environment: IH_TRACE (the trace file), CHROMIUM, IH_WEB_NODE_MODULES,
// IH_ARTIFACTS, IH_TMP.  Every wait is bounded.
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
  } finally {
    await ctx.close();
  }
  console.log(`1..${n}`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => { console.log(`not ok ${n + 1} - ${e}`); console.log(`1..${n + 1}`); process.exit(1); });
