// Load/store pair, Arm ARM DDI 0487 C4.1.88 (C6.2 LDP, STP, LDPSW, LDNP, STNP): signed
// offset (incl. the largest and smallest, +504/-512 for X and +252/-256 for W), pre- and
// post-index with writeback, LDPSW sign extension, the non-temporal forms, and the
// SP-based push/pop every function prologue uses. All accesses are naturally aligned (see
// ldst.c for why).
//
// The read buffer holds byte P(k) = (k ^ (k >> 8)) & 0xff at offset k (as in ldst.c); the
// expected values below are P of the offsets read, and the base is offset 0x200.
#include "rt.h"

static volatile u8 buf[2048] __attribute__((aligned(64)));
static volatile u8 sbuf[256] __attribute__((aligned(64)));  // stores land here

static u64 srd64(int off) {
    u64 v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | sbuf[off + i];
    return v;
}

// A pair load without writeback: %0, %1 are the data registers, %2 the base.
#define LDP(insn, base, a, b) __asm__ volatile(insn : "=&r"(a), "=&r"(b) : "r"((u64)(base)) : "memory")
// A pair access with writeback: %2 is the base, which starts at `buf + start`; `end` gets
// its final offset from buf. For stores the sequence sets %0 and %1 first.
#define LDP_WB(arr, insn, start, a, b, end)                                       \
    do {                                                                          \
        u64 _b = (u64)(arr) + (start);                                            \
        __asm__ volatile(insn : "=&r"(a), "=&r"(b), "+r"(_b) : : "memory");       \
        end = _b - (u64)(arr);                                                    \
    } while (0)

int main(void) {
    for (int k = 0; k < 2048; k++) buf[k] = (u8)(k ^ (k >> 8));
    for (int k = 0; k < 256; k++) sbuf[k] = 0x5a;
    const u64 b = (u64)buf + 0x200, s = (u64)sbuf;
    u64 x, y, end;

    // Signed offset, scaled by the register size.
    LDP("ldp %0, %1, [%2, #504]", b, x, y);
    CHECK_EQ(x, 0xfcfdfefff8f9fafb, "ldp x +504 first");
    CHECK_EQ(y, 0x0302010007060504, "ldp x +504 second");
    LDP("ldp %0, %1, [%2, #-512]", b, x, y);
    CHECK_EQ(x, 0x0706050403020100, "ldp x -512 first");
    CHECK_EQ(y, 0x0f0e0d0c0b0a0908, "ldp x -512 second");
    LDP("ldp %w0, %w1, [%2, #252]", b, x, y);
    CHECK_EQ(x, 0xfdfcfffe, "ldp w +252 first");
    CHECK_EQ(y, 0x00010203, "ldp w +252 second");
    LDP("ldp %w0, %w1, [%2, #-256]", b, x, y);
    CHECK_EQ(x, 0x02030001, "ldp w -256 first");
    CHECK_EQ(y, 0x06070405, "ldp w -256 second");
    // Pre- and post-index.
    LDP_WB(buf, "ldp %0, %1, [%2, #-16]!", 0x200, x, y, end);
    CHECK_EQ(x, 0xf6f7f4f5f2f3f0f1, "ldp x pre-index first");
    CHECK_EQ(y, 0xfefffcfdfafbf8f9, "ldp x pre-index second");
    CHECK_EQ(end, 0x1f0, "ldp x pre-index writeback");
    LDP_WB(buf, "ldp %0, %1, [%2], #32", 0x200, x, y, end);
    CHECK_EQ(x, 0x0504070601000302, "ldp x post-index first");
    CHECK_EQ(y, 0x0d0c0f0e09080b0a, "ldp x post-index second");
    CHECK_EQ(end, 0x220, "ldp x post-index writeback");
    LDP_WB(buf, "ldp %w0, %w1, [%2, #8]!", 0x200, x, y, end);
    CHECK_EQ(x, 0x09080b0a, "ldp w pre-index first");
    CHECK_EQ(y, 0x0d0c0f0e, "ldp w pre-index second");
    CHECK_EQ(end, 0x208, "ldp w pre-index writeback");
    LDP_WB(buf, "ldp %w0, %w1, [%2], #-8", 0x200, x, y, end);
    CHECK_EQ(x, 0x01000302, "ldp w post-index first");
    CHECK_EQ(y, 0x05040706, "ldp w post-index second");
    CHECK_EQ(end, 0x1f8, "ldp w post-index writeback");
    // LDPSW: two words, each sign-extended.
    LDP("ldpsw %0, %1, [%2, #-8]", b, x, y);
    CHECK_EQ(x, 0xfffffffffafbf8f9, "ldpsw negative first");
    CHECK_EQ(y, 0xfffffffffefffcfd, "ldpsw negative second");
    LDP("ldpsw %0, %1, [%2, #0x10]", buf, x, y);
    CHECK_EQ(x ^ y, 0x0000000013121110 ^ 0x0000000017161514, "ldpsw positive");
    LDP_WB(buf, "ldpsw %0, %1, [%2, #248]!", 0x200, x, y, end);
    CHECK_EQ(x, 0xfffffffff9f8fbfa, "ldpsw pre-index first");
    CHECK_EQ(y, 0xfffffffffdfcfffe, "ldpsw pre-index second");
    CHECK_EQ(end, 0x2f8, "ldpsw pre-index writeback");
    LDP_WB(buf, "ldpsw %0, %1, [%2], #-256", 0x200, x, y, end);
    CHECK_EQ(x + y, 0x01000302 + 0x05040706, "ldpsw post-index values");
    CHECK_EQ(end, 0x100, "ldpsw post-index writeback");
    // Non-temporal pairs (the hint changes nothing visible).
    LDP("ldnp %0, %1, [%2, #-16]", b, x, y);
    CHECK_EQ(x, 0xf6f7f4f5f2f3f0f1, "ldnp x first");
    CHECK_EQ(y, 0xfefffcfdfafbf8f9, "ldnp x second");
    LDP("ldnp %w0, %w1, [%2, #4]", b, x, y);
    CHECK_EQ(x, 0x05040706, "ldnp w first");
    CHECK_EQ(y, 0x09080b0a, "ldnp w second");

    // Stores.
    OP3("stp %2, %3, [%1, #0x10]", s, 0x1111111111111111, 0x2222222222222222);
    CHECK_EQ(srd64(0x10), 0x1111111111111111, "stp x first");
    CHECK_EQ(srd64(0x18), 0x2222222222222222, "stp x second");
    OP3("stp %w2, %w3, [%1, #-4]", s + 0x24, 0xffffffff33333333, 0x44444444);
    CHECK_EQ(srd64(0x20), 0x4444444433333333, "stp w -4");
    CHECK_EQ(srd64(0x28), 0x5a5a5a5a5a5a5a5a, "stp w touches nothing above");
    LDP_WB(sbuf, "mov %0, #-1\n\tmov %1, #7\n\tstp %0, %1, [%2, #-16]!", 0x40, x, y, end);
    CHECK_EQ(end, 0x30, "stp x pre-index writeback");
    CHECK_EQ(srd64(0x30) ^ srd64(0x38), 0xfffffffffffffff8, "stp x pre-index data");
    LDP_WB(sbuf, "mov %0, #5\n\tmov %1, #6\n\tstp %w0, %w1, [%2], #-8", 0x40, x, y, end);
    CHECK_EQ(end, 0x38, "stp w post-index writeback");
    CHECK_EQ(srd64(0x40), 0x0000000600000005, "stp w post-index data");
    OP3("stnp %2, %3, [%1, #-16]", s + 0x58, 0xa, 0xb);
    CHECK_EQ(srd64(0x48) + srd64(0x50), 0x15, "stnp x");
    OP3("stnp %w2, %w3, [%1, #8]", s + 0x58, 0xc0c0c0c0, 0xd0d0d0d0);
    CHECK_EQ(srd64(0x60), 0xd0d0d0d0c0c0c0c0, "stnp w");
    OP1("stp xzr, xzr, [%1, #0x70]", s);
    CHECK_EQ(srd64(0x70) | srd64(0x78), 0, "stp xzr, xzr");
    // The prologue/epilogue pattern, on SP.
    CHECK_EQ(OP0("mov x9, sp\n\tmov x10, #0x29\n\tmov x11, #0x30\n\tstp x10, x11, [sp, #-32]!\n\t"
                 "mov x12, sp\n\tsub %0, x9, x12\n\tmov x10, #0\n\tmov x11, #0\n\tldp x10, x11, [sp], #32\n\t"
                 "mov x12, sp\n\tsub x12, x12, x9\n\torr %0, %0, x12\n\tlsl x10, x10, #8\n\t"
                 "orr %0, %0, x10\n\tlsl x11, x11, #16\n\torr %0, %0, x11"),
             0x302920, "stp/ldp push and pop on sp");
    return 0;
}
