// Branches: immediate, conditional, compare/test and branch, register branches, calls and
// returns (recursion goes through BL and RET, function pointers through BLR).
#include "rt.h"

static u64 fib(u64 n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
static u64 twice(u64 x) { return 2 * x; }
static u64 thrice(u64 x) { return 3 * x; }
static u64 (*volatile fns[2])(u64) = {twice, thrice};

#define BR_TAKEN(insn, a) OP1("mov %0, #1\n\t" insn ", 1f\n\tmov %0, #0\n1:", a)

int main(void) {
    CHECK_EQ(OP1("mov %0, #1\n\tb 1f\n\tmov %0, #2\n1:", 0), 1, "b skips");
    CHECK_EQ(fib(20), 6765, "recursion through bl/ret");
    CHECK_EQ(fns[0](21) + fns[1](1), 45, "blr through pointers");
    CHECK_EQ(OP1("adr x9, 1f\n\tmov %0, #7\n\tbr x9\n\tmov %0, #8\n1:", 0), 7, "br");
    CHECK_EQ(OP1("adr x9, 2f\n\tmov x10, x30\n\tblr x9\n4:\tb 3f\n2:\tmov %0, x30\n\tret\n3:\tadr x9, 4b\n\t"
                 "sub %0, %0, x9\n\tmov x30, x10", 0),
             0, "blr sets x30 to the next instruction");
    CHECK_EQ(OP1("adr x9, 1f\n\tmov x10, x30\n\tmov x30, x9\n\tmov %0, #1\n\tret\n\tmov %0, #2\n1:\tmov x30, x10", 0), 1,
             "ret to x30");
    CHECK_EQ(BR_TAKEN("cbz %1", 0), 1, "cbz taken");
    CHECK_EQ(BR_TAKEN("cbz %1", 0x100000000), 0, "cbz x sees high bits");
    CHECK_EQ(BR_TAKEN("cbz %w1", 0x100000000), 1, "cbz w ignores high bits");
    CHECK_EQ(BR_TAKEN("cbnz %w1", 0x80000000), 1, "cbnz w taken");
    CHECK_EQ(BR_TAKEN("tbz %1, #0", 2), 1, "tbz bit 0 clear");
    CHECK_EQ(BR_TAKEN("tbnz %w1, #31", 0x80000000), 1, "tbnz bit 31");
    CHECK_EQ(BR_TAKEN("tbnz %1, #63", 0x7fffffffffffffff), 0, "tbnz bit 63 clear");
    CHECK_EQ(BR_TAKEN("tbz %1, #63", 0x7fffffffffffffff), 1, "tbz bit 63");
    CHECK_EQ(BR_TAKEN("tbnz %1, #40", 1ull << 40), 1, "tbnz bit 40");
    // A long forward branch over 64 KiB of code.
    CHECK_EQ(OP1("mov %0, #1\n\tb 1f\n\t.skip 0x10000\n1:", 0), 1, "b over 64 KiB");
    CHECK_EQ(OP1("mov %0, #5\n\tcmp %0, #5\n\tb.eq 1f\n\t.skip 0x8000\n1:", 0), 5, "b.eq taken far");
    CHECK_EQ(OP1("mov %0, #5\n\tcmp %0, #5\n\tb.ne 1f\n\tmov %0, #6\n1:", 0), 6, "b.ne not taken");
    return 0;
}
