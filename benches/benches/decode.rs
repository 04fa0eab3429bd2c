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

/// The integer loop's body followed by call/return, compare-and-branch, divide and MRS.
const OTHER_WORDS: [u32; 8] = [
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
    let mix: Vec<u32> =
        bramble_benches::INTEGER_LOOP_BODY.iter().chain(OTHER_WORDS.iter()).copied().cycle().take(4096).collect();
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
