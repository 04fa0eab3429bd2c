#!/usr/bin/env python3
"""Whole-boot benchmark: Debian's stock arm64 kernel and a busybox initramfs, booted to /init
and through a CPU-bound and a syscall-heavy guest workload, under bramble's rpi4b board and
under `qemu-system-aarch64 -M virt -cpu cortex-a72 -smp N` with the same kernel, initramfs,
command line and core count (--cpus, default 4 as on the Pi 4; QEMU runs its default
multi-threaded TCG), in the same invocation. Prints host wall times per phase, the bramble/QEMU
ratios and each emulator's peak RSS.

    benches/boot_bench.py [--runs N] [--bramble PATH] [--bramble-args ARGS] [--no-qemu]
                          [--qemu PATH] [--kernel IMAGE] [--initrd CPIO] [--mib N]
                          [--forks N] [--par-mib N] [--cpus N] [--mem SIZE] [--timeout SECS]
                          [--json FILE] [--logs DIR]

The guest's /init (GUEST_INIT below, in initramfs-bench-v1.cpio, built from Debian's
busybox-static into ~/.cache/bramble like scripts/build-initramfs.sh's) prints a marker as
soon as it starts, then, each between BEGIN/END markers:
  data    --mib MiB (default 32) of deterministic, non-repeating data in a tmpfs: copies of
          the busybox binary, each one `tr`-rotated by one more byte value (no /dev/urandom,
          so every run and both emulators hash the same bytes);
  sha256  sha256sum over it;
  par     four sha256sum processes at once over the first --par-mib MiB (default 16) of it,
          one per core when there are four: the parallel phase;
  gzip    gzip -9 over it;
  fork    --forks (default 2000) fork/exec/wait of /bin/true from busybox sh;
and powers off. The host timestamps each marker when it arrives on the console pipe (wall
seconds since launch) and takes the emulator's peak RSS from wait4()'s rusage.

A wrong emulator must not look fast: the guest prints the data's sha256 (checked against
the host's own computation of the same bytes), the gzip output's size, the sha256 of its
deflate stream and its CRC32/ISIZE trailer (checked against the host's), and how many
processes were forked (at least --forks); bramble and QEMU must print the same values.

With --runs N the emulators alternate N times and each phase reports its best (shortest)
time; peak RSS is the largest seen. Exit codes: 0 all runs completed and agreed; 1 a run
failed (timeout, emulator error, a missing marker) or the results disagree; 2 bad usage;
130 interrupted.
"""
import argparse
import hashlib
import json
import os
import re
import select
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.environ.get("BRAMBLE_CACHE") or os.path.join(
    os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "bramble")
# The file name carries the layout version: bump it whenever GUEST_INIT changes.
INITRD_NAME = "initramfs-bench-v2.cpio"

# The guest side. Markers are printed with shell builtins only (read, echo), so they neither
# fork nor disturb the fork count. Parameters come from the kernel command line.
GUEST_INIT = r"""#!/bin/busybox sh
# benches/boot_bench.py's guest: every line starting BENCH- is read by the host.
/bin/busybox mount -t proc proc /proc
read up rest < /proc/uptime
echo "BENCH-INIT uptime=$up"
/bin/busybox --install -s
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mark() { read up rest < /proc/uptime; echo "BENCH-$1 $2 uptime=$up"; }
forked() { while read key value rest; do [ "$key" = processes ] && echo "$value"; done < /proc/stat; }
mib=32 forks=2000 par=16
for arg in $(cat /proc/cmdline); do
  case "$arg" in
    bench.mib=*) mib=${arg#bench.mib=} ;;
    bench.forks=*) forks=${arg#bench.forks=} ;;
    bench.par=*) par=${arg#bench.par=} ;;
  esac
done
echo "BENCH-INFO kernel=$(uname -r) machine=$(uname -m) mib=$mib forks=$forks"
mkdir -p /mnt/bench
mount -t tmpfs -o size=90% tmpfs /mnt/bench
cd /mnt/bench

mark BEGIN data
need=$((mib * 1048576))
bbsize=$(stat -c %s /bin/busybox)
copies=$(( (need + bbsize - 1) / bbsize ))
cp /bin/busybox cur
i=0
while [ $i -lt $copies ]; do
  cat cur
  i=$((i + 1))
  if [ $i -lt $copies ]; then tr '\000-\377' '\001-\377\000' < cur > next; mv next cur; fi
done | head -c $need > data
rm -f cur
mark END data
echo "BENCH-RESULT data_bytes=$(stat -c %s data)"

mark BEGIN sha256
sum=$(sha256sum data)
mark END sha256
echo "BENCH-RESULT sha256=${sum%% *}"

head -c $((par * 1048576)) data > part
mark BEGIN par
for j in 1 2 3 4; do sha256sum part > sum.$j & done
wait
mark END par
# All four must agree; the host checks the value.
psum=$(cat sum.1 sum.2 sum.3 sum.4 | cut -d' ' -f1 | uniq)
echo "BENCH-RESULT par_sha256=$psum"
echo "BENCH-RESULT nproc=$(nproc)"
rm -f part sum.1 sum.2 sum.3 sum.4

mark BEGIN gzip
gzip -9 < data > data.gz
mark END gzip
# The 10-byte header holds a modification time; the rest must match byte for byte.
echo "BENCH-RESULT gzip_bytes=$(stat -c %s data.gz)"
echo "BENCH-RESULT gzip_body_sha256=$(tail -c +11 data.gz | sha256sum | cut -d' ' -f1)"
echo "BENCH-RESULT gzip_trailer=$(tail -c 8 data.gz | od -An -tx1 | tr -d ' \n')"
rm -f data data.gz

p0=$(forked)
mark BEGIN fork
i=0
while [ $i -lt $forks ]; do
  /bin/true
  i=$((i + 1))
done
mark END fork
p1=$(forked)
echo "BENCH-RESULT processes=$((p1 - p0 - 1))"
echo "BENCH-DONE"
poweroff -f
"""

# (key, table label): the phases, in the order the guest runs them. `boot` ends when /init
# prints its first line; `total` is launch to the emulator's exit.
PHASES = [("boot", "boot to /init"), ("data", "make data (tr)"), ("sha256", "sha256sum"),
          ("par", "4 x sha256sum"), ("gzip", "gzip -9"), ("fork", "fork/exec loop"),
          ("total", "total (launch to exit)")]
RESULT_KEYS = ["data_bytes", "sha256", "par_sha256", "nproc", "gzip_bytes", "gzip_body_sha256", "gzip_trailer",
               "processes"]
# The same across emulators; `processes` may differ by a kernel thread or two.
SAME_KEYS = ["data_bytes", "sha256", "par_sha256", "nproc", "gzip_bytes", "gzip_body_sha256", "gzip_trailer"]
PROBLEM = re.compile(r"Oops|BUG:|WARNING:|Kernel panic|Unable to handle")


class Fail(Exception):
    pass


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def fetch_kernel():
    r = subprocess.run([os.path.join(ROOT, "scripts", "fetch-kernel.sh")], stdout=subprocess.PIPE, text=True)
    if r.returncode != 0 or not r.stdout.strip():
        raise Fail("could not fetch the kernel with scripts/fetch-kernel.sh (see above)")
    return r.stdout.strip().splitlines()[-1]


def build_initrd():
    """Builds the benchmark's initramfs from Debian's busybox-static the way
    scripts/build-initramfs.sh builds its own (apt-get download, dpkg-deb -x,
    scripts/mkcpio.py), into the cache; skips the work if it is there."""
    out = os.path.join(CACHE, INITRD_NAME)
    if os.path.isfile(out) and os.path.getsize(out) > 0:
        return out
    os.makedirs(CACHE, exist_ok=True)
    fetch_kernel()  # enables the arm64 architecture if needed
    for tool in ("apt-get", "dpkg-deb"):
        if shutil.which(tool) is None:
            raise Fail(f"{tool} not found: building {INITRD_NAME} needs a Debian or Ubuntu host")
    log(f"boot_bench: building {out} from Debian's busybox-static")
    try:
        _build_initrd(out)
    except subprocess.CalledProcessError as e:
        raise Fail(f"building {INITRD_NAME} failed: {shlex.join(e.cmd)} exited with {e.returncode}")
    return out


def _build_initrd(out):
    with tempfile.TemporaryDirectory() as work:
        r = subprocess.run(["apt-get", "download", "-q", "busybox-static:arm64"], cwd=work, stdout=sys.stderr)
        debs = [f for f in os.listdir(work) if f.startswith("busybox-static_") and f.endswith(".deb")]
        if r.returncode != 0 or len(debs) != 1:
            raise Fail("download of busybox-static failed (offline? try `apt-get update`)")
        subprocess.run(["dpkg-deb", "-x", os.path.join(work, debs[0]), os.path.join(work, "pkg")], check=True)
        root = os.path.join(work, "root")
        for d in ("bin", "sbin", "usr/bin", "usr/sbin", "proc", "sys", "dev", "tmp", "mnt", "root"):
            os.makedirs(os.path.join(root, d))
        shutil.copy(os.path.join(work, "pkg", "bin", "busybox"), os.path.join(root, "bin", "busybox"))
        with open(os.path.join(root, "init"), "w") as f:
            f.write(GUEST_INIT)
        os.chmod(os.path.join(root, "init"), 0o755)
        subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "mkcpio.py"), root, out + ".tmp"], check=True)
        os.replace(out + ".tmp", out)


def cpio_member(path, name):
    """The contents of NAME in the newc cpio archive at PATH, or None."""
    with open(path, "rb") as f:
        blob = f.read()
    pos = 0
    while pos + 110 <= len(blob) and blob[pos:pos + 6] in (b"070701", b"070702"):
        size = int(blob[pos + 54:pos + 62], 16)
        namesize = int(blob[pos + 94:pos + 102], 16)
        member = blob[pos + 110:pos + 110 + namesize - 1].decode(errors="replace")
        data_at = pos + 110 + namesize + (-(110 + namesize) % 4)
        if member == "TRAILER!!!":
            break
        if member.lstrip("./") == name:
            return blob[data_at:data_at + size]
        pos = data_at + size + (-size % 4)
    return None


def expected_results(initrd, mib, par_mib, cpus):
    """What the guest must print about its data: computed here from the same busybox binary
    and the same construction (copies rotated by tr, cut to MIB MiB)."""
    bb = cpio_member(initrd, "bin/busybox")
    if bb is None:
        raise Fail(f"{initrd} has no bin/busybox: not a boot_bench initramfs")
    need = mib << 20
    rot = bytes((i + 1) % 256 for i in range(256))
    h, crc, have, cur = hashlib.sha256(), 0, 0, bb
    ph, par_need = hashlib.sha256(), min(par_mib, mib) << 20
    while have < need:
        piece = cur[:need - have]
        h.update(piece)
        if have < par_need:
            ph.update(piece[:par_need - have])
        crc = zlib.crc32(piece, crc)
        have += len(piece)
        cur = cur.translate(rot)
    trailer = (crc.to_bytes(4, "little") + (need & 0xffffffff).to_bytes(4, "little")).hex()
    return {"data_bytes": str(need), "sha256": h.hexdigest(), "gzip_trailer": trailer,
            "par_sha256": ph.hexdigest(), "nproc": str(cpus)}


def command(emu, args, kernel, initrd, append):
    if emu == "qemu":
        return [args.qemu, "-M", "virt", "-cpu", "cortex-a72", "-smp", str(args.cpus), "-m", args.mem,
                "-nographic", "-monitor", "none",
                "-no-reboot", "-kernel", kernel, "-initrd", initrd, "-append", append]
    return ([args.bramble, "run", "--kernel", kernel, "--initrd", initrd, "--mem", args.mem, "--no-reboot",
             "--cpus", str(args.cpus),
             "--timeout", str(int(args.timeout)), "--append", append] + shlex.split(args.bramble_args))


def run_once(emu, cmd, timeout, logbase):
    """Runs CMD with the console on a pipe; returns the markers' host times, the guest's
    results, the exit code, peak RSS (KiB) and the console text."""
    events, results, problems = {}, {}, []
    with open(logbase + ".stderr", "w") as err, open(logbase + ".console", "w", encoding="utf-8") as con:
        t0 = time.monotonic()
        try:
            p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err)
        except OSError as e:
            raise Fail(f"cannot start {cmd[0]}: {e}")
        fd = p.stdout.fileno()
        buf, timed_out = b"", False
        try:
            while True:
                left = t0 + timeout - time.monotonic()
                if left <= 0:
                    timed_out = True
                    p.kill()
                    break
                ready, _, _ = select.select([fd], [], [], left)
                if not ready:
                    continue
                chunk = os.read(fd, 65536)
                now = time.monotonic() - t0
                if not chunk:
                    break
                con.write(chunk.decode(errors="replace"))
                buf += chunk
                *lines, buf = buf.split(b"\n")
                for raw in lines:
                    line = raw.decode(errors="replace").rstrip("\r")
                    # search, not match: a late kernel message can share the line.
                    m = re.search(r"BENCH-(INIT|BEGIN|END|DONE)(?: (\w+))?", line)
                    if m:
                        key = m.group(1) if m.group(1) in ("INIT", "DONE") else f"{m.group(1)} {m.group(2)}"
                        up = re.search(r"uptime=([\d.]+)", line)
                        events.setdefault(key, (now, float(up.group(1)) if up else None))
                    m = re.search(r"BENCH-RESULT (\w+)=(\S*)", line)
                    if m:
                        results[m.group(1)] = m.group(2)
                    if PROBLEM.search(line):
                        problems.append(line)
        except BaseException:
            p.kill()
            raise
        finally:
            p.stdout.close()
            # The console closed: the emulator is exiting. Reap it (wait4 for its rusage),
            # still within the deadline, in case it hangs with its stdout closed.
            while True:
                pid, status, usage = os.wait4(p.pid, os.WNOHANG)
                if pid:
                    break
                if time.monotonic() >= t0 + timeout and not timed_out:
                    timed_out = True
                    p.kill()
                time.sleep(0.001)
            p.returncode = os.waitstatus_to_exitcode(status)
        total = time.monotonic() - t0
    with open(logbase + ".console", encoding="utf-8", errors="replace") as f:
        console = f.read()
    with open(logbase + ".stderr", encoding="utf-8", errors="replace") as f:
        stderr = f.read()
    return {"emulator": emu, "command": cmd, "exit": p.returncode, "timed_out": timed_out, "total": total,
            "events": events, "results": results, "problems": problems, "maxrss_kib": usage.ru_maxrss,
            "console": console, "stderr": stderr}


def phase_times(r):
    """Host seconds per phase of one run, or raises Fail naming the first missing marker."""
    ev = r["events"]
    if "INIT" not in ev:
        raise Fail("the guest never reached /init (no BENCH-INIT marker)")
    out = {"boot": ev["INIT"][0]}
    for key, _ in PHASES[1:-1]:
        for edge in ("BEGIN", "END"):
            if f"{edge} {key}" not in ev:
                raise Fail(f"missing marker BENCH-{edge} {key}")
        out[key] = ev[f"END {key}"][0] - ev[f"BEGIN {key}"][0]
    if "DONE" not in ev:
        raise Fail("missing marker BENCH-DONE")
    out["total"] = r["total"]
    return out


def check_run(r, expect, forks):
    """Raises Fail when the run did not complete or its results are wrong."""
    name = "bramble" if r["emulator"] == "bramble" else "qemu"
    if r["timed_out"]:
        raise Fail(f"{name} did not finish within the timeout (killed)")
    if r["exit"] != 0:
        why = " (its --timeout ran out)" if name == "bramble" and r["exit"] == 124 else ""
        raise Fail(f"{name} exited with code {r['exit']}{why}")
    times = phase_times(r)
    if r["problems"]:
        raise Fail(f"the kernel reported a problem under {name}: {r['problems'][0]}")
    got = r["results"]
    for key in RESULT_KEYS:
        if key not in got:
            raise Fail(f"{name}: the guest printed no {key} result")
    for key, want in expect.items():
        if got[key] != want:
            raise Fail(f"{name} computed a wrong {key}: guest {got[key]}, host {want}")
    if not got["processes"].isdigit() or int(got["processes"]) < forks:
        raise Fail(f"{name}: the guest forked {got['processes']} processes in the loop, expected at least {forks}")
    return times


def mib(kib):
    return kib / 1024


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=1, help="runs per emulator, alternating; best of each (default 1)")
    ap.add_argument("--bramble", default=os.path.join(ROOT, "target", "release", "bramble"),
                    help="bramble binary (default target/release/bramble)")
    ap.add_argument("--bramble-args", default="", help="extra flags for `bramble run`, e.g. '--no-translate --stats'")
    ap.add_argument("--no-qemu", action="store_true", help="run bramble only")
    ap.add_argument("--qemu", default="qemu-system-aarch64", help="QEMU binary (default qemu-system-aarch64)")
    ap.add_argument("--kernel", help="arm64 Image (default: Debian's, via scripts/fetch-kernel.sh)")
    ap.add_argument("--initrd", help=f"initramfs (default: {INITRD_NAME}, built and cached in {CACHE})")
    ap.add_argument("--mib", type=int, default=32, help="MiB of data for sha256sum and gzip -9 (default 32)")
    ap.add_argument("--forks", type=int, default=2000, help="fork/exec iterations (default 2000)")
    ap.add_argument("--par-mib", type=int, default=16, help="MiB each of the 4 parallel sha256sums hashes (default 16)")
    ap.add_argument("--cpus", type=int, default=4, help="cores for both emulators (default 4, as the Pi 4)")
    ap.add_argument("--mem", default="1G", help="guest RAM for both emulators (default 1G)")
    ap.add_argument("--timeout", type=float, default=300, help="host seconds per run before it is killed (default 300)")
    ap.add_argument("--json", help="write the measurements here")
    ap.add_argument("--logs", help="keep each run's console and stderr in this directory")
    # `--bramble-args '--stats'` would read as an option of ours: glue the value on.
    argv = sys.argv[1:]
    for i, a in enumerate(argv[:-1]):
        if a == "--bramble-args":
            argv[i:i + 2] = [f"--bramble-args={argv[i + 1]}"]
            break
    args = ap.parse_args(argv)
    if args.runs < 1 or args.mib < 1 or args.forks < 1 or args.par_mib < 1:
        ap.error("--runs, --mib, --par-mib and --forks must be at least 1")
    if not 1 <= args.cpus <= 4:
        ap.error("--cpus must be 1 to 4")
    emus = ["bramble"] if args.no_qemu else ["bramble", "qemu"]
    if not os.access(args.bramble, os.X_OK):
        print(f"boot_bench: {args.bramble}: no bramble binary there (cargo build --release, or --bramble PATH)",
              file=sys.stderr)
        return 2
    if "qemu" in emus and shutil.which(args.qemu) is None:
        print(f"boot_bench: {args.qemu} not found (scripts/setup.sh installs it; --no-qemu skips it)", file=sys.stderr)
        return 2
    logs = args.logs or tempfile.mkdtemp(prefix="boot-bench-")
    os.makedirs(logs, exist_ok=True)
    runs = {e: [] for e in emus}
    try:
        kernel = args.kernel or fetch_kernel()
        initrd = args.initrd or build_initrd()
        for path in (kernel, initrd):
            if not os.path.isfile(path):
                raise Fail(f"{path}: no such file")
        expect = expected_results(initrd, args.mib, args.par_mib, args.cpus)
        append = f"console=ttyAMA0 panic=-1 bench.mib={args.mib} bench.forks={args.forks} bench.par={args.par_mib}"
        for i in range(args.runs):
            for emu in emus:
                cmd = command(emu, args, kernel, initrd, append)
                log(f"boot_bench: run {i + 1}/{args.runs} on {emu}: {shlex.join(cmd)}")
                base = os.path.join(logs, f"{emu}-{i + 1}")
                r = run_once(emu, cmd, args.timeout if emu == "qemu" else args.timeout + 10, base)
                runs[emu].append(r)
                try:
                    r["times"] = check_run(r, expect, args.forks)
                except Fail as e:
                    tail = "\n".join("   | " + ln for ln in r["console"].splitlines()[-25:])
                    err = "\n".join("   ! " + ln for ln in r["stderr"].splitlines()[-10:])
                    raise Fail(f"run {i + 1} on {emu}: {e}\n   last console lines ({base}.console):\n{tail}"
                               + (f"\n   stderr ({base}.stderr):\n{err}" if err else ""))
                log(f"boot_bench:   {r['total']:.2f} s, peak RSS {mib(r['maxrss_kib']):.1f} MiB")
        # Every run, on both emulators, must have computed the same things.
        first = runs["bramble"][0]["results"]
        for emu in emus:
            for j, r in enumerate(runs[emu]):
                for key in SAME_KEYS:
                    if r["results"][key] != first[key]:
                        raise Fail(f"{emu} run {j + 1} and bramble run 1 disagree on {key}: "
                                   f"{r['results'][key]} vs {first[key]}")
    except Fail as e:
        print(f"boot_bench: FAILED: {e}", file=sys.stderr)
        print(f"boot_bench: logs kept in {logs}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nboot_bench: interrupted", file=sys.stderr)
        return 130

    best = {e: {k: min(r["times"][k] for r in runs[e]) for k, _ in PHASES} for e in emus}
    rss = {e: max(r["maxrss_kib"] for r in runs[e]) for e in emus}
    info = re.search(r"BENCH-INFO kernel=(\S+)", runs["bramble"][0]["console"])
    print(f"boot_bench: kernel {os.path.basename(kernel)} ({info.group(1) if info else '?'}), "
          f"initrd {os.path.basename(initrd)}, {args.mem} RAM, {args.mib} MiB data, {args.forks} fork/execs, "
          f"{args.cpus} CPUs")
    print(f"bramble: {args.bramble} (rpi4b --cpus {args.cpus}{', ' + args.bramble_args if args.bramble_args else ''})")
    if "qemu" in emus:
        print(f"qemu:    {args.qemu} -M virt -cpu cortex-a72 -smp {args.cpus} (TCG, its default threading)")
    print(f"host wall seconds, best of {args.runs} run{'s' if args.runs > 1 else ''} per phase")
    print()
    labels = dict(PHASES, sha256=f"sha256sum {args.mib} MiB", gzip=f"gzip -9 {args.mib} MiB",
                  fork=f"fork/exec x {args.forks}", data=f"make {args.mib} MiB (tr)",
                  par=f"4 x sha256sum {min(args.par_mib, args.mib)} MiB")
    if "qemu" in emus:
        print(f"{'phase':24s} {'bramble s':>10s} {'qemu s':>10s} {'bramble/qemu':>13s}")
        for key, _ in PHASES:
            label = labels[key]
            b, q = best["bramble"][key], best["qemu"][key]
            ratio = f"{b / q:13.2f}" if q > 0 else f"{'-':>13s}"
            print(f"{label:24s} {b:10.2f} {q:10.2f} {ratio}")
        diff = mib(rss["bramble"] - rss["qemu"])
        print(f"{'peak RSS (MiB)':24s} {mib(rss['bramble']):10.1f} {mib(rss['qemu']):10.1f}   "
              f"bramble {'+' if diff >= 0 else '-'}{abs(diff):.1f} MiB")
    else:
        print(f"{'phase':24s} {'bramble s':>10s}")
        for key, _ in PHASES:
            print(f"{labels[key]:24s} {best['bramble'][key]:10.2f}")
        print(f"{'peak RSS (MiB)':24s} {mib(rss['bramble']):10.1f}")
    res = runs["bramble"][0]["results"]
    print()
    where = "every run under both emulators" if "qemu" in emus else "every run"
    counted = ", ".join(sorted({r["results"]["processes"] for e in emus for r in runs[e]}))
    print(f"checked: {res['data_bytes']} bytes of data, sha256 {res['sha256'][:16]}..., as the host computes it")
    print(f"         gzip -9: {res['gzip_bytes']} bytes, CRC32/ISIZE as the host computes them, same stream on {where}")
    print(f"         fork/exec loop: {counted} processes forked (at least {args.forks})")
    last_err = runs["bramble"][-1]["stderr"].strip()
    if last_err:
        print("\nbramble stderr (last run):")
        print("\n".join("   " + ln for ln in last_err.splitlines()[-40:]))

    if args.json:
        out = {
            "kernel": kernel, "initrd": initrd, "mem": args.mem, "mib": args.mib, "forks": args.forks,
            "par_mib": args.par_mib, "cpus": args.cpus,
            "runs": args.runs, "bramble_args": args.bramble_args, "phases": [k for k, _ in PHASES],
            "best_seconds": best, "peak_rss_kib": rss,
            "ratio": ({k: best["bramble"][k] / best["qemu"][k] for k, _ in PHASES if best["qemu"][k] > 0}
                      if "qemu" in emus else None),
            "results": res,
            "all_runs": {e: [{k: v for k, v in r.items() if k not in ("console", "stderr")} for r in runs[e]]
                         for e in emus},
        }
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)
    if not args.logs:
        shutil.rmtree(logs, ignore_errors=True)
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sys.exit(main())
