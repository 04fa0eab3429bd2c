//! Conversions: `FPRoundInt` (FRINT*), `FPToFixed` (FCVT*S/U, scalar and fixed point),
//! `FixedToFP` (SCVTF/UCVTF), `FPConvert` and `FPConvertNaN` (FCVT, FCVTN/L, FCVTXN)
//! (DDI 0487 J1.2.x, `shared/functions/float/fproundint`, `fptofixed`, `fixedtofp`,
//! `fpconvert`, `fpconvertnan`).

use crate::round::{round_up, split};
use crate::unpack::{inf, mask, quiet_bit, sign_bit, zero, Kind};
use crate::{flags, Format, Fp, Rounding};

/// Rounds the magnitude `sig * 2^exp` to an integer: `(integer, inexact)`, or `None` when
/// it is 2^64 or more. The modes act on the signed value `(-1)^negative * magnitude`.
/// Round-to-odd, which no instruction uses here, truncates and then sets bit 0 if inexact.
fn round_magnitude(negative: bool, sig: u64, exp: i64, rounding: Rounding) -> Option<(u64, bool)> {
    if sig == 0 {
        return Some((0, false));
    }
    let width = 64 - sig.leading_zeros() as i64;
    if exp >= 0 {
        // Already an integer; fits while its leading one is below bit 64.
        return (exp + width <= 64).then(|| (sig << exp, false));
    }
    let (int, round_bit, sticky) = split(sig, exp.unsigned_abs());
    let inexact = round_bit || sticky;
    // int < 2^63 here, so the increment cannot wrap.
    let mut int = int + round_up(rounding, negative, int & 1 != 0, round_bit, sticky) as u64;
    if rounding == Rounding::Odd && inexact {
        int |= 1;
    }
    Some((int, inexact))
}

impl Fp {
    /// `FPRoundInt` (FRINTN/P/M/Z/A/I; `exact` is FRINTX, which raises IXC when the value
    /// changes). Zero results keep the operand's sign.
    pub fn round_int<F: Format>(&mut self, a: u64, rounding: Rounding, exact: bool) -> u64 {
        let ua = self.unpack::<F>(a);
        match ua.kind {
            Kind::QNaN | Kind::SNaN => self.process_nan::<F>(ua.kind, a),
            Kind::Inf => inf::<F>(ua.sign),
            Kind::Zero => zero::<F>(ua.sign),
            // Every value with a last place of 1 or more is an integer already.
            Kind::Finite { exp, .. } if exp >= 0 => a & mask(F::BITS),
            Kind::Finite { sig, exp } => {
                // |value| < 2^FRAC_BITS here, so the integer fits and re-encodes exactly.
                let (int, inexact) = round_magnitude(ua.sign, sig, exp as i64, rounding).unwrap_or((0, false));
                if inexact && exact {
                    self.flags |= flags::IXC;
                }
                if int == 0 {
                    zero::<F>(ua.sign)
                } else {
                    self.round_with::<F>(ua.sign, int as u128, 0, Rounding::Zero)
                }
            }
        }
    }

    /// `FPToFixed` (FCVT{N,P,M,Z,A}{S,U}, FCVTZ{S,U} fixed point): `a * 2^fbits` rounded to
    /// an `int_bits`-bit integer (16, 32 or 64), signed unless `unsigned`, returned
    /// zero-extended. Out of range saturates with IOC (and no IXC); NaN gives 0 with IOC.
    pub fn to_fixed<F: Format>(
        &mut self,
        a: u64,
        fbits: u32,
        unsigned: bool,
        int_bits: u32,
        rounding: Rounding,
    ) -> u64 {
        let ua = self.unpack::<F>(a);
        let n = int_bits.clamp(1, 64);
        // The largest magnitudes of each sign that fit.
        let (max_pos, max_neg) = if unsigned { (mask(n), 0) } else { (mask(n - 1), 1u64 << (n - 1)) };
        let saturated = if ua.sign { max_neg.wrapping_neg() & mask(n) } else { max_pos };
        let magnitude = match ua.kind {
            Kind::QNaN | Kind::SNaN => {
                self.flags |= flags::IOC;
                return 0;
            }
            Kind::Zero => Some((0, false)),
            Kind::Inf => None,
            Kind::Finite { sig, exp } => round_magnitude(ua.sign, sig, exp as i64 + fbits as i64, rounding),
        };
        match magnitude {
            Some((m, inexact)) if m <= if ua.sign { max_neg } else { max_pos } => {
                if inexact {
                    self.flags |= flags::IXC;
                }
                if ua.sign {
                    m.wrapping_neg() & mask(n)
                } else {
                    m
                }
            }
            _ => {
                self.flags |= flags::IOC;
                saturated
            }
        }
    }

    /// `FixedToFP` (SCVTF, UCVTF, scalar and fixed point): the `int_bits`-bit integer in the
    /// low bits of `value` (two's complement unless `unsigned`) divided by 2^fbits, rounded
    /// to F (honouring FZ/FZ16 as `FPRound` does). Zero is +0.
    pub fn from_fixed<F: Format>(
        &mut self,
        value: u64,
        fbits: u32,
        unsigned: bool,
        int_bits: u32,
        rounding: Rounding,
    ) -> u64 {
        let n = int_bits.clamp(1, 64);
        let v = value & mask(n);
        let negative = !unsigned && (v >> (n - 1)) & 1 != 0;
        let magnitude = if negative { v.wrapping_neg() & mask(n) } else { v };
        // The most negative value is its own two's complement: its magnitude is 2^(n-1).
        let magnitude = if negative && magnitude == 0 { 1u128 << (n - 1) } else { magnitude as u128 };
        if magnitude == 0 {
            return zero::<F>(false);
        }
        self.round_with::<F>(negative, magnitude, -(fbits.min(1 << 16) as i32), rounding)
    }

    /// `FPConvert` from `From` to `To` (FCVT, FCVTN, FCVTL; FCVTXN is `<Double, Single>` with
    /// [`Rounding::Odd`]). Half precision on either side uses FPCR.AHP's format and never
    /// flushes; single and double sides follow FZ.
    pub fn convert<From: Format, To: Format>(&mut self, a: u64, rounding: Rounding) -> u64 {
        let ua = self.unpack_cv::<From>(a);
        let alt_hp = self.ahp::<To>();
        match ua.kind {
            Kind::QNaN | Kind::SNaN => {
                if ua.kind == Kind::SNaN || alt_hp {
                    self.flags |= flags::IOC;
                }
                if alt_hp {
                    zero::<To>(ua.sign)
                } else if self.dn() {
                    crate::default_nan::<To>()
                } else {
                    convert_nan::<From, To>(a)
                }
            }
            Kind::Inf if alt_hp => {
                self.flags |= flags::IOC;
                zero::<To>(ua.sign) | mask(To::BITS - 1)
            }
            Kind::Inf => inf::<To>(ua.sign),
            Kind::Zero => zero::<To>(ua.sign),
            Kind::Finite { sig, exp } => self.round_cv::<To>(ua.sign, sig as u128, exp, rounding),
        }
    }
}

/// `FPConvertNaN`: the sign and the payload below the quiet bit, left-aligned (truncated
/// or zero-extended), in a quiet NaN of the other format.
fn convert_nan<From: Format, To: Format>(a: u64) -> u64 {
    let payload = a & (quiet_bit::<From>() - 1);
    // Left-align the payload in the pseudocode's 51-bit field, then take To's share.
    let field = payload << (52 - From::FRAC_BITS);
    let sign = if a & sign_bit::<From>() != 0 { sign_bit::<To>() } else { 0 };
    sign | inf::<To>(false) | quiet_bit::<To>() | (field >> (52 - To::FRAC_BITS))
}

#[cfg(test)]
mod tests {
    use crate::*;

    const NEG: u64 = 1 << 63;

    fn d(x: f64) -> u64 {
        x.to_bits()
    }

    #[test]
    fn round_int_modes_and_exactness() {
        let cases = [
            (2.5, [2.0, 3.0, 2.0, 2.0, 3.0]),
            (-2.5, [-2.0, -2.0, -3.0, -2.0, -3.0]),
            (-0.25, [-0.0, -0.0, -1.0, -0.0, -0.0]),
            (0.75, [1.0, 1.0, 0.0, 0.0, 1.0]),
        ];
        let modes = [Rounding::TieEven, Rounding::PosInf, Rounding::NegInf, Rounding::Zero, Rounding::TieAway];
        for (x, want) in cases {
            for (mode, w) in modes.iter().zip(want) {
                let mut fp = Fp::new(0);
                assert_eq!(fp.round_int::<Double>(d(x), *mode, false), d(w), "{x} {mode:?}");
                assert_eq!(fp.flags, 0);
            }
        }
        let mut fp = Fp::new(0);
        assert_eq!(fp.round_int::<Single>(0x3fc0_0000, Rounding::TieEven, true), 0x4000_0000);
        assert_eq!(fp.flags, flags::IXC);
        let mut fp = Fp::new(0);
        assert_eq!(fp.round_int::<Half>(0x7bff, Rounding::TieEven, true), 0x7bff);
        assert_eq!(fp.flags, 0);
    }

    #[test]
    fn to_fixed_saturates_without_inexact() {
        let mut fp = Fp::new(0);
        assert_eq!(fp.to_fixed::<Double>(d(2147483647.5), 0, false, 32, Rounding::Zero), 0x7fff_ffff);
        assert_eq!(fp.flags, flags::IXC);
        let mut fp = Fp::new(0);
        assert_eq!(fp.to_fixed::<Double>(d(2147483647.5), 0, false, 32, Rounding::TieEven), 0x7fff_ffff);
        assert_eq!(fp.flags, flags::IOC);
        let mut fp = Fp::new(0);
        assert_eq!(fp.to_fixed::<Double>(d(-2.5), 0, false, 64, Rounding::TieAway), (-3i64) as u64);
        assert_eq!(fp.flags, flags::IXC);
        // -0.4 truncates to 0 for an unsigned result (inexact), -0.6 rounds to -1 (invalid).
        let mut fp = Fp::new(0);
        assert_eq!(fp.to_fixed::<Double>(d(-0.4), 0, true, 32, Rounding::TieEven), 0);
        assert_eq!(fp.flags, flags::IXC);
        let mut fp = Fp::new(0);
        assert_eq!(fp.to_fixed::<Double>(d(-0.6), 0, true, 32, Rounding::TieEven), 0);
        assert_eq!(fp.flags, flags::IOC);
        let mut fp = Fp::new(0);
        assert_eq!(fp.to_fixed::<Single>(0xff80_0000, 0, false, 64, Rounding::Zero), 1 << 63);
        assert_eq!(fp.to_fixed::<Single>(0x7fc0_0000, 3, false, 64, Rounding::Zero), 0);
        assert_eq!(fp.flags, flags::IOC);
        // Fixed point: 1.75 with 2 fraction bits is 7; -2^63 fits exactly.
        let mut fp = Fp::new(0);
        assert_eq!(fp.to_fixed::<Double>(d(1.75), 2, false, 32, Rounding::Zero), 7);
        assert_eq!(fp.to_fixed::<Double>(d(-1.0), 63, false, 64, Rounding::Zero), 1 << 63);
        assert_eq!(fp.to_fixed::<Double>(d(1.0), 64, true, 64, Rounding::Zero), u64::MAX);
        assert_eq!(fp.flags, flags::IOC);
    }

    #[test]
    fn from_fixed_rounds_and_scales() {
        let mut fp = Fp::new(0);
        assert_eq!(fp.from_fixed::<Double>(0xffff_ffff, 0, false, 32, Rounding::TieEven), d(-1.0));
        assert_eq!(fp.from_fixed::<Double>(0xffff_ffff, 0, true, 32, Rounding::TieEven), d(4294967295.0));
        assert_eq!(fp.from_fixed::<Double>(1 << 63, 0, false, 64, Rounding::TieEven), d(-9223372036854775808.0));
        assert_eq!(fp.from_fixed::<Double>(1, 64, true, 64, Rounding::TieEven), d(2f64.powi(-64)));
        assert_eq!(fp.flags, 0);
        // 2^24 + 1 is a tie in single precision.
        assert_eq!(fp.from_fixed::<Single>(0x0100_0001, 0, false, 32, Rounding::TieEven), 0x4b80_0000);
        assert_eq!(fp.from_fixed::<Single>(0x0100_0001, 0, false, 32, Rounding::PosInf), 0x4b80_0001);
        assert_eq!(fp.flags, flags::IXC);
    }

    #[test]
    fn convert_nans_infinities_and_the_alternative_half_format() {
        let mut fp = Fp::new(0);
        // Payload kept from the top, signalling quieted with IOC.
        assert_eq!(fp.convert::<Double, Single>(0xfff0_0000_2000_0000 | (1 << 50), Rounding::TieEven), 0xffe0_0001);
        assert_eq!(fp.flags, flags::IOC);
        assert_eq!(fp.convert::<Half, Double>(0x7e01, Rounding::TieEven), 0x7ff8_0400_0000_0000);
        // 65536 overflows IEEE half; in the alternative format it is 0x7c00, and 131072
        // saturates with IOC instead.
        let mut fp = Fp::new(0);
        assert_eq!(fp.convert::<Single, Half>(0x4780_0000, Rounding::TieEven), 0x7c00);
        assert_eq!(fp.flags, flags::OFC | flags::IXC);
        let mut fp = Fp::new(fpcr::AHP);
        assert_eq!(fp.convert::<Single, Half>(0x4780_0000, Rounding::TieEven), 0x7c00);
        assert_eq!(fp.convert::<Half, Single>(0xfc00, Rounding::TieEven), 0xc780_0000);
        assert_eq!(fp.flags, 0);
        assert_eq!(fp.convert::<Single, Half>(0x4800_0000, Rounding::TieEven), 0x7fff);
        assert_eq!(fp.flags, flags::IOC);
        let mut fp = Fp::new(fpcr::AHP | fpcr::DN);
        assert_eq!(fp.convert::<Double, Half>(0xfff8_0000_0000_0000, Rounding::TieEven), 0x8000);
        assert_eq!(fp.convert::<Single, Half>(0xff80_0000, Rounding::TieEven), 0xffff);
        assert_eq!(fp.flags, flags::IOC);
    }

    #[test]
    fn conversions_flush_only_the_single_and_double_sides() {
        // A half denormal converts exactly whatever FZ/FZ16 say.
        let mut fp = Fp::new(fpcr::FZ | fpcr::FZ16);
        assert_eq!(fp.convert::<Half, Single>(0x0001, Rounding::TieEven), 0x3380_0000);
        // A single denormal input flushes under FZ.
        assert_eq!(fp.convert::<Single, Half>(0x8000_0001, Rounding::TieEven), 0x8000);
        assert_eq!(fp.flags, flags::IDC);
        // A double too small for single flushes under FZ.
        let mut fp = Fp::new(fpcr::FZ);
        assert_eq!(fp.convert::<Double, Single>(0x3800_0000_0000_0000, Rounding::TieEven), 0);
        assert_eq!(fp.flags, flags::UFC);
        // Half outputs are denormal even under FZ16.
        let mut fp = Fp::new(fpcr::FZ16);
        assert_eq!(fp.convert::<Single, Half>(0x3380_0000, Rounding::TieEven), 0x0001);
        assert_eq!(fp.flags, 0);
        assert_eq!(NEG, 1 << 63);
    }
}
