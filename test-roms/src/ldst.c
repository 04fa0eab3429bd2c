// Loads and stores in every addressing mode. The buffer holds byte k at offset k, so every
// expected value can be read off the offsets.
#include "rt.h"

static volatile unsigned char buf[512] __attribute__((aligned(64)));

static void fill(void) {
    for (int i = 0; i < 512; i++) buf[i] = (unsigned char)i;
}

static u64 rd64(int off) {
    u64 v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | buf[off + i];
    return v;
}

// One load through a base register that is written back: returns the value and the base
// register's final offset from the buffer.
#define WB(insn, start, val, end)                                                                           \
    do {                                                                                                    \
        u64 _b = (u64)buf + (start), _v;                                                                    \
        __asm__ volatile(insn : "=&r"(_v), "+r"(_b) : : "memory");                                          \
        val = _v;                                                                                           \
        end = _b - (u64)buf;                                                                                \
    } while (0)

int main(void) {
    u64 p = (u64)buf, v, end;
    fill();
    CHECK_EQ(OP1("ldr %0, [%1, #8]", p), 0x0f0e0d0c0b0a0908, "ldr x uimm");
    CHECK_EQ(OP1("ldr %w0, [%1, #4]", p), 0x07060504, "ldr w uimm");
    CHECK_EQ(OP1("ldrh %w0, [%1, #2]", p), 0x0302, "ldrh");
    CHECK_EQ(OP1("ldrb %w0, [%1, #255]", p), 0xff, "ldrb");
    CHECK_EQ(OP1("ldrsb %0, [%1, #0x80]", p), 0xffffffffffffff80, "ldrsb x");
    CHECK_EQ(OP1("ldrsb %w0, [%1, #0x81]", p), 0xffffff81, "ldrsb w");
    CHECK_EQ(OP1("ldrsh %0, [%1, #0xfe]", p), 0xfffffffffffffffe, "ldrsh x");
    CHECK_EQ(OP1("ldrsh %w0, [%1, #0x90]", p), 0xffff9190, "ldrsh w");
    CHECK_EQ(OP1("ldrsw %0, [%1, #0xfc]", p), 0xfffffffffffefdfc, "ldrsw");
    CHECK_EQ(OP1("ldrsw %0, [%1, #0x10]", p), 0x13121110, "ldrsw positive");
    CHECK_EQ(OP1("ldur %0, [%1, #-3]", p + 16), 0x14131211100f0e0d, "ldur unaligned negative");
    CHECK_EQ(OP1("ldursh %w0, [%1, #-1]", p + 0x100), 0x000000ff, "ldursh w wraps the buffer's bytes");
    WB("ldr %0, [%1, #16]!", 0, v, end);
    CHECK_EQ(v, 0x1716151413121110, "ldr pre-index value");
    CHECK_EQ(end, 16, "ldr pre-index writeback");
    WB("ldr %w0, [%1], #-8", 32, v, end);
    CHECK_EQ(v, 0x23222120, "ldr post-index value");
    CHECK_EQ(end, 24, "ldr post-index writeback");
    WB("ldrsb %0, [%1, #-1]!", 0x81, v, end);
    CHECK_EQ(v, 0xffffffffffffff80, "ldrsb pre-index negative");
    CHECK_EQ(end, 0x80, "ldrsb pre-index writeback");
    CHECK_EQ(OP2("ldr %0, [%1, %2, lsl #3]", p, 2), 0x1716151413121110, "ldr reg lsl 3");
    CHECK_EQ(OP2("ldr %w0, [%1, %w2, sxtw #2]", p + 64, 0xffffffff), 0x3f3e3d3c, "ldr reg sxtw #2 negative");
    CHECK_EQ(OP2("ldrb %w0, [%1, %w2, uxtw]", p, 0x100000005), 5, "ldrb reg uxtw ignores high bits");
    CHECK_EQ(OP2("ldrh %w0, [%1, %2, sxtx #1]", p + 8, (u64)-2), 0x0504, "ldrh reg sxtx #1");
    CHECK_EQ(OP2("ldrsw %0, [%1, %2]", p, 0xfc), 0xfffffffffffefdfc, "ldrsw reg");
    CHECK_EQ(OP1("ldr %w0, 1f\n\tb 2f\n1:\t.word 0x12345678\n2:", 0), 0x12345678, "ldr w literal");
    CHECK_EQ(OP1("ldrsw %0, 1f\n\tb 2f\n1:\t.word 0x80000000\n2:", 0), 0xffffffff80000000, "ldrsw literal");
    CHECK_EQ(OP1("ldr %0, 1f\n\tb 2f\n\t.balign 8\n1:\t.quad 0x1122334455667788\n2:", 0), 0x1122334455667788,
             "ldr x literal");
    // Stores.
    OP2("str %2, [%1, #0x100]", p, 0xa1a2a3a4a5a6a7a8);
    CHECK_EQ(rd64(0x100), 0xa1a2a3a4a5a6a7a8, "str x");
    OP2("strh %w2, [%1, #0x108]", p, 0xffffbeef);
    CHECK_EQ(rd64(0x108), 0x0f0e0d0c0b0abeef, "strh");
    OP2("strb %w2, [%1, #0x10f]", p, 0x1ff);
    CHECK_EQ(rd64(0x108), 0xff0e0d0c0b0abeef, "strb");
    OP2("stur %w2, [%1, #-1]", p + 0x112, 0xdeadbeef);
    CHECK_EQ(rd64(0x110), 0x171615deadbeef10, "stur w unaligned");
    OP3("str %w2, [%1, %3, lsl #2]", p + 0x118, 0x01020304, 1);
    CHECK_EQ(rd64(0x118), 0x010203041b1a1918, "str reg lsl 2");
    WB("mov %0, #0x55\n\tstrb %w0, [%1], #1", 0x120, v, end);
    CHECK_EQ(buf[0x120], 0x55, "strb post-index");
    CHECK_EQ(end, 0x121, "strb post-index writeback");
    WB("mov %0, #0x66\n\tstrh %w0, [%1, #2]!", 0x122, v, end);
    CHECK_EQ(rd64(0x120), 0x2726006623222155, "strh pre-index");
    CHECK_EQ(end, 0x124, "strh pre-index writeback");
    // Pairs.
    OP3("stp %2, %3, [%1, #0x130]", p, 0x1111111111111111, 0x2222222222222222);
    CHECK_EQ(rd64(0x130) ^ rd64(0x138), 0x3333333333333333, "stp x");
    CHECK_EQ(OP1("ldp %0, x9, [%1, #0x130]\n\tsub %0, x9, %0", p), 0x1111111111111111, "ldp x");
    CHECK_EQ(OP1("ldp %w0, w9, [%1, #0x10]\n\torr %0, %0, x9, lsl #32", p), 0x1716151413121110, "ldp w");
    CHECK_EQ(OP1("ldpsw %0, x9, [%1, #0xf8]\n\tadd %0, %0, x9", p), 0xfffffffffbfaf9f8ull + 0xfffffffffffefdfcull,
             "ldpsw sign-extends both");
    WB("ldp %0, x9, [%1], #16", 0x40, v, end);
    CHECK_EQ(v, 0x4746454443424140, "ldp post-index");
    CHECK_EQ(end, 0x50, "ldp post-index writeback");
    WB("mov %0, #7\n\tstp %w0, %w0, [%1, #-8]!", 0x148, v, end);
    CHECK_EQ(rd64(0x140), 0x0000000700000007, "stp w pre-index");
    CHECK_EQ(end, 0x140, "stp w pre-index writeback");
    OP3("stnp %2, %3, [%1, #-16]", p + 0x160, 1, 2);
    CHECK_EQ(OP1("ldnp %0, x9, [%1, #0x150]\n\tadd %0, %0, x9, lsl #8", p), 0x201, "stnp/ldnp");
    // Unprivileged forms (at EL3 with the MMU off they behave as normal accesses).
    OP2("sttr %w2, [%1, #0x70]", p + 0x100, 0xcafef00d);
    CHECK_EQ(OP1("ldtr %w0, [%1, #0x70]", p + 0x100), 0xcafef00d, "sttr/ldtr");
    CHECK_EQ(OP1("ldtrsh %0, [%1, #-0x8e]", p + 0x200), 0xffffffffffffcafe, "ldtrsh");
    CHECK_EQ(OP1("ldtrb %w0, [%1, #0x7f]", p), 0x7f, "ldtrb");
    // Prefetches are hints: even an unmapped address does not fault.
    __asm__ volatile("prfm pldl1keep, [%0]\n\tprfm pstl2strm, [%1]\n\tprfum pldl3keep, [%1, #-1]" ::"r"(p),
                     "r"(0xdead00000000ull));
    return 0;
}
