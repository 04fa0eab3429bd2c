// Condition codes and flag setting, Arm ARM DDI 0487 C1.2.4 (condition codes) and the
// pseudocode ConditionHolds() and AddWithCarry() (J1.1.3, J1.2.3): every B.cond against all
// 16 NZCV values, branching forward and backward, then the carry and overflow edges of
// 32- and 64-bit ADDS, SUBS and NEGS, read back through MRS NZCV.
#include "rt.h"

// For each condition (0 eq .. 15 nv), bit f is set when the condition holds with NZCV = f
// (N = bit 3, Z = bit 2, C = bit 1, V = bit 0), from ConditionHolds():
//   eq Z; cs C; mi N; vs V; hi C && !Z; ge N == V; gt N == V && !Z; al/nv always;
//   odd conditions other than nv are the negation of the even one before them.
static const u64 holds_mask[16] = {
    0xf0f0, 0x0f0f, 0xcccc, 0x3333, 0xff00, 0x00ff, 0xaaaa, 0x5555,
    0x0c0c, 0xf3f3, 0xaa55, 0x55aa, 0x0a05, 0xf5fa, 0xffff, 0xffff,
};

#define FWD(cc)                                                                           \
    static u64 fwd_##cc(u64 nzcv) {                                                       \
        u64 r;                                                                            \
        __asm__ volatile("msr nzcv, %1\n\tmov %0, #1\n\tb." #cc " 1f\n\tmov %0, #0\n1:"   \
                         : "=&r"(r) : "r"(nzcv << 28) : "cc");                            \
        return r;                                                                         \
    }
#define BWD(cc)                                                                                      \
    static u64 bwd_##cc(u64 nzcv) {                                                                  \
        u64 r;                                                                                       \
        __asm__ volatile("msr nzcv, %1\n\tmov %0, #0\n\tb 2f\n1:\tmov %0, #1\n\tb 3f\n2:\tb." #cc " 1b\n3:" \
                         : "=&r"(r) : "r"(nzcv << 28) : "cc");                                       \
        return r;                                                                                    \
    }
#define BOTH(cc) FWD(cc) BWD(cc)
BOTH(eq) BOTH(ne) BOTH(cs) BOTH(cc) BOTH(mi) BOTH(pl) BOTH(vs) BOTH(vc)
BOTH(hi) BOTH(ls) BOTH(ge) BOTH(lt) BOTH(gt) BOTH(le) BOTH(al) BOTH(nv)

typedef u64 (*branch_fn)(u64);
static const branch_fn fwd[16] = {fwd_eq, fwd_ne, fwd_cs, fwd_cc, fwd_mi, fwd_pl, fwd_vs, fwd_vc,
                                  fwd_hi, fwd_ls, fwd_ge, fwd_lt, fwd_gt, fwd_le, fwd_al, fwd_nv};
static const branch_fn bwd[16] = {bwd_eq, bwd_ne, bwd_cs, bwd_cc, bwd_mi, bwd_pl, bwd_vs, bwd_vc,
                                  bwd_hi, bwd_ls, bwd_ge, bwd_lt, bwd_gt, bwd_le, bwd_al, bwd_nv};
static const char *const fwd_names[16] = {
    "b.eq forward", "b.ne forward", "b.cs forward", "b.cc forward", "b.mi forward", "b.pl forward",
    "b.vs forward", "b.vc forward", "b.hi forward", "b.ls forward", "b.ge forward", "b.lt forward",
    "b.gt forward", "b.le forward", "b.al forward", "b.nv forward"};
static const char *const bwd_names[16] = {
    "b.eq backward", "b.ne backward", "b.cs backward", "b.cc backward", "b.mi backward", "b.pl backward",
    "b.vs backward", "b.vc backward", "b.hi backward", "b.ls backward", "b.ge backward", "b.lt backward",
    "b.gt backward", "b.le backward", "b.al backward", "b.nv backward"};

int main(void) {
    // One check per condition and direction: the 16 outcomes folded into a mask.
    for (int cond = 0; cond < 16; cond++) {
        u64 f = 0, b = 0;
        for (u64 nzcv = 0; nzcv < 16; nzcv++) {
            f |= fwd[cond](nzcv) << nzcv;
            b |= bwd[cond](nzcv) << nzcv;
        }
        CHECK_EQ(f, holds_mask[cond], fwd_names[cond]);
        CHECK_EQ(b, holds_mask[cond], bwd_names[cond]);
    }

    // 64-bit add: C is the unsigned carry out of bit 63, V the signed overflow.
    CHECK_EQ(FLAGS2("adds xzr, %1, %2", 0, 0), Z_, "adds 0+0: Z");
    CHECK_EQ(FLAGS2("adds xzr, %1, %2", 0x7fffffffffffffff, 1), N_ | V_, "adds max+1: N V");
    CHECK_EQ(FLAGS2("adds xzr, %1, %2", 0xffffffffffffffff, 1), Z_ | C_, "adds -1+1: Z C");
    CHECK_EQ(FLAGS2("adds xzr, %1, %2", 0x8000000000000000, 0x8000000000000000), Z_ | C_ | V_,
             "adds min+min: Z C V");
    CHECK_EQ(FLAGS2("adds xzr, %1, %2", 0xffffffffffffffff, 0xffffffffffffffff), N_ | C_, "adds -1+-1: N C");
    CHECK_EQ(FLAGS2("adds xzr, %1, %2", 0x8000000000000000, 0x7fffffffffffffff), N_, "adds min+max: N");
    // 32-bit add: flags come from bit 31 and the carry out of bit 31; bits 63:32 are ignored.
    CHECK_EQ(FLAGS2("adds wzr, %w1, %w2", 0x7fffffff, 1), N_ | V_, "adds w max+1: N V");
    CHECK_EQ(FLAGS2("adds wzr, %w1, %w2", 0xffffffff, 1), Z_ | C_, "adds w -1+1: Z C");
    CHECK_EQ(FLAGS2("adds wzr, %w1, %w2", 0x80000000, 0x80000000), Z_ | C_ | V_, "adds w min+min: Z C V");
    CHECK_EQ(FLAGS2("adds wzr, %w1, %w2", 0x100000000, 0x200000000), Z_, "adds w ignores bits 63:32: Z");
    CHECK_EQ(FLAGS2("adds xzr, %1, %2", 0xffffffff, 1), 0, "adds x 0xffffffff+1: no flags");
    // 64-bit subtract: C is NOT borrow.
    CHECK_EQ(FLAGS2("subs xzr, %1, %2", 0, 1), N_, "subs 0-1: N, C clear");
    CHECK_EQ(FLAGS2("subs xzr, %1, %2", 5, 5), Z_ | C_, "subs 5-5: Z C");
    CHECK_EQ(FLAGS2("subs xzr, %1, %2", 0x8000000000000000, 1), C_ | V_, "subs min-1: C V");
    CHECK_EQ(FLAGS2("subs xzr, %1, %2", 0x7fffffffffffffff, 0xffffffffffffffff), N_ | V_, "subs max-(-1): N V");
    CHECK_EQ(FLAGS2("subs xzr, %1, %2", 0, 0x8000000000000000), N_ | V_, "subs 0-min: N V");
    CHECK_EQ(FLAGS2("subs xzr, %1, %2", 0xffffffffffffffff, 0), N_ | C_, "subs -1-0: N C");
    CHECK_EQ(FLAGS2("subs xzr, %1, %2", 1, 2), N_, "subs 1-2: N");
    CHECK_EQ(FLAGS2("subs xzr, %1, %2", 2, 1), C_, "subs 2-1: C");
    // 32-bit subtract.
    CHECK_EQ(FLAGS2("subs wzr, %w1, %w2", 0x80000000, 1), C_ | V_, "subs w min-1: C V");
    CHECK_EQ(FLAGS2("subs wzr, %w1, %w2", 0x7fffffff, 0xffffffff), N_ | V_, "subs w max-(-1): N V");
    CHECK_EQ(FLAGS2("subs wzr, %w1, %w2", 0x1, 0x100000001), Z_ | C_, "subs w ignores bits 63:32: Z C");
    CHECK_EQ(FLAGS2("subs wzr, %w1, %w2", 0, 1), N_, "subs w 0-1: N");
    // NEGS is SUBS from zero.
    CHECK_EQ(FLAGS2("negs xzr, %2", 0, 0), Z_ | C_, "negs 0: Z C");
    CHECK_EQ(FLAGS2("negs xzr, %2", 0, 0x8000000000000000), N_ | V_, "negs min: N V");
    CHECK_EQ(FLAGS2("negs wzr, %w2", 0, 0x80000000), N_ | V_, "negs w min: N V");
    CHECK_EQ(FLAGS2("negs xzr, %2", 0, 1), N_, "negs 1: N");
    // MSR NZCV then a flag-setting instruction replaces all four flags.
    CHECK_EQ(FLAGS2F(N_ | Z_ | C_ | V_, "adds xzr, %1, %2", 1, 1), 0, "adds replaces every flag");
    return 0;
}
