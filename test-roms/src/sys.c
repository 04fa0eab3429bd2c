// System instructions: the hint space, barriers, MRS/MSR, PSTATE fields, and exceptions
// raised on purpose (UDF, SVC, BRK) with their syndromes and return addresses.
#include "rt.h"

#define ESR(ec, iss) (((u64)(ec) << 26) | (1ull << 25) | (iss))

static volatile unsigned char zbuf[256] __attribute__((aligned(256)));

int main(void) {
    // Hints that no CPU model gives a meaning: NOPs (bramble runs the whole space as NOP).
    __asm__ volatile("nop\n\tyield\n\tsev\n\tsevl\n\thint #0x7f\n\thint #0x50\n\thint #0x2b");
    __asm__ volatile("dmb ish\n\tdmb oshld\n\tdsb sy\n\tdsb ishst\n\tisb\n\tssbb\n\tpssbb" ::: "memory");
    CHECK_EQ(OP1("msr nzcv, %1\n\tmrs %0, nzcv", 0xa0000000), 0xa0000000, "msr/mrs nzcv");
    CHECK_EQ(OP1("msr nzcv, %1\n\tmrs %0, nzcv", 0xffffffff), 0xf0000000, "nzcv keeps only NZCV");
    CHECK_EQ(OP1("msr tpidr_el0, %1\n\tmrs %0, tpidr_el0", 0x123456789), 0x123456789, "tpidr_el0");
    CHECK_EQ(OP1("mrs %0, CurrentEL", 0), 3 << 2, "CurrentEL is EL3");
    CHECK_EQ(OP1("msr daifset, #0xf\n\tmrs %0, daif", 0), 0x3c0, "daifset");
    CHECK_EQ(OP1("msr daifclr, #0x4\n\tmrs %0, daif\n\tmsr daifset, #0xf", 0), 0x2c0, "daifclr #4 clears A");
    CHECK_EQ(OP1("mrs %0, spsel", 0), 1, "SPSel selects SP_EL3");

    u64 at;
    rt_expect_exception();
    __asm__ volatile("adr %0, 1f\n1:\tudf #0x42" : "=r"(at));
    CHECK(rt_exception_seen, "udf raises an exception");
    CHECK_EQ(rt_last_esr, ESR(0, 0), "udf syndrome: EC 0, IL 1");
    CHECK_EQ(rt_last_elr, at, "udf ELR is the udf");

    rt_expect_exception();
    __asm__ volatile("adr %0, 1f\n\tsvc #0x123\n1:" : "=r"(at));
    CHECK(rt_exception_seen, "svc raises an exception");
    CHECK_EQ(rt_last_esr, ESR(0x15, 0x123), "svc syndrome");
    CHECK_EQ(rt_last_elr, at, "svc ELR is the next instruction");

    rt_expect_exception();
    __asm__ volatile("adr %0, 1f\n1:\tbrk #7" : "=r"(at));
    CHECK_EQ(rt_last_esr, ESR(0x3c, 7), "brk syndrome");
    CHECK_EQ(rt_last_elr, at, "brk ELR is the brk");

    // Reading an unimplemented system register is UNDEFINED.
    rt_expect_exception();
    __asm__ volatile("mrs %0, s3_6_c15_c15_7" : "=r"(at));
    CHECK_EQ(rt_last_esr >> 26, 0, "unknown system register is UNDEFINED");

    // DC ZVA zeroes one naturally aligned block of the size DCZID_EL0 gives.
    u64 dczid = OP1("mrs %0, dczid_el0", 0);
    CHECK_EQ(dczid & 0x10, 0, "DC ZVA permitted");
    u64 bs = 4ull << (dczid & 0xf);
    for (int i = 0; i < 256; i++) zbuf[i] = 0xff;
    __asm__ volatile("dc zva, %0" ::"r"((u64)zbuf + bs + 3) : "memory");
    u64 zeros = 0, ones = 0;
    for (u64 i = 0; i < 256; i++) {
        if (i >= bs && i < 2 * bs) zeros += zbuf[i] == 0;
        else ones += zbuf[i] == 0xff;
    }
    CHECK_EQ(zeros, bs, "dc zva zeroes its block");
    CHECK_EQ(ones, 256 - bs, "dc zva touches nothing else");
    __asm__ volatile("ic iallu\n\tdc civac, %0\n\tdc cvau, %0\n\tic ivau, %0\n\ttlbi alle3\n\tdsb sy\n\tisb" ::"r"(
        (u64)zbuf) : "memory");
    return 0;
}
