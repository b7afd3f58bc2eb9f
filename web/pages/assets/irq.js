// irq.js - one interrupt's waterfall (/runs/ID/irqs/IRQ), from GET
// /api/runs/ID/irqs/IRQ: each hop on the lane (thread) it ran or waited on.
import { getJSON, el, fmtNs, fmtTime, setStatus } from '/assets/irqhop.js';
import { waterfall } from '/assets/charts.js';

// Lanes in the order the interrupt visits them.
function laneOrder(hops) {
  const seen = [];
  for (const h of hops) if (!seen.includes(h.lane)) seen.push(h.lane);
  return seen;
}

async function main() {
  const m = /^\/runs\/([1-9][0-9]*)\/irqs\/([1-9][0-9]*)$/.exec(location.pathname);
  if (!m) {
    setStatus('This page expects a URL of the form /runs/ID/irqs/IRQ.', true);
    return;
  }
  const [, id, irqId] = m;
  document.getElementById('crumbs').append(' / ', el('a', { href: `/runs/${id}` }, `run ${id}`), ' / ',
    el('a', { href: `/runs/${id}/irqs` }, 'interrupts'), ' / ', el('span', {}, `#${irqId}`));
  try {
    const { irq, hops, vcpu } = await getJSON(`/api/runs/${id}/irqs/${irqId}`);
    document.title = `irqhop · run ${id} · interrupt ${irqId}`;
    document.getElementById('title').textContent = `Interrupt #${irqId} of run ${id} (${irq.path})`;
    const items = [['Path', irq.path], ['Total', fmtNs(irq.total_ns)],
      ['Complete', irq.complete ? 'yes' : `no: broken at ${irq.broken_hop}`], ['Started (UTC)', fmtTime(irq.start_ns)],
      ['Source', irq.source ?? '–'], ['Vector', irq.vector ?? '–'], ['vCPU', irq.vcpu ?? '–']];
    // On a real host the vCPU is a thread (its tid and name, docs/kvm-model.md).
    if (vcpu && vcpu.thread != null) items.push(['vCPU thread', `${vcpu.thread} (tid ${vcpu.tid ?? '?'})`]);
    items.push(['Raised on CPU', irq.pcpu ?? '–']);
    // The tasklet only exists on the Xen paths; say nothing of it elsewhere.
    if (irq.task_pcpu != null || hops.some((h) => h.role === 'tasklet')) items.push(['Tasklet ran on pCPU', irq.task_pcpu ?? '–']);
    items.push([hops.some((h) => h.role === 'kworker') ? 'kworker (tid)' : 'Worker', irq.worker ?? '–'], ['Acked on CPU', irq.ack_pcpu ?? '–']);
    const waits = [['sched_lock_wait_ns', 'Lock wait in schedule'], ['run_lock_wait_ns', 'Lock wait in queue'],
      ['vm_lock_wait_ns', 'VM lock wait']].filter(([k]) => irq[k] != null);
    for (const [k, label] of waits) items.push([label, fmtNs(irq[k])]);
    const dl = document.getElementById('summary');
    dl.replaceChildren(...items.map(([k, v]) => el('div', {}, el('dt', {}, k), el('dd', {}, String(v)))));
    dl.hidden = false;
    dl.after(el('p', { class: 'help' }, el('a', { class: 'perfetto', href: `/api/runs/${id}/export?irq=${irqId}`, download: '' },
      'Download as a Perfetto trace'), ' (open it in ui.perfetto.dev)'));
    document.getElementById('wf').hidden = false;
    const lanes = laneOrder(hops);
    waterfall(document.getElementById('waterfall'), 'waterfall', { hops, lanes, title: `${irq.path}: ${fmtNs(irq.total_ns)} from start to guest ack` });
    const t = document.getElementById('hops');
    t.tHead.replaceChildren(el('tr', {}, ...['Hop', 'Lane', 'Role', 'Starts at', 'Duration', 'Lock wait']
      .map((c, i) => el('th', { class: i >= 3 ? 'num' : null }, c))));
    t.tBodies[0].replaceChildren(...hops.map((h) => el('tr', { 'data-hop': h.hop },
      el('td', {}, el('span', { class: 'swatch', 'data-hop': h.hop }), h.hop), el('td', {}, h.lane), el('td', {}, h.role),
      el('td', { class: 'num' }, `+${fmtNs(h.offset_ns)}`), el('td', { class: 'num' }, fmtNs(h.dur_ns)),
      el('td', { class: 'num' }, h.lock_wait_ns == null ? '–' : fmtNs(h.lock_wait_ns)))));
    setStatus('');
    document.body.dataset.ready = '1';
  } catch (e) {
    setStatus(`Cannot load interrupt ${irqId} of run ${id}: ${e.message}`, true);
    document.body.dataset.ready = 'error';
  }
}

main();
