#!/usr/bin/env python3
"""The userland boot test: Debian's stock arm64 kernel and the busybox initramfs on
bramble's rpi4b board, running the guest script baked into the initramfs
(scripts/build-initramfs.sh: uname, /proc/cpuinfo, dmesg, a tmpfs, a file written with dd
and checksummed, a line read from the console, /proc/interrupts) and powering off with `poweroff -f`.

    boot_test.py IMAGE INITRD [--bramble PATH] [--timeout SECS] [--cpus N] [--qemu]

Checks: exit code 0; no Oops, BUG, WARNING: or Kernel panic; the GIC, the arch timer at
54 MHz, ttyAMA0 and PSCI reported; the checksum right; timer and UART interrupts counted;
N CPUs brought up, `nproc` N, one pinned thread ran on each CPU, CPU 1 switched off and
on again (hotplug through PSCI CPU_OFF / CPU_ON).
With --qemu, boots the same kernel and initramfs under qemu-system-aarch64 -M virt -cpu
cortex-a72 (same script) and prints both wall times and their ratio.
Ends with `N passed, M failed`.
"""
import argparse
import hashlib
import re
import subprocess
import sys
import threading
import time

APPEND = "console=ttyAMA0 bramble.test panic=-1"
ZERO_SHA = hashlib.sha256(bytes(65536 * 64)).hexdigest()


# Typed on the host console once the guest script runs. Linux drains the UART's receive
# FIFO when it opens the console (pl011_startup), so earlier input would be lost, as on
# hardware.
INPUT = b"hello from the host\n"
READY = "BRAMBLE-TEST: begin"


def run(cmd, timeout):
    """Runs `cmd`, types INPUT when READY appears; returns (output, exit code, seconds)."""
    t0 = time.time()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.PIPE)
    timer = threading.Timer(timeout, p.kill)
    timer.start()
    lines = []
    for raw in p.stdout:
        line = raw.decode(errors="replace")
        lines.append(line)
        if READY in line and p.stdin:
            p.stdin.write(INPUT)
            p.stdin.close()
            p.stdin = None
    code = p.wait()
    timer.cancel()
    if time.time() - t0 >= timeout:
        code = "timeout"
    return "".join(lines), code, time.time() - t0


def irq_count(out, name):
    """The total of a /proc/interrupts line over its CPU columns (0 if absent)."""
    m = re.search(r"^\s*\d+:((?:\s+\d+)+)\s+GIC-0\s+" + name, out, re.M)
    return sum(int(x) for x in m.group(1).split()) if m else 0


def smp_checks(out, cpus):
    brought = f"smp: Brought up 1 node, {cpus} CPU" in out
    ran_on = set(re.findall(r"BRAMBLE-TEST: thread on cpu (\d+)", out))
    checks = [
        (f"{cpus} CPUs brought up", brought),
        (f"nproc says {cpus}", f"BRAMBLE-TEST: nproc {cpus}" in out),
        (f"a pinned thread ran on each of the {cpus} CPUs", ran_on == {str(i) for i in range(cpus)}),
    ]
    if cpus > 1:
        want_off = "0" if cpus == 2 else f"0,2-{cpus - 1}" if cpus > 3 else "0,2"
        checks += [
            ("CPU 1 hotplugged off", f"BRAMBLE-TEST: online after cpu1 off: {want_off}" in out),
            ("CPU 1 hotplugged on again", f"BRAMBLE-TEST: online after cpu1 on: 0-{cpus - 1}" in out
             and "BRAMBLE-TEST: cpu1 runs again: cpu 1" in out),
        ]
    return checks


def checks(out, code, cpus):
    cpuinfo = re.search(r"Features\s*:\s*(.*)", out)
    return smp_checks(out, cpus) + [
        ("exit code 0 (poweroff -f)", code == 0),
        ("no Oops/BUG/WARNING/panic", not re.search(r"Oops|BUG:|WARNING:|Kernel panic", out)),
        ("GIC-400 reported", "GIC: Using split EOI/Deactivate mode" in out or "Root IRQ handler: gic_handle_irq" in out),
        ("arch timer at 54 MHz", "running at 54.00MHz" in out),
        ("ttyAMA0 registered", "ttyAMA0 at MMIO 0xfe201000" in out),
        ("PSCI reported", "psci: PSCIv1.1 detected in firmware." in out),
        ("guest script ran", "BRAMBLE-TEST: begin" in out and "BRAMBLE-TEST: end" in out),
        ("uname says aarch64", re.search(r"Linux \S+ \S+ .* aarch64", out) is not None),
        ("cpuinfo lists fp and asimd", cpuinfo is not None and {"fp", "asimd"} <= set(cpuinfo.group(1).split())),
        ("tmpfs mounted", "tmpfs /mnt/tmp tmpfs" in out),
        ("console input read by the guest", "BRAMBLE-TEST: read 'hello from the host'" in out),
        ("dd | sha256sum right", f"BRAMBLE-TEST: sha256 {ZERO_SHA}" in out),
        ("timer interrupts counted", irq_count(out, r"27 Level\s+arch_timer") > 0),
        ("UART interrupts counted", irq_count(out, r"153 Level\s+uart-pl011") > 0),
    ]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("image")
    ap.add_argument("initrd")
    ap.add_argument("--bramble", default="target/release/bramble")
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--qemu", action="store_true", help="also time the boot under qemu-system-aarch64")
    ap.add_argument("--log", help="write bramble's console output here")
    ap.add_argument("--cpus", type=int, default=4, help="cores for bramble (and -smp for QEMU)")
    args = ap.parse_args()
    cmd = [args.bramble, "run", "--kernel", args.image, "--initrd", args.initrd, "--mem", "1G",
           "--cpus", str(args.cpus), "--append", APPEND, "--timeout", str(int(args.timeout))]
    out, code, secs = run(cmd, args.timeout + 30)
    if args.log:
        with open(args.log, "w") as f:
            f.write(out)
    passed = failed = 0
    for name, ok in checks(out, code, args.cpus):
        print(f"  {'ok  ' if ok else 'FAIL'} {name}")
        passed += ok
        failed += not ok
    print(f"bramble --cpus {args.cpus}: boot to poweroff in {secs:.2f} s (exit {code})")
    # `reboot -f` in the guest: PSCI SYSTEM_RESET ends the run under --no-reboot.
    rcmd = [args.bramble, "run", "--kernel", args.image, "--initrd", args.initrd, "--mem", "1G", "--no-reboot",
            "--append", "console=ttyAMA0 bramble.reboot", "--timeout", str(int(args.timeout))]
    rout, rcode, rsecs = run(rcmd, args.timeout + 30)
    for name, ok in [("reboot -f resets the board (--no-reboot: exit 0)",
                      rcode == 0 and "reboot: Restarting system" in rout and "guest reset" in rout)]:
        print(f"  {'ok  ' if ok else 'FAIL'} {name}  ({rsecs:.2f} s)")
        passed += ok
        failed += not ok
    if failed:
        print("--- last 40 lines of the console ---")
        print("\n".join(out.splitlines()[-40:]))
    if args.qemu:
        qcmd = ["qemu-system-aarch64", "-M", "virt", "-cpu", "cortex-a72", "-smp", str(args.cpus), "-m", "1G", "-nographic",
                "-monitor", "none", "-no-reboot", "-kernel", args.image, "-initrd", args.initrd,
                "-append", APPEND]
        qout, qcode, qsecs = run(qcmd, args.timeout)
        ok = "BRAMBLE-TEST: end" in qout
        print(f"qemu-system-aarch64 -M virt -cpu cortex-a72 -smp {args.cpus}: {qsecs:.2f} s ({'script ran' if ok else 'script did not finish'})")
        print(f"ratio bramble/qemu: {secs / qsecs:.2f}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
