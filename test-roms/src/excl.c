// Exclusives and acquire/release, Arm ARM DDI 0487 B2.17 (synchronization and semaphores)
// and C6.2: LDXR/STXR, LDAXR/STLXR in every size, LDXP/STXP and LDAXP/STLXP, CLREX, and
// LDAR/STLR in every size. Only the local monitor's architected transitions are relied on:
// a store-exclusive succeeds (status 0) after a load-exclusive of the same address with
// nothing in between, and fails (status 1, memory unchanged) after CLREX or when no
// load-exclusive is outstanding (B2.17.5: any store-exclusive, successful or not, moves
// the monitor back to Open Access).
#include "rt.h"

static volatile u64 mem[4] __attribute__((aligned(16)));

// Load-exclusive then store-exclusive of `stval` at `addr`: returns the status, and sets
// `loaded` to what the load returned.
#define LLSC(ld, st, addr, stval, loaded)                                                         \
    ({                                                                                            \
        u64 _st, _v;                                                                              \
        __asm__ volatile(ld " %0, [%2]\n\t" st " %w1, %3, [%2]"                                   \
                         : "=&r"(_v), "=&r"(_st) : "r"((u64)(addr)), "r"((u64)(stval)) : "memory"); \
        loaded = _v;                                                                              \
        _st;                                                                                      \
    })
#define LLSC_W(ld, st, addr, stval, loaded)                                                        \
    ({                                                                                             \
        u64 _st, _v;                                                                               \
        __asm__ volatile(ld " %w0, [%2]\n\t" st " %w1, %w3, [%2]"                                  \
                         : "=&r"(_v), "=&r"(_st) : "r"((u64)(addr)), "r"((u64)(stval)) : "memory"); \
        loaded = _v;                                                                               \
        _st;                                                                                       \
    })

int main(void) {
    const u64 p = (u64)mem;
    u64 st, v, w;

    // Every size, plain and acquire/release: success writes exactly the access's bytes.
    mem[0] = 0x1122334455667788;
    CHECK_EQ(LLSC("ldxr", "stxr", p, 0xa0a1a2a3a4a5a6a7, v), 0, "ldxr/stxr x succeeds");
    CHECK_EQ(v, 0x1122334455667788, "ldxr x value");
    CHECK_EQ(mem[0], 0xa0a1a2a3a4a5a6a7, "stxr x stored");
    CHECK_EQ(LLSC_W("ldxr", "stxr", p + 4, 0xffffffff01020304, v), 0, "ldxr/stxr w succeeds");
    CHECK_EQ(v, 0xa0a1a2a3, "ldxr w value, zero-extended");
    CHECK_EQ(mem[0], 0x01020304a4a5a6a7, "stxr w stored 4 bytes");
    CHECK_EQ(LLSC_W("ldxrh", "stxrh", p + 2, 0xbeef, v), 0, "ldxrh/stxrh succeeds");
    CHECK_EQ(v, 0xa4a5, "ldxrh value");
    CHECK_EQ(mem[0], 0x01020304beefa6a7, "stxrh stored 2 bytes");
    CHECK_EQ(LLSC_W("ldxrb", "stxrb", p + 7, 0x1ff, v), 0, "ldxrb/stxrb succeeds");
    CHECK_EQ(v, 0x01, "ldxrb value");
    CHECK_EQ(mem[0], 0xff020304beefa6a7, "stxrb stored 1 byte");
    CHECK_EQ(LLSC("ldaxr", "stlxr", p, 0x5555, v), 0, "ldaxr/stlxr x succeeds");
    CHECK_EQ(v, 0xff020304beefa6a7, "ldaxr x value");
    CHECK_EQ(LLSC_W("ldaxr", "stlxr", p, 0x66666666, v), 0, "ldaxr/stlxr w succeeds");
    CHECK_EQ(mem[0], 0x66666666, "stlxr w stored");
    CHECK_EQ(LLSC_W("ldaxrh", "stlxrh", p + 6, 0xabcd, v), 0, "ldaxrh/stlxrh succeeds");
    CHECK_EQ(LLSC_W("ldaxrb", "stlxrb", p + 5, 0x12, v), 0, "ldaxrb/stlxrb succeeds");
    CHECK_EQ(mem[0], 0xabcd120066666666, "stlxrh and stlxrb stored");

    // Failure: after CLREX, and with no load-exclusive outstanding. Memory is unchanged.
    mem[1] = 6;
    __asm__ volatile("ldxr %0, [%2]\n\tclrex\n\tstxr %w1, xzr, [%2]" : "=&r"(v), "=&r"(st) : "r"(p + 8) : "memory");
    CHECK_EQ(st, 1, "stxr after clrex fails with status 1");
    CHECK_EQ(mem[1], 6, "failed stxr stores nothing");
    __asm__ volatile("stxr %w0, xzr, [%1]" : "=&r"(st) : "r"(p + 8) : "memory");
    CHECK_EQ(st, 1, "stxr with no ldxr outstanding fails");
    __asm__ volatile("ldaxr %w0, [%2]\n\tclrex #15\n\tstlxrb %w1, wzr, [%2]" : "=&r"(v), "=&r"(st) : "r"(p + 8)
                     : "memory");
    CHECK_EQ(st, 1, "stlxrb after clrex #15 fails");
    __asm__ volatile("ldxr %0, [%2]\n\tstxr %w1, %0, [%2]\n\tstxr %w1, xzr, [%2]" : "=&r"(v), "=&r"(st)
                     : "r"(p + 8) : "memory");
    CHECK_EQ(st, 1, "second stxr after one ldxr fails");
    CHECK_EQ(mem[1], 6, "memory after the failed stores");

    // Pairs: 2 x 64 bits (16-byte aligned) and 2 x 32 bits (8-byte aligned).
    mem[2] = 1;
    mem[3] = 2;
    __asm__ volatile("ldxp %0, %1, [%3]\n\tadd x9, %0, %1\n\tstxp %w2, x9, x9, [%3]" : "=&r"(v), "=&r"(w), "=&r"(st)
                     : "r"(p + 16) : "x9", "memory");
    CHECK_EQ(v, 1, "ldxp first");
    CHECK_EQ(w, 2, "ldxp second");
    CHECK_EQ(st, 0, "stxp succeeds");
    CHECK_EQ(mem[2] + 0x10 * mem[3], 0x33, "stxp stored both");
    __asm__ volatile("ldaxp %w0, %w1, [%3]\n\tstlxp %w2, %w1, %w0, [%3]" : "=&r"(v), "=&r"(w), "=&r"(st)
                     : "r"(p + 16) : "memory");
    CHECK_EQ(st, 0, "stlxp w succeeds");
    CHECK_EQ(mem[2], 0x0000000300000000, "ldaxp/stlxp w swap the halves");
    __asm__ volatile("ldaxp %0, %1, [%3]\n\tclrex\n\tstlxp %w2, xzr, xzr, [%3]" : "=&r"(v), "=&r"(w), "=&r"(st)
                     : "r"(p + 16) : "memory");
    CHECK_EQ(st, 1, "stlxp after clrex fails");
    CHECK_EQ(mem[2] ^ mem[3], 0x0000000300000003, "failed stlxp stores nothing");

    // Load-acquire / store-release in every size.
    mem[0] = 0;
    OP2("stlr %2, [%1]", p, 0x8877665544332211);
    CHECK_EQ(OP1("ldar %0, [%1]", p), 0x8877665544332211, "stlr/ldar x");
    OP2("stlr %w2, [%1]", p + 4, 0xffffffffaabbccdd);
    CHECK_EQ(OP1("ldar %w0, [%1]", p + 4), 0xaabbccdd, "stlr/ldar w");
    OP2("stlrh %w2, [%1]", p + 2, 0x1234);
    CHECK_EQ(OP1("ldarh %w0, [%1]", p + 2), 0x1234, "stlrh/ldarh");
    OP2("stlrb %w2, [%1]", p + 1, 0xfe);
    CHECK_EQ(OP1("ldarb %w0, [%1]", p + 1), 0xfe, "stlrb/ldarb");
    CHECK_EQ(mem[0], 0xaabbccdd1234fe11, "stlr sizes wrote only their bytes");

    // An LL/SC increment loop, as compilers emit for atomics without LSE.
    mem[1] = 0;
    for (int i = 0; i < 1000; i++)
        __asm__ volatile("1:\tldaxr %0, [%2]\n\tadd %0, %0, #3\n\tstlxr %w1, %0, [%2]\n\tcbnz %w1, 1b"
                         : "=&r"(v), "=&r"(st) : "r"(p + 8) : "memory");
    CHECK_EQ(mem[1], 3000, "ll/sc increment loop");
    return 0;
}
