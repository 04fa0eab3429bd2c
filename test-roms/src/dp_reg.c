// Data processing (register): expected values worked out by hand from the Arm ARM; the
// CRC32/CRC32C values are the standard check values of "123456789".
#include "rt.h"

static u32 crc_bytes(const char *s, int castagnoli) {
    u32 c = 0xffffffff;
    for (; *s; s++) {
        if (castagnoli)
            __asm__("crc32cb %w0, %w0, %w1" : "+r"(c) : "r"((u32)(unsigned char)*s));
        else
            __asm__("crc32b %w0, %w0, %w1" : "+r"(c) : "r"((u32)(unsigned char)*s));
    }
    return ~c;
}

int main(void) {
    CHECK_EQ(OP2("add %0, %1, %2, lsl #4", 1, 2), 33, "add shifted lsl");
    CHECK_EQ(OP2("sub %0, %1, %2, asr #1", 0, 0xfffffffffffffff0), 8, "sub shifted asr");
    CHECK_EQ(OP2("add %w0, %w1, %w2, lsr #31", 7, 0x80000000), 8, "add w shifted lsr");
    CHECK_EQ(OP2("add %0, %1, %w2, sxtb #2", 100, 0xff), 96, "add sxtb #2");
    CHECK_EQ(OP2("add %0, %1, %w2, uxtw", 1, 0xffffffff), 0x100000000, "add uxtw");
    CHECK_EQ(OP2("sub %0, %1, %w2, sxth", 0, 0x8000), 0x8000, "sub sxth");
    CHECK_EQ(OP2("add %0, %1, %2, sxtx #4", 0, 0xffffffffffffffff), 0xfffffffffffffff0, "add sxtx #4");
    CHECK_EQ(OP2("orr %0, %1, %2, ror #8", 0, 0xff), 0xff00000000000000, "orr ror");
    CHECK_EQ(OP2("bic %0, %1, %2", 0xff, 0x0f), 0xf0, "bic");
    CHECK_EQ(OP2("orn %w0, %w1, %w2", 0, 0xffff0000), 0x0000ffff, "orn w");
    CHECK_EQ(OP2("eon %0, %1, %2", 0xaaaa, 0xffff), 0xffffffffffffaaaa, "eon");
    CHECK_EQ(FLAGS2("bics xzr, %1, %2", 0x8000000000000001, 1), 0x8, "bics flags");
    CHECK_EQ(OP2("cmp %1, %1\n\tadc %0, %1, %2", 5, 6), 12, "adc with carry");
    CHECK_EQ(OP2("cmn %1, %1\n\tsbc %0, %1, %2", 1, 1), 0xffffffffffffffff, "sbc without carry");
    CHECK_EQ(FLAGS2("cmp %1, %1\n\tadcs xzr, %1, %2", 0xffffffffffffffff, 0), 0x6, "adcs carry out");
    CHECK_EQ(FLAGS2("cmp %1, %1\n\tsbcs wzr, %w1, %w2", 0x80000000, 1), 0x3, "sbcs w overflow");
    CHECK_EQ(FLAGS2("cmp %1, %1\n\tccmp %1, %2, #0, eq", 1, 2), 0x8, "ccmp taken");
    CHECK_EQ(FLAGS2("cmp %1, %2\n\tccmp %1, %2, #5, eq", 1, 2), 0x5, "ccmp not taken");
    CHECK_EQ(FLAGS2("cmp %1, %1\n\tccmn %1, #1, #0, eq", 0xffffffffffffffff, 0), 0x6, "ccmn imm taken");
    CHECK_EQ(OP2("cmp %1, %2\n\tcsel %0, %1, %2, lt", 3, 5), 3, "csel");
    CHECK_EQ(OP2("cmp %1, %2\n\tcsinc %0, %1, %2, gt", 3, 5), 6, "csinc");
    CHECK_EQ(OP2("cmp %1, %2\n\tcsinv %0, %1, %2, eq", 3, 5), ~5ull, "csinv");
    CHECK_EQ(OP2("cmp %1, %2\n\tcsneg %w0, %w1, %w2, hi", 3, 5), 0xfffffffb, "csneg w");
    CHECK_EQ(OP2("cmp %1, %2\n\tcset %0, ne", 3, 5), 1, "cset");
    CHECK_EQ(OP2("cmp %1, %2\n\tcsetm %w0, cc", 3, 5), 0xffffffff, "csetm w");
    CHECK_EQ(OP2("lsl %0, %1, %2", 1, 65), 2, "lslv modulo 64");
    CHECK_EQ(OP2("lsr %w0, %w1, %w2", 0x80000000, 33), 0x40000000, "lsrv w modulo 32");
    CHECK_EQ(OP2("asr %0, %1, %2", 0x8000000000000000, 4), 0xf800000000000000, "asrv");
    CHECK_EQ(OP2("ror %0, %1, %2", 1, 1), 0x8000000000000000, "rorv");
    CHECK_EQ(OP2("udiv %0, %1, %2", 100, 7), 14, "udiv");
    CHECK_EQ(OP2("udiv %0, %1, %2", 100, 0), 0, "udiv by zero");
    CHECK_EQ(OP2("sdiv %0, %1, %2", -100, 7), (u64)-14, "sdiv truncates");
    CHECK_EQ(OP2("sdiv %0, %1, %2", 0x8000000000000000, -1), 0x8000000000000000, "sdiv min/-1");
    CHECK_EQ(OP2("sdiv %w0, %w1, %w2", 0x80000000, 0xffffffff), 0x80000000, "sdiv w min/-1");
    CHECK_EQ(OP2("sdiv %w0, %w1, %w2", 5, 0), 0, "sdiv by zero");
    CHECK_EQ(OP3("madd %0, %1, %2, %3", 3, 4, 5), 17, "madd");
    CHECK_EQ(OP3("msub %0, %1, %2, %3", 3, 4, 5), (u64)-7, "msub");
    CHECK_EQ(OP3("madd %w0, %w1, %w2, %w3", 0x10000, 0x10000, 1), 1, "madd w wraps");
    CHECK_EQ(OP3("smaddl %0, %w1, %w2, %3", 0xffffffff, 2, 10), 8, "smaddl");
    CHECK_EQ(OP3("umaddl %0, %w1, %w2, %3", 0xffffffff, 2, 10), 0x200000008, "umaddl");
    CHECK_EQ(OP3("smsubl %0, %w1, %w2, %3", 0xfffffffe, 3, 0), 6, "smsubl");
    CHECK_EQ(OP3("umsubl %0, %w1, %w2, %3", 2, 3, 10), 4, "umsubl");
    CHECK_EQ(OP2("smulh %0, %1, %2", 0x8000000000000000, 2), 0xffffffffffffffff, "smulh");
    CHECK_EQ(OP2("umulh %0, %1, %2", ~0ull, ~0ull), 0xfffffffffffffffe, "umulh");
    CHECK_EQ(OP1("clz %0, %1", 1), 63, "clz");
    CHECK_EQ(OP1("clz %w0, %w1", 0), 32, "clz w zero");
    CHECK_EQ(OP1("cls %0, %1", 0xff00000000000000), 7, "cls");
    CHECK_EQ(OP1("cls %w0, %w1", 0), 31, "cls w zero");
    CHECK_EQ(OP1("rbit %0, %1", 1), 0x8000000000000000, "rbit");
    CHECK_EQ(OP1("rbit %w0, %w1", 1), 0x80000000, "rbit w");
    CHECK_EQ(OP1("rev %0, %1", 0x0102030405060708), 0x0807060504030201, "rev");
    CHECK_EQ(OP1("rev32 %0, %1", 0x0102030405060708), 0x0403020108070605, "rev32");
    CHECK_EQ(OP1("rev16 %0, %1", 0x0102030405060708), 0x0201040306050807, "rev16");
    CHECK_EQ(OP1("rev %w0, %w1", 0x01020304), 0x04030201, "rev w");
    CHECK_EQ(crc_bytes("123456789", 0), 0xcbf43926, "crc32b check value");
    CHECK_EQ(crc_bytes("123456789", 1), 0xe3069283, "crc32cb check value");
    // Wider forms equal the byte-wise CRC of the same little-endian bytes.
    u64 v = 0x0706050403020100;
    u32 bytewise = 0xffffffff, x, w, h;
    for (int i = 0; i < 8; i++) __asm__("crc32b %w0, %w0, %w1" : "+r"(bytewise) : "r"((u32)(v >> (8 * i)) & 0xff));
    x = 0xffffffff;
    __asm__("crc32x %w0, %w0, %1" : "+r"(x) : "r"(v));
    w = 0xffffffff;
    __asm__("crc32w %w0, %w0, %w1\n\tcrc32w %w0, %w0, %w2" : "+r"(w) : "r"((u32)v), "r"((u32)(v >> 32)));
    h = 0xffffffff;
    for (int i = 0; i < 4; i++) __asm__("crc32h %w0, %w0, %w1" : "+r"(h) : "r"((u32)(v >> (16 * i)) & 0xffff));
    CHECK_EQ(x, bytewise, "crc32x = 8 x crc32b");
    CHECK_EQ(w, bytewise, "crc32w = 4 x crc32b");
    CHECK_EQ(h, bytewise, "crc32h = 2 x crc32b");
    return 0;
}
