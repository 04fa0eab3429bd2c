// Self-modifying code with the MMU off, for an emulator that caches translated blocks: code
// rewritten in place after it has run many times (hot), by stores of every width, in the
// middle of a block, across a branch or call that a translator could have linked, under an
// exception hook before returning to it, by code that rewrites its own straight-line sequence
// or loop body (smc.S), and code copied into RAM like a loader or JIT emits it, run, then
// overwritten at the same address. After each rewrite the new instructions must run.
//
// Every rewrite is made visible with the sequence of Arm ARM DDI 0487 B2.2.5 "Concurrent
// modification and execution of instructions" (DC CVAU over the data cache lines, DSB ISH,
// IC IVAU over the instruction cache lines, DSB ISH, ISB; line sizes from CTR_EL0), or with IC
// IALLU/IALLUIS in place of IC IVAU, or with an ERET as the context synchronization event.
// Expected values come from the immediates written, through encodings worked by hand from
// C6.2. Loops of many rewrites are one check each; the first wrong round fails it.
#include "rt.h"
#include "rounds.h"

u64 smc_ret(void);
u64 smc_mid(void);
u64 smc_line(void);
u64 smc_pair(void);
u64 smc_quad(void);
u64 smc_branch(void);
u64 smc_call(void);
u64 smc_brk(void);
u64 smc_ahead(u64 k);
u64 smc_ahead_page(u64 k);
u64 smc_loop_ahead(u64 n);
u64 smc_loop_behind(u64 n);
u64 smc_loop_branch(u64 n);
// Patch sites and branch targets in smc.S.
extern u32 smc_ret_mov[], smc_mid_add[], smc_line_mov[], smc_branch_b[], smc_tgt_a[], smc_tgt_b[];
extern u32 smc_call_bl[], smc_leaf_a[], smc_leaf_b[];
extern const u32 tmpl_sum[], tmpl_sum_end[], tmpl_poly[], tmpl_poly_end[];

// RAM for loaded code: two pages, so that a function can straddle the boundary.
static u32 jit[2048] __attribute__((aligned(4096)));

// A64 encodings (C6.2), worked by hand.
static u32 movz_w0(u32 imm16) { return 0x52800000 | imm16 << 5; }                 // MOVZ W0, #imm16
static u32 movz_x0(u32 imm16, u32 hw) { return 0xd2800000 | hw << 21 | imm16 << 5; } // MOVZ X0, #imm, LSL #16*hw
static u32 movk_x0(u32 imm16, u32 hw) { return 0xf2800000 | hw << 21 | imm16 << 5; } // MOVK X0, #imm, LSL #16*hw
static u32 add_x0(u32 imm12) { return 0x91000000 | imm12 << 10; }                  // ADD X0, X0, #imm12
static u32 b_to(const void *from, const void *to) { return 0x14000000 | (((u64)to - (u64)from) >> 2 & 0x3ffffff); }
static u32 bl_to(const void *from, const void *to) { return 0x94000000 | (((u64)to - (u64)from) >> 2 & 0x3ffffff); }
#define BRK_5 0xd42000a0u  // BRK #5
#define RET 0xd65f03c0u

static u64 dline(void) { return 4ull << ((OP0("mrs %0, ctr_el0") >> 16) & 0xf); }  // CTR_EL0.DminLine
static u64 iline(void) { return 4ull << (OP0("mrs %0, ctr_el0") & 0xf); }          // CTR_EL0.IminLine

static void clean_dcache(u64 start, u64 end) {
    u64 line = dline();
    for (u64 a = start & ~(line - 1); a < end; a += line) __asm__ volatile("dc cvau, %0" ::"r"(a) : "memory");
    __asm__ volatile("dsb ish" ::: "memory");
}

// Makes [p, p + len) visible to instruction fetch by VA.
static void sync_icache(const void *p, u64 len) {
    u64 start = (u64)p, end = start + len, line = iline();
    clean_dcache(start, end);
    for (u64 a = start & ~(line - 1); a < end; a += line) __asm__ volatile("ic ivau, %0" ::"r"(a) : "memory");
    __asm__ volatile("dsb ish\n\tisb" ::: "memory");
}

static void sync_iallu(const void *p, u64 len) {
    clean_dcache((u64)p, (u64)p + len);
    __asm__ volatile("ic iallu\n\tdsb ish\n\tisb" ::: "memory");
}

static void sync_ialluis(const void *p, u64 len) {
    clean_dcache((u64)p, (u64)p + len);
    __asm__ volatile("ic ialluis\n\tdsb ish\n\tisb" ::: "memory");
}

// Stores of each width, as the instructions named.
static void strb(void *at, u8 v) { __asm__ volatile("strb %w1, [%0]" ::"r"(at), "r"(v) : "memory"); }
static void strh(void *at, u16 v) { __asm__ volatile("strh %w1, [%0]" ::"r"(at), "r"(v) : "memory"); }
static void str_w(void *at, u32 v) { __asm__ volatile("str %w1, [%0]" ::"r"(at), "r"(v) : "memory"); }
static void str_x(void *at, u64 v) { __asm__ volatile("str %1, [%0]" ::"r"(at), "r"(v) : "memory"); }
static void stp_x(void *at, u64 lo, u64 hi) {
    __asm__ volatile("stp %1, %2, [%0]" ::"r"(at), "r"(lo), "r"(hi) : "memory");
}

static void patch(u32 *at, u32 insn) {
    str_w(at, insn);
    sync_icache(at, 4);
}


// Calls fn `calls` times, so that a translator sees it hot, expecting `want` every time.
static void hot(u64 round, u64 (*fn)(void), int calls, u64 want) {
    for (int i = 0; i < calls; i++) expect(round, fn(), want);
}

// xorshift64: 64-bit constants for the STP and JIT rounds.
static u64 rng = 0x9e3779b97f4a7c15;
static u64 next_rand(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

// The exception hook for smc_brk: replaces the BRK with `movz w0, #brk_imm` and resumes at it.
// No ISB: the ERET back to it is the context synchronization event.
static u64 brk_hits, brk_imm;
static u64 replace_brk(struct rt_frame *f, u64 esr, u64 elr, u64 far) {
    (void)f;
    (void)far;
    brk_hits += esr >> 26 == 0x3c;  // BRK from AArch64
    str_w((void *)elr, movz_w0(brk_imm));
    clean_dcache(elr, elr + 4);
    __asm__ volatile("ic ivau, %0\n\tdsb ish" ::"r"(elr) : "memory");
    return elr;
}

static void copy_code(u32 *to, const u32 *from, const u32 *end) {
    for (const u32 *p = from; p < end; p++) *(volatile u32 *)to++ = *p;
}

int main(void) {
    // In place, in the ROM's own code.
    CHECK_EQ(smc_ret(), 1, "smc_ret as linked");
    for (u64 k = 0; k < 1000; k++) {
        u32 imm = (k * 40503 + 2) & 0xffff;  // distinct for every k
        patch(smc_ret_mov, movz_w0(imm));
        hot(k, smc_ret, 64, imm);
    }
    check_rounds("1000 rewrites of a hot mov, 64 calls after each");

    for (u64 k = 0; k < 500; k++) {
        u32 imm = (k * 37 + 1) & 0xfff;
        patch(smc_mid_add, add_x0(imm));
        hot(k, smc_mid, 16, 2 * (1000 + imm));
    }
    check_rounds("rewrite in the middle of a block");

    for (u64 k = 0; k < 200; k++) {
        u32 imm = k * 3 + 7;
        str_w(smc_line_mov, movz_w0(imm));
        clean_dcache((u64)smc_line_mov, (u64)smc_line_mov + 4);
        // By the first byte of the word's instruction cache line, not the word written.
        __asm__ volatile("ic ivau, %0\n\tdsb ish\n\tisb" ::"r"((u64)smc_line_mov & ~(iline() - 1)) : "memory");
        hot(k, smc_line, 16, imm);
    }
    check_rounds("IC IVAU by another address in the line");

    for (u64 k = 0; k < 200; k++) {
        str_w(smc_ret_mov, movz_w0(k + 100));
        sync_iallu(smc_ret_mov, 4);
        hot(k, smc_ret, 16, k + 100);
    }
    check_rounds("IC IALLU instead of IC IVAU");

    for (u64 k = 0; k < 200; k++) {
        str_w(smc_ret_mov, movz_w0(k + 500));
        sync_ialluis(smc_ret_mov, 4);
        hot(k, smc_ret, 16, k + 500);
    }
    check_rounds("IC IALLUIS instead of IC IVAU");

    // Stores of other widths: STR X over two instructions, STP over four, STRH and STRB
    // over part of one.
    for (u64 k = 0; k < 200; k++) {
        u64 a = (k * 40503 + 11) & 0xffff, b = (k * 25385 + 3) & 0xffff;
        str_x(smc_pair, (u64)movk_x0(b, 1) << 32 | movz_x0(a, 0));
        sync_icache(smc_pair, 8);
        hot(k, smc_pair, 16, b << 16 | a);
    }
    check_rounds("two instructions rewritten by one STR X");

    for (u64 k = 0; k < 200; k++) {
        u64 c = next_rand();
        u64 lo = (u64)movk_x0(c >> 16 & 0xffff, 1) << 32 | movz_x0(c & 0xffff, 0);
        u64 hi = (u64)movk_x0(c >> 48, 3) << 32 | movk_x0(c >> 32 & 0xffff, 2);
        stp_x(smc_quad, lo, hi);
        sync_icache(smc_quad, 16);
        hot(k, smc_quad, 16, c);
    }
    check_rounds("four instructions rewritten by one STP");

    patch(smc_ret_mov, movz_w0(0));
    for (u64 k = 0; k < 200; k++) {
        u32 imm = (k * 97 + 1) & 0x7ff;  // MOVZ's bits 31:16 stay 0x5280
        strh(smc_ret_mov, movz_w0(imm) & 0xffff);
        sync_icache(smc_ret_mov, 4);
        hot(k, smc_ret, 16, imm);
    }
    check_rounds("imm16 rewritten by STRH");

    patch(smc_ret_mov, movz_w0(5));
    for (u64 k = 0; k < 200; k++) {
        u32 x = (k * 97 + 1) & 0xff;  // byte 1 of MOVZ W0 holds imm16 bits 10:3
        strb((u8 *)smc_ret_mov + 1, x);
        sync_icache(smc_ret_mov, 4);
        hot(k, smc_ret, 16, x << 3 | 5);
    }
    check_rounds("imm16 rewritten by STRB");

    // Control flow: a retargeted B and BL (a translator may have chained the blocks).
    for (u64 k = 0; k < 200; k++) {
        patch(smc_branch_b, b_to(smc_branch_b, k & 1 ? smc_tgt_b : smc_tgt_a));
        hot(k, smc_branch, 32, k & 1 ? 0xb : 0xa);
    }
    check_rounds("B retargeted");
    for (u64 k = 0; k < 200; k++) {
        patch(smc_call_bl, bl_to(smc_call_bl, k & 1 ? smc_leaf_b : smc_leaf_a));
        hot(k, smc_call, 32, k & 1 ? 0x21 : 0x11);
    }
    check_rounds("BL retargeted");

    // Breakpoint-style: BRK written, taken, replaced by the hook, returned to; each round
    // must take the BRK again (the rewrite to BRK seen) and then run the replacement.
    for (u64 k = 0; k < 100; k++) {
        patch((u32 *)smc_brk, BRK_5);
        brk_imm = k + 0x300;
        rt_exception_hook = replace_brk;
        expect(k, smc_brk(), k + 0x300);
        expect(k, brk_hits, k + 1);
        hot(k, smc_brk, 8, k + 0x300);
    }
    rt_exception_hook = 0;
    check_rounds("BRK replaced by its exception hook, then ERET to it");

    // Code that rewrites itself (smc.S).
    for (u64 k = 0; k < 1000; k++) expect(k, smc_ahead(k * 61 + 1), k * 61 + 1);
    check_rounds("rewrite of the instruction after the ISB");
    for (u64 k = 0; k < 500; k++) expect(k, smc_ahead_page(k * 127 + 2), k * 127 + 2);
    check_rounds("rewrite of the first instruction of the next page");
    CHECK_EQ(smc_loop_ahead(1000), 1000 * 999 / 2, "loop rewriting an instruction ahead in its body");
    CHECK_EQ(smc_loop_ahead(4000), 4000 * 3999 / 2, "the same loop again, longer");
    CHECK_EQ(smc_loop_behind(1000), 1000 * 999 / 2, "loop rewriting an instruction behind in its body");
    CHECK_EQ(smc_loop_behind(2000), 2000 * 1999 / 2, "the same loop again, longer");
    CHECK_EQ(smc_loop_branch(1001), 501, "loop rewriting a branch in its body");

    // A loader: templates copied to the same RAM address in turn, each called while hot.
    u64 (*loaded)(u64) = (u64(*)(u64))jit;
    for (u64 k = 0; k < 200; k++) {
        int sum = !(k & 1);
        if (sum) copy_code(jit, tmpl_sum, tmpl_sum_end);
        else copy_code(jit, tmpl_poly, tmpl_poly_end);
        sync_icache(jit, (u64)(sum ? tmpl_sum_end - tmpl_sum : tmpl_poly_end - tmpl_poly) * 4);
        for (u64 j = 0; j < 16; j++) {
            u64 x = k * 16 + j;
            expect(k, loaded(x), sum ? x * (x + 1) / 2 : 3 * x * x + 5 * x + 7);
        }
    }
    check_rounds("loader: two routines copied in turn to one address");

    // A JIT: a 64-bit constant emitted as MOVZ + 3 MOVK + RET at one address. The emitted
    // code ignores x0; it is small so that a stale tmpl_sum, were it run, ends quickly.
    u64 (*emitted)(u64) = (u64(*)(u64))jit;
    for (u64 k = 0; k < 500; k++) {
        u64 c = next_rand();
        jit[0] = movz_x0(c & 0xffff, 0);
        jit[1] = movk_x0(c >> 16 & 0xffff, 1);
        jit[2] = movk_x0(c >> 32 & 0xffff, 2);
        jit[3] = movk_x0(c >> 48, 3);
        jit[4] = RET;
        sync_icache(jit, 20);
        for (u64 j = 0; j < 8; j++) expect(k, emitted(j), c);
    }
    check_rounds("JIT: constants emitted at one address");

    // A function straddling a page boundary; only the word on the second page is rewritten
    // and invalidated.
    u32 *edge = &jit[1024 - 2];
    edge[0] = movz_x0(1, 0);
    edge[1] = add_x0(2);
    edge[2] = add_x0(0);
    edge[3] = RET;
    sync_icache(edge, 16);
    u64 (*straddle)(void) = (u64(*)(void))edge;
    for (u64 k = 0; k < 300; k++) {
        u32 imm = (k * 13 + 5) & 0xfff;
        patch(&edge[2], add_x0(imm));
        hot(k, straddle, 16, 3 + imm);
    }
    check_rounds("rewrite on the second page of a function across a page boundary");

    // Functions emitted one word further on each round, over the previous one: a call at
    // the previous entry runs its old MOVZ, then falls into the new code.
    for (u64 k = 0; k < 1000; k++) {
        u64 c = next_rand() & 0xffffffff;
        u32 *at = &jit[k];
        at[0] = movz_x0(c & 0xffff, 0);
        at[1] = movk_x0(c >> 16, 1);
        at[2] = RET;
        sync_icache(at, 12);
        for (u64 j = 0; j < 4; j++) {  // x0 = j as for the JIT rounds
            expect(k, ((u64(*)(u64))at)(j), c);
            if (k > 0) expect(k, ((u64(*)(u64))(at - 1))(j), c);
        }
    }
    check_rounds("code emitted over the tail of code that ran");
    return 0;
}
