//! Evaluates softfloat operations line by line, for `scripts/difftest/softfloat_check.py`,
//! which runs the same cases as real A64 instructions on Unicorn.
//!
//! Input, one case per line: `op fmt fpcr a b c`, all numbers hex without `0x`; `fmt` is
//! `h`, `s` or `d`. Output, one line per case: `result flags` (hex), where `result` is what
//! the instruction leaves in its destination (zero-extended; NZCV in bits 3..0 for FCMP;
//! all ones or zero for FCMEQ/GE/GT), `flags` the FPSR cumulative bits raised. Malformed
//! lines answer `error`.
//!
//! | op | instruction | operands |
//! |---|---|---|
//! | `add sub mul nmul mulx div max min maxnm minnm` | F<op> Vd, Vn, Vm | a = n, b = m |
//! | `fmadd fmsub fnmadd fnmsub` | F<op> Vd, Vn, Vm, Va | a = n, b = m, c = a |
//! | `sqrt frintn frintp frintm frintz frinta frintx frinti` | one source | a |
//! | `frecpe frsqrte frecpx`, `frecps frsqrts` | estimates, steps | a (, b) |
//! | `cmp cmpe` | FCMP/FCMPE Vn, Vm (b = 0 for the `#0.0` forms) | a, b |
//! | `cmeq cmge cmgt` | FCM<op> (scalar register) | a, b |
//! | `fcvtns fcvtnu fcvtps fcvtpu fcvtms fcvtmu fcvtzs fcvtzu fcvtas fcvtau` | to W/X | a, b = fbits, c = 32 or 64 |
//! | `scvtf ucvtf` | from W/X to `fmt` | a = integer, b = fbits, c = 32 or 64 |
//! | `fcvth fcvts fcvtd` | FCVT from `fmt` to H/S/D | a |
//! | `fcvtxn` | FCVTXN Sd, Dn (`fmt` = d) | a |
//! | `urecpe ursqrte` | one 32-bit lane | a |
//!
//! `sf_eval --bench` instead prints a rough ns/op for the main operations.

use std::io::{self, BufRead, BufWriter, Write};
use std::time::Instant;

use bramble_softfloat::{
    neg, unsigned_recip_estimate, unsigned_rsqrt_estimate, Double, Format, Fp, Half, Rounding, Single,
};

fn ones(bits: u32) -> u64 {
    if bits >= 64 {
        u64::MAX
    } else {
        (1 << bits) - 1
    }
}

/// One case in format F: the destination value, or None for an unknown op.
fn eval<F: Format>(fp: &mut Fp, op: &str, a: u64, b: u64, c: u64) -> Option<u64> {
    let fpcr_rounding = fp.rounding();
    let mask = |x: bool| if x { ones(F::BITS) } else { 0 };
    let to_int =
        |fp: &mut Fp, rounding: Rounding, unsigned: bool| fp.to_fixed::<F>(a, b as u32, unsigned, c as u32, rounding);
    let from_int = |fp: &mut Fp, unsigned: bool| fp.from_fixed::<F>(a, b as u32, unsigned, c as u32, fpcr_rounding);
    Some(match op {
        "add" => fp.add::<F>(a, b),
        "sub" => fp.sub::<F>(a, b),
        "mul" => fp.mul::<F>(a, b),
        "nmul" => neg::<F>(fp.mul::<F>(a, b)),
        "mulx" => fp.mulx::<F>(a, b),
        "div" => fp.div::<F>(a, b),
        "max" => fp.max::<F>(a, b),
        "min" => fp.min::<F>(a, b),
        "maxnm" => fp.max_num::<F>(a, b),
        "minnm" => fp.min_num::<F>(a, b),
        "fmadd" => fp.mul_add::<F>(c, a, b),
        "fmsub" => fp.mul_add::<F>(c, neg::<F>(a), b),
        "fnmadd" => fp.mul_add::<F>(neg::<F>(c), neg::<F>(a), b),
        "fnmsub" => fp.mul_add::<F>(neg::<F>(c), a, b),
        "sqrt" => fp.sqrt::<F>(a),
        "frintn" => fp.round_int::<F>(a, Rounding::TieEven, false),
        "frintp" => fp.round_int::<F>(a, Rounding::PosInf, false),
        "frintm" => fp.round_int::<F>(a, Rounding::NegInf, false),
        "frintz" => fp.round_int::<F>(a, Rounding::Zero, false),
        "frinta" => fp.round_int::<F>(a, Rounding::TieAway, false),
        "frintx" => fp.round_int::<F>(a, fpcr_rounding, true),
        "frinti" => fp.round_int::<F>(a, fpcr_rounding, false),
        "frecpe" => fp.recip_estimate::<F>(a),
        "frsqrte" => fp.rsqrt_estimate::<F>(a),
        "frecpx" => fp.recpx::<F>(a),
        "frecps" => fp.recip_step::<F>(a, b),
        "frsqrts" => fp.rsqrt_step::<F>(a, b),
        "cmp" => fp.compare::<F>(a, b, false) as u64,
        "cmpe" => fp.compare::<F>(a, b, true) as u64,
        "cmeq" => mask(fp.compare_eq::<F>(a, b)),
        "cmge" => mask(fp.compare_ge::<F>(a, b)),
        "cmgt" => mask(fp.compare_gt::<F>(a, b)),
        "fcvtns" => to_int(fp, Rounding::TieEven, false),
        "fcvtnu" => to_int(fp, Rounding::TieEven, true),
        "fcvtps" => to_int(fp, Rounding::PosInf, false),
        "fcvtpu" => to_int(fp, Rounding::PosInf, true),
        "fcvtms" => to_int(fp, Rounding::NegInf, false),
        "fcvtmu" => to_int(fp, Rounding::NegInf, true),
        "fcvtzs" => to_int(fp, Rounding::Zero, false),
        "fcvtzu" => to_int(fp, Rounding::Zero, true),
        "fcvtas" => to_int(fp, Rounding::TieAway, false),
        "fcvtau" => to_int(fp, Rounding::TieAway, true),
        "scvtf" => from_int(fp, false),
        "ucvtf" => from_int(fp, true),
        "fcvth" => fp.convert::<F, Half>(a, fpcr_rounding),
        "fcvts" => fp.convert::<F, Single>(a, fpcr_rounding),
        "fcvtd" => fp.convert::<F, Double>(a, fpcr_rounding),
        "fcvtxn" => fp.convert::<F, Single>(a, Rounding::Odd),
        "urecpe" => unsigned_recip_estimate(a as u32) as u64,
        "ursqrte" => unsigned_rsqrt_estimate(a as u32) as u64,
        _ => return None,
    })
}

fn eval_line(line: &str) -> Option<(u64, u32)> {
    let mut it = line.split_whitespace();
    let op = it.next()?;
    let fmt = it.next()?;
    let mut num = || it.next().map_or(Some(0), |s| u64::from_str_radix(s, 16).ok());
    let fpcr = num()?;
    let (a, b, c) = (num()?, num()?, num()?);
    let mut fp = Fp::new(u32::try_from(fpcr).ok()?);
    let r = match fmt {
        "h" => eval::<Half>(&mut fp, op, a, b, c)?,
        "s" => eval::<Single>(&mut fp, op, a, b, c)?,
        "d" => eval::<Double>(&mut fp, op, a, b, c)?,
        _ => return None,
    };
    Some((r, fp.flags))
}

/// A rough ns/op figure on varied normal operands (not a benchmark suite: see `benches/`).
fn bench() {
    // Varied operands so the branch predictor cannot learn a single path.
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let doubles: Vec<u64> = (0..1024).map(|_| 0x3f00_0000_0000_0000 | (next() & 0x00ff_ffff_ffff_ffff)).collect();
    let singles: Vec<u64> = (0..1024).map(|_| 0x3c00_0000 | (next() & 0x03ff_ffff)).collect();
    type Op = fn(&mut Fp, u64, u64, u64) -> u64;
    let ops: [(&str, Op, Op); 5] = [
        ("add", |f, a, b, _| f.add::<Single>(a, b), |f, a, b, _| f.add::<Double>(a, b)),
        ("mul", |f, a, b, _| f.mul::<Single>(a, b), |f, a, b, _| f.mul::<Double>(a, b)),
        ("fma", |f, a, b, c| f.mul_add::<Single>(c, a, b), |f, a, b, c| f.mul_add::<Double>(c, a, b)),
        ("div", |f, a, b, _| f.div::<Single>(a, b), |f, a, b, _| f.div::<Double>(a, b)),
        ("sqrt", |f, a, _, _| f.sqrt::<Single>(a), |f, a, _, _| f.sqrt::<Double>(a)),
    ];
    // The best of several short runs: other load on the machine only ever adds time.
    const ROUNDS: usize = 100;
    const TRIALS: usize = 15;
    for (name, single, double) in ops {
        let mut line = format!("{name:5}");
        for (label, op, vals) in [("single", single, &singles), ("double", double, &doubles)] {
            let mut best = f64::MAX;
            for _ in 0..TRIALS {
                let mut fp = Fp::new(0);
                let mut acc = 0u64;
                let t = Instant::now();
                for _ in 0..ROUNDS {
                    for w in vals.windows(3) {
                        acc = acc.wrapping_add(op(&mut fp, w[0], w[1], w[2]));
                    }
                }
                best = best.min(t.elapsed().as_nanos() as f64 / (ROUNDS * (vals.len() - 2)) as f64);
                std::hint::black_box(acc);
            }
            line += &format!("  {label} {best:5.1} ns/op");
        }
        println!("{line}");
    }
}

fn main() -> io::Result<()> {
    if std::env::args().any(|a| a == "--bench") {
        bench();
        return Ok(());
    }
    let stdin = io::stdin().lock();
    let mut out = BufWriter::new(io::stdout().lock());
    for line in stdin.lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        match eval_line(&line) {
            Some((r, flags)) => writeln!(out, "{r:x} {flags:x}")?,
            None => writeln!(out, "error")?,
        }
    }
    out.flush()
}
