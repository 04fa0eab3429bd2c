// Exception levels: EL3 -> EL2 -> EL1 -> EL0 by ERET, and back up through HVC (same EL and
// from EL1 into EL2), SMC (EL1 into EL3), SVC (EL0 into EL1) and an UNDEFINED system
// register access at EL0, checking CurrentEL, ESR, ELR, SPSR and which EL took each one.
#include "rt.h"

extern char rt_vectors[];
static u64 stack2[256] __attribute__((aligned(16)));
static u64 stack1[256] __attribute__((aligned(16)));
static u64 stack0[256] __attribute__((aligned(16)));
#define TOP(s) ((u64)(s) + sizeof(s))

#define ESR(ec, iss) (((u64)(ec) << 26) | (1ull << 25) | (iss))
#define SPSR_EL2H 0x3c9
#define SPSR_EL1H 0x3c5
#define SPSR_EL0T 0x000
#define FINISH 0x600d

static u64 current_el(void) { return OP0("mrs %0, CurrentEL") >> 2; }

static volatile u64 taken_at_el, taken_spsr;

// Records which EL took the exception and its SPSR, then resumes like rt_expect_exception.
static u64 record_el(struct rt_frame *f, u64 esr, u64 elr, u64 far) {
    (void)f;
    rt_last_esr = esr;
    rt_last_elr = elr;
    rt_last_far = far;
    rt_exception_seen = 1;
    taken_at_el = current_el();
    if (taken_at_el == 1) taken_spsr = OP0("mrs %0, spsr_el1");
    else if (taken_at_el == 2) taken_spsr = OP0("mrs %0, spsr_el2");
    else taken_spsr = OP0("mrs %0, spsr_el3");
    u64 ec = esr >> 26;
    return (ec >= 0x15 && ec <= 0x17) ? elr : elr + 4;
}

static void expect(void) {
    rt_exception_seen = 0;
    taken_at_el = ~0ull;
    rt_exception_hook = record_el;
}

static void el1_finish(void);

// At EL1: an SVC from EL0 carrying FINISH in x0 does not return to EL0 but continues at
// EL1 in el1_finish (the handler rewrites SPSR_EL1 and the resume address).
static u64 svc_hook(struct rt_frame *f, u64 esr, u64 elr, u64 far) {
    u64 resume = record_el(f, esr, elr, far);
    if (f->x[0] == FINISH) {
        __asm__ volatile("msr spsr_el1, %0" ::"r"((u64)SPSR_EL1H));
        __asm__ volatile("msr sp_el0, %0" ::"r"(TOP(stack0)));
        return (u64)el1_finish;
    }
    return resume;
}

#define ERET_TO(el_suffix, spsr, entry)                                                      \
    __asm__ volatile("msr spsr_" el_suffix ", %0\n\tmsr elr_" el_suffix ", %1\n\tisb\n\teret" \
                     ::"r"((u64)(spsr)), "r"((u64)(entry)))

static void el0_main(void) {
    // No semihosting here (QEMU refuses it at EL0): every result is checked at EL1.
    __asm__ volatile("mov x0, #1\n\tsvc #5" ::: "x0", "memory");
    rt_exception_hook = svc_hook;
    __asm__ volatile("mov x0, #0x70000000\n\tmsr nzcv, x0\n\tmov x0, %0\n\tsvc #6" ::"r"((u64)FINISH) : "x0", "memory");
    for (;;) {
    }
}

static volatile u64 el0_svc_esr, el0_svc_el;

// Records the first EL0 SVC (svc #5) at EL1 and returns to EL0.
static u64 first_svc(struct rt_frame *f, u64 esr, u64 elr, u64 far) {
    u64 r = record_el(f, esr, elr, far);
    el0_svc_esr = esr;
    el0_svc_el = taken_at_el;
    return r;
}

static void el1_main(void) {
    CHECK_EQ(current_el(), 1, "ERET from EL2 lands at EL1");
    expect();
    __asm__ volatile("hvc #0x34" ::: "memory");
    CHECK_EQ(taken_at_el, 2, "HVC from EL1 is taken at EL2");
    CHECK_EQ(rt_last_esr, ESR(0x16, 0x34), "HVC syndrome");
    CHECK_EQ(taken_spsr & 0xf, 5, "SPSR_EL2 records EL1h");
    expect();
    __asm__ volatile("smc #0x56" ::: "memory");
    CHECK_EQ(taken_at_el, 3, "SMC from EL1 is taken at EL3");
    CHECK_EQ(rt_last_esr, ESR(0x17, 0x56), "SMC syndrome");
    CHECK_EQ(current_el(), 1, "back at EL1 after ERET from EL3");
    // Down to EL0: its SVCs come back here.
    rt_exception_hook = first_svc;
    __asm__ volatile("msr sp_el0, %0" ::"r"(TOP(stack0)));
    ERET_TO("el1", SPSR_EL0T, el0_main);
    for (;;) {
    }
}

static void el1_finish(void) {
    // The first SVC from EL0 (svc #5) was recorded by record_el before svc_hook ran.
    CHECK_EQ(current_el(), 1, "FINISH continues at EL1");
    CHECK_EQ(rt_last_esr, ESR(0x15, 6), "SVC from EL0: EC 0x15, ISS = imm16");
    CHECK_EQ(taken_at_el, 1, "SVC from EL0 is taken at EL1");
    CHECK_EQ(taken_spsr, 0x70000000, "SPSR_EL1: EL0t with the caller's NZCV");
    CHECK_EQ(el0_svc_el, 1, "the first EL0 SVC was taken at EL1 too");
    CHECK_EQ(el0_svc_esr, ESR(0x15, 5), "first EL0 SVC syndrome");
    // A register of a higher EL is UNDEFINED, taken at the current EL.
    expect();
    OP0("mrs %0, scr_el3");
    CHECK_EQ(rt_last_esr, ESR(0, 0), "EL3 register at EL1 is UNDEFINED");
    CHECK_EQ(taken_at_el, 1, "and taken at EL1");
    rt_finish(0);
}

static void el2_main(void) {
    CHECK_EQ(current_el(), 2, "ERET from EL3 lands at EL2");
    expect();
    __asm__ volatile("hvc #0x12" ::: "memory");
    CHECK_EQ(taken_at_el, 2, "HVC at EL2 is taken at EL2");
    CHECK_EQ(rt_last_esr, ESR(0x16, 0x12), "HVC syndrome at EL2");
    CHECK_EQ(taken_spsr & 0xf, 9, "SPSR_EL2 records EL2h");
    __asm__ volatile("msr hcr_el2, %0" ::"r"(1ull << 31));  // EL1 is AArch64
    __asm__ volatile("msr vbar_el1, %0\n\tmsr sp_el1, %1" ::"r"((u64)rt_vectors), "r"(TOP(stack1)));
    ERET_TO("el2", SPSR_EL1H, el1_main);
}

int main(void) {
    CHECK_EQ(current_el(), 3, "reset at EL3");
    // Non-secure lower ELs, AArch64, HVC enabled.
    __asm__ volatile("msr scr_el3, %0\n\tisb" ::"r"((1ull << 0) | (3ull << 4) | (1ull << 8) | (1ull << 10)));
    __asm__ volatile("msr vbar_el2, %0\n\tmsr sp_el2, %1" ::"r"((u64)rt_vectors), "r"(TOP(stack2)));
    ERET_TO("el3", SPSR_EL2H, el2_main);
    return 99;
}
