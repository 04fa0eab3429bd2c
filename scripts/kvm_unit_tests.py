#!/usr/bin/env python3
"""Runs kvm-unit-tests' arm64 tests on bramble, as its own run_tests.sh runs them on QEMU:
the tests of arm/unittests.cfg that apply to a GICv2 board without PCI, a PMU or MTE, each
with the core count, memory and arguments the file gives (MAX_SMP = 4, the Pi 4's
cores), entered at EL1 with the DTB in x0 and PSCI over HVC as QEMU boots `-kernel`.

    kvm_unit_tests.py KUT_DIR [--bramble PATH] [--only NAME,...] [--timeout SECS]

KUT_DIR is a kvm-unit-tests tree already configured and built for arm64
(`./configure --arch=arm64 --cross-prefix=aarch64-linux-gnu- --earlycon=pl011,0xfe201000`
and `make`). This script does not fetch or build it. A test passes when it prints its
SUMMARY with no unexpected failure and exits with the suite's success status (EXIT:
STATUS=1). Ends with `N passed, M failed`.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

MAX_SMP = 4
# Groups for hardware or host setups the rpi4b board does not have.
SKIP_GROUPS = {"pci", "pmu", "its", "migration", "mte", "efi"}


def smp_value(expr):
    """The `smp =` value: a number or the suite's $((($MAX_SMP < 8)?$MAX_SMP:8)) forms."""
    expr = expr.replace("$MAX_SMP", str(MAX_SMP)).strip()
    m = re.fullmatch(r"\$\(\(\((\d+) < (\d+)\)\?(\d+):(\d+)\)\)", expr)
    if m:
        a, b, x, y = map(int, m.groups())
        return x if a < b else y
    return int(expr)


def tests(cfg_path):
    cur, out = None, []
    for line in open(cfg_path):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        m = re.fullmatch(r"\[(.+)\]", line)
        if m:
            cur = {"name": m.group(1), "smp": "1", "groups": "", "test_args": "", "qemu_params": "", "arch": ""}
            out.append(cur)
        elif cur is not None and "=" in line:
            k, v = (x.strip() for x in line.split("=", 1))
            cur[k] = v.strip("'\"")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("kut_dir")
    ap.add_argument("--bramble", default="target/release/bramble")
    ap.add_argument("--only", help="comma-separated test names")
    ap.add_argument("--timeout", type=float, default=120)
    args = ap.parse_args()
    cfg = os.path.join(args.kut_dir, "arm", "unittests.cfg")
    if not os.path.isfile(cfg):
        sys.exit(f"kvm_unit_tests: {cfg}: not a built kvm-unit-tests tree")
    only = set(args.only.split(",")) if args.only else None
    passed = failed = 0
    with tempfile.NamedTemporaryFile("w", suffix=".env") as env:
        # Opt in to the tests the suite marks unsafe on hosts with old KVM bugs.
        env.write("ERRATA_6c7a5dce22b3=y\n")
        env.flush()
        for t in tests(cfg):
            groups = set(t["groups"].split())
            if only and t["name"] not in only:
                continue
            if not only and (groups & SKIP_GROUPS or t["arch"] == "arm" or "gic-version=3" in t["qemu_params"]
                             or t["name"].startswith("gicv3")):
                continue
            flat = os.path.join(args.kut_dir, "arm", t["file"])
            mem = re.search(r"-m (\d+)", t["qemu_params"])
            cmd = [args.bramble, "run", "--kernel", flat, "--boot-el", "1", "--cpus", str(smp_value(t["smp"])),
                   "--mem", f"{mem.group(1)}M" if mem else "1G", "--initrd", env.name,
                   "--timeout", str(int(args.timeout))]
            # Always: without --append bramble gives Linux's console arguments, which the
            # tests would read as their own.
            cmd += ["--append", t["test_args"]]
            try:
                p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=args.timeout + 30)
                out = p.stdout.decode(errors="replace")
                code = p.returncode
            except subprocess.TimeoutExpired:
                out, code = "", "timeout"
            summary = re.findall(r"^SUMMARY: .*$", out, re.M)
            ok = (code == 0 and "EXIT: STATUS=1" in out and not re.search(r"^FAIL", out, re.M))
            print(f"  {'ok  ' if ok else 'FAIL'} {t['name']:28s} --cpus {smp_value(t['smp'])}  "
                  f"{summary[-1] if summary else f'(exit {code}, no summary)'}")
            if not ok:
                for line in re.findall(r"^(?:FAIL|ERROR).*$", out, re.M)[:5]:
                    print(f"         {line}")
            passed += ok
            failed += not ok
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
