#!/usr/bin/env python3
"""Decoder coverage sweep: bramble's A64 decoder against capstone.

Samples two parts of the 32-bit encoding space, stratified:
  - the base integer ISA: every value of bits[31:21] that belongs to it gets the same
    number of samples, with random bits[20:0];
  - the SIMD&FP space (data processing with bits[28:25] = x111, and the loads and stores
    with bits[28:25] = x1x0 and bit 26 = 1): every value of bits[31:10] gets the same
    number of samples (by default exactly one), with the register fields bits[9:5] and
    bits[4:0] each 00000 a quarter of the time and random otherwise (FMOV (immediate)
    needs bits[9:5] = 0, FCMP bits[2:0] = 0).
It asks bramble's `classify` example which words it decodes (and to which pattern) and
capstone which words it decodes (and to which mnemonic), and compares the two verdicts.

    capstone_sweep.py [--samples N] [--fp-samples M] [--seed S] [--classifier PATH] [--show N]
    capstone_sweep.py --self-test     (uses a fake classifier that agrees with capstone)

Not sampled:
    bits[28:25] = 0010                 SVE
    bits[28:25] = 0000, bits[31:29] != 000   SME / reserved
Every disagreement must match an entry of EXPLAINED (capstone decodes, bramble does not)
or BRAMBLE_ONLY (bramble decodes, capstone does not); anything else fails the run. A word
both decode also fails if capstone's decoding matches an EXPLAINED entry (bramble decodes
an encoding it is meant to leave unallocated, e.g. a FEAT_DotProd one), unless
BOTH_DECODE_OK covers its pattern. The last line is `N passed, M failed` (passed =
agreeing or explained words).
"""

import argparse
import array
import collections
import os
import random
import re
import shlex
import subprocess
import sys
import threading
import time

import capstone

DEFAULT_CLASSIFIER = "target/release/examples/classify"
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from paths import default_path  # noqa: E402


def bits(w, hi, lo):
    return (w >> lo) & ((1 << (hi - lo + 1)) - 1)


# =========================================================================================
# Explained disagreements.
#
# Each entry: (key, predicate or None, explanation). For capstone-only words the key is
# capstone's mnemonic (up to the first '.'; a trailing '*' makes it a prefix), for
# bramble-only words bramble's pattern name. The predicate, when given, must also hold for
# the word: explanations are kept as narrow as the reason, so a real decoder bug in the
# same instruction class is not hidden.

def _ldst_rt_eq_rn(w):
    return bits(w, 4, 0) == bits(w, 9, 5) and bits(w, 9, 5) != 31


def _pair_unpred(w):
    rt, rt2, rn = bits(w, 4, 0), bits(w, 14, 10), bits(w, 9, 5)
    load, wback = bits(w, 22, 22), bits(w, 24, 23) in (1, 3)
    return (load and rt == rt2) or (wback and rn != 31 and rn in (rt, rt2))


def _stxr_unpred(w):
    rs, rt, rn = bits(w, 20, 16), bits(w, 4, 0), bits(w, 9, 5)
    pair = bits(w, 21, 21)
    rt2 = bits(w, 14, 10)
    return rs == rt or (rs == rn and rn != 31) or (pair and rs == rt2)


def _sbo_not_ones(w):
    """Rs (20:16) or Rt2 (14:10) "should be one" but is not."""
    return bits(w, 20, 16) != 31 or bits(w, 14, 10) != 31


def _sys_op0_00(w):
    """System-class words with op0 = 00 (bits[20:19]) that capstone prints as a generic
    MRS/MSR `s0_<op1>_c<n>_c<m>_<op2>`: with L = 1 (MRS) the space is unallocated; with
    L = 0 it is unallocated outside CRn = 0001 (WFET/WFIT), 0010 (hints), 0011 (barriers)
    and 0100 (MSR immediate), which are matched separately."""
    if not (bits(w, 31, 22) == 0b1101010100 and bits(w, 20, 19) == 0):
        return False
    crn = bits(w, 15, 12)
    if bits(w, 21, 21) == 1 or crn not in (0b0001, 0b0010, 0b0011, 0b0100):
        return True
    if crn == 0b0001:  # only WFET/WFIT (op1 011, CRm 0000, op2 00x) are allocated
        return not (bits(w, 18, 16) == 3 and bits(w, 11, 8) == 0 and bits(w, 7, 5) < 2)
    if bits(w, 4, 0) != 31:  # hints, barriers, MSR (immediate) all need Rt = 11111
        return True
    if crn in (0b0010, 0b0011) and bits(w, 18, 16) != 3:  # hints and barriers: op1 = 011
        return True
    # barriers: op2 000, 001 (but DSB nXS) and 011 (but TCOMMIT) are unallocated
    return crn == 0b0011 and bits(w, 7, 5) in (0, 1, 3)


def _msr_imm_unimplemented(w):
    """MSR (immediate), op0 = 00 L = 0 CRn = 0100, to a PSTATE field bramble does not have:
    bramble decodes PAN (op1 000 op2 100; FEAT_PAN, checked against the CPU model at
    execution), SPSel (op1 000 op2 101), DAIFSet and DAIFClr (op1 011 op2 11x). The rest
    are later extensions (UAO, DIT, SSBS, TCO, ALLINT, SVCR...) or unallocated op1/op2
    combinations that capstone still prints as MSR."""
    if not (bits(w, 31, 19) == 0b1101010100000 and bits(w, 15, 12) == 0b0100 and bits(w, 4, 0) == 31):
        return False
    op1, op2 = bits(w, 18, 16), bits(w, 7, 5)
    return not ((op1 == 0 and op2 in (4, 5)) or (op1 == 3 and op2 in (6, 7)))


def _cssc(w):
    """FEAT_CSSC's ABS/CNT/CTZ/SMAX/SMIN/UMAX/UMIN on general registers: data processing
    (1 and 2 source; bits[28:21] = 11010110) and min/max (immediate) (bits[28:23] = 100011).
    The same mnemonics name Armv8.0-A Advanced SIMD instructions, which this must not
    cover."""
    return bits(w, 28, 21) == 0b11010110 or bits(w, 28, 23) == 0b100011


_CS = capstone.Cs(capstone.CS_ARCH_ARM64, capstone.CS_MODE_ARM)
# A half-precision floating-point operand as capstone prints it: h3, v1.4h, v1.8h, v1.h[2].
_HALF_OPERAND = re.compile(r"\bh\d+\b|\.[48]?h\b")
# The Armv8.0-A instructions with half-precision operands: the conversions.
_V80_HALF = {"fcvt", "fcvtl", "fcvtl2", "fcvtn", "fcvtn2"}


def _fp16(w):
    """FEAT_FP16 (Armv8.2): scalar and vector floating-point arithmetic, compares,
    conversions to and from integers and fixed point, FMOV (register, general, immediate)
    on half precision. capstone prints them with H operands; Armv8.0-A has half-precision
    operands only in FCVT, FCVTL and FCVTN, which bramble implements."""
    d = next(_CS.disasm_lite(w.to_bytes(4, "little"), 0), None)
    return d is not None and d[2] not in _V80_HALF and _HALF_OPERAND.search(d[3]) is not None


_FP16_WHY = ("FEAT_FP16: half-precision FP arithmetic, compares, conversions, moves "
             "(fadd h0, fmla v0.8h, fcvtzs w0, h1, scvtf h0, x1, fmov v0.4h, #imm ...)")

EXPLAINED = [
    # --- capstone quirks: encodings the Arm ARM leaves unallocated
    ("mrs", _sys_op0_00, "capstone quirk: op0 = 00 with L = 1 is unallocated, capstone prints MRS s0_..."),
    ("msr", _sys_op0_00, "capstone quirk: op0 = 00, L = 0 outside CRn 0001..0100 is unallocated, "
                         "capstone prints MSR s0_..."),
    ("msr", _msr_imm_unimplemented, "MSR (immediate) to PSTATE fields of later extensions "
                                    "(UAO, DIT, SSBS, TCO, ...) or unallocated ones"),
    # --- never executable, on purpose
    ("udf", None, "UDF: permanently UNDEFINED; bramble decodes it as unallocated, which is how it executes"),
    ("dcps1", None, "DCPS1..3 are UNDEFINED outside Debug state"),
    ("dcps2", None, "DCPS1..3 are UNDEFINED outside Debug state"),
    ("dcps3", None, "DCPS1..3 are UNDEFINED outside Debug state"),
    ("drps", None, "DRPS: Debug state only"),
    # --- architecture extensions bramble does not implement (UNDEFINED on its CPU)
    ("ldlar*", None, "LDLAR*: FEAT_LOR"), ("stllr*", None, "STLLR*: FEAT_LOR"),
    ("ldapur*", None, "LDAPUR*: FEAT_LRCPC2"), ("stlur*", None, "STLUR*: FEAT_LRCPC2"),
    ("cfinv", None, "FEAT_FlagM"), ("rmif", None, "FEAT_FlagM"), ("setf8", None, "FEAT_FlagM"),
    ("setf16", None, "FEAT_FlagM"),
    ("xaflag", None, "FEAT_FlagM2"), ("axflag", None, "FEAT_FlagM2"),
    ("sb", None, "FEAT_SB"),
    ("dsb", lambda w: bits(w, 7, 5) == 1 and bits(w, 9, 8) == 2, "DSB nXS: FEAT_XS"),
    ("wfet", None, "FEAT_WFxT"), ("wfit", None, "FEAT_WFxT"),
    ("tstart", None, "FEAT_TME"), ("tcommit", None, "FEAT_TME"), ("tcancel", None, "FEAT_TME"),
    ("ttest", None, "FEAT_TME"),
    ("ld64b", None, "FEAT_LS64"), ("st64b", None, "FEAT_LS64"), ("st64bv", None, "FEAT_LS64_V"),
    ("st64bv0", None, "FEAT_LS64_ACCDATA"),
    ("bc", None, "BC.cond: FEAT_HBC"),
    ("smstart", None, "FEAT_SME (MSR SVCR*)"), ("smstop", None, "FEAT_SME (MSR SVCR*)"),
    # FEAT_PAuth outside the HINT space (the HINT-space PACIASP etc. decode in both as hints)
    ("braa", None, "FEAT_PAuth"), ("brab", None, "FEAT_PAuth"), ("braaz", None, "FEAT_PAuth"),
    ("brabz", None, "FEAT_PAuth"), ("blraa", None, "FEAT_PAuth"), ("blrab", None, "FEAT_PAuth"),
    ("blraaz", None, "FEAT_PAuth"), ("blrabz", None, "FEAT_PAuth"), ("retaa", None, "FEAT_PAuth"),
    ("retab", None, "FEAT_PAuth"), ("eretaa", None, "FEAT_PAuth"), ("eretab", None, "FEAT_PAuth"),
    ("ldraa", None, "FEAT_PAuth"), ("ldrab", None, "FEAT_PAuth"),
    ("pac*", None, "FEAT_PAuth (PACIA, PACDZB, PACGA, ...)"),
    ("aut*", None, "FEAT_PAuth (AUTIA, AUTDZB, ...)"),
    ("xpaci", None, "FEAT_PAuth"), ("xpacd", None, "FEAT_PAuth"),
    # FEAT_MTE
    ("irg", None, "FEAT_MTE"), ("gmi", None, "FEAT_MTE"), ("subp", None, "FEAT_MTE"),
    ("subps", None, "FEAT_MTE"), ("cmpp", None, "FEAT_MTE"), ("addg", None, "FEAT_MTE"),
    ("subg", None, "FEAT_MTE"), ("stg", None, "FEAT_MTE"), ("stzg", None, "FEAT_MTE"),
    ("st2g", None, "FEAT_MTE"), ("stz2g", None, "FEAT_MTE"), ("ldg", None, "FEAT_MTE"),
    ("stgm", None, "FEAT_MTE2"), ("stzgm", None, "FEAT_MTE2"), ("ldgm", None, "FEAT_MTE2"),
    ("stgp", None, "FEAT_MTE"),
    # FEAT_MOPS (CPYFP, CPYM..., SETP, SETGP...), FEAT_CSSC, FEAT_THE, FEAT_LSE128, FEAT_GCS
    ("cpy*", None, "FEAT_MOPS"), ("set*", None, "FEAT_MOPS (SETP/SETM/SETE, SETG*)"),
    ("abs", _cssc, "FEAT_CSSC"), ("cnt", _cssc, "FEAT_CSSC"), ("ctz", _cssc, "FEAT_CSSC"),
    ("smax", _cssc, "FEAT_CSSC"), ("smin", _cssc, "FEAT_CSSC"), ("umax", _cssc, "FEAT_CSSC"),
    ("umin", _cssc, "FEAT_CSSC"),
    ("rcw*", None, "FEAT_THE"), ("swpp*", None, "FEAT_LSE128"), ("ldclrp*", None, "FEAT_LSE128"),
    ("ldsetp*", None, "FEAT_LSE128"), ("gcs*", None, "FEAT_GCS"),
    # --- SIMD&FP: bramble implements Armv8.0-A floating point and Advanced SIMD (half
    # precision only in FCVT/FCVTL/FCVTN) and the Cryptographic Extension (AES, SHA1,
    # SHA256, PMULL); every later SIMD&FP extension is unallocated.
    ("sqrdmlah", None, "FEAT_RDM"), ("sqrdmlsh", None, "FEAT_RDM"),
    ("sdot", None, "FEAT_DotProd"), ("udot", None, "FEAT_DotProd"),
    ("usdot", None, "FEAT_I8MM"), ("sudot", None, "FEAT_I8MM"), ("smmla", None, "FEAT_I8MM"),
    ("ummla", None, "FEAT_I8MM"), ("usmmla", None, "FEAT_I8MM"),
    ("bfdot", None, "FEAT_BF16"), ("bfmlalb", None, "FEAT_BF16"), ("bfmlalt", None, "FEAT_BF16"),
    ("bfmmla", None, "FEAT_BF16"), ("bfcvt", None, "FEAT_BF16"), ("bfcvtn", None, "FEAT_BF16"),
    ("bfcvtn2", None, "FEAT_BF16"),
    ("fmlal", None, "FEAT_FHM"), ("fmlal2", None, "FEAT_FHM"), ("fmlsl", None, "FEAT_FHM"),
    ("fmlsl2", None, "FEAT_FHM"),
    ("fcmla", None, "FEAT_FCMA (the H forms also FEAT_FP16)"),
    ("fcadd", None, "FEAT_FCMA (the H forms also FEAT_FP16)"),
    ("frint32x", None, "FEAT_FRINTTS"), ("frint32z", None, "FEAT_FRINTTS"),
    ("frint64x", None, "FEAT_FRINTTS"), ("frint64z", None, "FEAT_FRINTTS"),
    ("fjcvtzs", None, "FEAT_JSCVT"),
    ("sha512h", None, "FEAT_SHA512"), ("sha512h2", None, "FEAT_SHA512"),
    ("sha512su0", None, "FEAT_SHA512"), ("sha512su1", None, "FEAT_SHA512"),
    ("eor3", None, "FEAT_SHA3"), ("bcax", None, "FEAT_SHA3"), ("rax1", None, "FEAT_SHA3"),
    ("xar", None, "FEAT_SHA3"),
    ("sm3ss1", None, "FEAT_SM3"), ("sm3tt1a", None, "FEAT_SM3"), ("sm3tt1b", None, "FEAT_SM3"),
    ("sm3tt2a", None, "FEAT_SM3"), ("sm3tt2b", None, "FEAT_SM3"), ("sm3partw1", None, "FEAT_SM3"),
    ("sm3partw2", None, "FEAT_SM3"),
    ("sm4e", None, "FEAT_SM4"), ("sm4ekey", None, "FEAT_SM4"),
    # After the features above, so that FCMLA, FMLAL... on H operands count there.
    ("f*", _fp16, _FP16_WHY), ("scvtf", _fp16, _FP16_WHY), ("ucvtf", _fp16, _FP16_WHY),
]

BRAMBLE_ONLY = [
    # CONSTRAINED UNPREDICTABLE register overlaps: capstone (LLVM) rejects them, bramble
    # executes one of the permitted behaviours (as QEMU does). The difftest never
    # generates them.
    ("LdstImm9", lambda w: bits(w, 11, 10) in (1, 3) and _ldst_rt_eq_rn(w),
     "LDR/STR pre/post-index with Rt == Rn: CONSTRAINED UNPREDICTABLE, executed"),
    ("LdstImm9", lambda w: bits(w, 11, 10) == 2 and _ldst_rt_eq_rn(w),
     "LDTR*/STTR* with Rt == Rn: capstone rejects it although the instruction has no writeback"),
    ("LdstPair", _pair_unpred,
     "LDP with Rt == Rt2, or writeback with Rn == Rt/Rt2: CONSTRAINED UNPREDICTABLE, executed"),
    ("Ldxp", lambda w: bits(w, 4, 0) == bits(w, 14, 10),
     "LDXP/LDAXP with Rt == Rt2: CONSTRAINED UNPREDICTABLE, executed"),
    ("Stxr", _stxr_unpred, "STXR* with Rs == Rt or Rs == Rn: CONSTRAINED UNPREDICTABLE, executed"),
    ("Stxp", _stxr_unpred, "STXP* with Rs == Rt/Rt2/Rn: CONSTRAINED UNPREDICTABLE, executed"),
    ("Ldxr", _sbo_not_ones, "should-be-one fields (Rs, Rt2) not all ones: ignored, as QEMU does"),
    ("Stxr", lambda w: bits(w, 14, 10) != 31, "should-be-one Rt2 not all ones: ignored, as QEMU does"),
    ("Ldar", _sbo_not_ones, "should-be-one fields not all ones: ignored, as QEMU does"),
    ("Stlr", _sbo_not_ones, "should-be-one fields not all ones: ignored, as QEMU does"),
    ("FpLdstPair", lambda w: bits(w, 22, 22) == 1 and bits(w, 4, 0) == bits(w, 14, 10),
     "LDP/LDNP (SIMD&FP) with Rt == Rt2: CONSTRAINED UNPREDICTABLE, executed"),
]

# Bramble patterns allowed to decode words that EXPLAINED lists (keyed by pattern name).
BOTH_DECODE_OK = [
    ("Dcps", None, "DCPS1..3: decoded, and UNDEFINED when executed outside Debug state"),
    ("Hint", None, "the whole HINT space executes (as NOP unless implemented): PACIASP, AUTIASP, ..."),
]

_candidates = {}


def _match(table, key, w):
    """The explanation of the first entry of `table` matching `key` and `w`, or None."""
    entries = _candidates.get((id(table), key))
    if entries is None:
        entries = [(pred, why) for k, pred, why in table
                   if k == key or (k.endswith("*") and key.startswith(k[:-1]))]
        _candidates[(id(table), key)] = entries
    for pred, why in entries:
        if pred is None or pred(w):
            return why
    return None


def explain_capstone_only(mnem, w):
    return _match(EXPLAINED, mnem, w)


def explain_bramble_only(name, w):
    return _match(BRAMBLE_ONLY, name, w)


def explain_both_decode(name, w):
    return _match(BOTH_DECODE_OK, name, w)


# =========================================================================================
# Sampling


def in_integer_isa(w):
    op1 = bits(w, 28, 25)
    if op1 & 0b0111 == 0b0111:            # x111: SIMD & FP data processing
        return False
    if op1 & 0b0101 == 0b0100 and bits(w, 26, 26):   # x1x0 loads/stores with V = 1
        return False
    if op1 == 0b0010:                     # SVE
        return False
    if op1 == 0b0000 and bits(w, 31, 29) != 0:       # SME / reserved
        return False
    return True


def in_simd_fp(w):
    """Data processing -- scalar FP and Advanced SIMD (bits[28:25] = x111) and the
    loads and stores with bit 26 = 1 (SIMD&FP registers; FEAT_MOPS lives there too)."""
    op1 = bits(w, 28, 25)
    return op1 & 0b0111 == 0b0111 or (op1 & 0b0101 == 0b0100 and bits(w, 26, 26) == 1)


def word_class(w):
    """The encoding class of `w` (Arm ARM C4.1 by bits[28:25]; the SIMD&FP data
    processing space further by op0 = bits[31:28] of C4.1.95). Fixed by bits[31:21]."""
    op1 = bits(w, 28, 25)
    if op1 & 0b0111 == 0b0111:
        op0 = bits(w, 31, 28)
        if op0 & 0b0101 == 0b0001:
            return "FP scalar (op0 x0x1)"
        if op0 & 0b1101 == 0b0101:
            return "SIMD scalar, SHA (op0 01x1)"
        if op0 & 0b1001 == 0:
            return "SIMD vector, AES (op0 0xx0)"
        if op0 == 0b1100:
            return "SHA512/SHA3/SM3/SM4 (op0 1100)"
        return "unallocated (op0 1xx0, 11x1)"
    if op1 & 0b0101 == 0b0100:
        return "loads/stores V=1" if bits(w, 26, 26) else "loads/stores V=0"
    if op1 & 0b1110 == 0b1000:
        return "DP immediate"
    if op1 & 0b1110 == 0b1010:
        return "branch, exc., system"
    if op1 & 0b0111 == 0b0101:
        return "DP register"
    return "reserved (op1 000x, 0011)"


INT_CLASSES = ["reserved (op1 000x, 0011)", "DP immediate", "branch, exc., system", "loads/stores V=0",
               "DP register"]
FP_CLASSES = ["loads/stores V=1", "FP scalar (op0 x0x1)", "SIMD scalar, SHA (op0 01x1)",
              "SIMD vector, AES (op0 0xx0)", "SHA512/SHA3/SM3/SM4 (op0 1100)", "unallocated (op0 1xx0, 11x1)"]


def _regs(rng):
    """bits[9:0] of a SIMD&FP word: two register fields, each 00000 a quarter of the time."""
    r = rng.getrandbits(14)
    rn = (r >> 5) & 31 if r & (3 << 10) else 0
    rd = r & 31 if r & (3 << 12) else 0
    return (rn << 5) | rd


def sample_words(n_int, n_fp, seed):
    """About `n_int` integer-ISA words, the same number for every value of bits[31:21]
    there, then exactly `n_fp` SIMD&FP words: `n_fp // S` in each of the S values of
    bits[31:10] there and the rest in distinct random ones. Returns the words and a
    one-line description."""
    rng = random.Random(seed)
    out = array.array("I")
    buckets = [top for top in range(2048) if in_integer_isa(top << 21)]
    per = max(1, n_int // len(buckets)) if n_int > 0 else 0
    for top in buckets:
        base = top << 21
        out.extend(base | rng.getrandbits(21) for _ in range(per))
    what = [f"{per * len(buckets)} in the integer ISA ({per} in each of its {len(buckets)} values of "
            f"bits[31:21])"] if per else []

    tops = [top for top in range(2048) if in_simd_fp(top << 21)]
    strata = len(tops) << 11

    def prefix(i):
        return (tops[i >> 11] << 21) | ((i & 0x7ff) << 10)

    fp_per, extra = divmod(max(0, n_fp), strata)
    if fp_per:
        out.extend(prefix(i) | _regs(rng) for i in range(strata) for _ in range(fp_per))
    out.extend(prefix(i) | _regs(rng) for i in sorted(rng.sample(range(strata), extra)))
    if n_fp > 0:
        more = f" and {extra} more in random ones" if extra and fp_per else ""
        each = f"{fp_per} in each of its {strata} values of bits[31:10]{more}" if fp_per else \
            f"one in each of {extra} random values of its {strata} of bits[31:10]"
        what.append(f"{n_fp} in the SIMD&FP space ({each})")
    return out, "; ".join(what)


# =========================================================================================
# The classifier subprocess (streamed: a writer thread feeds it, the main thread reads)


def classify(cmd, words, chunk=1 << 16):
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=1 << 16)
    err = []

    def writer():
        try:
            for i in range(0, len(words), chunk):
                proc.stdin.write("".join([f"{w:08x}\n" for w in words[i:i + chunk]]).encode())
            proc.stdin.close()
        except (BrokenPipeError, OSError) as e:
            err.append(e)

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    for w in words:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"classifier output ended early ({err[0] if err else 'no error on input'})")
        parts = line.split()
        if len(parts) != 2 or int(parts[0], 16) != w:
            raise RuntimeError(f"classifier answered {line!r} for {w:08x}")
        yield parts[1].decode()
    if proc.stdout.readline():
        raise RuntimeError("classifier printed more lines than it was given words")
    t.join()
    rc = proc.wait()
    if rc != 0:
        raise RuntimeError(f"classifier exited with status {rc}")


# =========================================================================================


OUTCOMES = ["both decode", "both unallocated", "capstone only, explained", "capstone only, UNEXPLAINED",
            "bramble only, explained", "bramble only, UNEXPLAINED", "both decode, UNEXPECTED"]


def sweep(args, cmd):
    """Runs one sweep; returns (passed, failed, {class or "all": Counter of outcomes})."""
    words, what = sample_words(args.samples, args.fp_samples, args.seed)
    dis = _CS.disasm_lite
    cls_of_top = [word_class(top << 21) for top in range(2048)]
    fp_top = [in_simd_fp(top << 21) for top in range(2048)]
    t0 = time.time()
    counts = collections.Counter()
    per_class = collections.defaultdict(collections.Counter)
    reasons = collections.defaultdict(lambda: [0, 0])   # why -> [integer ISA, SIMD&FP] words
    cap_only = collections.defaultdict(list)     # (mnemonic, why) -> words
    br_only = collections.defaultdict(list)      # (name, why) -> words
    unexpected = collections.defaultdict(list)   # (name, mnemonic, why) -> words
    unexplained = 0
    for w, name in zip(words, classify(cmd, words)):
        d = next(dis(w.to_bytes(4, "little"), 0), None)
        if d is not None:
            mnem = d[2].split(".")[0]
            why = explain_capstone_only(mnem, w)
            if name != "unallocated":
                if why is None or explain_both_decode(name, w):
                    outcome = "both decode"
                else:
                    # bramble decodes what it is meant to leave unallocated
                    outcome = "both decode, UNEXPECTED"
                    unexpected[(name, mnem, why)].append(w)
                    unexplained += 1
            else:
                outcome = "capstone only, explained" if why else "capstone only, UNEXPLAINED"
                cap_only[(mnem, why)].append(w)
                if why is None:
                    unexplained += 1
                else:
                    reasons[why][fp_top[w >> 21]] += 1
        elif name == "unallocated":
            outcome = "both unallocated"
        else:
            why = explain_bramble_only(name, w)
            outcome = "bramble only, explained" if why else "bramble only, UNEXPLAINED"
            br_only[(name, why)].append(w)
            if why is None:
                unexplained += 1
            else:
                reasons[why][fp_top[w >> 21]] += 1
        counts[outcome] += 1
        per_class[cls_of_top[w >> 21]][outcome] += 1
    dt = time.time() - t0

    print(f"sampled {len(words)} words: {what} (seed {args.seed}; {dt:.1f} s)")
    for k in OUTCOMES:
        print(f"  {k:<28} {counts[k]:>9}")

    cols = [("words", None), ("both dec", "both decode"), ("both unal", "both unallocated"),
            ("cs expl", "capstone only, explained"), ("cs UNEXPL", "capstone only, UNEXPLAINED"),
            ("br expl", "bramble only, explained"), ("br UNEXPL", "bramble only, UNEXPLAINED"),
            ("UNEXPECTED", "both decode, UNEXPECTED")]
    print("\nper encoding class (bits[28:25]; SIMD&FP data processing by op0 = bits[31:28]):")
    print(f"  {'class':<32}" + "".join(f"{c:>11}" for c, _ in cols))
    for space, classes in (("integer ISA", INT_CLASSES), ("SIMD&FP", FP_CLASSES)):
        rows = [c for c in classes if per_class[c]]
        if rows:
            print(f"  {space}")
        for c in rows:
            pc = per_class[c]
            vals = [sum(pc.values())] + [pc[k] for _, k in cols[1:]]
            print(f"    {c:<30}" + "".join(f"{v:>11}" for v in vals))

    def table(title, groups, disasm, width=14, why_prefix=""):
        if not groups:
            return
        print(f"\n{title} (top {args.show} of {len(groups)}):")
        # unexplained groups first, then by size
        for key, ws in sorted(groups.items(), key=lambda kv: (kv[0][-1] is not None, -len(kv[1])))[:args.show]:
            ex = ws[0]
            text = ""
            if disasm:
                d = next(dis(ex.to_bytes(4, "little"), 0), None)
                text = f"  `{d[2]} {d[3]}`" if d else ""
            label = " ".join(key[:-1])
            why = key[-1]
            print(f"  {label:<{width}} {len(ws):>8}  e.g. {ex:08x}{text}")
            print(f"  {'':<{width}} {'':>8}  {'UNEXPLAINED' if why is None else why_prefix + why}")

    if reasons:
        print(f"\nexplained disagreements by reason ({len(reasons)}):")
        print(f"  {'integer':>8} {'SIMD&FP':>8}  reason")
        for why, (n_int, n_fp) in sorted(reasons.items(), key=lambda kv: -sum(kv[1])):
            print(f"  {n_int:>8} {n_fp:>8}  {why}")
    table("capstone decodes, bramble unallocated, by capstone mnemonic", cap_only, True)
    table("bramble decodes, capstone rejects, by bramble pattern", br_only, False)
    table("both decode, UNEXPECTED: bramble decodes what it is meant to leave unallocated, by bramble pattern "
          "and capstone mnemonic", unexpected, True, width=24, why_prefix="should be unallocated: ")
    passed = len(words) - unexplained
    per_class["all"] = counts
    return passed, unexplained, per_class


def self_test(args):
    """Runs the sweep against fake_classifier.py (which agrees with capstone, and leaves
    what EXPLAINED lists unallocated, except where told otherwise) and checks that
    agreement passes and disagreements fail."""
    fake = [sys.executable, os.path.join(HERE, "fake_classifier.py")]
    a = argparse.Namespace(**vars(args))
    a.samples = min(args.samples, 200_000)
    a.fp_samples = min(args.fp_samples, 100_000)
    a.show = 3
    results = []

    def check(name, cond):
        results.append(cond)
        print(f"self-test: {'PASS' if cond else 'FAIL'}: {name}\n", flush=True)

    def explained(c, classes):
        return sum(c[k]["capstone only, explained"] for k in classes)

    p, f, c = sweep(a, fake)
    check("a classifier agreeing with capstone passes, with explained disagreements (FEAT_PAuth, "
          "FEAT_FP16, FEAT_DotProd, ...) in both spaces",
          f == 0 and p > 0 and explained(c, INT_CLASSES) > 0 and explained(c, FP_CLASSES) > 0)
    p, f, c = sweep(a, fake + ["--reject-mnemonic", "ldr"])
    check("words capstone decodes as LDR (integer and SIMD&FP) but the classifier rejects fail", f > 0)
    p, f, c = sweep(a, fake + ["--reject-mnemonic", "fadd"])
    check("FADD rejected fails: the FEAT_FP16 rule covers only half precision", f > 0)
    p, f, c = sweep(a, fake + ["--reject-mnemonic", "smax"])
    check("vector SMAX rejected fails: the FEAT_CSSC rule covers only general registers", f > 0)
    p, f, c = sweep(a, fake + ["--accept-mnemonic", "sdot"])
    check("a classifier decoding SDOT (FEAT_DotProd) fails", f > 0 and c["all"]["both decode, UNEXPECTED"] > 0)
    p, f, c = sweep(a, fake + ["--accept-mnemonic", "fmadd"])
    check("a classifier decoding FMADD (half precision: FEAT_FP16) fails",
          f > 0 and c["all"]["both decode, UNEXPECTED"] > 0)
    p, f, c = sweep(a, fake + ["--accept-invalid"])
    check("words capstone rejects but the classifier decodes fail", f > 0)
    try:
        list(classify(fake + ["--die-after", "10"], array.array("I", range(100))))
        ok = False
    except RuntimeError:
        ok = True
    check("a classifier that stops early is an error", ok)
    passed = sum(results)
    print(f"{passed} passed, {len(results) - passed} failed")
    return 0 if passed == len(results) else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--samples", type=int, default=2_000_000, help="integer-ISA words (default %(default)s)")
    ap.add_argument("--fp-samples", type=int, default=1 << 20,
                    help="SIMD&FP words (default %(default)s: one per value of bits[31:10])")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--classifier", default=default_path(DEFAULT_CLASSIFIER),
                    help="classifier command (split like a shell line; default %(default)s)")
    ap.add_argument("--show", type=int, default=40, help="disagreement groups to list per table")
    ap.add_argument("--self-test", action="store_true")
    args = ap.parse_args()
    if args.self_test:
        return self_test(args)
    try:
        passed, failed, _ = sweep(args, shlex.split(args.classifier))
    except (OSError, RuntimeError) as e:
        print(f"capstone_sweep: {e}", file=sys.stderr)
        print(f"0 passed, {args.samples + args.fp_samples} failed")
        return 2
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
