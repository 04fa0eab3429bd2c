// A CPU-bound integer workload (loads, stores, ALU, branches): about 150 million
// instructions. The expected checksum comes from scripts/cpubound_checksum.py, an
// independent model of this loop, and QEMU agrees with it (make check-qemu).
#include "rt.h"

#define N 4096
#define PASSES 2500
#define EXPECTED 0xca770308fbcffda5ull

static u64 a[N];

int main(void) {
    for (u64 i = 0; i < N; i++) a[i] = i * 0x9e3779b97f4a7c15ull;
    u64 sum = 0;
    for (int pass = 0; pass < PASSES; pass++) {
        for (u64 i = 0; i < N; i++) {
            u64 v = a[i];
            sum += v ^ (sum >> 7);
            a[i] = v + (sum & 0xff);
            if (v & 1) sum ^= i;
        }
    }
    rt_puts("cpubound checksum ");
    rt_put_hex(sum);
    rt_puts("\n");
    CHECK_EQ(sum, EXPECTED, "checksum");
    return 0;
}
