//! Operand classification and NaN propagation: `FPUnpackBase` / `FPUnpack` / `FPUnpackCV`,
//! `FPProcessNaN`, `FPProcessNaNs`, `FPProcessNaNs3` (DDI 0487 J1.2.x,
//! `shared/functions/float/fpunpack`, `fpprocessnan*`), and the constant encodings
//! (`FPZero`, `FPInfinity`, `FPMaxNormal`, `FPTwo`...).

use crate::{flags, Format, Fp};

/// What `FPUnpack` makes of an operand: its `FPType` and, for numbers, the exact value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Zero, or a denormal flushed to zero.
    Zero,
    /// A nonzero number `sig * 2^exp` (normal or denormal; `sig` is not normalised).
    Finite {
        sig: u64,
        exp: i32,
    },
    Inf,
    QNaN,
    SNaN,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Unpacked {
    pub sign: bool,
    pub kind: Kind,
}

impl Unpacked {
    pub fn is_nan(self) -> bool {
        matches!(self.kind, Kind::QNaN | Kind::SNaN)
    }
    pub fn is_inf(self) -> bool {
        self.kind == Kind::Inf
    }
    pub fn is_zero(self) -> bool {
        self.kind == Kind::Zero
    }
}

/// Low `bits` ones (`bits` <= 64).
pub(crate) const fn mask(bits: u32) -> u64 {
    if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    }
}

pub(crate) fn sign_bit<F: Format>() -> u64 {
    1 << (F::BITS - 1)
}

pub(crate) fn quiet_bit<F: Format>() -> u64 {
    1 << (F::FRAC_BITS - 1)
}

fn signed<F: Format>(sign: bool) -> u64 {
    (sign as u64) << (F::BITS - 1)
}

/// `FPZero`.
pub(crate) fn zero<F: Format>(sign: bool) -> u64 {
    signed::<F>(sign)
}

/// `FPInfinity`.
pub(crate) fn inf<F: Format>(sign: bool) -> u64 {
    signed::<F>(sign) | (mask(F::EXP_BITS) << F::FRAC_BITS)
}

/// `FPMaxNormal`.
pub(crate) fn max_normal<F: Format>(sign: bool) -> u64 {
    inf::<F>(sign) - 1
}

/// `±1.0 * 2^k`, or `±1.5 * 2^k` with `and_a_half`, for a small `k` (`FPTwo`,
/// `FPOnePointFive`).
pub(crate) fn constant<F: Format>(sign: bool, k: i32, and_a_half: bool) -> u64 {
    signed::<F>(sign) | (((F::BIAS + k) as u64) << F::FRAC_BITS) | ((and_a_half as u64) << (F::FRAC_BITS - 1))
}

impl Fp {
    /// `FPUnpackBase`: classifies `x`, flushing a denormal to zero (and raising IDC, except
    /// for half precision, whose FZ16 flush is silent) when `fz`. With `ahp` (the
    /// alternative half format) the top exponent is an ordinary one: no infinities or NaNs.
    pub(crate) fn unpack_base<F: Format>(&mut self, x: u64, fz: bool, ahp: bool) -> Unpacked {
        let sign = (x >> (F::BITS - 1)) & 1 != 0;
        let e = ((x >> F::FRAC_BITS) & mask(F::EXP_BITS)) as i32;
        let f = x & mask(F::FRAC_BITS);
        // The exponent of the last fraction bit of a denormal (and of an exponent-1 normal).
        let denorm_exp = 1 - F::BIAS - F::FRAC_BITS as i32;
        let kind = if e == 0 {
            if f == 0 {
                Kind::Zero
            } else if fz {
                if !F::IS_HALF {
                    self.flags |= flags::IDC;
                }
                Kind::Zero
            } else {
                Kind::Finite { sig: f, exp: denorm_exp }
            }
        } else if e == mask(F::EXP_BITS) as i32 && !ahp {
            if f == 0 {
                Kind::Inf
            } else if f & quiet_bit::<F>() != 0 {
                Kind::QNaN
            } else {
                Kind::SNaN
            }
        } else {
            Kind::Finite { sig: f | (1 << F::FRAC_BITS), exp: e - 1 + denorm_exp }
        };
        Unpacked { sign, kind }
    }

    /// `FPUnpack`: the arithmetic form (FPCR.AHP ignored).
    pub(crate) fn unpack<F: Format>(&mut self, x: u64) -> Unpacked {
        let fz = self.fz::<F>();
        self.unpack_base::<F>(x, fz, false)
    }

    /// `FPUnpackCV`: the conversion form.
    pub(crate) fn unpack_cv<F: Format>(&mut self, x: u64) -> Unpacked {
        let (fz, ahp) = (self.fz_cv::<F>(), self.ahp::<F>());
        self.unpack_base::<F>(x, fz, ahp)
    }

    /// `FPProcessNaN`: quiets a signalling NaN (raising IOC); the default NaN under FPCR.DN.
    pub(crate) fn process_nan<F: Format>(&mut self, kind: Kind, x: u64) -> u64 {
        if kind == Kind::SNaN {
            self.flags |= flags::IOC;
        }
        if self.dn() {
            crate::default_nan::<F>()
        } else {
            (x & mask(F::BITS)) | quiet_bit::<F>()
        }
    }

    /// `FPProcessNaNs`: the first signalling NaN in operand order, else the first quiet one.
    pub(crate) fn process_nans<F: Format>(&mut self, a: Unpacked, x: u64, b: Unpacked, y: u64) -> Option<u64> {
        if a.kind == Kind::SNaN {
            Some(self.process_nan::<F>(a.kind, x))
        } else if b.kind == Kind::SNaN {
            Some(self.process_nan::<F>(b.kind, y))
        } else if a.kind == Kind::QNaN {
            Some(self.process_nan::<F>(a.kind, x))
        } else if b.kind == Kind::QNaN {
            Some(self.process_nan::<F>(b.kind, y))
        } else {
            None
        }
    }

    /// `FPProcessNaNs3`, same rule over three operands.
    pub(crate) fn process_nans3<F: Format>(&mut self, ops: [(Unpacked, u64); 3]) -> Option<u64> {
        for kind in [Kind::SNaN, Kind::QNaN] {
            for (u, x) in ops {
                if u.kind == kind {
                    return Some(self.process_nan::<F>(kind, x));
                }
            }
        }
        None
    }

    /// The default NaN with IOC: the invalid operations that do not come from a NaN.
    pub(crate) fn invalid<F: Format>(&mut self) -> u64 {
        self.flags |= flags::IOC;
        crate::default_nan::<F>()
    }
}

#[cfg(test)]
mod tests {
    use crate::*;

    #[test]
    fn nan_priority_is_signalling_first_then_operand_order() {
        let (qa, sb) = (0x7fc0_0001, 0x7f80_0002);
        let mut fp = Fp::new(0);
        assert_eq!(fp.add::<Single>(qa, sb), 0x7fc0_0002);
        assert_eq!(fp.flags, flags::IOC);
        let mut fp = Fp::new(0);
        assert_eq!(fp.add::<Single>(0x7fc0_0003, qa), 0x7fc0_0003);
        assert_eq!(fp.flags, 0);
        // Three operands: the addend comes first.
        let mut fp = Fp::new(0);
        assert_eq!(fp.mul_add::<Double>(0x7ff8_0000_0000_0005, 0x7ff0_0000_0000_0006, 0), 0x7ff8_0000_0000_0006);
        assert_eq!(fp.flags, flags::IOC);
        let mut fp = Fp::new(fpcr::DN);
        assert_eq!(fp.mul::<Half>(0xfe01, 0x3c00), 0x7e00);
    }

    #[test]
    fn flushing_raises_idc_except_for_half() {
        let mut fp = Fp::new(fpcr::FZ | fpcr::FZ16);
        assert_eq!(fp.add::<Single>(0x8000_0001, 0x8000_0000), 0x8000_0000);
        assert_eq!(fp.flags, flags::IDC);
        let mut fp = Fp::new(fpcr::FZ16);
        assert_eq!(fp.add::<Half>(0x0001, 0x0000), 0x0000);
        assert_eq!(fp.flags, 0);
        // IDC is raised even when the other operand is a NaN.
        let mut fp = Fp::new(fpcr::FZ);
        assert_eq!(fp.add::<Double>(1, 0xfff0_0000_0000_0001), 0xfff8_0000_0000_0001);
        assert_eq!(fp.flags, flags::IDC | flags::IOC);
    }

    #[test]
    fn bit_helpers() {
        assert_eq!(default_nan::<Half>(), 0x7e00);
        assert_eq!(default_nan::<Single>(), 0x7fc0_0000);
        assert_eq!(default_nan::<Double>(), 0x7ff8_0000_0000_0000);
        assert!(is_nan::<Single>(0xff80_0001) && is_snan::<Single>(0xff80_0001));
        assert!(!is_nan::<Single>(0xff80_0000) && !is_snan::<Single>(0x7fc0_0000));
        assert_eq!(neg::<Half>(0x7e00), 0xfe00);
        assert_eq!(abs::<Double>(0xfff0_0000_0000_0000), 0x7ff0_0000_0000_0000);
    }
}
