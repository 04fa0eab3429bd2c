//! Reciprocal and reciprocal-square-root estimates and Newton steps: `FPRecipEstimate`,
//! `FPRSqrtEstimate`, `RecipEstimate`, `RecipSqrtEstimate`, `FPRecipStepFused`,
//! `FPRSqrtStepFused`, `FPRecpX`, `UnsignedRecipEstimate`, `UnsignedRSqrtEstimate`
//! (DDI 0487 J1.2.x, `shared/functions/float/fprecipestimate` ...), at the Armv8.0
//! precision (no FEAT_RPRES).

use crate::unpack::{constant, inf, mask, max_normal, sign_bit, zero, Kind};
use crate::{flags, Format, Fp, Rounding};

/// `RecipEstimate`: for `a` in 256..512 (0.5 <= a/512 < 1) the 8-bit-accurate reciprocal
/// in 256..512 (1 <= r/256 < 2).
const fn recip_estimate_int(a: u32) -> u32 {
    let a = a * 2 + 1; // to units of 1/1024, rounded to the middle of the step
    let b = (1 << 19) / a;
    b.div_ceil(2) // to nearest
}

/// `RecipSqrtEstimate`: for `a` in 128..512 (0.25 <= a/512 < 1) the 8-bit-accurate
/// reciprocal square root in 256..512. The pseudocode's search loop runs up to ~250 times,
/// so it is evaluated once, at compile time.
const fn rsqrt_estimate_slow(a: u32) -> u32 {
    let a = if a < 256 { a * 2 + 1 } else { ((a >> 1) << 1) * 2 + 2 } as u64;
    let mut b = 512u64;
    while a * (b + 1) * (b + 1) < 1 << 28 {
        b += 1;
    }
    b.div_ceil(2) as u32 // to nearest
}

const RSQRT_TABLE: [u16; 384] = {
    let mut t = [0u16; 384];
    let mut i = 0;
    while i < 384 {
        t[i] = rsqrt_estimate_slow(i as u32 + 128) as u16;
        i += 1;
    }
    t
};

fn rsqrt_estimate_int(a: u32) -> u32 {
    RSQRT_TABLE[(a as usize).clamp(128, 511) - 128] as u32
}

/// `UnsignedRecipEstimate` (URECPE, one 32-bit lane): the operand is a fraction
/// `a / 2^32`; below one half the result saturates to all ones.
pub fn unsigned_recip_estimate(a: u32) -> u32 {
    if a >> 31 == 0 {
        u32::MAX
    } else {
        recip_estimate_int(a >> 23) << 23
    }
}

/// `UnsignedRSqrtEstimate` (URSQRTE, one 32-bit lane): below one quarter the result
/// saturates to all ones.
pub fn unsigned_rsqrt_estimate(a: u32) -> u32 {
    if a >> 30 == 0 {
        u32::MAX
    } else {
        // The top 9 bits: 256..511 from 0.5 up, 128..255 from 0.25 to 0.5.
        rsqrt_estimate_int(a >> 23) << 23
    }
}

impl Fp {
    /// `FPRecipEstimate` (FRECPE).
    pub fn recip_estimate<F: Format>(&mut self, a: u64) -> u64 {
        let ua = self.unpack::<F>(a);
        let sign = ua.sign;
        let exp = match ua.kind {
            Kind::QNaN | Kind::SNaN => return self.process_nan::<F>(ua.kind, a),
            Kind::Inf => return zero::<F>(sign),
            Kind::Zero => {
                self.flags |= flags::DZC;
                return inf::<F>(sign);
            }
            // The exponent of the leading one.
            Kind::Finite { sig, exp } => exp + 63 - sig.leading_zeros() as i32,
        };
        if exp < -F::BIAS - 1 {
            // |value| < 2^-(BIAS+1): the reciprocal overflows, to infinity or the largest
            // value as FPCR's rounding mode says.
            let to_inf = match self.rounding() {
                Rounding::PosInf => !sign,
                Rounding::NegInf => sign,
                Rounding::Zero => false,
                _ => true,
            };
            self.flags |= flags::OFC | flags::IXC;
            return if to_inf { inf::<F>(sign) } else { max_normal::<F>(sign) };
        }
        if self.fz::<F>() && exp >= F::BIAS - 1 {
            // The reciprocal would be denormal: flushed, with UFC alone.
            self.flags |= flags::UFC;
            return zero::<F>(sign);
        }
        // From here the pseudocode works on the encoding: the fraction left-aligned in 52
        // bits, a denormal's shifted up by one or two places (it is at least 2^-(BIAS+1)).
        let mut fraction = (a & mask(F::FRAC_BITS)) << (52 - F::FRAC_BITS);
        let mut exp = ((a >> F::FRAC_BITS) & mask(F::EXP_BITS)) as i64;
        if exp == 0 {
            if fraction >> 51 == 0 {
                exp = -1;
                fraction = (fraction << 2) & mask(52);
            } else {
                fraction = (fraction << 1) & mask(52);
            }
        }
        let estimate = recip_estimate_int(256 | (fraction >> 44) as u32) as u64;
        let mut result_exp = 2 * F::BIAS as i64 - 1 - exp;
        let mut fraction = (estimate & 0xff) << 44;
        // A result exponent of 0 or -1 is a denormal: the leading one moves into the fraction.
        if result_exp == 0 {
            fraction = (1 << 51) | (fraction >> 1);
        } else if result_exp == -1 {
            fraction = (1 << 50) | (fraction >> 2);
            result_exp = 0;
        }
        zero::<F>(sign) | ((result_exp as u64) << F::FRAC_BITS) | (fraction >> (52 - F::FRAC_BITS))
    }

    /// `FPRSqrtEstimate` (FRSQRTE).
    pub fn rsqrt_estimate<F: Format>(&mut self, a: u64) -> u64 {
        let ua = self.unpack::<F>(a);
        match ua.kind {
            Kind::QNaN | Kind::SNaN => return self.process_nan::<F>(ua.kind, a),
            Kind::Zero => {
                self.flags |= flags::DZC;
                return inf::<F>(ua.sign);
            }
            _ if ua.sign => return self.invalid::<F>(),
            Kind::Inf => return zero::<F>(false),
            Kind::Finite { .. } => {}
        }
        // A denormal is normalised: the exponent goes below 0, one step per place.
        let mut fraction = (a & mask(F::FRAC_BITS)) << (52 - F::FRAC_BITS);
        let mut exp = ((a >> F::FRAC_BITS) & mask(F::EXP_BITS)) as i64;
        if exp == 0 {
            while fraction >> 51 == 0 {
                fraction <<= 1;
                exp -= 1;
            }
            fraction = (fraction << 1) & mask(52);
        }
        // An even biased exponent (odd unbiased, biases being odd) scales to 0.5..1, an odd
        // one to 0.25..0.5, so the root's exponent is a whole number.
        let scaled = if exp & 1 == 0 { 256 | (fraction >> 44) } else { 128 | (fraction >> 45) };
        let result_exp = (3 * F::BIAS as i64 - 1 - exp).div_euclid(2);
        let estimate = rsqrt_estimate_int(scaled as u32) as u64;
        ((result_exp as u64) << F::FRAC_BITS) | ((estimate & 0xff) << (F::FRAC_BITS - 8))
    }

    /// `FPRecipStepFused` (FRECPS): `2 - a*b` with one rounding.
    pub fn recip_step<F: Format>(&mut self, a: u64, b: u64) -> u64 {
        self.step::<F>(a, b, false)
    }

    /// `FPRSqrtStepFused` (FRSQRTS): `(3 - a*b) / 2` with one rounding.
    pub fn rsqrt_step<F: Format>(&mut self, a: u64, b: u64) -> u64 {
        self.step::<F>(a, b, true)
    }

    fn step<F: Format>(&mut self, a: u64, b: u64, rsqrt: bool) -> u64 {
        // The pseudocode negates op1 before anything else, so a NaN op1 comes out with its
        // sign flipped.
        let a = (a ^ sign_bit::<F>()) & mask(F::BITS);
        let (ua, ub) = (self.unpack::<F>(a), self.unpack::<F>(b));
        if let Some(n) = self.process_nans::<F>(ua, a, ub, b) {
            return n;
        }
        // The constant term: 2 = 1 * 2^1, or 3 = 3 * 2^0 with the sum halved.
        let (c, c_exp, adj) = if rsqrt { (3u128, 0, -1) } else { (1u128, 1, 0) };
        match (ua.kind, ub.kind) {
            // 0 * inf is not invalid here: the step is 2.0 (FPTwo) or 1.5 (FPOnePointFive).
            (Kind::Inf, Kind::Zero) | (Kind::Zero, Kind::Inf) if rsqrt => constant::<F>(false, 0, true),
            (Kind::Inf, Kind::Zero) | (Kind::Zero, Kind::Inf) => constant::<F>(false, 1, false),
            (Kind::Inf, _) | (_, Kind::Inf) => inf::<F>(ua.sign != ub.sign),
            (Kind::Finite { sig: ma, exp: ea }, Kind::Finite { sig: mb, exp: eb }) => {
                self.add_finite::<F>(false, c, c_exp, ua.sign != ub.sign, ma as u128 * mb as u128, ea + eb, adj)
            }
            // A zero product: exactly 2.0 or 1.5.
            _ => self.round::<F>(false, c, c_exp + adj),
        }
    }

    /// `FPRecpX` (FRECPX): the exponent field inverted, the fraction zeroed; zero and
    /// denormals give the largest normal exponent.
    pub fn recpx<F: Format>(&mut self, a: u64) -> u64 {
        let ua = self.unpack::<F>(a);
        if ua.is_nan() {
            return self.process_nan::<F>(ua.kind, a);
        }
        let exp = (a >> F::FRAC_BITS) & mask(F::EXP_BITS);
        let new_exp = if exp == 0 { mask(F::EXP_BITS) - 1 } else { !exp & mask(F::EXP_BITS) };
        zero::<F>(ua.sign) | (new_exp << F::FRAC_BITS)
    }
}

#[cfg(test)]
mod tests {
    use crate::*;

    #[test]
    fn unsigned_estimates() {
        assert_eq!(unsigned_recip_estimate(0x8000_0000), 0xff80_0000);
        assert_eq!(unsigned_recip_estimate(0xffff_ffff), 0x8000_0000);
        assert_eq!(unsigned_recip_estimate(0x7fff_ffff), u32::MAX);
        assert_eq!(unsigned_rsqrt_estimate(0x4000_0000), 0xff80_0000);
        assert_eq!(unsigned_rsqrt_estimate(0xffff_ffff), 0x8000_0000);
        assert_eq!(unsigned_rsqrt_estimate(0x3fff_ffff), u32::MAX);
    }

    #[test]
    fn recip_estimate_specials() {
        let mut fp = Fp::new(0);
        // 1/2 -> 0.4990..., the architected 8-bit estimate.
        assert_eq!(fp.recip_estimate::<Single>(0x4000_0000), 0x3eff_8000);
        assert_eq!(fp.recip_estimate::<Single>(0xff80_0000), 0x8000_0000);
        assert_eq!(fp.flags, 0);
        assert_eq!(fp.recip_estimate::<Single>(0x8000_0000), 0xff80_0000);
        assert_eq!(fp.flags, flags::DZC);
        // The smallest denormal's reciprocal overflows: towards zero gives the largest value.
        let mut fp = Fp::new(3 << fpcr::RMODE_SHIFT);
        assert_eq!(fp.recip_estimate::<Single>(0x0000_0001), 0x7f7f_ffff);
        assert_eq!(fp.flags, flags::OFC | flags::IXC);
        // A large input's reciprocal is denormal, or flushed with UFC under FZ.
        let mut fp = Fp::new(0);
        assert_eq!(fp.recip_estimate::<Double>(0x7fe0_0000_0000_0000), 0x0007_fc00_0000_0000);
        let mut fp = Fp::new(fpcr::FZ);
        assert_eq!(fp.recip_estimate::<Double>(0x7fe0_0000_0000_0000), 0);
        assert_eq!(fp.flags, flags::UFC);
    }

    #[test]
    fn rsqrt_estimate_specials() {
        let mut fp = Fp::new(0);
        assert_eq!(fp.rsqrt_estimate::<Single>(0x3f80_0000), 0x3f7f_8000);
        assert_eq!(fp.rsqrt_estimate::<Single>(0x4080_0000), 0x3eff_8000);
        assert_eq!(fp.rsqrt_estimate::<Single>(0x7f80_0000), 0);
        assert_eq!(fp.flags, 0);
        assert_eq!(fp.rsqrt_estimate::<Single>(0xbf80_0000), 0x7fc0_0000);
        assert_eq!(fp.flags, flags::IOC);
        let mut fp = Fp::new(0);
        assert_eq!(fp.rsqrt_estimate::<Half>(0x8000), 0xfc00);
        assert_eq!(fp.flags, flags::DZC);
    }

    #[test]
    fn steps_and_recpx() {
        let one = 0x3f80_0000;
        let mut fp = Fp::new(0);
        assert_eq!(fp.recip_step::<Single>(one, one), one);
        assert_eq!(fp.rsqrt_step::<Single>(one, one), one);
        assert_eq!(fp.recip_step::<Single>(0x7f80_0000, 0), 0x4000_0000);
        assert_eq!(fp.rsqrt_step::<Single>(0x8000_0000, 0xff80_0000), 0x3fc0_0000);
        assert_eq!(fp.recip_step::<Single>(0, 0x4000_0000), 0x4000_0000);
        assert_eq!(fp.rsqrt_step::<Single>(0, 0x4000_0000), 0x3fc0_0000);
        // op1 is negated before NaN processing.
        assert_eq!(fp.recip_step::<Single>(0x7fc0_0001, one), 0xffc0_0001);
        assert_eq!(fp.flags, 0);
        assert_eq!(fp.recpx::<Single>(0x4040_0000), 0x3f80_0000);
        assert_eq!(fp.recpx::<Single>(0x8000_0001), 0xff00_0000);
        assert_eq!(fp.recpx::<Double>(0x7ff0_0000_0000_0000), 0);
    }
}
