// LSE atomics (FEAT_LSE, needs --cpu max on bramble): compare-and-swap in every size and
// ordering, CASP, every load-op and SWP, and the store aliases.
#include "rt.h"

static volatile u64 mem[4] __attribute__((aligned(16)));

int main(void) {
    u64 p = (u64)mem, old;
    mem[0] = 5;
    old = 5;
    __asm__ volatile("cas %0, %2, [%1]" : "+r"(old) : "r"(p), "r"(9ull) : "memory");
    CHECK_EQ(old, 5, "cas returns old");
    CHECK_EQ(mem[0], 9, "cas swaps on match");
    old = 1;
    __asm__ volatile("casal %0, %2, [%1]" : "+r"(old) : "r"(p), "r"(3ull) : "memory");
    CHECK_EQ(old, 9, "casal returns current on mismatch");
    CHECK_EQ(mem[0], 9, "casal leaves memory on mismatch");
    mem[0] = 0x1111111111111180;
    old = 0xffffff80;  // only the low byte is compared
    __asm__ volatile("casab %w0, %w2, [%1]" : "+r"(old) : "r"(p), "r"(0x7full) : "memory");
    CHECK_EQ(old, 0x80, "casab compares the low byte");
    CHECK_EQ(mem[0], 0x111111111111117f, "casab stores a byte");
    old = 0x117f;
    __asm__ volatile("caslh %w0, %w2, [%1]" : "+r"(old) : "r"(p), "r"(0xbeefull) : "memory");
    CHECK_EQ(mem[0], 0x111111111111beef, "caslh");
    old = 0x1111beef;
    __asm__ volatile("casa %w0, %w2, [%1]" : "+r"(old) : "r"(p), "r"(0ull) : "memory");
    CHECK_EQ(mem[0], 0x1111111100000000, "casa w");
    mem[2] = 10;
    mem[3] = 20;
    {
        register u64 x4 __asm__("x4") = 10, x5 __asm__("x5") = 20, x6 __asm__("x6") = 30, x7 __asm__("x7") = 40;
        __asm__ volatile("casp x4, x5, x6, x7, [%2]" : "+r"(x4), "+r"(x5) : "r"(p + 16), "r"(x6), "r"(x7) : "memory");
        CHECK_EQ(mem[2] + mem[3], 70, "casp swaps the pair");
        CHECK_EQ(x4 + x5, 30, "casp returns the old pair");
    }
    mem[0] = 100;
    CHECK_EQ(OP2("ldadd %2, %0, [%1]", p, 5), 100, "ldadd returns old");
    CHECK_EQ(mem[0], 105, "ldadd adds");
    CHECK_EQ(OP2("ldclral %2, %0, [%1]", p, 1), 105, "ldclral");
    CHECK_EQ(mem[0], 104, "ldclral clears");
    OP2("ldeora %2, %0, [%1]", p, 0xff);
    CHECK_EQ(mem[0], 0x97, "ldeora");
    OP2("ldsetl %2, %0, [%1]", p, 0x100);
    CHECK_EQ(mem[0], 0x197, "ldsetl");
    mem[1] = 0x80;  // byte -128
    OP2("ldsmaxb %w2, %w0, [%1]", p + 8, 0x05);
    CHECK_EQ(mem[1], 0x05, "ldsmaxb is signed");
    OP2("ldsminh %w2, %w0, [%1]", p + 8, 0xffff);
    CHECK_EQ(mem[1], 0xffff, "ldsminh is signed");
    OP2("ldumax %w2, %w0, [%1]", p + 8, 0x10000);
    CHECK_EQ(mem[1], 0x10000, "ldumax w");
    OP2("lduminal %2, %0, [%1]", p + 8, 3);
    CHECK_EQ(mem[1], 3, "lduminal x");
    CHECK_EQ(OP2("swp %2, %0, [%1]", p + 8, 0xabcdef), 3, "swp returns old");
    CHECK_EQ(mem[1], 0xabcdef, "swp stores");
    CHECK_EQ(OP2("swpalb %w2, %w0, [%1]", p + 8, 0x11), 0xef, "swpalb");
    CHECK_EQ(mem[1], 0xabcd11, "swpalb stores a byte");
    __asm__ volatile("stadd %0, [%1]" ::"r"(1ull), "r"(p + 8) : "memory");
    CHECK_EQ(mem[1], 0xabcd12, "stadd alias");
    __asm__ volatile("stsmaxh %w0, [%1]" ::"r"(0x7fffull), "r"(p + 8) : "memory");
    CHECK_EQ(mem[1], 0xab7fff, "stsmaxh alias");
    return 0;
}
