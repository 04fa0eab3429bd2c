#!/usr/bin/env python3
"""Independent model of test-roms/src/cpubound.{c,S}: prints, for each supported PASSES
value, the checksum the ROM must reach and how many instructions the kernel executes
(cpubound_pass only; the ROM's set-up and printing add a few thousand). Slow: about a
minute for 5000 passes."""

M = (1 << 64) - 1
N = 4096
CHECKPOINTS = [1, 10, 100, 1000, 5000]


def ror(v, n):
    return ((v >> n) | (v << (64 - n))) & M


def main():
    a = [(i * 0x9E3779B97F4A7C15) & M for i in range(N)]
    s = 0
    insns = 0
    for p in range(1, CHECKPOINTS[-1] + 1):
        insns += 6 + 3  # prologue (stp mov mov mov movz movk) and epilogue (mov ldp ret)
        for i in range(N):
            v = a[i]
            s = (s + (v ^ (s >> 7))) & M
            a[i] = (v + (s & 0xFF)) & M
            byte = (a[i >> 3] >> (8 * (i & 7))) & 0xFF
            s = (s + (byte << 3)) & M
            if v & 1:
                s ^= i
                insns += 11  # ldr eor add and add str ldrb add tbz eor b
            else:
                s = (s * 5 + i) & M
                insns += 10  # ... tbz madd
            insns += 5  # tst b.ne add cmp b.lo
            if i & 63 == 0:
                s = ((ror(s, 13) ^ (s >> 3)) + s // 0x12345) & M
                insns += 6  # bl udiv ror eor add ret
        if p in CHECKPOINTS:
            print(f"PASSES {p:5}: checksum {s:#018x}, {insns} kernel instructions")


if __name__ == "__main__":
    main()
