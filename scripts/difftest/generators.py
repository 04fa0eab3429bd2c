"""Random valid A64 instruction sequences, one function per instruction group: the
integer ISA here, floating point / Advanced SIMD / crypto in fp_generators.py (which uses
the same `Ctx`; `gen_case` builds the case for both).

A case is built by a `Ctx`: group functions emit instruction words into it and record the
constraints they need on the initial registers (`Ctx.fixed`): load/store base and index
registers so every access stays inside the data region, branch-target registers, CAS
compare values. All other registers get random values when the case is finished.

Rules the generators follow (see README.md):
  * only allocated encodings, never CONSTRAINED UNPREDICTABLE ones (no writeback with
    Rn == Rt, no LDP/LDXP with Rt == Rt2, no STXR with Rs == Rt or Rs == Rn, fields that
    "should be one" are ones, ...);
  * every byte a load/store touches is in 0x8000..0x8FFF, exclusives/atomics/acquire-
    release accesses are naturally aligned (pairs: to the pair size), SP is 16-byte
    aligned whenever it is used as a base;
  * a register that an instruction needs with a particular value (`fresh`) is never
    written by an earlier instruction of the case, nor by any other instruction of the
    case (`reserved`), except by writeback of the instruction that owns it;
  * branches keep their targets in 0x1000..0x2FFF; in `multi` they only go forward, so no
    instruction ever executes twice with a stale base register.
"""

import a64enc as E
import fp_values as FV

DATA_LO = 0x8000
DATA_HI = 0x9000
DATA_SIZE = DATA_HI - DATA_LO
CODE_BASE = 0x2000
MAX_WORDS = 16
M64 = E.M64
M32 = (1 << 32) - 1

COND_NAMES = ["eq", "ne", "hs", "lo", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt",
              "le", "al", "nv"]
BCOND_MNEMS = {"b." + c for c in COND_NAMES} | {"b.cs", "b.cc"}


class NoReg(Exception):
    """No register satisfies the constraints; the case is regenerated."""


class GeneratorBug(Exception):
    pass


SPECIAL = [
    0, 1, 2, 3, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF,
    0x7FFFFFFF, 0x80000000, 0x80000001, 0xFFFFFFFF, 0xFFFFFFFE, 0x100000000,
    0x7FFFFFFFFFFFFFFF, 0x8000000000000000, 0x8000000000000001, M64, M64 - 1,
    0xFFFFFFFF80000000, 0xFFFFFFFF7FFFFFFF, 0x00000000FFFFFFFF, 0xFFFFFFFF00000000,
    0x5555555555555555, 0xAAAAAAAAAAAAAAAA, 0x0123456789ABCDEF,
]


def rval(rng):
    """A random register value: a mix of full random, small, special and patterned."""
    k = rng.getrandbits(5)
    if k < 10:
        return rng.getrandbits(64)
    if k < 13:
        v = rng.getrandbits(32)
        return v if k != 12 else (v | 0xFFFFFFFF00000000 if v >> 31 else v)
    if k < 17:
        v = rng.getrandbits(6)
        return v if k != 16 else (-v) & M64
    if k < 23:
        return SPECIAL[rng.randrange(len(SPECIAL))]
    if k < 25:
        b = rng.randrange(64)
        v = 1 << b
        return v if k == 23 else (v - 1 if rng.getrandbits(1) else ~v & M64)
    if k < 27:  # sparse / dense bits
        a, b, c = rng.getrandbits(64), rng.getrandbits(64), rng.getrandbits(64)
        return a & b & c if k == 25 else a | b | c
    if k < 29:  # value with a random-width sign/zero boundary
        w = rng.randrange(1, 64)
        v = rng.getrandbits(w)
        if k == 28 and v >> (w - 1):
            v |= M64 ^ ((1 << w) - 1)
        return v
    if k < 31:  # repeated byte/halfword
        if k == 29:
            return int.from_bytes(bytes([rng.getrandbits(8)]) * 8, "little")
        return int.from_bytes(rng.getrandbits(16).to_bytes(2, "little") * 4, "little")
    return rng.getrandbits(64) & ~rng.getrandbits(64)


class Ctx:
    """One case under construction."""

    __slots__ = ("rng", "mem", "multi", "words", "mnems", "fixed", "written", "reserved", "solo",
                 "vhint", "vwritten", "fp")

    def __init__(self, rng, mem, multi=False):
        self.rng = rng
        self.mem = mem          # initial data-region bytes (4 KiB)
        self.multi = multi      # building a `multi` sequence: branches forward only
        self.words = []
        self.mnems = []         # expected capstone mnemonics, one set per word
        self.fixed = {}         # reg (31 = SP) -> required initial value
        self.written = set()    # regs written by instructions emitted so far
        self.reserved = set()   # regs with a required value: no instruction may write them
        self.solo = False       # the unit being built will be the case's only instruction
        self.vhint = {}         # V reg -> (element size, kind) its initial value is drawn as
        self.vwritten = set()   # V regs written by instructions emitted so far
        self.fp = False         # a SIMD&FP case: random FPCR/FPSR and biased V registers

    # --- code -------------------------------------------------------------------------
    def pc(self):
        return CODE_BASE + 4 * len(self.words)

    def emit(self, word, mnems):
        self.words.append(word)
        self.mnems.append(mnems if isinstance(mnems, (set, frozenset)) else {mnems})

    # --- registers ----------------------------------------------------------------------
    def _pick(self):
        r = self.rng.getrandbits(5)
        if r != 31 and self.rng.getrandbits(4) == 0:
            r = 31
        return r

    def src(self, exclude=()):
        """Any source register 0..31 (31 is XZR or SP depending on the encoding)."""
        for _ in range(20):
            r = self._pick()
            if r not in exclude:
                return r
        for r in range(32):
            if r not in exclude:
                return r
        raise NoReg

    def dst(self, exclude=()):
        """A destination register 0..31 that nothing needs intact; marks it written."""
        for _ in range(30):
            r = self._pick()
            if r not in self.reserved and r not in exclude:
                self.written.add(r)
                return r
        for r in range(32):
            if r not in self.reserved and r not in exclude:
                self.written.add(r)
                return r
        raise NoReg

    def wrote(self, r):
        self.written.add(r)

    def fresh(self, sp=False, exclude=(), even=False):
        """A register not written so far and not constrained yet; it becomes reserved.
        With sp=True, 31 (SP) may be returned. Raises NoReg if none is left."""
        busy = self.written | self.reserved | set(self.fixed) | set(exclude)
        if sp and 31 not in busy and self.rng.getrandbits(3) == 0:
            self.reserved.add(31)
            return 31
        cands = [r for r in range(31) if r not in busy and (not even or r % 2 == 0)]
        if not cands:
            raise NoReg
        r = self.rng.choice(cands)
        self.reserved.add(r)
        return r

    # --- SIMD&FP registers -----------------------------------------------------------------
    def vs(self, e=None, kind=None, r=None):
        """A V register the next instruction reads (random unless `r` is given); its
        initial value will have lanes of `e` bits drawn as `kind` (see fp_values.py),
        unless an earlier instruction wrote it or another hint came first."""
        if r is None:
            r = self.rng.getrandbits(5)
        if kind is not None and r not in self.vhint and r not in self.vwritten:
            self.vhint[r] = (e, kind)
        return r

    def vd(self):
        """A V register the next instruction writes."""
        r = self.rng.getrandbits(5)
        self.vwritten.add(r)
        return r

    def fix(self, r, v):
        self.fixed[r] = v & M64
        self.reserved.add(r)

    def val_reg(self, value):
        """A register holding `value` initially (fresh), or None if none is available."""
        try:
            r = self.fresh()
        except NoReg:
            return None
        self.fix(r, value)
        return r

    # --- memory ---------------------------------------------------------------------------
    def addr_base(self, size, align=1, off=0, sp=True):
        """Pick a base register and an effective address `ea` (inside the data region,
        `size` bytes, aligned to `align`) such that base + off == ea. Returns (rn, ea)."""
        rng = self.rng
        rn = self.fresh(sp=sp)
        lo, hi = DATA_LO + 32, DATA_HI - 32 - size
        if rng.getrandbits(3) == 0:  # hug the region edges sometimes
            ea = lo - 32 if rng.getrandbits(1) else hi + 32
            ea = min(max(ea, DATA_LO), DATA_HI - size)
        else:
            ea = rng.randrange(lo, hi)
        ea -= ea % align
        base = ea - off
        if rn == 31:
            base -= base % 16
            ea = base + off
            if ea < DATA_LO:
                base += 16
                ea += 16
            assert ea % align == 0
        assert DATA_LO <= ea and ea + size <= DATA_HI, (hex(ea), size)
        self.fix(rn, base)
        return rn, ea

    def mem_val(self, ea, size):
        o = ea - DATA_LO
        return int.from_bytes(self.mem[o:o + size], "little")


# =========================================================================================
# Units: each emits one instruction (a few for the compound ones) into a Ctx.


def u_addsub_imm(c):
    rng = c.rng
    sf, op, s = rng.getrandbits(1), rng.getrandbits(1), rng.getrandbits(1)
    sh = 1 if rng.random() < 0.3 else 0
    imm12 = rng.getrandbits(12) if rng.getrandbits(1) else rng.randrange(8)
    rn = c.src()
    rd = c.dst()
    c.emit(E.addsub_imm(sf, op, s, sh, imm12, rn, rd), {"add", "adds", "sub", "subs", "mov", "cmp", "cmn"})


def random_bitmask(rng, sf):
    esize = rng.choice((2, 4, 8, 16, 32, 64) if sf else (2, 4, 8, 16, 32))
    ones = rng.randrange(1, esize)
    rot = rng.randrange(esize)
    return E.encode_bitmask(esize, ones, rot)


def u_logic_imm(c):
    rng = c.rng
    sf, opc = rng.getrandbits(1), rng.getrandbits(2)
    n, immr, imms = random_bitmask(rng, sf)
    rn = c.src()
    rd = c.dst()
    c.emit(E.logic_imm(sf, opc, n, immr, imms, rn, rd), {"and", "orr", "eor", "ands", "mov", "tst"})


def u_movewide(c):
    rng = c.rng
    sf = rng.getrandbits(1)
    opc = rng.choice((0, 2, 3))
    hw = rng.randrange(4 if sf else 2)
    k = rng.getrandbits(2)
    imm16 = (0, 0xFFFF, rng.getrandbits(16), rng.getrandbits(4))[k]
    rd = c.dst()
    c.emit(E.movewide(sf, opc, hw, imm16, rd), {"movn", "movz", "movk", "mov"})


BITFIELD_MNEMS = {"sbfm", "bfm", "ubfm", "asr", "lsl", "lsr", "sbfiz", "sbfx", "bfi", "bfxil",
                  "bfc", "ubfiz", "ubfx", "sxtb", "sxth", "sxtw", "uxtb", "uxth"}


def u_bitfield(c):
    rng = c.rng
    sf = rng.getrandbits(1)
    opc = rng.randrange(3)
    w = 64 if sf else 32
    immr, imms = rng.randrange(w), rng.randrange(w)
    k = rng.getrandbits(3)
    if k == 0:  # the shift/insert alias shapes (ASR/LSR/LSL, BFI/BFXIL)
        imms = rng.choice((w - 1, immr, (immr - 1) % w))
    elif k == 1:  # the extend aliases: SXTB/SXTH/SXTW, UXTB/UXTH
        immr, imms = 0, rng.choice((7, 15, 31) if sf else (7, 15))
    rn = c.src()
    rd = c.dst()
    c.emit(E.bitfield(sf, opc, sf, immr, imms, rn, rd), BITFIELD_MNEMS)


def u_extract(c):
    rng = c.rng
    sf = rng.getrandbits(1)
    imms = rng.randrange(64 if sf else 32)
    rn = c.src()
    rm = rn if rng.getrandbits(2) == 0 else c.src()
    rd = c.dst()
    c.emit(E.extr(sf, sf, rm, imms, rn, rd), {"extr", "ror"})


def u_adr(c):
    rng = c.rng
    op = rng.getrandbits(1)
    imm = rng.randrange(-(1 << 20), 1 << 20) if rng.getrandbits(1) else rng.randrange(-64, 64)
    rd = c.dst()
    c.emit(E.adr(op, imm, rd), "adrp" if op else "adr")


def u_addsub_shift(c):
    rng = c.rng
    sf, op, s = rng.getrandbits(1), rng.getrandbits(1), rng.getrandbits(1)
    shift = rng.randrange(3)
    imm6 = rng.randrange(64 if sf else 32)
    rm, rn = c.src(), c.src()
    rd = c.dst()
    c.emit(E.addsub_shift(sf, op, s, shift, rm, imm6, rn, rd),
           {"add", "adds", "sub", "subs", "neg", "negs", "cmp", "cmn"})


def u_addsub_ext(c):
    rng = c.rng
    sf, op, s = rng.getrandbits(1), rng.getrandbits(1), rng.getrandbits(1)
    option = rng.getrandbits(3)
    imm3 = rng.randrange(5)
    rm, rn = c.src(), c.src()
    rd = c.dst()
    c.emit(E.addsub_ext(sf, op, s, rm, option, imm3, rn, rd), {"add", "adds", "sub", "subs", "cmp", "cmn"})


def u_addsub_carry(c):
    rng = c.rng
    sf, op, s = rng.getrandbits(1), rng.getrandbits(1), rng.getrandbits(1)
    rm, rn = c.src(), c.src()
    rd = c.dst()
    c.emit(E.addsub_carry(sf, op, s, rm, rn, rd), {"adc", "adcs", "sbc", "sbcs", "ngc", "ngcs"})


def u_logic_shift(c):
    rng = c.rng
    sf, opc, n = rng.getrandbits(1), rng.getrandbits(2), rng.getrandbits(1)
    shift = rng.getrandbits(2)
    imm6 = rng.randrange(64 if sf else 32) if rng.getrandbits(1) else 0
    rm, rn = c.src(), c.src()
    rd = c.dst()
    c.emit(E.logic_shift(sf, opc, shift, n, rm, imm6, rn, rd),
           {"and", "bic", "orr", "orn", "eor", "eon", "ands", "bics", "mov", "mvn", "tst"})


def u_condcmp(c):
    rng = c.rng
    sf, op, is_imm = rng.getrandbits(1), rng.getrandbits(1), rng.getrandbits(1)
    a = rng.getrandbits(5) if is_imm else c.src()
    rn = c.src()
    c.emit(E.condcmp(sf, op, is_imm, a, rng.getrandbits(4), rn, rng.getrandbits(4)), {"ccmn", "ccmp"})


def u_condsel(c):
    rng = c.rng
    sf, op, op2 = rng.getrandbits(1), rng.getrandbits(1), rng.getrandbits(1)
    rn = c.src()
    rm = rn if rng.getrandbits(2) == 0 else c.src()
    rd = c.dst()
    c.emit(E.condsel(sf, op, op2, rm, rng.getrandbits(4), rn, rd),
           {"csel", "csinc", "csinv", "csneg", "cset", "csetm", "cinc", "cinv", "cneg"})


def u_dp1(c):
    rng = c.rng
    sf = rng.getrandbits(1)
    opcode = rng.choice((0, 1, 2, 3, 4, 5) if sf else (0, 1, 2, 4, 5))
    rn = c.src()
    rd = c.dst()
    c.emit(E.dp1(sf, opcode, rn, rd), {"rbit", "rev16", "rev32", "rev", "rev64", "clz", "cls"})


DP2_MNEMS = {"udiv", "sdiv", "lsl", "lsr", "asr", "ror", "lslv", "lsrv", "asrv", "rorv",
             "crc32b", "crc32h", "crc32w", "crc32x", "crc32cb", "crc32ch", "crc32cw", "crc32cx"}


def u_dp2(c):
    rng = c.rng
    k = rng.randrange(3)
    if k == 0:  # CRC32{,C}{B,H,W,X}
        sz = rng.getrandbits(2)
        sf = 1 if sz == 3 else 0
        opcode = 0b010000 | (rng.getrandbits(1) << 2) | sz
    else:
        sf = rng.getrandbits(1)
        opcode = rng.choice((2, 3, 8, 9, 10, 11))
    rn, rm = None, None
    if opcode in (2, 3) and rng.getrandbits(2) == 0 and not c.multi:
        # the division corner cases: x / 0 and INT_MIN / -1
        rm = c.val_reg(rng.choice((0, M64, M32, 0xFFFFFFFF00000000)))
        rn = c.val_reg(rng.choice((1 << (63 if sf else 31), rval(rng))))
    rn = c.src() if rn is None else rn
    rm = c.src() if rm is None else rm
    rd = c.dst()
    c.emit(E.dp2(sf, opcode, rm, rn, rd), DP2_MNEMS)


DP3_MNEMS = {"madd", "msub", "mul", "mneg", "smaddl", "smsubl", "smull", "smnegl", "smulh",
             "umaddl", "umsubl", "umull", "umnegl", "umulh"}


def u_dp3(c):
    rng = c.rng
    op31, o0 = rng.choice(((0, 0), (0, 1), (1, 0), (1, 1), (2, 0), (5, 0), (5, 1), (6, 0)))
    sf = 1 if op31 else rng.getrandbits(1)
    rm, rn = c.src(), c.src()
    ra = 31 if op31 in (2, 6) else c.src()
    rd = c.dst()
    c.emit(E.dp3(sf, op31, o0, rm, ra, rn, rd), DP3_MNEMS)


ALU_UNITS = [u_addsub_imm, u_logic_imm, u_movewide, u_bitfield, u_extract, u_adr,
             u_addsub_shift, u_addsub_ext, u_addsub_carry, u_logic_shift, u_condcmp,
             u_condsel, u_dp1, u_dp2, u_dp3]
FLAG_UNITS = [u_addsub_imm, u_addsub_shift, u_addsub_ext, u_addsub_carry, u_condcmp,
              u_logic_shift]


# ---------------------------------------------------------------------------------------
# Branches


def branch_target(c):
    """A 4-aligned branch target for the instruction about to be emitted."""
    rng, pc = c.rng, c.pc()
    if c.multi:  # forward only
        far = rng.getrandbits(3) == 0
        k = rng.randrange(1, (0x3000 - pc) // 4) if far else rng.randrange(1, 12)
        return pc + 4 * k
    if rng.getrandbits(1):
        t = pc + 4 * rng.randrange(-8, 12)
    else:
        t = rng.randrange(0x1000, 0x3000, 4)
    return min(max(t, 0x1000), 0x2FFC)


def u_branch(c):
    rng = c.rng
    pc = c.pc()
    kind = rng.randrange(8)
    if kind in (6, 7):  # BR / BLR / RET via a target register
        opc = rng.choice((0, 1, 2))
        target = branch_target(c)
        if opc == 2 and rng.getrandbits(1) and 30 not in (c.written | c.reserved | set(c.fixed)):
            rn = 30
            c.reserved.add(30)
        else:
            rn = c.fresh()
        if opc == 1 and rn != 30 and 30 in c.reserved:
            opc = 0
        c.fix(rn, target)
        if opc == 1:
            c.wrote(30)
        c.emit(E.br_reg(opc, rn), ("br", "blr", "ret")[opc])
        return
    target = branch_target(c)
    off = target - pc
    if kind == 0:
        op = 1 if rng.getrandbits(1) and 30 not in c.reserved else 0
        if op:
            c.wrote(30)
        c.emit(E.b_imm(op, off), "bl" if op else "b")
    elif kind in (1, 2):
        c.emit(E.b_cond(off, rng.getrandbits(4)), BCOND_MNEMS)
    elif kind in (3, 4):
        sf, op = rng.getrandbits(1), rng.getrandbits(1)
        rt = c.src()
        if rt != 31 and rng.getrandbits(1) and rt not in c.written and rt not in c.fixed:
            v = 0 if sf else rng.getrandbits(32) << 32  # zero in the tested width
            c.fix(rt, v)
        c.emit(E.cb(sf, op, off, rt), {"cbz", "cbnz"})
    else:
        bit, op = rng.randrange(64), rng.getrandbits(1)
        rt = c.src()
        c.emit(E.tb(bit, op, off, rt), {"tbz", "tbnz"})


# ---------------------------------------------------------------------------------------
# Loads and stores

# (size, opc, kind) with kind 'st', 'ld' or 'prf'; names per addressing form.
LDST_FORMS = [
    (0, 0, "st", "strb", "sturb", "sttrb"), (0, 1, "ld", "ldrb", "ldurb", "ldtrb"),
    (0, 2, "ld", "ldrsb", "ldursb", "ldtrsb"), (0, 3, "ld", "ldrsb", "ldursb", "ldtrsb"),
    (1, 0, "st", "strh", "sturh", "sttrh"), (1, 1, "ld", "ldrh", "ldurh", "ldtrh"),
    (1, 2, "ld", "ldrsh", "ldursh", "ldtrsh"), (1, 3, "ld", "ldrsh", "ldursh", "ldtrsh"),
    (2, 0, "st", "str", "stur", "sttr"), (2, 1, "ld", "ldr", "ldur", "ldtr"),
    (2, 2, "ld", "ldrsw", "ldursw", "ldtrsw"),
    (3, 0, "st", "str", "stur", "sttr"), (3, 1, "ld", "ldr", "ldur", "ldtr"),
    (3, 2, "prf", "prfm", "prfum", None),
]
LDST_NOPRF = [f for f in LDST_FORMS if f[2] != "prf"]


def ldst_rt(c, kind, rn, wback, allow_self=False):
    """Rt for a single-register load/store whose base is `rn`."""
    if kind == "prf":
        return c.rng.getrandbits(5)  # prfop: every value is allowed (reserved ones are NOPs)
    if kind == "st":
        return c.src(exclude=(rn,) if wback and rn != 31 else ())
    if allow_self and rn != 31 and not c.multi and c.rng.getrandbits(4) == 0:
        c.wrote(rn)  # load over its own base (no writeback: well defined)
        return rn
    return c.dst()


def u_ldst_uimm(c):
    rng = c.rng
    size, opc, kind, name = rng.choice(LDST_FORMS)[:4]
    imm12 = rng.randrange(24) if rng.getrandbits(1) else rng.getrandbits(12)
    rn, ea = c.addr_base(1 << size, off=imm12 << size)
    rt = ldst_rt(c, kind, rn, False, allow_self=True)
    c.emit(E.ldst_uimm(size, opc, imm12, rn, rt), name)


def u_ldst_unscaled(c):
    rng = c.rng
    f = rng.choice(LDST_FORMS)
    size, opc, kind, name = f[0], f[1], f[2], f[4]
    imm9 = rng.randrange(-256, 256)
    rn, ea = c.addr_base(1 << size, off=imm9)
    rt = ldst_rt(c, kind, rn, False, allow_self=True)
    c.emit(E.ldst_imm9(size, opc, imm9, 0, rn, rt), name)


def u_ldst_prepost(c):
    rng = c.rng
    size, opc, kind, name = rng.choice(LDST_NOPRF)[:4]
    imm9 = rng.randrange(-256, 256) if rng.getrandbits(1) else rng.randrange(-16, 17)
    pre = rng.getrandbits(1)
    rn, ea = c.addr_base(1 << size, off=imm9 if pre else 0)
    rt = ldst_rt(c, kind, rn, True)
    c.wrote(rn)
    c.emit(E.ldst_imm9(size, opc, imm9, 3 if pre else 1, rn, rt), name)


def u_ldst_unpriv(c):
    rng = c.rng
    f = rng.choice(LDST_NOPRF)
    size, opc, kind, name = f[0], f[1], f[2], f[5]
    imm9 = rng.randrange(-256, 256)
    rn, ea = c.addr_base(1 << size, off=imm9)
    rt = ldst_rt(c, kind, rn, False)  # (capstone rejects LDTR* with Rt == Rn)
    c.emit(E.ldst_imm9(size, opc, imm9, 2, rn, rt), name)


def _extend(value, option):
    """ExtendReg for the register-offset options 010 UXTW, 011 LSL, 110 SXTW, 111 SXTX."""
    if option == 2:
        return value & M32
    if option == 6:
        v = value & M32
        return (v | 0xFFFFFFFF00000000) if v >> 31 else v
    return value & M64


def u_ldst_regoff(c):
    rng = c.rng
    size, opc, kind, name = rng.choice(LDST_FORMS)[:4]
    option = rng.choice((2, 3, 6, 7))
    s = rng.getrandbits(1)
    amt = size if s else 0
    rn = c.fresh(sp=True)
    rm = 31 if rng.getrandbits(3) == 0 else c.fresh(exclude=(rn,))
    n = 1 << size
    ea = rng.randrange(DATA_LO + 32, DATA_HI - 32 - n)
    if rn == 31:  # SP: aligned base, non-negative scaled index
        base = rng.randrange(DATA_LO, ea + 1) & ~15
        if rm == 31:
            ea = base
        d = (ea - base) >> amt
        ea = base + (d << amt)
        if rm != 31:
            hi = rng.getrandbits(32) << 32 if option in (2, 6) else 0
            c.fix(rm, hi | d)
    else:
        if rm == 31:
            idx = 0
        elif option in (2, 6):
            lo32 = rng.choice((rng.getrandbits(32), rng.getrandbits(12), (-rng.getrandbits(12)) & M32,
                               0x7FFFFFFF, 0x80000000))
            idx = (rng.getrandbits(32) << 32) | lo32
        else:
            idx = rval(rng) if rng.getrandbits(1) else (rng.randrange(-4096, 4096) & M64)
        if rm != 31:
            c.fix(rm, idx)
        base = (ea - (_extend(idx, option) << amt)) & M64
    assert DATA_LO <= ea and ea + n <= DATA_HI
    c.fix(rn, base)
    rt = ldst_rt(c, kind, rn, False)
    c.emit(E.ldst_regoff(size, opc, rm, option, s, rn, rt), name)


def u_ldst_literal(c):
    rng = c.rng
    opc = rng.getrandbits(2)
    pc = c.pc()
    if rng.getrandbits(1):
        target = pc + 4 * rng.randrange(-16, 24)
    else:
        target = rng.randrange(0, 0x4000 - 8, 4)
    target = min(max(target, 0), 0x4000 - 8)
    rt = rng.getrandbits(5) if opc == 3 else c.dst()
    c.emit(E.ldr_lit(opc, target - pc, rt), ("ldr", "ldr", "ldrsw", "prfm")[opc])


PAIR_FORMS = [  # (opc, load, names by idx 0..3)
    (0, 0, ("stnp", "stp", "stp", "stp")), (0, 1, ("ldnp", "ldp", "ldp", "ldp")),
    (1, 1, (None, "ldpsw", "ldpsw", "ldpsw")),
    (2, 0, ("stnp", "stp", "stp", "stp")), (2, 1, ("ldnp", "ldp", "ldp", "ldp")),
]


def u_ldst_pair(c):
    rng = c.rng
    opc, load, names = rng.choice(PAIR_FORMS)
    idx = rng.randrange(1 if opc == 1 else 0, 4)
    scale = 8 if opc == 2 else 4
    imm7 = rng.randrange(-64, 64) if rng.getrandbits(1) else rng.randrange(-4, 5)
    wback = idx in (1, 3)
    rn, ea = c.addr_base(2 * scale, off=0 if idx == 1 else imm7 * scale)
    if load:
        rt = c.dst()
        rt2 = c.dst(exclude=(rt,))
    else:
        ex = (rn,) if wback and rn != 31 else ()
        rt, rt2 = c.src(exclude=ex), c.src(exclude=ex)
    if wback:
        c.wrote(rn)
    c.emit(E.ldst_pair(opc, idx, load, imm7, rt2, rn, rt), names[idx])


# ---------------------------------------------------------------------------------------
# Exclusives, acquire/release, LSE atomics

SZ = ("b", "h", "", "")


def u_ordered(c):
    """LDAR/STLR/LDAPR (any size), naturally aligned."""
    rng = c.rng
    size = rng.getrandbits(2)
    kind = rng.randrange(3)
    rn, ea = c.addr_base(1 << size, align=1 << size)
    if kind == 0:
        rt = c.dst()
        c.emit(E.ldar(size, rn, rt), "ldar" + SZ[size])
    elif kind == 1:
        c.emit(E.stlr(size, rn, c.src()), "stlr" + SZ[size])
    else:
        rt = c.dst()
        c.emit(E.ldapr(size, rn, rt), "ldapr" + SZ[size])


def _status_reg(c, data_regs, rn):
    ex = set(data_regs)
    if rn != 31:
        ex.add(rn)
    return c.dst(exclude=ex)


def g_exclusive(c):
    rng = c.rng
    form = rng.randrange(8)
    pair = form in (2, 3)
    if form == 7:
        u_ordered(c)
        if rng.getrandbits(1):
            u_ordered(c)
        return
    if pair or form == 5 and rng.getrandbits(1):
        sf = rng.getrandbits(1)
        nbytes = 16 if sf else 8
        rn, ea = c.addr_base(nbytes, align=nbytes)
        ld_name, st_name = "ldxp", "stxp"
        acq, rel = rng.getrandbits(1), rng.getrandbits(1)
        if form in (0, 2, 4, 5, 6):  # with the load first
            rt = c.dst()
            rt2 = c.dst(exclude=(rt,))
            c.emit(E.ldxp(sf, acq, rt2, rn, rt), "ldaxp" if acq else "ldxp")
        if form == 6:
            c.emit(E.CLREX, "clrex")
        if form in (0, 2, 3, 4, 6):
            if form == 4 and rng.getrandbits(1):
                rng.choice(ALU_UNITS)(c)
            dt, dt2 = c.src(), c.src()
            rs = _status_reg(c, (dt, dt2), rn)
            c.emit(E.stxp(sf, rel, rs, dt2, rn, dt), "stlxp" if rel else "stxp")
        return
    size = rng.getrandbits(2)
    rn, ea = c.addr_base(1 << size, align=1 << size)
    acq, rel = rng.getrandbits(1), rng.getrandbits(1)
    if form in (0, 4, 5, 6):
        rt = c.dst()
        c.emit(E.ldxr(size, acq, rn, rt), ("ldaxr" if acq else "ldxr") + SZ[size])
    if form == 6:
        c.emit(E.CLREX, "clrex")
    if form in (0, 1, 4, 6):
        if form == 4:
            rng.choice(ALU_UNITS)(c)
        dt = c.src()
        rs = _status_reg(c, (dt,), rn)
        c.emit(E.stxr(size, rel, rs, rn, dt), ("stlxr" if rel else "stxr") + SZ[size])


ATOMIC_OPS = ("add", "clr", "eor", "set", "smax", "smin", "umax", "umin")


def u_lse(c):
    rng = c.rng
    kind = rng.randrange(10)
    acq, rel = rng.getrandbits(1), rng.getrandbits(1)
    al = ("a" if acq else "") + ("l" if rel else "")
    if kind < 3:  # CAS
        size = rng.getrandbits(2)
        n = 1 << size
        rn, ea = c.addr_base(n, align=n)
        old = c.mem_val(ea, n)
        cmpv = old | (rval(rng) & ~((1 << (8 * n)) - 1)) if rng.getrandbits(1) else rval(rng)
        rs = c.val_reg(cmpv)
        if rs is None:
            rs = c.dst(exclude=(rn,))
        c.wrote(rs)
        rt = c.src(exclude=(rn,))
        c.emit(E.cas(size, acq, rel, rs, rn, rt), "cas" + al + SZ[size])
    elif kind < 5:  # CASP
        sf = rng.getrandbits(1)
        n = 4 << sf
        rn, ea = c.addr_base(2 * n, align=2 * n)
        busy = c.written | c.reserved | set(c.fixed)
        evens = [r for r in range(0, 30, 2) if r not in busy and r + 1 not in busy]
        if not evens:
            raise NoReg
        rs = rng.choice(evens)
        m = (1 << (8 * n)) - 1
        for i in (0, 1):
            v = c.mem_val(ea + i * n, n)
            c.fix(rs + i, v if rng.getrandbits(2) else rval(rng))
            if rng.getrandbits(1):
                c.fixed[rs + i] |= rval(rng) & ~m  # ignored upper bits of W pairs
        c.wrote(rs)
        c.wrote(rs + 1)
        rts = [r for r in range(0, 30, 2) if r not in (rs, rn, rn - 1)]
        rt = rng.choice(rts)
        c.emit(E.casp(sf, acq, rel, rs, rn, rt), "casp" + al)
    else:  # LD<op> / ST<op> / SWP
        size = rng.getrandbits(2)
        swp = kind == 9
        opc = 0 if swp else rng.getrandbits(3)
        if opc in (4, 5) and size != 3 and not (c.solo and not c.words):
            # Unicorn 2.1.4 gets sub-word LDSMAX/LDSMIN memory results wrong; difftest.py
            # corrects them, which it can only do for single-instruction cases.
            size = 3
        n = 1 << size
        rn, ea = c.addr_base(n, align=n)
        rs = c.src(exclude=(rn,))
        rt = 31 if rng.getrandbits(2) == 0 else c.dst(exclude=(rn,))
        if rt == 31:
            c.wrote(31)
        if swp:
            names = {"swp" + al + SZ[size]}
        else:
            names = {"ld" + ATOMIC_OPS[opc] + al + SZ[size]}
            if rt == 31 and not acq:
                names.add("st" + ATOMIC_OPS[opc] + al + SZ[size])
        c.emit(E.atomic(size, acq, rel, rs, 1 if swp else 0, opc, rn, rt), names)


# =========================================================================================
# Groups


def repeat(unit, weights=(70, 20, 10)):
    def g(c):
        k = c.rng.choices((1, 2, 3), weights)[0]
        for _ in range(k):
            unit(c)
    g.__name__ = "g_" + unit.__name__[2:]
    return g


def g_lse(c):
    k = c.rng.choices((1, 2), (75, 25))[0]
    c.solo = k == 1
    for _ in range(k):
        u_lse(c)


def g_branch(c):
    rng = c.rng
    for _ in range(rng.choice((0, 1, 1, 2))):
        rng.choice(FLAG_UNITS if rng.getrandbits(1) else ALU_UNITS)(c)
    u_branch(c)
    for _ in range(rng.randrange(3)):
        rng.choice(ALU_UNITS)(c)


MULTI_UNITS = ALU_UNITS + [u_branch, u_ldst_uimm, u_ldst_unscaled, u_ldst_prepost,
                           u_ldst_regoff, u_ldst_literal, u_ldst_unpriv, u_ldst_pair,
                           u_ordered, u_lse] + FLAG_UNITS


def g_multi(c):
    rng = c.rng
    target = rng.randrange(4, 9)
    while len(c.words) < target:
        rng.choice(MULTI_UNITS)(c)


GROUPS = {
    "addsub_imm": repeat(u_addsub_imm),
    "logic_imm": repeat(u_logic_imm),
    "movewide": repeat(u_movewide),
    "bitfield": repeat(u_bitfield),
    "extract": repeat(u_extract),
    "adr": repeat(u_adr),
    "addsub_shift": repeat(u_addsub_shift),
    "addsub_ext": repeat(u_addsub_ext),
    "addsub_carry": repeat(u_addsub_carry),
    "logic_shift": repeat(u_logic_shift),
    "condcmp": repeat(u_condcmp),
    "condsel": repeat(u_condsel),
    "dp1": repeat(u_dp1),
    "dp2": repeat(u_dp2),
    "dp3": repeat(u_dp3),
    "branch": g_branch,
    "ldst_uimm": repeat(u_ldst_uimm, (75, 25, 0)),
    "ldst_unscaled": repeat(u_ldst_unscaled, (75, 25, 0)),
    "ldst_prepost": repeat(u_ldst_prepost, (75, 25, 0)),
    "ldst_regoff": repeat(u_ldst_regoff, (75, 25, 0)),
    "ldst_literal": repeat(u_ldst_literal, (75, 25, 0)),
    "ldst_unpriv": repeat(u_ldst_unpriv, (75, 25, 0)),
    "ldst_pair": repeat(u_ldst_pair, (75, 25, 0)),
    "exclusive": g_exclusive,
    "lse": g_lse,
    "multi": g_multi,
}


def is_branchy(word):
    """True for words in the branch/exception/system class (op0 = x101): execution may
    leave the straight line, so the oracle must count instructions."""
    return (word >> 26) & 7 == 0b101


def gen_case(rng, group, fn, mem, vgen):
    """(words, mnems, regs[32] (x0..x30, sp), nzcv, fpcr, fpsr, vregs[32]) for one case of
    `group`, built by the group function `fn`; `vgen` is a fp_values.VGen."""
    for _ in range(100):
        c = Ctx(rng, mem, multi=(group in ("multi", "fp_multi")))
        try:
            fn(c)
        except NoReg:
            continue
        if len(c.words) > MAX_WORDS:
            continue
        regs = [0] * 32
        fixed = c.fixed
        for i in range(31):
            v = fixed.get(i)
            regs[i] = rval(rng) if v is None else v
        v = fixed.get(31)
        if v is None:
            v = rval(rng)
            if rng.getrandbits(1):
                v &= ~15
        regs[31] = v
        if not c.fp:  # integer case: V registers random, FPCR/FPSR cheap
            vregs = [rng.getrandbits(128) for _ in range(32)]
            return c.words, c.mnems, regs, rng.getrandbits(4), rng.getrandbits(5) << 22, 0, vregs
        hint = c.vhint
        vregs = [vgen.reg(*hint[i]) if i in hint else vgen.any_reg() for i in range(32)]
        vgen.mix_lanes(vregs, hint)
        return (c.words, c.mnems, regs, rng.getrandbits(4), FV.fpcr_value(rng),
                FV.fpsr_value(rng), vregs)
    raise GeneratorBug(f"group {group}: could not build a case in 100 attempts")
