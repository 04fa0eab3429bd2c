#!/usr/bin/env python3
"""Differential test of bramble's interpreter against Unicorn's AArch64 CPU.

Generates random valid instruction sequences per encoding group (generators.py for the
integer ISA, fp_generators.py for floating point, Advanced SIMD and crypto), runs each
case on Unicorn (CPU model "max": LSE, CRC32, LDAPR, AES/SHA...) and, streamed through one
subprocess, on bramble's difftest_runner, then compares X0..X30, SP, NZCV, the PC, FPCR,
FPSR, V0..V31 and every byte of the data region. The case and result line formats are in
README.md.

    difftest.py [--cases N] [--seed S] [--groups int|fp|all|a,b] [--runner PATH]
    difftest.py --self-test          (checks this script against fake_runner.py)

Prints the first mismatches (disassembly and differing fields), a per-group table, and
ends with the line `N passed, M failed`. Exit status 0 iff nothing failed and every
requested case that was not skipped passed.
"""

import argparse
import collections
import ctypes
import fcntl
import os
import queue
import random
import shlex
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import capstone  # noqa: E402
from unicorn import Uc, UcError, UC_ARCH_ARM64, UC_MODE_ARM  # noqa: E402
from unicorn import UC_PROT_READ, UC_PROT_WRITE, UC_PROT_EXEC, UC_PROT_ALL  # noqa: E402
from unicorn import arm64_const as A  # noqa: E402

import a64enc as E  # noqa: E402
from paths import default_path  # noqa: E402
import generators as G  # noqa: E402
import fp_generators as F  # noqa: E402
import fp_values as FV  # noqa: E402

M64 = (1 << 64) - 1
CODE_BASE = G.CODE_BASE
DATA_LO, DATA_SIZE = G.DATA_LO, G.DATA_SIZE
CLREX_STUB = 0xF000          # Unicorn only: CLREX run before cases with exclusives
DEFAULT_RUNNER = "target/release/examples/difftest_runner"
CHUNK = 1000                 # cases per batch written to the runner
F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)
# The result line after `id status`: 70 register fields, then the memory difference.
FIELD_NAMES = ([f"x{i}" for i in range(31)] + ["sp", "nzcv", "pc", "fpcr", "fpsr"]
               + [f"v{i}" for i in range(32)] + ["mem"])
NFIELDS = 2 + len(FIELD_NAMES)
FIELD_MASK = {"fpcr": FV.FPCR_MASK, "fpsr": FV.FPSR_MASK}  # compared on these bits only

# Group registry: the integer groups, then the SIMD&FP ones. `--groups int` / `fp` / `all`
# select a whole set; the default is `int` (bramble's FP/SIMD is enabled group by group).
GROUPS = dict(G.GROUPS)
GROUPS.update(F.GROUPS)
INT_GROUPS = list(G.GROUPS)
FP_GROUPS = list(F.GROUPS)
GROUP_SETS = {"int": INT_GROUPS, "fp": FP_GROUPS, "all": INT_GROUPS + FP_GROUPS}

try:  # the binding's batch register calls allocate per call; call the C library directly
    from unicorn.unicorn_py3 import unicorn as _ucimpl
    _UCLIB = _ucimpl.uclib
except Exception:  # pragma: no cover - other binding layouts fall back to the public API
    _UCLIB = None


# =========================================================================================
# Data region contents


def splitmix64_image(seed):
    """The 4 KiB data region for `seed`: successive splitmix64 outputs, little-endian."""
    out = []
    state = seed & M64
    for _ in range(DATA_SIZE // 8):
        state = (state + 0x9E3779B97F4A7C15) & M64
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        out.append(z ^ (z >> 31))
    return b"".join(v.to_bytes(8, "little") for v in out)


def memdiff(init, final):
    """`-`, or `off=bb,...` for every byte of `final` that differs from `init`."""
    if final == init:
        return "-"
    x = int.from_bytes(init, "little") ^ int.from_bytes(final, "little")
    parts = []
    while x:
        i = ((x & -x).bit_length() - 1) >> 3
        parts.append(f"{i:x}={final[i]:02x}")
        x &= ~(0xFF << (8 * i))
    return ",".join(parts)


def parse_memdiff(s):
    if s == "-":
        return {}
    out = {}
    for part in s.split(","):
        off, val = part.split("=")
        out[int(off, 16)] = int(val, 16)
    return out


# =========================================================================================
# The oracle: one reused Unicorn instance


def _words_bytes(words):
    return b"".join(w.to_bytes(4, "little") for w in words)


class Oracle:
    """Runs cases on Unicorn. One instance is reused: per case only the code words, the
    data region and the registers are rewritten, and the translation cache of the code
    words is dropped.

    Straight-line cases (no word in the branch/system class) run with `until` = the
    address after the last word, which also ends Unicorn's translation block there; cases
    with branches run with `until` outside memory, so only the instruction count stops
    them (and Unicorn translates a long NOP-sea block: ~0.3 ms, fine for the few % of
    cases with branches).

    With strict=True (default) only the code region (R-X) and the data region (RW-) are
    mapped, so an access a generator wrongly sends outside the data region faults and the
    case is reported as skipped instead of silently passing; the runner maps all of
    0x0..0x10000, which is equivalent for every valid case."""

    def __init__(self, strict=True):
        uc = self.uc = Uc(UC_ARCH_ARM64, UC_MODE_ARM)
        uc.ctl_set_cpu_model(A.UC_CPU_ARM64_MAX)
        nops = E.NOP.to_bytes(4, "little")
        if strict:
            uc.mem_map(0, 0x4000, UC_PROT_READ | UC_PROT_EXEC)
            uc.mem_map(DATA_LO, DATA_SIZE, UC_PROT_READ | UC_PROT_WRITE)
            uc.mem_map(CLREX_STUB, 0x400, UC_PROT_READ | UC_PROT_EXEC)
        else:
            uc.mem_map(0, 0x10000, UC_PROT_ALL)
        uc.mem_write(0, nops * (0x4000 // 4))
        uc.mem_write(CLREX_STUB, E.CLREX.to_bytes(4, "little"))
        self.nop_pad = nops * G.MAX_WORDS
        self.pstate0 = uc.reg_read(A.UC_ARM64_REG_PSTATE)
        # FP and Advanced SIMD enabled at EL1 (Unicorn 2.1.4 executes them with FPEN = 0
        # too, but the state should say what the runner sets up)
        uc.reg_write(A.UC_ARM64_REG_CPACR_EL1, 3 << 20)
        # Scalar registers: x0..x30, sp, nzcv, fpcr, fpsr (written and read), pc (read);
        # then q0..q31 (16 bytes each, in one buffer).
        ids = [getattr(A, f"UC_ARM64_REG_X{i}") for i in range(31)]
        ids += [A.UC_ARM64_REG_SP, A.UC_ARM64_REG_NZCV, A.UC_ARM64_REG_FPCR,
                A.UC_ARM64_REG_FPSR, A.UC_ARM64_REG_PC]
        self.qids = [getattr(A, f"UC_ARM64_REG_Q{i}") for i in range(32)]
        self.ids = ids
        if _UCLIB is not None:
            n = len(ids)
            self._vals = (ctypes.c_uint64 * n)()
            self._qbuf = ctypes.create_string_buffer(512)
            base, qbase = ctypes.addressof(self._vals), ctypes.addressof(self._qbuf)
            ptrs = [base + 8 * i for i in range(n)]
            qptrs = [qbase + 16 * i for i in range(32)]
            # write: the scalars but pc, then q0..q31; read: all scalars, then q0..q31
            self._wids = (ctypes.c_int * (n - 1 + 32))(*(ids[:-1] + self.qids))
            self._wptrs = (ctypes.c_void_p * (n - 1 + 32))(*(ptrs[:-1] + qptrs))
            self._rids = (ctypes.c_int * (n + 32))(*(ids + self.qids))
            self._rptrs = (ctypes.c_void_p * (n + 32))(*(ptrs + qptrs))
            self._uch = uc._uch

    def _write_regs(self, vals, vbytes):  # x0..x30, sp, nzcv-register value, fpcr, fpsr
        if _UCLIB is not None:
            self._vals[0:35] = vals
            ctypes.memmove(self._qbuf, vbytes, 512)
            if _UCLIB.uc_reg_write_batch(self._uch, self._wids, self._wptrs, 67) != 0:
                raise RuntimeError("uc_reg_write_batch failed")
        else:
            self.uc.reg_write_batch(list(zip(self.ids[:35], vals)))
            for i, r in enumerate(self.qids):
                self.uc.reg_write(r, int.from_bytes(vbytes[16 * i:16 * i + 16], "little"))

    def _read_regs(self):
        """(x0..x30, sp, nzcv-register value, fpcr, fpsr, pc), v0..v31 as 512 bytes"""
        if _UCLIB is not None:
            ctypes.memset(self._vals, 0, 36 * 8)
            if _UCLIB.uc_reg_read_batch(self._uch, self._rids, self._rptrs, 68) != 0:
                raise RuntimeError("uc_reg_read_batch failed")
            return self._vals[:], self._qbuf.raw
        return (list(self.uc.reg_read_batch(self.ids)),
                b"".join(self.uc.reg_read(r).to_bytes(16, "little") for r in self.qids))

    def run(self, words, regs, nzcv, image, fpcr=0, fpsr=0, vbytes=bytes(512)):
        """Runs a case; `vbytes` holds V0..V31, 16 bytes little-endian each. Returns (out,
        final) with out = 32 regs (x0..x30, sp) + [nzcv, pc, fpcr, fpsr] (fpcr and fpsr
        masked to the bits bramble models) and final = the data region, or (None, error)
        if Unicorn raised. The final V registers are left in self.vout: None if no V
        register changed (the common case: the caller reuses its formatting of the
        initial values), else the list of 32 values."""
        uc = self.uc
        n = len(words)
        self.vout = None
        uc.mem_write(CODE_BASE, (_words_bytes(words) + self.nop_pad)[:4 * G.MAX_WORDS])
        uc.ctl_remove_cache(CODE_BASE, CODE_BASE + 4 * (G.MAX_WORDS + 1))
        uc.mem_write(DATA_LO, image)
        self._write_regs(regs + [nzcv << 28, fpcr, fpsr], vbytes)
        branchy = False
        excl = False
        for w in words:
            op0 = (w >> 26) & 7
            if op0 == 5:
                branchy = True
            elif (w >> 24) & 0x3F == 0b001000:
                excl = True
        try:
            if excl:  # the exclusive monitor must start open, as in a fresh runner
                uc.emu_start(CLREX_STUB, CLREX_STUB + 4, count=1)
            uc.emu_start(CODE_BASE, 0x10000 if branchy else CODE_BASE + 4 * n, count=n)
        except UcError as e:
            uc.reg_write(A.UC_ARM64_REG_PSTATE, self.pstate0)
            return None, f"unicorn: {e} at pc {uc.reg_read(A.UC_ARM64_REG_PC):#x}"
        v, raw = self._read_regs()
        out = v[:32] + [(v[32] >> 28) & 0xF, v[35], v[33] & FV.FPCR_MASK, v[34] & FV.FPSR_MASK]
        if raw != vbytes:
            self.vout = [int.from_bytes(raw[i:i + 16], "little") for i in range(0, 512, 16)]
        final = bytes(uc.mem_read(DATA_LO, DATA_SIZE))
        return out, final


# -----------------------------------------------------------------------------------------
# Known Unicorn 2.1.4 bugs, corrected on the oracle side


def is_subword_smaxmin(w):
    """LDSMAX*/LDSMIN* (any A/R, incl. the STSMAX/STSMIN aliases) on B, H or W."""
    return (w >> 24) & 0x3F == 0b111000 and (w >> 21) & 1 and (w >> 10) & 3 == 0 \
        and not (w >> 15) & 1 and (w >> 12) & 7 in (4, 5) and w >> 30 != 3


def fix_subword_smaxmin(w, regs, image, final):
    """Unicorn 2.1.4 (QEMU 5's non-parallel fallback) zero-extends the operands of
    LDSMAX/LDSMIN narrower than 64 bits and so compares them unsigned; QEMU fixed this
    upstream. Only the value stored to memory is affected (Rt gets the old value either
    way). The generators only emit these as single-instruction cases, so the architectural
    memory result is recomputed here: Mem = SignedMax/Min(old, Rs)."""
    size = w >> 30
    n = 1 << size
    bits = 8 * n
    rs, rn = (w >> 16) & 31, (w >> 5) & 31
    ea = regs[rn]  # rn == 31 is SP, which is regs[31]
    off = ea - DATA_LO
    old = int.from_bytes(image[off:off + n], "little")
    s = (regs[rs] if rs != 31 else 0) & ((1 << bits) - 1)

    def sx(v):
        return v - (1 << bits) if v >> (bits - 1) else v

    pick = max if (w >> 12) & 7 == 4 else min
    new = pick(sx(old), sx(s)) & ((1 << bits) - 1)
    b = bytearray(final)
    b[off:off + n] = new.to_bytes(n, "little")
    return bytes(b)


# =========================================================================================
# Cases


class Case:
    __slots__ = ("id", "group", "words", "regs", "nzcv", "fpcr", "fpsr", "vregs", "vtext",
                 "vbytes", "memseed", "line", "expected", "skip")

    def __init__(self, cid, group, words, regs, nzcv, fpcr, fpsr, vregs, memseed):
        self.id, self.group, self.words, self.regs = cid, group, words, regs
        self.nzcv, self.fpcr, self.fpsr, self.vregs = nzcv, fpcr, fpsr, vregs
        self.memseed = memseed
        self.vtext = " ".join([f"{v:x}" for v in vregs])
        self.vbytes = b"".join([v.to_bytes(16, "little") for v in vregs])
        self.line = (f"{cid:x} {len(words):x} " + " ".join([f"{w:x}" for w in words]) + " "
                     + " ".join([f"{v:x}" for v in regs]) + f" {nzcv:x} {fpcr:x} {fpsr:x} "
                     + self.vtext + f" {memseed:x}\n")
        self.expected = None  # expected runner line (without newline)
        self.skip = None      # reason the case is not compared


class Checker:
    """Capstone sanity check of every generated word: it must decode, and to the mnemonic
    (or one of the aliases) the generator meant."""

    def __init__(self):
        self.cs = capstone.Cs(capstone.CS_ARCH_ARM64, capstone.CS_MODE_ARM)

    def check(self, group, words, mnems):
        cs = self.cs
        for w, want in zip(words, mnems):
            got = next(cs.disasm_lite(w.to_bytes(4, "little"), 0), None)
            if got is None or got[2] not in want:
                what = "cannot be decoded by capstone" if got is None else \
                    f"decodes as `{got[2]} {got[3]}`, expected one of {sorted(want)}"
                raise G.GeneratorBug(f"group {group} generated {w:08x}, which {what}; "
                                     f"case words: {' '.join(f'{x:08x}' for x in words)}")

    def disasm(self, w, addr):
        got = next(self.cs.disasm_lite(w.to_bytes(4, "little"), addr), None)
        return f"{got[2]} {got[3]}".strip() if got else "(capstone: invalid)"


class Generator:
    def __init__(self, seed, groups, pool):
        self.rng = random.Random(seed)
        prng = random.Random(f"memseed-pool-{seed}")
        self.seeds = [prng.getrandbits(64) for _ in range(pool)]
        self.images = {}
        self.groups = groups
        self.fns = [GROUPS[g] for g in groups]
        self.vgen = FV.VGen(self.rng)
        self.checker = Checker()

    def image(self, seed):
        im = self.images.get(seed)
        if im is None:
            im = self.images[seed] = splitmix64_image(seed)
        return im

    def case(self, i):
        k = i % len(self.groups)
        group = self.groups[k]
        seed = self.seeds[self.rng.randrange(len(self.seeds))]
        image = self.image(seed)
        words, mnems, regs, nzcv, fpcr, fpsr, vregs = G.gen_case(
            self.rng, group, self.fns[k], image, self.vgen)
        self.checker.check(group, words, mnems)
        return Case(i, group, words, regs, nzcv, fpcr, fpsr, vregs, seed)


def expected_line(case, out, vout, final, image):
    vtext = case.vtext if vout is None else " ".join([f"{v:x}" for v in vout])
    return (f"{case.id:x} ok " + " ".join([f"{v:x}" for v in out])
            + " " + vtext + " " + memdiff(image, final))


# =========================================================================================
# Running the runner


class RunnerError(Exception):
    pass


class Runner:
    """The runner subprocess: case lines are written by a thread (so neither side can
    block the other on a full pipe), results are read back in order."""

    def __init__(self, cmd):
        try:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         bufsize=1 << 16)
        except OSError as e:
            raise RunnerError(f"cannot start runner {' '.join(cmd)}: {e}") from None
        # Bigger pipes (Linux): with the default 64 KiB the writer thread, which gets the
        # GIL only every few ms, feeds the runner ~45 cases per switch and starves it.
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                fcntl.fcntl(f.fileno(), F_SETPIPE_SZ, 1 << 20)
            except (OSError, AttributeError):
                pass
        self.q = queue.Queue(maxsize=2)
        self.write_error = None
        self.t = threading.Thread(target=self._writer, daemon=True)
        self.t.start()

    def _writer(self):
        stdin = self.proc.stdin
        try:
            while True:
                data = self.q.get()
                if data is None:
                    break
                stdin.write(data)
            stdin.close()
        except (BrokenPipeError, OSError, ValueError) as e:
            self.write_error = e
            while self.q.get() is not None:  # drain so the producer never blocks
                pass

    def send(self, data):
        self.q.put(data)

    def finish_input(self):
        self.q.put(None)

    def readline(self):
        line = self.proc.stdout.readline()
        if not line:
            return None
        return line.decode("ascii", "replace").rstrip("\r\n")

    def close(self):
        try:
            self.proc.stdout.close()
        except OSError:
            pass
        try:
            return self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()


def compare_fields(case, got_line):
    """The differences, a list of (field, unicorn, bramble); empty if the values agree."""
    exp = case.expected.split(" ")
    got = got_line.split()
    if len(got) != NFIELDS:
        return [("line", case.expected, got_line + f"   ({len(got)} fields, expected {NFIELDS})")]
    diffs = []
    if got[0] != exp[0]:
        try:
            same = int(got[0], 16) == int(exp[0], 16)
        except ValueError:
            same = False
        if not same:
            diffs.append(("id", exp[0], got[0]))
    if got[1] != "ok":
        diffs.append(("status", "ok", got[1]))
    last = NFIELDS - 1
    for k in range(2, last):
        name = FIELD_NAMES[k - 2]
        try:
            g = int(got[k], 16)
        except ValueError:
            g = None
        if g is not None and name in FIELD_MASK:
            g &= FIELD_MASK[name]
        if g != int(exp[k], 16):
            diffs.append((name, exp[k], got[k]))
    try:
        gm = parse_memdiff(got[last])
    except ValueError:
        gm = None
    em = parse_memdiff(exp[last])
    if gm != em:
        if gm is None:
            diffs.append(("mem", exp[last], got[last] + "   (unparseable)"))
        else:
            for off in sorted(set(gm) | set(em)):
                if gm.get(off) != em.get(off):
                    diffs.append((f"mem+{off:x}", em.get(off), gm.get(off)))
    return diffs


FPSR_FLAGS = [(27, "QC"), (7, "IDC"), (4, "IXC"), (3, "UFC"), (2, "OFC"), (1, "DZC"), (0, "IOC")]


def fpcr_text(v):
    bits = [n for b, n in ((26, "AHP"), (25, "DN"), (24, "FZ")) if v >> b & 1]
    return " ".join([("RN", "RP", "RM", "RZ")[(v >> 22) & 3]] + bits)


def fpsr_text(v):
    return "|".join(n for b, n in FPSR_FLAGS if v >> b & 1) or "-"


def _vhex(v):
    """A V register as 4 words, lane 0 last: 0123..._4567..._..."""
    h = f"{v:032x}"
    return "_".join(h[i:i + 8] for i in range(0, 32, 8))


def report_mismatch(n, case, diffs, checker, image):
    out = [f"--- mismatch {n}: case {case.id:x} (#{case.id}), group {case.group}",
           f"  case line: {case.line.rstrip()}",
           "  code:"]
    for k, w in enumerate(case.words):
        out.append(f"    {CODE_BASE + 4 * k:#06x}: {w:08x}  {checker.disasm(w, CODE_BASE + 4 * k)}")
    out.append(f"  initial nzcv={case.nzcv:04b} (NZCV) fpcr={case.fpcr:x} ({fpcr_text(case.fpcr)}) "
               f"fpsr={case.fpsr:x} ({fpsr_text(case.fpsr)}) memseed={case.memseed:x}")
    wide = any(name.startswith("v") for name, _, _ in diffs)
    w = 35 if wide else 18
    out.append(f"  {'field':<10} {'initial':>{w}} {'unicorn':>{w}} {'bramble':>{w}}")
    for name, exp, got in diffs:
        if name.startswith("mem+"):
            off = int(name[4:], 16)
            init = f"{image[off]:02x}"
            exp = "(unchanged)" if exp is None else f"{exp:02x}"
            got = "(unchanged)" if got is None else f"{got:02x}"
        elif name in FIELD_NAMES[:32]:
            init = f"{case.regs[FIELD_NAMES.index(name)]:x}"
        elif name == "nzcv":
            init = f"{case.nzcv:x}"
        elif name == "pc":
            init = f"{CODE_BASE:x}"
        elif name in ("fpcr", "fpsr"):
            init = case.fpcr if name == "fpcr" else case.fpsr
            text = fpcr_text if name == "fpcr" else fpsr_text
            try:
                got = f"{got} ({text(int(got, 16))})"
            except ValueError:
                pass
            exp = f"{exp} ({text(int(exp, 16))})"
            init = f"{init:x} ({text(init)})"
        elif name.startswith("v") and name[1:].isdigit():
            init = _vhex(case.vregs[int(name[1:])])
            exp = _vhex(int(exp, 16))
            try:
                got = _vhex(int(got, 16))
            except ValueError:
                pass
        else:
            init = ""
        out.append(f"  {name:<10} {init:>{w}} {str(exp):>{w}} {str(got):>{w}}")
    print("\n".join(out), flush=True)


# =========================================================================================
# The main loop


class Result:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.skipped = 0
        self.per_group = collections.defaultdict(lambda: [0, 0, 0, 0])  # cases pass fail skip
        self.failed_ids = []      # (id, [field names])
        self.runner_problem = None
        self.elapsed = 0.0
        self.oracle_time = 0.0


def run(args, runner_cmd, quiet=False):
    res = Result()
    groups = args.group_list
    gen = Generator(args.seed, groups, args.mem_pool)
    oracle = Oracle(strict=not args.loose_map)
    checker = gen.checker
    show = args.show
    dump = open(args.dump, "w") if args.dump else None
    skip_shown = 0

    t0 = time.time()
    try:
        runner = Runner(runner_cmd)
    except RunnerError as e:
        res.runner_problem = str(e)
        return res
    pending = collections.deque()
    runner_dead = False

    def consume(chunk):
        nonlocal runner_dead
        for case in chunk:
            g = res.per_group[case.group]
            g[0] += 1
            line = None if runner_dead else runner.readline()
            if line is None:
                if not runner_dead:
                    runner_dead = True
                    res.runner_problem = (f"runner output ended after {case.id} of the cases"
                                          + (f" ({runner.write_error})" if runner.write_error else ""))
                if case.skip:
                    res.skipped += 1
                    g[3] += 1
                else:
                    res.failed += 1
                    g[2] += 1
                continue
            if case.skip:
                res.skipped += 1
                g[3] += 1
                continue
            if line == case.expected:
                res.passed += 1
                g[1] += 1
                continue
            diffs = compare_fields(case, line)
            if not diffs:  # same values, different spelling (e.g. zero padding)
                res.passed += 1
                g[1] += 1
                continue
            res.failed += 1
            g[2] += 1
            res.failed_ids.append((case.id, [d[0] for d in diffs]))
            if res.failed <= show and not quiet:
                report_mismatch(res.failed, case, diffs, checker, gen.image(case.memseed))

    t_or = 0.0
    for start in range(0, args.cases, CHUNK):
        chunk = []
        ta = time.time()
        for i in range(start, min(start + CHUNK, args.cases)):
            case = gen.case(i)
            image = gen.image(case.memseed)
            out, final = oracle.run(case.words, case.regs, case.nzcv, image,
                                    case.fpcr, case.fpsr, case.vbytes)
            if out is None:
                case.skip = final
                if skip_shown < 5 and not quiet:
                    skip_shown += 1
                    print(f"skipped case {case.id:x} (group {case.group}): {final}\n"
                          f"  case line: {case.line.rstrip()}\n" + "\n".join(
                              f"    {CODE_BASE + 4 * k:#06x}: {w:08x}  {checker.disasm(w, CODE_BASE + 4 * k)}"
                              for k, w in enumerate(case.words)), file=sys.stderr)
            else:
                if len(case.words) == 1 and is_subword_smaxmin(case.words[0]):
                    final = fix_subword_smaxmin(case.words[0], case.regs, image, final)
                case.expected = expected_line(case, out, oracle.vout, final, image)
            chunk.append(case)
        t_or += time.time() - ta
        data = "".join([c.line for c in chunk])
        if dump:
            dump.write(data)
        runner.send(data.encode("ascii"))
        pending.append(chunk)
        if len(pending) > 1:
            consume(pending.popleft())
    runner.finish_input()
    while pending:
        consume(pending.popleft())
    if not runner_dead and runner.readline() is not None:
        res.runner_problem = "runner printed more lines than there were cases"
        res.failed += 1
    rc = runner.close()
    if rc != 0 and not res.runner_problem:
        res.runner_problem = f"runner exited with status {rc}"
    if dump:
        dump.close()
    res.elapsed = time.time() - t0
    res.oracle_time = t_or
    return res


def print_summary(args, res):
    print()
    print(f"{'group':<15} {'cases':>8} {'passed':>8} {'failed':>8} {'skipped':>8}")
    for g in args.group_list:
        c, p, f, s = res.per_group[g]
        print(f"{g:<15} {c:>8} {p:>8} {f:>8} {s:>8}{'   <--' if f else ''}")
    total = sum(v[0] for v in res.per_group.values())
    rate = total / res.elapsed if res.elapsed else 0.0
    print(f"seed {args.seed}; {total} cases in {res.elapsed:.1f} s ({rate:.0f} cases/s; "
          f"generation + Unicorn {res.oracle_time:.1f} s); {res.skipped} skipped")
    if res.failed:
        fields = collections.Counter(f.split("+")[0] for _, fs in res.failed_ids for f in fs)
        print("failing fields: " + ", ".join(f"{k} {v}" for k, v in fields.most_common()))
    if res.runner_problem:
        print(f"difftest: {res.runner_problem}", file=sys.stderr)
    if res.skipped:
        print(f"difftest: {res.skipped} cases skipped (Unicorn raised on a case the generator "
              f"thought valid; see the messages above)", file=sys.stderr)


def exit_status(args, res):
    ok = (res.failed == 0 and res.passed >= args.cases - res.skipped
          and not res.runner_problem)
    return 0 if ok else 1


# =========================================================================================
# Self-test against fake_runner.py


def self_test(args):
    """Runs the whole pipeline against fake_runner.py (Unicorn again, but a fresh instance
    per case, the loose memory map and count-only execution: an independent re-run), then
    with deliberately corrupted results, and checks exactly those are reported."""
    fake = [sys.executable, os.path.join(HERE, "fake_runner.py")]
    checks = []

    def check(name, cond, detail=""):
        checks.append(cond)
        print(f"self-test: {'PASS' if cond else 'FAIL'}: {name}{': ' + detail if detail and not cond else ''}",
              flush=True)

    n = min(args.cases, 4000) if args.cases_given else 4000
    a = argparse.Namespace(**vars(args))
    a.cases = n
    a.show = 3

    print(f"self-test: {n} cases through fake_runner.py", flush=True)
    r = run(a, fake)
    print_summary(a, r)
    check("clean run has no mismatches", r.failed == 0 and not r.runner_problem,
          f"{r.failed} failed, {r.runner_problem}")
    check("clean run covers every case", r.passed + r.skipped == n and r.passed >= n - r.skipped)
    check("every group produced cases", all(r.per_group[g][0] > 0 for g in a.group_list))

    # Corruptions: pick cases the clean run compared (not skipped), one field each.
    # A store case for the memory corruption, a case whose memory is unchanged for the
    # "extra byte" one.
    gen = Generator(a.seed, a.group_list, a.mem_pool)
    oracle = Oracle()
    stores, quiet_mem, fp_cases = [], [], []
    for i in range(n):
        c = gen.case(i)
        out, final = oracle.run(c.words, c.regs, c.nzcv, gen.image(c.memseed), c.fpcr, c.fpsr,
                                c.vbytes)
        if out is None:
            continue
        if c.group in FP_GROUPS:
            fp_cases.append(i)
        elif final != gen.image(c.memseed):
            stores.append(i)
        else:
            quiet_mem.append(i)
    targets = {quiet_mem[3]: "x7", quiet_mem[40]: "sp", quiet_mem[77]: "nzcv", quiet_mem[120]: "pc",
               stores[5]: "mem", quiet_mem[200]: "memextra", quiet_mem[300]: "status"}
    if fp_cases:  # the SIMD&FP state: a V register, FPSR (a flag bit), FPCR
        targets.update({fp_cases[len(fp_cases) // 5]: "v5", fp_cases[len(fp_cases) // 2]: "fpsr",
                        fp_cases[-7]: "fpcr", fp_cases[len(fp_cases) // 3]: "v31hi"})
    corrupt = [f"--corrupt={i:x}:{f}" for i, f in targets.items()]
    print(f"self-test: corrupting {len(targets)} results: {' '.join(corrupt)}", flush=True)
    a.show = 10
    r = run(a, fake + corrupt)
    got = {i: fs for i, fs in r.failed_ids}
    check("exactly the corrupted cases fail", sorted(got) == sorted(targets),
          f"failed ids {sorted(got)} vs corrupted {sorted(targets)}")
    want_field = {"x7": "x7", "sp": "sp", "nzcv": "nzcv", "pc": "pc", "mem": "mem+",
                  "memextra": "mem+", "status": "status", "v5": "v5", "fpsr": "fpsr",
                  "fpcr": "fpcr", "v31hi": "v31"}
    for i, f in targets.items():
        fs = got.get(i, [])
        check(f"corrupted {f} of case {i:x} is reported in that field",
              any(x.startswith(want_field[f]) for x in fs), f"reported fields {fs}")
    check("the final tally counts them", r.failed == len(targets) and r.passed == n - r.skipped - len(targets))
    check("a corrupted run exits non-zero", exit_status(a, r) != 0)

    # FPSR bits bramble does not model (N, Z, C, V of AArch32, bits 31..28) are ignored
    print("self-test: a runner reporting FPSR bits outside the modelled ones", flush=True)
    b = argparse.Namespace(**vars(a))
    b.show, b.cases = 3, min(n, 1200)
    r = run(b, fake + ["--fpsr-extra"])
    check("FPSR is compared on QC, IDC, IXC, UFC, OFC, DZC, IOC only",
          r.failed == 0 and not r.runner_problem, f"{r.failed} failed, {r.runner_problem}")

    print("self-test: runner dying after 500 cases", flush=True)
    a.show = 0
    r = run(a, fake + ["--die-after=500"])
    check("a runner that stops early fails the run",
          r.runner_problem is not None and r.failed > 0 and exit_status(a, r) != 0,
          f"{r.runner_problem}, {r.failed} failed")
    r = run(a, ["/nonexistent/difftest_runner"])
    check("a missing runner fails the run", r.runner_problem is not None and exit_status(a, r) != 0)

    passed = sum(checks)
    print(f"{passed} passed, {len(checks) - passed} failed")
    return 0 if passed == len(checks) else 1


# =========================================================================================


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=None, help="number of cases (default 200000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--groups", default="",
                    help="comma-separated groups and group sets: int (the default: every integer "
                         "group), fp (every SIMD&FP group), all, or single groups (--list-groups)")
    ap.add_argument("--runner", default=default_path(DEFAULT_RUNNER),
                    help="runner command (split like a shell line; default %(default)s)")
    ap.add_argument("--show", type=int, default=20, help="mismatches to print in full (default 20)")
    ap.add_argument("--mem-pool", type=int, default=1024,
                    help="distinct memseeds to draw from (their images are cached; default 1024)")
    ap.add_argument("--dump", metavar="FILE", help="also write every case line to FILE")
    ap.add_argument("--loose-map", action="store_true",
                    help="map 0x0..0x10000 RWX in Unicorn instead of only the code and data regions")
    ap.add_argument("--self-test", action="store_true", help="test this script against fake_runner.py")
    ap.add_argument("--list-groups", action="store_true")
    args = ap.parse_args()
    if args.list_groups:
        for name, groups in GROUP_SETS.items():
            if name != "all":
                print(f"{name}: {' '.join(groups)}")
        return 0
    args.cases_given = args.cases is not None
    if args.cases is None:
        args.cases = 200000
    tokens = [g for g in args.groups.split(",") if g] or ["all" if args.self_test else "int"]
    args.group_list = []
    for t in tokens:
        if t not in GROUP_SETS and t not in GROUPS:
            print(f"difftest: unknown group {t}; sets: {', '.join(GROUP_SETS)}; groups: "
                  f"{', '.join(GROUPS)}", file=sys.stderr)
            return 2
        for g in GROUP_SETS.get(t, [t]):
            if g not in args.group_list:
                args.group_list.append(g)
    try:
        if args.self_test:
            return self_test(args)
        print(f"difftest: {args.cases} cases, seed {args.seed}, runner {args.runner}", flush=True)
        res = run(args, shlex.split(args.runner))
    except G.GeneratorBug as e:
        print(f"difftest: GENERATOR BUG: {e}", file=sys.stderr)
        print(f"0 passed, {args.cases} failed")
        return 3
    print_summary(args, res)
    if res.runner_problem and res.passed + res.failed + res.skipped == 0:
        res.failed = args.cases
    print(f"{res.passed} passed, {res.failed} failed")
    return exit_status(args, res)


if __name__ == "__main__":
    sys.exit(main())
