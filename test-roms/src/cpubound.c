// A CPU-bound integer benchmark: PASSES passes of cpubound_pass (cpubound.S) over a 32 KiB
// array, about 64,000 instructions per pass (loads, stores, ALU, data-dependent branches,
// calls, a divide every 64 elements). Prints the checksum and checks it against
// tools/cpubound_model.py, an independent model; QEMU agrees (make check-qemu).
//
// PASSES defaults to 5000 (319,402,169 kernel instructions); build with
// -DPASSES=1, 10, 100 or 1000 for a shorter run.
#include "rt.h"

#ifndef PASSES
#define PASSES 5000
#endif

// From tools/cpubound_model.py.
#if PASSES == 1
#define EXPECTED 0x712d9cbe2dc787edull
#elif PASSES == 10
#define EXPECTED 0x5582c6947265045full
#elif PASSES == 100
#define EXPECTED 0x410c578c84be7431ull
#elif PASSES == 1000
#define EXPECTED 0x727aa409535ae2b2ull
#elif PASSES == 5000
#define EXPECTED 0xab0032cabb0778ceull
#else
#error "PASSES must be one of the values tools/cpubound_model.py checks"
#endif

#define N 4096

u64 cpubound_pass(u64 *a, u64 n, u64 sum);

static u64 a[N];

int main(void) {
    for (u64 i = 0; i < N; i++) a[i] = i * 0x9e3779b97f4a7c15ull;
    u64 sum = 0;
    for (int pass = 0; pass < PASSES; pass++) sum = cpubound_pass(a, N, sum);
    rt_puts("cpubound: ");
    rt_put_dec(PASSES);
    rt_puts(" passes, checksum ");
    rt_put_hex(sum);
    rt_puts("\n");
    CHECK_EQ(sum, EXPECTED, "checksum");
    return 0;
}
