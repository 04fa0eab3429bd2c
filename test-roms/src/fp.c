// Scalar floating point, Arm ARM DDI 0487 C4.1.96 "Data processing - Scalar Floating-Point
// and Advanced SIMD" (C7.2 for each instruction) and the FP pseudocode of chapter J1
// (FPAdd .. FPRound, FPProcessNaNs, FPUnpack, FPConvert, FPToFixed, FPRoundInt, FPCompare,
// FPRecipEstimate): arithmetic, fused multiply-add, max/min with signed zeros and NaNs,
// compares and their NZCV, FCCMP/FCSEL, FMOV immediate, precision and integer conversions,
// FRINT*, FRECPS/FRECPE/FRSQRTE, FCVTXN, the FPSR cumulative flags and the FPCR
// rounding modes, FZ, DN and AHP, sNaN quieting and NaN operand priority, and the SIMD&FP
// loads and stores. Single, double and (conversions only) half precision.
//
// Every expected bit pattern is worked out by hand from the IEEE 754 encodings (single:
// 1 sign, 8 exponent bits biased by 127, 23 fraction bits; double: 11 bits biased by 1023,
// 52 bits; half: 5 bits biased by 15, 10 bits) as the comments show; FPSR and NZCV
// expectations follow the pseudocode. The instructions run in inline assembly with their
// inputs as bit patterns, so the compiler never computes an expected value.
#include "rt.h"

// FPSR cumulative exception bits (Arm ARM C5.2, FPSR).
#define IOC (1u << 0)  // invalid operation
#define DZC (1u << 1)  // divide by zero
#define OFC (1u << 2)  // overflow
#define UFC (1u << 3)  // underflow
#define IXC (1u << 4)  // inexact
#define IDC (1u << 7)  // input denormal (flushed to zero by FPCR.FZ)
#define QC (1u << 27)  // saturation (Advanced SIMD integer)
// FPCR controls.
#define AHP (1u << 26)  // alternative half precision
#define DN (1u << 25)   // default NaN
#define FZ (1u << 24)   // flush denormals to zero
#define RN (0u << 22)   // RMode: round to nearest, ties to even
#define RP (1u << 22)   // towards +infinity
#define RM (2u << 22)   // towards -infinity
#define RZ (3u << 22)   // towards zero

// Single-precision constants used throughout.
#define S_1 0x3f800000u     // 1.0
#define S_2 0x40000000u     // 2.0
#define S_3 0x40400000u     // 3.0
#define S_HALF 0x3f000000u  // 0.5
#define S_M1 0xbf800000u    // -1.0
#define S_INF 0x7f800000u
#define S_MAX 0x7f7fffffu   // largest normal, (2 - 2^-23) * 2^127
#define S_QNAN(p) (0x7fc00000u | (p))  // quiet NaN with payload p
#define S_SNAN(p) (0x7f800000u | (p))  // signalling NaN (fraction MSB clear), p != 0
#define D_1 0x3ff0000000000000ull
#define D_2 0x4000000000000000ull
#define D_3 0x4008000000000000ull

// FPSR after the last FP_RUN.
static u64 fpsr;

// Runs `insn` with FPCR = fpcr, NZCV = nzcv (4 bits, N in bit 3) and FPSR cleared. Inputs
// va, vb, vc (bit patterns) are in d1, d2, d3 (s1/h1.. are their low bits) and va, vb also in
// x11, x12; `get` moves the result to %[r]. The result registers d0 and x10 start out as
// 0x5555555555555555, so an instruction that fails to write them cannot pass on an earlier
// result. Saves FPSR in `fpsr` and restores FPCR.
#define FP_RUN(get, fpcr, nzcv, insn, va, vb, vc)                                                      \
    ({                                                                                             \
        u64 _r, _s;                                                                                \
        __asm__ volatile("mrs x9, fpcr\n\t"                                                        \
                         "msr fpcr, %[cr]\n\t"                                                     \
                         "fmov d1, %[a]\n\tfmov d2, %[b]\n\tfmov d3, %[c]\n\t"                     \
                         "mov x11, %[a]\n\tmov x12, %[b]\n\t"                                      \
                         "mov x10, #0x5555555555555555\n\tfmov d0, x10\n\t"                        \
                         "msr nzcv, %[nz]\n\t"                                                     \
                         "msr fpsr, xzr\n\t" insn "\n\t"                                           \
                         "mrs %[s], fpsr\n\t" get "\n\t"                                           \
                         "msr fpcr, x9"                                                            \
                         : [r] "=&r"(_r), [s] "=&r"(_s)                                            \
                         : [cr] "r"((u64)(fpcr)), [nz] "r"((u64)(nzcv) << 28), [a] "r"((u64)(va)),  \
                           [b] "r"((u64)(vb)), [c] "r"((u64)(vc))                                    \
                         : "cc", "memory", "x9", "x10", "x11", "x12", "v0", "v1", "v2", "v3", "v4",   \
                           "v5", "v6");                                                                \
        fpsr = _s;                                                                                 \
        _r;                                                                                        \
    })
// Result in d0 (an S or H result reads zero-extended: a scalar write clears the rest of V0).
#define FP(fpcr, insn, a, b, c) FP_RUN("fmov %[r], d0", fpcr, 0, insn, a, b, c)
// Result in x10 (conversions to integer).
#define FPG(fpcr, insn, a, b) FP_RUN("mov %[r], x10", fpcr, 0, insn, a, b, 0)
// NZCV after the instruction (as 4 bits), with NZCV = nzcv before it.
#define FPF(nzcv, insn, a, b) FP_RUN("mrs %[r], nzcv\n\tlsr %[r], %[r], #28", 0, nzcv, insn, a, b, 0)

// A single- or half-precision (or 32-bit integer) result with the FPSR it raised on top:
// SF(FP(...)) == E(flags, bits). NF does the same for NZCV results: NF(flags, nzcv).
#define SF(expr) ({ u64 _v = (expr); (fpsr << 32) | _v; })
#define E(flags, bits) (((u64)(flags) << 32) | (u64)(bits))
#define NFR(expr) ({ u64 _v = (expr); (fpsr << 8) | _v; })
#define NF(flags, nzcv) (((u64)(flags) << 8) | (nzcv))
// Two single-precision results packed high:low.
#define PK(lo, hi) ({ u64 _l = (lo); u64 _h = (hi); (_h << 32) | _l; })
// One single-precision instruction on two inputs (in s1), results packed high:low.
#define PAIR(fpcr, insn, lo, hi)             \
    ({                                       \
        u64 _lo = FP(fpcr, insn, lo, 0, 0);  \
        u64 _hi = FP(fpcr, insn, hi, 0, 0);  \
        (_hi << 32) | _lo;                   \
    })
// A conversion to integer on four inputs (in d1/s1), the low byte of each result packed
// into a word, first input lowest.
#define CVT4(insn, a, b, c, d)                                                                \
    ((FPG(0, insn, a, 0) & 0xff) | (FPG(0, insn, b, 0) & 0xff) << 8 |                         \
     (FPG(0, insn, c, 0) & 0xff) << 16 | (FPG(0, insn, d, 0) & 0xff) << 24)

static u64 mem[4] __attribute__((aligned(16)));

int main(void) {
    // --- Arithmetic (FPAdd, FPMul, FPDiv, FPSqrt), round to nearest.
    // 1.5 + 2.25 = 3.75 = 1.875 * 2^1: exponent 128, fraction .875 = 0x700000. Exact.
    CHECK_EQ(SF(FP(RN, "fadd s0, s1, s2", 0x3fc00000, 0x40100000, 0)), E(0, 0x40700000), "fadd s exact");
    // 0.1 + 0.2: significands 0x1999999999999a at 2^-56 and 2^-55; the sum is 0x4cccccccccccce
    // * 2^-56, 55 bits; dropping two bits (0b10, a tie) rounds the odd 0x13333333333333 up
    // to 0x13333333333334 at 2^-54 = 1.2 * 2^-2: 0x3fd3333333333334, inexact.
    CHECK_EQ(FP(RN, "fadd d0, d1, d2", 0x3fb999999999999a, 0x3fc999999999999a, 0), 0x3fd3333333333334,
             "fadd d 0.1+0.2");
    CHECK_EQ(fpsr, IXC, "fadd d 0.1+0.2 FPSR.IXC");
    // x - x is +0 in every rounding mode except towards -infinity, where it is -0 (RN low,
    // RM high).
    CHECK_EQ(PK(FP(RN, "fsub s0, s1, s2", S_1, S_1, 0), FP(RM, "fsub s0, s1, s2", S_1, S_1, 0)),
             0x8000000000000000, "fsub s x-x = +0, -0 under RM");
    CHECK_EQ(SF(FP(RN, "fdiv s0, s1, s2", S_M1, 0, 0)), E(DZC, 0xff800000), "fdiv s -1/0 = -inf");
    // 0/0 is invalid: the default NaN (sign 0, quiet bit only).
    CHECK_EQ(SF(FP(RN, "fdiv s0, s1, s2", 0, 0, 0)), E(IOC, 0x7fc00000), "fdiv s 0/0 default NaN");
    // sqrt(2) = 1.01101010000010011110011 00110..b: single keeps 0x3504f3 and the bits
    // dropped (0b00110..) are below half.
    CHECK_EQ(SF(FP(RN, "fsqrt s0, s1", S_2, 0, 0)), E(IXC, 0x3fb504f3), "fsqrt s 2");
    CHECK_EQ(SF(FP(RN, "fsqrt s0, s1", S_M1, 0, 0)), E(IOC, 0x7fc00000), "fsqrt s -1 invalid");

    // --- Fused multiply-add (FPMulAdd): one rounding. a = 1 + 2^-12 (0x3f800800), so
    // a*a = 1 + 2^-11 + 2^-24. Fused, a*a - (1 + 2^-11) = 2^-24 exactly (0x33800000).
    // Unfused, a*a rounds first: 2^-24 is half an ulp at 1.0, a tie, and 1 + 2^-11 has an even
    // last fraction bit, so it rounds to 1 + 2^-11 (inexact) and the difference is +0.
    CHECK_EQ(SF(FP(RN, "fmadd s0, s1, s2, s3", 0x3f800800, 0x3f800800, 0xbf801000)), E(0, 0x33800000),
             "fmadd s fused");
    CHECK_EQ(SF(FP(RN, "fmul s4, s1, s2\n\tfadd s0, s4, s3", 0x3f800800, 0x3f800800, 0xbf801000)), E(IXC, 0),
             "fmul+fadd s unfused");
    // FMSUB: d3 - d1*d2. a = 1 + 2^-27: a*a = 1 + 2^-26 + 2^-54 (2^-54 is a quarter ulp), so
    // (1 + 2^-26) - a*a = -2^-54: exponent 1023 - 54 = 0x3c9, negative: 0xbc90000000000000.
    CHECK_EQ(FP(RN, "fmsub d0, d1, d2, d3", 0x3ff0000002000000, 0x3ff0000002000000, 0x3ff0000004000000),
             0xbc90000000000000, "fmsub d fused");
    // FNMADD: -d3 - d1*d2 = -1 - 6 = -7 = -1.75 * 2^2: 0xc01c000000000000.
    CHECK_EQ(FP(RN, "fnmadd d0, d1, d2, d3", D_2, D_3, D_1), 0xc01c000000000000, "fnmadd d");
    // FNMSUB: -s3 + s1*s2 = 6 - 1 = 5 = 1.25 * 2^2: 0x40a00000.
    CHECK_EQ(SF(FP(RN, "fnmsub s0, s1, s2, s3", S_2, S_3, S_1)), E(0, 0x40a00000), "fnmsub s");
    // inf * 0 + qNaN: FPMulAdd gives the default NaN and IOC rather than the addend's NaN.
    CHECK_EQ(SF(FP(RN, "fmadd s0, s1, s2, s3", S_INF, 0, S_QNAN(0x123))), E(IOC, 0x7fc00000),
             "fmadd inf*0+qNaN default NaN");
    // NaN priority for three operands (FPProcessNaNs3): signalling before quiet, and within
    // each the addend (s3) before s1 before s2.
    CHECK_EQ(SF(FP(RN, "fmadd s0, s1, s2, s3", S_QNAN(1), S_1, S_QNAN(3))), E(0, S_QNAN(3)),
             "fmadd qNaN priority: addend first");

    // --- FNMUL is FPNeg(FPMul): -(2*3) = -6 = -1.5 * 2^2, and the negation applies to a NaN
    // result too (FPNeg flips the sign bit of anything when FPCR.AH is 0).
    CHECK_EQ(SF(FP(RN, "fnmul s0, s1, s2", S_2, S_3, 0)), E(0, 0xc0c00000), "fnmul s");
    CHECK_EQ(SF(FP(RN, "fnmul s0, s1, s2", S_INF, 0, 0)), E(IOC, 0xffc00000), "fnmul s inf*0 negated NaN");
    // FABD: |a - b|. |1 - 3| = 2.
    CHECK_EQ(SF(FP(RN, "fabd s0, s1, s2", S_1, S_3, 0)), E(0, S_2), "fabd s");
    // FNEG (like FABS) only touches the sign bit, even of a signalling NaN: no IOC, no quieting.
    CHECK_EQ(SF(FP(RN, "fneg s0, s1", S_SNAN(1), 0, 0)), E(0, 0xff800001), "fneg s sNaN untouched");

    // --- FMAX/FMIN (FPMax, FPMin): -0 < +0; a NaN operand gives a NaN.
    CHECK_EQ(PK(FP(RN, "fmax s0, s1, s2", 0x80000000, 0, 0), FP(RN, "fmin s0, s1, s2", 0, 0x80000000, 0)),
             0x8000000000000000, "fmax s -0,+0 = +0; fmin s +0,-0 = -0");
    CHECK_EQ(FP(RN, "fmax d0, d1, d2", 0x7ff8000000000123, D_1, 0), 0x7ff8000000000123, "fmax d qNaN");
    // Two NaNs (FPProcessNaNs): a signalling one wins over a quiet one and is quieted (IOC);
    // of two quiet ones the first operand wins.
    CHECK_EQ(SF(FP(RN, "fmax s0, s1, s2", S_QNAN(1), S_SNAN(2), 0)), E(IOC, S_QNAN(2)), "fmax s sNaN priority");
    CHECK_EQ(SF(FP(RN, "fmin s0, s1, s2", S_QNAN(1), S_QNAN(2), 0)), E(0, S_QNAN(1)), "fmin s first qNaN");
    // FMAXNM/FMINNM (FPMaxNum, FPMinNum): one quiet NaN loses to a number...
    CHECK_EQ(FP(RN, "fmaxnm d0, d1, d2", 0x7ff8000000000123, D_1, 0), D_1, "fmaxnm d qNaN,1 = 1");
    // ...but a signalling NaN is still quieted and returned, with IOC.
    CHECK_EQ(SF(FP(RN, "fminnm s0, s1, s2", S_1, S_SNAN(1), 0)), E(IOC, S_QNAN(1)), "fminnm s sNaN");
    CHECK_EQ(SF(FP(RN, "fminnm s0, s1, s2", 0, 0x80000000, 0)), E(0, 0x80000000), "fminnm s +0,-0 = -0");

    // --- FCMP/FCMPE (FPCompare): less N (8), equal ZC (6), greater C (2), unordered CV (3).
    // FCMP raises IOC only for a signalling NaN, FCMPE for any NaN.
    CHECK_EQ(NFR(FPF(0, "fcmp s1, s2", S_1, S_2)), NF(0, N_), "fcmp s less");
    CHECK_EQ(NFR(FPF(0, "fcmp s1, #0.0", 0x80000000, 0)), NF(0, Z_ | C_), "fcmp s -0, #0.0");
    CHECK_EQ(NFR(FPF(0, "fcmp s1, s2", S_1, S_QNAN(0))), NF(0, C_ | V_), "fcmp s qNaN unordered, no IOC");
    CHECK_EQ(NFR(FPF(0, "fcmpe s1, s2", S_1, S_QNAN(0))), NF(IOC, C_ | V_), "fcmpe s qNaN IOC");
    // FCCMP/FCCMPE: compare if the condition holds, else NZCV = #imm (and no comparison, so no
    // IOC from FCCMPE).
    CHECK_EQ(NFR(FPF(Z_, "fccmp s1, s2, #0xf, eq", S_1, S_2)), NF(0, N_), "fccmp true: compares");
    CHECK_EQ(NFR(FPF(Z_, "fccmpe d1, d2, #0, eq", D_1, 0x7ff8000000000000)), NF(IOC, C_ | V_),
             "fccmpe true qNaN IOC");
    CHECK_EQ(NFR(FPF(0, "fccmpe d1, d2, #0xa, eq", D_1, 0x7ff8000000000000)), NF(0, 0xa),
             "fccmpe false: no compare, no IOC");
    // FCSEL after FCMP. Unordered is CV: LT (N != V) holds (GE does not), so FCSEL picks d1.
    CHECK_EQ(FP(RN, "fcmp d1, d2\n\tfcsel d0, d1, d2, lt", D_1, 0x7ff8000000000000, 0), D_1,
             "fcsel d lt after unordered");

    // --- FMOV. Immediates (VFPExpandImm): 0.125 = 2^-3: exponent 124, 0x3e000000;
    // -31.0 = -1.9375 * 2^4: exponent 1027 (0x403), fraction 0xf << 48: 0xc03f000000000000.
    // Writing S clears the rest of the register.
    CHECK_EQ(FP(RN, "fmov d0, x11\n\tfmov s0, #0.125", ~0ull, 0, 0), 0x3e000000, "fmov s #0.125");
    CHECK_EQ(FP(RN, "fmov d0, #-31.0", 0, 0, 0), 0xc03f000000000000, "fmov d #-31.0");

    // --- Precision conversions (FCVT: FPConvert, FPRoundCV).
    // 0.1 (double): significand 0x1999999999999a; the top 24 bits are 0xcccccc and the 29 bits
    // dropped start 0b1100.., above half: 0xcccccd, exponent 123: 0x3dcccccd, inexact.
    CHECK_EQ(SF(FP(RN, "fcvt s0, d1", 0x3fb999999999999a, 0, 0)), E(IXC, 0x3dcccccd), "fcvt s, d 0.1");
    // Half: 65504 is the largest normal; 65520 (0x477ff000) lies exactly half-way to 2^16 and
    // rounds to even, 2^16, which overflows: +inf (0x7c00), OFC and IXC.
    CHECK_EQ(SF(FP(RN, "fcvt h0, s1", 0x477ff000, 0, 0)), E(OFC | IXC, 0x7c00), "fcvt h, s overflow");
    // FPCR.AHP: no infinity or NaN, exponent 31 is a normal exponent (max 131008). 65520 now
    // rounds to 2^16 = 0x7c00 without overflow; 1e6 (0x49742400) is too big and saturates to
    // 0x7fff with IOC and no IXC; a NaN becomes zero with IOC.
    CHECK_EQ(SF(FP(AHP, "fcvt h0, s1", 0x477ff000, 0, 0)), E(IXC, 0x7c00), "fcvt h, s AHP 65520");
    CHECK_EQ(SF(FP(AHP, "fcvt h0, s1", 0x49742400, 0, 0)), E(IOC, 0x7fff), "fcvt h, s AHP saturates");
    CHECK_EQ(SF(FP(AHP, "fcvt h0, s1", S_QNAN(0), 0, 0)), E(IOC, 0), "fcvt h, s AHP NaN = 0");
    CHECK_EQ(SF(FP(RN, "fcvt s0, h1", 0x7c00, 0, 0)), E(0, S_INF), "fcvt s, h inf");
    CHECK_EQ(SF(FP(AHP, "fcvt s0, h1", 0x7c00, 0, 0)), E(0, 0x47800000), "fcvt s, h AHP 0x7c00 = 65536");
    // The smallest half denormal is 2^-24: exponent 103, 0x33800000.
    CHECK_EQ(SF(FP(RN, "fcvt s0, h1", 0x0001, 0, 0)), E(0, 0x33800000), "fcvt s, h denormal");
    // A half sNaN is quieted; its fraction moves to the top of the double's (<< 42).
    CHECK_EQ(FP(RN, "fcvt d0, h1", 0x7c01, 0, 0), 0x7ff8040000000000, "fcvt d, h sNaN quieted");
    // Double to half rounds once: 1 + 2^-11 + 2^-40 is above the half-way point 1 + 2^-11, so
    // it rounds up to 1 + 2^-10 (0x3c01). Through single it would round twice and end at 1.0.
    CHECK_EQ(SF(FP(RN, "fcvt h0, d1", 0x3ff0020000001000, 0, 0)), E(IXC, 0x3c01), "fcvt h, d one rounding");
    // FCVTXN rounds to odd: 1 + 2^-24 is a tie that FCVT (nearest even) takes to 1.0, and
    // round to odd takes to 1 + 2^-23 (0x3f800001).
    CHECK_EQ(SF(FP(RN, "fcvt s0, d1", 0x3ff0000010000000, 0, 0)), E(IXC, S_1), "fcvt s, d tie to even");
    CHECK_EQ(SF(FP(RN, "fcvtxn s0, d1", 0x3ff0000010000000, 0, 0)), E(IXC, 0x3f800001), "fcvtxn round to odd");

    // --- To integer (FPToFixed): round, then saturate; saturation or NaN is IOC (not IXC),
    // otherwise an inexact result is IXC. A W result zero-extends into X.
    CHECK_EQ(SF(FPG(0, "fcvtzs w10, s1", 0xc039999a, 0)), E(IXC, 0xfffffffe), "fcvtzs w -2.9 = -2");
    CHECK_EQ(SF(FPG(0, "fcvtzs w10, s1", 0x4f32d05e, 0)), E(IOC, 0x7fffffff), "fcvtzs w 3e9 saturates");
    CHECK_EQ(SF(FPG(0, "fcvtzs w10, s1", S_QNAN(0), 0)), E(IOC, 0), "fcvtzs w NaN = 0");
    // -2147483649.0 (0xc1e0000000200000) is below INT32_MIN: saturates with IOC.
    CHECK_EQ(SF(FPG(0, "fcvtzs w10, d1", 0xc1e0000000200000, 0)), E(IOC, 0x80000000), "fcvtzs w, d -2^31-1");
    // Unsigned: -0.5 truncates to 0, which fits (IXC); -1.0 saturates to 0 (IOC).
    CHECK_EQ(SF(FPG(0, "fcvtzu w10, s1", 0xbf000000, 0)), E(IXC, 0), "fcvtzu -0.5 = 0 inexact");
    CHECK_EQ(SF(FPG(0, "fcvtzu w10, s1", S_M1, 0)), E(IOC, 0), "fcvtzu -1 saturates");
    // Fixed point: 1.5 * 2^8 = 384.
    CHECK_EQ(SF(FPG(0, "fcvtzs w10, s1, #8", 0x3fc00000, 0)), E(0, 384), "fcvtzs w, s, #8");
    // The rounding of each FCVT*S/U on 2.5, -2.5, 3.5, -0.5, low bytes packed.
    // N (ties to even): 2, -2, 4, -0.
    CHECK_EQ(CVT4("fcvtns w10, s1", 0x40200000, 0xc0200000, 0x40600000, 0xbf000000), 0x0004fe02, "fcvtns ties");
    // A (ties away): 3, -3, 4, -1.
    CHECK_EQ(CVT4("fcvtas x10, d1", 0x4004000000000000, 0xc004000000000000, 0x400c000000000000,
                  0xbfe0000000000000),
             0xff04fd03, "fcvtas ties");
    // M (floor): 2, -3, 3, -1.
    CHECK_EQ(CVT4("fcvtms x10, s1", 0x40200000, 0xc0200000, 0x40600000, 0xbf000000), 0xff03fd02, "fcvtms");
    // P (ceiling): 3, -2, 4, -0.
    CHECK_EQ(CVT4("fcvtps w10, d1", 0x4004000000000000, 0xc004000000000000, 0x400c000000000000,
                  0xbfe0000000000000),
             0x0004fe03, "fcvtps");

    // --- From integer (FixedToFP). 2^24 + 1 needs 25 bits: a tie, to even 2^24 (0x4b800000).
    CHECK_EQ(SF(FP(RN, "scvtf s0, w11", 16777217, 0, 0)), E(IXC, 0x4b800000), "scvtf s tie");
    // Under RZ, 2^24 + 3 truncates to 2^24 + 2 (0x4b800001; RN would take the tie to the
    // even 2^24 + 4).
    CHECK_EQ(SF(FP(RZ, "scvtf s0, w11", 16777219, 0, 0)), E(IXC, 0x4b800001), "scvtf s RZ");
    // 0xffffffff unsigned rounds up to 2^32 (0x4f800000).
    CHECK_EQ(SF(FP(RN, "ucvtf s0, w11", 0xffffffff, 0, 0)), E(IXC, 0x4f800000), "ucvtf s 2^32-1");
    // Fixed point: 0xffff8000 / 2^16 = -0.5.
    CHECK_EQ(FP(RN, "scvtf d0, w11, #16", 0xffff8000, 0, 0), 0xbfe0000000000000, "scvtf d, w, #16");

    // --- Round to integral (FPRoundInt), on 2.5 (low) and -0.5 (high); the sign of a zero
    // result is the input's. Only FRINTX raises IXC.
    CHECK_EQ(PAIR(RN, "frintn s0, s1", 0x40200000, 0xbf000000), 0x8000000040000000, "frintn 2, -0");
    CHECK_EQ(PAIR(RN, "frinta s0, s1", 0x40200000, 0xbf000000), 0xbf80000040400000, "frinta 3, -1");
    CHECK_EQ(PAIR(RN, "frintp s0, s1", 0x40200000, 0xbf000000), 0x8000000040400000, "frintp 3, -0");
    CHECK_EQ(PAIR(RN, "frintm s0, s1", 0x40200000, 0xbf000000), 0xbf80000040000000, "frintm 2, -1");
    // FRINTI and FRINTX follow FPCR.RMode.
    CHECK_EQ(PAIR(RP, "frinti s0, s1", 0x40200000, 0xbf000000), 0x8000000040400000, "frinti under RP");
    CHECK_EQ(SF(FP(RM, "frintx s0, s1", 0x40200000, 0, 0)), E(IXC, 0x40000000), "frintx under RM, IXC");
    // 2^52 - 0.5 (0x432fffffffffffff) is a tie between the odd 2^52 - 1 and the even 2^52.
    CHECK_EQ(FP(RN, "frintn d0, d1", 0x432fffffffffffff, 0, 0), 0x4330000000000000, "frintn d 2^52-0.5");

    // --- Reciprocal step and estimates. FRECPS is 2 - a*b, and 2.0 for inf * 0, without IOC.
    CHECK_EQ(SF(FP(RN, "frecps s0, s1, s2", S_INF, 0, 0)), E(0, S_2), "frecps s inf*0 = 2");
    // FRECPE(2.0) (FPRecipEstimate): exponent 128, scaled = 256 (fraction 0), result exponent
    // 253 - 128 = 125; RecipEstimate(256): a = 513, b = 2^19 / 513 = 1022, r = (1022+1)/2 = 511
    // = 0x1ff, whose low 8 bits become the fraction's top: 0x3e800000 | 0xff << 15 = 0x3eff8000.
    CHECK_EQ(SF(FP(RN, "frecpe s0, s1", S_2, 0, 0)), E(0, 0x3eff8000), "frecpe s 2");
    // FRSQRTE(4.0): exponent 129 is odd, scaled = 0b01:fraction<51:45> = 128, result exponent
    // (380 - 129) / 2 = 125; RecipSqrtEstimate(128): a = 257, the largest b with
    // 257*(b+1)^2 < 2^28 is 1022 (257 * 1023^2 > 2^28), r = 1023 / 2 = 511: 0x3eff8000.
    CHECK_EQ(SF(FP(RN, "frsqrte s0, s1", 0x40800000, 0, 0)), E(0, 0x3eff8000), "frsqrte s 4");

    // --- FPSR flags and FPCR modes.
    // 2^-100 squared is 2^-200, far below the smallest denormal 2^-149: +0, UFC and IXC.
    CHECK_EQ(SF(FP(RN, "fmul s0, s1, s2", 0x0d800000, 0x0d800000, 0)), E(UFC | IXC, 0), "fmul s underflow");
    // 2^-63 * 2^-67 = 2^-130 = 2^19 * 2^-149 is an exact denormal (0x00080000): no UFC,
    // which needs an inexact tiny result when underflow is not trapped.
    CHECK_EQ(SF(FP(RN, "fmul s0, s1, s2", 0x20000000, 0x1e000000, 0)), E(0, 0x00080000), "fmul s exact denormal");
    // (1 - 2^-13) * (1 + 2^-13) * 2^-126 = (1 - 2^-26) * 2^-126 rounds up to the smallest
    // normal 0x00800000. Arm detects tininess before rounding, so UFC is set (after-rounding
    // detection would see 2^-126 and raise IXC alone).
    CHECK_EQ(SF(FP(RN, "fmul s0, s1, s2", 0x3f7ff800, 0x00800400, 0)), E(UFC | IXC, 0x00800000),
             "fmul s tiny before rounding");
    // FZ flushes a result that is tiny before rounding to +0, with UFC only.
    CHECK_EQ(SF(FP(FZ, "fmul s0, s1, s2", 0x3f7ff800, 0x00800400, 0)), E(UFC, 0), "fmul s FZ flushes output");
    // FZ flushes a denormal input to zero with IDC: 1 + 2^-149 is then exactly 1 (without FZ
    // it would round to 1.0 with IXC).
    CHECK_EQ(SF(FP(FZ, "fadd s0, s1, s2", S_1, 0x00000001, 0)), E(IDC, S_1), "fadd s FZ input IDC");
    // Double: 2^-1074 * 2^1000 would be 2^-74; with FZ the input is 0.
    CHECK_EQ(FP(FZ, "fmul d0, d1, d2", 1, 0x7e70000000000000, 0) | fpsr, IDC, "fmul d FZ input IDC");
    // NaN propagation: a quiet NaN keeps its payload; a signalling NaN is quieted (IOC);
    // FPCR.DN replaces either by the default NaN.
    CHECK_EQ(SF(FP(RN, "fadd s0, s1, s2", S_1, S_SNAN(0x12345), 0)), E(IOC, S_QNAN(0x12345)), "fadd s sNaN quieted");
    CHECK_EQ(SF(FP(DN, "fadd s0, s1, s2", S_QNAN(0x12345), S_1, 0)), E(0, 0x7fc00000), "fadd s DN");
    // Rounding modes on 1/3 (low) and -1/3 (high): 1/3 is 0x3eaaaaaa + 2/3 ulp.
    CHECK_EQ(FP(RN, "fdiv s0, s1, s2\n\tfneg s1, s1\n\tfdiv s4, s1, s2\n\tmov v0.s[1], v4.s[0]", S_1, S_3, 0),
             0xbeaaaaab3eaaaaab, "fdiv 1/3 RN");
    CHECK_EQ(FP(RP, "fdiv s0, s1, s2\n\tfneg s1, s1\n\tfdiv s4, s1, s2\n\tmov v0.s[1], v4.s[0]", S_1, S_3, 0),
             0xbeaaaaaa3eaaaaab, "fdiv 1/3 RP");
    CHECK_EQ(FP(RM, "fdiv s0, s1, s2\n\tfneg s1, s1\n\tfdiv s4, s1, s2\n\tmov v0.s[1], v4.s[0]", S_1, S_3, 0),
             0xbeaaaaab3eaaaaaa, "fdiv 1/3 RM");
    CHECK_EQ(FP(RZ, "fdiv s0, s1, s2\n\tfneg s1, s1\n\tfdiv s4, s1, s2\n\tmov v0.s[1], v4.s[0]", S_1, S_3, 0),
             0xbeaaaaaa3eaaaaaa, "fdiv 1/3 RZ");
    // Overflow gives infinity only when rounding away from zero; otherwise the largest normal.
    CHECK_EQ(SF(FP(RZ, "fmul s0, s1, s2", S_MAX, S_2, 0)), E(OFC | IXC, S_MAX), "fmul s overflow RZ");
    CHECK_EQ(FP(RM, "fmul s0, s1, s2\n\tfneg s1, s1\n\tfmul s4, s1, s2\n\tmov v0.s[1], v4.s[0]", S_MAX, S_2, 0),
             0xff8000007f7fffff, "fmul s overflow RM +max, -inf");
    // The flags accumulate until cleared: DZC, then UFC|IXC, then an exact subtraction.
    CHECK_EQ(SF(FP(RN, "fdiv s4, s1, s2\n\tfmul s5, s3, s3\n\tfsub s0, s1, s1", S_1, 0, 0x0d800000)),
             E(DZC | UFC | IXC, 0), "FPSR flags accumulate");
    // FPSR's writable AArch64 bits: QC, IDC, IXC, UFC, OFC, DZC, IOC (bits 31:28 hold
    // AArch32's NZCV and are left out).
    CHECK_EQ(OP1("msr fpsr, %1\n\tmrs %0, fpsr\n\tmsr fpsr, xzr", 0xffffffff) & 0x0fffffff, QC | 0x9f,
             "FPSR writable bits");

    // --- SIMD&FP loads and stores (C6.2 LDR/STR (SIMD&FP)); mem is 16-byte aligned.
    mem[0] = 0x0706050403020100;
    mem[1] = 0x0f0e0d0c0b0a0908;
    // A Q load and store moves both halves: the copy at mem[2..3], its high half against its
    // low half rotated by 32.
    CHECK_EQ(FPG(0, "ldr q4, [x11]\n\tstr q4, [x11, #32]\n\tldr x10, [x11, #40]\n\tldr x12, [x11, #32]\n\t"
                    "eor x10, x10, x12, ror #32", mem, 0),
             0x0f0e0d0c0b0a0908 ^ 0x0302010007060504, "ldr/str q");
    // A B load zero-extends into the whole register.
    CHECK_EQ(FPG(0, "ldr d4, [x11]\n\tldr b4, [x11, #11]\n\tfmov x10, d4", mem, 0), 0x0b, "ldr b zero-extends");
    // Pre-index writeback (8, in the top byte) and a pair of S registers (the second one).
    CHECK_EQ(FPG(0, "mov x12, x11\n\tldr d4, [x12, #8]!\n\tldp s5, s6, [x12, #-8]\n\tsub x12, x12, x11\n\t"
                    "fmov w10, s6\n\teor x10, x10, x12, lsl #56\n\tfmov x12, d4\n\teor x10, x10, x12", mem, 0),
             0x0f0e0d0c0b0a0908 ^ 0x07060504 ^ (8ull << 56), "ldr d pre-index, ldp s");
    return 0;
}
