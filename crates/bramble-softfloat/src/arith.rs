//! Arithmetic: `FPAdd`, `FPSub`, `FPMul`, `FPMulX`, `FPDiv`, `FPMulAdd`, `FPSqrt` (DDI 0487
//! J1.2.x, `shared/functions/float/fp*`). Each computes the exact result (or a truncation
//! with a sticky bit) on integers and rounds it once.

use crate::round::shr_jam;
use crate::unpack::{constant, inf, zero, Kind, Unpacked};
use crate::{Format, Fp, Rounding};

impl Fp {
    /// `(-1)^sa * ma * 2^ea + (-1)^sb * mb * 2^eb`, rounded by FPCR's mode after scaling by
    /// `2^adj`; the rounding-mode signed zero when it cancels exactly. `ma` and `mb` are
    /// nonzero and narrower than 2^126.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn add_finite<F: Format>(
        &mut self,
        sa: bool,
        ma: u128,
        ea: i32,
        sb: bool,
        mb: u128,
        eb: i32,
        adj: i32,
    ) -> u64 {
        // Both to a leading one at bit 125 (two bits of headroom for the carry), then align
        // the smaller exponent, jamming what falls off: bits only fall off when the
        // exponents differ by two or more, and then even a subtraction keeps the leading
        // one at bit 124 or above, so the jam stays far below the result's last place.
        let (na, nb) = (ma.leading_zeros() as i32 - 2, mb.leading_zeros() as i32 - 2);
        let (mut x, mut ex, mut sx) = (ma << na, ea - na, sa);
        let (mut y, mut ey, mut sy) = (mb << nb, eb - nb, sb);
        if ey > ex {
            (x, ex, sx, y, ey, sy) = (y, ey, sy, x, ex, sx);
        }
        let y = shr_jam(y, (ex - ey).unsigned_abs());
        let (sign, sum) = if sx == sy {
            (sx, x + y)
        } else if x >= y {
            (sx, x - y)
        } else {
            (sy, y - x)
        };
        if sum == 0 {
            return zero::<F>(self.rounding() == Rounding::NegInf);
        }
        self.round::<F>(sign, sum, ex + adj)
    }

    /// [`Fp::add_finite`] for two format significands (< 2^53) on 64 bits, the common case
    /// of FADD/FSUB: the same alignment with a leading one at bit 61.
    fn add_finite64<F: Format>(&mut self, sa: bool, ma: u64, ea: i32, sb: bool, mb: u64, eb: i32) -> u64 {
        let (na, nb) = (ma.leading_zeros() as i32 - 2, mb.leading_zeros() as i32 - 2);
        let (mut x, mut ex, mut sx) = (ma << na, ea - na, sa);
        let (mut y, mut ey, mut sy) = (mb << nb, eb - nb, sb);
        if ey > ex {
            (x, ex, sx, y, ey, sy) = (y, ey, sy, x, ex, sx);
        }
        let d = (ex - ey).unsigned_abs();
        let y = if d >= 64 { (y != 0) as u64 } else { (y >> d) | ((y & ((1u64 << d) - 1)) != 0) as u64 };
        let (sign, sum) = if sx == sy {
            (sx, x + y)
        } else if x >= y {
            (sx, x - y)
        } else {
            (sy, y - x)
        };
        if sum == 0 {
            return zero::<F>(self.rounding() == Rounding::NegInf);
        }
        let lz = sum.leading_zeros();
        let (rounding, fz) = (self.rounding(), self.fz::<F>());
        self.round_norm::<F>(sign, sum << lz, ex as i64 + 63 - lz as i64, rounding, fz, false)
    }

    /// `FPAdd`.
    pub fn add<F: Format>(&mut self, a: u64, b: u64) -> u64 {
        let (ua, ub) = (self.unpack::<F>(a), self.unpack::<F>(b));
        if let Some(n) = self.process_nans::<F>(ua, a, ub, b) {
            return n;
        }
        self.add_numbers::<F>(ua, ub)
    }

    /// `FPSub`: `FPAdd` with the second operand's sign flipped after NaN processing.
    pub fn sub<F: Format>(&mut self, a: u64, b: u64) -> u64 {
        let (ua, mut ub) = (self.unpack::<F>(a), self.unpack::<F>(b));
        if let Some(n) = self.process_nans::<F>(ua, a, ub, b) {
            return n;
        }
        ub.sign = !ub.sign;
        self.add_numbers::<F>(ua, ub)
    }

    fn add_numbers<F: Format>(&mut self, ua: Unpacked, ub: Unpacked) -> u64 {
        match (ua.kind, ub.kind) {
            (Kind::Inf, Kind::Inf) if ua.sign != ub.sign => self.invalid::<F>(),
            (Kind::Inf, _) => inf::<F>(ua.sign),
            (_, Kind::Inf) => inf::<F>(ub.sign),
            (Kind::Zero, Kind::Zero) if ua.sign == ub.sign => zero::<F>(ua.sign),
            (Kind::Zero, Kind::Zero) => zero::<F>(self.rounding() == Rounding::NegInf),
            (Kind::Zero, Kind::Finite { sig, exp }) => self.round::<F>(ub.sign, sig as u128, exp),
            (Kind::Finite { sig, exp }, Kind::Zero) => self.round::<F>(ua.sign, sig as u128, exp),
            (Kind::Finite { sig: ma, exp: ea }, Kind::Finite { sig: mb, exp: eb }) => {
                self.add_finite64::<F>(ua.sign, ma, ea, ub.sign, mb, eb)
            }
            // NaNs were handled by the caller.
            _ => crate::default_nan::<F>(),
        }
    }

    /// `FPMul`.
    pub fn mul<F: Format>(&mut self, a: u64, b: u64) -> u64 {
        self.mul_common::<F>(a, b, false)
    }

    /// `FPMulX` (FMULX): as `FPMul`, but infinity times zero is 2.0 with the product's sign,
    /// not an invalid operation.
    pub fn mulx<F: Format>(&mut self, a: u64, b: u64) -> u64 {
        self.mul_common::<F>(a, b, true)
    }

    fn mul_common<F: Format>(&mut self, a: u64, b: u64, mulx: bool) -> u64 {
        let (ua, ub) = (self.unpack::<F>(a), self.unpack::<F>(b));
        if let Some(n) = self.process_nans::<F>(ua, a, ub, b) {
            return n;
        }
        let sign = ua.sign != ub.sign;
        match (ua.kind, ub.kind) {
            (Kind::Inf, Kind::Zero) | (Kind::Zero, Kind::Inf) if mulx => constant::<F>(sign, 1, false),
            (Kind::Inf, Kind::Zero) | (Kind::Zero, Kind::Inf) => self.invalid::<F>(),
            (Kind::Inf, _) | (_, Kind::Inf) => inf::<F>(sign),
            (Kind::Zero, _) | (_, Kind::Zero) => zero::<F>(sign),
            (Kind::Finite { sig: ma, exp: ea }, Kind::Finite { sig: mb, exp: eb }) => {
                self.round::<F>(sign, ma as u128 * mb as u128, ea + eb)
            }
            _ => crate::default_nan::<F>(),
        }
    }

    /// `FPDiv`.
    pub fn div<F: Format>(&mut self, a: u64, b: u64) -> u64 {
        let (ua, ub) = (self.unpack::<F>(a), self.unpack::<F>(b));
        if let Some(n) = self.process_nans::<F>(ua, a, ub, b) {
            return n;
        }
        let sign = ua.sign != ub.sign;
        match (ua.kind, ub.kind) {
            (Kind::Inf, Kind::Inf) | (Kind::Zero, Kind::Zero) => self.invalid::<F>(),
            (Kind::Inf, _) => inf::<F>(sign),
            (_, Kind::Zero) => {
                self.flags |= crate::flags::DZC;
                inf::<F>(sign)
            }
            (Kind::Zero, _) | (_, Kind::Inf) => zero::<F>(sign),
            (Kind::Finite { sig: ma, exp: ea }, Kind::Finite { sig: mb, exp: eb }) => {
                // Both significands to a leading one at bit 63; the quotient of the
                // dividend shifted up by 64 then has 64 or 65 bits, plenty for any format,
                // and a nonzero remainder is the sticky bit. (A 64-bit division for the
                // narrow formats measured no faster.)
                let (la, lb) = (ma.leading_zeros(), mb.leading_zeros());
                let (n, d) = (((ma << la) as u128) << 64, (mb << lb) as u128);
                let q = n / d;
                let inexact = n - q * d != 0;
                let exp = (ea - la as i32) - (eb - lb as i32) - 64;
                self.round::<F>(sign, (q << 1) | inexact as u128, exp - 1)
            }
            _ => crate::default_nan::<F>(),
        }
    }

    /// `FPMulAdd(addend, op1, op2)`: `addend + op1 * op2` with a single rounding (FMADD and,
    /// with the operands negated by the caller per `FPNeg`, FMSUB/FNMADD/FNMSUB, FMLA/FMLS).
    pub fn mul_add<F: Format>(&mut self, addend: u64, a: u64, b: u64) -> u64 {
        let uc = self.unpack::<F>(addend);
        let ua = self.unpack::<F>(a);
        let ub = self.unpack::<F>(b);
        let inf_times_zero = (ua.is_inf() && ub.is_zero()) || (ua.is_zero() && ub.is_inf());
        let nan = self.process_nans3::<F>([(uc, addend), (ua, a), (ub, b)]);
        // A quiet NaN addend does not hide the invalid 0 * inf (a signalling one already
        // raised IOC and wins as usual).
        if uc.kind == Kind::QNaN && inf_times_zero {
            return self.invalid::<F>();
        }
        if let Some(n) = nan {
            return n;
        }
        let sign_p = ua.sign != ub.sign;
        let inf_p = ua.is_inf() || ub.is_inf();
        let zero_p = ua.is_zero() || ub.is_zero();
        if inf_times_zero || (uc.is_inf() && inf_p && uc.sign != sign_p) {
            return self.invalid::<F>();
        }
        if uc.is_inf() || inf_p {
            return inf::<F>(if uc.is_inf() { uc.sign } else { sign_p });
        }
        match (uc.kind, zero_p, ua.kind, ub.kind) {
            (Kind::Zero, true, ..) if uc.sign == sign_p => zero::<F>(uc.sign),
            (Kind::Zero, true, ..) => zero::<F>(self.rounding() == Rounding::NegInf),
            (Kind::Finite { sig, exp }, true, ..) => self.round::<F>(uc.sign, sig as u128, exp),
            (addend, false, Kind::Finite { sig: ma, exp: ea }, Kind::Finite { sig: mb, exp: eb }) => {
                let (mp, ep) = (ma as u128 * mb as u128, ea + eb);
                match addend {
                    Kind::Finite { sig, exp } => self.add_finite::<F>(uc.sign, sig as u128, exp, sign_p, mp, ep, 0),
                    _ => self.round::<F>(sign_p, mp, ep),
                }
            }
            _ => crate::default_nan::<F>(),
        }
    }

    /// `FPSqrt`.
    pub fn sqrt<F: Format>(&mut self, a: u64) -> u64 {
        let ua = self.unpack::<F>(a);
        match ua.kind {
            Kind::QNaN | Kind::SNaN => self.process_nan::<F>(ua.kind, a),
            Kind::Zero => zero::<F>(ua.sign),
            _ if ua.sign => self.invalid::<F>(),
            Kind::Inf => inf::<F>(false),
            Kind::Finite { sig, exp } => {
                // Scale the radicand to an even exponent and a root of 2 bits more than F's
                // significand (26 or 55 bits); a nonzero remainder is the sticky bit.
                let root_bits = F::FRAC_BITS as i32 + 3;
                let mut k = 2 * root_bits - 1 - (64 - sig.leading_zeros() as i32);
                if (exp - k) & 1 != 0 {
                    k -= 1;
                }
                let root = isqrt(sig, k as u32);
                let sticky = root as u128 * root as u128 != (sig as u128) << k;
                self.round::<F>(false, ((root as u128) << 1) | sticky as u128, (exp - k) / 2 - 1)
            }
        }
    }
}

/// `floor(sqrt(sig * 2^k))` (`sig` < 2^53, result < 2^55). The radicand is exact as an
/// f64, so the host's correctly rounded square root is within two units of the answer; the
/// answer is then made exact on integers and does not depend on the host's floating point.
fn isqrt(sig: u64, k: u32) -> u64 {
    let r = (sig as u128) << k;
    let scale = f64::from_bits((1023 + k as u64) << 52);
    let mut x = (sig as f64 * scale).sqrt() as u64;
    while x as u128 * x as u128 > r {
        x -= 1;
    }
    while (x as u128 + 1) * (x as u128 + 1) <= r {
        x += 1;
    }
    x
}

#[cfg(test)]
mod tests {
    use crate::*;

    const ONE: u64 = 0x3ff0_0000_0000_0000;
    const TWO: u64 = 0x4000_0000_0000_0000;
    const INF: u64 = 0x7ff0_0000_0000_0000;
    const NEG: u64 = 1 << 63;

    #[test]
    fn exact_zero_sign_follows_the_rounding_mode() {
        let mut fp = Fp::new(0);
        assert_eq!(fp.sub::<Double>(ONE, ONE), 0);
        let mut fp = Fp::new(2 << fpcr::RMODE_SHIFT);
        assert_eq!(fp.sub::<Double>(ONE, ONE), NEG);
        assert_eq!(fp.add::<Double>(NEG, 0), NEG);
        // Same-signed zeros keep their sign whatever the mode.
        let mut fp = Fp::new(0);
        assert_eq!(fp.add::<Double>(NEG, NEG), NEG);
        assert_eq!(fp.mul_add::<Double>(NEG, NEG, 0), NEG);
        assert_eq!(fp.flags, 0);
    }

    #[test]
    fn invalid_operations() {
        let mut fp = Fp::new(0);
        assert_eq!(fp.add::<Double>(INF, INF | NEG), default_nan::<Double>());
        assert_eq!(fp.flags, flags::IOC);
        let mut fp = Fp::new(0);
        assert_eq!(fp.mul::<Single>(0x7f80_0000, 0x8000_0000), 0x7fc0_0000);
        assert_eq!(fp.flags, flags::IOC);
        // FMULX makes that 2.0 with the product's sign, quietly.
        let mut fp = Fp::new(0);
        assert_eq!(fp.mulx::<Single>(0x7f80_0000, 0x8000_0000), 0xc000_0000);
        assert_eq!(fp.flags, 0);
        let mut fp = Fp::new(0);
        assert_eq!(fp.div::<Double>(0, NEG), default_nan::<Double>());
        assert_eq!(fp.flags, flags::IOC);
        let mut fp = Fp::new(0);
        assert_eq!(fp.div::<Double>(NEG | ONE, 0), INF | NEG);
        assert_eq!(fp.flags, flags::DZC);
        let mut fp = Fp::new(0);
        assert_eq!(fp.sqrt::<Half>(0xbc00), 0x7e00);
        assert_eq!(fp.flags, flags::IOC);
        assert_eq!(fp.sqrt::<Half>(0x8000), 0x8000);
    }

    #[test]
    fn fused_multiply_add_rounds_once() {
        // (1 + 2^-52)^2 - (1 + 2^-51) = 2^-104 exactly; unfused it would be 0.
        let mut fp = Fp::new(0);
        assert_eq!(fp.mul_add::<Double>((ONE + 2) | NEG, ONE + 1, ONE + 1), 0x3970_0000_0000_0000);
        assert_eq!(fp.flags, 0);
        // (1 + 2^-12)^2 = 1 + 2^-11 + 2^-24 is a tie in single precision; the smallest
        // denormal as addend decides it.
        let mut fp = Fp::new(0);
        assert_eq!(fp.mul_add::<Single>(0, 0x3f80_0800, 0x3f80_0800), 0x3f80_1000);
        assert_eq!(fp.mul_add::<Single>(1, 0x3f80_0800, 0x3f80_0800), 0x3f80_1001);
        assert_eq!(fp.mul_add::<Single>(0x8000_0001, 0x3f80_0800, 0x3f80_0800), 0x3f80_1000);
        assert_eq!(fp.flags, flags::IXC);
    }

    #[test]
    fn mul_add_inf_times_zero_plus_quiet_nan_is_invalid() {
        let qnan = 0x7ff8_0000_0000_0123;
        let mut fp = Fp::new(0);
        assert_eq!(fp.mul_add::<Double>(qnan, INF, 0), default_nan::<Double>());
        assert_eq!(fp.flags, flags::IOC);
        // With a signalling NaN addend, that NaN (quieted) is the result.
        let mut fp = Fp::new(0);
        assert_eq!(fp.mul_add::<Double>(0x7ff0_0000_0000_0123, INF, 0), qnan);
        assert_eq!(fp.flags, flags::IOC);
        // A quiet NaN addend with an ordinary product propagates quietly.
        let mut fp = Fp::new(0);
        assert_eq!(fp.mul_add::<Double>(qnan, INF, TWO), qnan);
        assert_eq!(fp.flags, 0);
    }

    #[test]
    fn division_and_square_root_are_correctly_rounded() {
        let mut fp = Fp::new(0);
        assert_eq!(fp.div::<Double>(ONE, 0x4008_0000_0000_0000), 0x3fd5_5555_5555_5555);
        assert_eq!(fp.div::<Single>(0x3f80_0000, 0x4040_0000), 0x3eaa_aaab);
        assert_eq!(fp.sqrt::<Double>(TWO), 0x3ff6_a09e_667f_3bcd);
        assert_eq!(fp.sqrt::<Single>(0x4000_0000), 0x3fb5_04f3);
        assert_eq!(fp.flags, flags::IXC);
        let mut fp = Fp::new(0);
        assert_eq!(fp.sqrt::<Double>(0x4010_0000_0000_0000), TWO);
        // The smallest denormal: sqrt(2^-1074) = 2^-537.
        assert_eq!(fp.sqrt::<Double>(1), 0x1e60_0000_0000_0000);
        assert_eq!(fp.flags, 0);
    }
}
