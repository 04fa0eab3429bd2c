//! Guest code shared by the benchmarks in `benches/`.

/// The body of the CPU-bound integer loop (8 instructions: load, ALU, store, counter,
/// branch), as in test-roms' cpubound ROM. x0 = array base, x1 = iterations, x3 = index.
pub const INTEGER_LOOP_BODY: [u32; 8] = [
    0xf8637804, // loop: ldr x4, [x0, x3, lsl #3]
    0x8b040042, // add x2, x2, x4
    0xca420c84, // eor x4, x4, x2, lsr #3
    0xf8237804, // str x4, [x0, x3, lsl #3]
    0x91000463, // add x3, x3, #1
    0x92402463, // and x3, x3, #0x3ff
    0xf1000421, // subs x1, x1, #1
    0x54ffff21, // b.ne loop
];

/// A scalar double-precision loop (15 instructions: a load, a fused multiply-add, the four
/// basic operations, conversions both ways, a compare and select, a store). x0 = array of
/// doubles, x1 = iterations, x3 = index; d2, d4, d9 = constants.
pub const FP_LOOP_BODY: [u32; 15] = [
    0xfc637801, // loop: ldr d1, [x0, x3, lsl #3]
    0x1f420020, // fmadd d0, d1, d2, d0
    0x1e640863, // fmul d3, d3, d4
    0x1e6128a5, // fadd d5, d5, d1
    0x1e6138c6, // fsub d6, d6, d1
    0x9e7800a4, // fcvtzs x4, d5
    0x9e620087, // scvtf d7, x4
    0x1e691908, // fdiv d8, d8, d9
    0x1e632000, // fcmp d0, d3
    0x1e63cc0a, // fcsel d10, d0, d3, gt
    0xfc237806, // str d6, [x0, x3, lsl #3]
    0x91000463, // add x3, x3, #1
    0x92402463, // and x3, x3, #0x3ff
    0xf1000421, // subs x1, x1, #1
    0x54fffe41, // b.ne loop
];

/// An Advanced SIMD loop (15 instructions: 128-bit load and store, byte/word/float lane
/// arithmetic, an across-lanes maximum, a compare, a pairwise widening add, a permute, a
/// saturating add and a shift). x0 = array, x1 = iterations, x3 = byte index.
pub const SIMD_LOOP_BODY: [u32; 15] = [
    0x3ce36801, // loop: ldr q1, [x0, x3]
    0x4e218400, // add v0.16b, v0.16b, v1.16b
    0x4ea19c42, // mul v2.4s, v2.4s, v1.4s
    0x4e24cc23, // fmla v3.4s, v1.4s, v4.4s
    0x6e30a825, // umaxv b5, v1.16b
    0x6e208c26, // cmeq v6.16b, v1.16b, v0.16b
    0x6e202827, // uaddlp v7.8h, v1.16b
    0x4e003828, // zip1 v8.16b, v1.16b, v0.16b
    0x4e610d29, // sqadd v9.8h, v9.8h, v1.8h
    0x6f3d042a, // ushr v10.4s, v1.4s, #3
    0x3ca36800, // str q0, [x0, x3]
    0x91004063, // add x3, x3, #16
    0x927c2463, // and x3, x3, #0x3ff0
    0xf1000421, // subs x1, x1, #1
    0x54fffe41, // b.ne loop
];

/// A load-heavy loop with a 4 KiB working set (5 instructions: two loads, index update,
/// counter, branch): with the MMU on every load is a micro-TLB hit, so this measures the
/// memory fast path. x0 = array, x1 = iterations, x3 = byte index.
pub const LOAD_LOOP_BODY: [u32; 6] = [
    0xf8636804, // loop: ldr x4, [x0, x3]
    0xf8636805, // ldr x5, [x0, x3]
    0x91002063, // add x3, x3, #8
    0x92402c63, // and x3, x3, #0xfff
    0xf1000421, // subs x1, x1, #1
    0x54ffff61, // b.ne loop
];

/// A device-polling loop (3 instructions): a 32-bit load from a device register through
/// the bus's range map, then the loop. x5 = device address, x1 = iterations.
pub const MMIO_LOOP_BODY: [u32; 3] = [
    0xb94000a4, // loop: ldr w4, [x5]
    0xf1000421, // subs x1, x1, #1
    0x54ffffc1, // b.ne loop
];
