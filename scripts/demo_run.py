#!/usr/bin/env python3
"""Boots the container demo's image (scripts/build-container-image.py) on bramble's rpi4b
board, or on qemu-system-aarch64 -M virt -cpu cortex-a72 for comparison, streams the guest
console as it comes, and prints a summary: boot time, each container step's start-to-exit
time and status, the emulator's exit code. Exit 0 only if every step the guest's /init
runs reported ok; 1 otherwise; 130 on Ctrl-C.

    demo_run.py --kernel IMAGE --initrd CPIO [--emulator bramble|qemu] [--bramble PATH]
                [--mem 1G] [--mode demo|user] [--timeout SECS] [--log FILE] [--json FILE]

The timings are host wall-clock seconds, measured when each marker line of the guest
(DEMO-BEGIN / DEMO-END, see scripts/container-init.sh) reaches this script; the guest's own
clock (/proc/uptime, virtual time on bramble) is shown next to them.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import threading
import time

STEPS = {"demo": ["setup", "run", "lifecycle", "memory-limit"], "user": ["setup", "user"]}
TITLES = {"setup": "tmpfs root, cgroup2, crun --version", "run": "crun run: namespaces, cgroup",
          "lifecycle": "create, start, state, kill, delete", "memory": "crun run: 16 MiB limit, OOM kill",
          "user": "crun run of your bundle"}
# Lines that mean something went wrong below the containers: the kernel's own reports and
# bramble's "the emulator lacks this" / "the guest misused a device" log targets.
PROBLEM = re.compile(r"Oops|BUG:|WARNING:|Kernel panic|Unable to handle|\s(?:WARN|ERROR)\s+(?:unimp|guest_error)\]")


def command(args):
    append = f"console=ttyAMA0 panic=-1 bramble.mode={args.mode}"
    if args.emulator == "qemu":
        return ["qemu-system-aarch64", "-M", "virt", "-cpu", "cortex-a72", "-m", args.mem, "-nographic",
                "-monitor", "none", "-no-reboot", "-kernel", args.kernel, "-initrd", args.initrd, "-append", append]
    return [args.bramble, "run", "--kernel", args.kernel, "--initrd", args.initrd, "--mem", args.mem,
            "--no-reboot", "--timeout", str(int(args.timeout)), "--append", append]


def run(args):
    cmd = command(args)
    name = "bramble rpi4b" if args.emulator == "bramble" else "qemu-system-aarch64 -M virt -cpu cortex-a72"
    print(f"== booting Debian's arm64 kernel on {name} ({args.mem} RAM); the guest console follows", flush=True)
    t0 = time.monotonic()
    try:
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    except OSError as e:
        print(f"demo: cannot start {cmd[0]}: {e}", file=sys.stderr)
        return None
    timed_out = threading.Event()

    def on_timeout():
        timed_out.set()
        p.kill()
    timer = threading.Timer(args.timeout + 30, on_timeout)
    timer.start()
    events = {}   # marker -> (host seconds since launch, guest uptime)
    steps = {}    # step -> (status, detail)
    exits = {}    # step -> container exit status
    problems = []
    result = None
    log = open(args.log, "w") if args.log else None
    buf = b""
    try:
        while True:
            chunk = os.read(p.stdout.fileno(), 65536)
            if not chunk:
                break
            now = time.monotonic() - t0
            if not args.quiet:
                sys.stdout.buffer.write(chunk)
                sys.stdout.flush()
            if log:
                log.write(chunk.decode(errors="replace"))
            buf += chunk
            *lines, buf = buf.split(b"\n")
            for raw in lines:
                line = raw.decode(errors="replace").rstrip("\r")
                m = re.match(r"== bramble-demo: userland up at uptime ([\d.]+) s", line)
                if m:
                    events["userland"] = (now, float(m.group(1)))
                m = re.match(r"DEMO-(BEGIN|END) (\S+) uptime=([\d.]+)(?: exit=(\d+))?", line)
                if m:
                    events[f"{m.group(1)} {m.group(2)}"] = (now, float(m.group(3)))
                    if m.group(4) is not None:
                        exits[m.group(2)] = int(m.group(4))
                m = re.match(r"DEMO-STEP (\S+) (ok|FAIL)(?: \((.*)\))?$", line)
                if m:
                    steps[m.group(1)] = (m.group(2), m.group(3) or "")
                m = re.match(r"DEMO-RESULT (pass|fail)", line)
                if m:
                    result = m.group(1)
                if PROBLEM.search(line):
                    problems.append(line)
        code = p.wait()
    finally:
        timer.cancel()
        if p.poll() is None:
            p.kill()
            p.wait()
        if log:
            log.close()
    total = time.monotonic() - t0
    return {"emulator": args.emulator, "command": cmd, "exit": code, "timed_out": timed_out.is_set(),
            "total": total, "events": events, "steps": steps, "exits": exits, "result": result,
            "problems": problems}


def summarize(args, r):
    ev, steps = r["events"], r["steps"]
    board = "bramble rpi4b" if r["emulator"] == "bramble" else "qemu-system-aarch64 -M virt -cpu cortex-a72"
    print()
    print(f"== summary: {board}, {args.mem} RAM; times are host seconds (guest clock in brackets)")
    row = "   {:13s} {:36s} {:7s} {:>9s} {:>10s}  {}"
    print(row.format("step", "what", "status", "time", "(guest)", "exit"))
    if "userland" in ev:
        print(row.format("boot", "kernel start to /init", "ok", f"{ev['userland'][0]:.2f} s", f"({ev['userland'][1]:.2f} s)", ""))
    else:
        print(row.format("boot", "kernel start to /init", "FAIL", "", "", "userland never came up"))
    for step in STEPS[args.mode]:
        key = "memory" if step == "memory-limit" else step
        status, detail = steps.get(step, ("FAIL", "the guest never reported this step"))
        t = g = ""
        if f"BEGIN {key}" in ev and f"END {key}" in ev:
            (h0, g0), (h1, g1) = ev[f"BEGIN {key}"], ev[f"END {key}"]
            t, g = f"{h1 - h0:.2f} s", f"({g1 - g0:.2f} s)"
        extra = " ".join(x for x in (str(r["exits"].get(key, "")), detail) if x)
        print(row.format(step, TITLES[key], status, t, g, extra))
    print(row.format("total", "launch to power-off", "", f"{r['total']:.2f} s", "",
                     f"emulator exit {r['exit']}{', timed out' if r['timed_out'] else ''}"))
    if r["problems"]:
        print(f"   kernel or emulator problems ({len(r['problems'])} lines):")
        for line in r["problems"][:20]:
            print(f"     {line}")
    ok = (r["exit"] == 0 and not r["timed_out"] and r["result"] == "pass"
          and all(steps.get(s, ("",))[0] == "ok" for s in STEPS[args.mode]))
    print(f"== demo {'passed' if ok else 'FAILED'}")
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd", required=True)
    ap.add_argument("--emulator", choices=["bramble", "qemu"], default="bramble")
    ap.add_argument("--bramble", default="target/release/bramble")
    ap.add_argument("--mem", default="1G")
    ap.add_argument("--mode", choices=["demo", "user"], default="demo")
    ap.add_argument("--timeout", type=float, default=1800, help="host seconds before the run is stopped")
    ap.add_argument("--log", help="also write the console output here")
    ap.add_argument("--json", help="write the measurements here")
    ap.add_argument("--quiet", action="store_true", help="do not stream the console (the summary is still printed)")
    args = ap.parse_args()
    # Ctrl-C reaches the emulator too (same process group); run() reaps it.
    try:
        r = run(args)
    except KeyboardInterrupt:
        print("\ndemo: interrupted", file=sys.stderr)
        return 130
    if r is None:
        return 1
    ok = summarize(args, r)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(r, ok=ok), f, indent=1)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
