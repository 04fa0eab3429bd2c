// Branches, Arm ARM DDI 0487 C4.1.65 (C6.2 for each instruction): B, BL, BR, BLR, RET,
// CBZ/CBNZ and TBZ/TBNZ, taken and not taken, forward and backward; calls through BL/RET
// (recursion), BLR (function pointers) and BR (into a table, in branch.S). branch.S also holds
// the branches at the edges of their immediate ranges.
#include "rt.h"

u64 near_fn(void);
u64 far_b_forward(void);
u64 far_tbz_fwd(u64 x);
u64 far_tbnz_back(u64 x);
u64 far_cbz_fwd(u64 x);
u64 far_bcond_back(u64 a, u64 b);
u64 far_call_back(void);
u64 computed_br(u64 k);

static u64 fib(u64 n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
static u64 twice(u64 x) { return 2 * x; }
static u64 thrice(u64 x) { return 3 * x; }
static u64 (*volatile fns[2])(u64) = {twice, thrice};

// 1 if the branch in `insn` (which jumps to 1f) is taken, else 0.
#define TAKEN(insn, a) OP1("mov %0, #1\n\t" insn ", 1f\n\tmov %0, #0\n1:", a)

int main(void) {
    // B and BL.
    CHECK_EQ(OP0("mov %0, #1\n\tb 1f\n\tmov %0, #2\n1:"), 1, "b forward");
    CHECK_EQ(OP0("mov %0, #0\n\tb 2f\n1:\tadd %0, %0, #1\n\tb 3f\n2:\tadd %0, %0, #2\n\tb 1b\n3:"), 3, "b backward");
    CHECK_EQ(OP0("bl 1f\n1:\tadr x9, 1b\n\tsub %0, x30, x9"), 0, "bl sets x30 to the next instruction");
    CHECK_EQ(fib(20), 6765, "recursion through bl/ret");
    // Register branches.
    CHECK_EQ(OP0("adr x9, 1f\n\tmov %0, #7\n\tbr x9\n\tmov %0, #8\n1:"), 7, "br");
    CHECK_EQ(OP0("adr x9, 2f\n\tblr x9\n1:\tb 3f\n2:\tadr x10, 1b\n\tsub %0, x30, x10\n\tret\n3:"), 0,
             "blr sets x30 to the next instruction");
    CHECK_EQ(OP0("adr x30, 2f\n\tblr x30\n1:\tb 3f\n2:\tadr x9, 1b\n\tsub %0, x30, x9\n\tret\n3:"), 0,
             "blr x30 branches to the old x30");
    CHECK_EQ(OP0("adr x30, 1f\n\tmov %0, #1\n\tret\n\tmov %0, #2\n1:"), 1, "ret to x30");
    CHECK_EQ(OP0("adr x10, 1f\n\tmov x30, #0\n\tmov %0, #1\n\tret x10\n\tmov %0, #2\n1:"), 1, "ret x10");
    CHECK_EQ(fns[0](21) + fns[1](1), 45, "blr through function pointers");
    u64 table = 0;
    for (u64 k = 0; k < 4; k++) table = table << 8 | computed_br(k);
    CHECK_EQ(table, 0x030d1721, "br into a table of entries");

    // Compare and branch: W forms look only at bits 31:0.
    CHECK_EQ(TAKEN("cbz %1", 0), 1, "cbz x taken");
    CHECK_EQ(TAKEN("cbz %1", 0x100000000), 0, "cbz x sees bit 32");
    CHECK_EQ(TAKEN("cbz %w1", 0x100000000), 1, "cbz w ignores bits 63:32");
    CHECK_EQ(TAKEN("cbnz %1", 0x8000000000000000), 1, "cbnz x taken");
    CHECK_EQ(TAKEN("cbnz %w1", 0xffffffff00000000), 0, "cbnz w not taken");
    CHECK_EQ(TAKEN("cbnz %w1", 0x80000000), 1, "cbnz w taken");
    CHECK_EQ(OP0("mov %0, #0\n\tmov x9, #5\n1:\tadd %0, %0, #2\n\tsub x9, x9, #1\n\tcbnz x9, 1b"), 10,
             "cbnz backward loop");
    // Test and branch.
    CHECK_EQ(TAKEN("tbz %1, #0", 2), 1, "tbz bit 0 clear");
    CHECK_EQ(TAKEN("tbz %1, #0", 1), 0, "tbz bit 0 set");
    CHECK_EQ(TAKEN("tbnz %1, #0", 1), 1, "tbnz bit 0 set");
    CHECK_EQ(TAKEN("tbnz %w1, #31", 0x80000000), 1, "tbnz w bit 31 set");
    CHECK_EQ(TAKEN("tbz %w1, #31", 0x7fffffff), 1, "tbz w bit 31 clear");
    CHECK_EQ(TAKEN("tbnz %1, #63", 0x7fffffffffffffff), 0, "tbnz bit 63 clear");
    CHECK_EQ(TAKEN("tbz %1, #63", 0x7fffffffffffffff), 1, "tbz bit 63 clear");
    CHECK_EQ(TAKEN("tbnz %1, #63", 0x8000000000000000), 1, "tbnz bit 63 set");
    CHECK_EQ(TAKEN("tbnz %1, #40", 1ull << 40), 1, "tbnz bit 40");
    CHECK_EQ(TAKEN("tbz %1, #32", 0xffffffff), 1, "tbz bit 32 clear");

    // Branches at the edges of their ranges (branch.S), and a BL across 2 MiB each way.
    CHECK_EQ(far_tbz_fwd(0xffdf), 1, "tbz +32764 taken");
    CHECK_EQ(far_tbz_fwd(0x20), 0, "tbz +32764 not taken");
    CHECK_EQ(far_tbnz_back(0x8000000000000000), 2, "tbnz -32768 taken");
    CHECK_EQ(far_tbnz_back(1), 3, "tbnz -32768 not taken");
    CHECK_EQ(far_cbz_fwd(0x100000000), 1, "cbz w +0xffffc taken");
    CHECK_EQ(far_cbz_fwd(1), 0, "cbz w +0xffffc not taken");
    CHECK_EQ(far_bcond_back(-5, 3), 2, "b.lt -1 MiB taken");
    CHECK_EQ(far_bcond_back(3, -5), 3, "b.lt -1 MiB not taken");
    CHECK_EQ(far_b_forward(), 0x42, "b forward over 2 MiB");
    CHECK_EQ(far_call_back(), 0x41, "bl backward over 2 MiB");
    CHECK_EQ(near_fn(), 0x40, "bl forward");
    return 0;
}
