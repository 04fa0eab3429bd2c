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
