"""Random valid A64 integer instruction generators, one per encoding group.

Each generator returns a Case: the instruction words and the register values they need
(base registers pointing into the data region, branch targets in the NOP sea, compare
values equal to memory). Every other register is random. Generators avoid CONSTRAINED
UNPREDICTABLE encodings (writeback with Rn == Rt, LDP with Rt == Rt2, exclusive register
overlaps, ...) so the reference CPU and bramble must agree exactly.
"""

import random

CODE_BASE = 0x2000
DATA = 0x8000
DATA_LEN = 0x1000
NOP = 0xD503201F
MASK64 = (1 << 64) - 1

INTERESTING = [0, 1, 2, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF, 0x80000000,
               0xFFFFFFFF, 0x100000000, 0x7FFFFFFFFFFFFFFF, 0x8000000000000000, MASK64,
               MASK64 - 1, 0xFFFFFFFF00000000]


class Case:
    def __init__(self, group, words, regs=None, sp=None):
        self.group = group
        self.words = words
        self.regs = regs or {}
        self.sp = sp


def rand_value(r):
    k = r.random()
    if k < 0.3:
        return r.choice(INTERESTING)
    if k < 0.45:
        return r.randrange(0, 64)
    if k < 0.55:
        return (-r.randrange(1, 64)) & MASK64
    if k < 0.7:
        return r.getrandbits(32)
    return r.getrandbits(64)


def reg(r, avoid=()):
    """A register number 0..30 not in avoid."""
    while True:
        n = r.randrange(31)
        if n not in avoid:
            return n


def reg31(r, avoid=()):
    """0..31 (31 = ZR or SP, depending on the operand)."""
    while True:
        n = r.randrange(32)
        if n not in avoid:
            return n


def sext(v, bits):
    v &= (1 << bits) - 1
    return v - (1 << bits) if v >> (bits - 1) else v


# ---------------------------------------------------------------- data processing (imm)

def g_addsub_imm(r):
    sf, op, s, sh = r.getrandbits(1), r.getrandbits(1), r.getrandbits(1), r.getrandbits(1)
    w = sf << 31 | op << 30 | s << 29 | 0b100010 << 23 | sh << 22 | r.getrandbits(12) << 10 \
        | reg31(r) << 5 | reg31(r)
    return Case("addsub_imm", [w])


def bitmask_imm(r, sf):
    esize = r.choice([e for e in (2, 4, 8, 16, 32, 64) if e <= (64 if sf else 32)])
    ones = r.randrange(1, esize)
    rot = r.randrange(esize)
    if esize == 64:
        n, imms = 1, ones - 1
    else:
        n, imms = 0, ((~(esize - 1) << 1) & 0x3F) | (ones - 1)
    return n, rot, imms


def g_logic_imm(r):
    sf = r.getrandbits(1)
    opc = r.randrange(4)
    n, immr, imms = bitmask_imm(r, sf)
    rd = reg31(r)  # SP for AND/ORR/EOR, ZR for ANDS
    w = sf << 31 | opc << 29 | 0b100100 << 23 | n << 22 | immr << 16 | imms << 10 | reg31(r) << 5 | rd
    return Case("logic_imm", [w])


def g_movewide(r):
    sf = r.getrandbits(1)
    opc = r.choice([0, 2, 3])
    hw = r.randrange(4 if sf else 2)
    w = sf << 31 | opc << 29 | 0b100101 << 23 | hw << 21 | r.getrandbits(16) << 5 | reg31(r)
    return Case("movewide", [w])


def g_bitfield(r):
    sf = r.getrandbits(1)
    opc = r.randrange(3)
    lim = 64 if sf else 32
    w = sf << 31 | opc << 29 | 0b100110 << 23 | sf << 22 | r.randrange(lim) << 16 | r.randrange(lim) << 10 \
        | reg31(r) << 5 | reg31(r)
    return Case("bitfield", [w])


def g_extract(r):
    sf = r.getrandbits(1)
    w = sf << 31 | 0b00100111 << 23 | sf << 22 | reg31(r) << 16 | r.randrange(64 if sf else 32) << 10 \
        | reg31(r) << 5 | reg31(r)
    return Case("extract", [w])


def g_adr(r):
    imm = r.getrandbits(21)
    w = r.getrandbits(1) << 31 | (imm & 3) << 29 | 0b10000 << 24 | (imm >> 2) << 5 | reg31(r)
    return Case("adr", [w])


# ---------------------------------------------------------------- data processing (reg)

def g_addsub_shift(r):
    sf = r.getrandbits(1)
    w = sf << 31 | r.getrandbits(2) << 29 | 0b01011 << 24 | r.randrange(3) << 22 | reg31(r) << 16 \
        | r.randrange(64 if sf else 32) << 10 | reg31(r) << 5 | reg31(r)
    return Case("addsub_shift", [w])


def g_addsub_ext(r):
    sf = r.getrandbits(1)
    w = sf << 31 | r.getrandbits(2) << 29 | 0b01011001 << 21 | reg31(r) << 16 | r.randrange(8) << 13 \
        | r.randrange(5) << 10 | reg31(r) << 5 | reg31(r)
    return Case("addsub_ext", [w])


def g_addsub_carry(r):
    w = r.getrandbits(3) << 29 | 0b11010000 << 21 | reg31(r) << 16 | reg31(r) << 5 | reg31(r)
    return Case("addsub_carry", [w])


def g_logic_shift(r):
    sf = r.getrandbits(1)
    w = sf << 31 | r.randrange(4) << 29 | 0b01010 << 24 | r.randrange(4) << 22 | r.getrandbits(1) << 21 \
        | reg31(r) << 16 | r.randrange(64 if sf else 32) << 10 | reg31(r) << 5 | reg31(r)
    return Case("logic_shift", [w])


def g_condcmp(r):
    imm = r.getrandbits(1)
    w = r.getrandbits(2) << 30 | 1 << 29 | 0b11010010 << 21 | r.getrandbits(5) << 16 | r.randrange(16) << 12 \
        | imm << 11 | reg31(r) << 5 | r.randrange(16)
    return Case("condcmp", [w])


def g_condsel(r):
    w = r.getrandbits(2) << 30 | 0b11010100 << 21 | reg31(r) << 16 | r.randrange(16) << 12 | r.getrandbits(1) << 10 \
        | reg31(r) << 5 | reg31(r)
    return Case("condsel", [w])


def g_dp1(r):
    while True:
        sf, opc = r.getrandbits(1), r.randrange(6)
        if not (sf == 0 and opc == 3):
            break
    w = sf << 31 | 1 << 30 | 0b11010110 << 21 | opc << 10 | reg31(r) << 5 | reg31(r)
    return Case("dp1", [w])


def g_dp2(r):
    if r.random() < 0.35:
        sz = r.randrange(4)
        sf = 1 if sz == 3 else 0
        opc = 0b010000 | r.getrandbits(1) << 2 | sz
    else:
        sf = r.getrandbits(1)
        opc = r.choice([2, 3, 8, 9, 10, 11])
    w = sf << 31 | 0b11010110 << 21 | reg31(r) << 16 | opc << 10 | reg31(r) << 5 | reg31(r)
    return Case("dp2", [w])


def g_dp3(r):
    op31, o0 = r.choice([(0, 0), (0, 1), (1, 0), (1, 1), (2, 0), (5, 0), (5, 1), (6, 0)])
    sf = r.getrandbits(1) if op31 == 0 else 1
    ra = 31 if op31 in (2, 6) else reg31(r)
    w = sf << 31 | 0b11011 << 24 | op31 << 21 | reg31(r) << 16 | o0 << 15 | ra << 10 | reg31(r) << 5 | reg31(r)
    return Case("dp3", [w])


# ---------------------------------------------------------------- branches

def branch_off(r, bits):
    # Targets stay within the NOP sea around 0x2000 (+-0x1000 bytes).
    return r.randrange(-0x3FF, 0x400) & ((1 << bits) - 1)


def g_branch(r):
    k = r.randrange(6)
    regs = {}
    if k == 0:
        w = r.getrandbits(1) << 31 | 0b00101 << 26 | branch_off(r, 26)
    elif k == 1:
        w = 0b01010100 << 24 | branch_off(r, 19) << 5 | r.randrange(16)
    elif k == 2:
        w = r.getrandbits(1) << 31 | 0b011010 << 25 | r.getrandbits(1) << 24 | branch_off(r, 19) << 5 | reg31(r)
    elif k == 3:
        b = r.randrange(64)
        w = (b >> 5) << 31 | 0b011011 << 25 | r.getrandbits(1) << 24 | (b & 31) << 19 | branch_off(r, 14) << 5 \
            | reg31(r)
    else:
        rn = reg(r)
        regs[rn] = 0x1000 + 4 * r.randrange(0x800)
        opc = r.choice([0, 1, 2])  # BR, BLR, RET
        w = 0b1101011 << 25 | opc << 21 | 0b11111 << 16 | rn << 5
    return Case("branch", [w], regs)


# ---------------------------------------------------------------- loads and stores

class Mem:
    """Chooses addresses inside the data region and the base values that reach them."""

    def __init__(self, r):
        self.r = r

    def addr(self, size, align=1):
        a = DATA + self.r.randrange(0, DATA_LEN - 32)
        return a - a % align


def base_reg(rn, base):
    """(regs, sp) that put `base` in Rn; SP is rounded down to 16 bytes (alignment checks)."""
    if rn == 31:
        return {}, base - base % 16
    return {rn: base & MASK64}, None


def ldst_size_opc(r, prfm_ok):
    while True:
        size, opc = r.randrange(4), r.randrange(4)
        if opc < 2 or (opc == 2 and (size != 3 or prfm_ok)) or (opc == 3 and size <= 1):
            return size, opc


def g_ldst_uimm(r):
    size, opc = ldst_size_opc(r, True)
    rn, rt = reg31(r), reg31(r)
    imm12 = r.randrange(0, min(4096, 0x7F0 >> size))
    a = Mem(r).addr(1 << size)
    base = a - (imm12 << size)
    regs, sp = base_reg(rn, base)
    w = size << 30 | 0b111001 << 24 | opc << 22 | imm12 << 10 | rn << 5 | rt
    return Case("ldst_uimm", [w], regs, sp)


def g_ldst_imm9(r, group, mode):
    size, opc = ldst_size_opc(r, mode == 0)
    rn = reg31(r)
    # Rt == Rn is UNPREDICTABLE with writeback; capstone also rejects it for LDTR*.
    rt = reg31(r, avoid=(rn,) if rn != 31 else ())
    imm9 = r.randrange(-256, 256)
    a = Mem(r).addr(1 << size)
    base = a if mode == 1 else a - imm9
    regs, sp = base_reg(rn, base)
    w = size << 30 | 0b111000 << 24 | opc << 22 | (imm9 & 0x1FF) << 12 | mode << 10 | rn << 5 | rt
    return Case(group, [w], regs, sp)


def g_ldst_unscaled(r):
    return g_ldst_imm9(r, "ldst_unscaled", 0)


def g_ldst_prepost(r):
    return g_ldst_imm9(r, "ldst_prepost", r.choice([1, 3]))


def g_ldst_unpriv(r):
    return g_ldst_imm9(r, "ldst_unpriv", 2)


def g_ldst_regoff(r):
    size, opc = ldst_size_opc(r, True)
    rn = reg(r)
    rm = reg(r, avoid=(rn,))
    rt = reg31(r)
    option = r.choice([2, 3, 6, 7])
    s = r.getrandbits(1)
    shift = size if s else 0
    idx = r.randrange(-0x40, 0x40)
    if option == 2:
        idx = abs(idx)
    off = idx << shift
    a = Mem(r).addr(1 << size)
    rm_val = idx & MASK64
    if option in (2, 6):  # UXTW/SXTW: the top 32 bits of Xm are ignored
        rm_val = (r.getrandbits(32) << 32) | (idx & 0xFFFFFFFF)
    w = size << 30 | 0b111000 << 24 | opc << 22 | 1 << 21 | rm << 16 | option << 13 | s << 12 | 0b10 << 10 \
        | rn << 5 | rt
    return Case("ldst_regoff", [w], {rn: (a - off) & MASK64, rm: rm_val})


def g_ldst_literal(r):
    opc = r.randrange(4)
    w = opc << 30 | 0b011000 << 24 | branch_off(r, 19) << 5 | reg31(r)
    return Case("ldst_literal", [w])


def g_ldst_pair(r):
    while True:
        opc, idx, load = r.choice([0, 1, 2]), r.randrange(4), r.getrandbits(1)
        if opc == 1 and not (load and idx != 0):
            continue
        break
    size = 8 if opc == 2 else 4
    rn = reg31(r)
    avoid = [rn] if idx in (1, 3) and rn != 31 else []
    rt = reg31(r, avoid)
    rt2 = reg31(r, avoid + ([rt] if load else []))
    imm7 = r.randrange(-64, 64)
    off = imm7 * size
    a = Mem(r).addr(2 * size)
    if a + off < DATA or a + off + 2 * size > DATA + DATA_LEN:
        off = 0
        imm7 = 0
    base = a if idx == 1 else a - off
    regs, sp = base_reg(rn, base)
    w = opc << 30 | 0b101 << 27 | idx << 23 | load << 22 | (imm7 & 0x7F) << 15 | rt2 << 10 | rn << 5 | rt
    return Case("ldst_pair", [w], regs, sp)


CLREX = 0xD503305F


def g_exclusive(r):
    k = r.randrange(5)
    rn = reg(r)
    size = r.randrange(4)
    o0 = r.getrandbits(1)
    if k <= 1:
        # LDXR then STXR to the same address (succeeds), or a lone STXR (fails).
        rt = reg(r, (rn,))
        rs = reg(r, (rn, rt))
        rt2 = reg(r, (rn, rs))
        a = Mem(r).addr(1 << size, 1 << size)
        ld = size << 30 | 0b001000 << 24 | 1 << 22 | 31 << 16 | o0 << 15 | 31 << 10 | rn << 5 | rt
        st = size << 30 | 0b001000 << 24 | rs << 16 | r.getrandbits(1) << 15 | 31 << 10 | rn << 5 | rt2
        words = [CLREX, ld, st] if k == 0 else [CLREX, st]
        return Case("exclusive", words, {rn: a})
    if k == 2:
        # LDXP then STXP
        sz = r.getrandbits(1)
        bytes_ = 8 if sz else 4
        rt = reg(r, (rn,))
        rt2 = reg(r, (rn, rt))
        rs = reg(r, (rn, rt, rt2))
        a = Mem(r).addr(2 * bytes_, 2 * bytes_)
        ld = 1 << 31 | sz << 30 | 0b001000 << 24 | 1 << 22 | 1 << 21 | 31 << 16 | o0 << 15 | rt2 << 10 | rn << 5 | rt
        st = 1 << 31 | sz << 30 | 0b001000 << 24 | 1 << 21 | rs << 16 | o0 << 15 | rt2 << 10 | rn << 5 | rt
        return Case("exclusive", [CLREX, ld, st], {rn: a})
    if k == 3:
        # LDAR / STLR
        rt = reg31(r, (rn,))
        a = Mem(r).addr(1 << size, 1 << size)
        w = size << 30 | 0b001000 << 24 | 1 << 23 | r.getrandbits(1) << 22 | 31 << 16 | 1 << 15 | 31 << 10 \
            | rn << 5 | rt
        return Case("exclusive", [w], {rn: a})
    # LDAPR
    rt = reg31(r, (rn,))
    a = Mem(r).addr(1 << size, 1 << size)
    w = size << 30 | 0b111000 << 24 | 1 << 23 | 1 << 21 | 31 << 16 | 1 << 15 | 0b100 << 12 | rn << 5 | rt
    return Case("exclusive", [w], {rn: a})


def mem_value(data, a, n):
    off = a - DATA
    return int.from_bytes(data[off:off + n], "little")


def g_lse(r, data):
    k = r.randrange(4)
    rn = reg(r)
    size = r.randrange(4)
    nbytes = 1 << size
    a = Mem(r).addr(nbytes, nbytes)
    acq, rel = r.getrandbits(1), r.getrandbits(1)
    regs = {rn: a}
    if k == 0:
        # CAS: Rs holds the compare value (often equal to memory), Rt the new value.
        rs = reg(r, (rn,))
        rt = reg31(r, (rn, rs))
        if r.random() < 0.6:
            regs[rs] = mem_value(data, a, nbytes) | (r.getrandbits(64) << (8 * nbytes) & MASK64 if nbytes < 8 else 0)
        w = size << 30 | 0b001000 << 24 | 1 << 23 | acq << 22 | 1 << 21 | rs << 16 | rel << 15 | 31 << 10 | rn << 5 | rt
    elif k == 1:
        # CASP on even register pairs.
        sz = r.getrandbits(1)
        nb = 8 if sz else 4
        a = Mem(r).addr(2 * nb, 2 * nb)
        regs = {}
        while True:
            rs, rt, rn = 2 * r.randrange(15), 2 * r.randrange(16), reg(r)
            if len({rs, rs + 1, rn}) == 3 and rn not in (rt, rt + 1) and rs != rt:
                break
        regs[rn] = a
        if r.random() < 0.6:
            regs[rs] = mem_value(data, a, nb)
            regs[rs + 1] = mem_value(data, a + nb, nb)
        w = sz << 30 | 0b001000 << 24 | acq << 22 | 1 << 21 | rs << 16 | rel << 15 | 31 << 10 | rn << 5 | (rt & 31)
    elif k == 2:
        rs = reg31(r, (rn,))
        rt = reg31(r, (rn, rs))
        opc = r.randrange(8)
        w = size << 30 | 0b111000 << 24 | acq << 23 | rel << 22 | 1 << 21 | rs << 16 | opc << 12 | rn << 5 | rt
    else:
        rs = reg31(r, (rn,))
        rt = reg31(r, (rn, rs))
        w = size << 30 | 0b111000 << 24 | acq << 23 | rel << 22 | 1 << 21 | rs << 16 | 1 << 15 | rn << 5 | rt
    return Case("lse", [w], regs)


ALU_GROUPS = [g_addsub_imm, g_logic_imm, g_movewide, g_bitfield, g_extract, g_adr, g_addsub_shift, g_addsub_ext,
              g_addsub_carry, g_logic_shift, g_condcmp, g_condsel, g_dp1, g_dp2, g_dp3]

BASE_REG = 27


def g_multi(r):
    """4-8 mixed instructions: flags and values flow between them; memory through x27."""
    words = []
    for _ in range(r.randrange(4, 9)):
        if r.random() < 0.25:
            size, opc = ldst_size_opc(r, True)
            imm12 = r.randrange(0, 0x100 >> size)
            rt = reg31(r, (BASE_REG,))
            words.append(size << 30 | 0b111001 << 24 | opc << 22 | imm12 << 10 | BASE_REG << 5 | rt)
            continue
        while True:
            c = r.choice(ALU_GROUPS)(r)
            w = c.words[0]
            if w & 31 != BASE_REG:  # keep the base register intact
                break
        words.append(w)
    return Case("multi", words, {BASE_REG: DATA + 0x400})


GROUPS = {
    "addsub_imm": g_addsub_imm, "logic_imm": g_logic_imm, "movewide": g_movewide, "bitfield": g_bitfield,
    "extract": g_extract, "adr": g_adr, "addsub_shift": g_addsub_shift, "addsub_ext": g_addsub_ext,
    "addsub_carry": g_addsub_carry, "logic_shift": g_logic_shift, "condcmp": g_condcmp, "condsel": g_condsel,
    "dp1": g_dp1, "dp2": g_dp2, "dp3": g_dp3, "branch": g_branch, "ldst_uimm": g_ldst_uimm,
    "ldst_unscaled": g_ldst_unscaled, "ldst_prepost": g_ldst_prepost, "ldst_unpriv": g_ldst_unpriv,
    "ldst_regoff": g_ldst_regoff, "ldst_literal": g_ldst_literal, "ldst_pair": g_ldst_pair,
    "exclusive": g_exclusive, "lse": g_lse, "multi": g_multi,
}
NEEDS_DATA = {"lse"}
