// Data processing (register), Arm ARM DDI 0487 C4.1.95 (C6.2 for each instruction), part
// two: the 1-source (CLZ, CLS, RBIT, REV*), 2-source (variable shifts, UDIV/SDIV, CRC32*)
// and 3-source (MADD/MSUB and the long and high multiplies) groups. Expected values are
// worked out by hand; the CRC values are the standard check values of "123456789" (CRC-32
// 0xcbf43926, CRC-32C 0xe3069283, with the pre/post inversion done around the instructions)
// and single instructions' raw register updates from a bitwise model of the reflected
// polynomials (0xedb88320, 0x82f63b78) checked against those values.
#include "rt.h"

int main(void) {
    // Variable shifts: the amount is taken modulo the register size.
    CHECK_EQ(OP2("lsl %0, %1, %2", 1, 65), 2, "lslv modulo 64");
    CHECK_EQ(OP2("lsl %w0, %w1, %w2", 0xffffffff, 31), 0x80000000, "lslv w");
    CHECK_EQ(OP2("lsr %w0, %w1, %w2", 0x80000000, 33), 0x40000000, "lsrv w modulo 32");
    CHECK_EQ(OP2("lsr %0, %1, %2", 0x8000000000000000, 63), 1, "lsrv 63");
    CHECK_EQ(OP2("asr %0, %1, %2", 0x8000000000000000, 4), 0xf800000000000000, "asrv");
    CHECK_EQ(OP2("asr %w0, %w1, %w2", 0x80000000, 0xffffffe1), 0xc0000000, "asrv w modulo 32");
    CHECK_EQ(OP2("ror %0, %1, %2", 1, 1), 0x8000000000000000, "rorv");
    CHECK_EQ(OP2("ror %w0, %w1, %w2", 0x12345678, 40), 0x78123456, "rorv w modulo 32");

    // Divide: truncates toward zero; divide by zero gives 0; INT_MIN / -1 gives INT_MIN.
    CHECK_EQ(OP2("udiv %0, %1, %2", 100, 7), 14, "udiv");
    CHECK_EQ(OP2("udiv %w0, %w1, %w2", 0xffffffff, 0x10), 0x0fffffff, "udiv w is unsigned");
    CHECK_EQ(OP2("udiv %0, %1, %2", 100, 0), 0, "udiv by zero");
    CHECK_EQ(OP2("sdiv %0, %1, %2", -100, 7), (u64)-14, "sdiv truncates toward zero");
    CHECK_EQ(OP2("sdiv %0, %1, %2", -100, -7), 14, "sdiv negative/negative");
    CHECK_EQ(OP2("sdiv %0, %1, %2", 0x8000000000000000, -1), 0x8000000000000000, "sdiv INT64_MIN/-1");
    CHECK_EQ(OP2("sdiv %w0, %w1, %w2", 0x80000000, 0xffffffff), 0x80000000, "sdiv w INT32_MIN/-1");
    CHECK_EQ(OP2("sdiv %w0, %w1, %w2", 5, 0), 0, "sdiv by zero");

    // Multiply.
    CHECK_EQ(OP3("madd %0, %1, %2, %3", 3, 4, 5), 17, "madd");
    CHECK_EQ(OP3("msub %0, %1, %2, %3", 3, 4, 5), (u64)-7, "msub");
    CHECK_EQ(OP3("madd %w0, %w1, %w2, %w3", 0x10000, 0x10000, 1), 1, "madd w wraps");
    CHECK_EQ(OP3("smaddl %0, %w1, %w2, %3", 0xffffffff, 2, 10), 8, "smaddl");
    CHECK_EQ(OP3("umaddl %0, %w1, %w2, %3", 0xffffffff, 2, 10), 0x200000008, "umaddl");
    CHECK_EQ(OP3("smsubl %0, %w1, %w2, %3", 0xfffffffe, 3, 0), 6, "smsubl");
    CHECK_EQ(OP3("umsubl %0, %w1, %w2, %3", 0xffffffff, 0xffffffff, 0), 0x00000001ffffffff, "umsubl");
    CHECK_EQ(OP2("smulh %0, %1, %2", 0x8000000000000000, 2), 0xffffffffffffffff, "smulh");
    CHECK_EQ(OP2("smulh %0, %1, %2", -1, -1), 0, "smulh -1*-1");
    CHECK_EQ(OP2("umulh %0, %1, %2", ~0ull, ~0ull), 0xfffffffffffffffe, "umulh");

    // Bit operations.
    CHECK_EQ(OP1("clz %0, %1", 1), 63, "clz");
    CHECK_EQ(OP1("clz %w0, %w1", 0), 32, "clz w zero");
    CHECK_EQ(OP1("cls %0, %1", 0xff00000000000000), 7, "cls");
    CHECK_EQ(OP1("cls %w0, %w1", 0), 31, "cls w zero");
    CHECK_EQ(OP1("rbit %0, %1", 0x0000000000000001), 0x8000000000000000, "rbit");
    CHECK_EQ(OP1("rbit %w0, %w1", 0x12345678), 0x1e6a2c48, "rbit w");
    CHECK_EQ(OP1("rev %0, %1", 0x0102030405060708), 0x0807060504030201, "rev");
    CHECK_EQ(OP1("rev32 %0, %1", 0x0102030405060708), 0x0403020108070605, "rev32");
    CHECK_EQ(OP1("rev16 %0, %1", 0x0102030405060708), 0x0201040306050807, "rev16");
    CHECK_EQ(OP1("rev16 %w0, %w1", 0xffffffff01020304), 0x02010403, "rev16 w");
    CHECK_EQ(OP1("rev %w0, %w1", 0x01020304), 0x04030201, "rev w");

    // CRC32 (FEAT_CRC32): "123456789" through each width, inverted before and after.
    // 0x3837363534333231 is "12345678" as a little-endian doubleword; 0x39 is "9".
    const u64 d = 0x3837363534333231, nine = 0x39;
    CHECK_EQ(OP2("mov %w0, #-1\n\tcrc32x %w0, %w0, %1\n\tcrc32b %w0, %w0, %w2\n\tmvn %w0, %w0", d, nine),
             0xcbf43926, "crc32x+b check value");
    CHECK_EQ(OP2("mov %w0, #-1\n\tcrc32w %w0, %w0, %w1\n\tlsr x9, %1, #32\n\tcrc32w %w0, %w0, w9\n\t"
                 "crc32b %w0, %w0, %w2\n\tmvn %w0, %w0", d, nine),
             0xcbf43926, "crc32w+b check value");
    // crc32h/crc32b use only the low 16/8 bits of Wm: the shifted doubleword feeds them whole.
    CHECK_EQ(OP2("mov %w0, #-1\n\tcrc32h %w0, %w0, %w1\n\tlsr x9, %1, #16\n\tcrc32h %w0, %w0, w9\n\t"
                 "lsr x9, %1, #32\n\tcrc32h %w0, %w0, w9\n\tlsr x9, %1, #48\n\tcrc32h %w0, %w0, w9\n\t"
                 "crc32b %w0, %w0, %w2\n\tmvn %w0, %w0", d, nine),
             0xcbf43926, "crc32h+b check value");
    CHECK_EQ(OP2("mov %w0, #-1\n\tmov x9, %1\n\tmov x10, #8\n1:\tcrc32b %w0, %w0, w9\n\tlsr x9, x9, #8\n\t"
                 "subs x10, x10, #1\n\tb.ne 1b\n\tcrc32b %w0, %w0, %w2\n\tmvn %w0, %w0", d, nine),
             0xcbf43926, "crc32b check value");
    CHECK_EQ(OP2("mov %w0, #-1\n\tcrc32cx %w0, %w0, %1\n\tcrc32cb %w0, %w0, %w2\n\tmvn %w0, %w0", d, nine),
             0xe3069283, "crc32cx+cb check value");
    CHECK_EQ(OP2("mov %w0, #-1\n\tcrc32cw %w0, %w0, %w1\n\tlsr x9, %1, #32\n\tcrc32cw %w0, %w0, w9\n\t"
                 "crc32cb %w0, %w0, %w2\n\tmvn %w0, %w0", d, nine),
             0xe3069283, "crc32cw+cb check value");
    CHECK_EQ(OP2("mov %w0, #-1\n\tcrc32ch %w0, %w0, %w1\n\tlsr x9, %1, #16\n\tcrc32ch %w0, %w0, w9\n\t"
                 "lsr x9, %1, #32\n\tcrc32ch %w0, %w0, w9\n\tlsr x9, %1, #48\n\tcrc32ch %w0, %w0, w9\n\t"
                 "crc32cb %w0, %w0, %w2\n\tmvn %w0, %w0", d, nine),
             0xe3069283, "crc32ch+cb check value");
    // Single instructions, no inversion: the raw register update.
    CHECK_EQ(OP2("crc32b %w0, %w1, %w2", 0xffffffff, 0x31), 0x7c231048, "crc32b raw");
    CHECK_EQ(OP2("crc32h %w0, %w1, %w2", 0x12345678, 0xffffabcd), 0x5abec668, "crc32h raw");
    CHECK_EQ(OP2("crc32ch %w0, %w1, %w2", 0x12345678, 0xffffabcd), 0xaae32043, "crc32ch raw");
    CHECK_EQ(OP2("crc32cw %w0, %w1, %w2", 0, 0xdeadbeef), 0x09991d14, "crc32cw raw");
    CHECK_EQ(OP2("crc32cx %w0, %w1, %2", 0xffffffffffffffff, d), 0x9f787f65, "crc32cx raw, Wn's high half unused");
    return 0;
}
