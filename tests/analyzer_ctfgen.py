#!/usr/bin/env python3
"""analyzer_ctfgen.py OUTDIR - writes a small CTF 1.8 trace of irqhop events.

The trace mimics what LTTng-UST writes for provider irqhop (event names
"irqhop:*", a vtid context, a hostname in the environment, a trace UUID),
with known timestamps, so tests/analyzer_ctf.test can check every column the
analyzer derives, without lttng.  Events (ts in ns from the clock origin):

  irq 1  passthrough, complete: delivery 100, schedule 50, queue 50,
         assist 100, guest 200 (locks 7/11/5, task_pcpu 1, ack_pcpu 1)
  irq 2, 3  one tasklet run (vtid 20) serves both; 3 was coalesced
         (queued = 0); an open run on vtid 21 must not be used
  irq 4  irqfd srcu, complete: callback 5, inject 20, guest 15
  irq 5  passthrough, trace ends after irq_entry: incomplete, broken at schedule
  plus one other:thing event (not irqhop) and run_begin / run_end.
"""
import os
import struct
import sys

UUID = bytes(range(0x10, 0x20))
UUID_STR = "10111213-1415-1617-1819-1a1b1c1d1e1f"

U8 = "integer { size = 8; align = 8; signed = false; }"
U32 = "integer { size = 32; align = 8; signed = false; }"
U64 = "integer { size = 64; align = 8; signed = false; }"

# name -> list of (field, type) ; type one of u8 u32 u64 str
EVENTS = {
    "irqhop:run_begin": [("label", "str"), ("scenario", "str"), ("tasklet_mode", "str"),
                         ("notifier_mode", "str"), ("pcpus", "u32"), ("vcpus", "u32"),
                         ("devices", "u32"), ("seed", "u64"), ("duration_ns", "u64")],
    "irqhop:run_end": [("raised", "u64"), ("acked", "u64"), ("host_steal_ns", "u64"),
                       ("host_total_ns", "u64")],
    "irqhop:irq_raise": [("irq_id", "u64"), ("source", "u32"), ("vector", "u32"), ("target_pcpu", "u32")],
    "irqhop:irq_entry": [("irq_id", "u64"), ("pcpu", "u32")],
    "irqhop:irq_exit": [("irq_id", "u64"), ("pcpu", "u32")],
    "irqhop:tasklet_schedule": [("irq_id", "u64"), ("tasklet", "u64"), ("mode", "u8"),
                                ("from_pcpu", "u32"), ("to_pcpu", "u32"), ("lock_wait_ns", "u64"),
                                ("queued", "u8")],
    "irqhop:tasklet_entry": [("irq_id", "u64"), ("tasklet", "u64"), ("pcpu", "u32"), ("lock_wait_ns", "u64")],
    "irqhop:tasklet_exit": [("irq_id", "u64"), ("tasklet", "u64"), ("pcpu", "u32"), ("lock_wait_ns", "u64")],
    "irqhop:eventfd_signal": [("irq_id", "u64"), ("efd", "u32"), ("mode", "u8")],
    "irqhop:notifier_entry": [("irq_id", "u64"), ("efd", "u32"), ("mode", "u8")],
    "irqhop:inject": [("irq_id", "u64"), ("vcpu", "u32"), ("vector", "u32"), ("vm_lock_wait_ns", "u64")],
    "irqhop:vcpu_ack": [("irq_id", "u64"), ("vcpu", "u32"), ("pcpu", "u32")],
    "other:thing": [("x", "u32")],
}
NAMES = list(EVENTS)
TYPES = {"u8": U8, "u32": U32, "u64": U64, "str": "string"}
PACK = {"u8": "<B", "u32": "<I", "u64": "<Q"}

BASE = 1_700_000_000_000_000_000  # clock offset: ns from origin of ts 0


def metadata():
    out = ["/* CTF 1.8 */",
           "typealias integer { size = 8; align = 8; signed = false; } := uint8_t;",
           "trace {", "\tmajor = 1;", "\tminor = 8;",
           '\tuuid = "%s";' % UUID_STR, "\tbyte_order = le;",
           "\tpacket.header := struct {",
           "\t\t%s magic;" % U32, "\t\tuint8_t uuid[16];", "\t\t%s stream_id;" % U32,
           "\t};", "};",
           'env { hostname = "testhost"; domain = "ust"; tracer_name = "lttng-ust"; };',
           "clock { name = monotonic; uuid = \"%s\"; freq = 1000000000; offset_s = %d; offset = 0; };"
           % (UUID_STR, BASE // 1_000_000_000),
           "typealias integer { size = 64; align = 8; signed = false; map = clock.monotonic.value; }"
           " := uint64_clock_monotonic_t;",
           "stream {", "\tid = 0;",
           "\tevent.header := struct { %s id; uint64_clock_monotonic_t timestamp; };" % U32,
           "\tevent.context := struct { integer { size = 32; align = 8; signed = true; } vtid; };",
           "};"]
    for i, name in enumerate(NAMES):
        fields = " ".join("%s %s;" % (TYPES[t], f) for f, t in EVENTS[name])
        out.append('event { name = "%s"; id = %d; stream_id = 0; fields := struct { %s }; };'
                   % (name, i, fields))
    return "\n".join(out) + "\n"


def event(name, ts, vtid, **vals):
    b = struct.pack("<IQi", NAMES.index(name), ts, vtid)
    for f, t in EVENTS[name]:
        v = vals.get(f, 0)
        if t == "str":
            b += str(v if v else "").encode() + b"\0"
        else:
            b += struct.pack(PACK[t], v)
    return b


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "metadata"), "w") as f:
        f.write(metadata())
    E = []
    E.append(event("irqhop:run_begin", 10, 1, label="lbl", scenario='{"x":1}', tasklet_mode="global",
                   notifier_mode="srcu", pcpus=2, vcpus=2, devices=1, seed=1, duration_ns=1000))
    # irq 1: complete passthrough
    E.append(event("irqhop:irq_raise", 100, 5, irq_id=1, source=3, vector=48, target_pcpu=0))
    E.append(event("irqhop:irq_entry", 200, 10, irq_id=1, pcpu=0))
    E.append(event("irqhop:tasklet_schedule", 250, 10, irq_id=1, tasklet=1, lock_wait_ns=7, queued=1))
    E.append(event("irqhop:irq_exit", 260, 10, irq_id=1, pcpu=0))
    E.append(event("other:thing", 270, 10, x=1))
    E.append(event("irqhop:tasklet_entry", 300, 11, irq_id=1, tasklet=1, pcpu=1, lock_wait_ns=11))
    E.append(event("irqhop:inject", 400, 11, irq_id=1, vcpu=2, vector=48, vm_lock_wait_ns=5))
    E.append(event("irqhop:tasklet_exit", 500, 11, irq_id=1, tasklet=1, pcpu=1))
    E.append(event("irqhop:vcpu_ack", 600, 12, irq_id=1, vcpu=2, pcpu=1))
    # irq 2, 3: one run serves both
    E.append(event("irqhop:irq_raise", 1000, 5, irq_id=2, vector=48))
    E.append(event("irqhop:irq_entry", 1010, 20, irq_id=2))
    E.append(event("irqhop:tasklet_schedule", 1020, 20, irq_id=2, queued=1, lock_wait_ns=1))
    E.append(event("irqhop:irq_raise", 1030, 5, irq_id=3, vector=48))
    E.append(event("irqhop:irq_entry", 1040, 20, irq_id=3))
    E.append(event("irqhop:tasklet_schedule", 1050, 20, irq_id=3, queued=0, lock_wait_ns=2))
    E.append(event("irqhop:tasklet_entry", 1100, 20, irq_id=2, pcpu=0, lock_wait_ns=9))
    E.append(event("irqhop:tasklet_entry", 1105, 21, irq_id=99, pcpu=1, lock_wait_ns=1000))
    E.append(event("irqhop:inject", 1110, 20, irq_id=2))
    E.append(event("irqhop:inject", 1120, 20, irq_id=3))
    E.append(event("irqhop:tasklet_exit", 1130, 20, irq_id=2))
    E.append(event("irqhop:vcpu_ack", 1200, 22, irq_id=2))
    E.append(event("irqhop:vcpu_ack", 1210, 22, irq_id=3))
    # irq 4: irqfd srcu
    E.append(event("irqhop:eventfd_signal", 2000, 30, irq_id=4, efd=4, mode=1))
    E.append(event("irqhop:notifier_entry", 2005, 30, irq_id=4, efd=4, mode=1))
    E.append(event("irqhop:inject", 2025, 30, irq_id=4, vcpu=1))
    E.append(event("irqhop:vcpu_ack", 2040, 31, irq_id=4, vcpu=1, pcpu=0))
    # irq 5: broken by the end of the trace
    E.append(event("irqhop:irq_raise", 3000, 5, irq_id=5))
    E.append(event("irqhop:irq_entry", 3010, 40, irq_id=5))
    E.append(event("irqhop:run_end", 3100, 1, raised=5, acked=4, host_steal_ns=77, host_total_ns=1000))
    with open(os.path.join(out, "stream_0"), "wb") as f:
        f.write(struct.pack("<I", 0xC1FC1FC1) + UUID + struct.pack("<I", 0))
        f.write(b"".join(E))
    print(len(E))


if __name__ == "__main__":
    main()
