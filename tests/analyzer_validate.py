#!/usr/bin/env python3
"""analyzer_validate.py - checks an irqhop database against the trace it came
from, rebuilt independently from babeltrace2's text output.

  analyzer_validate.py hops TEXT DB RUN       every irq row, exactly
  analyzer_validate.py steal TEXT DB RUN      vcpu, steal, pcpu_stat, lock_stat
  analyzer_validate.py discards TEXT ERR DB RUN
                                              discarded events per stream, and
                                              every interrupt missing an event
                                              is incomplete
  analyzer_validate.py lossy TEXT ERR DB RUN  every irq row of a trace that lost
                                              events, exactly: a tasklet run
                                              whose span [entry, inject] meets
                                              a discarded-events range is not
                                              trusted (queue/assist NULL)
  analyzer_validate.py percentiles DB RUN     hop_stats against exact
                                              percentiles of the irq rows
  analyzer_validate.py sql DOC DB             every ```sql block of DOC runs

TEXT is the output of `babeltrace2 --clock-seconds --no-delta TRACE` (ERR
its stderr, which carries the discarded-events warnings).  The rules are the
ones docs/analyzer.md states (docs/design.md §5); this script does not share
code with the analyzer.  Prints TAP-friendly diagnostics ("# ...") and exits 0
when everything matches, 1 otherwise.
"""
import bisect
import collections
import json
import math
import re
import sqlite3
import subprocess
import sys

LINE = re.compile(r'^\[(\d+)\.(\d{9})\] \S+ irqhop:(\w+): (.*)$')
INTF = re.compile(r'(\w+) = (-?\d+)\b')

# Hop sequences: marks in order, hop between consecutive marks.
SEQ = {
    'passthrough': (['start', 'entry', 'sched', 'tentry', 'inject', 'ack'],
                    ['delivery', 'schedule', 'queue', 'assist', 'guest']),
    'timer': (['start', 'sched', 'tentry', 'inject', 'ack'],
              ['schedule', 'queue', 'assist', 'guest']),
    'irqfd-wq': (['start', 'notifier', 'wq', 'wentry', 'inject', 'ack'],
                 ['callback', 'defer', 'worker', 'inject', 'guest']),
    'irqfd-srcu': (['start', 'notifier', 'inject', 'ack'],
                   ['callback', 'inject', 'guest']),
}
HOPS = ['delivery', 'schedule', 'queue', 'assist', 'callback', 'defer', 'worker', 'inject', 'guest']
COLS = ['irq_id', 'path', 'source', 'vector', 'pcpu', 'vcpu', 'start_ns', 'ack_ns', 'total_ns',
        'complete', 'broken_hop'] + [h + '_ns' for h in HOPS] + [
        'sched_lock_wait_ns', 'run_lock_wait_ns', 'vm_lock_wait_ns', 'task_pcpu', 'ack_pcpu', 'worker']

failures = 0


def fail(msg):
    global failures
    failures += 1
    if failures <= 20:
        print('# ' + msg)


def events(path):
    """Yields (ts_ns, name, fields) for every irqhop event of TEXT."""
    with open(path, encoding='utf-8', errors='replace') as f:
        for line in f:
            m = LINE.match(line)
            if not m:
                continue
            ts = int(m.group(1)) * 1000000000 + int(m.group(2))
            name = m.group(3)
            if name in ('run_begin',):
                yield ts, name, {}
                continue
            yield ts, name, {k: int(v) for k, v in INTF.findall(m.group(4))}


def loss_ranges(err):
    """The discarded-events ranges of babeltrace2's warnings in ERR, as
    (begins, max_end_so_far): begins sorted, and for each, the latest end
    of the ranges that begin at or before it."""
    ranges = []
    with open(err, encoding='utf-8', errors='replace') as f:
        for line in f:
            m = re.search(r'discarded (?:\d+ )?events? between \[(\d+)\.(\d{9})\] and \[(\d+)\.(\d{9})\]', line)
            if m:
                b = int(m.group(1)) * 10**9 + int(m.group(2))
                e = int(m.group(3)) * 10**9 + int(m.group(4))
                ranges.append((b, e))
    ranges.sort()
    begins, ends, top = [], [], None
    for b, e in ranges:
        top = e if top is None or e > top else top
        begins.append(b)
        ends.append(top)
    return begins, ends


def rebuild(text, losses=None):
    """Every interrupt's row, rebuilt from the text.  Returns (rows, events)
    where events maps irq_id -> set of event names seen.  LOSSES (from
    loss_ranges): a tasklet run is not used for an inject when a range
    [b, e] with b < inject and e >= the run's entry exists: its exit (and
    the next entry) may be among the lost events.  An inject at b itself
    keeps its run: b is the end time of the packet before the loss, so the
    inject is that packet's last event and precedes every lost one."""
    inflight = {}
    rows = {}
    seen = collections.defaultdict(set)
    brackets = {}       # vtid -> (ts, lock_wait, pcpu) of the open tasklet run
    order = 0

    def new(irq_id, ts, path):
        return {'irq_id': irq_id, 'path': path, 'first': ts, 't': {}, 'c': {}, 'mode': None}

    def emit(it):
        t, c = it['t'], dict(it['c'])
        path = it['path']
        if path == 'irqfd':
            mode = it['mode']
            if mode is None:
                mode = 0 if ('wq' in t or 'wentry' in t) else 1
            marks, hops = SEQ['irqfd-wq' if mode == 0 else 'irqfd-srcu']
        elif path == 'passthrough':
            marks, hops = SEQ['passthrough']
        else:
            marks, hops = SEQ['timer']
        prev = None
        for i, m in enumerate(marks):
            if m not in t:
                prev = None
                continue
            b = t[m]
            if prev is not None:
                if b < prev:
                    b = prev
                c[hops[i - 1] + '_ns'] = b - prev
            prev = b
        missing = [h for h in hops if h + '_ns' not in c]
        row = {k: None for k in COLS}
        row.update(c)
        row['irq_id'] = it['irq_id']
        row['path'] = path
        row['start_ns'] = t.get('start', it['first'])
        row['complete'] = 0 if missing else 1
        row['broken_hop'] = missing[0] if missing else None
        if not missing:
            row['total_ns'] = prev - t['start']
        rows[(it['irq_id'], it['order'])] = row

    done = set()        # irq_ids whose row was written at their vcpu_ack
    starts = {'irq_raise': 'passthrough', 'timer_fire': 'timer', 'eventfd_signal': 'irqfd'}
    orphan = {'irq_entry': 'passthrough', 'notifier_entry': 'irqfd', 'work_queue': 'irqfd',
              'work_entry': 'irqfd'}
    for ts, name, f in events(text):
        vtid = f.get('vtid')
        if name == 'tasklet_entry':
            brackets[vtid] = (ts, f['lock_wait_ns'], f['pcpu'])
            continue
        if name == 'tasklet_exit':
            brackets.pop(vtid, None)
            continue
        if name == 'irq_exit':
            # Nothing for the hops; an interrupt seen only here (its
            # other events lost) is kept as an incomplete passthrough row.
            irq_id = f.get('irq_id', 0)
            if not irq_id or (irq_id not in inflight and irq_id in done):
                continue
            seen[irq_id].add(name)
            it = inflight.get(irq_id)
            if it is None:
                it = new(irq_id, ts, 'passthrough')
                order += 1
                it['order'] = order
                inflight[irq_id] = it
            elif it['path'] == 'unknown':
                it['path'] = 'passthrough'
            it['c'].setdefault('pcpu', f['pcpu'])
            continue
        if name not in starts and name not in ('irq_entry', 'tasklet_schedule', 'notifier_entry',
                                                 'work_queue', 'work_entry', 'inject', 'vcpu_ack'):
            continue
        irq_id = f.get('irq_id', 0)
        if not irq_id:
            continue
        seen[irq_id].add(name)
        it = inflight.get(irq_id)
        if it is not None and name in starts and 'start' in it['t']:
            emit(it)
            it = None
        if it is None:
            it = new(irq_id, ts, starts.get(name) or orphan.get(name, 'unknown'))
            order += 1
            it['order'] = order
            inflight[irq_id] = it
        elif it['path'] == 'unknown':
            it['path'] = orphan.get(name, 'unknown')
        t, c = it['t'], it['c']
        if name == 'irq_raise':
            t['start'] = ts
            c.update(source=f['source'], vector=f['vector'], pcpu=f['target_pcpu'])
        elif name == 'timer_fire':
            t['start'] = ts
            c.update(source=f['vcpu'], vcpu=f['vcpu'], pcpu=f['pcpu'])
        elif name == 'eventfd_signal':
            t['start'] = ts
            c['source'] = f['efd']
            it['mode'] = f['mode']
        elif name == 'irq_entry':
            t['entry'] = ts
            c.setdefault('pcpu', f['pcpu'])
        elif name == 'tasklet_schedule':
            t['sched'] = ts
            c['sched_lock_wait_ns'] = f['lock_wait_ns']
        elif name == 'notifier_entry':
            t['notifier'] = ts
            if it['mode'] is None:
                it['mode'] = f['mode']
        elif name == 'work_queue':
            t['wq'] = ts
            c.setdefault('worker', f['worker'])
        elif name == 'work_entry':
            t['wentry'] = ts
            c['worker'] = f['worker']
        elif name == 'inject':
            t['inject'] = ts
            c['vcpu'] = f['vcpu']
            c.setdefault('vector', f['vector'])
            c['vm_lock_wait_ns'] = f['vm_lock_wait_ns']
            if it['path'] != 'irqfd' and vtid in brackets:
                bts, lw, pc = brackets[vtid]
                trusted = True
                if losses and losses[0]:
                    k = bisect.bisect_left(losses[0], ts)   # ranges with b < ts
                    trusted = not (k and losses[1][k - 1] >= bts)
                if trusted:
                    t['tentry'] = bts
                    c.update(run_lock_wait_ns=lw, task_pcpu=pc)
        elif name == 'vcpu_ack':
            t['ack'] = ts
            c.update(ack_ns=ts, ack_pcpu=f['pcpu'])
            c.setdefault('vcpu', f['vcpu'])
            emit(it)
            del inflight[irq_id]
            done.add(irq_id)
    for it in sorted(inflight.values(), key=lambda x: x['irq_id']):
        emit(it)
    return rows, seen


def db_rows(db, run):
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    out = collections.defaultdict(list)
    for r in con.execute('SELECT %s FROM irq WHERE run_id = ? ORDER BY irq_id, start_ns' % ', '.join(COLS), (run,)):
        out[r['irq_id']].append(dict(r))
    return con, out


def cmd_hops(text, db, run, losses=None):
    rows, _ = rebuild(text, losses)
    con, got = db_rows(db, run)
    want = collections.defaultdict(list)
    for (irq_id, _), r in sorted(rows.items(), key=lambda kv: kv[0][1]):
        want[irq_id].append(r)
    nwant = sum(len(v) for v in want.values())
    ngot = sum(len(v) for v in got.values())
    if nwant != ngot:
        fail('rows: %d in the database, %d rebuilt from the text' % (ngot, nwant))
    paths = collections.Counter()
    for irq_id, ws in want.items():
        gs = sorted(got.get(irq_id, []), key=lambda r: r['start_ns'])
        ws = sorted(ws, key=lambda r: r['start_ns'])
        if len(gs) != len(ws):
            fail('irq %d: %d rows in the database, %d rebuilt' % (irq_id, len(gs), len(ws)))
            continue
        for g, w in zip(gs, ws):
            paths[w['path']] += 1
            for col in COLS:
                if g[col] != w[col]:
                    fail('irq %d: %s = %r in the database, %r rebuilt' % (irq_id, col, g[col], w[col]))
    print('# %d interrupts compared on %d columns: %s' % (nwant, len(COLS), dict(paths)))
    r = con.execute('SELECT irqs, irqs_incomplete FROM run WHERE id = ?', (run,)).fetchone()
    if r is None or r[0] != nwant or r[1] != sum(1 for v in rows.values() if not v['complete']):
        fail('run.irqs/irqs_incomplete %r do not match the rebuilt rows' % (r,))


def cmd_steal(text, db, run):
    con = sqlite3.connect(db)
    start, end, scen = con.execute('SELECT start_ns, end_ns, scenario FROM run WHERE id = ?', (run,)).fetchone()
    dur = end - start
    # vcpu table from the scenario, independently.
    want_v = []
    guests = json.loads(scen)['guests'] if scen else []
    for g in guests:
        for p in g['vcpu_pcpus']:
            want_v.append((len(want_v), g['name'], g['kind'], p))
    got_v = con.execute('SELECT vcpu, guest, guest_kind, pcpu FROM vcpu WHERE run_id = ? ORDER BY vcpu',
                        (run,)).fetchall()
    if [tuple(x) for x in got_v] != want_v:
        fail('vcpu table %r, scenario says %r' % (got_v, want_v))
    # Totals per vCPU and state from the transitions; last cumulative samples.
    state, since = {}, {}
    tot = collections.defaultdict(lambda: [0, 0, 0, 0])
    acct, locks, sched = {}, {}, {}
    for ts, name, f in events(text):
        if name == 'vcpu_runstate':
            v = f['vcpu']
            if v not in state:
                state[v], since[v] = f['old'], start
            if ts > since[v]:
                tot[v][state[v]] += ts - since[v]
                since[v] = ts
            state[v] = f['new']
        elif name == 'vcpu_account':
            acct[f['vcpu']] = (f['irq_ns'], f['softirq_ns'], f['tasklet_ns'], f['lock_spin_ns'])
        elif name == 'lock_stat':
            locks[(f['lock'], f['pcpu'])] = (f['acquisitions'], f['contended'], f['wait_ns'], f['hold_ns'])
        elif name == 'pcpu_schedstat':
            sched[f['pcpu']] = (f['run_ns'], f['run_delay_ns'])
    for v in state:
        if end > since[v]:
            tot[v][state[v]] += end - since[v]
    got = {r[0]: r[1:] for r in con.execute(
        'SELECT vcpu, sum(running_ns), sum(runnable_ns), sum(blocked_ns), sum(offline_ns), sum(window_ns), '
        'sum(hv_irq_ns), sum(hv_softirq_ns), sum(hv_tasklet_ns), sum(hv_lock_ns), count(*) '
        'FROM steal WHERE run_id = ? GROUP BY vcpu', (run,))}
    if set(got) != set(tot):
        fail('steal has vCPUs %s, runstate events name %s' % (sorted(got), sorted(tot)))
    nwin = math.ceil(dur / 100e6) if dur else 0
    for v, t in tot.items():
        g = got.get(v)
        if not g:
            continue
        if sum(g[0:4]) != dur or g[4] != dur:
            fail('vCPU %d: states add up to %d, windows to %d, the run lasts %d' % (v, sum(g[0:4]), g[4], dur))
        if list(g[0:4]) != t:
            fail('vCPU %d: running/runnable/blocked/offline %r, rebuilt %r' % (v, g[0:4], t))
        if tuple(g[5:9]) != acct.get(v, (0, 0, 0, 0)):
            fail('vCPU %d: hypervisor time %r, last vcpu_account %r' % (v, g[5:9], acct.get(v)))
        if g[9] != nwin:
            fail('vCPU %d: %d windows, want %d' % (v, g[9], nwin))
    print('# %d vCPUs: states add up to the run (%d ns) in %d windows' % (len(tot), dur, nwin))
    got_l = {(r[0], r[1]): tuple(r[2:]) for r in con.execute(
        'SELECT lock, pcpu, acquisitions, contended, wait_ns, hold_ns FROM lock_stat WHERE run_id = ?', (run,))}
    if got_l != locks:
        fail('lock_stat %r, last samples %r' % (got_l, locks))
    names = {r[0]: r[1] for r in con.execute('SELECT lock, lock_name FROM lock_stat WHERE run_id = ?', (run,))}
    for lock, name in names.items():
        want = 'tasklet_lock' if lock == 0 else 'event_lock:' + guests[lock - 1]['name']
        if name != want:
            fail('lock %d is named %r, want %r' % (lock, name, want))
    got_p = {r[0]: tuple(r[1:]) for r in con.execute(
        'SELECT pcpu, sum(run_ns), sum(run_delay_ns) FROM pcpu_stat WHERE run_id = ? GROUP BY pcpu', (run,))}
    if got_p != sched:
        fail('pcpu_stat totals %r, last pcpu_schedstat samples %r' % (got_p, sched))
    n = con.execute('SELECT count(*) FROM steal_breakdown WHERE run_id = ?', (run,)).fetchone()[0]
    if n != len(tot):
        fail('steal_breakdown has %d rows, want %d' % (n, len(tot)))
    print('# %d locks, %d pCPUs checked' % (len(locks), len(sched)))


def cmd_discards(text, err, db, run):
    per = collections.Counter()
    # babeltrace2's text sink prints "Tracer may have discarded events" both
    # when a message has no count and when its count is 2^64 - 1 (LTTng's
    # per-packet counter went back by one: a net -1).  Such a line is one of
    # the two, so it stands for 0 or -1 (modulo 2^64).
    unsure = 0
    with open(err, encoding='utf-8', errors='replace') as f:
        for line in f:
            m = re.search(r'Tracer discarded (\d+) events?\b.*stream ID: (\d+)\)', line)
            if m:
                per[m.group(2)] = (per[m.group(2)] + int(m.group(1))) % 2**64
            elif re.search(r'Tracer may have discarded events\b.*stream ID: \d+\)', line):
                unsure += 1
    total = sum(per.values()) % 2**64
    con = sqlite3.connect(db)
    got = con.execute('SELECT discarded FROM run WHERE id = ?', (run,)).fetchone()[0] % 2**64
    print('# discarded per stream (babeltrace2): %s, total %d, %d "may have" lines; run.discarded %d'
          % (dict(per), total, unsure, got))
    if not total:
        fail('the trace has no discarded events')
    if got not in {(total - j) % 2**64 for j in range(unsure + 1)}:
        fail('run.discarded %d, babeltrace2 counts %d (and %d "may have" lines, 0 or -1 each)'
             % (got, total, unsure))
    _, seen = rebuild(text)
    full = {'passthrough': {'irq_raise', 'irq_entry', 'tasklet_schedule', 'inject', 'vcpu_ack'},
            'timer': {'timer_fire', 'tasklet_schedule', 'inject', 'vcpu_ack'}}
    bad = checked = 0
    for r in con.execute('SELECT irq_id, path, complete FROM irq WHERE run_id = ?', (run,)):
        need = full.get(r[1])
        if need is None:
            continue
        missing = need - seen.get(r[0], set())
        checked += 1
        if missing and r[2]:
            bad += 1
            if bad <= 5:
                fail('irq %d lost %s but is complete' % (r[0], sorted(missing)))
    incomplete = con.execute('SELECT count(*) FROM irq WHERE run_id = ? AND NOT complete', (run,)).fetchone()[0]
    print('# %d interrupts checked, %d incomplete' % (checked, incomplete))
    if not incomplete:
        fail('no interrupt is marked incomplete')
    if bad:
        fail('%d interrupts that lost events are marked complete' % bad)


def cmd_percentiles(db, run):
    con = sqlite3.connect(db)
    stats = con.execute('SELECT path, hop, count, p50_ns, p90_ns, p99_ns, p999_ns, max_ns FROM hop_stats '
                        'WHERE run_id = ?', (run,)).fetchall()
    if not stats:
        fail('hop_stats has no row for run %d' % run)
    worst = 0.0
    for path, hop, count, *pcts in stats:
        if hop == 'total':
            vals = [r[0] for r in con.execute('SELECT total_ns FROM irq WHERE run_id = ? AND path = ? '
                                              'AND complete', (run, path))]
        else:
            vals = [r[0] for r in con.execute('SELECT %s_ns FROM irq WHERE run_id = ? AND path = ? AND %s_ns '
                                              'IS NOT NULL' % (hop, hop), (run, path))]
        vals.sort()
        if len(vals) != count:
            fail('%s/%s: count %d, %d values in irq' % (path, hop, count, len(vals)))
            continue
        for q, est in zip((0.5, 0.9, 0.99, 0.999), pcts[:4]):
            exact = vals[max(1, math.ceil(q * len(vals) - 1e-9)) - 1]
            err = abs(est - exact) / exact if exact else float(est != exact)
            worst = max(worst, err)
            if err > 0.01:
                fail('%s/%s p%g: %d from hop_stats, exact %d (%.2f%%)' % (path, hop, q * 100, est, exact,
                                                                         100 * err))
        if pcts[4] != vals[-1]:
            fail('%s/%s: max %d, exact %d' % (path, hop, pcts[4], vals[-1]))
    print('# %d hop_stats rows: worst relative error %.3f%%' % (len(stats), 100 * worst))


def cmd_sql(doc, db, sqlite3_shell='sqlite3'):
    text = open(doc, encoding='utf-8').read()
    blocks = re.findall(r'```sql\n(.*?)```', text, re.S)
    if not blocks:
        fail('no ```sql block in %s' % doc)
    empty = []
    for i, b in enumerate(blocks, 1):
        p = subprocess.run([sqlite3_shell, '-bail', '-batch', db], input=b, capture_output=True, text=True)
        if p.returncode != 0 or p.stderr.strip():
            fail('query %d of %s fails: %s' % (i, doc, (p.stderr.strip() or 'exit %d' % p.returncode)))
        elif not p.stdout.strip():
            empty.append(i)
    # Some examples filter on labels or run ids of the reader's own
    # database: an empty answer is not an error, but most must answer.
    if len(empty) * 2 > len(blocks):
        fail('queries %s of %s return no row' % (empty, doc))
    print('# %d queries of %s run in the sqlite3 shell (no row from %s)' % (len(blocks), doc, empty or 'none'))


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    cmd, args = argv[1], argv[2:]
    if cmd == 'hops':
        cmd_hops(args[0], args[1], int(args[2]))
    elif cmd == 'steal':
        cmd_steal(args[0], args[1], int(args[2]))
    elif cmd == 'discards':
        cmd_discards(args[0], args[1], args[2], int(args[3]))
    elif cmd == 'lossy':
        losses = loss_ranges(args[1])
        print('# %d discarded-events ranges' % len(losses[0]))
        if not losses[0]:
            fail('the trace has no discarded events')
        cmd_hops(args[0], args[2], int(args[3]), losses)
    elif cmd == 'percentiles':
        cmd_percentiles(args[0], int(args[1]))
    elif cmd == 'sql':
        cmd_sql(args[0], args[1], *(args[2:3]))
    else:
        print(__doc__)
        return 2
    if failures > 20:
        print('# ... %d differences in all' % failures)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
