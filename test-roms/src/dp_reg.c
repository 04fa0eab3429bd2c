// Data processing (register), Arm ARM DDI 0487 C4.1.95 (C6.2 for each instruction), part
// one: shifted and extended add/subtract (incl. the SP forms), logical shifted register,
// add/subtract with carry, conditional compare and conditional select. Expected values are
// worked out by hand. dp_src covers the 1-, 2- and 3-source groups.
#include "rt.h"

int main(void) {
    // Add/subtract (shifted register).
    CHECK_EQ(OP2("add %0, %1, %2, lsl #4", 1, 2), 33, "add lsl");
    CHECK_EQ(OP2("sub %0, %1, %2, asr #1", 0, 0xfffffffffffffff0), 8, "sub asr");
    CHECK_EQ(OP2("add %w0, %w1, %w2, lsr #31", 7, 0x80000000), 8, "add w lsr");
    CHECK_EQ(OP2("add %w0, %w1, %w2, asr #31", 7, 0x80000000), 6, "add w asr #31");
    CHECK_EQ(OP2("adds %0, %1, %2, lsl #63", 0, 1), 0x8000000000000000, "adds lsl #63");
    CHECK_EQ(FLAGS2("cmp %1, %2, lsl #1", 4, 2), Z_ | C_, "cmp shifted: Z C");
    CHECK_EQ(FLAGS2("cmn %w1, %w2, lsr #1", 0x7fffffff, 2), N_ | V_, "cmn w shifted: N V");
    CHECK_EQ(OP1("neg %0, %1, lsl #2", 1), 0xfffffffffffffffc, "neg lsl");
    // Add/subtract (extended register), incl. SP as Rn/Rd.
    CHECK_EQ(OP2("add %0, %1, %w2, sxtb #2", 100, 0xff), 96, "add sxtb #2");
    CHECK_EQ(OP2("add %0, %1, %w2, uxtb", 100, 0x1ff), 355, "add uxtb");
    CHECK_EQ(OP2("add %0, %1, %w2, uxtw", 1, 0xffffffff), 0x100000000, "add uxtw");
    CHECK_EQ(OP2("add %0, %1, %w2, sxtw #1", 0, 0x80000000), 0xffffffff00000000, "add sxtw #1");
    CHECK_EQ(OP2("sub %0, %1, %w2, sxth", 0, 0x8000), 0x8000, "sub sxth");
    CHECK_EQ(OP2("add %w0, %w1, %w2, uxth #3", 1, 0xffff0002), 17, "add w uxth #3");
    CHECK_EQ(OP2("add %0, %1, %2, sxtx #4", 0, 0xffffffffffffffff), 0xfffffffffffffff0, "add sxtx #4");
    CHECK_EQ(FLAGS2("cmp %1, %w2, uxtb", 0x80, 0x180), Z_ | C_, "cmp uxtb: Z C");
    CHECK_EQ(FLAGS2("cmn %w1, %w2, sxtb", 1, 0xff), Z_ | C_, "cmn w sxtb: Z C");
    CHECK_EQ(OP1("mov x10, sp\n\tadd %0, sp, %1\n\tsub %0, %0, x10", 24), 24, "add xd, sp, xm (uxtx)");
    CHECK_EQ(OP1("mov x10, sp\n\tsub sp, sp, %1, lsl #4\n\tmov %0, sp\n\tmov sp, x10\n\tsub %0, x10, %0", 2), 32,
             "sub sp, sp, xm, lsl #4");

    // Logical (shifted register).
    CHECK_EQ(OP2("and %0, %1, %2, lsr #4", 0xff, 0xf0), 0x0f, "and lsr");
    CHECK_EQ(OP2("orr %0, %1, %2, ror #8", 0, 0xff), 0xff00000000000000, "orr ror");
    CHECK_EQ(OP2("orr %w0, %w1, %w2, ror #4", 0, 0x1f), 0xf0000001, "orr w ror");
    CHECK_EQ(OP2("eor %0, %1, %2, asr #60", 0, 0x8000000000000000), 0xfffffffffffffff8, "eor asr");
    CHECK_EQ(OP2("bic %0, %1, %2", 0xff, 0x0f), 0xf0, "bic");
    CHECK_EQ(OP2("bic %w0, %w1, %w2, lsl #4", 0xffffffff, 0xf), 0xffffff0f, "bic w lsl");
    CHECK_EQ(OP2("orn %w0, %w1, %w2", 0, 0xffff0000), 0x0000ffff, "orn w");
    CHECK_EQ(OP2("orn %0, %1, %2, lsl #8", 0, 0xff), 0xffffffffffff00ff, "orn lsl");
    CHECK_EQ(OP2("eon %0, %1, %2", 0xaaaa, 0xffff), 0xffffffffffffaaaa, "eon");
    CHECK_EQ(OP1("mvn %w0, %w1", 0x0f0f0f0f), 0xf0f0f0f0, "mvn w");
    CHECK_EQ(FLAGS2F(C_ | V_, "bics xzr, %1, %2", 0x8000000000000001, 1), N_, "bics: N, clears C V");
    CHECK_EQ(FLAGS2("ands wzr, %w1, %w2", 0xf0, 0x0f), Z_, "ands w: Z");
    CHECK_EQ(FLAGS2("tst %1, %2, lsl #63", ~0ull, 1), N_, "tst lsl #63: N");

    // Add/subtract with carry: C comes from NZCV set beforehand.
    CHECK_EQ(OP2F(C_, "adc %0, %1, %2", 5, 6), 12, "adc C=1");
    CHECK_EQ(OP2F(0, "adc %w0, %w1, %w2", 0xffffffff, 1), 0, "adc w C=0 wraps");
    CHECK_EQ(OP2F(0, "sbc %0, %1, %2", 1, 1), 0xffffffffffffffff, "sbc C=0 borrows");
    CHECK_EQ(OP2F(C_, "sbc %w0, %w1, %w2", 1, 1), 0, "sbc w C=1");
    CHECK_EQ(FLAGS2F(C_, "adcs xzr, %1, %2", 0xffffffffffffffff, 0), Z_ | C_, "adcs carry out: Z C");
    CHECK_EQ(FLAGS2F(C_, "adcs xzr, %1, %2", 0x7fffffffffffffff, 0), N_ | V_, "adcs overflow via carry: N V");
    CHECK_EQ(FLAGS2F(0, "adcs wzr, %w1, %w2", 0x80000000, 0x80000000), Z_ | C_ | V_, "adcs w: Z C V");
    CHECK_EQ(FLAGS2F(C_, "sbcs wzr, %w1, %w2", 0x80000000, 1), C_ | V_, "sbcs w overflow: C V");
    CHECK_EQ(FLAGS2F(0, "sbcs xzr, %1, %2", 0, 0), N_, "sbcs 0-0-1: N");
    CHECK_EQ(FLAGS2F(C_, "sbcs xzr, %1, %2", 5, 5), Z_ | C_, "sbcs 5-5: Z C");
    CHECK_EQ(OP2F(0, "ngc %0, %2", 0, 5), (u64)-6, "ngc C=0");

    // Conditional compare: flags come from the comparison when the condition holds, else
    // from the immediate nzcv field.
    CHECK_EQ(FLAGS2F(Z_, "ccmp %1, %2, #0, eq", 1, 2), N_, "ccmp reg, cond true");
    CHECK_EQ(FLAGS2F(0, "ccmp %1, %2, #5, eq", 1, 2), Z_ | V_, "ccmp reg, cond false");
    CHECK_EQ(FLAGS2F(C_, "ccmp %w1, #31, #0, cs", 31, 0), Z_ | C_, "ccmp w imm, cond true");
    CHECK_EQ(FLAGS2F(0, "ccmp %1, #0, #0xa, cs", 31, 0), N_ | C_, "ccmp imm, cond false");
    CHECK_EQ(FLAGS2F(Z_, "ccmn %1, %2, #0, eq", 0xffffffffffffffff, 1), Z_ | C_, "ccmn reg, cond true");
    CHECK_EQ(FLAGS2F(Z_, "ccmn %1, #1, #0, eq", 0xffffffffffffffff, 0), Z_ | C_, "ccmn imm, cond true");
    CHECK_EQ(FLAGS2F(N_, "ccmn %w1, #1, #3, ge", 0x7fffffff, 0), C_ | V_, "ccmn w imm, cond false");

    // Conditional select.
    CHECK_EQ(OP2("cmp %1, %2\n\tcsel %0, %1, %2, lt", 3, 5), 3, "csel true");
    CHECK_EQ(OP2("cmp %1, %2\n\tcsel %w0, %w1, %w2, gt", 0xffffffff00000003, 5), 5, "csel w false");
    CHECK_EQ(OP2("cmp %1, %2\n\tcsinc %0, %1, %2, gt", 3, 5), 6, "csinc false");
    CHECK_EQ(OP2("cmp %1, %2\n\tcsinc %w0, %w1, %w2, ne", 0xffffffff, 0xffffffff), 0, "csinc w false wraps");
    CHECK_EQ(OP2("cmp %1, %2\n\tcsinv %0, %1, %2, eq", 3, 5), ~5ull, "csinv false");
    CHECK_EQ(OP2("cmp %1, %2\n\tcsinv %0, %1, %2, ne", 3, 5), 3, "csinv true");
    CHECK_EQ(OP2("cmp %1, %2\n\tcsneg %w0, %w1, %w2, hi", 3, 5), 0xfffffffb, "csneg w false");
    CHECK_EQ(OP2("cmp %1, %2\n\tcsneg %0, %1, %2, lo", 3, 5), 3, "csneg true");
    CHECK_EQ(OP2("cmp %1, %2\n\tcset %0, ne", 3, 5), 1, "cset");
    CHECK_EQ(OP2("cmp %1, %2\n\tcsetm %w0, cc", 3, 5), 0xffffffff, "csetm w");
    CHECK_EQ(OP2("cmp %1, %2\n\tcneg %0, %1, mi", 3, 5), (u64)-3, "cneg");
    return 0;
}
