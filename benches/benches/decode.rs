//! Decode throughput: words per second through the generated decoder, over a mix of
//! real instruction words (a loop of common integer instructions) and over uniformly
//! random words (mostly unallocated or FP/SIMD: the worst case for bucket scans).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn words_random(n: usize) -> Vec<u32> {
    let mut s = 0x1234_5678_9abc_def0u64;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s as u32
        })
        .collect()
}

const INTEGER_MIX: [u32; 16] = [
    0xf8637804, // ldr x4, [x0, x3, lsl #3]
    0x8b040042, // add x2, x2, x4
    0xca420c84, // eor x4, x4, x2, lsr #3
    0xf8237804, // str x4, [x0, x3, lsl #3]
    0x91000463, // add x3, x3, #1
    0x92402463, // and x3, x3, #0x3ff
    0xf1000421, // subs x1, x1, #1
    0x54ffff21, // b.ne .-0x1c
    0xa9bf7bfd, // stp x29, x30, [sp, #-16]!
    0x910003fd, // mov x29, sp
    0x94000010, // bl .+0x40
    0xa8c17bfd, // ldp x29, x30, [sp], #16
    0xd65f03c0, // ret
    0xb4000041, // cbz x1, .+8
    0x9ac20c20, // sdiv x0, x1, x2
    0xd53b4200, // mrs x0, nzcv
];

fn bench(c: &mut Criterion) {
    let mix: Vec<u32> = INTEGER_MIX.iter().copied().cycle().take(4096).collect();
    let random = words_random(4096);
    let mut g = c.benchmark_group("decode");
    g.throughput(Throughput::Elements(4096));
    g.bench_function("integer_mix", |b| {
        b.iter(|| {
            mix.iter().for_each(|&w| {
                black_box(bramble_decode::decode(w));
            })
        })
    });
    g.bench_function("random_words", |b| {
        b.iter(|| {
            random.iter().for_each(|&w| {
                black_box(bramble_decode::decode(w));
            })
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
