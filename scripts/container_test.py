#!/usr/bin/env python3
"""The container demo's end-to-end test: runs `scripts/demo.sh` (real Debian packages, real
kernel, real crun on bramble's rpi4b board) without a terminal and checks what the
containers print about themselves, not only the exit code:

- the demo container's hostname is its own (set by config.json, not the guest's), it is
  PID 1 in its PID namespace and sees only its own processes, its cgroup is /bramble/demo,
  its pid, mount, uts, ipc and net namespaces differ from the guest init's, its / is the
  bundle's rootfs (mountinfo) with its own proc, /dev tmpfs, devpts, mqueue, sysfs and
  cgroup2 mounts, and only the loopback interface;
- crun create / start / state / kill / delete move the second container through created,
  running and stopped, it gets the signal, and delete removes it;
- the memory-limited container sees memory.max = 16 MiB, a 4 MiB buffer fits, a 64 MiB one
  is OOM-killed (exit 137, memory.events oom_kill >= 1, the kernel's "Killed process" line);
- no Oops, BUG, WARNING or panic from the kernel.

Then a user's bundle (--bundle: an OCI bundle with `crun spec`'s terminal: true, and a
plain root filesystem) boots and runs, and bad bundles (missing directory, broken
config.json, x86-64 binaries, too big for --mem) are refused with exit 2 before any boot.
With qemu-system-aarch64 installed, the same image and the same checks run under
`qemu-system-aarch64 -M virt -cpu cortex-a72 -m 1G` (`demo.sh --qemu`), and both wall times
and their ratio are printed. Ends with `N passed, M failed`.

    container_test.py [--timeout SECS] [--no-qemu] [--keep DIR]

BRAMBLE=PATH (as for demo.sh) tests that binary instead of building target/release/bramble.
"""
import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEMO = os.path.join(ROOT, "scripts", "demo.sh")


def demo(args, extra, log):
    """Runs demo.sh with EXTRA arguments; returns (exit code, console text, summary, secs)."""
    jpath = log + ".json"
    if os.path.exists(jpath):
        os.unlink(jpath)
    t0 = time.time()
    with open(log, "w") as f:
        code = subprocess.run([DEMO, "--timeout", str(int(args.timeout)), "--json", jpath] + extra,
                              stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=ROOT).returncode
    secs = time.time() - t0
    with open(log, errors="replace") as f:
        out = f.read().replace("\r\n", "\n")
    summary = None
    if os.path.exists(jpath):
        with open(jpath) as f:
            summary = json.load(f)
    return code, out, summary, secs


def lines(out, prefix):
    return [ln[len(prefix):] for ln in out.splitlines() if ln.startswith(prefix)]


def value(out, prefix):
    got = lines(out, prefix)
    return got[0] if got else None


def demo_checks(code, out, s):
    host_ns = {m.group(1): m.group(2) for m in re.finditer(r"^\[host\] ns (\w+): (\S+)$", out, re.M)}
    ctr_ns = {m.group(1): m.group(2) for m in re.finditer(r"^\[demo\] ns (\w+): (\S+)$", out, re.M)}
    host_name, ctr_name = value(out, "[host] hostname: "), value(out, "[demo] hostname: ")
    mounts = lines(out, "[demo] mount: ")
    mpoints = {m.split()[1]: m.split()[2] for m in mounts if len(m.split()) > 2}
    ps = lines(out, "[demo] ps: ")
    events = dict(e.split() for e in lines(out, "[memtest] memory.events: ") if len(e.split()) == 2)
    checks = [
        ("demo.sh exit 0, every step ok", code == 0 and s is not None and s["ok"]),
        ("uts: the container's hostname is its own", ctr_name == "bramble-container" and host_name == "bramble-pi"),
        ("pid: the container's shell is PID 1", value(out, "[demo] pid of this shell: ") == "1"
         and (value(out, "[demo] /proc/1/stat: ") or "").startswith("1 (sh) S 0")),
        ("pid: it sees only its own processes", len(ps) >= 2 and all(int(p.split()[0]) < 10 for p in ps[1:])),
        ("cgroup: the container is in /bramble/demo", value(out, "[demo] cgroup: ") == "0::/bramble/demo"
         and value(out, "[host] cgroup: ") == "0::/"),
    ]
    for ns in ("pid", "mnt", "uts", "ipc", "net"):
        checks.append((f"{ns} namespace differs from the guest init's",
                       ns in host_ns and ns in ctr_ns and host_ns[ns] != ctr_ns[ns]))
    checks += [
        ("mount: its / is the bundle's rootfs, read-only",
         (value(out, "[demo] root mount (mountinfo): ") or "").startswith("/containers/demo/rootfs / ")
         and any(m.startswith("tmpfs / tmpfs ro,") for m in mounts)),
        ("mount: its own proc, /dev, devpts, mqueue, sysfs, cgroup2",
         mpoints.get("/proc") == "proc" and mpoints.get("/dev") == "tmpfs" and mpoints.get("/dev/pts") == "devpts"
         and mpoints.get("/dev/mqueue") == "mqueue" and mpoints.get("/sys") == "sysfs"
         and mpoints.get("/sys/fs/cgroup") == "cgroup2"),
        ("mount: the guest's mounts are not visible", len(mounts) > 5 and not any("/containers" in m for m in mounts)),
        ("net: only the loopback interface", (value(out, "[demo] network interfaces: ") or "").split() == ["lo"]),
        ("lifecycle: create -> created", "   after create: created" in out),
        ("lifecycle: start -> running, the container runs as PID 1",
         "   after start: running" in out and "[life] started: pid 1, hostname bramble-life" in out
         and re.search(r'"status": "running"', out) is not None),
        ("lifecycle: kill TERM reaches it -> stopped", "[life] SIGTERM received: exiting" in out
         and "   after kill: stopped" in out),
        ("lifecycle: delete removes it", "   after delete: 0 containers named life" in out),
        ("memory: memory.max is 16 MiB inside", value(out, "[memtest] memory.max: ") == "16777216"),
        ("memory: a 4 MiB buffer fits", value(out, "[memtest] a 4 MiB buffer: dd exit ") == "0"),
        ("memory: a 64 MiB buffer is killed (137)", value(out, "[memtest] a 64 MiB buffer: dd exit ") == "137"
         and re.search(r"^DEMO-END memory \S+ exit=137$", out, re.M) is not None),
        ("memory: memory.events counts the OOM kill", int(events.get("oom_kill", "0")) >= 1),
        ("memory: the kernel killed dd in the memory cgroup",
         re.search(r"Memory cgroup out of memory: Killed process \d+ \(dd\)", out) is not None),
        ("no Oops/BUG/WARNING/panic", not re.search(r"Oops|BUG:|WARNING:|Kernel panic", out)),
    ]
    return checks


def print_checks(title, checks):
    print(f"-- {title}")
    for name, ok in checks:
        print(f"  {'ok  ' if ok else 'FAIL'} {name}")
    return sum(ok for _, ok in checks), sum(not ok for _, ok in checks)


def step_time(s, key):
    ev = s["events"]
    if f"BEGIN {key}" in ev and f"END {key}" in ev:
        return ev[f"END {key}"][0] - ev[f"BEGIN {key}"][0]
    return None


def busybox_binary():
    cache = os.environ.get("BRAMBLE_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "bramble")
    found = sorted(glob.glob(os.path.join(cache, "debs", "extracted", "busybox-static_*", "bin", "busybox")))
    return found[-1] if found else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--timeout", type=float, default=1800)
    ap.add_argument("--no-qemu", action="store_true", help="skip the QEMU comparison")
    ap.add_argument("--keep", help="keep the console logs in this directory")
    args = ap.parse_args()
    logs = args.keep or tempfile.mkdtemp(prefix="container-test-")
    os.makedirs(logs, exist_ok=True)
    passed = failed = 0

    code, out, s, secs = demo(args, [], os.path.join(logs, "bramble.log"))
    p, f = print_checks(f"scripts/demo.sh on bramble ({secs:.1f} s; console in {logs}/bramble.log)",
                        demo_checks(code, out, s))
    passed, failed = passed + p, failed + f
    unimp = [ln for ln in out.splitlines() if re.search(r"\s(WARN|ERROR)\s+(unimp|guest_error)\]", ln)]
    for ln in unimp[:10]:
        print(f"  note: {ln}")

    # A user's bundle: an OCI bundle as `crun spec` writes it (terminal: true), and a plain
    # root filesystem; both from Debian's arm64 busybox-static, which the demo fetched.
    bb = busybox_binary()
    work = tempfile.mkdtemp(prefix="bundles-")
    try:
        if bb is None:
            print("-- user bundles\n  FAIL busybox-static not found in the cache")
            failed += 1
        else:
            plain = os.path.join(work, "plain")
            os.makedirs(os.path.join(plain, "bin"))
            shutil.copy(bb, os.path.join(plain, "bin", "busybox"))
            os.symlink("busybox", os.path.join(plain, "bin", "sh"))
            bundle = os.path.join(work, "bundle")
            shutil.copytree(plain, os.path.join(bundle, "rootfs"), symlinks=True)
            spec = subprocess.run([sys.executable, "-c", (
                "import importlib.util, json, sys\n"
                "m = importlib.util.spec_from_file_location('b', sys.argv[1]); b = importlib.util.module_from_spec(m)\n"
                "m.loader.exec_module(b); print(json.dumps(b.base_spec()))"),
                os.path.join(ROOT, "scripts", "build-container-image.py")], capture_output=True, text=True, check=True)
            cfg = json.loads(spec.stdout)
            cfg["process"]["args"] = ["/bin/sh", "-c", "echo user-bundle: $(busybox hostname) pid $$ tty $(busybox tty)"]
            with open(os.path.join(bundle, "config.json"), "w") as fh:
                json.dump(cfg, fh)
            ucode, uout, us, usecs = demo(args, ["--bundle", bundle], os.path.join(logs, "user-bundle.log"))
            pcode, pout, ps_, psecs = demo(args, ["--bundle", plain, "--cmd", "echo plain-rootfs: $$ $(busybox hostname)"],
                                          os.path.join(logs, "user-rootfs.log"))
            broken = os.path.join(work, "broken")
            os.makedirs(os.path.join(broken, "rootfs"))
            with open(os.path.join(broken, "config.json"), "w") as fh:
                fh.write('{"ociVersion": "1.0.0", "process": {')
            x86 = os.path.join(work, "x86")
            os.makedirs(os.path.join(x86, "bin"))
            shutil.copy(os.path.realpath(shutil.which("ls")), os.path.join(x86, "bin", "sh"))  # the host's own
            big = os.path.join(work, "big")
            shutil.copytree(plain, big, symlinks=True)
            with open(os.path.join(big, "blob"), "wb") as fh:  # sparse: 300 MiB of size, no disk
                fh.truncate(300 << 20)
            bad = {}
            for name, extra in (("missing", ["--bundle", os.path.join(work, "nonexistent")]),
                                ("broken", ["--bundle", broken]), ("x86", ["--bundle", x86]), ("big", ["--bundle", big])):
                bad[name] = demo(args, extra, os.path.join(logs, f"bad-{name}.log"))
            checks = [
                (f"OCI bundle with terminal: true runs ({usecs:.1f} s)", ucode == 0
                 and re.search(r"^user-bundle: crun pid 1 tty /dev/pts/0", uout, re.M) is not None),
                (f"plain root filesystem runs with --cmd ({psecs:.1f} s)", pcode == 0
                 and re.search(r"^plain-rootfs: 1 bramble-user", pout, re.M) is not None),
                ("missing directory: exit 2, says so", bad["missing"][0] == 2 and "no such directory" in bad["missing"][1]),
                ("broken config.json: exit 2, says so", bad["broken"][0] == 2 and "not valid JSON" in bad["broken"][1]),
                ("x86-64 binaries: exit 2, says so", bad["x86"][0] == 2 and "is not an arm64" in bad["x86"][1]),
                ("bundle too big for --mem 1G: exit 2, says so", bad["big"][0] == 2 and "Use a bigger --mem" in bad["big"][1]),
                ("no bad bundle booted the guest", not any("booting Debian" in b[1] for b in bad.values())),
            ]
            p, f = print_checks("scripts/demo.sh --bundle", checks)
            passed, failed = passed + p, failed + f
    finally:
        shutil.rmtree(work, ignore_errors=True)

    if not args.no_qemu and shutil.which("qemu-system-aarch64"):
        qcode, qout, qs, qsecs = demo(args, ["--qemu"], os.path.join(logs, "qemu.log"))
        p, f = print_checks(f"the same image on qemu-system-aarch64 -M virt -cpu cortex-a72 ({qsecs:.1f} s)",
                            demo_checks(qcode, qout, qs))
        passed, failed = passed + p, failed + f
        if s and qs:
            print("-- wall times, bramble vs qemu-system-aarch64 (TCG), same kernel and initramfs")
            rows = [("boot to /init", s["events"].get("userland", [None])[0], qs["events"].get("userland", [None])[0]),
                    ("crun run (namespaces)", step_time(s, "run"), step_time(qs, "run")),
                    ("crun lifecycle", step_time(s, "lifecycle"), step_time(qs, "lifecycle")),
                    ("crun run (OOM kill)", step_time(s, "memory"), step_time(qs, "memory")),
                    ("boot to power-off", s["total"], qs["total"])]
            for name, b, q in rows:
                if b is not None and q is not None:
                    print(f"   {name:24s} bramble {b:7.2f} s   qemu {q:7.2f} s   ratio {b / q:5.2f}")
            wl_b = sum(step_time(s, k) or 0 for k in ("run", "lifecycle", "memory"))
            wl_q = sum(step_time(qs, k) or 0 for k in ("run", "lifecycle", "memory"))
            if wl_q:
                print(f"   {'container workload':24s} bramble {wl_b:7.2f} s   qemu {wl_q:7.2f} s   ratio {wl_b / wl_q:5.2f}"
                      "   (QEMU's guest sleeps take real time; bramble's virtual clock skips idle time)")
    else:
        print("-- qemu-system-aarch64 not installed (or --no-qemu): no comparison")
    if failed:
        print(f"console logs kept in {logs}")
    elif not args.keep:
        shutil.rmtree(logs, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
