#!/usr/bin/env python3
"""The CPython column of aiotask's `compare` report.

The same workloads as the Rust crate `aiotask-benches`, written with
asyncio, on the default event loop. Prints one JSON object:

    {"python": "3.13.0", "results": {"cancel_one": {"ns_per_op": 1234.5}, ...,
     "memory_parked_100k": {"bytes_per_task": ..., "allocs_per_task": ...}},
     "peak_rss_kib": ...}

`peak_rss_kib`: the interpreter's peak resident memory (`VmHWM`, else
`ru_maxrss`), for the header of the report; absent where neither exists.

Usage: asyncio_bench.py [--quick | --full] [--scenarios id,id,...]

A parked task has run its first step and awaits its own future that nobody
resolves (a task cannot share one: cancelling a task cancels the future it
waits on). Only the measured part of each workload is timed.
"""

import argparse
import asyncio
import gc
import json
import platform
import sys
import threading
import time
import tracemalloc

perf = time.perf_counter_ns
CHUNK = 1000

QUICK_OPS = {
    "cancel_one": 5_000,
    "cancel_batch_10k": 10_000,
    "cancel_to_callback": 5_000,
    "cancel_cross_thread": 1_000,
    "cancel_busy": 5_000,
    "callbacks_n1": 5_000,
    "callbacks_n16": 16_000,
    "completion_to_callback": 5_000,
    "spawn_batch_1k": 10_000,
    "spawn_one": 10_000,
    "memory_parked_100k": 100_000,
    "scaling_1k": 20_000,
    "scaling_100k": 100_000,
    "scaling_1m": 1_000_000,
}
FIXED = {"memory_parked_100k", "scaling_100k", "scaling_1m"}


async def park(n):
    """n parked tasks, each having run its first step."""
    loop = asyncio.get_running_loop()
    started = [0]

    async def parked():
        started[0] += 1
        await loop.create_future()

    tasks = [asyncio.create_task(parked()) for _ in range(n)]
    while started[0] < n:
        await asyncio.sleep(0)
    return tasks


async def gated(n, done_at=None):
    """n tasks that each complete when their gate future is resolved."""
    loop = asyncio.get_running_loop()
    started = [0]

    async def body(gate):
        started[0] += 1
        await gate
        if done_at is not None:
            done_at[0] = perf()

    pairs = []
    for _ in range(n):
        gate = loop.create_future()
        pairs.append((asyncio.create_task(body(gate)), gate))
    while started[0] < n:
        await asyncio.sleep(0)
    return pairs


async def swallow(t):
    try:
        await t
    except asyncio.CancelledError:
        pass


async def cancel_one(ops):
    total, left = 0, ops
    while left > 0:
        n = min(left, CHUNK)
        tasks = await park(n)
        t0 = perf()
        for t in tasks:
            t.cancel()
            try:
                await t
            except asyncio.CancelledError:
                pass
        total += perf() - t0
        left -= n
    return total


async def cancel_batch(batch, ops):
    total, left = 0, ops
    while left > 0:
        n = min(left, batch)
        tasks = await park(n)
        t0 = perf()
        for t in tasks:
            t.cancel()
        for t in tasks:
            try:
                await t
            except asyncio.CancelledError:
                pass
        total += perf() - t0
        del tasks
        left -= n
    return total


async def cancel_to_callback(ops):
    stamp = [0]

    def cb(_t):
        stamp[0] = perf()

    total, left = 0, ops
    while left > 0:
        n = min(left, CHUNK)
        tasks = await park(n)
        for t in tasks:
            t.add_done_callback(cb)
        for t in tasks:
            t0 = perf()
            t.cancel()
            try:
                await t
            except asyncio.CancelledError:
                pass
            total += stamp[0] - t0
        left -= n
    return total


async def cancel_cross_thread(ops):
    """A plain thread asks the loop to cancel (call_soon_threadsafe: asyncio
    objects are not thread-safe) and blocks until a done callback tells it
    the task is cancelled."""
    loop = asyncio.get_running_loop()
    total, left = 0, ops
    while left > 0:
        n = min(left, CHUNK)
        tasks = await park(n)
        events = []
        for t in tasks:
            ev = threading.Event()
            t.add_done_callback(lambda _t, ev=ev: ev.set())
            events.append(ev)
        finished = loop.create_future()

        def canceller():
            t0 = perf()
            for t, ev in zip(tasks, events):
                loop.call_soon_threadsafe(t.cancel)
                ev.wait()
            elapsed = perf() - t0
            loop.call_soon_threadsafe(finished.set_result, elapsed)

        th = threading.Thread(target=canceller)
        th.start()
        total += await finished
        th.join()
        left -= n
    return total


async def cancel_busy(ops):
    loop = asyncio.get_running_loop()
    total, left = 0, ops
    while left > 0:
        n = min(left, CHUNK)
        started = [0]

        async def body(gate):
            started[0] += 1
            await gate
            asyncio.current_task().cancel()  # busy in this step
            await loop.create_future()  # delivered here

        pairs = []
        for _ in range(n):
            gate = loop.create_future()
            pairs.append((asyncio.create_task(body(gate)), gate))
        while started[0] < n:
            await asyncio.sleep(0)
        t0 = perf()
        for t, gate in pairs:
            gate.set_result(None)
            try:
                await t
            except asyncio.CancelledError:
                pass
        total += perf() - t0
        left -= n
    return total


async def callbacks(per_task, ops):
    calls = [0]

    def cb(_t):
        calls[0] += 1

    total = 0
    left = -(-ops // per_task)
    while left > 0:
        n = min(left, CHUNK)
        pairs = await gated(n)
        t0 = perf()
        for t, gate in pairs:
            for _ in range(per_task):
                t.add_done_callback(cb)
            gate.set_result(None)
            await t
        total += perf() - t0
        left -= n
    assert calls[0] == -(-ops // per_task) * per_task
    return total


async def completion_to_callback(ops):
    done_at, cb_at = [0], [0]

    def cb(_t):
        cb_at[0] = perf()

    total, left = 0, ops
    while left > 0:
        n = min(left, CHUNK)
        pairs = await gated(n, done_at)
        for t, _ in pairs:
            t.add_done_callback(cb)
        for t, gate in pairs:
            gate.set_result(None)
            await t
            total += cb_at[0] - done_at[0]
        left -= n
    return total


async def one():
    return 1


async def spawn_batch(batch, ops):
    left = ops
    t0 = perf()
    while left > 0:
        n = min(left, batch)
        tasks = [asyncio.create_task(one()) for _ in range(n)]
        for t in tasks:
            await t
        left -= n
    return perf() - t0


async def spawn_one(ops):
    t0 = perf()
    for _ in range(ops):
        await asyncio.create_task(one())
    return perf() - t0


async def memory(n):
    """Live traced bytes and blocks per parked task (tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.take_snapshot()
        base_blocks = sum(s.count for s in base.statistics("filename"))
        del base
        b0 = tracemalloc.get_traced_memory()[0]
        tasks = await park(n)
        b1 = tracemalloc.get_traced_memory()[0]
        snap = tracemalloc.take_snapshot()
        blocks = sum(s.count for s in snap.statistics("filename")) - base_blocks
        del snap
    finally:
        tracemalloc.stop()
    for t in tasks:
        t.cancel()
    for t in tasks:
        await swallow(t)
    return {"bytes_per_task": (b1 - b0) / n, "allocs_per_task": blocks / n}


async def run(ids, full):
    results = {}
    for sid in ids:
        ops = QUICK_OPS[sid]
        if full and sid not in FIXED:
            ops *= 4
        gc.collect()
        if sid == "memory_parked_100k":
            results[sid] = await memory(ops)
            continue
        if sid == "cancel_one":
            ns = await cancel_one(ops)
        elif sid == "cancel_batch_10k":
            ns = await cancel_batch(10_000, ops)
        elif sid == "cancel_to_callback":
            ns = await cancel_to_callback(ops)
        elif sid == "cancel_cross_thread":
            ns = await cancel_cross_thread(ops)
        elif sid == "cancel_busy":
            ns = await cancel_busy(ops)
        elif sid == "callbacks_n1":
            ns = await callbacks(1, ops)
        elif sid == "callbacks_n16":
            ns = await callbacks(16, ops)
        elif sid == "completion_to_callback":
            ns = await completion_to_callback(ops)
        elif sid == "spawn_batch_1k":
            ns = await spawn_batch(1_000, ops)
        elif sid == "spawn_one":
            ns = await spawn_one(ops)
        elif sid == "scaling_1k":
            ns = await cancel_batch(1_000, ops)
        elif sid == "scaling_100k":
            ns = await cancel_batch(100_000, ops)
        elif sid == "scaling_1m":
            ns = await cancel_batch(1_000_000, ops)
        else:
            continue
        results[sid] = {"ns_per_op": ns / ops}
    return results


def peak_rss_kib():
    """This process's peak resident memory in KiB, or None.

    `VmHWM` where /proc has it: `ru_maxrss` would not do on Linux, where a
    child inherits the high-water mark of the parent it was forked from
    (`compare`'s own) across exec.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    try:
        import resource
    except ImportError:
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak  # macOS: bytes


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--full", action="store_true")
    ap.add_argument("--scenarios", default=",".join(QUICK_OPS))
    args = ap.parse_args()
    ids = [s for s in args.scenarios.split(",") if s]
    unknown = [s for s in ids if s not in QUICK_OPS]
    if unknown:
        sys.exit(f"unknown scenarios: {unknown}")
    results = asyncio.run(run(ids, args.full))
    out = {"python": platform.python_version(), "results": results}
    peak = peak_rss_kib()
    if peak is not None:
        out["peak_rss_kib"] = peak
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
