#!/usr/bin/env python3
"""Prints the load-op table of test-roms/src/lse.c from an independent model of the LSE
atomics (Arm ARM DDI 0487 C6.2 LDADD..LDUMIN, SWP): for each operation and size, the value
the instruction returns (the old memory value, zero-extended) and the doubleword in memory
afterwards. Only bytes of the access size change. Run it and paste the output over the
table in lse.c when the table changes."""

M64 = (1 << 64) - 1
BACKGROUND = 0x1122334455667788  # the bytes an access of less than 8 bytes must not touch
SIZES = [("b", 8), ("h", 16), ("w", 32), ("x", 64)]
ORDERS = ["", "a", "al", "l"]
# The old value is 0xe5 repeated (negative when signed), the operand 0x3c repeated
# (positive), so signed and unsigned min/max disagree and byte-sized adds carry out.
OLD_BYTE, OPERAND_BYTE = 0xE5, 0x3C
# Bits above the access size in the operand register, which the instruction must ignore.
OPERAND_GARBAGE = 0xDEADBEEF_DEADBEEF


def signed(v, bits):
    return v - (1 << bits) if v >> (bits - 1) else v


OPS = {
    "ldadd": lambda o, s, bits: (o + s) & ((1 << bits) - 1),
    "ldclr": lambda o, s, bits: o & ~s & ((1 << bits) - 1),
    "ldeor": lambda o, s, bits: o ^ s,
    "ldset": lambda o, s, bits: o | s,
    "ldsmax": lambda o, s, bits: o if signed(o, bits) >= signed(s, bits) else s,
    "ldsmin": lambda o, s, bits: o if signed(o, bits) <= signed(s, bits) else s,
    "ldumax": lambda o, s, bits: max(o, s),
    "ldumin": lambda o, s, bits: min(o, s),
    "swp": lambda o, s, bits: s,
}


def rep(byte, bits):
    return int.from_bytes(bytes([byte]) * (bits // 8), "little")


def main():
    for i, (op, fn) in enumerate(OPS.items()):
        for j, (suffix, bits) in enumerate(SIZES):
            order = ORDERS[(i + j) % 4]
            mnemonic = op + order + (suffix if bits < 32 else "")
            mask = (1 << bits) - 1
            old = rep(OLD_BYTE, bits)
            operand = rep(OPERAND_BYTE, bits)
            init = (BACKGROUND & ~mask | old) & M64
            new = fn(old, operand, bits) & mask
            after = (init & ~mask | new) & M64
            reg = "%w" if bits < 64 else "%"
            opreg = operand | (OPERAND_GARBAGE & ~mask & M64)
            print(f'    LDOP("{mnemonic} {reg}2, {reg}0, [%1]", {init:#018x}, {opreg:#x}, {old:#x}, {after:#018x});')


if __name__ == "__main__":
    main()
