// Data processing (immediate): expected values worked out by hand from the Arm ARM.
#include "rt.h"

int main(void) {
    CHECK_EQ(OP1("add %0, %1, #0xfff", 1), 0x1000, "add imm");
    CHECK_EQ(OP1("add %0, %1, #0x123, lsl #12", 0x10), 0x123010, "add imm lsl 12");
    CHECK_EQ(OP1("sub %w0, %w1, #1", 0), 0xffffffff, "sub w wraps and zero-extends");
    CHECK_EQ(FLAGS2("cmn %w1, #1", 0xffffffff, 0), 0x6, "cmn w: Z and C");
    CHECK_EQ(FLAGS2("cmp %w1, #1", 0x80000000, 0), 0x3, "cmp w: C and V");
    CHECK_EQ(FLAGS2("cmp %1, #0x10, lsl #12", 0x10000, 0), 0x6, "cmp imm lsl 12");
    u64 sp_delta;
    __asm__ volatile("mov x9, sp\n\tsub sp, sp, #0x20\n\tmov x10, sp\n\tadd sp, sp, #0x20\n\tsub %0, x9, x10"
                     : "=r"(sp_delta) : : "x9", "x10");
    CHECK_EQ(sp_delta, 0x20, "sub/add on sp");
    CHECK_EQ(OP1("and %0, %1, #0xff00ff00ff00ff00", ~0ull), 0xff00ff00ff00ff00, "and bitmask 16-bit element");
    CHECK_EQ(OP1("orr %w0, %w1, #0x80000001", 0), 0x80000001, "orr w rotated run");
    CHECK_EQ(OP1("eor %0, %1, #0x5555555555555555", ~0ull), 0xaaaaaaaaaaaaaaaa, "eor 2-bit element");
    CHECK_EQ(OP1("orr %0, %1, #0x0000fffffffffff0", 0), 0x0000fffffffffff0, "orr 64-bit run");
    CHECK_EQ(FLAGS2("tst %1, #0x8000000000000000", 0x8000000000000000, 0), 0x8, "tst sets N, clears C V");
    CHECK_EQ(FLAGS2("tst %w1, #1", 2, 0), 0x4, "tst w sets Z");
    CHECK_EQ(OP1("movz %0, #0xbeef, lsl #32", 0), 0xbeef00000000, "movz lsl 32");
    CHECK_EQ(OP1("movn %0, #0x1234, lsl #16", 0), 0xffffffffedcbffff, "movn lsl 16");
    CHECK_EQ(OP1("movn %w0, #0", 0), 0xffffffff, "movn w");
    CHECK_EQ(OP1("mov %0, %1\n\tmovk %0, #0xcafe, lsl #48", 0x1111222233334444), 0xcafe222233334444, "movk");
    CHECK_EQ(OP1("mov %0, %1\n\tmovk %w0, #0xcafe", 0xffffffffffffffff), 0xffffcafe, "movk w clears top");
    CHECK_EQ(OP1("ubfx %0, %1, #8, #12", 0x123456789abcdef0), 0xcde, "ubfx");
    CHECK_EQ(OP1("sbfx %0, %1, #4, #8", 0xf80), 0xfffffffffffffff8, "sbfx");
    CHECK_EQ(OP1("sbfiz %0, %1, #4, #4", 0x8), 0xffffffffffffff80, "sbfiz");
    CHECK_EQ(OP1("ubfiz %w0, %w1, #24, #8", 0x1ff), 0xff000000, "ubfiz w");
    CHECK_EQ(OP1("lsl %w0, %w1, #31", 3), 0x80000000, "lsl w imm");
    CHECK_EQ(OP1("lsr %0, %1, #60", 0xf000000000000000), 0xf, "lsr imm");
    CHECK_EQ(OP1("asr %0, %1, #63", 0x8000000000000000), ~0ull, "asr imm");
    CHECK_EQ(OP1("asr %w0, %w1, #4", 0x80000000), 0xf8000000, "asr w imm");
    CHECK_EQ(OP2("mov %0, %1\n\tbfi %0, %2, #8, #8", ~0ull, 0x12), 0xffffffffffff12ff, "bfi");
    CHECK_EQ(OP2("mov %0, %1\n\tbfxil %0, %2, #4, #8", 0, 0xabc), 0xab, "bfxil");
    CHECK_EQ(OP1("sxtb %0, %w1", 0x80), 0xffffffffffffff80, "sxtb");
    CHECK_EQ(OP1("sxth %w0, %w1", 0x8000), 0xffff8000, "sxth w");
    CHECK_EQ(OP1("uxth %w0, %w1", 0x12345678), 0x5678, "uxth");
    CHECK_EQ(OP1("sxtw %0, %w1", 0x80000000), 0xffffffff80000000, "sxtw");
    CHECK_EQ(OP2("extr %0, %1, %2, #16", 0x1111, 0x2222333344445555), 0x1111222233334444, "extr");
    CHECK_EQ(OP1("ror %w0, %w1, #4", 0x12345678), 0x81234567, "ror w imm");
    CHECK_EQ(OP1("ror %0, %1, #0", 0x12345678), 0x12345678, "ror 0");
    CHECK_EQ(OP1("bl 1f\n1:\tadr %0, 1b\n\tsub %0, %0, x30", 0), 0, "adr matches bl's return address");
    CHECK_EQ(OP1("adrp %0, rt_vectors\n\tadr x9, rt_vectors\n\tand x9, x9, #~0xfff\n\tsub %0, %0, x9", 0), 0,
             "adrp is the page of adr");
    return 0;
}
