//! Execution speed of the three engines (the JIT, the block translator's block loop with
//! `--no-jit`, and the plain interpreter),
//! guest instructions per second, on CPU-bound loops: integer (loads, stores, ALU work and
//! a conditional branch; the loop body of test-roms' cpubound ROM) with the MMU off and on,
//! a load loop through the micro-TLB (the memory fast path), scalar double-precision FP,
//! Advanced SIMD, and a device-polling loop (MMIO dispatch through the bus).
//! Criterion reports the rate as elements (instructions)/s; the figures printed at the end
//! are MIPS.

use std::time::Instant;

use bramble_cpu::{Cpu, Features};
use bramble_mem::{Access, Bus, MmioDevice, Ram};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

/// Sets up the loop's registers, then falls into bramble_benches::INTEGER_LOOP_BODY.
const PROLOGUE: [u32; 4] = [
    0xd2a00020, // mov x0, #0x10000
    0xd2a80001, // mov x1, #0x40000000   (iterations: far more than one run uses)
    0xd2800002, // mov x2, #0
    0xd2800003, // mov x3, #0
];

/// Turns the EL1 MMU on from x0 (MAIR), x1 (TCR), x2 (TTBR0), then falls into the prologue.
const MMU_ON: [u32; 7] = [
    0xd518a200, // msr mair_el1, x0
    0xd5182041, // msr tcr_el1, x1
    0xd5182002, // msr ttbr0_el1, x2
    0xd5381003, // mrs x3, sctlr_el1
    0xb2400063, // orr x3, x3, #1
    0xd5181003, // msr sctlr_el1, x3
    0xd5033fdf, // isb
];

const TABLES: u64 = 0x40_0000;

fn machine(mmu: bool) -> (Cpu, Bus) {
    machine_with(mmu, &bramble_benches::INTEGER_LOOP_BODY)
}

/// A register file behind the bus, for the MMIO loop.
struct Scratch([u32; 4]);
impl MmioDevice for Scratch {
    fn read(&mut self, _: Access, offset: u64, _size: u8) -> u64 {
        self.0[(offset as usize / 4) & 3] as u64
    }
    fn write(&mut self, _: Access, offset: u64, _size: u8, value: u64) {
        self.0[(offset as usize / 4) & 3] = value as u32;
    }
}

const DEVICE: u64 = 0xfe20_1000;

fn mmio_machine() -> (Cpu, Bus) {
    let (mut cpu, mut bus) = machine_with(false, &bramble_benches::MMIO_LOOP_BODY);
    // A fixed window clear of RAM (16 MiB) and of every other device: adding it cannot fail.
    bus.add("scratch", DEVICE, 0x1000, Box::new(Scratch([0x90; 4]))).expect("the scratch device fits");
    cpu.set_xreg(5, DEVICE);
    (cpu, bus)
}

fn machine_with(mmu: bool, body: &[u32]) -> (Cpu, Bus) {
    let mut bus = Bus::new(Ram::new(16 << 20).expect("16 MiB of RAM"));
    let prologue: &[u32] = if mmu { &MMU_ON } else { &[] };
    let code = prologue.iter().chain(PROLOGUE.iter()).chain(body.iter());
    for (i, w) in code.enumerate() {
        bus.ram.write(0x8_0000 + 4 * i as u64, 4, *w as u64);
    }
    let mut cpu = Cpu::new(Features::CORTEX_A72, 1);
    if mmu {
        // Identity map of the first 16 MiB with 2 MiB blocks: L1[0] -> L2, L2[i] = block i.
        // The tables sit at 4 MiB, clear of the loop's array at 64 KiB.
        bus.ram.write(TABLES, 8, (TABLES + 0x1000) | 0b11);
        for i in 0..8u64 {
            bus.ram.write(TABLES + 0x1000 + 8 * i, 8, (i << 21) | 0b01 | (1 << 10));
        }
        cpu.set_xreg(0, 0xff); // attr 0: Normal write-back
        cpu.set_xreg(1, 25); // T0SZ = 25 (39-bit VA), 4K granule
        cpu.set_xreg(2, TABLES);
    }
    cpu.set_pc(0x8_0000);
    (cpu, bus)
}

/// The FP and SIMD loops: FP enabled, the array filled with doubles 1 + i/1024 (ordinary
/// normal values, so no special-case shortcut flatters the figures) and the constants set.
fn fp_machine(body: &[u32]) -> (Cpu, Bus) {
    let (mut cpu, mut bus) = machine_with(false, body);
    cpu.sys.cpacr_el1 = 3 << 20;
    for i in 0..1024u64 {
        bus.ram.write(0x1_0000 + 8 * i, 8, (1.0 + i as f64 / 1024.0).to_bits());
    }
    cpu.set_vreg(2, 0.999f64.to_bits() as u128);
    cpu.set_vreg(9, 1.01f64.to_bits() as u128);
    cpu.set_vreg(8, 1e300f64.to_bits() as u128);
    // d4 for the FP loop (each step multiplies d3 by it); v4.4s for the SIMD loop's FMLA.
    let v4 = if body == bramble_benches::SIMD_LOOP_BODY {
        u128::from(1.5f32.to_bits()) * 0x0000_0001_0000_0001_0000_0001_0000_0001
    } else {
        1.0001f64.to_bits() as u128
    };
    cpu.set_vreg(4, v4);
    cpu.set_vreg(3, 1.0f64.to_bits() as u128);
    (cpu, bus)
}

/// Cycles per criterion iteration (a few million instructions).
const SLICE: u64 = 10_000_000;

/// Guest instructions per second over `cycles` of virtual time, in millions.
fn mips(cpu: &mut Cpu, bus: &mut Bus, cycles: u64) -> f64 {
    let (n, t) = (cpu.insns(), Instant::now());
    cpu.run(bus, cycles);
    (cpu.insns() - n) as f64 / t.elapsed().as_secs_f64() / 1e6
}

type Setup = fn() -> (Cpu, Bus);

fn loops() -> [(&'static str, Setup); 6] {
    [
        ("integer_loop", || machine(false)),
        ("integer_loop_mmu_on", || machine(true)),
        ("load_loop_mmu_on", || machine_with(true, &bramble_benches::LOAD_LOOP_BODY)),
        ("fp_loop", || fp_machine(&bramble_benches::FP_LOOP_BODY)),
        ("simd_loop", || fp_machine(&bramble_benches::SIMD_LOOP_BODY)),
        ("mmio_loop", mmio_machine),
    ]
}

/// (name, translate, jit) of each engine.
const ENGINES: [(&str, bool, bool); 3] =
    [("jit", true, true), ("translator", true, false), ("interpreter", false, false)];

fn bench(c: &mut Criterion) {
    for (engine, translate, jit) in ENGINES {
        let mut g = c.benchmark_group(engine);
        g.sample_size(20);
        for (name, setup) in loops() {
            let (mut cpu, mut bus) = setup();
            cpu.set_translate(translate);
            cpu.set_jit(jit);
            // Throughput in instructions: how many one slice of cycles retires.
            let before = cpu.insns();
            cpu.run(&mut bus, SLICE);
            g.throughput(Throughput::Elements(cpu.insns() - before));
            g.bench_function(name, |b| b.iter(|| cpu.run(&mut bus, SLICE)));
        }
        g.finish();
    }
    for (name, setup) in loops() {
        let mut line = format!("{name}:");
        for (engine, translate, jit) in ENGINES {
            let (mut cpu, mut bus) = setup();
            cpu.set_translate(translate);
            cpu.set_jit(jit);
            line += &format!(" {engine} {:.0} MIPS", mips(&mut cpu, &mut bus, 300_000_000));
        }
        println!("{line}");
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
