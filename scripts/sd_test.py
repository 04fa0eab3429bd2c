#!/usr/bin/env python3
"""The SD card test: Debian's stock arm64 kernel on bramble's rpi4b board with a card image on
the EMMC2 controller (sdhci-iproc), booted with the SD initramfs (scripts/build-sd-initramfs.sh),
whose /init does what `sdtest=` on the command line says and prints `SDTEST:` lines.

    sd_test.py IMAGE INITRD [--bramble PATH] [--timeout SECS] [--cpus N] [--keep]

Builds a 256 MiB card image in a temporary directory, without loop devices or root: an MBR
(written here) with partition 1, FAT32 LBA (type 0x0c) at 1 MiB, 64 MiB long (formatted with
mkfs.vfat if installed, else left blank), and partition 2, Linux (0x83) from 65 MiB to the end,
an ext4 file system made by `mke2fs -d` in a separate file and copied in at its offset. The
file system holds big.bin, 64 MiB of deterministic pseudo-random bytes (SHAKE-256 in counter
mode), so the host knows its sha256. Then:
  a. --sd card.img, sdtest=rw: exit 0; the guest's sha256 of big.bin right; it wrote
     /written.txt and a 16 MiB /zero16 (fsync) and read both back from a fresh mount; no
     Oops/BUG/WARNING/panic and no MMC or I/O error messages (every run); on the host e2fsck
     -fn is clean and debugfs finds both files.
  b. --sd card.img --snapshot, sdtest=rw: the same guest checks, and the image is
     byte-identical afterwards.
  c. --sd card.img,readonly, sdtest=ro: the block device is read-only, ext4 is mounted ro,
     writing a file and writing the raw device both fail, the image is byte-identical.
  d. bad --sd values (a missing file, a directory, a 0-byte file, 1000 bytes) each exit 2 with
     one line on stderr naming the file; a second bramble on an image a first one has open
     exits 2 naming the lock; the first, at its shell, powers off on `poweroff -f`.
  e. the card a user boots: scripts/build-sd-card.sh builds one here (128 MiB, with this
     IMAGE and INITRD); on the host its MBR, boot files (mtools) and ext4 root (e2fsck,
     debugfs) are checked; then three --snapshot boots switch root to the card's p2 by
     root=PARTUUID=<signature>-02 rootwait rw, by root=LABEL=bramble-root rootwait ro and by
     root=/dev/mmcblk0p2 init=/bin/sh. At the card's shell the test types `cat /proc/mounts`
     and `echo ROOT-OK $(cat /etc/hostname)`: / must be /dev/mmcblk0p2, ext4, rw or ro as
     asked, the hostname the card's; `poweroff -f` ends each with exit 0, and the image is
     byte-identical afterwards.
Prints the guest's read and write throughput (guest time: /proc/uptime, virtual under
--clock virtual) and bramble's host wall time for each run. Ends with `N passed, M failed`;
exits 1 on a failure. Needs e2fsprogs (mke2fs, e2fsck, debugfs), and for e. dosfstools and
mtools (scripts/setup.sh installs them).
"""
import argparse
import hashlib
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time

MIB = 1 << 20
CARD_BYTES = 256 * MIB
P1_START, P1_BYTES = 1 * MIB, 64 * MIB
P2_START = P1_START + P1_BYTES
P2_BYTES = CARD_BYTES - P2_START
BIG_BYTES = 64 * MIB
ZERO16_SHA = hashlib.sha256(bytes(16 * MIB)).hexdigest()
# What the guest writes to /written.txt: the same string as in build-sd-initramfs.sh's /init.
WRITTEN = "bramble sd card write test: written by the guest"
APPEND = "console=ttyAMA0 panic=-1"
BAD_KERNEL = re.compile(r"Oops|BUG:|WARNING:|Kernel panic")
# The MMC core's and the block layer's complaints (a command or data error, a timeout, an I/O
# error), anywhere in the run, the shutdown at poweroff included.
MMC_ERRORS = re.compile(r"^.*(?:mmc\d+: .*(?:error|timeout|Timeout|Reset)|mmcblk\d+.*(?:error|timed out)|I/O error).*$", re.M)


def tool(name):
    """The path of an e2fsprogs/dosfstools tool: PATH first, then the sbin directories."""
    return shutil.which(name) or next((p for p in (f"/usr/sbin/{name}", f"/sbin/{name}") if os.access(p, os.X_OK)), None)


def need(name):
    path = tool(name)
    if not path:
        sys.exit(f"sd_test: {name} not found (install e2fsprogs)")
    return path


def write_big(path):
    """Writes big.bin: SHAKE-256 of a counter, 1 MiB per counter value. Returns its sha256."""
    h = hashlib.sha256()
    with open(path, "wb") as f:
        for i in range(BIG_BYTES // MIB):
            chunk = hashlib.shake_256(b"bramble sd big.bin %d" % i).digest(MIB)
            h.update(chunk)
            f.write(chunk)
    return h.hexdigest()


def mbr():
    """A classic MBR with two primary partitions (LBA only: CHS fields are the 'beyond 8 GiB'
    marker fe ff ff), disk signature 'brmb'."""
    def entry(ptype, start, size):
        return struct.pack("<B3sB3sII", 0, b"\xfe\xff\xff", ptype, b"\xfe\xff\xff", start // 512, size // 512)
    table = entry(0x0C, P1_START, P1_BYTES) + entry(0x83, P2_START, P2_BYTES) + bytes(32)
    return bytes(440) + b"brmb" + bytes(2) + table + b"\x55\xaa"


def splice(src, dest, offset):
    """Copies file src into dest at offset, skipping all-zero MiBs (dest is sparse)."""
    with open(src, "rb") as s, open(dest, "r+b") as d:
        pos = offset
        while chunk := s.read(MIB):
            if chunk.count(0) != len(chunk):
                d.seek(pos)
                d.write(chunk)
            pos += len(chunk)


def build_card(work, notes):
    """Builds work/card.img; returns the sha256 of big.bin."""
    card = os.path.join(work, "card.img")
    with open(card, "wb") as f:
        f.truncate(CARD_BYTES)
        f.write(mbr())
    vfat = tool("mkfs.vfat")
    if vfat:
        p1 = os.path.join(work, "p1.img")
        with open(p1, "wb") as f:
            f.truncate(P1_BYTES)
        r = subprocess.run([vfat, "-F", "32", "-n", "BRAMBLEBOOT", p1], capture_output=True, text=True)
        if r.returncode == 0:
            splice(p1, card, P1_START)
        else:
            notes.append(f"mkfs.vfat failed ({r.stderr.strip()}): partition 1 left blank")
        os.unlink(p1)
    else:
        notes.append("mkfs.vfat not installed: partition 1 (FAT32) left blank")
    root = os.path.join(work, "root")
    os.mkdir(root)
    big_sha = write_big(os.path.join(root, "big.bin"))
    p2 = os.path.join(work, "p2.img")
    with open(p2, "wb") as f:
        f.truncate(P2_BYTES)
    r = subprocess.run([need("mke2fs"), "-q", "-F", "-t", "ext4", "-L", "bramble-root", "-b", "4096", "-E", "root_owner=0:0",
                        "-d", root, p2], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"sd_test: mke2fs of {p2} failed: {r.stderr.strip()}")
    splice(p2, card, P2_START)
    os.unlink(p2)
    shutil.rmtree(root)
    return card, big_sha


class Ext4View:
    """The card's ext4 partition (labelled bramble-root, at `offset`) for e2fsck and debugfs:
    `card.img?offset=N` where e2fsprogs understands it (1.43 and later), else a copy of the
    partition taken now."""

    def __init__(self, card, work, offset=P2_START):
        self.card, self.work, self.offset = card, work, offset
        spec = f"{card}?offset={offset}"
        r = subprocess.run([need("debugfs"), "-R", "stats", spec], capture_output=True, text=True)
        self.offset_syntax = r.returncode == 0 and "bramble-root" in r.stdout

    def spec(self):
        if self.offset_syntax:
            return f"{self.card}?offset={self.offset}"
        part = os.path.join(self.work, "p2-copy.img")
        with open(self.card, "rb") as s, open(part, "wb") as d:
            s.seek(self.offset)
            shutil.copyfileobj(s, d, MIB)
        return part

    def fsck(self):
        r = subprocess.run([need("e2fsck"), "-fn", self.spec()], capture_output=True, text=True)
        return r.returncode, (r.stdout + r.stderr).strip()

    def read(self, name):
        """A file's bytes via debugfs dump, or None if it is not there."""
        out = os.path.join(self.work, "dumped")
        if os.path.exists(out):
            os.unlink(out)
        subprocess.run([need("debugfs"), "-R", f"dump {name} {out}", self.spec()], capture_output=True)
        if not os.path.exists(out):
            return None
        with open(out, "rb") as f:
            data = f.read()
        os.unlink(out)
        return data


def file_sha(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(MIB):
            h.update(chunk)
    return h.hexdigest()


class Bramble:
    """One bramble process: console (stdout) and stderr collected by threads, killed after
    `timeout` seconds."""

    def __init__(self, cmd, timeout):
        self.t0 = time.time()
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.out, self.err = [], []
        # (host seconds since launch, line) of every console line, for host-side rates.
        self.stamps = []
        self.timed_out = False
        self.readers = [threading.Thread(target=self._read, args=(s, l), daemon=True)
                        for s, l in ((self.p.stdout, self.out), (self.p.stderr, self.err))]
        for t in self.readers:
            t.start()
        self.timer = threading.Timer(timeout, self._kill)
        self.timer.start()

    def _read(self, stream, lines):
        for raw in stream:
            line = raw.decode(errors="replace")
            lines.append(line)
            if lines is self.out:
                self.stamps.append((time.time() - self.t0, line))

    def _kill(self):
        self.timed_out = True
        self.p.kill()

    def wait_for(self, text, secs):
        """True once `text` is in the console output (or, if text is empty, any output)."""
        end = time.time() + secs
        while time.time() < end:
            if (text in "".join(self.out)) if text else self.out:
                return True
            if self.p.poll() is not None:
                time.sleep(0.2)  # let the reader drain
                return bool(text in "".join(self.out)) if text else bool(self.out)
            time.sleep(0.1)
        return False

    def wait_match(self, pattern, secs):
        """The first match of regex `pattern` (multiline) in the console output within `secs`
        seconds, or None."""
        end = time.time() + secs
        while True:
            m = re.search(pattern, "".join(self.out), re.M)
            if m or time.time() >= end:
                return m
            if self.p.poll() is not None:
                time.sleep(0.2)  # let the reader drain
                return re.search(pattern, "".join(self.out), re.M)
            time.sleep(0.1)

    def type(self, data):
        try:
            self.p.stdin.write(data)
            self.p.stdin.flush()
        except (BrokenPipeError, OSError):
            pass

    def finish(self):
        """Waits for the end; returns (console, stderr, exit code or 'timeout', seconds)."""
        try:
            self.p.stdin.close()
        except OSError:
            pass
        code = self.p.wait()
        self.timer.cancel()
        for t in self.readers:
            t.join()
        return "".join(self.out), "".join(self.err), "timeout" if self.timed_out else code, time.time() - self.t0


class Report:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, name, ok, detail=""):
        print(f"  {'ok  ' if ok else 'FAIL'} {name}" + (f"  ({detail})" if detail and not ok else ""))
        self.passed += bool(ok)
        self.failed += not ok
        return bool(ok)


def guest_checks(out, code, big_sha):
    """What every booted run must show."""
    return [
        ("exit code 0 (poweroff -f)", code == 0, f"exit {code}"),
        ("modules loaded (sdhci, sdhci-pltfm, sdhci-iproc, ext4 ...)", "SDTEST: modules loaded" in out, ""),
        ("card found with partitions p1 p2", re.search(r"mmcblk0: p1 p2", out) is not None, ""),
        ("guest's sha256 of big.bin right", f"SDTEST: sha256 {big_sha}" in out, ""),
        ("SDTEST: done, no SDTEST: FAIL", "SDTEST: done" in out and "SDTEST: FAIL" not in out,
         "; ".join(re.findall(r"SDTEST: FAIL.*", out)) or "no 'SDTEST: done'"),
        ("no Oops/BUG/WARNING/panic", not BAD_KERNEL.search(out),
         (BAD_KERNEL.search(out) or [""])[0]),
        ("no MMC or I/O errors logged", not MMC_ERRORS.search(out),
         "; ".join(m.strip() for m in MMC_ERRORS.findall(out)[:3])),
    ]


def rw_guest_checks(out):
    return [
        ("ext4 mounted read-write", re.search(r"^SDTEST: mount rw\b", out, re.M) is not None, ""),
        ("guest read written.txt back from a fresh mount", f"SDTEST: readback written.txt {WRITTEN}" in out, ""),
        ("guest read zero16 back from a fresh mount", f"SDTEST: readback zero16 sha256 {ZERO16_SHA}" in out, ""),
    ]


def host_rates(stamps):
    """Host wall time of each timed guest dd: from its `SDTEST: begin LABEL` line to its
    `SDTEST: LABEL BYTES bytes ...` line, as the console pipe delivered them."""
    begun, rates = {}, []
    for t, line in stamps:
        m = re.match(r"SDTEST: begin (\w+)", line)
        if m:
            begun[m.group(1)] = t
            continue
        m = re.match(r"SDTEST: (\w+) (\d+) bytes in", line)
        if m and m.group(1) in begun:
            dt = max(t - begun.pop(m.group(1)), 1e-6)
            rates.append(f"{m.group(1)} {int(m.group(2)) >> 20} MiB in {dt:.2f} s host wall time "
                         f"({int(m.group(2)) / dt / 1e6:.0f} MB/s)")
    return rates


def show_run(label, out, err, code, secs, failed_before, report, stamps=()):
    for line in re.findall(r"^SDTEST: (?:card \d|read \d|write \d|sha256 of).*", out, re.M):
        print(f"    guest: {line.strip()}")
    for rate in host_rates(stamps):
        print(f"    host:  {rate}")
    print(f"    bramble {label}: boot to poweroff in {secs:.2f} s host wall time (exit {code})")
    if report.failed > failed_before:
        print("    --- last 40 lines of the console ---")
        for line in out.splitlines()[-40:]:
            print(f"    | {line}")
        if err.strip():
            print("    --- stderr ---")
            for line in err.splitlines()[-10:]:
                print(f"    | {line}")


def bad_input(report, base, name, path):
    b = Bramble(base + ["--append", f"{APPEND} sdtest=rw", "--sd", path], 60)
    _, err, code, _ = b.finish()
    lines = [line for line in err.splitlines() if line.strip()]
    names = len(lines) == 1 and (path in lines[0] or os.path.basename(path) in lines[0])
    report.check(f"--sd {name}: exit 2, one line on stderr naming the file", code == 2 and names,
                 f"exit {code}, stderr: {' | '.join(lines[:3]) or 'empty'}")


def mbr_table(path):
    """The disk signature (as Linux prints it in a PARTUUID: 8 hex digits) and the primary
    partitions (type, start byte, length in bytes) of an MBR image, or None if there is no
    55 aa mark."""
    with open(path, "rb") as f:
        sector = f.read(512)
    if len(sector) < 512 or sector[510:] != b"\x55\xaa":
        return None
    parts = []
    for i in range(4):
        _, ptype, start, count = struct.unpack_from("<B3xB3xII", sector, 446 + 16 * i)
        if ptype:
            parts.append((ptype, start * 512, count * 512))
    return f"{struct.unpack_from('<I', sector, 440)[0]:08x}", parts


def fat_file(card, offset, name):
    """A file's bytes from the FAT file system at `offset` in the image (mtools), or None."""
    r = subprocess.run([tool("mcopy"), "-n", "-i", f"{card}@@{offset}", f"::/{name}", "-"], capture_output=True,
                       env=dict(os.environ, MTOOLS_SKIP_CHECK="1"))
    return r.stdout if r.returncode == 0 else None


def firmware_boot(report, args, work):
    """f. `bramble run --sd card.img` with no --kernel boots what config.txt names."""
    card = os.path.join(work, "boot-card.img")
    if not os.path.isfile(card):
        report.check("firmware boot: the card from e exists", False)
        return
    cmd = [args.bramble, "run", "--sd", card, "--snapshot", "--cpus", str(args.cpus), "--timeout", str(int(args.timeout))]
    run = Bramble(cmd, args.timeout + 30)
    up = run.wait_for("bramble card root: up", args.timeout)
    mounts = None
    if up:
        time.sleep(1)
        run.type(b"cat /proc/mounts\n")
        mounts = run.wait_match(r"^(\S+) / (\S+) (\w+)", 60)
        run.type(b"poweroff -f\n")
    else:
        run._kill()
    out, err, code, secs = run.finish()
    with open(os.path.join(work, "firmware.log"), "w") as f:
        f.write(out)
    report.check("firmware boot: the kernel command line is the card's cmdline.txt",
                 re.search(r"Kernel command line: console=ttyAMA0 root=PARTUUID=\S+-02 rootwait rw\r?$", out, re.M) is not None)
    report.check("firmware boot: config.txt's initramfs8 ran and switched to the card's root", up)
    got = " ".join(mounts.groups()) if mounts else "no / line"
    report.check("firmware boot: / is /dev/mmcblk0p2, ext4, rw", got == "/dev/mmcblk0p2 ext4 rw", got)
    report.check("firmware boot: exit 0", code == 0, f"exit {code}")
    print(f"    bramble --sd (no --kernel): boot to poweroff in {secs:.2f} s host wall time (exit {code})")
    # Cards the firmware cannot boot: one line naming the card, exit 2.
    blank = os.path.join(work, "blank.img")
    with open(blank, "wb") as f:
        f.truncate(MIB)
    nokernel = os.path.join(work, "nokernel.img")
    shutil.copy(card, nokernel)
    cases = [("a card without a FAT boot partition", blank, "no FAT boot partition")]
    if tool("mdel"):
        p1 = (mbr_table(nokernel) or ("", [(0, MIB, 0)]))[1][0][1]
        subprocess.run(["mdel", "-i", f"{nokernel}@@{p1}", "::/kernel8.img"], env=dict(os.environ, MTOOLS_SKIP_CHECK="1"))
        cases.append(("a boot partition without kernel8.img", nokernel, "has no kernel8.img"))
    for what, img, needle in cases:
        p = subprocess.run([args.bramble, "run", "--sd", img, "--snapshot"], capture_output=True, text=True,
                           stdin=subprocess.DEVNULL, timeout=60)
        lines = p.stderr.strip().splitlines()
        report.check(f"firmware boot of {what}: exit 2, one line naming the card",
                     p.returncode == 2 and len(lines) == 1 and img in lines[0] and needle in lines[0],
                     f"exit {p.returncode}: {p.stderr.strip()[:200]}")


def bootable_card(report, args, base, work):
    """e. The card scripts/build-sd-card.sh builds, booted to its own root three ways."""
    here = os.path.dirname(os.path.abspath(__file__))
    card = os.path.join(work, "boot-card.img")
    t0 = time.time()
    r = subprocess.run([os.path.join(here, "build-sd-card.sh"), card, "--size", "128", "--kernel", args.image,
                        "--initrd", args.initrd, "--bramble", args.bramble], capture_output=True, text=True)
    built = r.returncode == 0 and r.stdout.strip().splitlines()[-1:] == [card] and os.path.isfile(card)
    if not report.check("build-sd-card.sh: exit 0, the image's path on stdout", built,
                        f"exit {r.returncode}: {' | '.join(r.stderr.strip().splitlines()[-3:])}"):
        return
    print(f"  card image built in {time.time() - t0:.1f} s")
    m = re.search(r'^\s*(\S+) run --kernel (\S+) --initrd (\S+) --sd (\S+) --append "([^"]*)"$', r.stderr, re.M)
    def same(a, b):
        return os.path.exists(a) and os.path.samefile(a, b)
    report.check("build-sd-card.sh: prints the bramble command that boots it", m is not None
                 and same(m.group(2), args.image) and same(m.group(3), args.initrd) and m.group(4) == card, r.stderr.strip().splitlines()[-1] if r.stderr.strip() else "nothing on stderr")
    append = m.group(5) if m else ""

    # The host's view: the MBR, the boot files, the root file system.
    table = mbr_table(card)
    sig, parts = table if table else ("", [])
    layout_ok = [p[0] for p in parts] == [0x0C, 0x83] and parts[0][1] == MIB and parts[1][1] + parts[1][2] == 128 * MIB
    if not report.check("card: MBR with p1 FAT32 LBA (0c) at 1 MiB and p2 Linux (83) to the end", layout_ok,
                        f"signature {sig}, partitions {[(hex(t), s, n) for t, s, n in parts]}"):
        return
    partuuid = f"{sig}-02"
    cmdline = f"console=ttyAMA0 root=PARTUUID={partuuid} rootwait rw"
    report.check(f"card: --append printed is `{cmdline}`", append == cmdline, f"printed `{append}`")
    if tool("mcopy"):
        p1 = parts[0][1]
        cmdline_txt = fat_file(card, p1, "cmdline.txt")
        report.check("card: p1's cmdline.txt is that command line", cmdline_txt == (cmdline + "\n").encode(),
                     f"{cmdline_txt!r}")
        config = (fat_file(card, p1, "config.txt") or b"").decode(errors="replace").splitlines()
        wanted = ["arm_64bit=1", "kernel=kernel8.img", "initramfs initramfs8 followkernel",
                  "device_tree=bcm2711-bramble.dtb", "enable_uart=1"]
        report.check("card: p1's config.txt sets " + ", ".join(wanted), all(w in config for w in wanted),
                     f"missing {[w for w in wanted if w not in config]}")
        dtb = subprocess.run([args.bramble, "dtb", "--cpus", "4"], capture_output=True).stdout
        same = []
        for name, want in (("kernel8.img", open(args.image, "rb").read()), ("initramfs8", open(args.initrd, "rb").read()),
                           ("bcm2711-bramble.dtb", dtb)):
            same.append((name, fat_file(card, p1, name) == want))
        report.check("card: p1's kernel8.img, initramfs8 and bcm2711-bramble.dtb are the Image, the initramfs and "
                     "`bramble dtb --cpus 4`", all(ok for _, ok in same), f"differ: {[n for n, ok in same if not ok]}")
    else:
        print("  note: mtools not installed: the boot partition's files are not checked")
    view = Ext4View(card, work, offset=parts[1][1])
    rc, text = view.fsck()
    stats = subprocess.run([need("debugfs"), "-R", "stats", view.spec()], capture_output=True, text=True).stdout
    labelled = re.search(r"^Filesystem volume name:\s+bramble-root$", stats, re.M) is not None
    report.check("card: p2 is ext4 labelled bramble-root, e2fsck -fn clean", labelled and rc == 0,
                 f"label {'right' if labelled else 'wrong'}; " + (text.splitlines()[-1] if text else ""))
    init = view.read("/sbin/init") or b""
    report.check("card: p2 has /sbin/init (a shell script), /bin/busybox and /etc/hostname",
                 init.startswith(b"#!/bin/sh") and view.read("/bin/busybox") is not None
                 and view.read("/etc/hostname") == b"bramble\n")

    # The boots: each one types at the card's shell and powers off.
    sha_before = file_sha(card)
    runs = (
        ("partuuid", f"root=PARTUUID={partuuid} rootwait rw", "rw", "/sbin/init"),
        ("label", "root=LABEL=bramble-root rootwait ro", "ro", "/sbin/init"),
        ("init=", "root=/dev/mmcblk0p2 init=/bin/sh", "ro", "/bin/sh"),
    )
    for label, root_args, access, init in runs:
        spec = root_args.split()[0][len("root="):]
        print(f"== e. --sd boot-card.img --snapshot, {root_args}")
        before = report.failed
        cmd = base + ["--append", f"{APPEND} {root_args}", "--sd", card, "--snapshot"]
        run = Bramble(cmd, args.timeout + 30)
        # The card's init says it is up; with init=/bin/sh the initramfs's last word is all.
        ready = "bramble card root: up" if init == "/sbin/init" else f"SDTEST: switch_root to {init}"
        at_shell = run.wait_for(ready, args.timeout)
        mounts = hostname = None
        if at_shell:
            time.sleep(1)
            run.type(b"cat /proc/mounts\n")
            mounts = run.wait_match(r"^(\S+) / (\S+) (\w+)", 60)
            run.type(b"echo ROOT-OK $(cat /etc/hostname)\n")
            hostname = run.wait_match(r"^ROOT-OK (\S*)", 60)
            run.type(b"poweroff -f\n")
            run.timer.cancel()
            run.timer = threading.Timer(60, run._kill)
            run.timer.start()
        else:
            run._kill()
        out, err, code, secs = run.finish()
        with open(os.path.join(work, f"card-{label.rstrip('=')}.log"), "w") as f:
            f.write(out)
        report.check(f"{label}: the initramfs found root={spec} as /dev/mmcblk0p2",
                     re.search(rf"^SDTEST: root={re.escape(spec)} is /dev/mmcblk0p2\b", out, re.M) is not None)
        card_init = "bramble card root: up" in out
        report.check(f"{label}: switch_root to {init}" + (" (not the card's /sbin/init)" if init != "/sbin/init" else "")
                     + ", and its shell reached", at_shell and f"SDTEST: switch_root to {init}\n" in out.replace("\r", "")
                     and card_init == (init == "/sbin/init"), f"waited for {ready!r}: {'seen' if at_shell else 'not seen'}"
                     + (", the card's init ran" if card_init and init != "/sbin/init" else ""))
        got = " ".join(mounts.groups()) if mounts else "no / line"
        report.check(f"{label}: / is /dev/mmcblk0p2, ext4, {access}", got == f"/dev/mmcblk0p2 ext4 {access}", got)
        report.check(f"{label}: `echo ROOT-OK $(cat /etc/hostname)` says ROOT-OK bramble",
                     hostname is not None and hostname.group(1) == "bramble", hostname.group(0) if hostname else "")
        report.check(f"{label}: exit code 0 (poweroff -f at the card's shell)", code == 0, f"exit {code}")
        report.check(f"{label}: no SDTEST: FAIL, Oops/BUG/WARNING/panic, MMC or I/O errors",
                     "SDTEST: FAIL" not in out and not BAD_KERNEL.search(out) and not MMC_ERRORS.search(out),
                     "; ".join(re.findall(r"SDTEST: FAIL.*|Oops.*|BUG:.*|WARNING:.*|Kernel panic.*", out)[:2]
                               + [m.strip() for m in MMC_ERRORS.findall(out)[:2]]))
        show_run(root_args, out, err, code, secs, before, report)
    report.check("card: boot-card.img byte-identical after the --snapshot boots", file_sha(card) == sha_before)


def main():
    ap = argparse.ArgumentParser(description="SD card (EMMC2) test on bramble's rpi4b board")
    ap.add_argument("image", help="the kernel Image (scripts/fetch-kernel.sh)")
    ap.add_argument("initrd", help="the SD initramfs (scripts/build-sd-initramfs.sh)")
    ap.add_argument("--bramble", default="target/release/bramble")
    ap.add_argument("--timeout", type=float, default=600, help="per run, host seconds")
    ap.add_argument("--cpus", type=int, default=4)
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory (card image, logs)")
    args = ap.parse_args()
    for path, what in ((args.image, "kernel Image"), (args.initrd, "initramfs"), (args.bramble, "bramble binary")):
        if not os.path.isfile(path):
            sys.exit(f"sd_test: {what} {path} not found")
    for name in ("mke2fs", "e2fsck", "debugfs"):
        need(name)
    report = Report()
    try:
        help_text = subprocess.run([args.bramble, "run", "--help"], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.TimeoutExpired) as e:
        help_text = f"{e}"
    if not report.check("bramble run --help lists --sd", "--sd" in help_text):
        print(f"{report.passed} passed, {report.failed} failed")
        return 1

    work = tempfile.mkdtemp(prefix="bramble-sd-")
    try:
        notes = []
        t0 = time.time()
        card, big_sha = build_card(work, notes)
        print(f"card image: {CARD_BYTES // MIB} MiB, p1 FAT32 LBA {P1_START // MIB}+{P1_BYTES // MIB} MiB, "
              f"p2 ext4 {P2_START // MIB}+{P2_BYTES // MIB} MiB, big.bin sha256 {big_sha[:16]}... "
              f"(built in {time.time() - t0:.1f} s)")
        for note in notes:
            print(f"  note: {note}")
        view = Ext4View(card, work)
        if not view.offset_syntax:
            print("  note: e2fsprogs does not take `image?offset=`: checking a copy of the partition")
        rc, text = view.fsck()
        report.check("card image: e2fsck -fn clean before any boot", rc == 0, text.splitlines()[-1] if text else "")

        base = [args.bramble, "run", "--kernel", args.image, "--initrd", args.initrd, "--mem", "1G",
                "--cpus", str(args.cpus), "--timeout", str(int(args.timeout))]

        stamps = {}

        def boot(label, sd, sdtest, snapshot=False):
            cmd = base + ["--append", f"{APPEND} sdtest={sdtest}", "--sd", sd] + (["--snapshot"] if snapshot else [])
            run = Bramble(cmd, args.timeout + 30)
            out, err, code, secs = run.finish()
            stamps[label] = run.stamps
            with open(os.path.join(work, f"{label}.log"), "w") as f:
                f.write(out)
            return out, err, code, secs

        def checks(prefix, items):
            for name, ok, detail in items:
                report.check(f"{prefix}: {name}", ok, detail)

        # a. Read, write, fsync on the card; the host checks the file system afterwards.
        print("== a. --sd card.img, sdtest=rw")
        before = report.failed
        out, err, code, secs = boot("rw", card, "rw")
        checks("rw", guest_checks(out, code, big_sha) + rw_guest_checks(out))
        rc, text = view.fsck()
        report.check("rw: host e2fsck -fn clean afterwards", rc == 0, text.splitlines()[-1] if text else "")
        written = view.read("/written.txt")
        report.check("rw: host reads /written.txt with the guest's text", written == (WRITTEN + "\n").encode(),
                     f"got {written[:80]!r}" if written is not None else "not found")
        zero16 = view.read("/zero16")
        report.check("rw: host finds /zero16, 16 MiB of zeros", zero16 == bytes(16 * MIB),
                     f"{len(zero16)} bytes" if zero16 is not None else "not found")
        big = view.read("/big.bin")
        report.check("rw: host finds big.bin unchanged",
                     big is not None and hashlib.sha256(big).hexdigest() == big_sha)
        show_run("sdtest=rw", out, err, code, secs, before, report, stamps["rw"])

        # b. --snapshot: the guest writes, the file stays as it was.
        print("== b. --sd card.img --snapshot, sdtest=rw")
        before = report.failed
        sha_before = file_sha(card)
        out, err, code, secs = boot("snapshot", card, "rw", snapshot=True)
        checks("snapshot", guest_checks(out, code, big_sha) + rw_guest_checks(out))
        report.check("snapshot: card.img byte-identical afterwards", file_sha(card) == sha_before)
        show_run("--snapshot sdtest=rw", out, err, code, secs, before, report, stamps["snapshot"])

        # c. Write-protected card.
        print("== c. --sd card.img,readonly, sdtest=ro")
        before = report.failed
        sha_before = file_sha(card)
        out, err, code, secs = boot("readonly", f"{card},readonly", "ro")
        checks("readonly", guest_checks(out, code, big_sha))
        m = re.search(r"^SDTEST: card .*\bro (\d)", out, re.M)
        report.check("readonly: the guest's block device is read-only (/sys/block/mmcblk0/ro 1)",
                     m is not None and m.group(1) == "1", f"ro {m.group(1)}" if m else "no card line")
        m = re.search(r"^SDTEST: mount (\S+)", out, re.M)
        report.check("readonly: ext4 mounted read-only", m is not None and m.group(1).split(",")[0] == "ro",
                     m.group(1) if m else "no mount line")
        report.check("readonly: writing a file refused", "SDTEST: write refused" in out)
        report.check("readonly: writing the raw device refused", "SDTEST: raw write refused" in out)
        report.check("readonly: card.img byte-identical afterwards", file_sha(card) == sha_before)
        show_run(",readonly sdtest=ro", out, err, code, secs, before, report)

        # d. Bad input: refused before the guest starts, exit 2, one line naming the file.
        print("== d. bad --sd values, and a second bramble on an image in use")
        missing = os.path.join(work, "missing.img")
        directory = os.path.join(work, "a-directory")
        os.mkdir(directory)
        empty = os.path.join(work, "empty.img")
        open(empty, "wb").close()
        odd = os.path.join(work, "odd.img")
        with open(odd, "wb") as f:
            f.write(bytes(1000))
        bad_input(report, base, "of a missing file", missing)
        bad_input(report, base, "of a directory", directory)
        bad_input(report, base, "of a 0-byte file", empty)
        bad_input(report, base, "of 1000 bytes (not a multiple of 512)", odd)

        # The first instance boots to the shell (no sdtest=) and holds the image; a second one
        # with the same writable image must refuse to start.
        before = report.failed
        first = Bramble(base + ["--append", APPEND, "--sd", card], args.timeout + 30)
        started = first.wait_for("", 60)
        report.check("lock: first bramble started (console output)", started)
        second = Bramble(base + ["--append", f"{APPEND} sdtest=rw", "--sd", card], 60)
        _, err2, code2, _ = second.finish()
        lines = [line for line in err2.splitlines() if line.strip()]
        report.check("lock: second bramble on the same image exits 2, one line naming the lock",
                     code2 == 2 and len(lines) == 1 and re.search(r"lock|another|in use|busy", lines[0], re.I) is not None,
                     f"exit {code2}, stderr: {' | '.join(lines[:3]) or 'empty'}")
        at_shell = first.wait_for("SDTEST: shell", args.timeout)
        report.check("lock: first bramble reached its shell with the card", at_shell
                     and re.search(r"^SDTEST: card ", "".join(first.out), re.M) is not None)
        if at_shell:
            time.sleep(1)
            first.type(b"poweroff -f\n")
            first.timer.cancel()
            first.timer = threading.Timer(60, first._kill)
            first.timer.start()
        else:
            first._kill()
        out, err, code, secs = first.finish()
        report.check("lock: first bramble powered off from its shell, exit 0", code == 0, f"exit {code}")
        with open(os.path.join(work, "lock.log"), "w") as f:
            f.write(out)
        show_run("shell (lock holder)", out, err, code, secs, before, report)

        # e. The card a user boots, to its own root.
        print("== e. boot to the card's root (scripts/build-sd-card.sh)")
        bootable_card(report, args, base, work)

        # f. The Pi firmware's way: no --kernel, everything from the card's boot partition.
        print("== f. bramble run --sd boot-card.img without --kernel (config.txt, cmdline.txt, kernel8.img)")
        firmware_boot(report, args, work)
    finally:
        if args.keep:
            print(f"kept {work} (card.img and the console logs)")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"{report.passed} passed, {report.failed} failed")
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
