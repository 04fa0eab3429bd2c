#!/usr/bin/env python3
"""Boots Debian's stock arm64 kernel on bramble's rpi4b board (no initramfs) and checks
what it prints, line by line, up to the expected end: the root-filesystem panic.

    boot_smoke.py IMAGE [--bramble PATH] [--timeout SECS]

Prints each milestone with the host time it took; ends with `N passed, M failed`.
"""
import argparse
import subprocess
import sys
import time

MILESTONES = [
    ("kernel starts on the A72", "Booting Linux on physical CPU 0x0000000000 [0x410fd083]"),
    ("device tree model", "Machine model: Raspberry Pi 4 Model B (bramble)"),
    ("earlycon on the PL011", "earlycon: pl11 at MMIO32 0x00000000fe201000"),
    ("PSCI 1.1 over HVC", "psci: PSCIv1.1 detected in firmware."),
    ("GIC-400 driver", "Root IRQ handler: gic_handle_irq"),
    ("generic timer at 54 MHz", "arch_timer: cp15 timer(s) running at 54.00MHz (virt)."),
    ("PL011 driver probes", "fe201000.serial: ttyAMA0 at MMIO 0xfe201000"),
    ("timer interrupts drive the scheduler clock", "clocksource: Switched to clocksource arch_sys_counter"),
    ("reaches the root mount (no initramfs given)", "VFS: Unable to mount root fs"),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("image")
    ap.add_argument("--bramble", default="target/release/bramble")
    ap.add_argument("--timeout", type=float, default=300)
    args = ap.parse_args()
    cmd = [args.bramble, "run", "--kernel", args.image, "--mem", "1G", "--timeout", str(args.timeout)]
    t0 = time.time()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    pending = list(MILESTONES)
    seen = []
    log = []
    for raw in p.stdout:
        line = raw.decode(errors="replace").rstrip()
        log.append(line)
        if pending and pending[0][1] in line:
            name, _ = pending.pop(0)
            seen.append(name)
            print(f"  {time.time() - t0:6.2f} s  {name}")
            if not pending:
                break
        if "end Kernel panic" in line or ("Kernel panic" in line and "root fs" not in line):
            break
    p.kill()
    p.wait()
    if pending:
        print("--- last lines of the console:")
        print("\n".join(log[-30:]))
        for name, text in pending:
            print(f"MISSING: {name}: {text!r}")
    print(f"{len(seen)} passed, {len(pending)} failed")
    sys.exit(1 if pending else 0)


if __name__ == "__main__":
    main()
