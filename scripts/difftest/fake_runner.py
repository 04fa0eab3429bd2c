#!/usr/bin/env python3
"""A stand-in for bramble's difftest_runner, built on Unicorn, for `difftest.py --self-test`.

Same I/O as the real runner (see README.md). Written independently of difftest.py's oracle:
a fresh Unicorn per case, all of 0x0..0x10000 mapped RWX, execution stopped by instruction
count only. Options to test the harness:
    --corrupt ID:FIELD   corrupt the result of case ID (hex) in FIELD: x0..x30, sp, nzcv, pc,
                         fpcr (flip FZ), fpsr (flip IXC), v0..v31 (flip bit 0), v31hi (flip
                         bit 127 of V31), mem (flip a changed byte), memextra (report an extra
                         changed byte), status (report exc:0)
    --fpsr-extra         report FPSR with bits 31..28 set (not modelled: must be ignored)
    --die-after N        exit after N cases (simulates a crashing runner)
"""

import argparse
import sys

from unicorn import Uc, UcError, UC_ARCH_ARM64, UC_MODE_ARM, UC_PROT_ALL
from unicorn import arm64_const as A

NOP = 0xD503201F
MASK = (1 << 64) - 1


def splitmix(seed, nbytes):
    s, out = seed, bytearray()
    while len(out) < nbytes:
        s = (s + 0x9E3779B97F4A7C15) & MASK
        z = s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        out += (z ^ (z >> 31)).to_bytes(8, "little")
    return bytes(out)


XREGS = [getattr(A, f"UC_ARM64_REG_X{i}") for i in range(31)]
VREGS = [getattr(A, f"UC_ARM64_REG_V{i}") for i in range(32)]
FPCR_MASK = 0x07C00000  # AHP DN FZ RMode
FPSR_MASK = 0x0800009F  # QC IDC IXC UFC OFC DZC IOC


def run_case(line, fpsr_extra=False):
    t = line.split()
    cid, n = t[0], int(t[1], 16)
    words = [int(x, 16) for x in t[2:2 + n]]
    vals = [int(x, 16) for x in t[2 + n:]]
    regs, sp, nzcv, fpcr, fpsr = vals[:31], vals[31], vals[32], vals[33], vals[34]
    vregs, seed = vals[35:67], vals[67]
    uc = Uc(UC_ARCH_ARM64, UC_MODE_ARM)
    uc.ctl_set_cpu_model(A.UC_CPU_ARM64_MAX)
    uc.reg_write(A.UC_ARM64_REG_CPACR_EL1, 3 << 20)
    uc.mem_map(0, 0x10000, UC_PROT_ALL)
    code = bytearray(NOP.to_bytes(4, "little") * 0x1000)
    for i, w in enumerate(words):
        code[0x2000 + 4 * i:0x2004 + 4 * i] = w.to_bytes(4, "little")
    uc.mem_write(0, bytes(code))
    data = splitmix(seed, 0x1000)
    uc.mem_write(0x8000, data)
    for r, v in zip(XREGS, regs):
        uc.reg_write(r, v)
    uc.reg_write(A.UC_ARM64_REG_SP, sp)
    uc.reg_write(A.UC_ARM64_REG_NZCV, nzcv << 28)
    uc.reg_write(A.UC_ARM64_REG_FPCR, fpcr)
    uc.reg_write(A.UC_ARM64_REG_FPSR, fpsr)
    for r, v in zip(VREGS, vregs):
        uc.reg_write(r, v)
    status = "ok"
    try:
        uc.emu_start(0x2000, 0x10000, count=n)
    except UcError:
        status = "exc:0"
    out = [uc.reg_read(r) for r in XREGS]
    out += [uc.reg_read(A.UC_ARM64_REG_SP), uc.reg_read(A.UC_ARM64_REG_NZCV) >> 28 & 15,
            uc.reg_read(A.UC_ARM64_REG_PC), uc.reg_read(A.UC_ARM64_REG_FPCR) & FPCR_MASK,
            uc.reg_read(A.UC_ARM64_REG_FPSR) & (0xFFFFFFFF if fpsr_extra else FPSR_MASK)]
    out += [uc.reg_read(r) for r in VREGS]
    if fpsr_extra:
        out[35] |= 0xF0000000  # fpsr
    now = bytes(uc.mem_read(0x8000, 0x1000))
    # the same correction the harness applies (Unicorn's sub-word LDSMAX/LDSMIN bug)
    if n == 1:
        now = fix_smaxmin(words[0], regs + [sp], data, now)
    diff = {i: now[i] for i in range(0x1000) if now[i] != data[i]}
    return cid, status, out, diff, data


def fix_smaxmin(w, regs, data, now):
    if not ((w >> 24) & 0x3F == 0x38 and (w >> 21) & 1 and (w >> 10) & 3 == 0 and not (w >> 15) & 1
            and (w >> 12) & 7 in (4, 5) and w >> 30 != 3):
        return now
    nb = 1 << (w >> 30)
    bits = 8 * nb
    addr = regs[(w >> 5) & 31] - 0x8000
    rs = (w >> 16) & 31
    a = int.from_bytes(data[addr:addr + nb], "little")
    b = (regs[rs] if rs != 31 else 0) & ((1 << bits) - 1)
    sa = a - (1 << bits) if a >> (bits - 1) else a
    sb = b - (1 << bits) if b >> (bits - 1) else b
    r = (max if (w >> 12) & 7 == 4 else min)(sa, sb) & ((1 << bits) - 1)
    out = bytearray(now)
    out[addr:addr + nb] = r.to_bytes(nb, "little")
    return bytes(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corrupt", action="append", default=[])
    ap.add_argument("--die-after", type=int, default=None)
    ap.add_argument("--fpsr-extra", action="store_true")
    args = ap.parse_args()
    corrupt = {}
    for c in args.corrupt:
        i, f = c.split(":")
        corrupt[int(i, 16)] = f
    done = 0
    for line in sys.stdin:
        if not line.strip():
            continue
        if args.die_after is not None and done >= args.die_after:
            sys.stdout.flush()
            sys.exit(101)
        cid, status, out, diff, data = run_case(line, args.fpsr_extra)
        f = corrupt.get(int(cid, 16))
        if f:
            names = ([f"x{i}" for i in range(31)] + ["sp", "nzcv", "pc", "fpcr", "fpsr"]
                     + [f"v{i}" for i in range(32)])
            flip = {"pc": 4, "fpcr": 1 << 24, "fpsr": 1 << 4}
            if f in names:
                k = names.index(f)
                out[k] ^= flip.get(f, 1)
            elif f == "v31hi":
                out[names.index("v31")] ^= 1 << 127
            elif f == "mem":
                off = min(diff) if diff else 0
                diff[off] = (diff[off] if off in diff else data[off]) ^ 0x10
            elif f == "memextra":
                off = max(set(range(0x1000)) - set(diff))
                diff[off] = data[off] ^ 0xFF
            elif f == "status":
                status = "exc:0"
        mem = ",".join(f"{o:x}={diff[o]:02x}" for o in sorted(diff)) or "-"
        sys.stdout.write(f"{cid} {status} " + " ".join(f"{v:x}" for v in out) + f" {mem}\n")
        done += 1
    sys.stdout.flush()


if __name__ == "__main__":
    main()
