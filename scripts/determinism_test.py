#!/usr/bin/env python3
"""Determinism of the virtual clock: boots Debian's kernel with the busybox initramfs
(the boot test's guest script, which prints dmesg with its timestamps, /proc/interrupts
and a line typed from --serial-input) N times under `--clock virtual` and checks that
every run prints byte-identical serial output and retires identical instruction and
cycle counts, in total and on every core (the default engine: the translator with its
JIT; four cores unless --cpus says otherwise). Then boots once with
--no-jit (the translator's block loop) and once with --no-translate (the plain
interpreter) and checks that each gives the same bytes and counts.

    determinism_test.py IMAGE INITRD [--runs 10] [--cpus N] [--bramble PATH] [--no-interpreter]

Ends with `N passed, M failed`; exit 0 only if all passed.
"""
import argparse
import hashlib
import os
import re
import subprocess
import sys
import tempfile
import time

APPEND = "console=ttyAMA0 bramble.test panic=-1"
INPUT = b"typed from a file at a deterministic point\n"
COUNTS = re.compile(rb"bramble: (\d+) instructions, (\d+) cycles, ([0-9.]+) s virtual")
PER_CORE = re.compile(rb"bramble: cpu(\d+): (\d+) insns, (\d+) cycles")


def boot(bramble, image, initrd, script, extra, timeout):
    """One boot; returns (serial output, (instructions, cycles, virtual s), host seconds)."""
    cmd = [bramble, "run", "--kernel", image, "--initrd", initrd, "--append", APPEND,
           "--clock", "virtual", "--serial-input", script, "--stats"] + extra
    t0 = time.time()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    took = time.time() - t0
    if p.returncode != 0:
        sys.exit(f"determinism_test: {' '.join(cmd)} exited {p.returncode}\n{p.stderr.decode(errors='replace')}")
    m = COUNTS.search(p.stderr)
    if not m:
        sys.exit(f"determinism_test: no --stats line in\n{p.stderr.decode(errors='replace')}")
    cores = tuple((int(c), int(i), int(y)) for c, i, y in PER_CORE.findall(p.stderr))
    return p.stdout, (int(m.group(1)), int(m.group(2)), m.group(3).decode(), cores), took


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("image")
    ap.add_argument("initrd")
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--bramble", default="target/release/bramble")
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--cpus", type=int, default=4)
    ap.add_argument("--no-interpreter", action="store_true", help="skip the --no-jit and --no-translate comparisons")
    args = ap.parse_args()
    for f in (args.image, args.initrd, args.bramble):
        if not os.path.isfile(f):
            sys.exit(f"determinism_test: {f}: no such file")

    passed = failed = 0

    def check(ok, what):
        nonlocal passed, failed
        print(f"  {'ok  ' if ok else 'FAIL'} {what}")
        if ok:
            passed += 1
        else:
            failed += 1

    cpus = ["--cpus", str(args.cpus)]
    with tempfile.NamedTemporaryFile(suffix=".txt") as script:
        script.write(INPUT)
        script.flush()
        runs = []
        for i in range(args.runs):
            out, counts, took = boot(args.bramble, args.image, args.initrd, script.name, cpus, args.timeout)
            digest = hashlib.sha256(out).hexdigest()[:16]
            print(f"run {i + 1}: {len(out)} bytes of serial output (sha256 {digest}), "
                  f"{counts[0]} instructions, {counts[1]} cycles, {counts[2]} s virtual, {took:.2f} s host")
            runs.append((out, counts))
        first_out, first_counts = runs[0]
        check(b"BRAMBLE-TEST: end" in first_out, "the guest script ran to its end")
        check(INPUT.strip() in first_out, "the --serial-input line reached the guest")
        check(all(o == first_out for o, _ in runs), f"serial output byte-identical across {args.runs} boots")
        check(len(first_counts[3]) == args.cpus, f"--stats reports each of the {args.cpus} cores")
        check(all(c == first_counts for _, c in runs),
              f"instruction and cycle counts identical across {args.runs} boots, in total and per core")
        if not args.no_interpreter:
            for flag, what in (("--no-jit", "the block loop (--no-jit)"), ("--no-translate", "the plain interpreter")):
                out, counts, took = boot(args.bramble, args.image, args.initrd, script.name, cpus + [flag], args.timeout)
                print(f"{flag}: {counts[0]} instructions, {counts[1]} cycles, {took:.2f} s host")
                check(out == first_out, f"{what} prints the same bytes as the default engine")
                check(counts == first_counts, f"{what} retires the same instructions and cycles on every core")
    print(f"{passed} passed, {failed} failed")
    sys.exit(0 if failed == 0 else 1)


if __name__ == "__main__":
    main()
