#![allow(clippy::unwrap_used, clippy::expect_used)]

//! Lockstep: the block translator (its block loop, and its JIT) and the plain interpreter run the same random code side
//! by side, and their architectural state is compared every few instructions (random
//! budgets, so the points fall both on block boundaries and inside blocks).
//!
//! The code is random valid A64 (data processing, FP and SIMD drawn from the whole
//! encoding space and kept if they decode), loads and stores into a data page, branches
//! within the code, stores into the code itself (self-modifying code), IC IVAU, ISB and
//! SVC, with the MMU off and (through an identity map) on. Faults go to a handler that skips the faulting instruction, so runs wander
//! through every path both engines have. Both must retire the same instructions and
//! charge the same cycles at every comparison point.

use bramble_cpu::{Cpu, Features, StopReason};
use bramble_decode::{decode, Insn};
use bramble_mem::{Bus, Ram};

const RAM: u64 = 1 << 20;
const VBAR: u64 = 0x8000;
const CODE: u64 = 0x10000;
const CODE_WORDS: u64 = 2048;
const DATA: u64 = 0x20000;
/// With the MMU on: the code that turns it on, and the translation table.
const MMU_PROLOGUE: u64 = 0x9000;
const TABLES: u64 = 0x40000;

/// xorshift64*: deterministic, so a failure names a seed that reproduces it.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// (mask, value) of the fixed bits of the data-processing classes the JIT compiles inline:
/// ADR/ADRP, add/sub immediate, logical immediate, move wide, bitfield, extract, logical
/// and add/sub shifted or extended register, conditional compare and select, and the 1-,
/// 2- and 3-source groups.
const INLINE_CLASSES: [(u32, u32); 13] = [
    (0x1f00_0000, 0x1000_0000),
    (0x1f80_0000, 0x1100_0000),
    (0x1f80_0000, 0x1200_0000),
    (0x1f80_0000, 0x1280_0000),
    (0x1f80_0000, 0x1300_0000),
    (0x1f80_0000, 0x1380_0000),
    (0x1f00_0000, 0x0a00_0000),
    (0x1f00_0000, 0x0b00_0000),
    (0x1fe0_0000, 0x1a40_0000),
    (0x1fe0_0000, 0x1a80_0000),
    (0x5fe0_f000, 0x1ac0_2000), // data processing, 2 source: the shifts by register
    (0x5fff_e000, 0x5ac0_0000), // data processing, 1 source (RBIT, REV*, CLZ, CLS)
    (0x1f00_0000, 0x1b00_0000), // data processing, 3 source (multiplies)
];

/// One random instruction for position `at` (a word index in the code).
/// Without `maintenance`, no IC IVAU or ISB: stale blocks must then be caught by the
/// tracking of writes alone.
fn random_word(rng: &mut Rng, at: u64, maintenance: bool) -> u32 {
    let rt = rng.below(25) as u32;
    match rng.below(if maintenance { 100 } else { 95 }) {
        // Data processing, FP and SIMD from the whole encoding space. X25..X28 (handler
        // scratch, code and data bases) are kept out of Rd, so the bases stay useful.
        0..=54 => loop {
            let mut w = rng.next() as u32;
            if rng.below(2) == 0 {
                // Half from the integer classes the JIT compiles inline, so each of them
                // (SP operands included) turns up often.
                let (mask, value) = INLINE_CLASSES[rng.below(INLINE_CLASSES.len() as u64) as usize];
                w = (w & !mask) | value;
            }
            if matches!(decode(w), Insn::DpImm(_) | Insn::DpReg(_) | Insn::Fp(_) | Insn::Simd(_)) {
                break if (25..=28).contains(&(w & 31)) { w & !16 } else { w };
            }
        },
        // LDR/STR (unsigned offset) of every size into the data page through X28.
        // Loads (zero- and sign-extending) and stores in the forms the JIT compiles:
        // unsigned offset, unscaled, pre/post-indexed on SP, register offset (mostly
        // faulting: Xm is random), and pairs.
        55..=71 => {
            let size = rng.below(4) as u32;
            let opc = rng.below(if size == 3 { 2 } else { 4 }) as u32;
            match rng.below(5) {
                0 | 1 => {
                    let imm = rng.below(512) as u32 >> size;
                    (size << 30) | (0b111001 << 24) | (opc << 22) | (imm << 10) | (28 << 5) | rt
                }
                2 => {
                    // LDR/STR Xt, [SP, #imm]! or [SP], #imm: SP stays 16-byte aligned.
                    let imm9 = (rng.below(32) as u32 * 16).wrapping_sub(256) & 0x1ff;
                    let mode = if rng.below(2) == 0 { 1 } else { 3 };
                    (3 << 30) | (0b111 << 27) | ((opc & 1) << 22) | (imm9 << 12) | (mode << 10) | (31 << 5) | rt
                }
                3 => {
                    let rm = rng.below(29) as u32;
                    let option = [2, 3, 6, 7][rng.below(4) as usize];
                    (size << 30)
                        | (0b111 << 27)
                        | (opc << 22)
                        | (1 << 21)
                        | (rm << 16)
                        | (option << 13)
                        | ((rng.below(2) as u32) << 12)
                        | (0b10 << 10)
                        | (28 << 5)
                        | rt
                }
                _ => {
                    // LDP/STP W or X, LDPSW, at an offset from X28.
                    let pair_opc = [0, 2, 1][rng.below(3) as usize];
                    let load = if pair_opc == 1 { 1 } else { rng.below(2) as u32 };
                    let rt2 = rng.below(25) as u32;
                    (pair_opc << 30)
                        | (0b101 << 27)
                        | (2 << 23)
                        | (load << 22)
                        | ((rng.below(32) as u32) << 15)
                        | (rt2 << 10)
                        | (28 << 5)
                        | rt
                }
            }
        }
        // STR W into the code through X27: self-modifying code.
        72..=74 => 0xb900_0000 | ((rng.below(CODE_WORDS) as u32) << 10) | (27 << 5) | rt,
        // B.cond, CBZ/CBNZ, TBZ/TBNZ and B to somewhere in the code.
        75..=91 => {
            // Now and then to the next instruction: taken or not, it goes there, which
            // the engines must neither charge nor treat as leaving the block.
            let target = if rng.below(8) == 0 { at as i64 + 1 } else { rng.below(CODE_WORDS) as i64 };
            let off = (target - at as i64) as u32;
            match rng.below(4) {
                0 => 0x5400_0000 | ((off & 0x7ffff) << 5) | rng.below(15) as u32,
                1 => {
                    0x3400_0000
                        | ((rng.below(2) as u32) << 31)
                        | ((rng.below(2) as u32) << 24)
                        | ((off & 0x7ffff) << 5)
                        | rt
                }
                2 => {
                    0x3600_0000
                        | ((rng.below(2) as u32) << 24)
                        | ((rng.below(32) as u32) << 19)
                        | ((off & 0x3fff) << 5)
                        | rt
                }
                _ => 0x1400_0000 | (off & 0x3ff_ffff),
            }
        }
        92..=94 => 0xd400_0001, // svc #0
        95..=96 => 0xd50b_753b, // ic ivau, x27
        _ => 0xd503_3fdf,       // isb
    }
}

/// The engines under test.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Engine {
    Interpreter,
    /// The block translator's block loop alone.
    Blocks,
    /// Every block compiled to host code before its first run.
    Jit,
}

fn machine(seed: u64, engine: Engine, mmu: bool) -> (Cpu, Bus) {
    let mut rng = Rng(seed | 1);
    let mut bus = Bus::new(Ram::new(RAM).unwrap());
    // Every vector: skip the instruction that trapped (ELR + 4) and return.
    let handler = [0xd538_4039u32, 0x9100_1339, 0xd518_4039, 0xd69f_03e0];
    for v in 0..16 {
        for (i, w) in handler.iter().enumerate() {
            bus.ram.write(VBAR + 0x80 * v + 4 * i as u64, 4, *w as u64);
        }
    }
    for i in 0..CODE_WORDS {
        bus.ram.write(CODE + 4 * i, 4, random_word(&mut rng, i, seed % 2 == 1) as u64);
    }
    for i in 0..512 {
        bus.ram.write(DATA + 8 * i, 8, rng.next());
    }
    let mut cpu = Cpu::new(Features::MAX, 1);
    cpu.set_translate(engine != Engine::Interpreter);
    cpu.set_jit_threshold(if engine == Engine::Jit { 1 } else { 0 });
    cpu.sys.vbar[1] = VBAR;
    cpu.sys.cpacr_el1 = 3 << 20;
    for n in 0..25 {
        cpu.set_xreg(n, rng.next());
    }
    cpu.set_xreg(27, CODE);
    cpu.set_xreg(28, DATA);
    for n in 0..32 {
        cpu.set_vreg(n, (rng.next() as u128) << 64 | rng.next() as u128);
    }
    cpu.set_sp(0x3_0000);
    cpu.set_pc(CODE);
    if mmu {
        // An identity map of the first GiB in one level-1 block (4K granule, T0SZ = 25),
        // turned on by a prologue that then branches to the code: every access goes
        // through the micro-TLBs and the walker.
        bus.ram.write(TABLES, 8, 0b01 | (1 << 10));
        cpu.set_xreg(0, 0xff); // MAIR attr 0: Normal write-back
        cpu.set_xreg(1, 25 | (1 << 23)); // T0SZ = 25; EPD1: no TTBR1 walks
        cpu.set_xreg(2, TABLES);
        let prologue = [
            0xd518_a200u32,                                                       // msr mair_el1, x0
            0xd518_2041,                                                          // msr tcr_el1, x1
            0xd518_2002,                                                          // msr ttbr0_el1, x2
            0xd538_1003,                                                          // mrs x3, sctlr_el1
            0xb240_0063,                                                          // orr x3, x3, #1
            0xd518_1003,                                                          // msr sctlr_el1, x3
            0xd503_3fdf,                                                          // isb
            0x1400_0000 | (((CODE - MMU_PROLOGUE - 28) / 4) as u32 & 0x3ff_ffff), // b CODE
        ];
        for (i, w) in prologue.iter().enumerate() {
            bus.ram.write(MMU_PROLOGUE + 4 * i as u64, 4, *w as u64);
        }
        cpu.set_pc(MMU_PROLOGUE);
    }
    (cpu, bus)
}

fn state(cpu: &Cpu) -> String {
    let x: Vec<u64> = (0..31).map(|n| cpu.xreg(n)).collect();
    let v: Vec<u128> = (0..32).map(|n| cpu.vreg(n)).collect();
    format!(
        "pc={:#x} el={} sp={:#x} nzcv={:#x} fpcr={:#x} fpsr={:#x} insns={} cycles={}\nx={x:x?}\nv={v:x?}",
        cpu.pc(),
        cpu.el(),
        cpu.sp(),
        cpu.nzcv(),
        cpu.fpcr(),
        cpu.fpsr(),
        cpu.insns(),
        cpu.cycles()
    )
}

/// Runs `engine` beside the interpreter; returns the engine's counters.
fn lockstep(seed: u64, steps: usize, engine: Engine, mmu: bool) -> bramble_cpu::Stats {
    let (mut fast, mut fast_bus) = machine(seed, engine, mmu);
    let (mut plain, mut plain_bus) = machine(seed, Engine::Interpreter, mmu);
    let mut budgets = Rng(seed.wrapping_mul(31) | 1);
    for step in 0..steps {
        let budget = 1 + budgets.below(48);
        let a = fast.run(&mut fast_bus, budget);
        let b = plain.run(&mut plain_bus, budget);
        assert_eq!(a, b, "{engine:?} seed {seed} step {step}: the engines stopped for different reasons");
        let (sa, sb) = (state(&fast), state(&plain));
        assert!(sa == sb, "{engine:?} seed {seed} step {step}: state differs\n{engine:?}:\n{sa}\ninterpreter:\n{sb}");
        if matches!(a, StopReason::ExceptionLoop { .. }) {
            break;
        }
    }
    let ram_a = fast_bus.ram.slice(0, RAM).unwrap();
    let ram_b = plain_bus.ram.slice(0, RAM).unwrap();
    assert!(ram_a == ram_b, "{engine:?} seed {seed}: memory differs");
    assert!(!mmu || fast.stats().tlb_walks > 0, "seed {seed}: the MMU never walked");
    fast.stats()
}

/// The engine's counters summed over the 24 seeds, each run with the MMU off and on.
fn all_seeds(engine: Engine) -> (u64, u64, u64) {
    let runs = (1..=24).flat_map(|seed| [false, true].map(|mmu| lockstep(seed * 0x9e37_79b9, 4000, engine, mmu)));
    runs.fold((0, 0, 0), |(t, c, i), s| (t + s.blocks_translated, c + s.blocks_compiled, i + s.code_invalidations))
}

#[test]
fn translator_and_interpreter_agree_on_random_code() {
    let (translated, _, invalidated) = all_seeds(Engine::Blocks);
    // The test is only worth something if blocks were translated, and code rewritten.
    assert!(translated > 1000, "{translated} blocks translated");
    assert!(invalidated > 10, "{invalidated} invalidations");
}

#[test]
fn jit_and_interpreter_agree_on_random_code() {
    let (_, compiled, invalidated) = all_seeds(Engine::Jit);
    // Nothing was compared unless blocks were compiled (x86-64 hosts only).
    if cfg!(target_arch = "x86_64") {
        assert!(compiled > 1000, "{compiled} blocks compiled");
    }
    assert!(invalidated > 10, "{invalidated} invalidations");
}
