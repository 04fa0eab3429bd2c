"""Random valid SIMD&FP instructions (Armv8.0-A floating point and Advanced SIMD, the
half-precision conversions, and the Cryptographic Extension), one group per encoding
class of the Arm ARM (DDI 0487, C4.1.95 "Data Processing -- Scalar Floating-Point and
Advanced SIMD" and the SIMD&FP loads and stores of C4.1.88).

Each unit picks one instruction of its class uniformly from a table of (fields, mnemonic,
valid sizes) and emits it with every valid size / Q / type combination reachable; reserved
combinations are never produced (difftest.py disassembles every word with capstone and
stops with GENERATOR BUG on anything capstone rejects or names differently). Source V
registers are hinted with the element size and kind the instruction reads, so their lanes
are biased to that type's edge cases (fp_values.py); registers an instruction
reads and writes (accumulators, inserts, the upper half of the `2` narrowing forms) are
hinted too.

The tables list the instructions of Armv8.0 only: the FP16 arithmetic of Armv8.2
(type = 11 other than FCVT, size = 0x / o2 = 1 half-precision vector forms), the Armv8.1
SQRDMLAH/SQRDMLSH, dot products, FMLAL, FJCVTZS, FRINT32/64, SHA512/SHA3/SM3/SM4 are left
out, although Unicorn's `max` CPU implements them.
"""

import a64enc as E
import generators as G

# Element size specs: which `size` values are valid, and whether size = 11 (D) needs Q=1.
SIZES = {
    "all": (0, 1, 2, 3),   # B H S D (vector: D only with Q = 1)
    "bhs": (0, 1, 2),
    "bh": (0, 1),
    "hs": (1, 2),
    "b": (0,),
    "d": (3,),
}


def pick_vec(rng, spec):
    """(size, q) for a vector instruction with the element sizes `spec`; 1D is reserved."""
    size = rng.choice(SIZES[spec])
    q = 1 if size == 3 else rng.getrandbits(1)
    return size, q


def vrw(c, e, kind):
    """A V register the instruction both reads and writes (accumulator, insert target)."""
    r = c.vs(e, kind)
    c.vwritten.add(r)
    return r


def two(name, q):
    """The `2` (upper half) mnemonic of the long, wide and narrowing forms."""
    return name + "2" if q else name


# =========================================================================================
# Advanced SIMD three same (vector and scalar)

# (U, opcode, mnemonic, sizes, reads Vd, Vm kind)
INT_3SAME = [
    (0, 0, "shadd", "bhs", 0, "i"), (1, 0, "uhadd", "bhs", 0, "i"),
    (0, 1, "sqadd", "all", 0, "i"), (1, 1, "uqadd", "all", 0, "i"),
    (0, 2, "srhadd", "bhs", 0, "i"), (1, 2, "urhadd", "bhs", 0, "i"),
    (0, 4, "shsub", "bhs", 0, "i"), (1, 4, "uhsub", "bhs", 0, "i"),
    (0, 5, "sqsub", "all", 0, "i"), (1, 5, "uqsub", "all", 0, "i"),
    (0, 6, "cmgt", "all", 0, "i"), (1, 6, "cmhi", "all", 0, "i"),
    (0, 7, "cmge", "all", 0, "i"), (1, 7, "cmhs", "all", 0, "i"),
    (0, 8, "sshl", "all", 0, "sh"), (1, 8, "ushl", "all", 0, "sh"),
    (0, 9, "sqshl", "all", 0, "sh"), (1, 9, "uqshl", "all", 0, "sh"),
    (0, 10, "srshl", "all", 0, "sh"), (1, 10, "urshl", "all", 0, "sh"),
    (0, 11, "sqrshl", "all", 0, "sh"), (1, 11, "uqrshl", "all", 0, "sh"),
    (0, 12, "smax", "bhs", 0, "i"), (1, 12, "umax", "bhs", 0, "i"),
    (0, 13, "smin", "bhs", 0, "i"), (1, 13, "umin", "bhs", 0, "i"),
    (0, 14, "sabd", "bhs", 0, "i"), (1, 14, "uabd", "bhs", 0, "i"),
    (0, 15, "saba", "bhs", 1, "i"), (1, 15, "uaba", "bhs", 1, "i"),
    (0, 16, "add", "all", 0, "i"), (1, 16, "sub", "all", 0, "i"),
    (0, 17, "cmtst", "all", 0, "i"), (1, 17, "cmeq", "all", 0, "i"),
    (0, 18, "mla", "bhs", 1, "i"), (1, 18, "mls", "bhs", 1, "i"),
    (0, 19, "mul", "bhs", 0, "i"), (1, 19, "pmul", "b", 0, "i"),
    (0, 20, "smaxp", "bhs", 0, "i"), (1, 20, "umaxp", "bhs", 0, "i"),
    (0, 21, "sminp", "bhs", 0, "i"), (1, 21, "uminp", "bhs", 0, "i"),
    (0, 22, "sqdmulh", "hs", 0, "i"), (1, 22, "sqrdmulh", "hs", 0, "i"),
    (0, 23, "addp", "all", 0, "i"),
]

# Logical (opcode 00011): (U, size, mnemonic(s), reads Vd)
LOGIC_3SAME = [
    (0, 0, {"and"}, 0), (0, 1, {"bic"}, 0), (0, 2, {"orr", "mov"}, 0), (0, 3, {"orn"}, 0),
    (1, 0, {"eor"}, 0), (1, 1, {"bsl"}, 1), (1, 2, {"bit"}, 1), (1, 3, {"bif"}, 1),
]

# FP (opcode 11xxx, size = a:sz): (U, a, opcode, mnemonic, reads Vd)
FP_3SAME = [
    (0, 0, 24, "fmaxnm", 0), (0, 0, 25, "fmla", 1), (0, 0, 26, "fadd", 0),
    (0, 0, 27, "fmulx", 0), (0, 0, 28, "fcmeq", 0), (0, 0, 30, "fmax", 0),
    (0, 0, 31, "frecps", 0),
    (0, 1, 24, "fminnm", 0), (0, 1, 25, "fmls", 1), (0, 1, 26, "fsub", 0),
    (0, 1, 30, "fmin", 0), (0, 1, 31, "frsqrts", 0),
    (1, 0, 24, "fmaxnmp", 0), (1, 0, 26, "faddp", 0), (1, 0, 27, "fmul", 0),
    (1, 0, 28, "fcmge", 0), (1, 0, 29, "facge", 0), (1, 0, 30, "fmaxp", 0),
    (1, 0, 31, "fdiv", 0),
    (1, 1, 24, "fminnmp", 0), (1, 1, 26, "fabd", 0), (1, 1, 28, "fcmgt", 0),
    (1, 1, 29, "facgt", 0), (1, 1, 30, "fminp", 0),
]

SCALAR_INT_3SAME = [
    (0, 1, "sqadd", "all", 0, "i"), (1, 1, "uqadd", "all", 0, "i"),
    (0, 5, "sqsub", "all", 0, "i"), (1, 5, "uqsub", "all", 0, "i"),
    (0, 6, "cmgt", "d", 0, "i"), (1, 6, "cmhi", "d", 0, "i"),
    (0, 7, "cmge", "d", 0, "i"), (1, 7, "cmhs", "d", 0, "i"),
    (0, 8, "sshl", "d", 0, "sh"), (1, 8, "ushl", "d", 0, "sh"),
    (0, 9, "sqshl", "all", 0, "sh"), (1, 9, "uqshl", "all", 0, "sh"),
    (0, 10, "srshl", "d", 0, "sh"), (1, 10, "urshl", "d", 0, "sh"),
    (0, 11, "sqrshl", "all", 0, "sh"), (1, 11, "uqrshl", "all", 0, "sh"),
    (0, 16, "add", "d", 0, "i"), (1, 16, "sub", "d", 0, "i"),
    (0, 17, "cmtst", "d", 0, "i"), (1, 17, "cmeq", "d", 0, "i"),
    (0, 22, "sqdmulh", "hs", 0, "i"), (1, 22, "sqrdmulh", "hs", 0, "i"),
]

SCALAR_FP_3SAME = [
    (0, 0, 27, "fmulx", 0), (0, 0, 28, "fcmeq", 0), (0, 0, 31, "frecps", 0),
    (0, 1, 31, "frsqrts", 0),
    (1, 0, 28, "fcmge", 0), (1, 0, 29, "facge", 0),
    (1, 1, 26, "fabd", 0), (1, 1, 28, "fcmgt", 0), (1, 1, 29, "facgt", 0),
]


def _srcs(c, e, kind_n, kind_m):
    rn = c.vs(e, kind_n)
    rm = rn if c.rng.getrandbits(3) == 0 else c.vs(e, kind_m)
    return rn, rm


def u_simd_3same(c):
    rng = c.rng
    k = rng.randrange(len(INT_3SAME) + len(LOGIC_3SAME) + len(FP_3SAME))
    if k < len(INT_3SAME):
        u, opc, name, sizes, acc, km = INT_3SAME[k]
        size, q = pick_vec(rng, sizes)
        e = 8 << size
        rn, rm = _srcs(c, e, "i", km)
        rd = vrw(c, e, "i") if acc else c.vd()
        c.emit(E.simd_3same(0, q, u, size, rm, opc, rn, rd), name)
        return
    k -= len(INT_3SAME)
    if k < len(LOGIC_3SAME):
        u, size, names, acc = LOGIC_3SAME[k]
        q = rng.getrandbits(1)
        rn, rm = _srcs(c, 8, "i", "i")
        rd = vrw(c, 8, "i") if acc else c.vd()
        c.emit(E.simd_3same(0, q, u, size, rm, 3, rn, rd), names)
        return
    u, a, opc, name, acc = FP_3SAME[k - len(LOGIC_3SAME)]
    sz = rng.getrandbits(1)
    q = 1 if sz else rng.getrandbits(1)
    e = 32 << sz
    rn, rm = _srcs(c, e, "f", "f")
    rd = vrw(c, e, "f") if acc else c.vd()
    c.emit(E.simd_3same(0, q, u, (a << 1) | sz, rm, opc, rn, rd), name)


def u_scalar_3same(c):
    rng = c.rng
    k = rng.randrange(len(SCALAR_INT_3SAME) + len(SCALAR_FP_3SAME))
    if k < len(SCALAR_INT_3SAME):
        u, opc, name, sizes, _, km = SCALAR_INT_3SAME[k]
        size = rng.choice(SIZES[sizes])
        e = 8 << size
        rn, rm = _srcs(c, e, "i", km)
        c.emit(E.simd_3same(1, 0, u, size, rm, opc, rn, c.vd()), name)
        return
    u, a, opc, name, _ = SCALAR_FP_3SAME[k - len(SCALAR_INT_3SAME)]
    sz = rng.getrandbits(1)
    rn, rm = _srcs(c, 32 << sz, "f", "f")
    c.emit(E.simd_3same(1, 0, u, (a << 1) | sz, rm, opc, rn, c.vd()), name)


# =========================================================================================
# Advanced SIMD three different

# (U, opcode, mnemonic, sizes, shape, reads Vd); shape L: Vn, Vm narrow -> Vd wide;
# W: Vn wide, Vm narrow -> Vd wide; N: Vn, Vm wide -> Vd narrow (upper half for `2`)
THREE_DIFF = [
    (0, 0, "saddl", "bhs", "L", 0), (1, 0, "uaddl", "bhs", "L", 0),
    (0, 1, "saddw", "bhs", "W", 0), (1, 1, "uaddw", "bhs", "W", 0),
    (0, 2, "ssubl", "bhs", "L", 0), (1, 2, "usubl", "bhs", "L", 0),
    (0, 3, "ssubw", "bhs", "W", 0), (1, 3, "usubw", "bhs", "W", 0),
    (0, 4, "addhn", "bhs", "N", 0), (1, 4, "raddhn", "bhs", "N", 0),
    (0, 5, "sabal", "bhs", "L", 1), (1, 5, "uabal", "bhs", "L", 1),
    (0, 6, "subhn", "bhs", "N", 0), (1, 6, "rsubhn", "bhs", "N", 0),
    (0, 7, "sabdl", "bhs", "L", 0), (1, 7, "uabdl", "bhs", "L", 0),
    (0, 8, "smlal", "bhs", "L", 1), (1, 8, "umlal", "bhs", "L", 1),
    (0, 9, "sqdmlal", "hs", "L", 1),
    (0, 10, "smlsl", "bhs", "L", 1), (1, 10, "umlsl", "bhs", "L", 1),
    (0, 11, "sqdmlsl", "hs", "L", 1),
    (0, 12, "smull", "bhs", "L", 0), (1, 12, "umull", "bhs", "L", 0),
    (0, 13, "sqdmull", "hs", "L", 0),
    (0, 14, "pmull", "b", "L", 0),
]

SCALAR_3DIFF = [(0, 9, "sqdmlal", 1), (0, 11, "sqdmlsl", 1), (0, 13, "sqdmull", 0)]


def u_simd_3diff(c):
    rng = c.rng
    k = rng.randrange(len(THREE_DIFF) + 1)
    if k == len(THREE_DIFF):  # PMULL{2} Vd.1Q, Vn.1D/2D, Vm.1D/2D (Cryptographic Extension)
        q = rng.getrandbits(1)
        rn, rm = _srcs(c, 64, "i", "i")
        c.emit(E.simd_3diff(0, q, 0, 3, rm, 14, rn, c.vd()), two("pmull", q))
        return
    u, opc, name, sizes, shape, acc = THREE_DIFF[k]
    size = rng.choice(SIZES[sizes])
    q = rng.getrandbits(1)
    e = 8 << size
    if shape == "L":
        rn, rm = _srcs(c, e, "i", "i")
        rd = vrw(c, 2 * e, "i") if acc else c.vd()
    elif shape == "W":
        rn = c.vs(2 * e, "i")
        rm = c.vs(e, "i")
        rd = c.vd()
    else:
        rn, rm = _srcs(c, 2 * e, "i", "i")
        rd = vrw(c, e, "i") if q else c.vd()
    c.emit(E.simd_3diff(0, q, u, size, rm, opc, rn, rd), two(name, q))


def u_scalar_3diff(c):
    rng = c.rng
    u, opc, name, acc = rng.choice(SCALAR_3DIFF)
    size = rng.choice((1, 2))
    e = 8 << size
    rn, rm = _srcs(c, e, "i", "i")
    rd = vrw(c, 2 * e, "i") if acc else c.vd()
    c.emit(E.simd_3diff(1, 0, u, size, rm, opc, rn, rd), name)


# =========================================================================================
# Advanced SIMD two-register miscellaneous

# (U, opcode, mnemonic(s), size values, shape, reads Vd); shape "same", "N" (narrow: size
# is the destination element; `2` forms write the upper half), "L" (pairwise long / SHLL:
# size is the source element)
INT_2MISC = [
    (0, 0, {"rev64"}, "bhs", "same", 0), (1, 0, {"rev32"}, "bh", "same", 0),
    (0, 1, {"rev16"}, "b", "same", 0),
    (0, 2, {"saddlp"}, "bhs", "L", 0), (1, 2, {"uaddlp"}, "bhs", "L", 0),
    (0, 3, {"suqadd"}, "all", "same", 1), (1, 3, {"usqadd"}, "all", "same", 1),
    (0, 4, {"cls"}, "bhs", "same", 0), (1, 4, {"clz"}, "bhs", "same", 0),
    (0, 5, {"cnt"}, "b", "same", 0),
    (0, 6, {"sadalp"}, "bhs", "L", 1), (1, 6, {"uadalp"}, "bhs", "L", 1),
    (0, 7, {"sqabs"}, "all", "same", 0), (1, 7, {"sqneg"}, "all", "same", 0),
    (0, 8, {"cmgt"}, "all", "same", 0), (1, 8, {"cmge"}, "all", "same", 0),
    (0, 9, {"cmeq"}, "all", "same", 0), (1, 9, {"cmle"}, "all", "same", 0),
    (0, 10, {"cmlt"}, "all", "same", 0),
    (0, 11, {"abs"}, "all", "same", 0), (1, 11, {"neg"}, "all", "same", 0),
    (0, 18, {"xtn"}, "bhs", "N", 0), (1, 18, {"sqxtun"}, "bhs", "N", 0),
    (1, 19, {"shll"}, "bhs", "SHLL", 0),
    (0, 20, {"sqxtn"}, "bhs", "N", 0), (1, 20, {"uqxtn"}, "bhs", "N", 0),
]

# FP (size = a:sz): (U, a, opcode, mnemonic, kind read, kind written)
FP_2MISC = [
    (0, 1, 12, "fcmgt", "f"), (0, 1, 13, "fcmeq", "f"), (0, 1, 14, "fcmlt", "f"),
    (0, 1, 15, "fabs", "f"),
    (0, 0, 24, "frintn", "f"), (0, 0, 25, "frintm", "f"), (0, 1, 24, "frintp", "f"),
    (0, 1, 25, "frintz", "f"), (1, 0, 24, "frinta", "f"), (1, 0, 25, "frintx", "f"),
    (1, 1, 25, "frinti", "f"),
    (0, 0, 26, "fcvtns", "f"), (0, 0, 27, "fcvtms", "f"), (0, 0, 28, "fcvtas", "f"),
    (0, 0, 29, "scvtf", "i"),
    (0, 1, 26, "fcvtps", "f"), (0, 1, 27, "fcvtzs", "f"), (0, 1, 29, "frecpe", "f"),
    (1, 0, 26, "fcvtnu", "f"), (1, 0, 27, "fcvtmu", "f"), (1, 0, 28, "fcvtau", "f"),
    (1, 0, 29, "ucvtf", "i"),
    (1, 1, 12, "fcmge", "f"), (1, 1, 13, "fcmle", "f"), (1, 1, 15, "fneg", "f"),
    (1, 1, 26, "fcvtpu", "f"), (1, 1, 27, "fcvtzu", "f"), (1, 1, 29, "frsqrte", "f"),
    (1, 1, 31, "fsqrt", "f"),
]

SCALAR_INT_2MISC = [
    (0, 3, "suqadd", "all", "same", 1), (1, 3, "usqadd", "all", "same", 1),
    (0, 7, "sqabs", "all", "same", 0), (1, 7, "sqneg", "all", "same", 0),
    (0, 8, "cmgt", "d", "same", 0), (1, 8, "cmge", "d", "same", 0),
    (0, 9, "cmeq", "d", "same", 0), (1, 9, "cmle", "d", "same", 0),
    (0, 10, "cmlt", "d", "same", 0),
    (0, 11, "abs", "d", "same", 0), (1, 11, "neg", "d", "same", 0),
    (1, 18, "sqxtun", "bhs", "N", 0), (0, 20, "sqxtn", "bhs", "N", 0),
    (1, 20, "uqxtn", "bhs", "N", 0),
]

SCALAR_FP_2MISC = [
    (0, 0, 26, "fcvtns", "f"), (0, 0, 27, "fcvtms", "f"), (0, 0, 28, "fcvtas", "f"),
    (0, 0, 29, "scvtf", "i"),
    (0, 1, 12, "fcmgt", "f"), (0, 1, 13, "fcmeq", "f"), (0, 1, 14, "fcmlt", "f"),
    (0, 1, 26, "fcvtps", "f"), (0, 1, 27, "fcvtzs", "f"), (0, 1, 29, "frecpe", "f"),
    (0, 1, 31, "frecpx", "f"),
    (1, 0, 26, "fcvtnu", "f"), (1, 0, 27, "fcvtmu", "f"), (1, 0, 28, "fcvtau", "f"),
    (1, 0, 29, "ucvtf", "i"),
    (1, 1, 12, "fcmge", "f"), (1, 1, 13, "fcmle", "f"), (1, 1, 26, "fcvtpu", "f"),
    (1, 1, 27, "fcvtzu", "f"), (1, 1, 29, "frsqrte", "f"),
]

# Extra vector forms outside the tables: (mnemonic, emitter)


def _v_not_rbit(c):
    rng = c.rng
    q, rbit = rng.getrandbits(1), rng.getrandbits(1)
    rn = c.vs(8, "i")
    c.emit(E.simd_2misc(0, q, 1, rbit, 5, rn, c.vd()), {"rbit"} if rbit else {"not", "mvn"})


def _v_fcvtn(c):  # FCVTN{2}: 4S -> 4H (sz = 0), 2D -> 2S (sz = 1); FCVTXN{2}: 2D -> 2S
    rng = c.rng
    xn = rng.getrandbits(2) == 0
    sz = 1 if xn else rng.getrandbits(1)
    q = rng.getrandbits(1)
    rn = c.vs(32 << sz, "f")
    rd = vrw(c, 16 << sz, "f") if q else c.vd()
    c.emit(E.simd_2misc(0, q, 1 if xn else 0, sz, 22, rn, rd), two("fcvtxn" if xn else "fcvtn", q))


def _v_fcvtl(c):  # FCVTL{2}: 4H -> 4S (sz = 0), 2S -> 2D (sz = 1)
    rng = c.rng
    sz, q = rng.getrandbits(1), rng.getrandbits(1)
    rn = c.vs(16 << sz, "f")
    c.emit(E.simd_2misc(0, q, 0, sz, 23, rn, c.vd()), two("fcvtl", q))


def _v_urecpe(c):  # URECPE / URSQRTE: 2S / 4S only
    rng = c.rng
    u, q = rng.getrandbits(1), rng.getrandbits(1)
    rn = c.vs(32, "i")
    c.emit(E.simd_2misc(0, q, u, 2, 28, rn, c.vd()), "ursqrte" if u else "urecpe")


V2_EXTRA = [_v_not_rbit, _v_fcvtn, _v_fcvtl, _v_urecpe]


def u_simd_2misc(c):
    rng = c.rng
    n_int, n_fp = len(INT_2MISC), len(FP_2MISC)
    k = rng.randrange(n_int + n_fp + len(V2_EXTRA))
    if k < n_int:
        u, opc, names, sizes, shape, acc = INT_2MISC[k]
        size, q = pick_vec(rng, sizes)
        e = 8 << size
        if shape == "same":
            rn = c.vs(e, "i")
            rd = vrw(c, e, "i") if acc else c.vd()
        elif shape == "L":
            rn = c.vs(e, "i")
            rd = vrw(c, 2 * e, "i") if acc else c.vd()
        elif shape == "SHLL":
            rn = c.vs(e, "i")
            rd = c.vd()
            names = {two("shll", q)}
        else:  # narrow
            rn = c.vs(2 * e, "i")
            rd = vrw(c, e, "i") if q else c.vd()
            names = {two(n, q) for n in names}
        c.emit(E.simd_2misc(0, q, u, size, opc, rn, rd), names)
        return
    k -= n_int
    if k < n_fp:
        u, a, opc, name, kind = FP_2MISC[k]
        sz = rng.getrandbits(1)
        q = 1 if sz else rng.getrandbits(1)
        rn = c.vs(32 << sz, kind)
        c.emit(E.simd_2misc(0, q, u, (a << 1) | sz, opc, rn, c.vd()), name)
        return
    V2_EXTRA[k - n_fp](c)


def u_scalar_2misc(c):
    rng = c.rng
    n_int = len(SCALAR_INT_2MISC)
    k = rng.randrange(n_int + len(SCALAR_FP_2MISC) + 1)
    if k < n_int:
        u, opc, name, sizes, shape, acc = SCALAR_INT_2MISC[k]
        size = rng.choice(SIZES[sizes])
        e = 8 << size
        if shape == "N":
            rn = c.vs(2 * e, "i")
        else:
            rn = c.vs(e, "i")
        rd = vrw(c, e, "i") if acc else c.vd()
        c.emit(E.simd_2misc(1, 0, u, size, opc, rn, rd), name)
        return
    k -= n_int
    if k < len(SCALAR_FP_2MISC):
        u, a, opc, name, kind = SCALAR_FP_2MISC[k]
        sz = rng.getrandbits(1)
        rn = c.vs(32 << sz, kind)
        c.emit(E.simd_2misc(1, 0, u, (a << 1) | sz, opc, rn, c.vd()), name)
        return
    rn = c.vs(64, "f")  # FCVTXN Sd, Dn
    c.emit(E.simd_2misc(1, 0, 1, 1, 22, rn, c.vd()), "fcvtxn")


# =========================================================================================
# Across lanes and scalar pairwise

ACROSS_INT = [(0, 3, "saddlv"), (1, 3, "uaddlv"), (0, 10, "smaxv"), (1, 10, "umaxv"),
              (0, 26, "sminv"), (1, 26, "uminv"), (0, 27, "addv")]
ACROSS_FP = [(0, 12, "fmaxnmv"), (1, 12, "fminnmv"), (0, 15, "fmaxv"), (1, 15, "fminv")]
ACROSS_SIZES = [(0, 0), (0, 1), (1, 0), (1, 1), (2, 1)]  # (size, Q): 8B 16B 4H 8H 4S


def u_simd_across(c):
    rng = c.rng
    k = rng.randrange(len(ACROSS_INT) + len(ACROSS_FP))
    if k < len(ACROSS_INT):
        u, opc, name = ACROSS_INT[k]
        size, q = rng.choice(ACROSS_SIZES)
        rn = c.vs(8 << size, "i")
        c.emit(E.simd_across(0, q, u, size, opc, rn, c.vd()), name)
        return
    a, opc, name = ACROSS_FP[k - len(ACROSS_INT)]  # 4S only in Armv8.0
    rn = c.vs(32, "f")
    c.emit(E.simd_across(0, 1, 1, a << 1, opc, rn, c.vd()), name)


SCALAR_PAIR_FP = [(0, 12, "fmaxnmp"), (1, 12, "fminnmp"), (0, 13, "faddp"),
                  (0, 15, "fmaxp"), (1, 15, "fminp")]


def u_scalar_pairwise(c):
    rng = c.rng
    k = rng.randrange(len(SCALAR_PAIR_FP) + 1)
    if k == len(SCALAR_PAIR_FP):  # ADDP Dd, Vn.2D
        rn = c.vs(64, "i")
        c.emit(E.simd_across(1, 0, 0, 3, 27, rn, c.vd()), "addp")
        return
    a, opc, name = SCALAR_PAIR_FP[k]
    sz = rng.getrandbits(1)
    rn = c.vs(32 << sz, "f")
    c.emit(E.simd_across(1, 0, 1, (a << 1) | sz, opc, rn, c.vd()), name)


# =========================================================================================
# Copy (DUP, INS, SMOV, UMOV) and scalar DUP


def _imm5(size, index):
    return ((index << 1) | 1) << size


def u_simd_copy(c):
    rng = c.rng
    k = rng.randrange(6)
    if k == 0:  # DUP Vd.<T>, Vn.<Ts>[index]
        size, q = pick_vec(rng, "all")
        rn = c.vs(8 << size, "i")
        c.emit(E.simd_copy(0, q, 0, _imm5(size, rng.randrange(16 >> size)), 0, rn, c.vd()), "dup")
    elif k == 1:  # DUP Vd.<T>, Wn/Xn (imm5 bits above the size bit are ignored)
        size, q = pick_vec(rng, "all")
        imm5 = _imm5(size, rng.randrange(16 >> size) if rng.getrandbits(2) == 0 else 0)
        c.emit(E.simd_copy(0, q, 0, imm5, 1, c.src(), c.vd()), "dup")
    elif k == 2:  # SMOV Wd (B, H) / Xd (B, H, S)
        q = rng.getrandbits(1)
        size = rng.choice((0, 1, 2) if q else (0, 1))
        rn = c.vs(8 << size, "i")
        c.emit(E.simd_copy(0, q, 0, _imm5(size, rng.randrange(16 >> size)), 5, rn, c.dst()), "smov")
    elif k == 3:  # UMOV Wd (B, H, S) / Xd (D)
        q = rng.getrandbits(1)
        size = 3 if q else rng.choice((0, 1, 2))
        rn = c.vs(8 << size, "i")
        c.emit(E.simd_copy(0, q, 0, _imm5(size, rng.randrange(16 >> size)), 7, rn, c.dst()),
               {"umov", "mov"})
    elif k == 4:  # INS Vd.<Ts>[index], Wn/Xn
        size = rng.randrange(4)
        rd = vrw(c, 8 << size, "i")
        c.emit(E.simd_copy(0, 1, 0, _imm5(size, rng.randrange(16 >> size)), 3, c.src(), rd),
               {"ins", "mov"})
    else:  # INS Vd.<Ts>[index1], Vn.<Ts>[index2] (imm4 bits below the size are ignored)
        size = rng.randrange(4)
        rn = c.vs(8 << size, "i")
        rd = vrw(c, 8 << size, "i")
        imm4 = (rng.randrange(16 >> size) << size) | (rng.getrandbits(size) if size else 0)
        c.emit(E.simd_copy(0, 1, 1, _imm5(size, rng.randrange(16 >> size)), imm4, rn, rd),
               {"ins", "mov"})


def u_scalar_copy(c):  # DUP <V>d, Vn.<T>[index] (alias MOV)
    rng = c.rng
    size = rng.randrange(4)
    rn = c.vs(8 << size, "i")
    c.emit(E.simd_copy(1, 0, 0, _imm5(size, rng.randrange(16 >> size)), 0, rn, c.vd()),
           {"dup", "mov"})


# =========================================================================================
# Modified immediate

# (op, cmode values, mnemonic, reads Vd, Q values)
MODIMM = [
    (0, (0, 2, 4, 6), "movi", 0, (0, 1)), (0, (1, 3, 5, 7), "orr", 1, (0, 1)),
    (0, (8, 10), "movi", 0, (0, 1)), (0, (9, 11), "orr", 1, (0, 1)),
    (0, (12, 13), "movi", 0, (0, 1)), (0, (14,), "movi", 0, (0, 1)),
    (0, (15,), "fmov", 0, (0, 1)),
    (1, (0, 2, 4, 6), "mvni", 0, (0, 1)), (1, (1, 3, 5, 7), "bic", 1, (0, 1)),
    (1, (8, 10), "mvni", 0, (0, 1)), (1, (9, 11), "bic", 1, (0, 1)),
    (1, (12, 13), "mvni", 0, (0, 1)), (1, (14,), "movi", 0, (0, 1)),
    (1, (15,), "fmov", 0, (1,)),
]


def u_simd_modimm(c):
    rng = c.rng
    op, cmodes, name, acc, qs = rng.choice(MODIMM)
    cmode = rng.choice(cmodes)
    q = rng.choice(qs)
    imm = rng.getrandbits(8) if rng.getrandbits(2) else rng.choice((0, 0xFF, 0x80, 0x7F, 1))
    rd = vrw(c, 16 if cmode in (9, 11) else 32, "i") if acc else c.vd()
    c.emit(E.simd_modimm(q, op, imm, cmode, 0, rd), name)


# =========================================================================================
# Shift by immediate (vector and scalar)

# (U, opcode, mnemonic, shape, reads Vd); shapes: R right shift 1..esize, Lft left shift
# 0..esize-1, N narrowing right shift (size = destination), LL long left shift, FX fixed
# point conversion (S, D; fbits 1..esize)
SHIFT = [
    (0, 0, "sshr", "R", 0), (1, 0, "ushr", "R", 0), (0, 2, "ssra", "R", 1), (1, 2, "usra", "R", 1),
    (0, 4, "srshr", "R", 0), (1, 4, "urshr", "R", 0), (0, 6, "srsra", "R", 1),
    (1, 6, "ursra", "R", 1), (1, 8, "sri", "R", 1),
    (0, 10, "shl", "Lft", 0), (1, 10, "sli", "Lft", 1), (1, 12, "sqshlu", "Lft", 0),
    (0, 14, "sqshl", "Lft", 0), (1, 14, "uqshl", "Lft", 0),
    (0, 16, "shrn", "N", 0), (1, 16, "sqshrun", "N", 0), (0, 17, "rshrn", "N", 0),
    (1, 17, "sqrshrun", "N", 0), (0, 18, "sqshrn", "N", 0), (1, 18, "uqshrn", "N", 0),
    (0, 19, "sqrshrn", "N", 0), (1, 19, "uqrshrn", "N", 0),
    (0, 20, "sshll", "LL", 0), (1, 20, "ushll", "LL", 0),
    (0, 28, "scvtf", "FX", 0), (1, 28, "ucvtf", "FX", 0),
    (0, 31, "fcvtzs", "FX", 0), (1, 31, "fcvtzu", "FX", 0),
]
SCALAR_SHIFT_ONLY_D = {"sshr", "ushr", "ssra", "usra", "srshr", "urshr", "srsra", "ursra",
                       "sri", "shl", "sli"}
SCALAR_SHIFT = [s for s in SHIFT if s[3] != "LL" and s[2] not in ("shrn", "rshrn")]


def _shift_amount(rng, e, left):
    """A shift amount biased to the ends of its range: left 0..e-1, right 1..e."""
    lo, hi = (0, e - 1) if left else (1, e)
    k = rng.getrandbits(2)
    if k == 0:
        return lo
    if k == 1:
        return hi
    return rng.randint(lo, hi)


def _shift_insn(c, scalar):
    rng = c.rng
    u, opc, name, shape, acc = rng.choice(SCALAR_SHIFT if scalar else SHIFT)
    q = 0 if scalar else rng.getrandbits(1)
    if shape == "FX":
        size = rng.choice((2, 3))
    elif shape in ("N", "LL"):
        size = rng.randrange(3)
    elif scalar and name in SCALAR_SHIFT_ONLY_D:
        size = 3
    else:
        size = rng.randrange(4)
    if size == 3 and not scalar:
        q = 1
    e = 8 << size
    if shape in ("R", "FX", "N"):
        sh = _shift_amount(rng, e, False)
        immhb = 2 * e - sh
    else:
        sh = _shift_amount(rng, e, True)
        immhb = e + sh
    kind = "f" if opc == 31 else "i"  # FCVTZS/FCVTZU read FP; SCVTF/UCVTF integers
    if shape == "N":
        rn = c.vs(2 * e, "i")
        rd = vrw(c, e, "i") if q else c.vd()
        names = {two(name, q)}
    elif shape == "LL":
        rn = c.vs(e, "i")
        rd = c.vd()
        names = {two(name, q)}
        if sh == 0:
            names.add(two("sxtl" if u == 0 else "uxtl", q))
    else:
        rn = c.vs(e, kind)
        rd = vrw(c, e, "i") if acc else c.vd()
        names = {name}
    c.emit(E.simd_shift(1 if scalar else 0, q, u, immhb, opc, rn, rd), names)


def u_simd_shift(c):
    _shift_insn(c, False)


def u_scalar_shift(c):
    _shift_insn(c, True)


# =========================================================================================
# Vector / scalar x indexed element

# (U, opcode, mnemonic, shape, reads Vd): shape "same" or "L" (long, `2` forms)
ELEM_INT = [
    (1, 0, "mla", "same", 1), (1, 4, "mls", "same", 1), (0, 8, "mul", "same", 0),
    (0, 12, "sqdmulh", "same", 0), (0, 13, "sqrdmulh", "same", 0),
    (0, 2, "smlal", "L", 1), (1, 2, "umlal", "L", 1), (0, 6, "smlsl", "L", 1),
    (1, 6, "umlsl", "L", 1), (0, 10, "smull", "L", 0), (1, 10, "umull", "L", 0),
    (0, 3, "sqdmlal", "L", 1), (0, 7, "sqdmlsl", "L", 1), (0, 11, "sqdmull", "L", 0),
]
ELEM_FP = [(0, 1, "fmla", 1), (0, 5, "fmls", 1), (0, 9, "fmul", 0), (1, 9, "fmulx", 0)]
SCALAR_ELEM_INT = [e for e in ELEM_INT if e[2] in ("sqdmlal", "sqdmlsl", "sqdmull", "sqdmulh",
                                                   "sqrdmulh")]


def _elem_fields(rng, size, rm):
    """(L, M, Rm<3:0>, H) for an element index and Rm: H uses Rm 0..15 and index H:L:M,
    S uses index H:L, D (FP only) index H."""
    if size == 1:
        idx = rng.randrange(8)
        return (idx >> 1) & 1, idx & 1, rm & 15, idx >> 2
    if size == 2:
        idx = rng.randrange(4)
        return idx & 1, rm >> 4, rm & 15, idx >> 1
    return 0, rm >> 4, rm & 15, rng.getrandbits(1)


def _elem_insn(c, scalar):
    rng = c.rng
    ints = SCALAR_ELEM_INT if scalar else ELEM_INT
    k = rng.randrange(len(ints) + len(ELEM_FP))
    q = 0 if scalar else rng.getrandbits(1)
    if k < len(ints):
        u, opc, name, shape, acc = ints[k]
        size = rng.choice((1, 2))
        e = 8 << size
        rm = rng.randrange(16) if size == 1 else rng.getrandbits(5)
        rn = c.vs(e, "i")
        c.vs(e, "i", r=rm)
        wide = shape == "L" or scalar and name in ("sqdmlal", "sqdmlsl", "sqdmull")
        rd = vrw(c, 2 * e if wide else e, "i") if acc else c.vd()
        names = {two(name, q)} if shape == "L" else {name}
    else:
        u, opc, name, acc = ELEM_FP[k - len(ints)]
        size = rng.choice((2, 3))
        if size == 3 and not scalar:
            q = 1
        e = 8 << size
        rm = rng.getrandbits(5)
        rn = c.vs(e, "f")
        c.vs(e, "f", r=rm)
        rd = vrw(c, e, "f") if acc else c.vd()
        names = {name}
    l, m, rm4, h = _elem_fields(rng, size, rm)
    c.emit(E.simd_elem(1 if scalar else 0, q, u, size, l, m, rm4, opc, h, rn, rd), names)


def u_simd_elem(c):
    _elem_insn(c, False)


def u_scalar_elem(c):
    _elem_insn(c, True)


# =========================================================================================
# Permute, EXT, TBL/TBX

PERMUTE = {1: "uzp1", 2: "trn1", 3: "zip1", 5: "uzp2", 6: "trn2", 7: "zip2"}


def u_simd_permute(c):
    rng = c.rng
    opc = rng.choice(tuple(PERMUTE))
    size, q = pick_vec(rng, "all")
    rn, rm = _srcs(c, 8 << size, "i", "i")
    c.emit(E.simd_permute(q, size, rm, opc, rn, c.vd()), PERMUTE[opc])


def u_simd_ext(c):
    rng = c.rng
    q = rng.getrandbits(1)
    imm4 = rng.randrange(16 if q else 8)
    rn, rm = _srcs(c, 8, "i", "i")
    c.emit(E.simd_ext(q, rm, imm4, rn, c.vd()), "ext")


def u_simd_tbl(c):
    rng = c.rng
    q, op, length = rng.getrandbits(1), rng.getrandbits(1), rng.randrange(4)
    rn = rng.getrandbits(5)
    for i in range(length + 1):
        c.vs(8, "i", r=(rn + i) % 32)
    rm = c.vs(8, "idx")
    rd = vrw(c, 8, "i") if op else c.vd()
    c.emit(E.simd_tbl(q, rm, length, op, rn, rd), "tbx" if op else "tbl")


# =========================================================================================
# Cryptographic Extension

AES = {4: "aese", 5: "aesd", 6: "aesmc", 7: "aesimc"}
SHA3 = {0: "sha1c", 1: "sha1p", 2: "sha1m", 3: "sha1su0", 4: "sha256h", 5: "sha256h2",
        6: "sha256su1"}
SHA2 = {0: "sha1h", 1: "sha1su1", 2: "sha256su0"}


def u_crypto_aes(c):
    rng = c.rng
    opc = rng.choice(tuple(AES))
    rn = c.vs(8, "i")
    rd = vrw(c, 8, "i") if opc in (4, 5) else c.vd()
    c.emit(E.crypto_aes(opc, rn, rd), AES[opc])


def u_crypto_sha(c):
    rng = c.rng
    if rng.randrange(10) < 7:
        opc = rng.choice(tuple(SHA3))
        rn, rm = c.vs(32, "i"), c.vs(32, "i")
        rd = vrw(c, 32, "i")
        c.emit(E.crypto_sha3(opc, rm, rn, rd), SHA3[opc])
    else:
        opc = rng.choice(tuple(SHA2))
        rn = c.vs(32, "i")
        rd = vrw(c, 32, "i") if opc else c.vd()
        c.emit(E.crypto_sha2(opc, rn, rd), SHA2[opc])


# =========================================================================================
# Scalar floating point

FTYPE_BITS = {0: 32, 1: 64, 3: 16}
DP1 = {0: "fmov", 1: "fabs", 2: "fneg", 3: "fsqrt", 8: "frintn", 9: "frintp", 10: "frintm",
       11: "frintz", 12: "frinta", 14: "frintx", 15: "frinti"}
# FCVT: (source type, opcode = 0001 : destination type)
FCVT = [(0, 5), (0, 7), (1, 4), (1, 7), (3, 4), (3, 5)]


def u_fp_dp1(c):
    rng = c.rng
    if rng.randrange(len(DP1) + 4) < len(DP1):
        opc = rng.choice(tuple(DP1))
        ftype = rng.getrandbits(1)
        name = DP1[opc]
    else:
        ftype, opc = rng.choice(FCVT)
        name = "fcvt"
    rn = c.vs(FTYPE_BITS[ftype], "f")
    c.emit(E.fp_dp1(ftype, opc, rn, c.vd()), name)


DP2 = ["fmul", "fdiv", "fadd", "fsub", "fmax", "fmin", "fmaxnm", "fminnm", "fnmul"]


def u_fp_dp2(c):
    rng = c.rng
    opc = rng.randrange(len(DP2))
    ftype = rng.getrandbits(1)
    rn, rm = _srcs(c, FTYPE_BITS[ftype], "f", "f")
    c.emit(E.fp_dp2(ftype, rm, opc, rn, c.vd()), DP2[opc])


DP3 = ["fmadd", "fmsub", "fnmadd", "fnmsub"]


def u_fp_dp3(c):
    rng = c.rng
    k = rng.randrange(4)
    ftype = rng.getrandbits(1)
    e = FTYPE_BITS[ftype]
    rn, rm = _srcs(c, e, "f", "f")
    ra = c.vs(e, "f")
    c.emit(E.fp_dp3(ftype, k >> 1, rm, k & 1, ra, rn, c.vd()), DP3[k])


def u_fp_cmp(c):
    rng = c.rng
    ftype = rng.getrandbits(1)
    e = FTYPE_BITS[ftype]
    zero, signal = rng.getrandbits(1), rng.getrandbits(1)
    rn = c.vs(e, "f")
    rm = 0 if zero else (rn if rng.getrandbits(3) == 0 else c.vs(e, "f"))
    c.emit(E.fp_cmp(ftype, rm, rn, (signal << 4) | (zero << 3)), "fcmpe" if signal else "fcmp")


def u_fp_ccmp(c):
    rng = c.rng
    ftype, op = rng.getrandbits(1), rng.getrandbits(1)
    rn, rm = _srcs(c, FTYPE_BITS[ftype], "f", "f")
    c.emit(E.fp_ccmp(ftype, rm, rng.getrandbits(4), rn, op, rng.getrandbits(4)),
           "fccmpe" if op else "fccmp")


def u_fp_csel(c):
    rng = c.rng
    ftype = rng.getrandbits(1)
    rn, rm = _srcs(c, FTYPE_BITS[ftype], "f", "f")
    c.emit(E.fp_csel(ftype, rm, rng.getrandbits(4), rn, c.vd()), "fcsel")


def u_fp_imm(c):
    rng = c.rng
    c.emit(E.fp_imm(rng.getrandbits(1), rng.getrandbits(8), c.vd()), "fmov")


# FP <-> integer: (rmode, opcode, mnemonic) of the conversions to integer
FP_TO_INT = [(0, 0, "fcvtns"), (0, 1, "fcvtnu"), (0, 4, "fcvtas"), (0, 5, "fcvtau"),
             (1, 0, "fcvtps"), (1, 1, "fcvtpu"), (2, 0, "fcvtms"), (2, 1, "fcvtmu"),
             (3, 0, "fcvtzs"), (3, 1, "fcvtzu")]


def u_fp_int(c):
    rng = c.rng
    k = rng.randrange(len(FP_TO_INT) + 5)
    sf, ftype = rng.getrandbits(1), rng.getrandbits(1)
    if k < len(FP_TO_INT):
        rmode, opc, name = FP_TO_INT[k]
        rn = c.vs(FTYPE_BITS[ftype], "f")
        c.emit(E.fp_int(sf, ftype, rmode, opc, rn, c.dst()), name)
    elif k < len(FP_TO_INT) + 2:  # SCVTF / UCVTF from Wn / Xn
        opc = 2 + k - len(FP_TO_INT)
        c.emit(E.fp_int(sf, ftype, 0, opc, c.src(), c.vd()), "ucvtf" if opc == 3 else "scvtf")
    else:  # FMOV Wd<->Sn, Xd<->Dn, Xd<->Vn.D[1]
        sf, ftype, rmode = rng.choice(((0, 0, 0), (1, 1, 0), (1, 2, 1)))
        if rng.getrandbits(1):  # to general
            rn = c.vs(64 if ftype else 32, "f")
            c.emit(E.fp_int(sf, ftype, rmode, 6, rn, c.dst()), "fmov")
        else:
            rd = vrw(c, 64, "f") if ftype == 2 else c.vd()
            c.emit(E.fp_int(sf, ftype, rmode, 7, c.src(), rd), "fmov")


def u_fp_fixed(c):
    rng = c.rng
    sf, ftype = rng.getrandbits(1), rng.getrandbits(1)
    fbits = rng.choice((1, 32 if not sf else 64, rng.randint(1, 32 if not sf else 64)))
    scale = 64 - fbits
    k = rng.randrange(4)
    if k < 2:  # SCVTF / UCVTF (fixed-point) from Wn / Xn
        c.emit(E.fp_fixed(sf, ftype, 0, 2 + k, scale, c.src(), c.vd()), ("scvtf", "ucvtf")[k])
    else:
        rn = c.vs(FTYPE_BITS[ftype], "f")
        c.emit(E.fp_fixed(sf, ftype, 3, k - 2, scale, rn, c.dst()), ("fcvtzs", "fcvtzu")[k - 2])


# =========================================================================================
# SIMD&FP loads and stores

# (size, opc) -> (bytes, is load) for LDR/STR (immediate / register) of B H S D Q
VLDST_FORMS = [(0, 0, 1, 0), (0, 1, 1, 1), (1, 0, 2, 0), (1, 1, 2, 1), (2, 0, 4, 0),
               (2, 1, 4, 1), (3, 0, 8, 0), (3, 1, 8, 1), (0, 2, 16, 0), (0, 3, 16, 1)]


def _vt(c, load, nbytes):
    return c.vd() if load else c.vs(min(nbytes * 8, 64), "f" if nbytes >= 2 else "i")


def u_fp_ldst(c):
    rng = c.rng
    k = rng.randrange(8)
    if k == 7:
        u_fp_ldst_pair(c)
        return
    size, opc, n, load = rng.choice(VLDST_FORMS)
    scale = n.bit_length() - 1
    if k == 0:  # unsigned offset
        imm12 = rng.randrange(24) if rng.getrandbits(1) else rng.randrange(4096 >> scale)
        rn, ea = c.addr_base(n, off=imm12 << scale)
        c.emit(E.ldst_uimm(size, opc, imm12, rn, _vt(c, load, n)) | E.V_BIT, "ldr" if load else "str")
    elif k == 1:  # unscaled
        imm9 = rng.randrange(-256, 256)
        rn, ea = c.addr_base(n, off=imm9)
        c.emit(E.ldst_imm9(size, opc, imm9, 0, rn, _vt(c, load, n)) | E.V_BIT,
               "ldur" if load else "stur")
    elif k in (2, 3):  # post-index / pre-index
        imm9 = rng.randrange(-256, 256) if rng.getrandbits(1) else rng.randrange(-32, 33)
        pre = k == 3
        rn, ea = c.addr_base(n, off=imm9 if pre else 0)
        c.wrote(rn)
        c.emit(E.ldst_imm9(size, opc, imm9, 3 if pre else 1, rn, _vt(c, load, n)) | E.V_BIT,
               "ldr" if load else "str")
    elif k in (4, 5):  # register offset
        option = rng.choice((2, 3, 6, 7))
        s = rng.getrandbits(1)
        amt = scale if s else 0
        rn = c.fresh(sp=True)
        rm = c.fresh(exclude=(rn,))
        ea = rng.randrange(G.DATA_LO + 32, G.DATA_HI - 32 - n)
        if rn == 31:  # SP: aligned base, small non-negative scaled index
            base = rng.randrange(G.DATA_LO, ea + 1) & ~15
            d = (ea - base) >> amt
            ea = base + (d << amt)
            hi = rng.getrandbits(32) << 32 if option in (2, 6) else 0
            c.fix(rm, hi | d)
        else:
            if option in (2, 6):
                lo32 = rng.choice((rng.getrandbits(32), rng.getrandbits(12),
                                   (-rng.getrandbits(12)) & G.M32, 0x7FFFFFFF, 0x80000000))
                idx = (rng.getrandbits(32) << 32) | lo32
            else:
                idx = G.rval(rng) if rng.getrandbits(1) else (rng.randrange(-4096, 4096) & G.M64)
            c.fix(rm, idx)
            base = (ea - (G._extend(idx, option) << amt)) & G.M64
        c.fix(rn, base)
        c.emit(E.ldst_regoff(size, opc, rm, option, s, rn, _vt(c, load, n)) | E.V_BIT,
               "ldr" if load else "str")
    else:  # literal: S, D, Q from the code region
        opc = rng.randrange(3)
        n = 4 << opc
        pc = c.pc()
        target = pc + 4 * rng.randrange(-16, 24) if rng.getrandbits(1) else rng.randrange(0, 0x4000, 4)
        target = min(max(target, 0), 0x4000 - n)
        c.emit(E.vldr_lit(opc, target - pc, c.vd()), "ldr")


def u_fp_ldst_pair(c):
    rng = c.rng
    opc = rng.randrange(3)  # S D Q
    n = 4 << opc
    load = rng.getrandbits(1)
    idx = rng.randrange(4)  # 0 no-allocate, 1 post, 2 offset, 3 pre
    imm7 = rng.randrange(-64, 64) if rng.getrandbits(1) else rng.randrange(-4, 5)
    rn, ea = c.addr_base(2 * n, off=0 if idx == 1 else imm7 * n)
    if idx in (1, 3):
        c.wrote(rn)
    if load:
        rt = c.vd()
        rt2 = rt
        while rt2 == rt:  # LDP with Rt == Rt2 is CONSTRAINED UNPREDICTABLE
            rt2 = c.vd()
    else:
        rt, rt2 = _vt(c, 0, n), _vt(c, 0, n)
    names = ("stnp", "stp", "stp", "stp") if not load else ("ldnp", "ldp", "ldp", "ldp")
    c.emit(E.ldst_pair(opc, idx, load, imm7, rt2, rn, rt) | E.V_BIT, names[idx])


# LD/ST multiple structures: opcode -> (registers, elements per structure)
MULTI_OPC = {0b0000: (4, 4), 0b0010: (4, 1), 0b0100: (3, 3), 0b0110: (3, 1), 0b0111: (1, 1),
             0b1000: (2, 2), 0b1010: (2, 1)}


def _post_rm(c, rn):
    """Rm for a post-index (register) form: any register but Rn and XZR (31 means the
    immediate form)."""
    return c.src(exclude=(rn, 31))


def u_simd_ldst(c):
    rng = c.rng
    load = rng.getrandbits(1)
    post = rng.randrange(3)  # 0 no offset, 1 post-index immediate, 2 post-index register
    k = rng.randrange(8)
    keep = False  # a single-structure load keeps the other lanes: Vt is read too
    if k < 3:  # multiple structures
        opc = rng.choice(tuple(MULTI_OPC))
        nregs, selem = MULTI_OPC[opc]
        size = rng.randrange(4)
        q = 1 if size == 3 and selem > 1 else rng.getrandbits(1)
        nbytes = nregs * (16 if q else 8)
        name = ("ld%d" if load else "st%d") % selem
        insn = lambda rm: E.vldst_multi(q, load, 1 if post else 0, rm, opc, size, rn, rt)
        e = 8 << size
    else:  # single structure, or load and replicate
        selem = rng.randrange(1, 5)
        rep = load and k == 7
        if rep:
            size = rng.randrange(4)
            q = rng.getrandbits(1)
            opc, s = 6 | ((selem - 1) >> 1), 0
            name = "ld%dr" % selem
        else:
            size = rng.randrange(4)
            index = rng.randrange(16 >> size)
            if size == 0:
                q, s, sz = index >> 3, (index >> 2) & 1, index & 3
                opc = 0
            elif size == 1:
                q, s, sz = index >> 2, (index >> 1) & 1, (index & 1) << 1
                opc = 2
            elif size == 2:
                q, s, sz = index >> 1, index & 1, 0
                opc = 4
            else:
                q, s, sz = index, 0, 1
                opc = 4
            opc |= (selem - 1) >> 1
            name = ("ld%d" if load else "st%d") % selem
            keep = load
        r = (selem - 1) & 1
        nbytes = selem << size
        field = size if rep else sz
        insn = lambda rm: E.vldst_single(q, load, r, 1 if post else 0, rm, opc, s, field, rn, rt)
        nregs = selem
        e = 8 << size
    rn, ea = c.addr_base(nbytes)
    rt = rng.getrandbits(5)
    for i in range(nregs):
        t = (rt + i) % 32
        if load:
            if keep:
                c.vs(e, "i", r=t)
            c.vwritten.add(t)
        else:
            c.vs(e, "i", r=t)
    if post == 0:
        rm = 0
    elif post == 1:
        rm = 31
        c.wrote(rn)
    else:
        rm = _post_rm(c, rn)
        c.wrote(rn)
    c.emit(insn(rm), name)


# =========================================================================================
# Groups


def fp_group(unit, weights=(70, 20, 10)):
    """A group emitting 1-3 instructions of one unit, as a SIMD&FP case."""
    def g(c):
        c.fp = True
        for _ in range(c.rng.choices((1, 2, 3), weights)[0]):
            unit(c)
    g.__name__ = "g_" + unit.__name__[2:]
    return g


FP_UNITS = [u_fp_dp1, u_fp_dp2, u_fp_dp3, u_fp_cmp, u_fp_ccmp, u_fp_csel, u_fp_imm,
            u_fp_int, u_fp_fixed, u_simd_3same, u_simd_3diff, u_simd_2misc, u_simd_across,
            u_simd_copy, u_simd_modimm, u_simd_shift, u_simd_elem, u_simd_permute,
            u_simd_ext, u_simd_tbl, u_scalar_3same, u_scalar_3diff, u_scalar_2misc,
            u_scalar_pairwise, u_scalar_copy, u_scalar_shift, u_scalar_elem, u_crypto_aes,
            u_crypto_sha, u_fp_ldst, u_simd_ldst]


def g_fp_multi(c):
    """4-8 SIMD&FP instructions of any class, with integer ALU and flag-setting
    instructions among them: values, FPSR flags and NZCV flow between them."""
    c.fp = True
    rng = c.rng
    target = rng.randrange(4, 9)
    while len(c.words) < target:
        if rng.randrange(6) == 0:
            rng.choice(G.ALU_UNITS)(c)
        else:
            rng.choice(FP_UNITS)(c)


GROUPS = {
    "fp_dp1": fp_group(u_fp_dp1),
    "fp_dp2": fp_group(u_fp_dp2),
    "fp_dp3": fp_group(u_fp_dp3),
    "fp_cmp": fp_group(u_fp_cmp),
    "fp_ccmp": fp_group(u_fp_ccmp),
    "fp_csel": fp_group(u_fp_csel),
    "fp_imm": fp_group(u_fp_imm),
    "fp_int": fp_group(u_fp_int),
    "fp_fixed": fp_group(u_fp_fixed),
    "simd_3same": fp_group(u_simd_3same),
    "simd_3diff": fp_group(u_simd_3diff),
    "simd_2misc": fp_group(u_simd_2misc),
    "simd_across": fp_group(u_simd_across),
    "simd_copy": fp_group(u_simd_copy),
    "simd_modimm": fp_group(u_simd_modimm),
    "simd_shift": fp_group(u_simd_shift),
    "simd_elem": fp_group(u_simd_elem),
    "simd_permute": fp_group(u_simd_permute),
    "simd_ext": fp_group(u_simd_ext),
    "simd_tbl": fp_group(u_simd_tbl),
    "scalar_3same": fp_group(u_scalar_3same),
    "scalar_3diff": fp_group(u_scalar_3diff),
    "scalar_2misc": fp_group(u_scalar_2misc),
    "scalar_pairwise": fp_group(u_scalar_pairwise),
    "scalar_copy": fp_group(u_scalar_copy),
    "scalar_shift": fp_group(u_scalar_shift),
    "scalar_elem": fp_group(u_scalar_elem),
    "simd_ldst": fp_group(u_simd_ldst, (75, 25, 0)),
    "fp_ldst": fp_group(u_fp_ldst, (75, 25, 0)),
    "crypto_aes": fp_group(u_crypto_aes),
    "crypto_sha": fp_group(u_crypto_sha),
    "fp_multi": g_fp_multi,
}
