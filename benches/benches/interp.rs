//! Interpreter speed: guest instructions per second on a CPU-bound integer loop with
//! loads, stores, ALU work and a conditional branch (8 instructions per iteration, the
//! loop body of test-roms' cpubound ROM). Criterion reports the rate as elements/s; the
//! figure printed at the end is the same in MIPS.

use std::time::Instant;

use bramble_cpu::{Cpu, Features};
use bramble_mem::{Bus, Ram};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const LOOP: [u32; 12] = [
    0xd2a00020, // mov x0, #0x10000
    0xd2a80001, // mov x1, #0x40000000   (iterations: far more than one run uses)
    0xd2800002, // mov x2, #0
    0xd2800003, // mov x3, #0
    0xf8637804, // loop: ldr x4, [x0, x3, lsl #3]
    0x8b040042, // add x2, x2, x4
    0xca420c84, // eor x4, x4, x2, lsr #3
    0xf8237804, // str x4, [x0, x3, lsl #3]
    0x91000463, // add x3, x3, #1
    0x92402463, // and x3, x3, #0x3ff
    0xf1000421, // subs x1, x1, #1
    0x54ffff21, // b.ne loop
];

fn machine() -> (Cpu, Bus) {
    let mut bus = Bus::new(Ram::new(16 << 20).expect("16 MiB of RAM"));
    for (i, w) in LOOP.iter().enumerate() {
        bus.ram.write(0x8_0000 + 4 * i as u64, 4, *w as u64);
    }
    let mut cpu = Cpu::new(Features::CORTEX_A72, 1);
    cpu.set_pc(0x8_0000);
    (cpu, bus)
}

const SLICE: u64 = 10_000_000;

fn bench(c: &mut Criterion) {
    let (mut cpu, mut bus) = machine();
    let mut g = c.benchmark_group("interpreter");
    g.throughput(Throughput::Elements(SLICE));
    g.sample_size(20);
    g.bench_function("integer_loop_10M", |b| b.iter(|| cpu.run(&mut bus, SLICE)));
    g.finish();

    let (mut cpu, mut bus) = machine();
    let t = Instant::now();
    cpu.run(&mut bus, 200_000_000);
    let s = t.elapsed().as_secs_f64();
    println!("interpreter: {:.0} MIPS (200M instructions in {s:.2} s)", 200.0 / s);
}

criterion_group!(benches, bench);
criterion_main!(benches);
