// Stage 1 translation at EL3: an identity-mapped 1 GiB block for the ROM itself and a
// window of 4 KiB pages at VA 4 GiB exercising translation, permission and access-flag
// faults (with their syndromes and FAR), execute-never, a stale TLB entry that survives
// until the matching TLBI, AT into PAR_EL1, and top-byte-ignore.
#include "rt.h"

#include "pgtable.h"

static u64 l1[512] __attribute__((aligned(4096)));
static u64 l2[512] __attribute__((aligned(4096)));
static u64 l3[512] __attribute__((aligned(4096)));
static u8 pages[4][4096] __attribute__((aligned(4096)));  // A, B, C, code
// 64K granule: a level 2 table (39-bit VA: 1024 entries) and one level 3 table.
static u64 g64_l2[1024] __attribute__((aligned(65536)));
static u64 g64_l3[8192] __attribute__((aligned(65536)));
static u8 page64[65536] __attribute__((aligned(65536)));
// 16K granule: level 1 (8 entries), level 2 and level 3 tables of 2048 entries.
static u64 g16_l1[8] __attribute__((aligned(64)));
static u64 g16_l2[2048] __attribute__((aligned(16384)));
static u64 g16_l3[2048] __attribute__((aligned(16384)));
static u8 page16[16384] __attribute__((aligned(16384)));

#define EC(esr) ((esr) >> 26)
#define FSC(esr) ((esr)&0x3f)
#define WNR(esr) (((esr) >> 6) & 1)

static void tlbi_all(void) { __asm__ volatile("dsb sy\n\ttlbi alle3\n\tdsb sy\n\tisb" ::: "memory"); }

static u64 load(u64 va) { return OP1("ldr %0, [%1]", va); }
static void store(u64 va, u64 v) { __asm__ volatile("str %1, [%0]" ::"r"(va), "r"(v) : "memory"); }

int main(void) {
    u64 image_gb = (u64)l1 >> 30;
    l1[image_gb] = (image_gb << 30) | BLOCK | AF | SH_INNER;  // Normal (attr 0), RW, executable
    l1[WINDOW >> 30] = (u64)l2 | TABLE;
    l2[0] = (u64)l3 | TABLE;
    l3[0] = (u64)pages[0] | PAGE | AF | SH_INNER;             // A: read/write
    l3[1] = 0;                                                // unmapped
    l3[2] = (u64)pages[1] | PAGE | AF | SH_INNER | RO;        // B: read-only
    l3[3] = (u64)pages[2] | PAGE | SH_INNER;                  // C: access flag clear
    l3[4] = (u64)pages[3] | PAGE | AF | SH_INNER;             // code
    l3[5] = (u64)pages[3] | PAGE | AF | SH_INNER | XN;        // same code, execute-never
    // The code page: mov x0, #7; ret.
    ((volatile u32 *)pages[3])[0] = 0xd28000e0;
    ((volatile u32 *)pages[3])[1] = 0xd65f03c0;
    pages[1][0] = 0xbb;

    u64 tcr = 25 | (1ull << 8) | (1ull << 10) | (3ull << 12) | (2ull << 16) | (1ull << 23) | (1ull << 31);
    __asm__ volatile("msr mair_el3, %0\n\tmsr tcr_el3, %1\n\tmsr ttbr0_el3, %2\n\tisb" ::"r"(0xffull), "r"(tcr),
                     "r"((u64)l1));
    tlbi_all();
    u64 sctlr = OP0("mrs %0, sctlr_el3");
    __asm__ volatile("dsb sy\n\tmsr sctlr_el3, %0\n\tisb" ::"r"(sctlr | 1) : "memory");
    CHECK_EQ(OP0("mrs %0, sctlr_el3") & 1, 1, "MMU on");

    store(WINDOW, 0x1122334455667788);
    CHECK_EQ(*(volatile u64 *)pages[0], 0x1122334455667788, "store through the window lands in page A");
    CHECK_EQ(load(WINDOW), 0x1122334455667788, "load back through the window");

    rt_expect_exception();
    load(WINDOW + 0x1010);
    CHECK(rt_exception_seen, "unmapped page faults");
    CHECK_EQ(EC(rt_last_esr), 0x25, "data abort from the same EL");
    CHECK_EQ(FSC(rt_last_esr), 0x07, "level 3 translation fault");
    CHECK_EQ(WNR(rt_last_esr), 0, "on a read");
    CHECK_EQ(rt_last_far, WINDOW + 0x1010, "FAR is the faulting address");

    CHECK_EQ(load(WINDOW + 0x2000) & 0xff, 0xbb, "read-only page reads");
    rt_expect_exception();
    store(WINDOW + 0x2008, 1);
    CHECK_EQ(FSC(rt_last_esr), 0x0f, "write to read-only: level 3 permission fault");
    CHECK_EQ(WNR(rt_last_esr), 1, "WnR set on the write");

    rt_expect_exception();
    load(WINDOW + 0x3000);
    CHECK_EQ(FSC(rt_last_esr), 0x0b, "access flag clear: level 3 access flag fault");

    u64 (*fn_exec)(void) = (u64(*)(void))(WINDOW + 0x4000);
    u64 (*fn_xn)(void) = (u64(*)(void))(WINDOW + 0x5000);
    CHECK_EQ(fn_exec(), 7, "code runs from a mapped page");
    rt_exception_seen = 0;
    rt_exception_hook = rt_return_to_lr;
    fn_xn();
    CHECK(rt_exception_seen, "execute-never faults");
    CHECK_EQ(EC(rt_last_esr), 0x21, "instruction abort from the same EL");
    CHECK_EQ(FSC(rt_last_esr), 0x0f, "level 3 permission fault on fetch");
    CHECK_EQ(rt_last_far, WINDOW + 0x5000, "FAR is the fetch address");

    // A stale translation is used until the TLBI for its address.
    *(volatile u64 *)pages[1] = 0xb0b0;
    *(volatile u64 *)pages[0] = 0xa0a0;
    CHECK_EQ(load(WINDOW), 0xa0a0, "window page 0 is A");
    l3[0] = (u64)pages[1] | PAGE | AF | SH_INNER;
    __asm__ volatile("dsb sy" ::: "memory");
    CHECK_EQ(load(WINDOW), 0xa0a0, "stale entry used before TLBI");
    __asm__ volatile("tlbi vae3, %0\n\tdsb sy\n\tisb" ::"r"((WINDOW + 0x7000) >> 12) : "memory");
    CHECK_EQ(load(WINDOW), 0xa0a0, "TLBI of another page leaves it");
    __asm__ volatile("tlbi vae3, %0\n\tdsb sy\n\tisb" ::"r"(WINDOW >> 12) : "memory");
    CHECK_EQ(load(WINDOW), 0xb0b0, "TLBI of its page drops it");

    u64 par = OP1("at s1e3r, %1\n\tisb\n\tmrs %0, par_el1", WINDOW + 0x123);
    CHECK_EQ(par & 1, 0, "AT of a mapped page succeeds");
    CHECK_EQ(par & 0x0000fffffffff000ull, (u64)pages[1], "PAR_EL1.PA");
    CHECK_EQ(par >> 56, 0xff, "PAR_EL1.ATTR from MAIR");
    par = OP1("at s1e3r, %1\n\tisb\n\tmrs %0, par_el1", WINDOW + 0x1000);
    CHECK_EQ(par & 0x7f, (0x07 << 1) | 1, "AT of an unmapped page: F and FST");

    // Faults at the upper levels of the walk: no level 1 entry, no level 2 entry.
    rt_expect_exception();
    load(5 * 0x40000000ull);
    CHECK_EQ(FSC(rt_last_esr), 0x05, "level 1 translation fault");
    rt_expect_exception();
    load(WINDOW + 0x200000);
    CHECK_EQ(FSC(rt_last_esr), 0x06, "level 2 translation fault");

    // DC ZVA on Normal memory: zeroes one aligned block of DCZID_EL0's size.
    u64 bs = 4ull << (OP0("mrs %0, dczid_el0") & 0xf);
    for (int i = 0; i < 256; i++) pages[1][i] = 0xff;
    __asm__ volatile("dc zva, %0" ::"r"(WINDOW + bs + 3) : "memory");
    u64 zeros = 0, ones = 0;
    for (u64 i = 0; i < 256; i++) {
        if (i >= bs && i < 2 * bs) zeros += pages[1][i] == 0;
        else ones += pages[1][i] == 0xff;
    }
    CHECK_EQ(zeros, bs, "dc zva zeroes its block");
    CHECK_EQ(ones, 256 - bs, "dc zva touches nothing else");

    // The 64K granule (TG0 = 01): 512 MiB blocks at level 2, 64 KiB pages at level 3.
    {
        u64 blk = (u64)l1 >> 29;
        g64_l2[blk] = (blk << 29) | BLOCK | AF | SH_INNER;
        g64_l2[WINDOW >> 29] = (u64)g64_l3 | TABLE;
        g64_l3[1] = (u64)page64 | PAGE | AF | SH_INNER;
        *(volatile u64 *)(page64 + 0x1238) = 0x6464;
        __asm__ volatile("msr ttbr0_el3, %0\n\tmsr tcr_el3, %1\n\tisb" ::"r"((u64)g64_l2), "r"(tcr | (1ull << 14)));
        tlbi_all();
        CHECK_EQ(load(WINDOW + 0x10000 + 0x1238), 0x6464, "64K granule: level 3 page");
        rt_expect_exception();
        load(WINDOW + 0x20000);
        CHECK_EQ(FSC(rt_last_esr), 0x07, "64K granule: level 3 translation fault");
    }
    // The 16K granule (TG0 = 10): level 1 tables only, 32 MiB blocks at level 2.
    {
        u64 blk = (u64)l1 >> 25;
        g16_l1[0] = (u64)g16_l2 | TABLE;
        g16_l2[blk] = (blk << 25) | BLOCK | AF | SH_INNER;
        g16_l2[WINDOW >> 25] = (u64)g16_l3 | TABLE;
        g16_l3[2] = (u64)page16 | PAGE | AF | SH_INNER;
        *(volatile u64 *)(page16 + 0x3ff8) = 0x1616;
        __asm__ volatile("msr ttbr0_el3, %0\n\tmsr tcr_el3, %1\n\tisb" ::"r"((u64)g16_l1), "r"(tcr | (2ull << 14)));
        tlbi_all();
        CHECK_EQ(load(WINDOW + 0x8000 + 0x3ff8), 0x1616, "16K granule: level 3 page");
        rt_expect_exception();
        load(WINDOW + 0xc000);
        CHECK_EQ(FSC(rt_last_esr), 0x07, "16K granule: level 3 translation fault");
    }
    __asm__ volatile("msr ttbr0_el3, %0\n\tmsr tcr_el3, %1\n\tisb" ::"r"((u64)l1), "r"(tcr));
    tlbi_all();

    // Top byte ignore for data addresses.
    *(volatile u64 *)pages[1] = 0xb0b0;
    __asm__ volatile("msr tcr_el3, %0\n\tisb" ::"r"(tcr | (1ull << 20)));
    tlbi_all();
    CHECK_EQ(load(0x5a00000000000000ull | WINDOW), 0xb0b0, "tagged pointer with TBI");

    __asm__ volatile("dsb sy\n\tmsr sctlr_el3, %0\n\tisb" ::"r"(sctlr) : "memory");
    return 0;
}
