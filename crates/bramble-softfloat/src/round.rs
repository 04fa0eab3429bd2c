//! `FPRoundBase` and its two faces `FPRound` (arithmetic) and `FPRoundCV` (conversions)
//! (DDI 0487 J1.2.x, `shared/functions/float/fpround`). Every computed result in this
//! crate is rounded here, once, by [`Fp::round_norm`].

use crate::unpack::{inf, mask, max_normal, zero};
use crate::{flags, Format, Fp, Rounding};

/// Shifts right by `n`, OR-ing everything shifted out into bit 0 (the "sticky" jam), so
/// the result still says whether the exact value had bits below its last place.
pub(crate) fn shr_jam(x: u128, n: u32) -> u128 {
    if n == 0 {
        x
    } else if n >= 128 {
        (x != 0) as u128
    } else {
        (x >> n) | ((x & ((1u128 << n) - 1)) != 0) as u128
    }
}

/// The pseudocode's `round_up` decision for a magnitude whose discarded part is described
/// by `round_bit` (its first bit, worth one half of the last place) and `sticky` (any bit
/// below that), given the last kept bit `lsb`. `FPRoundBase`, `FPRoundInt` and `FPToFixed`
/// state it on signed values; on magnitudes it is symmetric except for the directed modes.
pub(crate) fn round_up(rounding: Rounding, negative: bool, lsb: bool, round_bit: bool, sticky: bool) -> bool {
    match rounding {
        Rounding::TieEven => round_bit && (sticky || lsb),
        Rounding::TieAway => round_bit,
        Rounding::PosInf => !negative && (round_bit || sticky),
        Rounding::NegInf => negative && (round_bit || sticky),
        Rounding::Zero | Rounding::Odd => false,
    }
}

/// Splits `m` at bit `k` (>= 1, any size): (m >> k, bit k-1, whether any bit below it is set).
pub(crate) fn split(m: u64, k: u64) -> (u64, bool, bool) {
    match k {
        0 => (m, false, false),
        1..=63 => (m >> k, (m >> (k - 1)) & 1 != 0, m & mask(k as u32 - 1) != 0),
        64 => (0, m >> 63 != 0, m & mask(63) != 0),
        _ => (0, false, m != 0),
    }
}

impl Fp {
    /// `FPRoundBase` of the exact value `(-1)^sign * sig * 2^exp` (`sig` != 0). Bit 0 may be
    /// a sticky jam standing for nonzero bits lost below it: as long as it lies below the
    /// round bit, the exact and the jammed value fall between the same two multiples of the
    /// round bit and round alike.
    ///
    /// `fz`: flush a result that is tiny before rounding to zero, raising only UFC.
    /// `ahp`: F is the alternative half format, whose overflow saturates with IOC.
    pub(crate) fn round_base<F: Format>(
        &mut self,
        sign: bool,
        sig: u128,
        exp: i32,
        rounding: Rounding,
        fz: bool,
        ahp: bool,
    ) -> u64 {
        if sig == 0 {
            // Callers never round an exact zero (its sign is theirs to choose); be total anyway.
            return zero::<F>(sign);
        }
        // Normalise to 64 bits with the leading one at bit 63 and everything below jammed.
        let lz = sig.leading_zeros();
        let top = sig << lz;
        let m = (top >> 64) as u64 | (top as u64 != 0) as u64;
        self.round_norm::<F>(sign, m, exp as i64 + 127 - lz as i64, rounding, fz, ahp)
    }

    /// [`Fp::round_base`] of `(-1)^sign * m * 2^(exponent - 63)`, `m` having its leading one
    /// at bit 63: `exponent` is the pseudocode's unbounded `exponent`.
    pub(crate) fn round_norm<F: Format>(
        &mut self,
        sign: bool,
        m: u64,
        exponent: i64,
        rounding: Rounding,
        fz: bool,
        ahp: bool,
    ) -> u64 {
        let min_exp = 1 - F::BIAS as i64;
        if fz && exponent < min_exp {
            self.flags |= flags::UFC;
            return zero::<F>(sign);
        }
        // biased_exp, and the number of bits of m below the result's last place (one more
        // per step below the normal range: the result is then a denormal).
        let (biased, drop) = if exponent >= min_exp {
            ((exponent - min_exp + 1).min(mask(F::EXP_BITS) as i64 + 1) as u64, 63 - F::FRAC_BITS as u64)
        } else {
            (0, 63 - F::FRAC_BITS as u64 + (min_exp - exponent) as u64)
        };
        let (mut int_mant, round_bit, sticky) = split(m, drop);
        let inexact = round_bit || sticky;
        // Tininess is detected before rounding; underflow needs inexactness too.
        if biased == 0 && inexact {
            self.flags |= flags::UFC;
        }
        if round_up(rounding, sign, int_mant & 1 != 0, round_bit, sticky) {
            int_mant += 1;
        }
        if rounding == Rounding::Odd && inexact {
            int_mant |= 1;
        }
        // With the leading one counted as the exponent field's lowest bit, a carry out of
        // the significand (or a denormal rounding up to the smallest normal) moves the
        // exponent by itself.
        let enc = if biased == 0 { int_mant } else { ((biased - 1) << F::FRAC_BITS) + int_mant };
        let biased_out = enc >> F::FRAC_BITS;
        let overflow_to_inf = match rounding {
            Rounding::TieEven | Rounding::TieAway => true,
            Rounding::PosInf => !sign,
            Rounding::NegInf => sign,
            Rounding::Zero | Rounding::Odd => false,
        };
        let sign_bits = zero::<F>(sign);
        if !ahp {
            if biased_out >= mask(F::EXP_BITS) {
                self.flags |= flags::OFC | flags::IXC;
                return if overflow_to_inf { inf::<F>(sign) } else { max_normal::<F>(sign) };
            }
        } else if biased_out > mask(F::EXP_BITS) {
            // No infinity to overflow to: the largest value, as an invalid operation and
            // not inexact.
            self.flags |= flags::IOC;
            return sign_bits | mask(F::BITS - 1);
        }
        if inexact {
            self.flags |= flags::IXC;
        }
        sign_bits | enc
    }

    /// `FPRound` with FPCR's rounding mode.
    pub(crate) fn round<F: Format>(&mut self, sign: bool, sig: u128, exp: i32) -> u64 {
        let (rounding, fz) = (self.rounding(), self.fz::<F>());
        self.round_base::<F>(sign, sig, exp, rounding, fz, false)
    }

    /// `FPRound` with an explicit rounding mode.
    pub(crate) fn round_with<F: Format>(&mut self, sign: bool, sig: u128, exp: i32, rounding: Rounding) -> u64 {
        let fz = self.fz::<F>();
        self.round_base::<F>(sign, sig, exp, rounding, fz, false)
    }

    /// `FPRoundCV`: the conversion form (half never flushes, FPCR.AHP selects its format).
    pub(crate) fn round_cv<F: Format>(&mut self, sign: bool, sig: u128, exp: i32, rounding: Rounding) -> u64 {
        let (fz, ahp) = (self.fz_cv::<F>(), self.ahp::<F>());
        self.round_base::<F>(sign, sig, exp, rounding, fz, ahp)
    }
}

#[cfg(test)]
mod tests {
    use crate::*;

    const ONE_S: u64 = 0x3f80_0000;
    /// 2^-126, the smallest normal single.
    const MIN_NORMAL_S: u64 = 0x0080_0000;

    fn fpcr_mode(r: u32) -> u32 {
        r << fpcr::RMODE_SHIFT
    }

    #[test]
    fn every_mode_rounds_a_tie_and_a_non_tie() {
        // 1 + 2^-24 is half way between 1 and 1 + 2^-23; 1 + 3*2^-25 is above half.
        let half = 0x3380_0000; // 2^-24
        let cases = [(0, ONE_S, ONE_S + 1), (1, ONE_S + 1, ONE_S + 1), (2, ONE_S, ONE_S), (3, ONE_S, ONE_S)];
        for (mode, tie, above) in cases {
            let mut fp = Fp::new(fpcr_mode(mode));
            assert_eq!(fp.add::<Single>(ONE_S, half), tie, "mode {mode}");
            assert_eq!(fp.flags, flags::IXC);
            assert_eq!(fp.add::<Single>(ONE_S, 0x33c0_0000), above, "mode {mode}");
        }
        // Negative values: towards minus infinity grows the magnitude.
        let mut fp = Fp::new(fpcr_mode(2));
        assert_eq!(fp.add::<Single>(ONE_S | 1 << 31, half | 1 << 31), (ONE_S + 1) | 1 << 31);
    }

    #[test]
    fn overflow_depends_on_mode_and_sign() {
        let max = 0x7f7f_ffff;
        for (mode, pos, negr) in [(0, 0x7f80_0000, 0xff80_0000), (1, 0x7f80_0000, 0xff7f_ffff), (3, max, 0xff7f_ffff)] {
            let mut fp = Fp::new(fpcr_mode(mode));
            assert_eq!(fp.mul::<Single>(max, 0x4000_0000), pos);
            assert_eq!(fp.mul::<Single>(max | 1 << 31, 0x4000_0000), negr);
            assert_eq!(fp.flags, flags::OFC | flags::IXC);
        }
    }

    #[test]
    fn underflow_is_tininess_before_rounding_and_inexact() {
        // (2^-126 - 2^-149) rounds up to 2^-126 under round-to-nearest; tiny before
        // rounding, so UFC, and inexact.
        let mut fp = Fp::new(0);
        let below = 0x3f7f_ffff; // 1 - 2^-24
        assert_eq!(fp.mul::<Single>(MIN_NORMAL_S, below), MIN_NORMAL_S);
        assert_eq!(fp.flags, flags::UFC | flags::IXC);
        // Exact denormal results do not underflow.
        let mut fp = Fp::new(0);
        assert_eq!(fp.mul::<Single>(MIN_NORMAL_S, 0x3f00_0000), 0x0040_0000);
        assert_eq!(fp.flags, 0);
        // Under FZ the same tiny value flushes (UFC only), even though it would round to a
        // normal.
        let mut fp = Fp::new(fpcr::FZ);
        assert_eq!(fp.mul::<Single>(MIN_NORMAL_S, below), 0);
        assert_eq!(fp.flags, flags::UFC);
        // Round to odd marks inexact denormals too.
        let mut fp = Fp::new(0);
        assert_eq!(fp.convert::<Double, Single>(0x3690_0000_0000_0001, Rounding::Odd), 0x0000_0001);
        assert_eq!(fp.flags, flags::UFC | flags::IXC);
    }
}
