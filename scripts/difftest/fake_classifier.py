#!/usr/bin/env python3
"""A stand-in for bramble's `classify` example, for `capstone_sweep.py --self-test`.

Reads words (8 hex digits, one per line) and prints `<word> <name>`, where name is
`cap_<mnemonic>` when capstone decodes the word and `unallocated` otherwise, or when
capstone_sweep's EXPLAINED table says bramble leaves the word unallocated (an extension
bramble does not implement, a capstone quirk). Options introduce disagreements on purpose:
    --reject-mnemonic M   say `unallocated` for words capstone decodes as M (repeatable)
    --accept-mnemonic M   decode words capstone decodes as M even if EXPLAINED lists them
    --accept-invalid      say `Bogus` for words capstone rejects
    --die-after N         exit after N words
"""

import argparse
import os
import sys

import capstone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from capstone_sweep import explain_capstone_only  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reject-mnemonic", action="append", default=[])
    ap.add_argument("--accept-mnemonic", action="append", default=[])
    ap.add_argument("--accept-invalid", action="store_true")
    ap.add_argument("--die-after", type=int, default=None)
    args = ap.parse_args()
    cs = capstone.Cs(capstone.CS_ARCH_ARM64, capstone.CS_MODE_ARM)
    out = sys.stdout
    for n, line in enumerate(sys.stdin):
        if args.die_after is not None and n >= args.die_after:
            out.flush()
            sys.exit(101)
        w = int(line, 16)
        d = next(cs.disasm_lite(w.to_bytes(4, "little"), 0), None)
        if d is None:
            name = "Bogus" if args.accept_invalid else "unallocated"
        else:
            m = d[2].split(".")[0]
            if m in args.reject_mnemonic:
                name = "unallocated"
            elif m not in args.accept_mnemonic and explain_capstone_only(m, w):
                name = "unallocated"
            else:
                name = "cap_" + m
        out.write(f"{w:08x} {name}\n")
    out.flush()


if __name__ == "__main__":
    main()
