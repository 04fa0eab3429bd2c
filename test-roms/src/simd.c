// Advanced SIMD, Arm ARM DDI 0487 C4.1.96 "Data processing - Scalar Floating-Point and
// Advanced SIMD" and C4.1.88 (the structure loads and stores); C7.2 for each instruction.
//
// Part A: loops that GCC 12 auto-vectorises at -O3 (built with -march=armv8-a+crc+simd; the
// vector instructions each one compiles to, as read from `aarch64-linux-gnu-objdump -d`, are
// named next to it), each compared with the same loop in a reference function that cannot
// use SIMD. Part B: arm_neon.h intrinsics, each compared with a plain C model of the
// instruction written from its pseudocode. Each check's name gives the instruction it must
// reach; where GCC 12 compiles an intrinsic to something else (vld1q_dup_u32 to LDR+DUP,
// vst1q_lane_u32 to STR S, vaddd_u64/vshld_n_u64/vshrd_n_u64 to general-register ADD/LSL/
// LSR) the instruction is written in inline assembly instead, as are the vector immediates.
//
// The references are independent of the code under test: integer references are compiled
// with target("general-regs-only"), so they cannot touch a V register at all; float
// references are scalar code compiled without the vectoriser (they use the scalar FP
// instructions that the fp ROM checks against hand-worked values), and where the operation
// is a bit manipulation (conversions, compares, FMAXNM, estimates) the reference works on
// the bit patterns in general registers. Every reference is noipa, so the compiler cannot
// inline it into (or specialise it against) the code under test; intrinsic inputs come from
// memory filled at run time, so nothing is constant-folded.
//
// Each check runs an operation over NV input vectors (the first few hold edge values:
// saturation limits, signed zeros, NaNs, out-of-range floats; the rest are pseudo-random)
// and compares the whole output buffer with the reference's; a mismatch reports the first
// differing doubleword. Before each check the output buffer is poisoned with a different
// pattern from the reference buffer, so a missing store cannot pass.
#include <arm_neon.h>

#include "rt.h"

typedef int8_t i8;
typedef int16_t i16;
typedef int32_t i32;

// Reference functions: no SIMD registers (integer) / no vectoriser (float); never inlined.
#define GR __attribute__((target("general-regs-only")))
#define REF __attribute__((noipa, target("general-regs-only")))
#define FREF __attribute__((noipa, optimize("no-tree-vectorize")))
// Code under test that must stay a separate function (to read its disassembly).
#define VEC __attribute__((noipa))

// ---------------------------------------------------------------------------------------
// Input data. data: 64 integer vectors of 16 bytes (the tests read vectors k .. k + 4, and
// the structure loads up to 48 bytes at 48 * k); fdata: NV float vectors. Vector k is
// paired with vector k ^ 1.
#define NV 16
#define V(k) (data + 16 * (k))
#define F(k) (fdata + 4 * (k))
u8 data[1024] __attribute__((aligned(16)));
u32 fdata[4 * NV] __attribute__((aligned(16)));
u32 sfdata[4 * NV] __attribute__((aligned(16)));  // floats with small integer values
// Output of the code under test and of the reference.
u8 out[1024] __attribute__((aligned(16)));
u8 ref[1024] __attribute__((aligned(16)));

static u64 lcg_state = 0x0123456789abcdefull;
GR static u32 rnd(void) {
    lcg_state = lcg_state * 6364136223846793005ull + 1442695040888963407ull;  // Knuth MMIX
    return (u32)(lcg_state >> 32);
}

// Edge vectors: 0-1 bytes (signed saturation), 2-3 halfwords, 4-5 words; 6.. random.
static const u8 edge8[32] = {0x7f, 0x80, 0x7f, 0x80, 0x00, 0xff, 0x01, 0x40, 0xc0, 0x7e, 0x81,
                             0x3f, 0xc1, 0x55, 0xaa, 0xf0, 0x01, 0xff, 0x7f, 0x80, 0x80, 0x80,
                             0x7f, 0x40, 0xc0, 0x02, 0xfe, 0x41, 0xbf, 0xaa, 0x55, 0x0f};
static const u16 edge16[16] = {0x8000, 0x7fff, 0x8000, 0xffff, 0x0001, 0x4000, 0xc000, 0x8001,
                               0x8000, 0x7fff, 0x7fff, 0xffff, 0x8000, 0x4000, 0x4000, 0xffff};
static const u32 edge32[8] = {0x80000000, 0x7fffffff, 0xffffffff, 0x40000000,
                              0x80000000, 0x7fffffff, 0x80000000, 0x40000001};
// Float edges (single-precision bit patterns), vectors 0-5 of fdata. Paired lanes (vector k
// against k ^ 1) meet: +0/-0 both ways, qNaN/1.0, sNaN/2.0, inf/qNaN, -inf/1.5,
// 3e9/-3e9, -2.5/inf, 2^31/-2^31, 1 - 2^-24, -0.5, -qNaN/2147483520, -1, smallest denormal.
static const u32 fedge[24] = {
    0x00000000, 0x80000000, 0x7fc00001, 0x7f800002,  // +0, -0, qNaN, sNaN
    0x80000000, 0x00000000, 0x3f800000, 0x40000000,  // -0, +0, 1.0, 2.0
    0x7f800000, 0xff800000, 0x4f32d05e, 0xc0200000,  // inf, -inf, 3e9, -2.5
    0x7fc00003, 0x3fc00000, 0xcf32d05e, 0x7f800000,  // qNaN, 1.5, -3e9, inf
    0x4f000000, 0xcf000000, 0x3f7fffff, 0xbf000000,  // 2^31, -2^31, 1 - 2^-24, -0.5
    0xffc00000, 0x4effffff, 0xbf800000, 0x00000001,  // -qNaN, 2147483520, -1.0, 2^-149
};

// u32 to single precision, rounding to nearest even (FixedToFP), in general registers.
GR static u32 u32_to_f32(u32 v) {
    if (v == 0) return 0;
    int msb = 31 - __builtin_clz(v);
    if (msb <= 23) return (u32)(msb + 127) << 23 | ((v << (23 - msb)) & 0x7fffff);
    int sh = msb - 23;
    u32 m = v >> sh, rem = v & ((1u << sh) - 1), half = 1u << (sh - 1);
    if (rem > half || (rem == half && (m & 1))) m++;
    if (m == 0x1000000) {
        m >>= 1;
        msb++;
    }
    return (u32)(msb + 127) << 23 | (m & 0x7fffff);
}

REF static void fill(void) {
    for (int i = 0; i < 32; i++) data[i] = edge8[i];
    for (int i = 0; i < 16; i++) ((u16 *)V(2))[i] = edge16[i];
    for (int i = 0; i < 8; i++) ((u32 *)V(4))[i] = edge32[i];
    for (int i = 96; i < (int)sizeof(data); i++) data[i] = (u8)(rnd() >> 24);
    for (int i = 0; i < 24; i++) fdata[i] = fedge[i];
    // Random floats of either sign from 2^-15 to 2^33: fractions, integers, out of range.
    for (int i = 24; i < 4 * NV; i++) fdata[i] = (rnd() & 0x807fffff) | (112 + rnd() % 48) << 23;
    // Small integers -128..127 as floats: products and sums of three are exact.
    for (int i = 0; i < 4 * NV; i++) {
        u32 r = rnd() >> 24;
        sfdata[i] = r & 0x80 ? 0x80000000 | u32_to_f32(r & 0x7f) : u32_to_f32(r);
    }
}

// Fills out and ref with different patterns, so that a missing store cannot pass.
REF static void poison(void) {
    for (int j = 0; j < (int)sizeof(out); j++) {
        out[j] = 0x5a;
        ref[j] = 0xa5;
    }
}

// Compares `n` bytes of out and ref as doublewords (one check: the first difference or a
// pass), then poisons both buffers for the next check.
REF static void check_out(int n, const char *name) {
    const u64 *g = (const u64 *)out, *w = (const u64 *)ref;
    int i = 0;
    while (i < n / 8 - 1 && g[i] == w[i]) i++;
    rt_check_eq(g[i], w[i], name);
    poison();
}

// The code under test: `expr` over vectors a = k, b = k ^ 1, c = k + 2 (loaded with LD as
// type T), stored with ST at 16 bytes per k.
#define RUN(T, LD, ST, expr)                                                                        \
    for (int k = 0; k < NV; k++) {                                                                \
        T a = LD((const void *)V(k)), b = LD((const void *)V(k ^ 1)), c = LD((const void *)V(k + 2)); \
        (void)a, (void)b, (void)c;                                                                \
        ST((void *)(out + 16 * k), expr);                                                         \
    }
#define FRUN(expr)                                                                                 \
    for (int k = 0; k < NV; k++) {                                                                \
        float32x4_t a = vld1q_f32((const float *)F(k)), b = vld1q_f32((const float *)F(k ^ 1));   \
        (void)b;                                                                                  \
        vst1q_u32((u32 *)(out + 16 * k), vreinterpretq_u32_f32(expr));                            \
    }
// The reference: `expr` for lane i of vectors a, b, c of element type T into r (type RT).
#define REF_LANES(name, T, RT, n, expr)                                                            \
    REF static void name(void) {                                                                  \
        for (int k = 0; k < NV; k++) {                                                            \
            const T *a = (const T *)V(k), *b = (const T *)V(k ^ 1), *c = (const T *)V(k + 2);     \
            RT *r = (RT *)(ref + 16 * k);                                                         \
            (void)a, (void)b, (void)c;                                                            \
            for (int i = 0; i < (n); i++) r[i] = (RT)(expr);                                      \
        }                                                                                         \
    }
#define REF_FLANES(name, expr)                                                                     \
    REF static void name(void) {                                                                  \
        for (int k = 0; k < NV; k++) {                                                            \
            const u32 *a = F(k), *b = F(k ^ 1);                                                   \
            u32 *r = (u32 *)(ref + 16 * k);                                                       \
            (void)b;                                                                              \
            for (int i = 0; i < 4; i++) r[i] = (expr);                                            \
        }                                                                                         \
    }

GR static i64 sat(i64 v, i64 lo, i64 hi) { return v < lo ? lo : v > hi ? hi : v; }
GR static i64 abs64(i64 v) { return v < 0 ? -v : v; }

// ---------------------------------------------------------------------------------------
// Part A: auto-vectorised loops. N is not a multiple of the vector length, so the loops
// also have a scalar or 64-bit tail.
#define N 100
u8 a8[N] __attribute__((aligned(16))), b8[N] __attribute__((aligned(16)));
u8 r8[N] __attribute__((aligned(16))), q8[N] __attribute__((aligned(16)));
u16 a16[N] __attribute__((aligned(16))), b16[N] __attribute__((aligned(16)));
u16 r16[N] __attribute__((aligned(16))), q16[N] __attribute__((aligned(16)));
i32 a32[N] __attribute__((aligned(16))), b32[N] __attribute__((aligned(16)));
i32 r32[N] __attribute__((aligned(16))), s32[N] __attribute__((aligned(16)));
i32 q32[N] __attribute__((aligned(16))), t32[N] __attribute__((aligned(16)));
float af[N] __attribute__((aligned(16))), bf[N] __attribute__((aligned(16)));
float cf[N] __attribute__((aligned(16))), rf[N] __attribute__((aligned(16)));
float sf[N] __attribute__((aligned(16))), qf[N] __attribute__((aligned(16)));
float tf[N] __attribute__((aligned(16)));

REF static void fill_loops(void) {
    for (int i = 0; i < N; i++) {
        a8[i] = (u8)rnd();
        b8[i] = (u8)(rnd() >> 8);
        a16[i] = (u16)rnd();
        b16[i] = (u16)(rnd() >> 16);
        a32[i] = (i32)rnd();
        b32[i] = (i32)rnd();
    }
}
// Floats: multiples of 1/64 in about -512..512, integers, a few equal pairs for the compare.
FREF static void fill_floats(void) {
    for (int i = 0; i < N; i++) {
        af[i] = (float)(i16)rnd() / 64.0f;
        bf[i] = i % 7 == 0 ? af[i] : (float)(i16)rnd() / 64.0f;
        cf[i] = (float)(i32)(rnd() >> 8) * 0.25f;
    }
}

// add v.16b (GCC does the 4-byte tail in a general register, SWAR style)
VEC static void vec_add_u8(void) {
    for (int i = 0; i < N; i++) r8[i] = a8[i] + b8[i];
}
REF static void ref_add_u8(void) {
    for (int i = 0; i < N; i++) q8[i] = a8[i] + b8[i];
}
// mul v.8h
VEC static void vec_mul_u16(void) {
    for (int i = 0; i < N; i++) r16[i] = a16[i] * b16[i];
}
REF static void ref_mul_u16(void) {
    for (int i = 0; i < N; i++) q16[i] = a16[i] * b16[i];
}
// smin v.4s, smax v.4s
VEC static void vec_minmax_i32(void) {
    for (int i = 0; i < N; i++) {
        r32[i] = a32[i] < b32[i] ? a32[i] : b32[i];
        s32[i] = a32[i] > b32[i] ? a32[i] : b32[i];
    }
}
REF static void ref_minmax_i32(void) {
    for (int i = 0; i < N; i++) {
        q32[i] = a32[i] < b32[i] ? a32[i] : b32[i];
        t32[i] = a32[i] > b32[i] ? a32[i] : b32[i];
    }
}
// neg v.4s + sshl v.4s (a right shift by a variable amount is SSHL by its negation)
VEC static void vec_asr_i32(void) {
    for (int i = 0; i < N; i++) r32[i] = a32[i] >> (b32[i] & 31);
}
REF static void ref_asr_i32(void) {
    for (int i = 0; i < N; i++) q32[i] = a32[i] >> (b32[i] & 31);
}
// Sum of absolute differences: uabdl2 + uabal v.8h, uadalp v.4s, addv
VEC static u32 vec_sad_u8(void) {
    u32 sum = 0;
    for (int i = 0; i < N; i++) sum += (u32)__builtin_abs((int)a8[i] - (int)b8[i]);
    return sum;
}
REF static u32 ref_sad_u8(void) {
    u32 sum = 0;
    for (int i = 0; i < N; i++) sum += (u32)__builtin_abs((int)a8[i] - (int)b8[i]);
    return sum;
}
// Dot product: smull2, smlal, smlal2 v.4s, addv
VEC static i32 vec_dot_i16(void) {
    i32 sum = 0;
    for (int i = 0; i < N; i++) sum += (i32)(i16)a16[i] * (i16)b16[i];
    return sum;
}
REF static i32 ref_dot_i16(void) {
    i32 sum = 0;
    for (int i = 0; i < N; i++) sum += (i32)(i16)a16[i] * (i16)b16[i];
    return sum;
}
// fmul v.4s + fadd v.4s (no FMLA: -ffp-contract=off); fcmgt v.4s + bsl/bif
VEC static void vec_float(void) {
    for (int i = 0; i < N; i++) {
        rf[i] = af[i] * bf[i] + cf[i];
        sf[i] = af[i] > bf[i] ? af[i] : cf[i];
    }
}
FREF static void ref_float(void) {
    for (int i = 0; i < N; i++) {
        qf[i] = af[i] * bf[i] + cf[i];
        tf[i] = af[i] > bf[i] ? af[i] : cf[i];
    }
}
// fmul v.4s, fcvtzs v.4s; scvtf v.4s
VEC static void vec_cvt(void) {
    for (int i = 0; i < N; i++) {
        r32[i] = (i32)(cf[i] * 0.5f);
        rf[i] = (float)a32[i];
    }
}
FREF static void ref_cvt(void) {
    for (int i = 0; i < N; i++) {
        q32[i] = (i32)(cf[i] * 0.5f);
        qf[i] = (float)a32[i];
    }
}

// Compares two arrays of n bytes as doublewords (one check).
REF static void check_arrays(const void *got, const void *want, int n, const char *name) {
    const u64 *g = got, *w = want;
    int i = 0;
    while (i < n / 8 - 1 && g[i] == w[i]) i++;
    rt_check_eq(g[i], w[i], name);
}

static void part_a(void) {
    fill_loops();
    fill_floats();
    vec_add_u8();
    ref_add_u8();
    check_arrays(r8, q8, N, "loop u8 add");
    vec_mul_u16();
    ref_mul_u16();
    check_arrays(r16, q16, 2 * N, "loop u16 mul");
    vec_minmax_i32();
    ref_minmax_i32();
    check_arrays(r32, q32, 4 * N, "loop i32 min");
    check_arrays(s32, t32, 4 * N, "loop i32 max");
    vec_asr_i32();
    ref_asr_i32();
    check_arrays(r32, q32, 4 * N, "loop i32 asr");
    CHECK_EQ(vec_sad_u8(), ref_sad_u8(), "loop u8 SAD");
    CHECK_EQ(vec_dot_i16(), ref_dot_i16(), "loop i16 dot product");
    vec_float();
    ref_float();
    check_arrays(rf, qf, 4 * N, "loop float mul-add");
    check_arrays(sf, tf, 4 * N, "loop float compare-select");
    vec_cvt();
    ref_cvt();
    check_arrays(r32, q32, 4 * N, "loop float to int");
    check_arrays(rf, qf, 4 * N, "loop int to float");
}

// ---------------------------------------------------------------------------------------
// Part B references, in the order of the checks.

// Saturating arithmetic (SQADD, UQSUB, SQDMULH, SQRDMULH).
REF_LANES(r_qadd_s8, i8, i8, 16, sat((i64)a[i] + b[i], -128, 127))
REF_LANES(r_qsub_u16, u16, u16, 8, a[i] > b[i] ? a[i] - b[i] : 0)
// SQDMULH: (2*a*b) >> 16, only -32768 * -32768 saturates.
REF_LANES(r_qdmulh_s16, i16, i16, 8, sat((2 * (i64)a[i] * b[i]) >> 16, -32768, 32767))
// SQRDMULH: (2*a*b + 2^31) >> 32 == (a*b + 2^30) >> 31.
REF_LANES(r_qrdmulh_s32, i32, i32, 4, sat(((i64)a[i] * b[i] + (1ll << 30)) >> 31, INT32_MIN, INT32_MAX))
// Rounding shift right (SRSHR #7): add 2^6 first.
REF_LANES(r_rshr_s32, i32, i32, 4, ((i64)a[i] + 64) >> 7)
// Halving adds (UHADD, SRHADD).
REF_LANES(r_hadd_u8, u8, u8, 16, ((u32)a[i] + b[i]) >> 1)
REF_LANES(r_rhadd_s16, i16, i16, 8, ((i32)a[i] + b[i] + 1) >> 1)
// SQSHL (register): the shift is the signed low byte of b; negative shifts right.
GR static i16 sqshl16(i16 a, i8 s) {
    if (s >= 0) {
        if (a == 0) return 0;
        if (s >= 16) return a < 0 ? INT16_MIN : INT16_MAX;
        return (i16)sat((i64)a << s, INT16_MIN, INT16_MAX);
    }
    return -s >= 16 ? (a < 0 ? -1 : 0) : a >> -s;
}
REF_LANES(r_qshl_s16, i16, i16, 8, sqshl16(a[i], (i8)b[i]))
// USHL (register): unsigned; shifts of 16 or more either way give 0.
GR static u16 ushl16(u16 a, i8 s) {
    if (s >= 0) return s >= 16 ? 0 : (u16)(a << s);
    return -s >= 16 ? 0 : a >> -s;
}
REF_LANES(r_ushl_u16, u16, u16, 8, ushl16(a[i], (i8)b[i]))
// Shift and accumulate / insert: USRA #5 and SLI #3.
REF_LANES(r_sra_u32, u32, u32, 4, c[i] + (a[i] >> 5))
REF_LANES(r_sli_u8, u8, u8, 16, (u8)(a[i] << 3) | (c[i] & 7))
// Narrowing: SHRN #3 of a then b; SQXTN; SQXTUN; SQRSHRN #12; ADDHN/RADDHN.
REF_LANES(r_shrn_u16, u16, u8, 16, (i < 8 ? a[i] : b[i - 8]) >> 3)
REF_LANES(r_qmovn_s32, i32, i16, 8, sat(i < 4 ? a[i] : b[i - 4], INT16_MIN, INT16_MAX))
REF_LANES(r_qmovun_s16, i16, u8, 16, sat(i < 8 ? a[i] : b[i - 8], 0, 255))
REF_LANES(r_qrshrn_s32, i32, i16, 8, sat(((i64)(i < 4 ? a[i] : b[i - 4]) + 2048) >> 12, INT16_MIN, INT16_MAX))
REF_LANES(r_addhn_u32, u32, u16, 8, i < 4 ? (u32)(a[i] + b[i]) >> 16 : (u32)(a[i - 4] + b[i - 4] + 0x8000) >> 16)
// Widening: UMULL2 (high halves), SXTL (low half), SMLAL2.
REF_LANES(r_mull_high_u8, u8, u16, 8, (u16)(a[8 + i] * b[8 + i]))
REF_LANES(r_movl_s16, i16, i32, 4, a[i])
REF static void r_mlal_high_s16(void) {
    for (int k = 0; k < NV; k++) {
        const i16 *a = (const i16 *)V(k), *b = (const i16 *)V(k ^ 1);
        const i32 *c = (const i32 *)V(k + 2);
        i32 *r = (i32 *)(ref + 16 * k);
        for (int i = 0; i < 4; i++) r[i] = (i32)((u32)c[i] + (u32)(a[4 + i] * b[4 + i]));
    }
}
// Pairwise: ADDP (a's pairs, then b's), UADALP (c as u16 accumulators), UMAXP.
REF_LANES(r_paddq_u32, u32, u32, 4, i < 2 ? a[2 * i] + a[2 * i + 1] : b[2 * i - 4] + b[2 * i - 3])
REF static void r_padal_u8(void) {
    for (int k = 0; k < NV; k++) {
        const u8 *a = V(k);
        const u16 *c = (const u16 *)V(k + 2);
        u16 *r = (u16 *)(ref + 16 * k);
        for (int i = 0; i < 8; i++) r[i] = c[i] + a[2 * i] + a[2 * i + 1];
    }
}
REF_LANES(r_pmax_u8, u8, u8, 16, i < 8 ? (a[2 * i] > a[2 * i + 1] ? a[2 * i] : a[2 * i + 1])
                                       : (b[2 * i - 16] > b[2 * i - 15] ? b[2 * i - 16] : b[2 * i - 15]))
// Across lanes: UMAXV (u8), SMINV (s16), ADDV (u32), UADDLV (u16): one 16-byte record per k.
REF static void r_across(void) {
    for (int k = 0; k < NV; k++) {
        const u8 *a8v = V(k);
        const i16 *a16v = (const i16 *)V(k);
        const u32 *a32v = (const u32 *)V(k);
        const u16 *u16v = (const u16 *)V(k);
        u32 *r = (u32 *)(ref + 16 * k);
        u32 mx = 0, add = 0, addl = 0;
        i32 mn = INT16_MAX;
        for (int i = 0; i < 16; i++) mx = a8v[i] > mx ? a8v[i] : mx;
        for (int i = 0; i < 8; i++) mn = a16v[i] < mn ? a16v[i] : mn;
        for (int i = 0; i < 4; i++) add += a32v[i];
        for (int i = 0; i < 8; i++) addl += u16v[i];
        r[0] = mx;
        r[1] = (u16)mn;
        r[2] = add;
        r[3] = addl;
    }
}
// Permutes: ZIP1 (u8), UZP2 (u16), TRN1 (u32), TRN2 (u8), EXT #5.
REF_LANES(r_zip1_u8, u8, u8, 16, i & 1 ? b[i / 2] : a[i / 2])
REF_LANES(r_uzp2_u16, u16, u16, 8, i < 4 ? a[2 * i + 1] : b[2 * i - 7])
REF_LANES(r_trn1_u32, u32, u32, 4, i & 1 ? b[i - 1] : a[i])
REF_LANES(r_trn2_u8, u8, u8, 16, i & 1 ? b[i] : a[i + 1])
REF_LANES(r_ext_u8, u8, u8, 16, i + 5 < 16 ? a[i + 5] : b[i - 11])
// Table lookups. TBL: an index past the table gives 0; TBX: leaves the destination byte.
// The tables are the vectors k, k+1.. (contiguous); indices come from vector k + 4.
REF static void r_tbl(int tbl_bytes, int mask, int tbx) {
    for (int k = 0; k < NV; k++) {
        const u8 *t = V(k), *idx = V(k + 4), *dest = V(k + 2);
        u8 *r = ref + 16 * k;
        for (int i = 0; i < 16; i++) {
            int j = idx[i] & mask;
            r[i] = j < tbl_bytes ? t[j] : tbx ? dest[i] : 0;
        }
    }
}
// Structure loads and stores: LD2 (u16), LD3 (u8), ST4 (u8), LD1R (u32), LD4 to lane 5
// (u16), ST1 from a lane.
REF static void r_ld2_u16(void) {
    for (int k = 0; k < NV; k++) {
        const u16 *p = (const u16 *)(data + 32 * k);
        u16 *r = (u16 *)(ref + 32 * k);
        for (int i = 0; i < 8; i++) {
            r[i] = p[2 * i];
            r[8 + i] = p[2 * i + 1];
        }
    }
}
REF static void r_ld3_u8(void) {
    for (int k = 0; k < NV; k++) {
        const u8 *p = data + 48 * k;
        u8 *r = ref + 48 * k;
        for (int i = 0; i < 16; i++)
            for (int j = 0; j < 3; j++) r[16 * j + i] = p[3 * i + j];
    }
}
REF static void r_st4_u8(void) {
    for (int k = 0; k < NV; k++)
        for (int i = 0; i < 16; i++)
            for (int j = 0; j < 4; j++) ref[64 * k + 4 * i + j] = V(k + j)[i];
}
REF static void r_ld1r_u32(void) {
    for (int k = 0; k < NV; k++)
        for (int i = 0; i < 4; i++) ((u32 *)(ref + 16 * k))[i] = ((const u32 *)V(k))[k & 3];
}
REF static void r_ld4_lane_u16(void) {
    for (int k = 0; k < NV; k++) {
        const u16 *p = (const u16 *)V(k + 4) + (k & 3);
        u16 *r = (u16 *)(ref + 64 * k);
        for (int i = 0; i < 32; i++) r[i] = ((const u16 *)V(k))[i];
        for (int j = 0; j < 4; j++) r[8 * j + 5] = p[j];
    }
}
REF static void r_st1_lane(void) {
    for (int k = 0; k < NV; k++) {
        u32 *r = (u32 *)(ref + 16 * k);
        for (int i = 0; i < 4; i++) r[i] = 0;
        r[k & 3] = ((const u32 *)V(k))[3];
    }
}
// Bit operations: CNT, CLZ (u32), CLS (s8), RBIT (u8), REV64 (u8), REV32 (u16), BSL, CMTST.
GR static int popcount8(u8 x) {
    int n = 0;
    for (; x; x >>= 1) n += x & 1;
    return n;
}
GR static int clz32(u32 x) {
    int n = 0;
    for (u32 m = 0x80000000; m && !(x & m); m >>= 1) n++;
    return n;
}
GR static int cls8(i8 x) {  // bits below the sign bit that equal it
    int n = 0;
    for (int bit = 6; bit >= 0 && ((x >> bit) & 1) == ((x >> 7) & 1); bit--) n++;
    return n;
}
GR static u8 rbit8(u8 x) {
    u8 r = 0;
    for (int i = 0; i < 8; i++) r |= ((x >> i) & 1) << (7 - i);
    return r;
}
REF_LANES(r_cnt, u8, u8, 16, popcount8(a[i]))
REF_LANES(r_clz_u32, u32, u32, 4, clz32(a[i]))
REF_LANES(r_cls_s8, i8, u8, 16, cls8(a[i]))
REF_LANES(r_rbit, u8, u8, 16, rbit8(a[i]))
REF_LANES(r_rev64_u8, u8, u8, 16, a[(i & 8) | (7 - (i & 7))])
REF_LANES(r_rev32_u16, u16, u16, 8, a[i ^ 1])
REF_LANES(r_bsl, u8, u8, 16, (c[i] & a[i]) | (~c[i] & b[i]))
REF_LANES(r_tst, u8, u8, 16, (a[i] & b[i]) ? 0xff : 0)
// Absolute difference (SABD, UABA), saturating absolute/negate (SQABS, SQNEG).
REF_LANES(r_abd_s8, i8, u8, 16, abs64((i64)a[i] - b[i]))
REF_LANES(r_aba_u16, u16, u16, 8, c[i] + abs64((i64)a[i] - b[i]))
REF_LANES(r_qabs_s16, i16, i16, 8, sat(abs64(a[i]), INT16_MIN, INT16_MAX))
REF_LANES(r_qneg_s8, i8, i8, 16, sat(-(i64)a[i], -128, 127))
// Multiplies: MLA by element (b's lane 3), MUL by element (b's lane 6) then by a scalar
// (k - 3), PMUL (polynomial, u8).
REF_LANES(r_mla_lane_s32, u32, u32, 4, c[i] + a[i] * b[3])
REF_LANES(r_mul_n_s16, i16, i16, 8, (u16)(a[i] * b[6] * (k - 3)))
GR static u8 pmul8(u8 a, u8 b) {
    u8 r = 0;
    for (int i = 0; i < 8; i++)
        if (b & (1 << i)) r ^= (u8)(a << i);
    return r;
}
REF_LANES(r_pmul, u8, u8, 16, pmul8(a[i], b[i]))
// PMULL (8 -> 16 bits), low halves: carry-less product.
GR static u16 pmull8(u8 a, u8 b) {
    u16 r = 0;
    for (int i = 0; i < 8; i++)
        if (b & (1 << i)) r ^= (u16)(a << i);
    return r;
}
REF_LANES(r_pmull, u8, u16, 8, pmull8(a[i], b[i]))

// Floating point. Single-precision bit-pattern helpers (IEEE 754 binary32).
GR static int isnan32(u32 x) { return (x & 0x7fffffff) > 0x7f800000; }
GR static int isqnan32(u32 x) { return isnan32(x) && (x & 0x400000); }
// Order key: sign-magnitude to two's complement; keeps +0 == -0.
GR static i64 key32(u32 x) { return x >> 31 ? -(i64)(x & 0x7fffffff) : (i64)x; }
// FCMGT: false if either is a NaN.
GR static u32 fcmgt32(u32 a, u32 b) { return !isnan32(a) && !isnan32(b) && key32(a) > key32(b) ? ~0u : 0; }
// FMAXNM (FPMaxNum, then FPMax): a lone quiet NaN becomes -infinity; then a signalling NaN
// (a before b) is returned quieted, else a quiet NaN (a before b); +0 is above -0.
GR static u32 fmaxnm32(u32 a, u32 b) {
    if (isqnan32(a) && !isqnan32(b)) a = 0xff800000;
    else if (!isqnan32(a) && isqnan32(b)) b = 0xff800000;
    if (isnan32(a) && !isqnan32(a)) return a | 0x400000;
    if (isnan32(b) && !isqnan32(b)) return b | 0x400000;
    if (isnan32(a)) return a;
    if (isnan32(b)) return b;
    if ((a | b) << 1 == 0) return a & b;  // both zeros: -0 only if both are -0
    return key32(a) > key32(b) ? a : b;
}
// FCVTZS (FPToFixed, round towards zero) with `fbits` fraction bits: saturates; NaN is 0.
GR static u32 fcvtzs32(u32 x, int fbits) {
    u32 exp = (x >> 23) & 0xff, neg = x >> 31;
    if (exp == 0xff) return x & 0x7fffff ? 0 : neg ? 0x80000000 : 0x7fffffff;
    if (exp == 0) return 0;  // zero or denormal: below 2^-126 * 2^fbits < 1
    u64 m = (x & 0x7fffff) | 0x800000, mag;  // |x| = m * 2^(exp - 150)
    int e = (int)exp - 150 + fbits;
    if (e >= 0) mag = e > 32 ? 1ull << 40 : m << e;
    else mag = e < -24 ? 0 : m >> -e;
    if (neg) return mag >= 0x80000000 ? 0x80000000 : (u32)-(i64)mag;
    return mag > 0x7fffffff ? 0x7fffffff : (u32)mag;
}
// FCVTL: half to single, exact; a NaN is quieted (fraction bit 22 set).
GR static u32 h_to_f32(u16 h) {
    u32 s = (u32)(h >> 15) << 31, e = (h >> 10) & 0x1f, m = h & 0x3ff;
    if (e == 0x1f) return s | 0x7f800000 | m << 13 | (m ? 0x400000 : 0);
    if (e == 0) {
        if (m == 0) return s;
        int sh = 0;
        while (!(m & 0x400)) {
            m <<= 1;
            sh++;
        }
        return s | (u32)(127 - 14 - sh) << 23 | (m & 0x3ff) << 13;
    }
    return s | (e - 15 + 127) << 23 | m << 13;
}
// Round to nearest, ties to even, of a finite |x| < 2^23 with biased exponent exp >= 126,
// as an integer magnitude (FPRoundInt's rounding step).
GR static u32 round_even_mag(u32 x) {
    u32 exp = (x >> 23) & 0xff, shift = 150 - exp;  // 1..24 fraction bits to drop
    u32 m = (x & 0x7fffff) | 0x800000, half = 1u << (shift - 1), rem = m & ((half << 1) - 1);
    m >>= shift;
    if (rem > half || (rem == half && (m & 1))) m++;
    return m;
}
// FRINTN: NaNs quieted, infinities and |x| >= 2^23 unchanged, |x| < 0.5 to a signed zero.
GR static u32 frintn32(u32 x) {
    u32 exp = (x >> 23) & 0xff, sign = x & 0x80000000;
    if (isnan32(x)) return x | 0x400000;
    if (exp >= 150) return x;
    if (exp < 126) return sign;
    u32 m = round_even_mag(x);
    return m ? sign | u32_to_f32(m) : sign;
}
// FCVTNS: round to nearest even, then saturate as FCVTZS does.
GR static u32 fcvtns32(u32 x) {
    u32 exp = (x >> 23) & 0xff;
    if (exp >= 150) return fcvtzs32(x, 0);  // NaN, infinity or already an integer
    if (exp < 126) return 0;
    u32 m = round_even_mag(x);
    return x >> 31 ? -m : m;
}
// FCVTN (single to half), round to nearest even: overflow to infinity, half denormals,
// NaNs quieted keeping the top of the fraction.
GR static u16 f32_to_h(u32 x) {
    u32 s = (x >> 16) & 0x8000, exp = (x >> 23) & 0xff, frac = x & 0x7fffff;
    if (exp == 0xff) return (u16)(frac ? s | 0x7e00 | frac >> 13 : s | 0x7c00);
    if (exp == 0) return (u16)s;  // single denormals are far below half's 2^-25
    int e = (int)exp - 127;
    if (e > 15) return (u16)(s | 0x7c00);
    u32 h, rem, half;
    if (e >= -14) {  // normal half: drop 13 fraction bits; a carry may reach infinity
        h = (u32)(e + 15) << 10 | frac >> 13;
        rem = frac & 0x1fff;
        half = 0x1000;
    } else {  // half denormal, in units of 2^-24: m * 2^(e + 1)
        u32 m = frac | 0x800000, shift = (u32)(-e - 1);
        if (shift > 24) return (u16)s;
        h = m >> shift;
        half = 1u << (shift - 1);
        rem = m & ((half << 1) - 1);
    }
    if (rem > half || (rem == half && (h & 1))) h++;
    return (u16)(s | h);
}
// FMAXNMV: Reduce() pairs lanes as op(op(x0, x1), op(x2, x3)).
REF static void r_fmaxnmv(void) {
    for (int k = 0; k < NV; k++) {
        const u32 *a = F(k);
        ((u32 *)ref)[k] = fmaxnm32(fmaxnm32(a[0], a[1]), fmaxnm32(a[2], a[3]));
    }
}
REF static void r_fcvtn(void) {
    for (int k = 0; k < NV; k++)
        for (int i = 0; i < 8; i++) ((u16 *)(ref + 16 * k))[i] = f32_to_h(i < 4 ? F(k)[i] : F(k ^ 1)[i - 4]);
}
REF_FLANES(r_frintn, frintn32(a[i]))
REF_FLANES(r_fcvtns, fcvtns32(a[i]))
REF_FLANES(r_fcmgt, fcmgt32(a[i], b[i]))
REF_FLANES(r_fmaxnm, fmaxnm32(a[i], b[i]))
REF_FLANES(r_fcvtzs, fcvtzs32(a[i], 0))
REF_FLANES(r_fcvtzs_n8, fcvtzs32(a[i], 8))
REF_LANES(r_ucvtf, u32, u32, 4, u32_to_f32(a[i]))
REF static void r_fcmeqz_f64(void) {
    for (int k = 0; k < NV; k++)
        for (int i = 0; i < 2; i++) {
            u64 x = ((const u64 *)F(k))[i];
            ((u64 *)(ref + 16 * k))[i] = (x << 1) == 0 ? ~0ull : 0;
        }
}
REF_LANES(r_fcvtl, u16, u32, 4, h_to_f32(a[i]))
// FMLA by element: small integers, so c + a*b[1] is exact however it is rounded.
FREF static void r_fmla_lane(void) {
    for (int k = 0; k < NV; k++) {
        const float *a = (const float *)(sfdata + 4 * k), *b = (const float *)(sfdata + 4 * (k ^ 1));
        const float *c = (const float *)(sfdata + 4 * ((k + 2) % NV));
        float *r = (float *)(ref + 16 * k);
        for (int i = 0; i < 4; i++) r[i] = c[i] + a[i] * b[1];
    }
}
// FDIV (vector): IEEE division, scalar.
FREF static void r_fdiv(void) {
    for (int k = 0; k < NV; k++) {
        const float *a = (const float *)F(k), *b = (const float *)F(k ^ 1);
        float *r = (float *)(ref + 16 * k);
        for (int i = 0; i < 4; i++) r[i] = a[i] / b[i];
    }
}

// URECPE and URSQRTE: the Arm ARM's UnsignedRecipEstimate / UnsignedRSqrtEstimate with
// RecipEstimate / RecipSqrtEstimate (J1 shared pseudocode), without FEAT_RPRES.
GR static u32 urecpe(u32 x) {
    if (!(x >> 31)) return 0xffffffff;  // operands <= 0x7fffffff
    u32 a = x >> 23;                    // 256..511: operand<31:23>
    a = a * 2 + 1;                      // round to nearest
    u32 b = (1u << 19) / a;
    u32 r = (b + 1) / 2;                // 256..511
    return r << 23;
}
GR static u32 ursqrte(u32 x) {
    if (!(x >> 30)) return 0xffffffff;  // operands <= 0x3fffffff
    u32 a = x >> 23;                    // 128..511
    if (a < 256) {
        a = a * 2 + 1;  // 0.25 .. 0.5, in units of 1/512
    } else {
        a = (a >> 1) << 1;  // 0.5 .. 1.0: discard the bottom bit
        a = (a + 1) * 2;    // in units of 1/256
    }
    u32 b = 512;
    while ((u64)a * (b + 1) * (b + 1) < (1u << 28)) b++;
    return ((b + 1) / 2) << 23;
}
REF_LANES(r_urecpe, u32, u32, 4, urecpe(a[i]))
REF_LANES(r_ursqrte, u32, u32, 4, ursqrte(a[i]))
// Moves: DUP from lane 5 (u16), UMOV lane 2 (u32) into INS lane 9 (u8), DUP from a GPR,
// ORR/BIC (vector, immediate).
REF_LANES(r_dup_lane, u16, u16, 8, a[5])
REF_LANES(r_ins, u8, u8, 16, i == 9 ? (u8)(((const u32 *)b)[2] * 3 + 1) : a[i])
REF_LANES(r_dup_gpr, u16, u16, 8, ((const u16 *)V(k + 3))[0] * 3 + k)
REF_LANES(r_orr_imm, u32, u32, 4, a[i] | 0x5a00)
REF_LANES(r_bic_imm, u16, u16, 8, a[i] & ~0x1200)
// Scalar forms: SQADD (b), UQSUB (h), SQDMULH (s), SQDMULL (s to d); one record per k.
REF static void r_scalar(void) {
    for (int k = 0; k < NV; k++) {
        const u8 *a = V(k), *b = V(k ^ 1);
        u64 *r = (u64 *)(ref + 16 * k);
        u16 ha = ((const u16 *)a)[1], hb = ((const u16 *)b)[1];
        i32 sa = ((const i32 *)a)[1], sb = ((const i32 *)b)[1];  // (2*sa*sb) >> 32 below
        r[0] = (u8)sat((i64)(i8)a[0] + (i8)b[0], -128, 127) | (u64)(ha > hb ? ha - hb : 0) << 16 |
               (u64)(u32)sat(((i64)sa * sb) >> 31, INT32_MIN, INT32_MAX) << 32;
        // SQDMULL: 2*sa*sb in 64 bits, saturating only for INT32_MIN * INT32_MIN.
        r[1] = sa == INT32_MIN && sb == INT32_MIN ? (u64)INT64_MAX : (u64)(2 * (i64)sa * sb);
    }
}
// Scalar D-register integer ops: ADD (d), SHL (d #3) and USHR (d #3).
REF static void r_scalar_d(void) {
    for (int k = 0; k < NV; k++) {
        const u64 *a = (const u64 *)V(k), *b = (const u64 *)V(k ^ 1);
        u64 *r = (u64 *)(ref + 16 * k);
        r[0] = a[0] + b[0];
        r[1] = (a[1] << 3) ^ (b[1] >> 3);
    }
}

// ---------------------------------------------------------------------------------------
// Part B: intrinsics.
static void part_b(void) {
    // Saturating arithmetic.
    RUN(int8x16_t, vld1q_s8, vst1q_s8, vqaddq_s8(a, b));
    r_qadd_s8();
    check_out(16 * NV, "vqaddq_s8 (sqadd)");
    RUN(uint16x8_t, vld1q_u16, vst1q_u16, vqsubq_u16(a, b));
    r_qsub_u16();
    check_out(16 * NV, "vqsubq_u16 (uqsub)");
    RUN(int16x8_t, vld1q_s16, vst1q_s16, vqdmulhq_s16(a, b));
    r_qdmulh_s16();
    check_out(16 * NV, "vqdmulhq_s16 (sqdmulh)");
    RUN(int32x4_t, vld1q_s32, vst1q_s32, vqrdmulhq_s32(a, b));
    r_qrdmulh_s32();
    check_out(16 * NV, "vqrdmulhq_s32 (sqrdmulh)");
    // FPSR.QC: set by a saturating SQADD (vectors 0 and 1 saturate), not by one that does
    // not (the same inputs shifted right by 2 cannot), and sticky until cleared.
    {
        int8x16_t a = vld1q_s8((const i8 *)V(0)), b = vld1q_s8((const i8 *)V(1));
        u64 qc_sat, qc_nosat;
        __asm__ volatile("msr fpsr, xzr" : "+w"(a));
        int8x16_t r = vqaddq_s8(a, b);
        __asm__ volatile("mrs %0, fpsr" : "=r"(qc_sat) : "w"(r));
        int8x16_t a2 = vshrq_n_s8(a, 2), b2 = vshrq_n_s8(b, 2);
        __asm__ volatile("msr fpsr, xzr" : "+w"(a2), "+w"(b2));
        r = vqaddq_s8(a2, b2);
        __asm__ volatile("mrs %0, fpsr" : "=r"(qc_nosat) : "w"(r));
        CHECK_EQ((qc_sat >> 27 & 1) | (qc_nosat >> 27 & 1) << 1, 1, "FPSR.QC after sqadd");
    }
    // Shifts.
    RUN(int32x4_t, vld1q_s32, vst1q_s32, vrshrq_n_s32(a, 7));
    r_rshr_s32();
    check_out(16 * NV, "vrshrq_n_s32 (srshr)");
    RUN(uint8x16_t, vld1q_u8, vst1q_u8, vhaddq_u8(a, b));
    r_hadd_u8();
    check_out(16 * NV, "vhaddq_u8 (uhadd)");
    RUN(int16x8_t, vld1q_s16, vst1q_s16, vrhaddq_s16(a, b));
    r_rhadd_s16();
    check_out(16 * NV, "vrhaddq_s16 (srhadd)");
    RUN(int16x8_t, vld1q_s16, vst1q_s16, vqshlq_s16(a, b));
    r_qshl_s16();
    check_out(16 * NV, "vqshlq_s16 (sqshl)");
    RUN(uint16x8_t, vld1q_u16, vst1q_u16, vshlq_u16(a, vreinterpretq_s16_u16(b)));
    r_ushl_u16();
    check_out(16 * NV, "vshlq_u16 (ushl)");
    RUN(uint32x4_t, vld1q_u32, vst1q_u32, vsraq_n_u32(c, a, 5));
    r_sra_u32();
    check_out(16 * NV, "vsraq_n_u32 (usra)");
    RUN(uint8x16_t, vld1q_u8, vst1q_u8, vsliq_n_u8(c, a, 3));
    r_sli_u8();
    check_out(16 * NV, "vsliq_n_u8 (sli)");
    // Narrowing.
    RUN(uint16x8_t, vld1q_u16, vst1q_u8, vcombine_u8(vshrn_n_u16(a, 3), vshrn_n_u16(b, 3)));
    r_shrn_u16();
    check_out(16 * NV, "vshrn_n_u16 (shrn)");
    RUN(int32x4_t, vld1q_s32, vst1q_s16, vcombine_s16(vqmovn_s32(a), vqmovn_s32(b)));
    r_qmovn_s32();
    check_out(16 * NV, "vqmovn_s32 (sqxtn)");
    RUN(int16x8_t, vld1q_s16, vst1q_u8, vcombine_u8(vqmovun_s16(a), vqmovun_s16(b)));
    r_qmovun_s16();
    check_out(16 * NV, "vqmovun_s16 (sqxtun)");
    RUN(int32x4_t, vld1q_s32, vst1q_s16, vcombine_s16(vqrshrn_n_s32(a, 12), vqrshrn_n_s32(b, 12)));
    r_qrshrn_s32();
    check_out(16 * NV, "vqrshrn_n_s32 (sqrshrn)");
    RUN(uint32x4_t, vld1q_u32, vst1q_u16, vcombine_u16(vaddhn_u32(a, b), vraddhn_u32(a, b)));
    r_addhn_u32();
    check_out(16 * NV, "vaddhn_u32/vraddhn_u32 (addhn, raddhn)");
    // Widening.
    RUN(uint8x16_t, vld1q_u8, vst1q_u16, vmull_high_u8(a, b));
    r_mull_high_u8();
    check_out(16 * NV, "vmull_high_u8 (umull2)");
    RUN(int16x8_t, vld1q_s16, vst1q_s32, vmovl_s16(vget_low_s16(a)));
    r_movl_s16();
    check_out(16 * NV, "vmovl_s16 (sxtl)");
    RUN(int16x8_t, vld1q_s16, vst1q_s32, vmlal_high_s16(vreinterpretq_s32_s16(c), a, b));
    r_mlal_high_s16();
    check_out(16 * NV, "vmlal_high_s16 (smlal2)");
    // Pairwise and across lanes.
    RUN(uint32x4_t, vld1q_u32, vst1q_u32, vpaddq_u32(a, b));
    r_paddq_u32();
    check_out(16 * NV, "vpaddq_u32 (addp)");
    RUN(uint8x16_t, vld1q_u8, vst1q_u16, vpadalq_u8(vreinterpretq_u16_u8(c), a));
    r_padal_u8();
    check_out(16 * NV, "vpadalq_u8 (uadalp)");
    RUN(uint8x16_t, vld1q_u8, vst1q_u8, vpmaxq_u8(a, b));
    r_pmax_u8();
    check_out(16 * NV, "vpmaxq_u8 (umaxp)");
    for (int k = 0; k < NV; k++) {
        u32 *r = (u32 *)(out + 16 * k);
        r[0] = vmaxvq_u8(vld1q_u8(V(k)));
        r[1] = (u16)vminvq_s16(vld1q_s16((const i16 *)V(k)));
        r[2] = vaddvq_u32(vld1q_u32((const u32 *)V(k)));
        r[3] = vaddlvq_u16(vld1q_u16((const u16 *)V(k)));
    }
    r_across();
    check_out(16 * NV, "vmaxvq_u8 vminvq_s16 vaddvq_u32 vaddlvq_u16 (umaxv sminv addv uaddlv)");
    // Permutes.
    RUN(uint8x16_t, vld1q_u8, vst1q_u8, vzip1q_u8(a, b));
    r_zip1_u8();
    check_out(16 * NV, "vzip1q_u8 (zip1)");
    RUN(uint16x8_t, vld1q_u16, vst1q_u16, vuzp2q_u16(a, b));
    r_uzp2_u16();
    check_out(16 * NV, "vuzp2q_u16 (uzp2)");
    RUN(uint32x4_t, vld1q_u32, vst1q_u32, vtrn1q_u32(a, b));
    r_trn1_u32();
    check_out(16 * NV, "vtrn1q_u32 (trn1)");
    RUN(uint8x16_t, vld1q_u8, vst1q_u8, vtrn2q_u8(a, b));
    r_trn2_u8();
    check_out(16 * NV, "vtrn2q_u8 (trn2)");
    RUN(uint8x16_t, vld1q_u8, vst1q_u8, vextq_u8(a, b, 5));
    r_ext_u8();
    check_out(16 * NV, "vextq_u8 (ext #5)");
    // Tables.
    for (int k = 0; k < NV; k++) {
        uint8x16_t idx = vandq_u8(vld1q_u8(V(k + 4)), vdupq_n_u8(0x1f));
        vst1q_u8(out + 16 * k, vqtbl1q_u8(vld1q_u8(V(k)), idx));
    }
    r_tbl(16, 0x1f, 0);
    check_out(16 * NV, "vqtbl1q_u8 (tbl, 1 register)");
    for (int k = 0; k < NV; k++) {
        uint8x16x4_t t = {{vld1q_u8(V(k)), vld1q_u8(V(k + 1)), vld1q_u8(V(k + 2)), vld1q_u8(V(k + 3))}};
        uint8x16_t idx = vandq_u8(vld1q_u8(V(k + 4)), vdupq_n_u8(0x7f));
        vst1q_u8(out + 16 * k, vqtbl4q_u8(t, idx));
    }
    r_tbl(64, 0x7f, 0);
    check_out(16 * NV, "vqtbl4q_u8 (tbl, 4 registers)");
    for (int k = 0; k < NV; k++) {
        uint8x16x2_t t = {{vld1q_u8(V(k)), vld1q_u8(V(k + 1))}};
        uint8x16_t idx = vandq_u8(vld1q_u8(V(k + 4)), vdupq_n_u8(0x3f));
        vst1q_u8(out + 16 * k, vqtbx2q_u8(vld1q_u8(V(k + 2)), t, idx));
    }
    r_tbl(32, 0x3f, 1);
    check_out(16 * NV, "vqtbx2q_u8 (tbx, 2 registers)");
    // Structure loads and stores.
    for (int k = 0; k < NV; k++) {
        uint16x8x2_t v = vld2q_u16((const u16 *)(data + 32 * k));
        vst1q_u16((u16 *)(out + 32 * k), v.val[0]);
        vst1q_u16((u16 *)(out + 32 * k + 16), v.val[1]);
    }
    r_ld2_u16();
    check_out(32 * NV, "vld2q_u16 (ld2)");
    for (int k = 0; k < NV; k++) {
        uint8x16x3_t v = vld3q_u8(data + 48 * k);
        vst1q_u8(out + 48 * k, v.val[0]);
        vst1q_u8(out + 48 * k + 16, v.val[1]);
        vst1q_u8(out + 48 * k + 32, v.val[2]);
    }
    r_ld3_u8();
    check_out(48 * NV, "vld3q_u8 (ld3)");
    for (int k = 0; k < NV; k++) {
        uint8x16x4_t v = {{vld1q_u8(V(k)), vld1q_u8(V(k + 1)), vld1q_u8(V(k + 2)), vld1q_u8(V(k + 3))}};
        vst4q_u8(out + 64 * k, v);
    }
    r_st4_u8();
    check_out(64 * NV, "vst4q_u8 (st4)");
    // GCC turns vld1q_dup_u32 into LDR S + DUP (element) and vst1q_lane_u32 into STR S when
    // it can, so LD1R and ST1 (single structure) go through inline assembly.
    for (int k = 0; k < NV; k++) {
        uint32x4_t v;
        __asm__ volatile("ld1r {%0.4s}, [%1]" : "=w"(v) : "r"((const u32 *)V(k) + (k & 3)) : "memory");
        vst1q_u32((u32 *)(out + 16 * k), v);
    }
    r_ld1r_u32();
    check_out(16 * NV, "vld1q_dup_u32 (ld1r)");
    for (int k = 0; k < NV; k++) {
        uint16x8x4_t v = {{vld1q_u16((const u16 *)V(k)), vld1q_u16((const u16 *)V(k + 1)),
                           vld1q_u16((const u16 *)V(k + 2)), vld1q_u16((const u16 *)V(k + 3))}};
        v = vld4q_lane_u16((const u16 *)V(k + 4) + (k & 3), v, 5);
        vst1q_u16((u16 *)(out + 64 * k), v.val[0]);
        vst1q_u16((u16 *)(out + 64 * k + 16), v.val[1]);
        vst1q_u16((u16 *)(out + 64 * k + 32), v.val[2]);
        vst1q_u16((u16 *)(out + 64 * k + 48), v.val[3]);
    }
    r_ld4_lane_u16();
    check_out(64 * NV, "vld4q_lane_u16 (ld4 {..}[5])");
    for (int k = 0; k < NV; k++) {
        vst1q_u32((u32 *)(out + 16 * k), vdupq_n_u32(0));
        __asm__ volatile("st1 {%1.s}[3], [%0]" : : "r"((u32 *)(out + 16 * k) + (k & 3)), "w"(vld1q_u32((const u32 *)V(k)))
                         : "memory");
    }
    r_st1_lane();
    check_out(16 * NV, "vst1q_lane_u32 (st1 {..}[3])");
    // Bit operations.
    RUN(uint8x16_t, vld1q_u8, vst1q_u8, vcntq_u8(a));
    r_cnt();
    check_out(16 * NV, "vcntq_u8 (cnt)");
    RUN(uint32x4_t, vld1q_u32, vst1q_u32, vclzq_u32(a));
    r_clz_u32();
    check_out(16 * NV, "vclzq_u32 (clz)");
    RUN(int8x16_t, vld1q_s8, vst1q_s8, vclsq_s8(a));
    r_cls_s8();
    check_out(16 * NV, "vclsq_s8 (cls)");
    RUN(uint8x16_t, vld1q_u8, vst1q_u8, vrbitq_u8(a));
    r_rbit();
    check_out(16 * NV, "vrbitq_u8 (rbit)");
    RUN(uint8x16_t, vld1q_u8, vst1q_u8, vrev64q_u8(a));
    r_rev64_u8();
    check_out(16 * NV, "vrev64q_u8 (rev64)");
    RUN(uint16x8_t, vld1q_u16, vst1q_u16, vrev32q_u16(a));
    r_rev32_u16();
    check_out(16 * NV, "vrev32q_u16 (rev32)");
    RUN(uint8x16_t, vld1q_u8, vst1q_u8, vbslq_u8(c, a, b));
    r_bsl();
    check_out(16 * NV, "vbslq_u8 (bsl)");
    RUN(uint8x16_t, vld1q_u8, vst1q_u8, vtstq_u8(a, b));
    r_tst();
    check_out(16 * NV, "vtstq_u8 (cmtst)");
    // Absolute differences, saturating abs/neg.
    RUN(int8x16_t, vld1q_s8, vst1q_u8, vreinterpretq_u8_s8(vabdq_s8(a, b)));
    r_abd_s8();
    check_out(16 * NV, "vabdq_s8 (sabd)");
    RUN(uint16x8_t, vld1q_u16, vst1q_u16, vabaq_u16(c, a, b));
    r_aba_u16();
    check_out(16 * NV, "vabaq_u16 (uaba)");
    RUN(int16x8_t, vld1q_s16, vst1q_s16, vqabsq_s16(a));
    r_qabs_s16();
    check_out(16 * NV, "vqabsq_s16 (sqabs)");
    RUN(int8x16_t, vld1q_s8, vst1q_s8, vqnegq_s8(a));
    r_qneg_s8();
    check_out(16 * NV, "vqnegq_s8 (sqneg)");
    // Multiplies.
    RUN(int32x4_t, vld1q_s32, vst1q_s32, vmlaq_laneq_s32(c, a, b, 3));
    r_mla_lane_s32();
    check_out(16 * NV, "vmlaq_laneq_s32 (mla by element)");
    RUN(int16x8_t, vld1q_s16, vst1q_s16, vmulq_n_s16(vmulq_laneq_s16(a, b, 6), (i16)(k - 3)));
    r_mul_n_s16();
    check_out(16 * NV, "vmulq_laneq_s16, vmulq_n_s16 (mul by element, dup + mul)");
    RUN(poly8x16_t, vld1q_p8, vst1q_p8, vmulq_p8(a, b));
    r_pmul();
    check_out(16 * NV, "vmulq_p8 (pmul)");
    RUN(poly8x16_t, vld1q_p8, vst1q_p16, vmull_p8(vget_low_p8(a), vget_low_p8(b)));
    r_pmull();
    check_out(16 * NV, "vmull_p8 (pmull)");
    // Floating point.
    for (int k = 0; k < NV; k++) {
        float32x4_t a = vld1q_f32((const float *)(sfdata + 4 * k));
        float32x4_t b = vld1q_f32((const float *)(sfdata + 4 * (k ^ 1)));
        float32x4_t c = vld1q_f32((const float *)(sfdata + 4 * ((k + 2) % NV)));
        vst1q_f32((float *)(out + 16 * k), vfmaq_laneq_f32(c, a, b, 1));
    }
    r_fmla_lane();
    check_out(16 * NV, "vfmaq_laneq_f32 (fmla by element)");
    FRUN(vdivq_f32(a, b));
    r_fdiv();
    check_out(16 * NV, "vdivq_f32 (fdiv)");
    FRUN(vreinterpretq_f32_u32(vcgtq_f32(a, b)));
    r_fcmgt();
    check_out(16 * NV, "vcgtq_f32 (fcmgt)");
    FRUN(vmaxnmq_f32(a, b));
    r_fmaxnm();
    check_out(16 * NV, "vmaxnmq_f32 (fmaxnm)");
    for (int k = 0; k < NV; k++) ((u32 *)out)[k] = vreinterpretq_u32_f32(vdupq_n_f32(vmaxnmvq_f32(vld1q_f32((const float *)F(k)))))[0];
    r_fmaxnmv();
    check_out(4 * NV, "vmaxnmvq_f32 (fmaxnmv)");
    FRUN(vrndnq_f32(a));
    r_frintn();
    check_out(16 * NV, "vrndnq_f32 (frintn)");
    FRUN(vreinterpretq_f32_s32(vcvtnq_s32_f32(a)));
    r_fcvtns();
    check_out(16 * NV, "vcvtnq_s32_f32 (fcvtns)");
    FRUN(vreinterpretq_f32_f16(vcombine_f16(vcvt_f16_f32(a), vcvt_f16_f32(b))));
    r_fcvtn();
    check_out(16 * NV, "vcvt_f16_f32 (fcvtn, fcvtn2)");
    for (int k = 0; k < NV; k++)
        vst1q_u64((u64 *)(out + 16 * k), vceqzq_f64(vld1q_f64((const double *)F(k))));
    r_fcmeqz_f64();
    check_out(16 * NV, "vceqzq_f64 (fcmeq #0.0)");
    FRUN(vreinterpretq_f32_s32(vcvtq_s32_f32(a)));
    r_fcvtzs();
    check_out(16 * NV, "vcvtq_s32_f32 (fcvtzs)");
    FRUN(vreinterpretq_f32_s32(vcvtq_n_s32_f32(a, 8)));
    r_fcvtzs_n8();
    check_out(16 * NV, "vcvtq_n_s32_f32 (fcvtzs #8)");
    RUN(uint32x4_t, vld1q_u32, vst1q_f32, vcvtq_f32_u32(a));
    r_ucvtf();
    check_out(16 * NV, "vcvtq_f32_u32 (ucvtf)");
    RUN(float16x8_t, vld1q_f16, vst1q_f32, vcvt_f32_f16(vget_low_f16(a)));
    r_fcvtl();
    check_out(16 * NV, "vcvt_f32_f16 (fcvtl)");
    RUN(uint32x4_t, vld1q_u32, vst1q_u32, vrecpeq_u32(a));
    r_urecpe();
    check_out(16 * NV, "vrecpeq_u32 (urecpe)");
    RUN(uint32x4_t, vld1q_u32, vst1q_u32, vrsqrteq_u32(a));
    r_ursqrte();
    check_out(16 * NV, "vrsqrteq_u32 (ursqrte)");
    // Moves and immediates.
    RUN(uint16x8_t, vld1q_u16, vst1q_u16, vdupq_laneq_u16(a, 5));
    r_dup_lane();
    check_out(16 * NV, "vdupq_laneq_u16 (dup element)");
    // The lane goes through a general-register multiply so that GCC keeps UMOV and INS
    // (general) rather than one INS (element).
    RUN(uint8x16_t, vld1q_u8, vst1q_u8, vsetq_lane_u8((u8)(vgetq_lane_u32(vreinterpretq_u32_u8(b), 2) * 3 + 1), a, 9));
    r_ins();
    check_out(16 * NV, "vgetq_lane_u32/vsetq_lane_u8 (umov, ins general)");
    RUN(uint16x8_t, vld1q_u16, vst1q_u16, vmovq_n_u16((u16)(((const u16 *)V(k + 3))[0] * 3 + k)));
    r_dup_gpr();
    check_out(16 * NV, "vmovq_n_u16 (dup general)");
    RUN(uint32x4_t, vld1q_u32, vst1q_u32, ({
            uint32x4_t v = a;
            __asm__("orr %0.4s, #0x5a, lsl #8" : "+w"(v));
            v;
        }));
    r_orr_imm();
    check_out(16 * NV, "orr v.4s, #0x5a, lsl #8");
    RUN(uint16x8_t, vld1q_u16, vst1q_u16, ({
            uint16x8_t v = a;
            __asm__("bic %0.8h, #0x12, lsl #8" : "+w"(v));
            v;
        }));
    r_bic_imm();
    check_out(16 * NV, "bic v.8h, #0x12, lsl #8");
    // MOVI/MVNI (AdvSIMDExpandImm), by hand: MOVI .2d takes a byte mask, 0xff00ff0000ff00ff
    // (imm8 0b10100101, one bit per byte); MVNI .4s #0x12, MSL #8 is ~0x12ff = 0xffffed00 in
    // each word; MOVI .8b #0x81 fills the low half and clears the high half. XORed together.
    {
        u64 lo, hi;
        __asm__("movi v16.2d, #0xff00ff0000ff00ff\n\t"
                "mvni v17.4s, #0x12, msl #8\n\t"
                "movi v18.8b, #0x81\n\t"
                "eor v16.16b, v16.16b, v17.16b\n\t"
                "eor v16.16b, v16.16b, v18.16b\n\t"
                "umov %0, v16.d[0]\n\t"
                "umov %1, v16.d[1]"
                : "=r"(lo), "=r"(hi)
                :
                : "v16", "v17", "v18");
        // hi = 0xff00ff0000ff00ff ^ 0xffffed00ffffed00 = 0x00ff1200ff00edff;
        // lo = hi ^ 0x8181818181818181 = 0x817e93817e816c7e.
        CHECK_EQ(lo, 0x817e93817e816c7eull, "movi/mvni immediates, low half");
        CHECK_EQ(hi, 0x00ff1200ff00edffull, "movi/mvni immediates, high half");
    }
    // Scalar forms: SQADD b, UQSUB h, SQDMULH s, SQDMULL s.
    for (int k = 0; k < NV; k++) {
        const u8 *a = V(k), *b = V(k ^ 1);
        u64 *r = (u64 *)(out + 16 * k);
        u64 qadd = (u8)vqaddb_s8((i8)a[0], (i8)b[0]);
        u64 qsub = vqsubh_u16(((const u16 *)a)[1], ((const u16 *)b)[1]);
        u64 qdmulh = (u32)vqdmulhs_s32(((const i32 *)a)[1], ((const i32 *)b)[1]);
        r[0] = qadd | qsub << 16 | qdmulh << 32;
        r[1] = (u64)vqdmulls_s32(((const i32 *)a)[1], ((const i32 *)b)[1]);
    }
    r_scalar();
    check_out(16 * NV, "scalar sqadd b, uqsub h, sqdmulh s, sqdmull s");
    // vaddd_u64, vshld_n_u64 and vshrd_n_u64 compile to general-register ADD, LSL and LSR,
    // so the D-register forms go through inline assembly.
    for (int k = 0; k < NV; k++) {
        const u64 *a = (const u64 *)V(k), *b = (const u64 *)V(k ^ 1);
        u64 *r = (u64 *)(out + 16 * k), sum, shl, shr;
        __asm__("add %d0, %d1, %d2" : "=w"(sum) : "w"(a[0]), "w"(b[0]));
        __asm__("shl %d0, %d1, #3" : "=w"(shl) : "w"(a[1]));
        __asm__("ushr %d0, %d1, #3" : "=w"(shr) : "w"(b[1]));
        r[0] = sum;
        r[1] = shl ^ shr;
    }
    r_scalar_d();
    check_out(16 * NV, "scalar add d, shl d #3, ushr d #3");
}

int main(void) {
    fill();
    poison();
    part_a();
    part_b();
    return 0;
}
