#!/usr/bin/env python3
"""Decoder coverage sweep: bramble's A64 decoder against capstone.

Samples the 32-bit encoding space of the base integer ISA (stratified: every value of
bits[31:21] that belongs to the integer ISA gets the same number of samples), asks
bramble's `classify` example which words it decodes (and to which pattern) and asks
capstone which words it decodes (and to which mnemonic), and compares the two verdicts.

    capstone_sweep.py [--samples N] [--seed S] [--classifier PATH] [--show N]
    capstone_sweep.py --self-test     (uses a fake classifier that agrees with capstone)

Not sampled (outside the integer ISA bramble implements):
    bits[28:25] = x111                 SIMD & floating-point data processing
    bits[28:25] = x1x0 with bit 26 = 1  SIMD & FP loads and stores (V = 1)
    bits[28:25] = 0010                 SVE
    bits[28:25] = 0000, bits[31:29] != 000   SME / reserved
Every disagreement must match an entry of EXPLAINED (capstone decodes, bramble does not)
or BRAMBLE_ONLY (bramble decodes, capstone does not); anything else fails the run. The
last line is `N passed, M failed` (passed = agreeing or explained words).
"""

import argparse
import array
import collections
import os
import random
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
    bramble implements SPSel (op1 000 op2 101), DAIFSet and DAIFClr (op1 011 op2 11x).
    The rest are later extensions (PAN, UAO, DIT, SSBS, TCO, ALLINT, SVCR...) or
    unallocated op1/op2 combinations that capstone still prints as MSR."""
    if not (bits(w, 31, 19) == 0b1101010100000 and bits(w, 15, 12) == 0b0100 and bits(w, 4, 0) == 31):
        return False
    op1, op2 = bits(w, 18, 16), bits(w, 7, 5)
    return not ((op1 == 0 and op2 == 5) or (op1 == 3 and op2 in (6, 7)))


EXPLAINED = [
    # --- capstone quirks: encodings the Arm ARM leaves unallocated
    ("mrs", _sys_op0_00, "capstone quirk: op0 = 00 with L = 1 is unallocated, capstone prints MRS s0_..."),
    ("msr", _sys_op0_00, "capstone quirk: op0 = 00, L = 0 outside CRn 0001..0100 is unallocated, "
                         "capstone prints MSR s0_..."),
    ("msr", _msr_imm_unimplemented, "MSR (immediate) to PSTATE fields of later extensions "
                                    "(PAN, UAO, DIT, SSBS, TCO, ...) or unallocated ones"),
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
    ("abs", None, "FEAT_CSSC"), ("cnt", None, "FEAT_CSSC"), ("ctz", None, "FEAT_CSSC"),
    ("smax", None, "FEAT_CSSC"), ("smin", None, "FEAT_CSSC"), ("umax", None, "FEAT_CSSC"),
    ("umin", None, "FEAT_CSSC"),
    ("rcw*", None, "FEAT_THE"), ("swpp*", None, "FEAT_LSE128"), ("ldclrp*", None, "FEAT_LSE128"),
    ("ldsetp*", None, "FEAT_LSE128"), ("gcs*", None, "FEAT_GCS"),
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
]


def _match(table, key, w):
    for k, pred, why in table:
        if (k == key or (k.endswith("*") and key.startswith(k[:-1]))) and (pred is None or pred(w)):
            return why
    return None


def explain_capstone_only(mnem, w):
    return _match(EXPLAINED, mnem, w)


def explain_bramble_only(name, w):
    return _match(BRAMBLE_ONLY, name, w)


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


def sample_words(n, seed):
    """`n` words (about), the same number for every integer-ISA value of bits[31:21]."""
    buckets = [top for top in range(2048) if in_integer_isa(top << 21)]
    per = max(1, n // len(buckets))
    rng = random.Random(seed)
    out = array.array("I")
    for top in buckets:
        base = top << 21
        out.extend(base | rng.getrandbits(21) for _ in range(per))
    return out, len(buckets), per


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


def sweep(args, cmd):
    words, nb, per = sample_words(args.samples, args.seed)
    cs = capstone.Cs(capstone.CS_ARCH_ARM64, capstone.CS_MODE_ARM)
    dis = cs.disasm_lite
    t0 = time.time()
    counts = collections.Counter()
    cap_only = collections.defaultdict(list)     # (mnemonic, why) -> words
    br_only = collections.defaultdict(list)      # (name, why) -> words
    unexplained = 0
    for w, name in zip(words, classify(cmd, words)):
        d = next(dis(w.to_bytes(4, "little"), 0), None)
        if d is not None:
            if name != "unallocated":
                counts["both decode"] += 1
                continue
            mnem = d[2].split(".")[0]
            why = explain_capstone_only(mnem, w)
            counts["capstone only, explained" if why else "capstone only, UNEXPLAINED"] += 1
            cap_only[(mnem, why)].append(w)
        else:
            if name == "unallocated":
                counts["both unallocated"] += 1
                continue
            why = explain_bramble_only(name, w)
            counts["bramble only, explained" if why else "bramble only, UNEXPLAINED"] += 1
            br_only[(name, why)].append(w)
        if why is None:
            unexplained += 1
    dt = time.time() - t0

    print(f"sampled {len(words)} words: {per} in each of the {nb} integer-ISA values of "
          f"bits[31:21] (seed {args.seed}; {dt:.1f} s)")
    for k in ("both decode", "both unallocated", "capstone only, explained", "capstone only, UNEXPLAINED",
              "bramble only, explained", "bramble only, UNEXPLAINED"):
        print(f"  {k:<28} {counts[k]:>9}")

    def table(title, groups, disasm):
        if not groups:
            return
        print(f"\n{title} (top {args.show} of {len(groups)}):")
        for (key, why), ws in sorted(groups.items(), key=lambda kv: (kv[0][1] is not None, -len(kv[1])))[:args.show]:
            ex = ws[0]
            text = ""
            if disasm:
                d = next(dis(ex.to_bytes(4, "little"), 0), None)
                text = f"  `{d[2]} {d[3]}`" if d else ""
            print(f"  {key:<14} {len(ws):>8}  e.g. {ex:08x}{text}")
            print(f"  {'':<14} {'':>8}  {'UNEXPLAINED' if why is None else why}")

    table("capstone decodes, bramble unallocated, by capstone mnemonic", cap_only, True)
    table("bramble decodes, capstone rejects, by bramble pattern", br_only, False)
    passed = len(words) - unexplained
    return passed, unexplained


def self_test(args):
    """Runs the sweep against fake_classifier.py (which agrees with capstone except where
    told otherwise) and checks that agreement passes and disagreements fail."""
    fake = [sys.executable, os.path.join(HERE, "fake_classifier.py")]
    a = argparse.Namespace(**vars(args))
    a.samples = min(args.samples, 200_000)
    a.show = 5
    results = []

    def check(name, cond):
        results.append(cond)
        print(f"self-test: {'PASS' if cond else 'FAIL'}: {name}", flush=True)

    p, f = sweep(a, fake)
    check("a classifier agreeing with capstone passes", f == 0 and p > 0)
    p, f = sweep(a, fake + ["--reject-mnemonic", "ldr"])
    check("words capstone decodes as LDR but the classifier rejects fail", f > 0)
    p, f = sweep(a, fake + ["--reject-mnemonic", "braa"])
    check("explained disagreements (BRAA: FEAT_PAuth) pass", f == 0)
    p, f = sweep(a, fake + ["--accept-invalid"])
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
    ap.add_argument("--samples", type=int, default=2_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--classifier", default=default_path(DEFAULT_CLASSIFIER),
                    help="classifier command (split like a shell line; default %(default)s)")
    ap.add_argument("--show", type=int, default=40, help="disagreement groups to list per side")
    ap.add_argument("--self-test", action="store_true")
    args = ap.parse_args()
    if args.self_test:
        return self_test(args)
    try:
        passed, failed = sweep(args, shlex.split(args.classifier))
    except (OSError, RuntimeError) as e:
        print(f"capstone_sweep: {e}", file=sys.stderr)
        print(f"0 passed, {args.samples} failed")
        return 2
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
