// Exclusives and acquire/release: success and failure of store-exclusive through the
// local monitor, every size, pairs, and an LL/SC increment loop.
#include "rt.h"

static volatile u64 mem[4] __attribute__((aligned(16)));

int main(void) {
    u64 p = (u64)mem, st, v;
    mem[0] = 5;
    __asm__ volatile("ldxr %0, [%2]\n\tadd %0, %0, #1\n\tstxr %w1, %0, [%2]" : "=&r"(v), "=&r"(st) : "r"(p) : "memory");
    CHECK_EQ(st, 0, "stxr after ldxr succeeds");
    CHECK_EQ(mem[0], 6, "stxr stored");
    __asm__ volatile("ldxr %0, [%2]\n\tclrex\n\tstxr %w1, xzr, [%2]" : "=&r"(v), "=&r"(st) : "r"(p) : "memory");
    CHECK_EQ(st, 1, "stxr after clrex fails");
    CHECK_EQ(mem[0], 6, "failed stxr stores nothing");
    __asm__ volatile("stxr %w0, xzr, [%1]" : "=&r"(st) : "r"(p) : "memory");
    CHECK_EQ(st, 1, "stxr without ldxr fails");
    mem[1] = 0x1122334455667788;
    __asm__ volatile("ldaxr %w0, [%2]\n\tstlxr %w1, %w0, [%2, #0]" : "=&r"(v), "=&r"(st) : "r"(p + 8) : "memory");
    CHECK_EQ(v, 0x55667788, "ldaxr w");
    CHECK_EQ(st, 0, "stlxr w");
    __asm__ volatile("ldxrb %w0, [%2]\n\tadd %w0, %w0, #1\n\tstxrb %w1, %w0, [%2]" : "=&r"(v), "=&r"(st) : "r"(p + 8)
                     : "memory");
    CHECK_EQ(mem[1], 0x1122334455667789, "ldxrb/stxrb");
    __asm__ volatile("ldaxrh %w0, [%2]\n\tmov %w0, #0xabcd\n\tstlxrh %w1, %w0, [%2]" : "=&r"(v), "=&r"(st)
                     : "r"(p + 14) : "memory");
    CHECK_EQ(mem[1], 0xabcd334455667789, "ldaxrh/stlxrh");
    mem[2] = 1;
    mem[3] = 2;
    __asm__ volatile("ldxp %0, x9, [%2]\n\tadd %0, %0, x9\n\tstxp %w1, %0, %0, [%2]" : "=&r"(v), "=&r"(st)
                     : "r"(p + 16) : "x9", "memory");
    CHECK_EQ(st, 0, "stxp succeeds");
    CHECK_EQ(mem[2] + mem[3], 6, "ldxp/stxp");
    __asm__ volatile("ldaxp %w0, w9, [%2]\n\tstlxp %w1, w9, %w0, [%2]" : "=&r"(v), "=&r"(st) : "r"(p + 16)
                     : "x9", "memory");
    CHECK_EQ(mem[2], 0x0000000300000000, "ldaxp/stlxp w swaps the halves");
    OP2("stlr %2, [%1]", p, 0x77);
    CHECK_EQ(OP1("ldar %0, [%1]", p), 0x77, "stlr/ldar x");
    OP2("stlrh %w2, [%1]", p, 0x1234);
    CHECK_EQ(OP1("ldarb %w0, [%1, #0]", p + 1), 0x12, "stlrh/ldarb");
    mem[0] = 0;
    for (int i = 0; i < 1000; i++)
        __asm__ volatile("1:\tldxr %0, [%2]\n\tadd %0, %0, #1\n\tstxr %w1, %0, [%2]\n\tcbnz %w1, 1b"
                         : "=&r"(v), "=&r"(st) : "r"(p) : "memory");
    CHECK_EQ(mem[0], 1000, "ll/sc increment loop");
    return 0;
}
