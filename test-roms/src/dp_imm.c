// Data processing (immediate), Arm ARM DDI 0487 C4.1.92 (C6.2 for each instruction):
// add/subtract immediate (incl. LSL #12 and the SP forms), logical immediate (bitmask
// immediates of every element size, DecodeBitMasks), move wide, bitfield (SBFM/UBFM/BFM and
// their aliases), EXTR, and PC-relative ADR/ADRP. Expected values are worked out by hand;
// ADR/ADRP are compared with addresses the linker put in a literal pool.
#include "rt.h"

static u64 far_data[1024] __attribute__((used, aligned(4096)));  // a page away from .text

int main(void) {
    // Add/subtract (immediate).
    CHECK_EQ(OP1("add %0, %1, #0xfff", 1), 0x1000, "add imm12");
    CHECK_EQ(OP1("add %0, %1, #0x123, lsl #12", 0x10), 0x123010, "add imm lsl 12");
    CHECK_EQ(OP1("add %w0, %w1, #1", 0xffffffffffffffff), 0, "add w wraps, clears bits 63:32");
    CHECK_EQ(OP1("sub %w0, %w1, #1", 0), 0xffffffff, "sub w wraps and zero-extends");
    CHECK_EQ(OP1("sub %0, %1, #0xfff, lsl #12", 0x1000000), 0x1000, "sub imm lsl 12");
    CHECK_EQ(OP1("adds %0, %1, #1", 0x7fffffffffffffff), 0x8000000000000000, "adds result");
    CHECK_EQ(FLAGS2("adds xzr, %1, #1", 0x7fffffffffffffff, 0), N_ | V_, "adds: N V");
    CHECK_EQ(FLAGS2("adds wzr, %w1, #1", 0x7fffffff, 0), N_ | V_, "adds w: N V");
    CHECK_EQ(OP1("subs %0, %1, #1, lsl #12", 0x1000), 0, "subs lsl 12 result");
    CHECK_EQ(FLAGS2("subs xzr, %1, #1, lsl #12", 0x1000, 0), Z_ | C_, "subs lsl 12: Z C");
    CHECK_EQ(FLAGS2("subs wzr, %w1, #1", 0, 0), N_, "subs w borrow: N, C clear");
    CHECK_EQ(FLAGS2("cmn %w1, #1", 0xffffffff, 0), Z_ | C_, "cmn w: Z C");
    CHECK_EQ(FLAGS2("cmp %w1, #1", 0x80000000, 0), C_ | V_, "cmp w: C V");
    CHECK_EQ(FLAGS2("cmp %1, #0x10, lsl #12", 0x10000, 0), Z_ | C_, "cmp imm lsl 12: Z C");
    // SP forms: Rd/Rn = 31 is SP for ADD/SUB immediate and for the Rn of ADDS/SUBS (CMP SP).
    CHECK_EQ(OP0("mov x9, sp\n\tsub sp, sp, #0x20\n\tmov x10, sp\n\tadd sp, sp, #0x20\n\tsub %0, x9, x10"), 0x20,
             "sub/add sp, sp, #imm");
    CHECK_EQ(OP0("mov x9, sp\n\tadd %0, sp, #0x30\n\tsub %0, %0, x9"), 0x30, "add xd, sp, #imm");
    CHECK_EQ(OP0("mov x9, sp\n\tadd x10, x9, #0x40\n\tmov sp, x10\n\tmov %0, sp\n\tmov sp, x9\n\tsub %0, %0, x9"),
             0x40, "mov sp, xn (add sp, xn, #0)");
    CHECK_EQ(FLAGS2("cmp sp, #0", 0, 0), C_, "cmp sp, #0: C (SP is a small positive address)");

    // Logical (immediate): DecodeBitMasks element sizes 2, 4, 8, 16, 32 and 64.
    CHECK_EQ(OP1("eor %0, %1, #0x5555555555555555", ~0ull), 0xaaaaaaaaaaaaaaaa, "eor 2-bit element");
    CHECK_EQ(OP1("orr %0, %1, #0x7777777777777777", 0x8000000000000000), 0xf777777777777777,
             "orr 4-bit element");
    CHECK_EQ(OP1("and %0, %1, #0x0f0f0f0f0f0f0f0f", 0x123456789abcdef0), 0x020406080a0c0e00, "and 8-bit element");
    CHECK_EQ(OP1("and %0, %1, #0xff00ff00ff00ff00", ~0ull), 0xff00ff00ff00ff00, "and 16-bit element");
    CHECK_EQ(OP1("and %0, %1, #0x00ffff0000ffff00", ~0ull), 0x00ffff0000ffff00, "and 32-bit element");
    CHECK_EQ(OP1("orr %0, %1, #0x0000fffffffffff0", 0), 0x0000fffffffffff0, "orr 64-bit run");
    CHECK_EQ(OP1("orr %0, %1, #0x8000000000000001", 0), 0x8000000000000001, "orr 64-bit rotated run");
    CHECK_EQ(OP1("orr %w0, %w1, #0x80000001", 0), 0x80000001, "orr w rotated run");
    CHECK_EQ(OP1("eor %w0, %w1, #0xfffffffe", 0xffffffffffffffff), 1, "eor w clears bits 63:32");
    CHECK_EQ(OP1("ands %0, %1, #0x8000000000000000", 0x8000000000000001), 0x8000000000000000, "ands result");
    CHECK_EQ(FLAGS2F(C_ | V_, "ands xzr, %1, #0x8000000000000000", 0x8000000000000001, 0), N_,
             "ands: N, clears C V");
    CHECK_EQ(FLAGS2F(N_ | C_ | V_, "tst %w1, #1", 2, 0), Z_, "tst w: Z, clears N C V");
    // AND/ORR/EOR (not ANDS) immediate may write SP.
    CHECK_EQ(OP0("mov x9, sp\n\torr sp, x9, #0x8\n\tmov %0, sp\n\tmov sp, x9\n\teor %0, %0, x9"), 0x8,
             "orr sp, xn, #imm");

    // Move wide.
    CHECK_EQ(OP0("movz %0, #0xbeef, lsl #32"), 0xbeef00000000, "movz lsl 32");
    CHECK_EQ(OP0("movz %w0, #0xbeef, lsl #16"), 0xbeef0000, "movz w lsl 16");
    CHECK_EQ(OP0("movn %0, #0x1234, lsl #16"), 0xffffffffedcbffff, "movn lsl 16");
    CHECK_EQ(OP0("movn %0, #0x8000, lsl #48"), 0x7fffffffffffffff, "movn lsl 48");
    CHECK_EQ(OP0("movn %w0, #0"), 0xffffffff, "movn w zero-extends");
    CHECK_EQ(OP1("mov %0, %1\n\tmovk %0, #0xcafe, lsl #48", 0x1111222233334444), 0xcafe222233334444, "movk lsl 48");
    CHECK_EQ(OP1("mov %0, %1\n\tmovk %w0, #0xcafe", 0xffffffffffffffff), 0xffffcafe, "movk w clears bits 63:32");
    CHECK_EQ(OP1("mov %0, %1\n\tmovk %w0, #0x1234, lsl #16", 0x5678), 0x12345678, "movk w lsl 16");

    // Bitfield: the raw forms first. UBFM with imms < immr is UBFIZ with lsb = 64 - immr.
    CHECK_EQ(OP1("ubfm %0, %1, #60, #3", 0x123456789abcdefd), 0xd0, "ubfm imms<immr (ubfiz #4, #4)");
    CHECK_EQ(OP1("ubfm %0, %1, #4, #11", 0x123456789abcdef5), 0xef, "ubfm imms>=immr (ubfx #4, #8)");
    CHECK_EQ(OP1("sbfm %0, %1, #8, #15", 0x8000), 0xffffffffffffff80, "sbfm (sbfx #8, #8)");
    CHECK_EQ(OP1("sbfm %w0, %w1, #31, #0", 1), 0xfffffffe, "sbfm w (sbfiz #1, #1)");
    CHECK_EQ(OP2("mov %0, %1\n\tbfm %0, %2, #56, #7", 0, 0x1ab), 0xab00, "bfm (bfi #8, #8)");
    CHECK_EQ(OP2("mov %0, %1\n\tbfm %w0, %w2, #4, #3", 0xffffffff11111111, 0xc), 0xc1111111,
             "bfm w (bfi #28, #4) clears bits 63:32");
    // Aliases.
    CHECK_EQ(OP1("ubfx %0, %1, #8, #12", 0x123456789abcdef0), 0xcde, "ubfx");
    CHECK_EQ(OP1("ubfx %0, %1, #63, #1", 0x8000000000000000), 1, "ubfx top bit");
    CHECK_EQ(OP1("sbfx %0, %1, #4, #8", 0xf80), 0xfffffffffffffff8, "sbfx");
    CHECK_EQ(OP1("sbfiz %0, %1, #4, #4", 0x8), 0xffffffffffffff80, "sbfiz");
    CHECK_EQ(OP1("ubfiz %w0, %w1, #24, #8", 0x1ff), 0xff000000, "ubfiz w");
    CHECK_EQ(OP1("lsl %0, %1, #63", 3), 0x8000000000000000, "lsl #63");
    CHECK_EQ(OP1("lsl %w0, %w1, #31", 3), 0x80000000, "lsl w #31");
    CHECK_EQ(OP1("lsr %0, %1, #60", 0xf000000000000000), 0xf, "lsr #60");
    CHECK_EQ(OP1("lsr %w0, %w1, #31", 0xffffffff), 1, "lsr w #31");
    CHECK_EQ(OP1("asr %0, %1, #63", 0x8000000000000000), ~0ull, "asr #63");
    CHECK_EQ(OP1("asr %w0, %w1, #4", 0x80000000), 0xf8000000, "asr w #4");
    CHECK_EQ(OP2("mov %0, %1\n\tbfi %0, %2, #8, #8", ~0ull, 0x12), 0xffffffffffff12ff, "bfi");
    CHECK_EQ(OP2("mov %0, %1\n\tbfxil %0, %2, #4, #8", 0xffff000000000000, 0xabc), 0xffff0000000000ab, "bfxil");
    CHECK_EQ(OP1("sxtb %0, %w1", 0x80), 0xffffffffffffff80, "sxtb");
    CHECK_EQ(OP1("sxtb %w0, %w1", 0x17f), 0x7f, "sxtb w positive");
    CHECK_EQ(OP1("sxth %w0, %w1", 0x8000), 0xffff8000, "sxth w");
    CHECK_EQ(OP1("sxtw %0, %w1", 0x80000000), 0xffffffff80000000, "sxtw");
    CHECK_EQ(OP1("uxtb %w0, %w1", 0x1ff), 0xff, "uxtb");
    CHECK_EQ(OP1("uxth %w0, %w1", 0x12345678), 0x5678, "uxth");

    // Extract.
    CHECK_EQ(OP2("extr %0, %1, %2, #16", 0x1111, 0x2222333344445555), 0x1111222233334444, "extr");
    CHECK_EQ(OP2("extr %w0, %w1, %w2, #8", 0x11223344, 0x55667788), 0x44556677, "extr w");
    CHECK_EQ(OP1("ror %w0, %w1, #4", 0x12345678), 0x81234567, "ror w #4 (extr)");
    CHECK_EQ(OP1("ror %0, %1, #0", 0x12345678), 0x12345678, "ror #0 (extr)");

    // PC-relative addressing. The literal pool holds link-time absolute addresses.
    CHECK_EQ(OP0("bl 1f\n1:\tadr %0, 1b\n\tsub %0, %0, x30"), 0, "adr equals bl's return address");
    CHECK_EQ(OP0("adr %0, 1f\n\tldr x9, =1f\n\tsub %0, %0, x9\n\tnop\n1:"), 0, "adr forward");
    CHECK_EQ(OP0("1:\tnop\n\tnop\n\tadr %0, 1b\n\tldr x9, =1b\n\tsub %0, %0, x9"), 0, "adr backward");
    CHECK_EQ(OP1("adrp %0, far_data\n\tldr x9, =far_data\n\tand x9, x9, #~0xfff\n\tsub %0, %0, x9", 0), 0,
             "adrp is the symbol's page");
    CHECK_EQ(OP1("adrp %0, far_data + 0x1000\n\tldr x9, =far_data\n\tsub %0, %0, x9", 0), 0x1000,
             "adrp a page further");
    CHECK_EQ(OP1("adrp %0, far_data + 8\n\tadd %0, %0, :lo12:far_data + 8\n\tldr x9, =far_data\n\tsub %0, %0, x9",
                 0),
             8, "adrp + :lo12:");
    far_data[1] = 0;
    return 0;
}
