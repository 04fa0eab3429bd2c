// Four cores on the rpi4b board at EL3: the firmware holds cores 1-3 until core 0 writes
// their entry point into the Pi's spin table (0xe0, 0xe8, 0xf0) and sends an event. Then,
// across cores: MPIDR_EL1 per core, the GIC-400's banked registers (ITARGETSR0-7 read the
// reader's own bit, per-core SGI/PPI priorities), SGIs with every GICD_SGIR target-list
// filter and the source CPU in GICC_IAR, WFE woken by SEV, an LDXR/STXR counter
// incremented by all four cores (the global monitor: another core's store to a reserved
// granule makes the STXR fail), a reservation lost to a plain store by another core, and
// TLBI ... IS reaching every core's TLB. Secondaries record; core 0 checks.
#include "pgtable.h"
#include "rt.h"

#define GICD 0xff841000ull
#define GICC 0xff842000ull
#define D(off) (*(volatile u32 *)(GICD + (off)))
#define D8(off) (*(volatile u8 *)(GICD + (off)))
#define C(off) (*(volatile u32 *)(GICC + (off)))
#define NCPU 4
#define SPIN_TABLE 0xd8ull
#define INCREMENTS 20000

extern char smp_secondary_entry[];

static volatile u64 mpidr_seen[NCPU];
static volatile u32 itargets0[NCPU];  // GICD_ITARGETSR0 as each core reads it
static volatile u32 prio_seen[NCPU];  // the priority of SGI 2, written per core as 0x10 * core
static volatile int ready[NCPU];
static volatile int go;
static volatile int sgis[NCPU][16];  // SGIs received, by receiving core and ID
static volatile int sgi_src[NCPU];   // the source CPU of the last SGI 5
static volatile u64 counter __attribute__((aligned(64)));
static volatile int done[NCPU];
// The lost-reservation handshake between cores 0 and 1.
static volatile u64 reserved __attribute__((aligned(64)));
static volatile int phase;
static volatile u64 tlb_seen[2];
static u64 l1[512] __attribute__((aligned(4096)));
static u64 l2[512] __attribute__((aligned(4096)));
static u64 l3[512] __attribute__((aligned(4096)));
static u8 pages[2][4096] __attribute__((aligned(4096)));

static u64 core_id(void) { return OP0("mrs %0, mpidr_el1") & 0xff; }
static void sev(void) { __asm__ volatile("dsb sy\n\tsev" ::: "memory"); }
static void wfe(void) { __asm__ volatile("wfe" ::: "memory"); }

// Waits for *flag to reach `want`, with WFE between looks; gives up after many wake-ups.
static int wait_for(volatile int *flag, int want) {
    for (u64 spins = 0; spins < 2000000; spins++) {
        if (*flag >= want) return 1;
        wfe();
    }
    return 0;
}

static void irq(void) {
    u32 iar = C(0x0c);
    u32 id = iar & 0x3ff, core = core_id();
    if (id < 16) {
        sgis[core][id]++;
        if (id == 5) sgi_src[core] = (iar >> 10) & 7;
    }
    if (id != 1023) C(0x10) = iar;
}

// Each core's own GIC CPU interface, banked priority and IRQ routing to EL3.
static void gic_cpu_on(u64 core) {
    u64 scr;
    __asm__ volatile("mrs %0, scr_el3" : "=r"(scr));
    __asm__ volatile("msr scr_el3, %0\n\tisb" ::"r"(scr | 2));
    D8(0x400 + 2) = 0x10 * core;  // SGI 2's banked priority
    prio_seen[core] = D8(0x400 + 2);
    itargets0[core] = D(0x800);
    C(0x04) = 0xff;
    C(0x00) = 1;
    __asm__ volatile("msr daifclr, #2");
}

// LDXR/STXR increments, as Linux's LL/SC atomics do them.
static void add_exclusive(volatile u64 *p, int n) {
    for (int i = 0; i < n; i++) {
        u64 v, fail;
        do {
            __asm__ volatile("ldxr %0, [%2]\n\tadd %0, %0, #1\n\tstxr %w1, %0, [%2]"
                             : "=&r"(v), "=&r"(fail)
                             : "r"(p)
                             : "memory");
        } while (fail);
    }
}

static void mmu_on(void) {
    u64 tcr = 25 | (1ull << 8) | (1ull << 10) | (3ull << 12) | (2ull << 16) | (1ull << 23) | (1ull << 31);
    __asm__ volatile("msr mair_el3, %0\n\tmsr tcr_el3, %1\n\tmsr ttbr0_el3, %2\n\tisb\n\ttlbi alle3\n\tdsb sy\n\tisb" ::"r"(
                         0xffull),
                     "r"(tcr), "r"((u64)l1)
                     : "memory");
    u64 sctlr = OP0("mrs %0, sctlr_el3");
    __asm__ volatile("dsb sy\n\tmsr sctlr_el3, %0\n\tisb" ::"r"(sctlr | 1) : "memory");
}

static u64 load(u64 va) { return *(volatile u64 *)va; }

void secondary_main(u64 core) {
    mpidr_seen[core] = OP0("mrs %0, mpidr_el1");
    gic_cpu_on(core);
    ready[core] = 1;
    sev();
    wait_for(&go, 1);
    add_exclusive(&counter, INCREMENTS);
    done[core] = 1;
    sev();
    if (core == 1) {
        // Lost reservation: core 0 holds one on `reserved`; this core stores to it.
        wait_for(&phase, 1);
        reserved = 0x1234;
        phase = 2;
        sev();
        // TLBI IS: read the window (its translation now in this core's TLB), let core 0
        // remap it and invalidate with TLBI VAE3IS, read it again.
        wait_for(&phase, 3);
        mmu_on();
        tlb_seen[0] = load(WINDOW);
        phase = 4;
        sev();
        wait_for(&phase, 5);
        tlb_seen[1] = load(WINDOW);
        phase = 6;
        sev();
    }
    for (;;) wfe();
}

int main(void) {
    rt_irq_handler = irq;
    CHECK_EQ(OP0("mrs %0, mpidr_el1"), 0x80000000, "core 0: MPIDR_EL1");
    D(0x000) = 1;
    gic_cpu_on(0);

    // Release cores 1-3 through the spin table, as the Pi's armstub expects.
    for (int c = 1; c < NCPU; c++) {
        CHECK_EQ(*(volatile u64 *)(SPIN_TABLE + 8 * c), 0, "spin-table slot starts zeroed");
        CHECK_EQ(ready[c], 0, "the core waits in the firmware until released");
        *(volatile u64 *)(SPIN_TABLE + 8 * c) = (u64)smp_secondary_entry;
    }
    sev();
    for (int c = 1; c < NCPU; c++) {
        CHECK(wait_for(&ready[c], 1), "secondary core came up");
        CHECK_EQ(mpidr_seen[c], 0x80000000ull | c, "MPIDR_EL1 names the core");
    }
    for (int c = 0; c < NCPU; c++) {
        CHECK_EQ(itargets0[c], 0x01010101u << c, "ITARGETSR0 reads the reader's own bit");
        CHECK_EQ(prio_seen[c], 0x10 * c, "SGI priorities are banked per core");
    }
    CHECK_EQ(D8(0x400 + 2), 0, "core 0's SGI 2 priority kept");

    // SGIs. Filter 0: the list (core 2 only); 1: all but self; 2: self.
    D(0xf00) = (0u << 24) | (1u << (16 + 2)) | 5;
    for (int i = 0; i < 100000 && !sgis[2][5]; i++) __asm__ volatile("nop");
    CHECK_EQ(sgis[2][5], 1, "SGI 5 to the target list {2} reaches core 2");
    CHECK_EQ(sgi_src[2], 0, "GICC_IAR names core 0 as the source");
    D(0xf00) = (1u << 24) | 6;
    D(0xf00) = (2u << 24) | 7;
    for (int i = 0; i < 200000 && !(sgis[1][6] && sgis[2][6] && sgis[3][6] && sgis[0][7]); i++)
        __asm__ volatile("nop");
    for (int c = 0; c < NCPU; c++) {
        CHECK_EQ(sgis[c][5], c == 2, "SGI 5 reached only the listed core");
        CHECK_EQ(sgis[c][6], c != 0, "SGI 6 (all but self) reached every other core");
        CHECK_EQ(sgis[c][7], c == 0, "SGI 7 (self) reached only the sender");
    }

    // WFE/SEV: the secondaries wait in WFE for `go`; every core then increments one
    // counter by LDXR/STXR.
    go = 1;
    sev();
    add_exclusive(&counter, INCREMENTS);
    for (int c = 1; c < NCPU; c++) CHECK(wait_for(&done[c], 1), "core finished its increments");
    CHECK_EQ(counter, (u64)NCPU * INCREMENTS, "no increment lost: the global monitor fails racing STXRs");

    // A reservation lost to another core's plain store.
    u64 v, fail;
    __asm__ volatile("ldxr %0, [%1]" : "=&r"(v) : "r"(&reserved) : "memory");
    phase = 1;
    while (phase != 2) __asm__ volatile("nop");  // no WFE: that would clear nothing, but keep it plain
    __asm__ volatile("stxr %w0, %2, [%1]" : "=&r"(fail) : "r"(&reserved), "r"(0x5678ull) : "memory");
    CHECK_EQ(fail, 1, "STXR fails after another core stored to the reserved granule");
    CHECK_EQ(reserved, 0x1234, "the other core's store stands");

    // TLBI VAE3IS reaches core 1's TLB.
    u64 image_gb = (u64)l1 >> 30;
    l1[image_gb] = (image_gb << 30) | BLOCK | AF | SH_INNER;
    l1[3] = (3ull << 30) | BLOCK | AF | (1ull << 2) | XN;  // devices (attr 1) at 3-4 GiB
    l1[WINDOW >> 30] = (u64)l2 | TABLE;
    l2[0] = (u64)l3 | TABLE;
    l3[0] = (u64)pages[0] | PAGE | AF | SH_INNER;
    *(volatile u64 *)pages[0] = 0xa0a0;
    *(volatile u64 *)pages[1] = 0xb0b0;
    __asm__ volatile("dsb sy" ::: "memory");
    phase = 3;
    sev();
    while (phase != 4) __asm__ volatile("nop");
    l3[0] = (u64)pages[1] | PAGE | AF | SH_INNER;
    __asm__ volatile("dsb sy\n\ttlbi vae3is, %0\n\tdsb sy\n\tisb" ::"r"(WINDOW >> 12) : "memory");
    phase = 5;
    sev();
    while (phase != 6) __asm__ volatile("nop");
    CHECK_EQ(tlb_seen[0], 0xa0a0, "core 1 read the window through its first mapping");
    CHECK_EQ(tlb_seen[1], 0xb0b0, "core 0's TLBI VAE3IS dropped core 1's cached translation");
    return 0;
}
