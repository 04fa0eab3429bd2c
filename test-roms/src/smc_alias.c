// Self-modifying code through virtual aliases, with stage 1 translation on at EL3 (page
// tables built as in mmu.c). One physical code page is mapped at alias A (read/write,
// execute-never), where code is written, and at aliases B and B2 (read-only, executable),
// where it runs; the identity map reaches it too. Code is rewritten through A (or through
// the identity map, or by LDXR/STXR, or zeroed by DC ZVA) and must run new at B after DC
// CVAU by the written address, DSB ISH, IC IVAU by the executing address, DSB ISH and ISB
// (Arm ARM DDI 0487 B2.2.5 "Concurrent modification and execution of instructions"), or
// with IC IALLU; code running at B rewrites its own next instruction through A; and an
// executable page is remapped under a VA that has run, which needs only the TLBI (the
// instruction caches are physically tagged, whether CTR_EL0.L1Ip says VIPT or PIPT, so no
// IC maintenance is needed when the contents at the new PA are already in place).
// Expected values come from the immediates written (encodings worked by hand from C6.2).
#include "rt.h"
#include "rounds.h"

#include "pgtable.h"
#define ALIAS_A (WINDOW + 0x0000)   // the code page: read/write, execute-never
#define ALIAS_B (WINDOW + 0x1000)   // the code page: read-only, executable
#define ALIAS_B2 (WINDOW + 0x2000)  // the code page again: read-only, executable
#define ALIAS_C (WINDOW + 0x3000)   // pages[0] or pages[1], switched by remapping
// Byte offsets in the code page.
#define LEAF 0x000   // movz w0, #imm; ret
#define AHEAD 0x400  // a copy of alias_ahead (smc_alias.S)
#define ZVA 0x800    // zeroed by DC ZVA (a block is at most 2 KiB)

static u64 l1[512] __attribute__((aligned(4096)));
static u64 l2[512] __attribute__((aligned(4096)));
static u64 l3[512] __attribute__((aligned(4096)));
static u32 code[1024] __attribute__((aligned(4096)));
static u32 pages[2][1024] __attribute__((aligned(4096)));

extern const u32 alias_ahead[], alias_ahead_end[];

static u32 movz_w0(u32 imm16) { return 0x52800000 | imm16 << 5; }  // MOVZ W0, #imm16
#define RET 0xd65f03c0u

static void str_w(u64 at, u32 v) { __asm__ volatile("str %w1, [%0]" ::"r"(at), "r"(v) : "memory"); }
static void stxr_w(u64 at, u32 v) {
    u32 failed;
    do {
        __asm__ volatile("ldxr %w0, [%1]\n\tstxr %w0, %w2, [%1]" : "=&r"(failed) : "r"(at), "r"(v) : "memory");
    } while (failed);
}
static u64 dline(void) { return 4ull << ((OP0("mrs %0, ctr_el0") >> 16) & 0xf); }  // CTR_EL0.DminLine
static u64 iline(void) { return 4ull << (OP0("mrs %0, ctr_el0") & 0xf); }          // CTR_EL0.IminLine
static void clean(u64 va) { __asm__ volatile("dc cvau, %0\n\tdsb ish" ::"r"(va) : "memory"); }
static void ic_ivau(u64 va) { __asm__ volatile("ic ivau, %0" ::"r"(va) : "memory"); }
static void ic_sync(void) { __asm__ volatile("dsb ish\n\tisb" ::: "memory"); }
static void ic_iallu(void) { __asm__ volatile("ic iallu\n\tdsb ish\n\tisb" ::: "memory"); }

// Writes one instruction at `offset` through alias A and makes it visible at alias B.
static void patch(u64 offset, u32 insn) {
    str_w(ALIAS_A + offset, insn);
    clean(ALIAS_A + offset);
    ic_ivau(ALIAS_B + offset);
    ic_sync();
}


// Calls the function at `va` `calls` times, so that a translator sees it hot, expecting `want`.
static void hot(u64 round, u64 va, int calls, u64 want) {
    for (int i = 0; i < calls; i++) expect(round, ((u64(*)(void))va)(), want);
}

static void tlbi_va(u64 va) { __asm__ volatile("dsb ish\n\ttlbi vae3, %0\n\tdsb ish\n\tisb" ::"r"(va >> 12) : "memory"); }

int main(void) {
    u64 image_gb = (u64)l1 >> 30;
    l1[image_gb] = (image_gb << 30) | BLOCK | AF | SH_INNER;  // Normal (attr 0), RW, executable
    l1[WINDOW >> 30] = (u64)l2 | TABLE;
    l2[0] = (u64)l3 | TABLE;
    l3[0] = (u64)code | PAGE | AF | SH_INNER | XN;
    l3[1] = (u64)code | PAGE | AF | SH_INNER | RO;
    l3[2] = (u64)code | PAGE | AF | SH_INNER | RO;
    l3[3] = (u64)pages[0] | PAGE | AF | SH_INNER | RO;
    // Through the identity map, before any of it runs: each page of ALIAS_C returns its own value.
    pages[0][0] = movz_w0(0x11);
    pages[0][1] = RET;
    pages[1][0] = movz_w0(0x22);
    pages[1][1] = RET;
    clean((u64)pages[0]);
    clean((u64)pages[1]);
    ic_iallu();

    u64 tcr = 25 | (1ull << 8) | (1ull << 10) | (3ull << 12) | (2ull << 16) | (1ull << 23) | (1ull << 31);
    __asm__ volatile("msr mair_el3, %0\n\tmsr tcr_el3, %1\n\tmsr ttbr0_el3, %2\n\tisb" ::"r"(0xffull), "r"(tcr),
                     "r"((u64)l1));
    __asm__ volatile("dsb sy\n\ttlbi alle3\n\tdsb sy\n\tisb" ::: "memory");
    u64 sctlr = OP0("mrs %0, sctlr_el3");
    __asm__ volatile("dsb sy\n\tmsr sctlr_el3, %0\n\tisb" ::"r"(sctlr | 1) : "memory");
    CHECK_EQ(OP0("mrs %0, sctlr_el3") & 1, 1, "MMU on");

    str_w(ALIAS_A + LEAF + 4, RET);
    patch(LEAF, movz_w0(1));
    CHECK_EQ(((u64(*)(void))(ALIAS_B + LEAF))(), 1, "written through A, run through B");
    // The premises: A does not execute (a translation cached for B must not serve A) and B
    // does not take writes.
    rt_exception_seen = 0;
    rt_exception_hook = rt_return_to_lr;
    ((u64(*)(void))(ALIAS_A + LEAF))();
    CHECK_EQ(rt_exception_seen ? rt_last_esr >> 26 : 0, 0x21, "fetch through A: instruction abort");
    CHECK_EQ(rt_last_far, ALIAS_A + LEAF, "fetch through A: FAR is the A address");
    rt_expect_exception();
    str_w(ALIAS_B + LEAF, movz_w0(2));
    CHECK_EQ(rt_last_esr & ((0x3full << 26) | 0x7f), (0x25ull << 26) | (1 << 6) | 0x0f,
             "write through B: permission fault on a write");

    for (u64 k = 0; k < 1000; k++) {
        u32 imm = (k * 40503 + 2) & 0xffff;  // distinct for every k
        patch(LEAF, movz_w0(imm));
        hot(k, ALIAS_B + LEAF, 64, imm);
    }
    check_rounds("1000 rewrites through A, IC IVAU by B, 64 calls through B after each");

    for (u64 k = 0; k < 200; k++) {
        str_w(ALIAS_A + LEAF, movz_w0(k + 7));
        clean(ALIAS_A + LEAF);
        ic_iallu();
        hot(k, ALIAS_B + LEAF, 16, k + 7);
    }
    check_rounds("rewrites through A, IC IALLU");

    for (u64 k = 0; k < 200; k++) {
        str_w(ALIAS_A + LEAF, movz_w0(k + 300));
        clean(ALIAS_A + LEAF);
        ic_ivau(ALIAS_B + LEAF);
        ic_ivau(ALIAS_B2 + LEAF);
        ic_sync();
        hot(k, ALIAS_B + LEAF, 16, k + 300);
        hot(k, ALIAS_B2 + LEAF, 16, k + 300);
    }
    check_rounds("rewrites through A run new at both B and B2");

    for (u64 k = 0; k < 200; k++) {
        str_w((u64)code + LEAF, movz_w0(k + 600));
        clean((u64)code + LEAF);
        ic_ivau(ALIAS_B + LEAF);
        ic_sync();
        hot(k, ALIAS_B + LEAF, 16, k + 600);
    }
    check_rounds("rewrites through the identity map, IC IVAU by B");

    for (u64 k = 0; k < 100; k++) {
        stxr_w(ALIAS_A + LEAF, movz_w0(k + 900));
        clean(ALIAS_A + LEAF);
        ic_ivau(ALIAS_B + LEAF);
        ic_sync();
        hot(k, ALIAS_B + LEAF, 16, k + 900);
    }
    check_rounds("rewrites by STXR through A");

    // Code running at B that rewrites its own next instruction through A.
    for (u64 i = 0; alias_ahead + i < alias_ahead_end; i++) {
        str_w(ALIAS_A + AHEAD + 4 * i, alias_ahead[i]);
        clean(ALIAS_A + AHEAD + 4 * i);
    }
    ic_iallu();
    u64 (*ahead)(u64, u64) = (u64(*)(u64, u64))(ALIAS_B + AHEAD);
    for (u64 k = 0; k < 1000; k++) expect(k, ahead(k * 61 + 1, ALIAS_A - ALIAS_B), k * 61 + 1);
    check_rounds("code at B rewriting its next instruction through A");

    // The same VA remapped between two pages of code: TLBI, no IC maintenance.
    for (u64 k = 0; k < 200; k++) {
        l3[3] = (u64)pages[k & 1] | PAGE | AF | SH_INNER | RO;
        tlbi_va(ALIAS_C);
        hot(k, ALIAS_C, 16, k & 1 ? 0x22 : 0x11);
    }
    check_rounds("executable VA remapped to another page of code");

    // Hot code zeroed by DC ZVA through A (0x00000000 is UDF #0) takes an UNDEFINED.
    str_w(ALIAS_A + ZVA, movz_w0(5));
    str_w(ALIAS_A + ZVA + 4, RET);
    clean(ALIAS_A + ZVA);
    ic_ivau(ALIAS_B + ZVA);
    ic_sync();
    hot(0, ALIAS_B + ZVA, 32, 5);
    check_rounds("the code DC ZVA will zero, hot");
    u64 bs = 4ull << (OP0("mrs %0, dczid_el0") & 0xf);
    __asm__ volatile("dc zva, %0" ::"r"(ALIAS_A + ZVA) : "memory");
    for (u64 off = 0; off < bs; off += dline()) clean(ALIAS_A + ZVA + off);
    for (u64 off = 0; off < bs; off += iline()) ic_ivau(ALIAS_B + ZVA + off);
    ic_sync();
    rt_exception_seen = 0;
    rt_exception_hook = rt_return_to_lr;
    ((u64(*)(void))(ALIAS_B + ZVA))();
    CHECK_EQ(rt_exception_seen ? rt_last_esr >> 26 : ~0ull, 0x00, "zeroed code: UNDEFINED (EC 0)");
    CHECK_EQ(rt_last_elr, ALIAS_B + ZVA, "zeroed code: ELR is the B address");

    __asm__ volatile("dsb sy\n\tmsr sctlr_el3, %0\n\tisb" ::"r"(sctlr) : "memory");
    return 0;
}
