#!/usr/bin/env python3
"""Independent model of test-roms/src/cpubound.c: prints the checksum the ROM must reach."""
M = (1 << 64) - 1
N, PASSES = 4096, 2500
a = [(i * 0x9E3779B97F4A7C15) & M for i in range(N)]
s = 0
for _ in range(PASSES):
    for i in range(N):
        v = a[i]
        s = (s + (v ^ (s >> 7))) & M
        a[i] = (v + (s & 0xFF)) & M
        if v & 1:
            s ^= i
print(f"{s:#018x}")
