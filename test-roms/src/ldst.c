// Single-register loads and stores, Arm ARM DDI 0487 C4.1.88 (C6.2 for each instruction):
// unsigned offset (incl. the largest), unscaled LDUR/STUR, pre- and post-index, register
// offset with LSL/UXTW/SXTW/SXTX and scaling, LDR (literal), sign extension into W and X,
// unprivileged LDTR/STTR, and PRFM as a no-op. ldst_pair covers the pair forms.
//
// Every access is naturally aligned: with the MMU off, data accesses are Device-nGnRnE and
// an unaligned one takes an alignment fault (D8.2.12 in DDI 0487 J.a; QEMU 8 and later
// enforce it), so unaligned accesses belong in a ROM that turns the MMU on.
//
// The read buffer holds byte P(k) = (k ^ (k >> 8)) & 0xff at offset k, so below offset 256
// byte k is k and every expected value can be read off the offset; further up the high
// byte of the offset shows, so an address off by a multiple of 256 reads a different value.
#include "rt.h"

#define BUF_SIZE 32768
static volatile u8 buf[BUF_SIZE] __attribute__((aligned(64)));
static volatile u8 sbuf[256] __attribute__((aligned(64)));  // stores land here

// Little-endian doubleword of sbuf at `off`, read a byte at a time.
static u64 srd64(int off) {
    u64 v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | sbuf[off + i];
    return v;
}

// One access through a base register that is written back: `insn` uses %0 for the data
// register and %1 for the base, which starts at `b + start`. Sets `val` to the data
// register and `end` to the base's final offset from `b`.
#define WB(b, insn, start, val, end)                                                 \
    do {                                                                             \
        u64 _b = (u64)(b) + (start), _v;                                             \
        __asm__ volatile(insn : "=&r"(_v), "+r"(_b) : : "memory");                   \
        val = _v;                                                                    \
        end = _b - (u64)(b);                                                         \
    } while (0)

int main(void) {
    for (int k = 0; k < BUF_SIZE; k++) buf[k] = (u8)(k ^ (k >> 8));
    for (int k = 0; k < 256; k++) sbuf[k] = 0x5a;
    const u64 p = (u64)buf, s = (u64)sbuf;
    u64 v, end;

    // Unsigned offset, scaled by the access size; the largest offsets are 4095 * size.
    CHECK_EQ(OP1("ldr %0, [%1, #8]", p), 0x0f0e0d0c0b0a0908, "ldr x uimm");
    CHECK_EQ(OP1("ldr %0, [%1, #32760]", p), 0x8081828384858687, "ldr x largest uimm");
    CHECK_EQ(OP1("ldr %w0, [%1, #4]", p), 0x07060504, "ldr w uimm");
    CHECK_EQ(OP1("ldr %w0, [%1, #16380]", p), 0xc0c1c2c3, "ldr w largest uimm");
    CHECK_EQ(OP1("ldrh %w0, [%1, #2]", p), 0x0302, "ldrh uimm");
    CHECK_EQ(OP1("ldrh %w0, [%1, #8190]", p), 0xe0e1, "ldrh largest uimm");
    CHECK_EQ(OP1("ldrb %w0, [%1, #255]", p), 0xff, "ldrb uimm");
    CHECK_EQ(OP1("ldrb %w0, [%1, #4095]", p), 0xf0, "ldrb largest uimm");
    // Sign extension into X and W (a W result clears bits 63:32).
    CHECK_EQ(OP1("ldrsb %0, [%1, #0x80]", p), 0xffffffffffffff80, "ldrsb x negative");
    CHECK_EQ(OP1("ldrsb %0, [%1, #0x7f]", p), 0x7f, "ldrsb x positive");
    CHECK_EQ(OP1("ldrsb %w0, [%1, #0x81]", p), 0xffffff81, "ldrsb w negative");
    CHECK_EQ(OP1("ldrsh %0, [%1, #0xfe]", p), 0xfffffffffffffffe, "ldrsh x negative");
    CHECK_EQ(OP1("ldrsh %w0, [%1, #0x90]", p), 0xffff9190, "ldrsh w negative");
    CHECK_EQ(OP1("ldrsh %w0, [%1, #0x70]", p), 0x7170, "ldrsh w positive");
    CHECK_EQ(OP1("ldrsw %0, [%1, #0xfc]", p), 0xfffffffffffefdfc, "ldrsw negative");
    CHECK_EQ(OP1("ldrsw %0, [%1, #0x10]", p), 0x13121110, "ldrsw positive");

    // Unscaled 9-bit signed offset (-256..255).
    CHECK_EQ(OP1("ldur %0, [%1, #-8]", p + 0x110), 0x0e0f0c0d0a0b0809, "ldur x negative");
    CHECK_EQ(OP1("ldur %w0, [%1, #-4]", p + 0x100), 0xfffefdfc, "ldur w negative");
    CHECK_EQ(OP1("ldurh %w0, [%1, #-256]", p + 0x100), 0x0100, "ldurh smallest offset");
    CHECK_EQ(OP1("ldurb %w0, [%1, #255]", p), 0xff, "ldurb largest offset");
    CHECK_EQ(OP1("ldursb %w0, [%1, #-1]", p + 0x100), 0xffffffff, "ldursb w");
    CHECK_EQ(OP1("ldursh %0, [%1, #-2]", p + 0x100), 0xfffffffffffffffe, "ldursh x");
    CHECK_EQ(OP1("ldursw %0, [%1, #-4]", p + 0x100), 0xfffffffffffefdfc, "ldursw");

    // Pre-index ([Xn, #imm]!) and post-index ([Xn], #imm) with writeback.
    WB(p, "ldr %0, [%1, #16]!", 0, v, end);
    CHECK_EQ(v, 0x1716151413121110, "ldr x pre-index value");
    CHECK_EQ(end, 16, "ldr x pre-index writeback");
    WB(p, "ldr %w0, [%1], #-8", 32, v, end);
    CHECK_EQ(v, 0x23222120, "ldr w post-index value");
    CHECK_EQ(end, 24, "ldr w post-index writeback");
    WB(p, "ldrsb %0, [%1, #-1]!", 0x81, v, end);
    CHECK_EQ(v, 0xffffffffffffff80, "ldrsb x pre-index value");
    CHECK_EQ(end, 0x80, "ldrsb x pre-index writeback");
    WB(p, "ldrh %w0, [%1], #2", 0x40, v, end);
    CHECK_EQ(v, 0x4140, "ldrh post-index value");
    CHECK_EQ(end, 0x42, "ldrh post-index writeback");
    WB(p, "ldrsw %0, [%1, #-4]!", 0x100, v, end);
    CHECK_EQ(v, 0xfffffffffffefdfc, "ldrsw pre-index value");
    CHECK_EQ(end, 0xfc, "ldrsw pre-index writeback");
    WB(p, "ldrsh %w0, [%1], #255", 0xfe, v, end);
    CHECK_EQ(v, 0xfffffffe, "ldrsh w post-index value");
    CHECK_EQ(end, 0x1fd, "ldrsh w post-index writeback (+255)");

    // Register offset: LSL by 0 or the access size, UXTW/SXTW of a W index, SXTX.
    CHECK_EQ(OP2("ldr %0, [%1, %2]", p, 8), 0x0f0e0d0c0b0a0908, "ldr x reg");
    CHECK_EQ(OP2("ldr %0, [%1, %2, lsl #3]", p, 2), 0x1716151413121110, "ldr x reg lsl #3");
    CHECK_EQ(OP2("ldr %0, [%1, %w2, sxtw #3]", p, 0xffe), 0x88898a8b8c8d8e8f, "ldr x reg sxtw #3");
    CHECK_EQ(OP2("ldr %w0, [%1, %w2, sxtw #2]", p + 64, 0xffffffff), 0x3f3e3d3c, "ldr w reg sxtw #2 negative");
    CHECK_EQ(OP2("ldr %w0, [%1, %w2, uxtw #2]", p, 0xffffffff00000004), 0x13121110, "ldr w reg uxtw #2");
    CHECK_EQ(OP2("ldrh %w0, [%1, %2, sxtx #1]", p + 8, (u64)-2), 0x0504, "ldrh reg sxtx #1 negative");
    CHECK_EQ(OP2("ldrh %w0, [%1, %w2, sxtw]", p, 0x10), 0x1110, "ldrh reg sxtw unscaled");
    CHECK_EQ(OP2("ldrb %w0, [%1, %w2, uxtw]", p, 0x100000005), 5, "ldrb reg uxtw ignores bits 63:32");
    CHECK_EQ(OP2("ldrb %w0, [%1, %2, lsl #0]", p, 0x21), 0x21, "ldrb reg lsl #0");
    CHECK_EQ(OP2("ldrsb %w0, [%1, %2]", p, 0x80), 0xffffff80, "ldrsb w reg");
    CHECK_EQ(OP2("ldrsh %0, [%1, %2, lsl #1]", p + 0x200, (u64)-1), 0xfffffffffffffeff, "ldrsh x reg lsl #1");
    CHECK_EQ(OP2("ldrsw %0, [%1, %2]", p, 0xfc), 0xfffffffffffefdfc, "ldrsw reg");

    // LDR (literal): PC-relative, 19-bit word offset.
    CHECK_EQ(OP0("ldr %w0, 1f\n\tb 2f\n1:\t.word 0x12345678\n2:"), 0x12345678, "ldr w literal");
    CHECK_EQ(OP0("ldrsw %0, 1f\n\tb 2f\n1:\t.word 0x80000000\n2:"), 0xffffffff80000000, "ldrsw literal");
    CHECK_EQ(OP0("ldr %0, 1f\n\tb 2f\n\t.balign 8\n1:\t.quad 0x1122334455667788\n2:"), 0x1122334455667788,
             "ldr x literal forward");
    CHECK_EQ(OP0("b 2f\n\t.balign 8\n1:\t.quad 0x8877665544332211\n2:\tldr %0, 1b"), 0x8877665544332211,
             "ldr x literal backward");

    // Stores: only the bytes of the access change.
    OP2("str %2, [%1, #0]", s, 0xa1a2a3a4a5a6a7a8);
    CHECK_EQ(srd64(0), 0xa1a2a3a4a5a6a7a8, "str x uimm");
    OP2("str %w2, [%1, #8]", s, 0xffffffff01020304);
    CHECK_EQ(srd64(8), 0x5a5a5a5a01020304, "str w uimm");
    OP2("strh %w2, [%1, #0x12]", s, 0xffffbeef);
    CHECK_EQ(srd64(0x10), 0x5a5a5a5abeef5a5a, "strh uimm");
    OP2("strb %w2, [%1, #0x1f]", s, 0x1ff);
    CHECK_EQ(srd64(0x18), 0xff5a5a5a5a5a5a5a, "strb uimm");
    OP2("stur %2, [%1, #-8]", s + 0x28, 0x0102030405060708);
    CHECK_EQ(srd64(0x20), 0x0102030405060708, "stur x negative");
    OP2("sturh %w2, [%1, #-2]", s + 0x30, 0xcafe);
    OP2("sturb %w2, [%1, #-255]", s + 0x128, 0x77);
    CHECK_EQ(srd64(0x28), 0xcafe5a5a5a5a775a, "sturh -2, sturb -255");
    WB(s, "mov %0, #0x55\n\tstrb %w0, [%1], #1", 0x38, v, end);
    CHECK_EQ(end, 0x39, "strb post-index writeback");
    WB(s, "mov %0, #0x6677\n\tstrh %w0, [%1, #2]!", 0x38, v, end);
    CHECK_EQ(end, 0x3a, "strh pre-index writeback");
    CHECK_EQ(srd64(0x38), 0x5a5a5a5a66775a55, "strb post-index, strh pre-index");
    WB(s, "mov %0, #-2\n\tstr %0, [%1, #-16]!", 0x50, v, end);
    CHECK_EQ(end, 0x40, "str x pre-index writeback");
    CHECK_EQ(srd64(0x40), 0xfffffffffffffffe, "str x pre-index");
    WB(s, "movz %0, #0x1234, lsl #16\n\tstr %w0, [%1], #-4", 0x48, v, end);
    CHECK_EQ(end, 0x44, "str w post-index writeback");
    CHECK_EQ(srd64(0x48), 0x5a5a5a5a12340000, "str w post-index");
    OP3("str %w2, [%1, %3, lsl #2]", s + 0x50, 0x01020304, 1);
    CHECK_EQ(srd64(0x50), 0x010203045a5a5a5a, "str w reg lsl #2");
    OP3("strb %w2, [%1, %w3, sxtw]", s + 0x60, 0x99, 0xffffffff);
    CHECK_EQ(srd64(0x58), 0x995a5a5a5a5a5a5a, "strb reg sxtw negative");
    OP3("strh %w2, [%1, %3, lsl #1]", s + 0x60, 0x4321, 3);
    CHECK_EQ(srd64(0x60), 0x43215a5a5a5a5a5a, "strh reg lsl #1");
    OP3("str %2, [%1, %w3, uxtw #3]", s, 0x0f0f0f0f0f0f0f0f, 0xffffffff0000000d);
    CHECK_EQ(srd64(0x68), 0x0f0f0f0f0f0f0f0f, "str x reg uxtw #3");
    // SP as the base: a push and a pop.
    CHECK_EQ(OP0("mov x9, sp\n\tstr x9, [sp, #-16]!\n\tmov x10, sp\n\tldr x11, [sp], #16\n\tmov x12, sp\n\t"
                 "sub %0, x9, x10\n\tsub x11, x11, x9\n\tsub x12, x12, x9\n\torr %0, %0, x11\n\torr %0, %0, x12"),
             16, "push/pop through sp with writeback");

    // Unprivileged loads and stores: at EL3 they are ordinary accesses.
    OP2("sttr %2, [%1, #0x70]", s, 0x1122334455667788);
    CHECK_EQ(OP1("ldtr %0, [%1, #0x70]", s), 0x1122334455667788, "sttr/ldtr x");
    OP2("sttr %w2, [%1, #-0x88]", s + 0x100, 0xcafef00d);
    CHECK_EQ(OP1("ldtr %w0, [%1, #0x78]", s), 0xcafef00d, "sttr/ldtr w");
    OP2("sttrh %w2, [%1, #0x7c]", s, 0x8001);
    CHECK_EQ(OP1("ldtrh %w0, [%1, #0x7c]", s), 0x8001, "sttrh/ldtrh");
    OP2("sttrb %w2, [%1, #0x7e]", s, 0x80);
    CHECK_EQ(OP1("ldtrb %w0, [%1, #0x7e]", s), 0x80, "sttrb/ldtrb");
    CHECK_EQ(OP1("ldtrsb %0, [%1, #0x7e]", s), 0xffffffffffffff80, "ldtrsb x");
    CHECK_EQ(OP1("ldtrsb %w0, [%1, #0x7e]", s), 0xffffff80, "ldtrsb w");
    CHECK_EQ(OP1("ldtrsh %0, [%1, #0x7c]", s), 0xffffffffffff8001, "ldtrsh x");
    CHECK_EQ(OP1("ldtrsh %w0, [%1, #0x7c]", s), 0xffff8001, "ldtrsh w");
    CHECK_EQ(OP1("ldtrsw %0, [%1, #0x78]", s), 0xffffffffcafef00d, "ldtrsw");

    // Prefetches are hints: none faults, even at an address with nothing behind it.
    __asm__ volatile("prfm pldl1keep, [%0]\n\tprfm pstl2strm, [%1]\n\tprfum pldl3keep, [%1, #-1]\n\t"
                     "prfm plil1strm, [%0, %2, lsl #3]\n\tprfm pldl2keep, 1f\n1:" ::"r"(p),
                     "r"(0xdead00000000ull), "r"(4ull));
    CHECK_EQ(srd64(0x70), 0x1122334455667788, "prefetches store nothing");
    return 0;
}
