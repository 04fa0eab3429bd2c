// Every B.cond against every NZCV value (truth from the Arm ARM's ConditionHolds, written
// out in C), and carry/overflow edge cases of 32- and 64-bit add and subtract.
#include "rt.h"

static int holds(int cond, int nzcv) {
    int n = (nzcv >> 3) & 1, z = (nzcv >> 2) & 1, c = (nzcv >> 1) & 1, v = nzcv & 1, r;
    switch (cond >> 1) {
    case 0: r = z; break;
    case 1: r = c; break;
    case 2: r = n; break;
    case 3: r = v; break;
    case 4: r = c && !z; break;
    case 5: r = n == v; break;
    case 6: r = n == v && !z; break;
    default: r = 1; break;
    }
    return (cond & 1) && cond != 15 ? !r : r;
}

#define TAKEN(cc)                                                                         \
    static int taken_##cc(u64 nzcv) {                                                     \
        u64 r;                                                                            \
        __asm__ volatile("msr nzcv, %1\n\tmov %0, #1\n\tb." #cc " 1f\n\tmov %0, #0\n1:"   \
                         : "=&r"(r) : "r"(nzcv << 28) : "cc");                            \
        return (int)r;                                                                    \
    }
TAKEN(eq) TAKEN(ne) TAKEN(cs) TAKEN(cc) TAKEN(mi) TAKEN(pl) TAKEN(vs) TAKEN(vc)
TAKEN(hi) TAKEN(ls) TAKEN(ge) TAKEN(lt) TAKEN(gt) TAKEN(le) TAKEN(al) TAKEN(nv)

static int (*const branches[16])(u64) = {taken_eq, taken_ne, taken_cs, taken_cc, taken_mi, taken_pl,
                                         taken_vs, taken_vc, taken_hi, taken_ls, taken_ge, taken_lt,
                                         taken_gt, taken_le, taken_al, taken_nv};

int main(void) {
    // One check per condition: all 16 NZCV values folded into a mask.
    static const char *names[16] = {"b.eq", "b.ne", "b.cs", "b.cc", "b.mi", "b.pl", "b.vs", "b.vc",
                                    "b.hi", "b.ls", "b.ge", "b.lt", "b.gt", "b.le", "b.al", "b.nv"};
    for (int cond = 0; cond < 16; cond++) {
        u64 got = 0, want = 0;
        for (int f = 0; f < 16; f++) {
            got |= (u64)branches[cond](f) << f;
            want |= (u64)holds(cond, f) << f;
        }
        CHECK_EQ(got, want, names[cond]);
    }
    CHECK_EQ(FLAGS2("adds xzr, %1, %2", 0x7fffffffffffffff, 1), 0x9, "adds 64 signed overflow: N V");
    CHECK_EQ(FLAGS2("adds xzr, %1, %2", 0x8000000000000000, 0x8000000000000000), 0x7, "adds 64: Z C V");
    CHECK_EQ(FLAGS2("adds wzr, %w1, %w2", 0xffffffff, 1), 0x6, "adds 32 carry: Z C");
    CHECK_EQ(FLAGS2("adds wzr, %w1, %w2", 0x100000000, 0), 0x4, "adds 32 ignores upper bits: Z");
    CHECK_EQ(FLAGS2("subs xzr, %1, %2", 0, 1), 0x8, "subs borrow: N, C clear");
    CHECK_EQ(FLAGS2("subs xzr, %1, %2", 5, 5), 0x6, "subs equal: Z C");
    CHECK_EQ(FLAGS2("subs wzr, %w1, %w2", 0x80000000, 1), 0x3, "subs 32 overflow: C V");
    CHECK_EQ(FLAGS2("subs xzr, %1, %2", 0x8000000000000000, 1), 0x3, "subs 64 overflow: C V");
    CHECK_EQ(FLAGS2("negs xzr, %2", 0, 0x8000000000000000), 0x9, "negs min: N V");
    CHECK_EQ(FLAGS2("ands wzr, %w1, %w2", 0x80000000, 0xffffffff), 0x8, "ands w: N");
    return 0;
}
