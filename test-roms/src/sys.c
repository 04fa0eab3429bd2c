// System instructions and exceptions at EL3, Arm ARM DDI 0487 C5 (system instructions),
// C6.2 (HINT, barriers, MRS/MSR, UDF, SVC, BRK) and D1 (exception entry and return): the
// hint space run as NOPs, barriers, PSTATE through MRS/MSR (NZCV, DAIF, SPSel), TPIDR_EL0,
// SP_EL0, the EL3 system registers the runtime relies on, cache and TLB maintenance as
// no-ops with the MMU off, and exceptions raised on purpose: UDF, an unknown system register,
// SVC and BRK, with their syndromes (D23.2.41 ESR_ELx), return addresses and SPSR.
#include "rt.h"

// ESR_ELx for a 32-bit instruction (IL = 1) with the given class and ISS.
#define ESR(ec, iss) (((u64)(ec) << 26) | (1ull << 25) | (iss))
#define EC_UNKNOWN 0x00
#define EC_SVC64 0x15
#define EC_BRK64 0x3c

extern char rt_vectors[];

static volatile u64 hook_spsr, hook_esr;

// An SVC handler: records SPSR_EL3 and the syndrome, returns a value in the caller's x0
// and scribbles on NZCV, which ERET must restore from SPSR_EL3.
static u64 svc_hook(struct rt_frame *f, u64 esr, u64 elr, u64 far) {
    (void)far;
    u64 spsr;
    __asm__ volatile("mrs %0, spsr_el3" : "=r"(spsr));
    hook_spsr = spsr;
    hook_esr = esr;
    f->x[0] = (esr & 0xffff) * 2;
    __asm__ volatile("msr nzcv, xzr" ::: "cc");
    return elr;
}

int main(void) {
    // The hint space: NOP, YIELD, SEV, SEVL, CSDB, DGH and unallocated hints all execute as
    // NOPs here (the pointer-authentication and BTI hints are left out: they have effects
    // on CPUs that implement them, such as QEMU's max).
    __asm__ volatile("nop\n\tyield\n\tsev\n\tsevl\n\tcsdb\n\thint #6\n\thint #0x5b\n\thint #0x6a\n\t"
                     "hint #0x7e\n\thint #0x7f");
    __asm__ volatile("dmb ish\n\tdmb oshld\n\tdmb ishst\n\tdmb sy\n\tdsb sy\n\tdsb ishst\n\tdsb nsh\n\tisb\n\t"
                     "ssbb\n\tpssbb" ::: "memory");
    CHECK_EQ(OP0("mov %0, #7\n\tnop\n\thint #0x7f\n\tadd %0, %0, #1"), 8, "code around hints runs");

    // PSTATE through MRS/MSR.
    CHECK_EQ(OP1("msr nzcv, %1\n\tmrs %0, nzcv", 0xa0000000), 0xa0000000, "msr/mrs nzcv");
    CHECK_EQ(OP1("msr nzcv, %1\n\tmrs %0, nzcv", 0xffffffff), 0xf0000000, "nzcv keeps only bits 31:28");
    CHECK_EQ(OP0("mov x9, #0\n\tcmp x9, #1\n\tmrs %0, nzcv"), 0x80000000, "mrs nzcv after cmp");
    CHECK_EQ(OP0("mrs %0, CurrentEL"), 3 << 2, "CurrentEL is EL3");
    CHECK_EQ(OP0("mrs %0, daif"), 0x3c0, "DAIF all masked at reset");
    CHECK_EQ(OP0("msr daifclr, #0x4\n\tmrs %0, daif\n\tmsr daifset, #0xf"), 0x2c0, "daifclr #4 clears only A");
    CHECK_EQ(OP0("msr daifset, #0xf\n\tmrs %0, daif"), 0x3c0, "daifset #0xf");
    CHECK_EQ(OP0("mrs %0, spsel"), 1, "SPSel selects SP_EL3");
    CHECK_EQ(OP1("msr tpidr_el0, %1\n\tmrs %0, tpidr_el0", 0x123456789abcdef0), 0x123456789abcdef0, "tpidr_el0");
    CHECK_EQ(OP1("msr sp_el0, %1\n\tmrs %0, sp_el0", 0x4000), 0x4000, "sp_el0 read back");
    CHECK_EQ(OP1("msr sp_el0, %1\n\tmov x9, sp\n\tmsr spsel, #0\n\tmov %0, sp\n\tmsr spsel, #1\n\tmov x10, sp\n\t"
                 "sub x10, x10, x9\n\torr %0, %0, x10", 0x8000),
             0x8000, "spsel #0 makes sp SP_EL0, spsel #1 restores SP_EL3");

    // The EL3 registers the runtime depends on.
    CHECK_EQ(OP0("mrs %0, vbar_el3"), (u64)rt_vectors, "VBAR_EL3 holds the runtime's vectors");
    CHECK_EQ(OP0("mrs %0, sctlr_el3") & 0x1005, 0, "SCTLR_EL3: MMU, D-cache and I-cache off");
    CHECK_EQ(OP0("mrs %0, midr_el1") >> 16 & 0xf, 0xf, "MIDR_EL1.Architecture is 0xf (ID registers)");
    CHECK_EQ(OP0("mrs %0, mpidr_el1") & 0x800000ff, 0x80000000, "MPIDR_EL1: bit 31 RES1, core 0");

    // UDF: EC 0 ("unknown reason"), IL 1, ISS 0; ELR points at the UDF itself.
    u64 at;
    rt_expect_exception();
    __asm__ volatile("adr %0, 1f\n1:\tudf #0x42" : "=r"(at));
    CHECK(rt_exception_seen, "udf raises an exception");
    CHECK_EQ(rt_last_esr, ESR(EC_UNKNOWN, 0), "udf syndrome");
    CHECK_EQ(rt_last_elr, at, "udf ELR is the udf");
    // An unimplemented system register (IMPLEMENTATION DEFINED space) is UNDEFINED too, and
    // so is a write to a read-only ID register.
    rt_expect_exception();
    __asm__ volatile("adr %0, 1f\n1:\tmrs x9, s3_6_c15_c15_7" : "=r"(at) : : "x9");
    CHECK_EQ(rt_last_esr, ESR(EC_UNKNOWN, 0), "unknown system register is UNDEFINED");
    CHECK_EQ(rt_last_elr, at, "its ELR is the mrs");
    rt_expect_exception();
    __asm__ volatile("msr s3_0_c0_c0_0, xzr");
    CHECK_EQ(rt_last_esr >> 26, EC_UNKNOWN, "msr to MIDR_EL1 is UNDEFINED");

    // SVC: EC 0x15, ISS = imm16; ELR is the next instruction.
    rt_expect_exception();
    __asm__ volatile("adr %0, 1f\n\tsvc #0x123\n1:" : "=r"(at));
    CHECK(rt_exception_seen, "svc raises an exception");
    CHECK_EQ(rt_last_esr, ESR(EC_SVC64, 0x123), "svc syndrome");
    CHECK_EQ(rt_last_elr, at, "svc ELR is the next instruction");
    rt_expect_exception();
    __asm__ volatile("svc #0xffff");
    CHECK_EQ(rt_last_esr & 0xffff, 0xffff, "svc #0xffff ISS");

    // BRK: EC 0x3c, ISS = imm16; ELR points at the BRK.
    rt_expect_exception();
    __asm__ volatile("adr %0, 1f\n1:\tbrk #7" : "=r"(at));
    CHECK(rt_exception_seen, "brk raises an exception");
    CHECK_EQ(rt_last_esr, ESR(EC_BRK64, 7), "brk syndrome");
    CHECK_EQ(rt_last_elr, at, "brk ELR is the brk");

    // A handler that returns a value through the saved registers: SPSR_EL3 holds the
    // interrupted PSTATE (NZCV, DAIF masked, EL3 with SP_EL3 = M 0b1101), and ERET restores it.
    {
        register u64 x0 __asm__("x0") = 5;
        u64 nzcv;
        rt_exception_hook = svc_hook;
        __asm__ volatile("msr nzcv, %2\n\tsvc #0x21\n\tmrs %1, nzcv" : "+r"(x0), "=r"(nzcv) : "r"(0x9ull << 28)
                         : "cc", "memory");
        CHECK_EQ(x0, 0x42, "svc handler's x0 reaches the caller");
        CHECK_EQ(hook_esr, ESR(EC_SVC64, 0x21), "hook sees the svc syndrome");
        CHECK_EQ(hook_spsr & 0xf00003df, 0x900003cd, "SPSR_EL3: NZCV, DAIF, EL3h");
        CHECK_EQ(nzcv, 0x90000000, "eret restores NZCV from SPSR_EL3");
    }

    // Cache and TLB maintenance: no-ops with the MMU and caches off, but they must decode.
    u64 addr = (u64)&hook_spsr;
    __asm__ volatile("ic iallu\n\tic ialluis\n\tdc civac, %0\n\tdc cvac, %0\n\tdc cvau, %0\n\tdc ivac, %0\n\t"
                     "ic ivau, %0\n\ttlbi alle3\n\ttlbi alle3is\n\tdsb sy\n\tisb" ::"r"(addr)
                     : "memory");
    CHECK_EQ(hook_spsr & 0xf00003df, 0x900003cd, "memory survives cache maintenance");
    return 0;
}
