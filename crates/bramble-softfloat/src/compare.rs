//! Comparisons and extrema: `FPCompare`, `FPCompareEQ`, `FPCompareGE`, `FPCompareGT`,
//! `FPMax`, `FPMin`, `FPMaxNum`, `FPMinNum` (DDI 0487 J1.2.x,
//! `shared/functions/float/fpcompare*`, `fpmax`, `fpmaxnum`...). All work on the values
//! `FPUnpack` produced, so under FZ a denormal compares (and is returned) as zero.

use std::cmp::Ordering;

use crate::unpack::{inf, mask, zero, Kind, Unpacked};
use crate::{flags, Format, Fp};

/// Orders two unpacked non-NaN operands by value (+0 == -0).
fn order(a: Unpacked, b: Unpacked) -> Ordering {
    // A key that orders magnitudes: (class, exponent of the leading one, significand with
    // its leading one at bit 63).
    let magnitude = |u: Unpacked| -> (u8, i32, u64) {
        match u.kind {
            Kind::Zero => (0, 0, 0),
            Kind::Finite { sig, exp } => {
                let lz = sig.leading_zeros();
                (1, exp - lz as i32, sig << lz)
            }
            _ => (2, 0, 0),
        }
    };
    let (ma, mb) = (magnitude(a), magnitude(b));
    let negative = |u: Unpacked, m: (u8, i32, u64)| u.sign && m.0 != 0;
    match (negative(a, ma), negative(b, mb)) {
        (false, false) => ma.cmp(&mb),
        (true, true) => mb.cmp(&ma),
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
    }
}

impl Fp {
    /// `FPCompare` (FCMP, FCMPE): NZCV in bits 3..0: 0110 equal, 1000 less, 0010 greater,
    /// 0011 unordered. A signalling NaN raises IOC; with `signal` (FCMPE) any NaN does.
    pub fn compare<F: Format>(&mut self, a: u64, b: u64, signal: bool) -> u32 {
        let (ua, ub) = (self.unpack::<F>(a), self.unpack::<F>(b));
        if ua.is_nan() || ub.is_nan() {
            if signal || ua.kind == Kind::SNaN || ub.kind == Kind::SNaN {
                self.flags |= flags::IOC;
            }
            return 0b0011;
        }
        match order(ua, ub) {
            Ordering::Equal => 0b0110,
            Ordering::Less => 0b1000,
            Ordering::Greater => 0b0010,
        }
    }

    /// `FPCompareEQ` (FCMEQ): false for NaNs, IOC only for a signalling one.
    pub fn compare_eq<F: Format>(&mut self, a: u64, b: u64) -> bool {
        let (ua, ub) = (self.unpack::<F>(a), self.unpack::<F>(b));
        if ua.is_nan() || ub.is_nan() {
            if ua.kind == Kind::SNaN || ub.kind == Kind::SNaN {
                self.flags |= flags::IOC;
            }
            return false;
        }
        order(ua, ub) == Ordering::Equal
    }

    /// `FPCompareGE` (FCMGE, and FCMLE with the operands swapped): false with IOC for any NaN.
    pub fn compare_ge<F: Format>(&mut self, a: u64, b: u64) -> bool {
        self.compare_ordered::<F>(a, b).is_some_and(Ordering::is_ge)
    }

    /// `FPCompareGT` (FCMGT, and FCMLT with the operands swapped): false with IOC for any NaN.
    pub fn compare_gt<F: Format>(&mut self, a: u64, b: u64) -> bool {
        self.compare_ordered::<F>(a, b).is_some_and(Ordering::is_gt)
    }

    fn compare_ordered<F: Format>(&mut self, a: u64, b: u64) -> Option<Ordering> {
        let (ua, ub) = (self.unpack::<F>(a), self.unpack::<F>(b));
        if ua.is_nan() || ub.is_nan() {
            self.flags |= flags::IOC;
            return None;
        }
        Some(order(ua, ub))
    }

    /// `FPMax` (FMAX): NaNs propagate; +0 is larger than -0.
    pub fn max<F: Format>(&mut self, a: u64, b: u64) -> u64 {
        self.extremum::<F>(a, b, true)
    }

    /// `FPMin` (FMIN): NaNs propagate; -0 is smaller than +0.
    pub fn min<F: Format>(&mut self, a: u64, b: u64) -> u64 {
        self.extremum::<F>(a, b, false)
    }

    /// `FPMaxNum` (FMAXNM): a single quiet NaN loses to a number.
    pub fn max_num<F: Format>(&mut self, a: u64, b: u64) -> u64 {
        self.extremum_num::<F>(a, b, true)
    }

    /// `FPMinNum` (FMINNM): a single quiet NaN loses to a number.
    pub fn min_num<F: Format>(&mut self, a: u64, b: u64) -> u64 {
        self.extremum_num::<F>(a, b, false)
    }

    fn extremum<F: Format>(&mut self, a: u64, b: u64, max: bool) -> u64 {
        let (ua, ub) = (self.unpack::<F>(a), self.unpack::<F>(b));
        if let Some(n) = self.process_nans::<F>(ua, a, ub, b) {
            return n;
        }
        // The pseudocode picks op1 only when strictly beyond op2.
        let ord = order(ua, ub);
        let (u, x) = if ord == if max { Ordering::Greater } else { Ordering::Less } { (ua, a) } else { (ub, b) };
        match u.kind {
            // Both zero (the other is zero or on the losing side): the sign that makes it
            // the extremum.
            Kind::Zero => zero::<F>(if max { ua.sign && ub.sign } else { ua.sign || ub.sign }),
            Kind::Inf => inf::<F>(u.sign),
            // The pseudocode re-rounds the value; a representable one comes back unchanged
            // (and is not a flushed denormal, which unpacked as zero).
            _ => x & mask(F::BITS),
        }
    }

    fn extremum_num<F: Format>(&mut self, a: u64, b: u64, max: bool) -> u64 {
        // Classified without raising anything: FPMax unpacks both again and raises then.
        let quiet = |x: u64| crate::is_nan::<F>(x) && !crate::is_snan::<F>(x);
        let (qa, qb) = (quiet(a), quiet(b));
        // The quiet NaN becomes the infinity that loses.
        let loser = inf::<F>(max);
        match (qa, qb) {
            (true, false) => self.extremum::<F>(loser, b, max),
            (false, true) => self.extremum::<F>(a, loser, max),
            _ => self.extremum::<F>(a, b, max),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::*;

    const ONE: u64 = 0x3f80_0000;
    const NEG: u64 = 0x8000_0000;
    const QNAN: u64 = 0x7fc0_0001;
    const SNAN: u64 = 0x7f80_0001;

    #[test]
    fn compare_sets_nzcv_and_signals_as_asked() {
        let mut fp = Fp::new(0);
        assert_eq!(fp.compare::<Single>(0, NEG, false), 0b0110);
        assert_eq!(fp.compare::<Single>(NEG | ONE, 0, false), 0b1000);
        assert_eq!(fp.compare::<Single>(0x7f80_0000, ONE, false), 0b0010);
        assert_eq!(fp.compare::<Single>(QNAN, ONE, false), 0b0011);
        assert_eq!(fp.flags, 0);
        assert_eq!(fp.compare::<Single>(QNAN, ONE, true), 0b0011);
        assert_eq!(fp.flags, flags::IOC);
        let mut fp = Fp::new(0);
        assert!(!fp.compare_eq::<Single>(QNAN, QNAN));
        assert_eq!(fp.flags, 0);
        assert!(!fp.compare_ge::<Single>(QNAN, ONE));
        assert_eq!(fp.flags, flags::IOC);
        let mut fp = Fp::new(0);
        assert!(fp.compare_ge::<Single>(0, NEG) && !fp.compare_gt::<Single>(0, NEG));
        // Under FZ a denormal equals zero.
        let mut fp = Fp::new(fpcr::FZ);
        assert!(fp.compare_eq::<Single>(1, NEG));
        assert_eq!(fp.flags, flags::IDC);
    }

    #[test]
    fn extrema_of_zeros_and_nans() {
        let mut fp = Fp::new(0);
        assert_eq!(fp.max::<Single>(NEG, 0), 0);
        assert_eq!(fp.max::<Single>(0, NEG), 0);
        assert_eq!(fp.min::<Single>(0, NEG), NEG);
        assert_eq!(fp.max::<Single>(NEG | ONE, NEG), NEG);
        assert_eq!(fp.max::<Single>(QNAN, ONE), QNAN);
        assert_eq!(fp.max_num::<Single>(QNAN, NEG | ONE), NEG | ONE);
        assert_eq!(fp.min_num::<Single>(ONE, QNAN), ONE);
        assert_eq!(fp.min_num::<Single>(QNAN, 0xffc0_0002), QNAN);
        assert_eq!(fp.flags, 0);
        // A signalling NaN still wins (quieted) against a quiet one.
        assert_eq!(fp.max_num::<Single>(QNAN, SNAN), 0x7fc0_0001);
        assert_eq!(fp.flags, flags::IOC);
        // A flushed denormal comes back as a zero of its sign.
        let mut fp = Fp::new(fpcr::FZ);
        assert_eq!(fp.min::<Single>(NEG | 1, ONE), NEG);
        assert_eq!(fp.flags, flags::IDC);
    }
}
