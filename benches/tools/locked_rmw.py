#!/usr/bin/env python3
"""Atomic read-modify-writes per operation, by function, counted with callgrind.

An uncontended atomic RMW (x86 `lock`-prefixed instructions and `xchg` with
memory) costs tens of cycles where an ordinary instruction costs one, so two
subjects with close instruction counts can differ by 2x in time. This runs the
`profile` example under `valgrind --tool=callgrind --dump-instr=yes` with N and
2N operations, finds the locked instructions in the binary (`objdump`), and
prints how many of them one operation executes, per function; `--sites` adds
each instruction's inlined call chain (`addr2line`).

    cargo build --release -p aiotask-benches --example profile --all-features
    python3 benches/tools/locked_rmw.py "aiotask native" cancel_one 20000 [--sites]

Needs valgrind and binutils (objdump, addr2line). x86-64 only.
"""
import collections
import os
import re
import subprocess
import sys
import tempfile

# The profile example of this workspace's target directory, wherever the
# script is run from (CARGO_TARGET_DIR as cargo reads it).
_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(_ROOT, "target")),
                   "release", "examples", "profile")


def run(subject, scenario, n, out):
    subprocess.run(
        ["valgrind", "--tool=callgrind", "--dump-instr=yes", f"--callgrind-out-file={out}",
         BIN, subject, scenario, str(n)],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def costs(path):
    """Self cost of every (address, function) of the profiled binary."""
    counts = collections.Counter()
    names, objs = {}, {}
    fn = ob = None
    addr = 0
    call_line = False
    for line in open(path):
        line = line.rstrip("\n")
        if not line:
            continue
        m = re.match(r"^(ob|fn|cob|cfn|fl|fi|fe|cfi|cfl)=\((\d+)\)(?: (.*))?$", line)
        if m:
            kind, ident, name = m.groups()
            table = objs if kind in ("ob", "cob") else names
            if name:
                table[ident] = name
            if kind == "ob":
                ob = objs.get(ident)
            elif kind == "fn":
                fn = names.get(ident)
            continue
        if line.startswith("calls="):
            call_line = True  # the next cost line is the call's, not self cost
            continue
        if line[0] in "0123456789+-*":
            tok = line.split()
            a = tok[0]
            if a.startswith("0x"):
                addr = int(a, 16)
            elif a[0] in "+-":
                step = int(a[1:], 16) if a[1:].startswith("0x") else int(a[1:])
                addr += step if a[0] == "+" else -step
            if call_line:
                call_line = False
                continue
            if len(tok) >= 3 and ob and ob.endswith("/profile"):
                counts[(addr, fn)] += int(tok[2])
    return counts


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    sites = "--sites" in sys.argv
    if len(args) < 2:
        sys.exit(__doc__)
    subject, scenario = args[0], args[1]
    n = int(args[2]) if len(args) > 2 else 20000
    with tempfile.TemporaryDirectory() as tmp:
        run(subject, scenario, n, os.path.join(tmp, "a"))
        run(subject, scenario, 2 * n, os.path.join(tmp, "b"))
        a, b = costs(os.path.join(tmp, "a")), costs(os.path.join(tmp, "b"))
    dis = subprocess.run(["objdump", "-d", "--no-show-raw-insn", BIN],
                         capture_output=True, text=True, check=True).stdout
    locked = {}
    for l in dis.splitlines():
        m = re.match(r"^\s*([0-9a-f]+):\s+(.*)$", l)
        if m and (m.group(2).startswith("lock ") or
                  (m.group(2).startswith("xchg") and "(" in m.group(2))):
            locked[int(m.group(1), 16)] = m.group(2).split("\t")[-1]
    if not any(addr in locked for addr, _ in b):
        # Callgrind reports the executable's link-time addresses; a build
        # it relocates would match nothing, and 0 would be a wrong answer.
        sys.exit("no profiled instruction matches the binary's: was it rebuilt since?")
    rows = []
    for (addr, fn), c in b.items():
        per_op = (c - a.get((addr, fn), 0)) / n
        if addr in locked and per_op >= 0.5:
            rows.append((addr, fn, per_op))
    by_fn = collections.Counter()
    for _, fn, c in rows:
        by_fn[fn] += c
    print(f"{subject} {scenario}: {sum(by_fn.values()):.1f} atomic RMWs per operation")
    for fn, c in by_fn.most_common():
        print(f"{c:6.1f}  {fn}")
    if sites:
        for addr, fn, c in sorted(rows, key=lambda r: (r[1], r[0])):
            print(f"\n{c:.1f}  {locked[addr]}  in {fn}")
            out = subprocess.run(["addr2line", "-e", BIN, "-i", "-f", "-C", hex(addr)],
                                 capture_output=True, text=True).stdout.splitlines()
            for i in range(0, len(out) - 1, 2):
                print(f"        {out[i + 1].split('/')[-1]}  {out[i][:90]}")


if __name__ == "__main__":
    main()
