#!/usr/bin/env python3
"""Decoder coverage: sweeps a large, stratified sample of the 32-bit encoding space of the
base A64 integer ISA and compares bramble's decoder (via the `classify` example) with
capstone: which words each one decodes and which it treats as unallocated.

    capstone_sweep.py [--samples N] [--seed S] [--classifier PATH]

SIMD&FP (op0 = x111, and loads/stores with V = 1), SVE (op0 = 0010) and SME (op0 = 0000
outside UDF) are outside the integer ISA and not sampled. Every disagreement must be
covered by EXPLAINED below; the last line is `N passed, M failed`.
"""

import argparse
import collections
import random
import subprocess
import sys

import capstone

# Mnemonics capstone decodes that bramble deliberately leaves unallocated (UNDEFINED), why.
EXPLAINED = {
    "udf": "UDF is permanently UNDEFINED: bramble's decoder returns Unallocated on purpose",
    # Armv8.1+ extensions the Cortex-A72 lacks and bramble does not implement yet.
    "ldlarb": "FEAT_LOR", "ldlarh": "FEAT_LOR", "ldlar": "FEAT_LOR",
    "stllrb": "FEAT_LOR", "stllrh": "FEAT_LOR", "stllr": "FEAT_LOR",
    "ldapurb": "FEAT_LRCPC2", "ldapurh": "FEAT_LRCPC2", "ldapur": "FEAT_LRCPC2", "ldapursb": "FEAT_LRCPC2",
    "ldapursh": "FEAT_LRCPC2", "ldapursw": "FEAT_LRCPC2", "stlurb": "FEAT_LRCPC2", "stlurh": "FEAT_LRCPC2",
    "stlur": "FEAT_LRCPC2",
    "cfinv": "FEAT_FlagM", "rmif": "FEAT_FlagM", "setf8": "FEAT_FlagM", "setf16": "FEAT_FlagM",
    "xaflag": "FEAT_FlagM2", "axflag": "FEAT_FlagM2",
    "sb": "FEAT_SB", "dsb": "DSB nXS (FEAT_XS)", "wfet": "FEAT_WFxT", "wfit": "FEAT_WFxT",
    "tstart": "FEAT_TME", "tcommit": "FEAT_TME", "tcancel": "FEAT_TME", "ttest": "FEAT_TME",
    "ld64b": "FEAT_LS64", "st64b": "FEAT_LS64", "st64bv": "FEAT_LS64", "st64bv0": "FEAT_LS64",
    "braa": "FEAT_PAuth", "brab": "FEAT_PAuth", "blraa": "FEAT_PAuth", "blrab": "FEAT_PAuth",
    "braaz": "FEAT_PAuth", "brabz": "FEAT_PAuth", "blraaz": "FEAT_PAuth", "blrabz": "FEAT_PAuth",
    "retaa": "FEAT_PAuth", "retab": "FEAT_PAuth", "eretaa": "FEAT_PAuth", "eretab": "FEAT_PAuth",
    "ldraa": "FEAT_PAuth", "ldrab": "FEAT_PAuth", "pacia": "FEAT_PAuth", "pacib": "FEAT_PAuth",
    "pacda": "FEAT_PAuth", "pacdb": "FEAT_PAuth", "autia": "FEAT_PAuth", "autib": "FEAT_PAuth",
    "autda": "FEAT_PAuth", "autdb": "FEAT_PAuth", "paciza": "FEAT_PAuth", "pacizb": "FEAT_PAuth",
    "pacdza": "FEAT_PAuth", "pacdzb": "FEAT_PAuth", "autiza": "FEAT_PAuth", "autizb": "FEAT_PAuth",
    "autdza": "FEAT_PAuth", "autdzb": "FEAT_PAuth", "xpaci": "FEAT_PAuth", "xpacd": "FEAT_PAuth",
    "pacga": "FEAT_PAuth",
    "irg": "FEAT_MTE", "gmi": "FEAT_MTE", "subp": "FEAT_MTE", "subps": "FEAT_MTE", "cmpp": "FEAT_MTE",
    "addg": "FEAT_MTE", "subg": "FEAT_MTE", "stg": "FEAT_MTE", "stzg": "FEAT_MTE", "st2g": "FEAT_MTE",
    "stz2g": "FEAT_MTE", "ldg": "FEAT_MTE", "stgm": "FEAT_MTE", "stzgm": "FEAT_MTE", "ldgm": "FEAT_MTE",
    "stgp": "FEAT_MTE",
    "bc": "FEAT_HBC",
    "dcps1": "never: DCPS is decoded (UNDEFINED outside Debug state)",
    "drps": "Debug state only",
}
EXPLAINED_PREFIXES = {
    "cpy": "FEAT_MOPS", "set": "FEAT_MOPS", "setg": "FEAT_MOPS",
    "rcw": "FEAT_THE", "swpp": "FEAT_LSE128", "abs": "FEAT_CSSC", "cnt": "FEAT_CSSC", "ctz": "FEAT_CSSC",
    "smax": "FEAT_CSSC", "smin": "FEAT_CSSC", "umax": "FEAT_CSSC", "umin": "FEAT_CSSC",
    "prfm": "PRFM (register) with an unallocated extend option",
}

# Words bramble decodes that capstone rejects, by bramble pattern, and why.
BRAMBLE_ONLY = {
    "LdstImm9": "Rt == Rn with writeback is CONSTRAINED UNPREDICTABLE: bramble executes it (writeback wins, as QEMU); "
                "capstone also rejects Rt == Rn for LDTR*/STTR* which have no writeback",
    "LdstPair": "writeback with Rn == Rt/Rt2, or LDP with Rt == Rt2: CONSTRAINED UNPREDICTABLE, executed as QEMU does",
    "Ldxp": "LDXP with Rt == Rt2: CONSTRAINED UNPREDICTABLE, executed",
    "Stxr": "STXR with Rs == Rt or Rs == Rn: CONSTRAINED UNPREDICTABLE, executed",
    "Stxp": "STXP with Rs == Rt/Rt2/Rn: CONSTRAINED UNPREDICTABLE, executed",
    "Ldxr": "should-be-one fields (Rs, Rt2) not all ones: CONSTRAINED UNPREDICTABLE, ignored as QEMU does",
    "Ldar": "should-be-one fields not all ones: ignored as QEMU does",
    "Stlr": "should-be-one fields not all ones: ignored as QEMU does",
    "Casp": "CASP with overlapping register pairs: executed",
    "Sys": "SYS with encodings capstone names differently or rejects; UNDEFINED at run time unless implemented",
    "Sysl": "SYSL: every encoding is UNDEFINED at run time",
    "Hint": "capstone rejects some hint encodings",
    "Dcps": "capstone rejects some DCPS imm combinations",
}


def explain(cap, w):
    if cap in ("msr", "mrs") and (w >> 19) & 3 == 0:
        # op0 = 00: MSR (immediate) to PSTATE fields of later extensions (PAN, UAO, DIT,
        # SSBS, TCO...), or encodings the Arm ARM leaves unallocated that capstone prints
        # as MRS/MSR of a generic register name.
        return "MSR/MRS with op0 = 00: later PSTATE fields or unallocated"
    return EXPLAINED.get(cap) or next((v for k, v in EXPLAINED_PREFIXES.items() if cap.startswith(k)), None)


def in_integer_isa(w):
    op0 = (w >> 25) & 0xF
    if op0 & 0x7 == 0x7:        # SIMD & FP data processing
        return False
    if op0 & 0x5 == 0x4 and (w >> 26) & 1:   # loads/stores with V = 1
        return False
    if op0 == 0b0010:           # SVE
        return False
    if op0 == 0b0000 and w >> 16 != 0:   # SME and reserved (keep UDF)
        return False
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--samples", type=int, default=2_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--classifier", default="target/release/examples/classify")
    args = ap.parse_args()

    r = random.Random(args.seed)
    per_bucket = max(1, args.samples // 2048)
    words = []
    for top in range(2048):
        for _ in range(per_bucket):
            w = top << 21 | r.getrandbits(21)
            if in_integer_isa(w):
                words.append(w)
    proc = subprocess.run([args.classifier], input="".join(f"{w:08x}\n" for w in words),
                          capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"capstone_sweep: classifier failed: {proc.stderr.strip()}")
    ours = [line.split()[1] for line in proc.stdout.splitlines()]
    if len(ours) != len(words):
        sys.exit("capstone_sweep: classifier output does not match its input")

    md = capstone.Cs(capstone.CS_ARCH_ARM64, capstone.CS_MODE_ARM)
    counts = collections.Counter()
    cap_only = collections.defaultdict(list)
    ours_only = collections.defaultdict(list)
    unexplained = 0
    for w, name in zip(words, ours):
        ins = list(md.disasm(w.to_bytes(4, "little"), 0))
        cap = ins[0].mnemonic.split(".")[0] if ins else None
        if cap and name != "unallocated":
            counts["both decode"] += 1
        elif not cap and name == "unallocated":
            counts["both unallocated"] += 1
        elif cap:
            why = explain(cap, w)
            counts["capstone only, explained" if why else "capstone only, UNEXPLAINED"] += 1
            unexplained += why is None
            cap_only[(cap, why)].append(w)
        else:
            why = BRAMBLE_ONLY.get(name)
            counts["bramble only, explained" if why else "bramble only, UNEXPLAINED"] += 1
            unexplained += why is None
            ours_only[(name, why)].append(w)

    print(f"sampled {len(words)} integer-ISA words ({per_bucket} per bits[31:21] bucket before filtering)")
    for k in sorted(counts):
        print(f"  {k:<28} {counts[k]:>9}")
    for title, table in (("capstone decodes, bramble unallocated", cap_only),
                         ("bramble decodes, capstone rejects", ours_only)):
        print(f"{title} (top 40):")
        for (name, why), ws in sorted(table.items(), key=lambda kv: -len(kv[1]))[:40]:
            print(f"  {name:<12} {len(ws):>7}  e.g. {ws[0]:08x}  {why or 'UNEXPLAINED'}")
    print(f"{len(words) - unexplained} passed, {unexplained} failed")
    sys.exit(1 if unexplained else 0)


if __name__ == "__main__":
    main()
