#!/usr/bin/env python3
"""Runs qemu_runner.c under QEMU's user-mode emulator: a second reference for difftest.py,
used to confirm (or refute) a suspected Unicorn bug on many cases at once:

    difftest.py --groups fp --runner "python3 scripts/difftest/qemu_runner.py"

Builds the runner with aarch64-linux-gnu-gcc into $XDG_CACHE_HOME/bramble-difftest (or
~/.cache/...) when missing or older than the source, then replaces itself with
`qemu-aarch64[-static] <binary>`, so stdin and stdout go straight to the runner.
Needs: gcc-aarch64-linux-gnu and qemu-user-static (apt-get install -y qemu-user-static).
See qemu_runner.c for what it supports (straight-line cases; EL0).
"""

import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "qemu_runner.c")


def main():
    cache = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"),
                         "bramble-difftest")
    exe = os.path.join(cache, "qemu_runner")
    if not os.path.exists(exe) or os.path.getmtime(exe) < os.path.getmtime(SRC):
        cc = shutil.which("aarch64-linux-gnu-gcc")
        if not cc:
            sys.exit("qemu_runner: aarch64-linux-gnu-gcc not found (apt-get install gcc-aarch64-linux-gnu)")
        os.makedirs(cache, exist_ok=True)
        tmp = exe + ".tmp"
        r = subprocess.run([cc, "-O2", "-static", "-no-pie", "-fno-stack-protector",
                            "-fno-delete-null-pointer-checks", "-Wall",
                            "-Wl,--defsym=case_code=0x2000",
                            "-o", tmp, SRC])
        if r.returncode != 0:
            sys.exit("qemu_runner: building qemu_runner.c failed")
        os.replace(tmp, exe)
    qemu = shutil.which("qemu-aarch64-static") or shutil.which("qemu-aarch64")
    if not qemu:
        sys.exit("qemu_runner: qemu-aarch64 not found (apt-get install qemu-user-static)")
    os.execv(qemu, [qemu, exe])


if __name__ == "__main__":
    main()
