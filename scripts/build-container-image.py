#!/usr/bin/env python3
"""Builds the container demo's guest image: an uncompressed initramfs (newc cpio) holding
Debian's arm64 busybox-static and crun with every shared library crun needs, three OCI
bundles (a busybox root filesystem with config.json files written here from `crun spec`'s
defaults, then edited) or a user's own bundle, and the /init that runs them.

    build-container-image.py [--bundle DIR] [--cmd CMD] [--mem SIZE]

Prints the archive's path on stdout; progress goes to stderr. Packages come from apt
(`apt-get download PKG:arm64`; scripts/fetch-kernel.sh enables the arm64 architecture
first) and are cached, with the images built from them, under BRAMBLE_CACHE (default
~/.cache/bramble). Nothing is downloaded or rebuilt twice.

How crun's libraries are found: the ELF dynamic sections decide, not a list kept here.
Starting from crun's package, each ELF in the image is read for its DT_NEEDED sonames and
PT_INTERP; a soname that none of the packages fetched so far ships sends the resolver one
level further down the apt dependency graph (Depends and Pre-Depends of every package
fetched at the previous level, first installable alternative), until every soname is
found or the graph is exhausted (an error naming the soname). Each .deb is checked against
the SHA256 and size of apt's (signed) Packages index before it is extracted, and the
extraction must succeed.

A user's bundle (--bundle DIR): DIR is either an OCI bundle (config.json plus the root
filesystem it names) or a plain root filesystem of arm64 binaries, for which a config.json
is written that runs CMD (--cmd, default: a short report) with /bin/sh. The image is held
in guest RAM twice while /init copies it into a tmpfs, so it must not exceed a quarter
of --mem (default 1G: 256 MiB). Exit codes: 0 built, 1 download or apt failure, 2 a bad
bundle (missing directory, broken config.json, not arm64, too big).
"""
import argparse
import hashlib
import json
import os
import shutil
import stat
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ARCH = "arm64"
EM_AARCH64 = 183
# Bump when the layout of the image changes in a way the source hash below cannot see.
LAYOUT = 1
# Where the libraries of a Debian arm64 package live, in search order; the loader's own
# default path covers all four, so no ld.so.cache is needed in the guest.
LIB_DIRS = ["lib/aarch64-linux-gnu", "usr/lib/aarch64-linux-gnu", "lib", "usr/lib"]


class Fail(Exception):
    """An error with a message for the user and the exit code to leave with."""

    def __init__(self, msg, code=1):
        super().__init__(msg)
        self.code = code


def log(msg):
    print(f"build-container-image: {msg}", file=sys.stderr, flush=True)


def parse_size(text):
    """bramble's --mem syntax: 512M, 1G, 4G; a bare number is MiB."""
    t = text.strip().upper()
    t = t[:-1] if t.endswith("B") else t
    mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    try:
        if t and t[-1] in mult:
            return int(float(t[:-1]) * mult[t[-1]])
        return int(t) << 20
    except ValueError:
        raise Fail(f"--mem {text!r}: not a size (e.g. 512M, 1G)", 2) from None


def mib(n):
    return f"{n / (1 << 20):.1f} MiB"


# --- apt -------------------------------------------------------------------------------

_records = {}  # package name -> its apt record for arm64 (None: apt knows none)
LISTS = "/var/lib/apt/lists"


def lists_stamp():
    """Names, sizes and times of apt's package lists: the records below stay valid while
    this does not change (an `apt-get update` changes it)."""
    try:
        names = sorted(os.listdir(LISTS))
    except OSError:
        return None
    h = hashlib.sha256()
    for n in names:
        st = os.stat(os.path.join(LISTS, n))
        h.update(f"{n} {st.st_size} {st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def load_records(path):
    """Reuses the records a previous run saved if apt's lists are unchanged: apt-cache
    takes about a second a call where the package cache is not kept (Docker images)."""
    try:
        with open(path) as f:
            saved = json.load(f)
    except (OSError, ValueError):
        return
    if saved.get("stamp") == lists_stamp():
        _records.update({n: r for n, r in saved.get("records", {}).items() if r is not None})


def save_records(path):
    with open(path + ".tmp", "w") as f:
        json.dump({"stamp": lists_stamp(), "records": _records}, f)
    os.replace(path + ".tmp", path)


def apt_records(names):
    """apt's Packages records of the candidate versions of NAMES for arm64 (or
    architecture all), one `apt-cache show` per batch: it takes about a second a call."""
    todo = [n for n in dict.fromkeys(names) if n not in _records]
    for specs in ([f"{n}:{ARCH}" for n in todo], list(todo)):
        specs = [s for s in specs if _records.get(s.split(":")[0]) is None]
        if not specs:
            break
        r = subprocess.run(["apt-cache", "show", "--no-all-versions"] + specs, capture_output=True, text=True)
        for stanza in r.stdout.split("\n\n"):
            rec, key = {}, None
            for line in stanza.splitlines():
                if line.startswith((" ", "\t")) and key:
                    rec[key] += "\n" + line.strip()
                elif ":" in line:
                    key, _, val = line.partition(":")
                    rec[key] = val.strip()
            if rec.get("Package") in todo and rec.get("Architecture") in (ARCH, "all"):
                _records.setdefault(rec["Package"], rec)
    for n in todo:
        _records.setdefault(n, None)
    return {n: _records[n] for n in names}


def depends_of(recs):
    """Package names the records RECS depend on: the first alternative apt knows for arm64."""
    clauses = []
    for rec in recs:
        for field in ("Pre-Depends", "Depends"):
            for clause in filter(None, (c.strip() for c in rec.get(field, "").split(","))):
                clauses.append((rec["Package"], clause, [a.strip().split()[0].split(":")[0] for a in clause.split("|")]))
    known = apt_records([a for _, _, alts in clauses for a in alts])
    names = []
    for pkg, clause, alts in clauses:
        for a in alts:
            if known[a] is not None:
                names.append(a)
                break
        else:
            raise Fail(f"{pkg} depends on {clause!r}, and apt knows none of it for {ARCH} (run `apt-get update`?)")
    return list(dict.fromkeys(names))


class Packages:
    """Downloads, verifies, caches and extracts arm64 packages."""

    def __init__(self, cache):
        self.debs = os.path.join(cache, "debs")
        self.trees = os.path.join(cache, "debs", "extracted")
        os.makedirs(self.trees, exist_ok=True)
        self.recs = {}   # name -> apt record
        self.roots = {}  # name -> extracted tree

    def fetch(self, names):
        names = [n for n in dict.fromkeys(names) if n not in self.recs]
        recs = apt_records(names)
        todo = []
        for n in names:
            rec = recs[n]
            if rec is None:
                raise Fail(f"package {n}:{ARCH} not found in apt's lists (is the arm64 architecture enabled and "
                           f"`apt-get update` done? scripts/fetch-kernel.sh does both)")
            for field in ("SHA256", "Size", "Filename", "Version"):
                if field not in rec:
                    raise Fail(f"apt's record of {n}:{ARCH} has no {field} field")
            self.recs[n] = rec
            if not self._cached_ok(n):
                todo.append(n)
        if todo:
            self._download(todo)
        for n in names:
            self.roots[n] = self._extract(n)

    def deb_path(self, n):
        return os.path.join(self.debs, os.path.basename(self.recs[n]["Filename"]))

    def _cached_ok(self, n):
        path = self.deb_path(n)
        return os.path.isfile(path) and sha256_file(path) == self.recs[n]["SHA256"]

    def _download(self, names):
        log(f"downloading {', '.join(names)} ({ARCH}) with apt-get download")
        tmp = tempfile.mkdtemp(prefix="dl-", dir=self.debs)
        os.chmod(tmp, 0o777)  # apt's _apt sandbox user writes here
        try:
            specs = []
            for n in names:
                arch = self.recs[n]["Architecture"]
                specs.append(f"{n}:{arch}={self.recs[n]['Version']}" if arch != "all" else f"{n}={self.recs[n]['Version']}")
            r = subprocess.run(["apt-get", "download", "-q"] + specs, cwd=tmp, stdout=sys.stderr, stderr=subprocess.PIPE,
                               text=True)
            if r.returncode != 0:
                sys.stderr.write(r.stderr)
                raise Fail(f"apt-get download of {', '.join(names)} failed (no network? stale lists? try `apt-get update`)")
            got = {f for f in os.listdir(tmp) if f.endswith(".deb")}
            for n in names:
                rec = self.recs[n]
                prefix = f"{n}_"
                match = [f for f in got if f.startswith(prefix)]
                if len(match) != 1:
                    raise Fail(f"apt-get download did not leave one {n} .deb (found {sorted(got)})")
                src = os.path.join(tmp, match[0])
                size, digest = os.path.getsize(src), sha256_file(src)
                if str(size) != rec["Size"] or digest != rec["SHA256"]:
                    raise Fail(f"{match[0]}: size {size} sha256 {digest} do not match apt's index "
                               f"(size {rec['Size']} sha256 {rec['SHA256']})")
                os.replace(src, self.deb_path(n))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def _extract(self, n):
        rec = self.recs[n]
        dest = os.path.join(self.trees, f"{n}_{rec['SHA256'][:16]}")
        if os.path.isdir(dest):
            return dest
        tmp = dest + ".tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        r = subprocess.run(["dpkg-deb", "-x", self.deb_path(n), tmp], capture_output=True, text=True)
        if r.returncode != 0:
            shutil.rmtree(tmp, ignore_errors=True)
            os.unlink(self.deb_path(n))
            raise Fail(f"dpkg-deb could not extract {self.deb_path(n)} ({r.stderr.strip()}); removed it, run again")
        os.rename(tmp, dest)
        return dest


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --- ELF -------------------------------------------------------------------------------

def elf_info(path):
    """(e_machine, PT_INTERP or None, [DT_NEEDED]) of a 64-bit little-endian ELF, or None."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF":
        return None
    if data[4] != 2 or data[5] != 1:  # ELFCLASS64, ELFDATA2LSB
        return (struct.unpack_from("<H", data, 18)[0] if data[5] == 1 else -1, None, [])
    e_machine, = struct.unpack_from("<H", data, 18)
    e_phoff, = struct.unpack_from("<Q", data, 32)
    e_phentsize, e_phnum = struct.unpack_from("<HH", data, 54)
    loads, interp, dynamic = [], None, None
    for i in range(e_phnum):
        p_type, _flags, p_offset, p_vaddr, _paddr, p_filesz = struct.unpack_from("<IIQQQQ", data, e_phoff + i * e_phentsize)
        if p_type == 1:    # PT_LOAD
            loads.append((p_vaddr, p_offset, p_filesz))
        elif p_type == 3:  # PT_INTERP
            interp = data[p_offset:p_offset + p_filesz].rstrip(b"\0").decode()
        elif p_type == 2:  # PT_DYNAMIC
            dynamic = (p_offset, p_filesz)
    needed, strtab = [], None
    if dynamic:
        off, size = dynamic
        entries = [struct.unpack_from("<qQ", data, off + j) for j in range(0, size, 16)]
        for tag, val in entries:
            if tag == 5:  # DT_STRTAB, a virtual address
                for vaddr, foff, fsz in loads:
                    if vaddr <= val < vaddr + fsz:
                        strtab = val - vaddr + foff
        for tag, val in entries:
            if tag == 0:
                break
            if tag == 1 and strtab is not None:  # DT_NEEDED
                end = data.index(b"\0", strtab + val)
                needed.append(data[strtab + val:end].decode())
    return e_machine, interp, needed


def resolve_in(root, rel):
    """Follows symlinks for REL inside the tree ROOT (absolute links stay in the tree)."""
    parts, seen = rel.strip("/").split("/"), 0
    cur = ""
    while parts:
        p = parts.pop(0)
        if p in ("", "."):
            continue
        if p == "..":
            cur = os.path.dirname(cur)
            continue
        nxt = os.path.join(cur, p) if cur else p
        full = os.path.join(root, nxt)
        if os.path.islink(full):
            seen += 1
            if seen > 40:
                return None
            target = os.readlink(full)
            if target.startswith("/"):
                cur = ""
            parts = [x for x in target.split("/") if x] + parts
            continue
        if not os.path.lexists(full):
            return None
        cur = nxt
    return os.path.join(root, cur)


def collect_runtime(pkgs, binaries):
    """Fetches packages until every ELF in BINARIES (pkg, path) has its sonames; returns
    {image path: host file} for the binaries, their libraries and the loader."""
    files = {}
    frontier = [b[0] for b in binaries]
    pkgs.fetch(frontier)
    queue = [(pkg, path) for pkg, path in binaries]
    found = {}        # soname or interp path -> image path
    unresolved = {}   # soname -> ELF that needs it
    expanded = set()
    while True:
        while queue:
            pkg, rel = queue.pop()
            host = resolve_in(pkgs.roots[pkg], rel)
            if host is None or not os.path.isfile(host):
                raise Fail(f"{pkg} does not ship /{rel}")
            files["/" + rel.lstrip("/")] = host
            info = elf_info(host)
            if info is None:
                continue
            machine, interp, needed = info
            if machine != EM_AARCH64:
                raise Fail(f"/{rel} from {pkg} is not an AArch64 ELF (e_machine {machine})")
            wants = needed + ([interp] if interp else [])
            for so in wants:
                if so not in found:
                    unresolved.setdefault(so, f"/{rel}")
        for so in list(unresolved):
            hit = find_lib(pkgs, so)
            if hit:
                owner, rel = hit
                found[so] = rel
                log(f"  {so} ({unresolved[so]} needs it): /{rel} from {owner}")
                del unresolved[so]
                queue.append((owner, rel))
        if queue:
            continue
        if not unresolved:
            break
        level = [n for n in pkgs.recs if n not in expanded]
        expanded.update(level)
        nxt = [n for n in depends_of([pkgs.recs[n] for n in level]) if n not in pkgs.recs]
        if not nxt:
            raise Fail("no package in the dependency closure ships " +
                       ", ".join(f"{so} (needed by {who})" for so, who in unresolved.items()))
        log(f"resolving {', '.join(sorted(unresolved))}: fetching the next level of dependencies")
        pkgs.fetch(nxt)
    return files


def find_lib(pkgs, so):
    """(package, path in the package) of the soname or absolute loader path SO, or None."""
    for n, root in pkgs.roots.items():
        cands = [so.lstrip("/")] if so.startswith("/") else [f"{d}/{so}" for d in LIB_DIRS]
        for rel in cands:
            host = resolve_in(root, rel)
            if host and os.path.isfile(host):
                return n, rel
    return None


# --- the OCI bundles -------------------------------------------------------------------

def base_spec():
    """`crun spec`'s output for crun 1.8 on cgroup v2, as root (the template is in
    libcrun/container.c), before the demo's edits."""
    caps = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
    return {
        "ociVersion": "1.0.0",
        "process": {
            "terminal": True,
            "user": {"uid": 0, "gid": 0},
            "args": ["sh"],
            "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
            "cwd": "/",
            "capabilities": {"bounding": list(caps), "effective": list(caps), "inheritable": [],
                             "permitted": list(caps), "ambient": list(caps)},
            "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
            "noNewPrivileges": True,
        },
        "root": {"path": "rootfs", "readonly": True},
        "hostname": "crun",
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc"},
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
             "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
            {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
             "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
            {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
             "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
            {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]},
            {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]},
            {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
             "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]},
        ],
        "linux": {
            "resources": {"devices": [{"allow": False, "access": "rwm"}]},
            "namespaces": [{"type": t} for t in ("pid", "network", "ipc", "uts", "cgroup", "mount")],
            "maskedPaths": ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                            "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
            "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
        },
    }


def demo_spec(name, hostname, args, root_path="rootfs", memory_limit=None):
    """The edits: no terminal (the console is the guest's serial line), our hostname and
    process, the namespaces the demo shows (pid, mount, uts, ipc, network; no cgroup
    namespace, so /proc/self/cgroup shows the container's real cgroup path), a cgroup
    path under /bramble, and optionally a memory limit."""
    s = base_spec()
    s["process"]["terminal"] = False
    s["process"]["args"] = args
    s["hostname"] = hostname
    s["root"]["path"] = root_path
    s["linux"]["namespaces"] = [{"type": t} for t in ("pid", "mount", "uts", "ipc", "network")]
    s["linux"]["cgroupsPath"] = f"/bramble/{name}"
    if memory_limit:
        s["linux"]["resources"]["memory"] = {"limit": memory_limit}
    return s


# What the containers run. Each line a container prints starts with its name in brackets,
# so the host side can tell the container's own output from the guest's.
PROBE_SH = r"""#!/bin/sh
# The demo container: evidence of each namespace and of the cgroup, from the inside.
echo "[demo] hostname: $(hostname)"
echo "[demo] pid of this shell: $$"
echo "[demo] /proc/1/stat: $(cut -d' ' -f1-4 /proc/1/stat)"
ps -o pid,ppid,comm | sed 's/^/[demo] ps: /'
echo "[demo] cgroup: $(cat /proc/self/cgroup)"
for ns in pid mnt uts ipc net cgroup; do echo "[demo] ns $ns: $(readlink /proc/self/ns/$ns)"; done
echo "[demo] network interfaces: $(ls /sys/class/net | tr '\n' ' ')"
echo "[demo] root mount (mountinfo): $(awk '$5 == "/" { print $4, $5, $9, $10 }' /proc/self/mountinfo)"
sed 's/^/[demo] mount: /' /proc/self/mounts
echo "[demo] done"
"""

LIFE_SH = r"""#!/bin/sh
# The lifecycle container: started by `crun start`, stopped by `crun kill ... TERM`.
trap 'echo "[life] SIGTERM received: exiting"; exit 0' TERM
echo "[life] started: pid $$, hostname $(hostname)"
while :; do sleep 1 & wait $!; done
"""

MEM_SH = r"""#!/bin/sh
# The memory-limited container: 4 MiB fits under memory.max, 64 MiB does not. With no
# cgroup namespace, /sys/fs/cgroup is the whole (read-only) hierarchy: find our own cgroup.
cg=/sys/fs/cgroup$(sed -n 's/^0:://p' /proc/self/cgroup)
echo "[memtest] cgroup: $cg"
echo "[memtest] memory.max: $(cat $cg/memory.max)"
dd if=/dev/zero of=/dev/null bs=4M count=1 2>/dev/null
echo "[memtest] a 4 MiB buffer: dd exit $?"
dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null
rc=$?
echo "[memtest] a 64 MiB buffer: dd exit $rc"
sed 's/^/[memtest] memory.events: /' $cg/memory.events
exit $rc
"""

USER_CMD = ('echo "[user] hostname $(hostname), pid $$"; cat /etc/os-release 2>/dev/null | head -2 | sed "s/^/[user] /"; '
            'uname -a | sed "s/^/[user] /"')


def add_demo_bundles(root, busybox):
    """/containers/demo (bundle with the busybox rootfs), life and memtest (bundles that
    share it read-only)."""
    rootfs = os.path.join(root, "containers/demo/rootfs")
    for d in ("bin", "proc", "sys", "dev", "tmp", "etc", "bramble"):
        os.makedirs(os.path.join(rootfs, d), exist_ok=True)
    shutil.copy2(busybox, os.path.join(rootfs, "bin/busybox"))
    os.symlink("busybox", os.path.join(rootfs, "bin/sh"))  # the others are linked in the guest
    for name, text in (("probe.sh", PROBE_SH), ("life.sh", LIFE_SH), ("memtest.sh", MEM_SH)):
        write(os.path.join(rootfs, "bramble", name), text, 0o755)
    write(os.path.join(rootfs, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n")
    write(os.path.join(rootfs, "etc/group"), "root:x:0:\ntty:x:5:\n")
    shared = "/containers/demo/rootfs"
    specs = {
        "demo": demo_spec("demo", "bramble-container", ["/bin/sh", "/bramble/probe.sh"]),
        "life": demo_spec("life", "bramble-life", ["/bin/sh", "/bramble/life.sh"], shared),
        "memtest": demo_spec("memtest", "bramble-memtest", ["/bin/sh", "/bramble/memtest.sh"], shared,
                             memory_limit=16 << 20),
    }
    for name, spec in specs.items():
        write(os.path.join(root, "containers", name, "config.json"), json.dumps(spec, indent=2) + "\n")


def tree_size(path):
    total = 0
    for dirpath, dirnames, filenames in os.walk(path):
        for f in filenames:
            st = os.lstat(os.path.join(dirpath, f))
            if stat.S_ISREG(st.st_mode):
                total += st.st_size
    return total


def check_arm64(rootfs):
    """Fails if the first ELF executables found under ROOTFS are not AArch64."""
    checked = 0
    for sub in ("bin", "usr/bin", "sbin", "usr/sbin", ""):
        d = os.path.join(rootfs, sub)
        if not os.path.isdir(d) or os.path.islink(d):
            continue
        for f in sorted(os.listdir(d)):
            p = os.path.join(d, f)
            if os.path.islink(p) or not os.path.isfile(p):
                continue
            try:
                info = elf_info(p)
            except (OSError, struct.error, IndexError):
                continue
            if info is None:
                continue
            if info[0] != EM_AARCH64:
                raise Fail(f"{p} is not an arm64 (AArch64) binary (ELF e_machine {info[0]}); "
                           "the guest is a Raspberry Pi 4: use arm64 container images", 2)
            checked += 1
            if checked >= 8:
                return


def add_mount_points(rootfs, spec):
    """Creates /dev and the directories the config mounts on (/proc, /sys ...) where the
    packed copy of a root filesystem lacks them: crun cannot make them in a read-only
    root, and a rootfs copied from a host often comes without them."""
    made = []
    dests = ["/dev"] + [m.get("destination") for m in spec.get("mounts") or [] if isinstance(m, dict)]
    for d in dests:  # crun fills /dev with device nodes even when nothing is mounted there
        if not isinstance(d, str) or not d.startswith("/"):
            continue
        path = os.path.join(rootfs, d.strip("/"))
        if os.path.lexists(path):
            continue
        parent = os.path.dirname(path)
        if os.path.isdir(parent) and not os.path.islink(parent):
            os.mkdir(path)
            made.append(d)
    if made:
        log(f"added mount points missing from the root filesystem: {' '.join(made)}")


def add_user_bundle(root, src, cmd, budget, mem_arg):
    """Copies the user's bundle (or root filesystem) to /containers/user; returns a
    description. Raises Fail(.., 2) for anything the guest could not run, or a bundle
    bigger than BUDGET bytes."""
    if not os.path.isdir(src):
        raise Fail(f"--bundle {src}: no such directory", 2)
    size = tree_size(src)
    if size > budget:
        raise Fail(f"--bundle {src} holds {mib(size)}; with --mem {mem_arg} the image may take {mib(budget)} more "
                   f"(a quarter of the guest's RAM, less the demo's own files: /init holds the image twice while "
                   f"it copies it into a tmpfs). Use a bigger --mem or a smaller bundle", 2)
    dest = os.path.join(root, "containers/user")
    cfg_path = os.path.join(src, "config.json")
    if os.path.exists(cfg_path):
        try:
            with open(cfg_path) as f:
                spec = json.load(f)
        except (OSError, ValueError) as e:
            raise Fail(f"{cfg_path}: not valid JSON ({e})", 2) from None
        if not isinstance(spec, dict):
            raise Fail(f"{cfg_path}: the top level is not a JSON object", 2)
        if not isinstance(spec.get("ociVersion"), str):
            raise Fail(f"{cfg_path}: no \"ociVersion\" string: not an OCI runtime config", 2)
        args = (spec.get("process") or {}).get("args")
        if not isinstance(args, list) or not args or not all(isinstance(a, str) for a in args):
            raise Fail(f"{cfg_path}: \"process.args\" must be a non-empty list of strings", 2)
        rpath = (spec.get("root") or {}).get("path")
        if not isinstance(rpath, str) or not rpath:
            raise Fail(f"{cfg_path}: no \"root.path\"", 2)
        if os.path.isabs(rpath):
            raise Fail(f"{cfg_path}: \"root.path\" is absolute ({rpath}); it must be relative to the bundle so it "
                       "can be packed into the guest", 2)
        rootfs = os.path.normpath(os.path.join(src, rpath))
        if not os.path.isdir(rootfs):
            raise Fail(f"{cfg_path}: \"root.path\" {rpath!r} is not a directory in {src}", 2)
        check_arm64(rootfs)
        shutil.copytree(src, dest, symlinks=True)
        add_mount_points(os.path.join(dest, os.path.relpath(rootfs, src)), spec)
        return f"OCI bundle {src} (process {' '.join(args)})"
    check_arm64(src)
    sh = resolve_in(src, "bin/sh")
    if sh is None:
        raise Fail(f"--bundle {src}: no config.json and no /bin/sh in it: give an OCI bundle "
                   "(config.json + rootfs) or a root filesystem with a shell", 2)
    os.makedirs(dest)
    shutil.copytree(src, os.path.join(dest, "rootfs"), symlinks=True)
    spec = demo_spec("user", "bramble-user", ["/bin/sh", "-c", cmd or USER_CMD])
    add_mount_points(os.path.join(dest, "rootfs"), spec)
    write(os.path.join(dest, "config.json"), json.dumps(spec, indent=2) + "\n")
    return f"root filesystem {src} (runs: {cmd or 'a short report'})"


def write(path, text, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


# --- the image -------------------------------------------------------------------------

def build(args):
    cache = os.environ.get("BRAMBLE_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "bramble")
    os.makedirs(cache, exist_ok=True)
    mem = parse_size(args.mem)
    if args.bundle is not None and not os.path.isdir(args.bundle):
        raise Fail(f"--bundle {args.bundle}: no such directory", 2)
    if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
        raise Fail("apt-get and dpkg-deb are needed: run this on a Debian or Ubuntu machine")

    records = os.path.join(cache, "debs", "apt-records.json")
    os.makedirs(os.path.dirname(records), exist_ok=True)
    load_records(records)
    pkgs = Packages(cache)
    pkgs.fetch(["busybox-static", "crun"])
    busybox = resolve_in(pkgs.roots["busybox-static"], "bin/busybox")
    info = busybox and elf_info(busybox)
    if not info or info[0] != EM_AARCH64 or info[1] is not None:
        raise Fail("busybox-static's /bin/busybox is not a static AArch64 executable")
    log(f"crun {pkgs.recs['crun']['Version']}, busybox-static {pkgs.recs['busybox-static']['Version']}; "
        "resolving crun's shared libraries from its ELF dynamic section")
    runtime = collect_runtime(pkgs, [("crun", "usr/bin/crun")])
    # glibc dlopen()s libgcc_s for unwinding (pthread_cancel, backtrace): not a DT_NEEDED
    # entry, but libc6 depends on the package that has it.
    if "libgcc-s1" in depends_of([pkgs.recs["libc6"]]):
        pkgs.fetch(["libgcc-s1"])
        hit = find_lib(pkgs, "libgcc_s.so.1")
        if hit:
            runtime["/" + hit[1]] = resolve_in(pkgs.roots[hit[0]], hit[1])

    save_records(records)

    # The cache key: this script, mkcpio, every package's digest and the options.
    key = hashlib.sha256()
    for p in (__file__, os.path.join(HERE, "mkcpio.py"), os.path.join(HERE, "container-init.sh")):
        with open(p, "rb") as f:
            key.update(f.read())
    key.update(repr((LAYOUT, sorted((n, r["SHA256"]) for n, r in pkgs.recs.items()))).encode())
    os.makedirs(os.path.join(cache, "container"), exist_ok=True)
    if args.bundle is None:
        out = os.path.join(cache, "container", f"initramfs-crun-{key.hexdigest()[:16]}.cpio")
        if os.path.isfile(out):
            log(f"image up to date: {out}")
            return out
    else:
        out = os.path.join(cache, "container", "initramfs-crun-user.cpio")

    with tempfile.TemporaryDirectory(prefix="image-", dir=os.path.join(cache, "container")) as work:
        root = os.path.join(work, "root")
        for d in ("bin", "sbin", "usr/bin", "usr/sbin", "proc", "sys", "dev", "tmp", "run", "root", "etc", "newroot",
                  "containers"):
            os.makedirs(os.path.join(root, d), exist_ok=True)
        shutil.copy2(busybox, os.path.join(root, "bin/busybox"))
        first = {}  # host file -> the image path that has its contents
        for path, host in sorted(runtime.items(), key=lambda kv: (len(kv[0]), kv[0])):
            dest = os.path.join(root, path.lstrip("/"))
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            if host in first:  # the loader, under its PT_INTERP path and its soname
                os.symlink(os.path.relpath(first[host], os.path.dirname(path)), dest)
            else:
                shutil.copy2(host, dest)
                first[host] = path
        with open(os.path.join(HERE, "container-init.sh")) as f:
            write(os.path.join(root, "init"), f.read(), 0o755)
        write(os.path.join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n")
        write(os.path.join(root, "etc/group"), "root:x:0:\ntty:x:5:\n")
        add_demo_bundles(root, busybox)
        limit = mem // 4
        if args.bundle is not None:
            what = add_user_bundle(root, args.bundle, args.cmd, limit - tree_size(root), args.mem)
            log(f"packing {what} as /containers/user")
        size = tree_size(root)
        if size > limit:
            raise Fail(f"the guest image would be {mib(size)}, over the limit of a quarter of the guest's RAM "
                       f"({mib(limit)} with --mem {args.mem}): /init holds it twice while it copies it into a tmpfs. "
                       f"Use a bigger --mem or a smaller bundle", 2)
        r = subprocess.run([sys.executable, os.path.join(HERE, "mkcpio.py"), root, out + ".tmp"])
        if r.returncode != 0:
            raise Fail("mkcpio.py failed")
        os.replace(out + ".tmp", out)
    for old in os.listdir(os.path.join(cache, "container")):  # images of older inputs
        if old.startswith("initramfs-crun-") and old.endswith(".cpio") and old != os.path.basename(out) \
                and old != "initramfs-crun-user.cpio":
            os.unlink(os.path.join(cache, "container", old))
    log(f"image built: {out} ({mib(os.path.getsize(out))})")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bundle", help="an OCI bundle (config.json + rootfs) or an arm64 root filesystem to pack")
    ap.add_argument("--cmd", help="the shell command to run in a plain root filesystem (--bundle without config.json)")
    ap.add_argument("--mem", default="1G", help="guest RAM the image must fit in (default 1G)")
    args = ap.parse_args()
    try:
        print(build(args))
    except Fail as e:
        print(f"build-container-image: {e}", file=sys.stderr)
        return e.code
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
