//! Floating-point arithmetic exactly as the Arm ARM's shared pseudocode defines it (DDI 0487,
//! chapter J1, `shared/functions/float/*`: `FPUnpack`, `FPRound`, `FPProcessNaNs`, `FPAdd`,
//! `FPMulAdd`, `FPToFixed`, `FPConvert`, `FPRecipEstimate`, ...), for Armv8.0: no FEAT_AFP
//! (FPCR.AH/FIZ/NEP), no FEAT_RPRES, FEAT_FP16's FZ16 honoured where the pseudocode reads it.
//!
//! Why not the host's FPU or an IEEE library: Arm detects tininess before rounding, flushes
//! denormal inputs and tiny outputs under FPCR.FZ (raising IDC and UFC, not IXC), has its own
//! NaN operand priority and default NaN, an alternative half-precision format (FPCR.AHP),
//! round-to-odd for FCVTXN, saturating float-to-integer conversions, and architected
//! reciprocal estimate tables. Every operation here computes the exact result on integers
//! (u64/u128 significands; the host's floating point only seeds the integer square root),
//! then rounds it once in `round.rs`, which follows `FPRoundBase` step by step.
//!
//! Checked bit for bit (result and flags) against Unicorn's AArch64 FPU, every operation
//! in every format, by `scripts/difftest/softfloat_check.py` with `examples/sf_eval.rs`.
//!
//! Operands and results are raw bit patterns in the low bits of a `u64`; bits above the
//! format's width are ignored on input and zero on output. The format is a type parameter
//! ([`Half`], [`Single`], [`Double`]). An [`Fp`] carries FPCR in and the cumulative FPSR
//! flags the operation raised out; exception trapping (FPCR.IOE...) is not modelled, as on
//! cores that do not implement it.
//!
//! | file | pseudocode |
//! |---|---|
//! | `unpack.rs` | `FPUnpackBase`, `FPUnpack`, `FPUnpackCV`, `FPProcessNaN(s)(3)`, constants |
//! | `round.rs` | `FPRoundBase`, `FPRound`, `FPRoundCV` |
//! | `arith.rs` | `FPAdd`, `FPSub`, `FPMul`, `FPMulX`, `FPDiv`, `FPMulAdd`, `FPSqrt` |
//! | `compare.rs` | `FPCompare`, `FPCompareEQ/GE/GT`, `FPMax`, `FPMin`, `FPMaxNum`, `FPMinNum` |
//! | `convert.rs` | `FPRoundInt`, `FPToFixed`, `FixedToFP`, `FPConvert`, `FPConvertNaN` |
//! | `estimate.rs` | `FPRecipEstimate`, `FPRSqrtEstimate`, `FPRecipStepFused`, `FPRSqrtStepFused`, `FPRecpX`, `UnsignedRecipEstimate`, `UnsignedRSqrtEstimate` |

mod arith;
mod compare;
mod convert;
mod estimate;
mod round;
mod unpack;

pub use estimate::{unsigned_recip_estimate, unsigned_rsqrt_estimate};

/// FPCR bits this crate reads (D13.2.48).
pub mod fpcr {
    /// Alternative half-precision format for conversions.
    pub const AHP: u32 = 1 << 26;
    /// Default NaN: every NaN result is the default NaN.
    pub const DN: u32 = 1 << 25;
    /// Flush-to-zero for single and double precision.
    pub const FZ: u32 = 1 << 24;
    /// FPCR.RMode is bits 23:22.
    pub const RMODE_SHIFT: u32 = 22;
    /// Flush-to-zero for half-precision arithmetic (FEAT_FP16).
    pub const FZ16: u32 = 1 << 19;
}

/// FPSR cumulative exception flags, at their FPSR bit positions (D13.2.51).
pub mod flags {
    /// Invalid operation.
    pub const IOC: u32 = 1;
    /// Division by zero.
    pub const DZC: u32 = 2;
    /// Overflow.
    pub const OFC: u32 = 4;
    /// Underflow.
    pub const UFC: u32 = 8;
    /// Inexact.
    pub const IXC: u32 = 16;
    /// Input denormal (flushed to zero).
    pub const IDC: u32 = 128;
}

/// `FPRounding`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rounding {
    /// Round to nearest, ties to even (FPCR.RMode 0).
    TieEven,
    /// Towards plus infinity (FPCR.RMode 1).
    PosInf,
    /// Towards minus infinity (FPCR.RMode 2).
    NegInf,
    /// Towards zero (FPCR.RMode 3).
    Zero,
    /// Round to nearest, ties away from zero (FCVTA*, FRINTA).
    TieAway,
    /// Round to odd (FCVTXN): truncate, then set the last bit if anything was lost.
    Odd,
}

impl Rounding {
    /// `FPDecodeRounding`: the mode FPCR.RMode (0..3) selects.
    pub fn from_rmode(rmode: u32) -> Self {
        match rmode & 3 {
            0 => Rounding::TieEven,
            1 => Rounding::PosInf,
            2 => Rounding::NegInf,
            _ => Rounding::Zero,
        }
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Half {}
    impl Sealed for super::Single {}
    impl Sealed for super::Double {}
}

/// An IEEE 754 binary interchange format. Sealed: the pseudocode knows only these three.
pub trait Format: sealed::Sealed {
    /// Width of the biased exponent field.
    const EXP_BITS: u32;
    /// Width of the fraction field (the significand without its leading bit).
    const FRAC_BITS: u32;
    /// Total width in bits.
    const BITS: u32 = 1 + Self::EXP_BITS + Self::FRAC_BITS;
    /// Exponent bias.
    const BIAS: i32 = (1 << (Self::EXP_BITS - 1)) - 1;
    /// Half precision: FPCR.FZ16 rather than FZ governs flushing, and FPCR.AHP applies to
    /// conversions.
    const IS_HALF: bool = Self::EXP_BITS == 5;
}

/// IEEE half precision (binary16).
#[derive(Clone, Copy, Debug)]
pub struct Half;
/// IEEE single precision (binary32).
#[derive(Clone, Copy, Debug)]
pub struct Single;
/// IEEE double precision (binary64).
#[derive(Clone, Copy, Debug)]
pub struct Double;

impl Format for Half {
    const EXP_BITS: u32 = 5;
    const FRAC_BITS: u32 = 10;
}
impl Format for Single {
    const EXP_BITS: u32 = 8;
    const FRAC_BITS: u32 = 23;
}
impl Format for Double {
    const EXP_BITS: u32 = 11;
    const FRAC_BITS: u32 = 52;
}

/// The FP context an instruction runs with: FPCR in, exception flags out. The caller ORs
/// `flags` into FPSR when the instruction completes (for a vector, after all lanes).
#[derive(Clone, Copy, Debug)]
pub struct Fp {
    /// FPCR as the instruction sees it (only AHP, DN, FZ, RMode and FZ16 are read).
    pub fpcr: u32,
    /// The FPSR cumulative flags raised so far ([`flags`]).
    pub flags: u32,
}

impl Fp {
    /// A context for FPCR value `fpcr`, with no flags raised yet.
    pub fn new(fpcr: u32) -> Self {
        Self { fpcr, flags: 0 }
    }

    /// `FPRoundingMode`: the rounding FPCR.RMode selects, used by arithmetic.
    pub fn rounding(&self) -> Rounding {
        Rounding::from_rmode((self.fpcr >> fpcr::RMODE_SHIFT) & 3)
    }

    fn dn(&self) -> bool {
        self.fpcr & fpcr::DN != 0
    }

    /// Whether arithmetic on F flushes denormals: FZ16 for half precision, FZ otherwise.
    fn fz<F: Format>(&self) -> bool {
        self.fpcr & if F::IS_HALF { fpcr::FZ16 } else { fpcr::FZ } != 0
    }

    /// The flushing of a conversion's F side (`FPUnpackCV`, `FPRoundCV`): they clear FZ16,
    /// so half precision never flushes there, while single and double follow FZ.
    fn fz_cv<F: Format>(&self) -> bool {
        !F::IS_HALF && self.fpcr & fpcr::FZ != 0
    }

    /// Whether a conversion's F side uses the alternative half-precision format.
    fn ahp<F: Format>(&self) -> bool {
        F::IS_HALF && self.fpcr & fpcr::AHP != 0
    }
}

/// `FPDefaultNaN`: positive, quiet, zero payload.
pub fn default_nan<F: Format>() -> u64 {
    unpack::inf::<F>(false) | unpack::quiet_bit::<F>()
}

/// Whether `x` (of F) is a NaN, quiet or signalling.
pub fn is_nan<F: Format>(x: u64) -> bool {
    x & unpack::mask(F::BITS - 1) > unpack::inf::<F>(false)
}

/// Whether `x` (of F) is a signalling NaN.
pub fn is_snan<F: Format>(x: u64) -> bool {
    is_nan::<F>(x) && x & unpack::quiet_bit::<F>() == 0
}

/// `FPNeg`: flips the sign bit, NaNs included, raising nothing (Armv8.0 FNEG, and the
/// operand negations of FMSUB/FNMADD/FNMSUB/FNMUL).
pub fn neg<F: Format>(x: u64) -> u64 {
    (x ^ unpack::sign_bit::<F>()) & unpack::mask(F::BITS)
}

/// `FPAbs`: clears the sign bit, NaNs included, raising nothing.
pub fn abs<F: Format>(x: u64) -> u64 {
    x & unpack::mask(F::BITS - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// xorshift64: deterministic operands without a dependency.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        /// Raw bits of F, a third of the time an edge value (zeros, denormals, extremes,
        /// infinities, NaNs), with garbage above the format half the time.
        fn operand<F: Format>(&mut self) -> u64 {
            let r = self.next();
            let edges = [0, 1, unpack::mask(F::FRAC_BITS), 1 << F::FRAC_BITS, unpack::max_normal::<F>(false)];
            let x = match r % 9 {
                0..=4 => edges[(r >> 8) as usize % edges.len()] | (r >> 20 & 1) << (F::BITS - 1),
                5 => unpack::inf::<F>(r >> 20 & 1 != 0) | (r >> 21 & unpack::mask(F::FRAC_BITS)),
                _ => r >> 3,
            };
            if r >> 40 & 1 != 0 {
                x & unpack::mask(F::BITS)
            } else {
                x
            }
        }
    }

    fn exercise<F: Format>(rng: &mut Rng) {
        let fpcr = (rng.next() as u32) & (fpcr::AHP | fpcr::DN | fpcr::FZ | fpcr::FZ16 | 3 << fpcr::RMODE_SHIFT);
        let mut fp = Fp::new(fpcr);
        let (a, b, c) = (rng.operand::<F>(), rng.operand::<F>(), rng.operand::<F>());
        let modes =
            [Rounding::TieEven, Rounding::PosInf, Rounding::NegInf, Rounding::Zero, Rounding::TieAway, Rounding::Odd];
        let mode = modes[rng.next() as usize % modes.len()];
        let (fbits, int_bits) = (rng.next() as u32 % 200, rng.next() as u32 % 100);
        let fits = |x: u64| x <= unpack::mask(F::BITS);
        let results = [
            fp.add::<F>(a, b),
            fp.sub::<F>(a, b),
            fp.mul::<F>(a, b),
            fp.mulx::<F>(a, b),
            fp.div::<F>(a, b),
            fp.mul_add::<F>(a, b, c),
            fp.sqrt::<F>(a),
            fp.max::<F>(a, b),
            fp.min::<F>(a, b),
            fp.max_num::<F>(a, b),
            fp.min_num::<F>(a, b),
            fp.round_int::<F>(a, mode, true),
            fp.recip_estimate::<F>(a),
            fp.rsqrt_estimate::<F>(a),
            fp.recip_step::<F>(a, b),
            fp.rsqrt_step::<F>(a, b),
            fp.recpx::<F>(a),
            fp.from_fixed::<F>(a, fbits, false, int_bits, mode),
            fp.from_fixed::<F>(a, fbits, true, int_bits, mode),
        ];
        for (i, r) in results.into_iter().enumerate() {
            assert!(fits(r), "result {i} of {a:#x} {b:#x} {c:#x} is {r:#x}");
        }
        for unsigned in [false, true] {
            let r = fp.to_fixed::<F>(a, fbits, unsigned, int_bits, mode);
            assert!(r <= unpack::mask(int_bits.clamp(1, 64)));
        }
        fp.compare::<F>(a, b, true);
        fp.compare_eq::<F>(a, b);
        fp.compare_ge::<F>(a, b);
        fp.compare_gt::<F>(a, b);
        assert!(fp.convert::<F, Half>(a, mode) <= 0xffff);
        assert!(fp.convert::<F, Single>(a, mode) <= 0xffff_ffff);
        fp.convert::<F, Double>(a, mode);
        assert_eq!(fp.flags & !0x9f, 0);
    }

    #[test]
    fn every_operation_is_total() {
        // Debug builds check arithmetic overflow, so this also finds any wrapping or
        // oversized shift.
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        for _ in 0..20_000 {
            exercise::<Half>(&mut rng);
            exercise::<Single>(&mut rng);
            exercise::<Double>(&mut rng);
            unsigned_recip_estimate(rng.next() as u32);
            unsigned_rsqrt_estimate(rng.next() as u32);
        }
    }

    #[test]
    fn rounding_modes_decode_from_fpcr() {
        assert_eq!(Rounding::from_rmode(0), Rounding::TieEven);
        assert_eq!(Rounding::from_rmode(1), Rounding::PosInf);
        assert_eq!(Rounding::from_rmode(2), Rounding::NegInf);
        assert_eq!(Rounding::from_rmode(3), Rounding::Zero);
        assert_eq!(Fp::new(2 << fpcr::RMODE_SHIFT).rounding(), Rounding::NegInf);
    }
}
