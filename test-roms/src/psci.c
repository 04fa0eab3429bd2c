// PSCI 1.1 as bramble serves it over SMC to an image started at EL2 (run with
// --boot-el 2): the error codes for bad CPU_ON calls (no such core, Aff1 set, an entry
// point outside RAM, a core already on), AFFINITY_INFO through a core's life, CPU_ON
// starting a core at the caller's EL with its context id in x0, CPU_OFF and a second
// CPU_ON of the same core (hotplug), and CPU_SUSPEND (standby) woken by a timer.
#include "rt.h"

#define GICD 0xff841000ull
#define GICC 0xff842000ull
#define D(off) (*(volatile u32 *)(GICD + (off)))
#define C(off) (*(volatile u32 *)(GICC + (off)))

#define PSCI_VERSION 0x84000000ull
#define CPU_SUSPEND 0xc4000001ull
#define CPU_OFF 0x84000002ull
#define CPU_ON 0xc4000003ull
#define AFFINITY_INFO 0xc4000004ull
#define SUCCESS 0
#define INVALID_PARAMETERS ((u64)-2)
#define ALREADY_ON ((u64)-4)
#define INVALID_ADDRESS ((u64)-9)
#define ON 0
#define OFF 1

extern char psci_secondary_entry[];
static volatile u64 started[8], start_el[8], start_daif[8];

static u64 smc(u64 fid, u64 a1, u64 a2, u64 a3) {
    register u64 x0 __asm__("x0") = fid, x1 __asm__("x1") = a1, x2 __asm__("x2") = a2, x3 __asm__("x3") = a3;
    __asm__ volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "memory");
    return x0;
}

void secondary_main(u64 context) {
    u64 core = OP0("mrs %0, mpidr_el1") & 0xff;
    start_el[core] = (OP0("mrs %0, CurrentEL") >> 2) & 3;
    start_daif[core] = OP0("mrs %0, daif");
    started[core] = context;
    __asm__ volatile("dsb sy\n\tsev" ::: "memory");
    smc(CPU_OFF, 0, 0, 0);
    for (;;) __asm__ volatile("wfe");  // not reached: CPU_OFF does not return
}

static int wait_started(int core, u64 context) {
    for (int i = 0; i < 1000000; i++) {
        if (started[core] == context) return 1;
        __asm__ volatile("yield");
    }
    return 0;
}

static int wait_off(u64 core) {
    for (int i = 0; i < 1000000; i++) {
        if (smc(AFFINITY_INFO, core, 0, 0) == OFF) return 1;
    }
    return 0;
}

int main(void) {
    u64 entry = (u64)psci_secondary_entry;
    CHECK_EQ((OP0("mrs %0, CurrentEL") >> 2) & 3, 2, "started at EL2 (--boot-el 2)");
    CHECK_EQ(smc(PSCI_VERSION, 0, 0, 0), 0x10001, "PSCI 1.1");
    CHECK_EQ(smc(AFFINITY_INFO, 0, 0, 0), ON, "core 0 is on");
    CHECK_EQ(smc(AFFINITY_INFO, 1, 0, 0), OFF, "core 1 starts off");
    CHECK_EQ(smc(AFFINITY_INFO, 7, 0, 0), INVALID_PARAMETERS, "AFFINITY_INFO of no core");
    CHECK_EQ(smc(CPU_ON, 7, entry, 0), INVALID_PARAMETERS, "CPU_ON of no core");
    CHECK_EQ(smc(CPU_ON, 0x101, entry, 0), INVALID_PARAMETERS, "CPU_ON with Aff1 = 1");
    CHECK_EQ(smc(CPU_ON, 1, 1ull << 48, 0), INVALID_ADDRESS, "CPU_ON with an entry outside RAM");
    CHECK_EQ(smc(CPU_ON, 0, entry, 0), ALREADY_ON, "CPU_ON of the caller");
    CHECK_EQ(smc(AFFINITY_INFO, 1, 0, 0), OFF, "bad calls left core 1 off");

    CHECK_EQ(smc(CPU_ON, 0x80000001ull, entry, 0x11), SUCCESS, "CPU_ON core 1 (MPIDR with bit 31)");
    u64 again = smc(CPU_ON, 1, entry, 0x12);
    CHECK(again == ALREADY_ON || again == (u64)-5, "CPU_ON twice: ALREADY_ON (or ON_PENDING)");
    CHECK(wait_started(1, 0x11), "core 1 ran with its context id in x0");
    CHECK_EQ(start_el[1], 2, "at the caller's EL");
    CHECK_EQ(start_daif[1], 0x3c0, "with every exception masked");
    CHECK(wait_off(1), "core 1's CPU_OFF: AFFINITY_INFO says off");
    CHECK_EQ(smc(CPU_ON, 1, entry, 0x21), SUCCESS, "core 1 switched on again");
    CHECK(wait_started(1, 0x21), "and ran from the entry point again");
    CHECK(wait_off(1), "and went off again");
    CHECK_EQ(smc(CPU_ON, 3, entry, 0x33), SUCCESS, "CPU_ON core 3");
    CHECK(wait_started(3, 0x33) && wait_off(3), "core 3 ran and went off");

    // CPU_SUSPEND (standby) sleeps until an interrupt is asserted, here the EL1 physical
    // timer's PPI 30 through the GIC, left masked in PSTATE as WFI allows.
    D(0x000) = 1;
    D(0x100) = 1u << 30;
    C(0x04) = 0xff;
    C(0x00) = 1;
    u64 now = OP0("isb\n\tmrs %0, cntpct_el0");
    __asm__ volatile("msr cntp_cval_el0, %0\n\tmsr cntp_ctl_el0, %1\n\tisb" ::"r"(now + 5400), "r"(1ull));
    CHECK_EQ(smc(CPU_SUSPEND, 0, 0, 0), SUCCESS, "CPU_SUSPEND (standby) returns SUCCESS");
    CHECK(OP0("isb\n\tmrs %0, cntpct_el0") >= now + 5400, "after the timer's deadline");
    __asm__ volatile("msr cntp_ctl_el0, xzr\n\tisb");
    return 0;
}
