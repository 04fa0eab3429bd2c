//! Floating-point arithmetic exactly as the Arm ARM's shared pseudocode defines it (DDI 0487
//! J1.2 "shared/functions/float": `FPUnpack`, `FPRound`, `FPProcessNaNs`, `FPAdd`, ...).
//!
//! Why not the host's FPU or an IEEE crate: Arm detects tininess before rounding, flushes
//! denormal inputs and tiny outputs under FPCR.FZ (raising IDC/UFC, not IXC), has its own
//! NaN operand priority and default NaN, an alternative half-precision format, round-to-odd
//! for FCVTXN, saturating conversions, and architected estimate tables. Each operation here
//! computes the exact result on integers (u64/u128 significands), then rounds once through
//! [`Fp::round`], which follows `FPRoundBase` step by step.
//!
//! Values are raw bit patterns in the low bits of a `u64`; the format is a type parameter.

/// FPCR bits used here.
pub mod fpcr {
    pub const AHP: u32 = 1 << 26;
    pub const DN: u32 = 1 << 25;
    pub const FZ: u32 = 1 << 24;
    pub const RMODE_SHIFT: u32 = 22;
    pub const FZ16: u32 = 1 << 19;
}

/// FPSR cumulative exception flags (same bit positions as FPSR).
pub mod flags {
    pub const IOC: u32 = 1;
    pub const DZC: u32 = 2;
    pub const OFC: u32 = 4;
    pub const UFC: u32 = 8;
    pub const IXC: u32 = 16;
    pub const IDC: u32 = 128;
}

/// Rounding modes (`FPRounding`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rounding {
    TieEven,
    PosInf,
    NegInf,
    Zero,
    TieAway,
    /// Round to odd (FCVTXN).
    Odd,
}

impl Rounding {
    /// The mode FPCR.RMode (0..3) selects.
    pub fn from_rmode(rmode: u32) -> Self {
        match rmode & 3 {
            0 => Rounding::TieEven,
            1 => Rounding::PosInf,
            2 => Rounding::NegInf,
            _ => Rounding::Zero,
        }
    }
}

/// An IEEE binary format.
pub trait Format {
    const EXP_BITS: u32;
    const FRAC_BITS: u32;
    /// Total width.
    const BITS: u32 = 1 + Self::EXP_BITS + Self::FRAC_BITS;
    const BIAS: i32 = (1 << (Self::EXP_BITS - 1)) - 1;
    /// Whether FPCR.FZ16 rather than FPCR.FZ governs flushing (half precision).
    const HALF: bool = Self::BITS == 16;
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

/// What `FPUnpack` makes of an operand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Zero,
    /// A finite nonzero value `sig * 2^exp`.
    Finite {
        sig: u64,
        exp: i32,
    },
    Inf,
    QNaN,
    SNaN,
}

#[derive(Clone, Copy, Debug)]
struct Unpacked {
    sign: bool,
    kind: Kind,
}

impl Unpacked {
    fn is_nan(&self) -> bool {
        matches!(self.kind, Kind::QNaN | Kind::SNaN)
    }
    fn is_inf(&self) -> bool {
        self.kind == Kind::Inf
    }
    fn is_zero(&self) -> bool {
        self.kind == Kind::Zero
    }
}

const fn mask(bits: u32) -> u64 {
    if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    }
}

fn sign_bit<F: Format>() -> u64 {
    1 << (F::BITS - 1)
}

/// `FPDefaultNaN`.
pub fn default_nan<F: Format>() -> u64 {
    (mask(F::EXP_BITS) << F::FRAC_BITS) | (1 << (F::FRAC_BITS - 1))
}

fn inf<F: Format>(sign: bool) -> u64 {
    ((sign as u64) << (F::BITS - 1)) | (mask(F::EXP_BITS) << F::FRAC_BITS)
}

fn zero<F: Format>(sign: bool) -> u64 {
    (sign as u64) << (F::BITS - 1)
}

fn max_normal<F: Format>(sign: bool) -> u64 {
    ((sign as u64) << (F::BITS - 1)) | ((mask(F::EXP_BITS) - 1) << F::FRAC_BITS) | mask(F::FRAC_BITS)
}

/// `sign * 2^k` for small k (FPTwo, FPOne...): a normal value with a zero fraction.
fn pow2<F: Format>(sign: bool, k: i32) -> u64 {
    ((sign as u64) << (F::BITS - 1)) | (((F::BIAS + k) as u64) << F::FRAC_BITS)
}

/// Whether `x` (of F) is a NaN.
pub fn is_nan<F: Format>(x: u64) -> bool {
    (x >> F::FRAC_BITS) & mask(F::EXP_BITS) == mask(F::EXP_BITS) && x & mask(F::FRAC_BITS) != 0
}

/// Shifts right by `n`, OR-ing everything shifted out into bit 0 (a sticky "jam").
fn shr_jam(x: u128, n: u32) -> u128 {
    if n == 0 {
        x
    } else if n >= 128 {
        (x != 0) as u128
    } else {
        (x >> n) | ((x & ((1u128 << n) - 1)) != 0) as u128
    }
}

/// The FP context of one instruction: FPCR in, cumulative flags out.
#[derive(Clone, Copy, Debug)]
pub struct Fp {
    pub fpcr: u32,
    pub flags: u32,
}

impl Fp {
    pub fn new(fpcr: u32) -> Self {
        Self { fpcr, flags: 0 }
    }

    fn rounding(&self) -> Rounding {
        Rounding::from_rmode((self.fpcr >> fpcr::RMODE_SHIFT) & 3)
    }

    fn dn(&self) -> bool {
        self.fpcr & fpcr::DN != 0
    }

    /// Whether flushing to zero applies to F in arithmetic.
    fn fz<F: Format>(&self) -> bool {
        if F::HALF {
            self.fpcr & fpcr::FZ16 != 0
        } else {
            self.fpcr & fpcr::FZ != 0
        }
    }

    /// `FPUnpack` (`cv`: the conversion form, where half precision never flushes and
    /// FPCR.AHP makes exponent 31 an ordinary exponent).
    fn unpack_base<F: Format>(&mut self, x: u64, fz: bool, ahp: bool) -> Unpacked {
        let sign = (x >> (F::BITS - 1)) & 1 != 0;
        let e = ((x >> F::FRAC_BITS) & mask(F::EXP_BITS)) as i32;
        let f = x & mask(F::FRAC_BITS);
        let min_exp = 1 - F::BIAS - F::FRAC_BITS as i32;
        let kind = if e == 0 {
            if f == 0 {
                Kind::Zero
            } else if fz {
                self.flags |= flags::IDC;
                Kind::Zero
            } else {
                Kind::Finite { sig: f, exp: min_exp }
            }
        } else if e == mask(F::EXP_BITS) as i32 && !ahp {
            if f == 0 {
                Kind::Inf
            } else if f >> (F::FRAC_BITS - 1) != 0 {
                Kind::QNaN
            } else {
                Kind::SNaN
            }
        } else {
            Kind::Finite { sig: f | (1 << F::FRAC_BITS), exp: e + min_exp - 1 }
        };
        Unpacked { sign, kind }
    }

    fn unpack<F: Format>(&mut self, x: u64) -> Unpacked {
        let fz = self.fz::<F>();
        self.unpack_base::<F>(x, fz, false)
    }

    fn unpack_cv<F: Format>(&mut self, x: u64) -> Unpacked {
        let (fz, ahp) = if F::HALF { (false, self.fpcr & fpcr::AHP != 0) } else { (self.fpcr & fpcr::FZ != 0, false) };
        self.unpack_base::<F>(x, fz, ahp)
    }

    /// `FPProcessNaN`: quiets a signalling NaN (raising IOC), or the default NaN under DN.
    fn process_nan<F: Format>(&mut self, kind: Kind, x: u64) -> u64 {
        if kind == Kind::SNaN {
            self.flags |= flags::IOC;
        }
        if self.dn() {
            default_nan::<F>()
        } else {
            x | (1 << (F::FRAC_BITS - 1))
        }
    }

    /// `FPProcessNaNs`: signalling NaNs first, then quiet ones, each in operand order.
    fn process_nans<F: Format>(&mut self, a: Unpacked, x: u64, b: Unpacked, y: u64) -> Option<u64> {
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

    fn process_nans3<F: Format>(&mut self, ops: [(Unpacked, u64); 3]) -> Option<u64> {
        for kind in [Kind::SNaN, Kind::QNaN] {
            for (u, x) in ops {
                if u.kind == kind {
                    return Some(self.process_nan::<F>(kind, x));
                }
            }
        }
        None
    }

    /// `FPRoundBase` of the exact value `(-1)^sign * sig * 2^exp` (sig != 0, bit 0 may be a
    /// sticky jam below the precision of interest) to F. `cv` is `FPRoundCV` (half never
    /// flushes; FPCR.AHP selects the alternative half format).
    fn round_base<F: Format>(&mut self, sign: bool, sig: u128, exp: i32, rounding: Rounding, cv: bool) -> u64 {
        // Normalise to a 64-bit significand with its top bit at 63; value = m * 2^e.
        let lz = sig.leading_zeros();
        let norm = sig << lz;
        let m = (norm >> 64) as u64 | ((norm as u64) != 0) as u64;
        let e = exp + 64 - lz as i32;
        // The exponent of the leading bit, unbounded.
        let lead = e + 63;
        let min_exp = 1 - F::BIAS;
        let fz = if F::HALF { !cv && self.fpcr & fpcr::FZ16 != 0 } else { self.fpcr & fpcr::FZ != 0 };
        let ahp = cv && F::HALF && self.fpcr & fpcr::AHP != 0;
        if fz && lead < min_exp {
            self.flags |= flags::UFC;
            return zero::<F>(sign);
        }
        let biased = (lead - min_exp + 1).max(0);
        // Keep FRAC_BITS+1 bits for a normal, fewer for a denormal.
        let shift = (63 - F::FRAC_BITS) as i64 + if biased == 0 { (min_exp - lead) as i64 } else { 0 };
        let (mut int_mant, rem_nonzero, half_cmp) = if shift >= 64 {
            // Everything is below the result's last place.
            let cmp = if shift == 64 { m.cmp(&(1u64 << 63)) } else { std::cmp::Ordering::Less };
            (0u64, true, cmp)
        } else {
            let s = shift as u32;
            let rem = m & mask(s);
            let half = 1u64 << (s - 1);
            (m >> s, rem != 0, rem.cmp(&half))
        };
        use std::cmp::Ordering::*;
        let round_up = match rounding {
            Rounding::TieEven => half_cmp == Greater || (half_cmp == Equal && int_mant & 1 == 1),
            Rounding::TieAway => half_cmp != Less,
            Rounding::PosInf => rem_nonzero && !sign,
            Rounding::NegInf => rem_nonzero && sign,
            Rounding::Zero | Rounding::Odd => false,
        };
        let overflow_to_inf = match rounding {
            Rounding::TieEven | Rounding::TieAway => true,
            Rounding::PosInf => !sign,
            Rounding::NegInf => sign,
            Rounding::Zero | Rounding::Odd => false,
        };
        if rounding == Rounding::Odd && rem_nonzero {
            int_mant |= 1;
        }
        if round_up {
            int_mant += 1;
        }
        let mut error = rem_nonzero;
        if biased == 0 && error {
            self.flags |= flags::UFC;
        }
        // Pack; a carry out of the significand bumps the exponent by itself.
        let mut biased_out = biased as u64;
        if int_mant >> (F::FRAC_BITS + 1) != 0 {
            int_mant >>= 1;
            biased_out += 1;
        }
        let frac = int_mant & mask(F::FRAC_BITS);
        if biased_out == 0 && int_mant >> F::FRAC_BITS != 0 {
            biased_out = 1; // a denormal rounded up to the smallest normal
        }
        let sbit = (sign as u64) << (F::BITS - 1);
        let result = if !ahp {
            if biased_out >= mask(F::EXP_BITS) {
                self.flags |= flags::OFC;
                error = true;
                if overflow_to_inf {
                    inf::<F>(sign)
                } else {
                    max_normal::<F>(sign)
                }
            } else {
                sbit | (biased_out << F::FRAC_BITS) | frac
            }
        } else if biased_out >= 1 << F::EXP_BITS {
            self.flags |= flags::IOC;
            error = false;
            sbit | mask(F::BITS - 1)
        } else {
            sbit | (biased_out << F::FRAC_BITS) | frac
        };
        if error {
            self.flags |= flags::IXC;
        }
        result
    }

    fn round<F: Format>(&mut self, sign: bool, sig: u128, exp: i32) -> u64 {
        let r = self.rounding();
        self.round_base::<F>(sign, sig, exp, r, false)
    }

    /// The exact sum of two finite values, rounded (or a signed zero when it cancels).
    #[allow(clippy::too_many_arguments)]
    fn add_finite<F: Format>(&mut self, sa: bool, ma: u128, ea: i32, sb: bool, mb: u128, eb: i32) -> u64 {
        // Normalise both to bit 125 (two bits of headroom for the carry), align the smaller.
        let na = ma.leading_zeros() as i32 - 2;
        let nb = mb.leading_zeros() as i32 - 2;
        let (mut x, mut ex, mut y, mut ey) = (ma << na, ea - na, mb << nb, eb - nb);
        let (mut sx, mut sy) = (sa, sb);
        if ey > ex {
            std::mem::swap(&mut x, &mut y);
            std::mem::swap(&mut ex, &mut ey);
            std::mem::swap(&mut sx, &mut sy);
        }
        let d = (ex - ey) as u32;
        let y = shr_jam(y, d);
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
        self.round::<F>(sign, sum, ex)
    }

    pub fn add<F: Format>(&mut self, a: u64, b: u64) -> u64 {
        let (ua, ub) = (self.unpack::<F>(a), self.unpack::<F>(b));
        if let Some(n) = self.process_nans::<F>(ua, a, ub, b) {
            return n;
        }
        self.add_unpacked::<F>(ua, ub)
    }

    fn add_unpacked<F: Format>(&mut self, ua: Unpacked, ub: Unpacked) -> u64 {
        match (ua.kind, ub.kind) {
            (Kind::Inf, Kind::Inf) if ua.sign != ub.sign => self.invalid::<F>(),
            (Kind::Inf, _) => inf::<F>(ua.sign),
            (_, Kind::Inf) => inf::<F>(ub.sign),
            (Kind::Zero, Kind::Zero) if ua.sign == ub.sign => zero::<F>(ua.sign),
            (Kind::Zero, Kind::Zero) => zero::<F>(self.rounding() == Rounding::NegInf),
            (Kind::Zero, Kind::Finite { sig, exp }) => self.round::<F>(ub.sign, sig as u128, exp),
            (Kind::Finite { sig, exp }, Kind::Zero) => self.round::<F>(ua.sign, sig as u128, exp),
            (Kind::Finite { sig: ma, exp: ea }, Kind::Finite { sig: mb, exp: eb }) => {
                self.add_finite::<F>(ua.sign, ma as u128, ea, ub.sign, mb as u128, eb)
            }
            _ => default_nan::<F>(),
        }
    }

    pub fn sub<F: Format>(&mut self, a: u64, b: u64) -> u64 {
        let (ua, mut ub) = (self.unpack::<F>(a), self.unpack::<F>(b));
        if let Some(n) = self.process_nans::<F>(ua, a, ub, b) {
            return n;
        }
        ub.sign = !ub.sign;
        self.add_unpacked::<F>(ua, ub)
    }

    fn invalid<F: Format>(&mut self) -> u64 {
        self.flags |= flags::IOC;
        default_nan::<F>()
    }

    fn mul_common<F: Format>(&mut self, a: u64, b: u64, x: bool) -> u64 {
        let (ua, ub) = (self.unpack::<F>(a), self.unpack::<F>(b));
        if let Some(n) = self.process_nans::<F>(ua, a, ub, b) {
            return n;
        }
        let sign = ua.sign != ub.sign;
        match (ua.kind, ub.kind) {
            (Kind::Inf, Kind::Zero) | (Kind::Zero, Kind::Inf) => {
                if x {
                    pow2::<F>(sign, 1)
                } else {
                    self.invalid::<F>()
                }
            }
            (Kind::Inf, _) | (_, Kind::Inf) => inf::<F>(sign),
            (Kind::Zero, _) | (_, Kind::Zero) => zero::<F>(sign),
            (Kind::Finite { sig: ma, exp: ea }, Kind::Finite { sig: mb, exp: eb }) => {
                self.round::<F>(sign, ma as u128 * mb as u128, ea + eb)
            }
            _ => default_nan::<F>(),
        }
    }

    pub fn mul<F: Format>(&mut self, a: u64, b: u64) -> u64 {
        self.mul_common::<F>(a, b, false)
    }

    /// FMULX: as FMUL, but infinity times zero is ±2.0.
    pub fn mulx<F: Format>(&mut self, a: u64, b: u64) -> u64 {
        self.mul_common::<F>(a, b, true)
    }

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
                self.flags |= flags::DZC;
                inf::<F>(sign)
            }
            (Kind::Zero, _) | (_, Kind::Inf) => zero::<F>(sign),
            (Kind::Finite { sig: ma, exp: ea }, Kind::Finite { sig: mb, exp: eb }) => {
                // Normalise both to 64 bits, then a 128/64 division gives >= 64 quotient bits.
                let (sa, sb) = (ma.leading_zeros(), mb.leading_zeros());
                let (na, nb) = ((ma << sa) as u128, (mb << sb) as u128);
                let num = na << 64;
                let q = num / nb;
                let r = num % nb;
                let e = (ea - sa as i32) - (eb - sb as i32) - 64;
                self.round::<F>(sign, (q << 1) | (r != 0) as u128, e - 1)
            }
            _ => default_nan::<F>(),
        }
    }

    /// `FPMulAdd(addend, op1, op2)`: addend + op1 * op2, rounded once.
    pub fn mul_add<F: Format>(&mut self, addend: u64, a: u64, b: u64) -> u64 {
        let uc = self.unpack::<F>(addend);
        let ua = self.unpack::<F>(a);
        let ub = self.unpack::<F>(b);
        let inf_zero = (ua.is_inf() && ub.is_zero()) || (ua.is_zero() && ub.is_inf());
        let nan = self.process_nans3::<F>([(uc, addend), (ua, a), (ub, b)]);
        if uc.kind == Kind::QNaN && inf_zero {
            return self.invalid::<F>();
        }
        if let Some(n) = nan {
            return n;
        }
        let sp = ua.sign != ub.sign;
        let inf_p = ua.is_inf() || ub.is_inf();
        let zero_p = ua.is_zero() || ub.is_zero();
        if inf_zero || (uc.is_inf() && inf_p && uc.sign != sp) {
            return self.invalid::<F>();
        }
        if (uc.is_inf() && !uc.sign) || (inf_p && !sp) {
            return inf::<F>(false);
        }
        if (uc.is_inf() && uc.sign) || (inf_p && sp) {
            return inf::<F>(true);
        }
        if uc.is_zero() && zero_p && uc.sign == sp {
            return zero::<F>(uc.sign);
        }
        let (mp, ep) = match (ua.kind, ub.kind) {
            (Kind::Finite { sig: ma, exp: ea }, Kind::Finite { sig: mb, exp: eb }) => {
                (ma as u128 * mb as u128, ea + eb)
            }
            _ => (0, 0),
        };
        match (uc.kind, mp) {
            (Kind::Finite { sig, exp }, 0) => self.round::<F>(uc.sign, sig as u128, exp),
            (Kind::Finite { sig, exp }, _) => self.add_finite::<F>(uc.sign, sig as u128, exp, sp, mp, ep),
            (_, 0) => zero::<F>(self.rounding() == Rounding::NegInf),
            _ => self.round::<F>(sp, mp, ep),
        }
    }

    pub fn sqrt<F: Format>(&mut self, a: u64) -> u64 {
        let ua = self.unpack::<F>(a);
        match ua.kind {
            Kind::QNaN | Kind::SNaN => self.process_nan::<F>(ua.kind, a),
            Kind::Zero => zero::<F>(ua.sign),
            _ if ua.sign => self.invalid::<F>(),
            Kind::Inf => inf::<F>(false),
            Kind::Finite { sig, exp } => {
                // sqrt(sig * 2^exp) with an even exponent and the radicand scaled up to ~2^126.
                let lz = (sig as u128).leading_zeros() as i32;
                let mut k = lz - 2;
                if (exp - k) % 2 != 0 {
                    k -= 1;
                }
                let radicand = (sig as u128) << k;
                let root = radicand.isqrt();
                let sticky = (root * root != radicand) as u128;
                self.round::<F>(false, (root << 1) | sticky, (exp - k) / 2 - 1)
            }
        }
    }

    fn minmax<F: Format>(&mut self, a: u64, b: u64, max: bool) -> u64 {
        let (ua, ub) = (self.unpack::<F>(a), self.unpack::<F>(b));
        if let Some(n) = self.process_nans::<F>(ua, a, ub, b) {
            return n;
        }
        if ua.is_zero() && ub.is_zero() {
            // Max of zeros is +0 unless both are -0; min is -0 if either is.
            return zero::<F>(if max { ua.sign && ub.sign } else { ua.sign || ub.sign });
        }
        let ord = compare_values(ua, ub);
        let pick_a = if max { ord == std::cmp::Ordering::Greater } else { ord == std::cmp::Ordering::Less };
        let u = if pick_a { ua } else { ub };
        match u.kind {
            Kind::Finite { sig, exp } => self.round::<F>(u.sign, sig as u128, exp),
            Kind::Inf => inf::<F>(u.sign),
            _ => zero::<F>(u.sign),
        }
    }

    pub fn max<F: Format>(&mut self, a: u64, b: u64) -> u64 {
        self.minmax::<F>(a, b, true)
    }

    pub fn min<F: Format>(&mut self, a: u64, b: u64) -> u64 {
        self.minmax::<F>(a, b, false)
    }

    /// FMAXNM/FMINNM: a single quiet NaN loses to any number (it becomes -inf or +inf).
    fn minmax_num<F: Format>(&mut self, mut a: u64, mut b: u64, max: bool) -> u64 {
        let qa = is_nan::<F>(a) && (a >> (F::FRAC_BITS - 1)) & 1 == 1;
        let qb = is_nan::<F>(b) && (b >> (F::FRAC_BITS - 1)) & 1 == 1;
        if qa && !qb {
            a = inf::<F>(max);
        } else if !qa && qb {
            b = inf::<F>(max);
        }
        self.minmax::<F>(a, b, max)
    }

    pub fn max_num<F: Format>(&mut self, a: u64, b: u64) -> u64 {
        self.minmax_num::<F>(a, b, true)
    }

    pub fn min_num<F: Format>(&mut self, a: u64, b: u64) -> u64 {
        self.minmax_num::<F>(a, b, false)
    }

    /// FCMP/FCMPE: NZCV in bits 3..0. `signal`: any NaN raises IOC (FCMPE).
    pub fn compare<F: Format>(&mut self, a: u64, b: u64, signal: bool) -> u32 {
        let (ua, ub) = (self.unpack::<F>(a), self.unpack::<F>(b));
        if ua.is_nan() || ub.is_nan() {
            if signal || ua.kind == Kind::SNaN || ub.kind == Kind::SNaN {
                self.flags |= flags::IOC;
            }
            return 0b0011;
        }
        match compare_values(ua, ub) {
            std::cmp::Ordering::Equal => 0b0110,
            std::cmp::Ordering::Less => 0b1000,
            std::cmp::Ordering::Greater => 0b0010,
        }
    }

    pub fn compare_eq<F: Format>(&mut self, a: u64, b: u64) -> bool {
        let (ua, ub) = (self.unpack::<F>(a), self.unpack::<F>(b));
        if ua.is_nan() || ub.is_nan() {
            if ua.kind == Kind::SNaN || ub.kind == Kind::SNaN {
                self.flags |= flags::IOC;
            }
            return false;
        }
        compare_values(ua, ub) == std::cmp::Ordering::Equal
    }

    fn compare_signalling<F: Format>(&mut self, a: u64, b: u64) -> Option<std::cmp::Ordering> {
        let (ua, ub) = (self.unpack::<F>(a), self.unpack::<F>(b));
        if ua.is_nan() || ub.is_nan() {
            self.flags |= flags::IOC;
            return None;
        }
        Some(compare_values(ua, ub))
    }

    pub fn compare_ge<F: Format>(&mut self, a: u64, b: u64) -> bool {
        self.compare_signalling::<F>(a, b).is_some_and(|o| o != std::cmp::Ordering::Less)
    }

    pub fn compare_gt<F: Format>(&mut self, a: u64, b: u64) -> bool {
        self.compare_signalling::<F>(a, b) == Some(std::cmp::Ordering::Greater)
    }

    /// FRINT*: `exact` (FRINTX) raises IXC when the value changes.
    pub fn round_int<F: Format>(&mut self, a: u64, rounding: Rounding, exact: bool) -> u64 {
        let ua = self.unpack::<F>(a);
        match ua.kind {
            Kind::QNaN | Kind::SNaN => self.process_nan::<F>(ua.kind, a),
            Kind::Inf => inf::<F>(ua.sign),
            Kind::Zero => zero::<F>(ua.sign),
            // Already an integer.
            Kind::Finite { exp, .. } if exp >= 0 => a,
            Kind::Finite { sig, exp } => {
                let (int, inexact) = round_to_integer(ua.sign, sig as u128, exp, rounding);
                if inexact && exact {
                    self.flags |= flags::IXC;
                }
                if int == 0 {
                    return zero::<F>(ua.sign);
                }
                // Exact: an integer no wider than the input's significand.
                let r = self.rounding();
                self.round_base::<F>(ua.sign, int, 0, r, false)
            }
        }
    }

    /// `FPToFixed`: to an `int_bits` (32 or 64) integer with `fbits` fraction bits,
    /// saturating (IOC) when out of range; NaN gives 0 with IOC.
    pub fn to_fixed<F: Format>(
        &mut self,
        a: u64,
        fbits: u32,
        unsigned: bool,
        int_bits: u32,
        rounding: Rounding,
    ) -> u64 {
        let ua = self.unpack::<F>(a);
        let (lo, hi): (i128, i128) = if unsigned {
            (0, mask(int_bits) as i128)
        } else {
            (-(1i128 << (int_bits - 1)), (1i128 << (int_bits - 1)) - 1)
        };
        let (value, inexact) = match ua.kind {
            Kind::QNaN | Kind::SNaN => {
                self.flags |= flags::IOC;
                return 0;
            }
            Kind::Zero => (0i128, false),
            Kind::Inf => (if ua.sign { i128::MIN } else { i128::MAX }, false),
            Kind::Finite { sig, exp } => {
                let e = exp + fbits as i32;
                // Anything at or above 2^66 saturates whatever the width; keep the rest exact.
                if e + (64 - sig.leading_zeros() as i32) > 66 {
                    (if ua.sign { i128::MIN } else { i128::MAX }, false)
                } else {
                    let (int, inexact) = round_to_integer(ua.sign, sig as u128, e, rounding);
                    (if ua.sign { -(int as i128) } else { int as i128 }, inexact)
                }
            }
        };
        if value > hi || value < lo {
            self.flags |= flags::IOC;
            return (if value > hi { hi } else { lo }) as u64 & mask(int_bits);
        }
        if inexact {
            self.flags |= flags::IXC;
        }
        value as u64 & mask(int_bits)
    }

    /// `FixedToFP`: an `int_bits`-bit integer (signed unless `unsigned`) with `fbits`
    /// fraction bits, rounded to F.
    pub fn from_fixed<F: Format>(
        &mut self,
        value: u64,
        fbits: u32,
        unsigned: bool,
        int_bits: u32,
        rounding: Rounding,
    ) -> u64 {
        let v = value & mask(int_bits);
        let neg = !unsigned && (v >> (int_bits - 1)) & 1 == 1;
        let mag = if neg { (v.wrapping_neg()) & mask(int_bits) } else { v };
        let mag = if neg && mag == 0 { 1u128 << (int_bits - 1) } else { mag as u128 };
        if mag == 0 {
            return zero::<F>(false);
        }
        self.round_base::<F>(neg, mag, -(fbits as i32), rounding, false)
    }

    /// `FPConvert` from `From` to `To` (FCVT, FCVTN, FCVTL, FCVTXN with `Rounding::Odd`).
    pub fn convert<From: Format, To: Format>(&mut self, a: u64, rounding: Rounding) -> u64 {
        let ua = self.unpack_cv::<From>(a);
        let alt_hp = To::HALF && self.fpcr & fpcr::AHP != 0;
        match ua.kind {
            Kind::QNaN | Kind::SNaN => {
                let r = if alt_hp {
                    zero::<To>(ua.sign)
                } else if self.dn() {
                    default_nan::<To>()
                } else {
                    // FPConvertNaN: keep the sign and the top fraction bits, set quiet.
                    let frac = a & mask(From::FRAC_BITS);
                    let f = if To::FRAC_BITS >= From::FRAC_BITS {
                        frac << (To::FRAC_BITS - From::FRAC_BITS)
                    } else {
                        frac >> (From::FRAC_BITS - To::FRAC_BITS)
                    };
                    inf::<To>(ua.sign) | f | (1 << (To::FRAC_BITS - 1))
                };
                if ua.kind == Kind::SNaN || alt_hp {
                    self.flags |= flags::IOC;
                }
                r
            }
            Kind::Inf if alt_hp => {
                self.flags |= flags::IOC;
                ((ua.sign as u64) << (To::BITS - 1)) | mask(To::BITS - 1)
            }
            Kind::Inf => inf::<To>(ua.sign),
            Kind::Zero => zero::<To>(ua.sign),
            Kind::Finite { sig, exp } => self.round_base::<To>(ua.sign, sig as u128, exp, rounding, true),
        }
    }

    /// FRECPE.
    pub fn recip_estimate<F: Format>(&mut self, a: u64) -> u64 {
        let ua = self.unpack::<F>(a);
        match ua.kind {
            Kind::QNaN | Kind::SNaN => return self.process_nan::<F>(ua.kind, a),
            Kind::Inf => return zero::<F>(ua.sign),
            Kind::Zero => {
                self.flags |= flags::DZC;
                return inf::<F>(ua.sign);
            }
            Kind::Finite { .. } => {}
        }
        let sign = ua.sign;
        let exp_field = ((a >> F::FRAC_BITS) & mask(F::EXP_BITS)) as i64;
        let frac_field = a & mask(F::FRAC_BITS);
        // |value| < 2^-(BIAS+1): the reciprocal overflows.
        if exp_field == 0 && frac_field >> (F::FRAC_BITS - 2) == 0 {
            let rounding = self.rounding();
            let to_inf = match rounding {
                Rounding::TieEven | Rounding::TieAway => true,
                Rounding::PosInf => !sign,
                Rounding::NegInf => sign,
                _ => false,
            };
            self.flags |= flags::OFC | flags::IXC;
            return if to_inf { inf::<F>(sign) } else { max_normal::<F>(sign) };
        }
        // |value| >= 2^(BIAS-1) with flushing: the reciprocal is tiny.
        if self.fz::<F>() && exp_field >= 2 * F::BIAS as i64 - 1 {
            self.flags |= flags::UFC;
            return zero::<F>(sign);
        }
        let mut fraction = frac_field << (52 - F::FRAC_BITS);
        let mut exp = exp_field;
        if exp == 0 {
            if (fraction >> 51) & 1 == 0 {
                exp = -1;
                fraction = (fraction << 2) & mask(52);
            } else {
                fraction = (fraction << 1) & mask(52);
            }
        }
        let scaled = (1 << 8) | (fraction >> 44);
        let mut result_exp = 2 * F::BIAS as i64 - 1 - exp;
        let estimate = recip_estimate_int(scaled as u32) as u64;
        let mut fraction = (estimate & 0xff) << 44;
        if result_exp == 0 {
            fraction = (1 << 51) | (fraction >> 1);
        } else if result_exp == -1 {
            fraction = (1 << 50) | (fraction >> 2);
            result_exp = 0;
        }
        ((sign as u64) << (F::BITS - 1))
            | ((result_exp as u64 & mask(F::EXP_BITS)) << F::FRAC_BITS)
            | (fraction >> (52 - F::FRAC_BITS))
    }

    /// FRSQRTE.
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
        let mut fraction = (a & mask(F::FRAC_BITS)) << (52 - F::FRAC_BITS);
        let mut exp = ((a >> F::FRAC_BITS) & mask(F::EXP_BITS)) as i64;
        if exp == 0 {
            while (fraction >> 51) & 1 == 0 {
                fraction = (fraction << 1) & mask(52);
                exp -= 1;
            }
            fraction = (fraction << 1) & mask(52);
        }
        let scaled = if exp & 1 == 0 { (1 << 8) | (fraction >> 44) } else { (1 << 7) | (fraction >> 45) };
        let result_exp = (3 * F::BIAS as i64 - 1 - exp).div_euclid(2);
        let estimate = rsqrt_estimate_int(scaled as u32) as u64;
        ((result_exp as u64 & mask(F::EXP_BITS)) << F::FRAC_BITS) | ((estimate & 0xff) << (F::FRAC_BITS - 8))
    }

    /// FRECPS: 2 - a*b, fused.
    pub fn recip_step<F: Format>(&mut self, a: u64, b: u64) -> u64 {
        self.step::<F>(a, b, false)
    }

    /// FRSQRTS: (3 - a*b) / 2, fused.
    pub fn rsqrt_step<F: Format>(&mut self, a: u64, b: u64) -> u64 {
        self.step::<F>(a, b, true)
    }

    fn step<F: Format>(&mut self, a: u64, b: u64, rsqrt: bool) -> u64 {
        let a = a ^ sign_bit::<F>();
        let (ua, ub) = (self.unpack::<F>(a), self.unpack::<F>(b));
        if let Some(n) = self.process_nans::<F>(ua, a, ub, b) {
            return n;
        }
        if (ua.is_inf() && ub.is_zero()) || (ua.is_zero() && ub.is_inf()) {
            // 2.0, or 1.5 for FRSQRTS
            return if rsqrt { pow2::<F>(false, 0) | (1 << (F::FRAC_BITS - 1)) } else { pow2::<F>(false, 1) };
        }
        if ua.is_inf() || ub.is_inf() {
            return inf::<F>(ua.sign != ub.sign);
        }
        let (mp, ep) = match (ua.kind, ub.kind) {
            (Kind::Finite { sig: ma, exp: ea }, Kind::Finite { sig: mb, exp: eb }) => {
                (ma as u128 * mb as u128, ea + eb)
            }
            _ => (0, 0),
        };
        // (3 + p) / 2 is (3 + p) * 2^-1: the same sum with every exponent one lower.
        let (c, adj) = if rsqrt { (3u128, -1) } else { (2u128, 0) };
        if mp == 0 {
            return self.round::<F>(false, c, adj);
        }
        self.add_finite::<F>(false, c, adj, ua.sign != ub.sign, mp, ep + adj)
    }

    /// FRECPX.
    pub fn recpx<F: Format>(&mut self, a: u64) -> u64 {
        let ua = self.unpack::<F>(a);
        if ua.is_nan() {
            return self.process_nan::<F>(ua.kind, a);
        }
        let exp = (a >> F::FRAC_BITS) & mask(F::EXP_BITS);
        let sbit = a & sign_bit::<F>();
        let e = if exp == 0 { mask(F::EXP_BITS) - 1 } else { !exp & mask(F::EXP_BITS) };
        sbit | (e << F::FRAC_BITS)
    }
}

/// Orders two non-NaN unpacked values.
fn compare_values(a: Unpacked, b: Unpacked) -> std::cmp::Ordering {
    use std::cmp::Ordering::*;
    let key = |u: Unpacked| -> (i8, i32, u64) {
        // (class, exponent of the leading bit, normalised significand) of the magnitude
        match u.kind {
            Kind::Zero => (0, 0, 0),
            Kind::Finite { sig, exp } => {
                let lz = sig.leading_zeros();
                (1, exp + 63 - lz as i32, sig << lz)
            }
            _ => (2, 0, 0),
        }
    };
    let (ka, kb) = (key(a), key(b));
    let mag = ka.cmp(&kb);
    let sa = a.sign && !a.is_zero();
    let sb = b.sign && !b.is_zero();
    match (sa, sb) {
        (false, false) => mag,
        (true, true) => mag.reverse(),
        (true, false) => {
            if ka.0 == 0 && kb.0 == 0 {
                Equal
            } else {
                Less
            }
        }
        (false, true) => Greater,
    }
}

/// Rounds the magnitude `sig * 2^exp` to an integer: (integer, inexact). Saturates
/// nothing: callers keep `exp` small enough that the integer fits in 128 bits.
fn round_to_integer(neg: bool, sig: u128, exp: i32, rounding: Rounding) -> (u128, bool) {
    if exp >= 0 {
        return (sig << exp.min(127), false);
    }
    let n = (-exp) as u32;
    let (int, rem, half) = if n >= 128 {
        (0, sig, if n == 128 { 1u128 << 127 } else { u128::MAX })
    } else {
        (sig >> n, sig & ((1u128 << n) - 1), 1u128 << (n - 1))
    };
    // For n > 128 the remainder is far below one half.
    let cmp = if n > 128 { std::cmp::Ordering::Less } else { rem.cmp(&half) };
    use std::cmp::Ordering::*;
    let up = match rounding {
        Rounding::TieEven => cmp == Greater || (cmp == Equal && int & 1 == 1),
        Rounding::TieAway => cmp != Less,
        Rounding::PosInf => rem != 0 && !neg,
        Rounding::NegInf => rem != 0 && neg,
        Rounding::Zero | Rounding::Odd => false,
    };
    (int + up as u128, rem != 0)
}

/// `RecipEstimate` (Armv8.0 precision): 256..511 in, 256..511 out.
fn recip_estimate_int(a: u32) -> u32 {
    let a = a * 2 + 1;
    let b = (1u32 << 19) / a;
    b.div_ceil(2)
}

/// `RecipSqrtEstimate` (Armv8.0 precision): 128..511 in, 256..511 out.
fn rsqrt_estimate_int(a: u32) -> u32 {
    let a = if a < 256 { a as u64 * 2 + 1 } else { ((a as u64 >> 1) << 1) * 2 + 2 };
    let mut b = 512u64;
    while a * (b + 1) * (b + 1) < 1 << 28 {
        b += 1;
    }
    b.div_ceil(2) as u32
}

/// URECPE on one 32-bit lane.
pub fn unsigned_recip_estimate(a: u32) -> u32 {
    if a >> 31 == 0 {
        u32::MAX
    } else {
        recip_estimate_int(a >> 23) << 23
    }
}

/// URSQRTE on one 32-bit lane.
pub fn unsigned_rsqrt_estimate(a: u32) -> u32 {
    if a >> 30 == 0 {
        u32::MAX
    } else {
        rsqrt_estimate_int(a >> 23) << 23
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: u64 = 0x3ff0_0000_0000_0000;

    #[test]
    fn arithmetic_rounds_once_and_flags() {
        let mut fp = Fp::new(0);
        assert_eq!(fp.div::<Double>(ONE, 0x4008_0000_0000_0000), 0x3fd5_5555_5555_5555);
        assert_eq!(fp.flags, flags::IXC);
        // (1 + 2^-52)^2 - (1 + 2^-51) = 2^-104 exactly, only when fused.
        let mut fp = Fp::new(0);
        assert_eq!(fp.mul_add::<Double>(0xbff0_0000_0000_0002, ONE + 1, ONE + 1), 0x3970_0000_0000_0000);
        assert_eq!(fp.flags, 0);
        assert_eq!(fp.sqrt::<Double>(0x4000_0000_0000_0000), 0x3ff6_a09e_667f_3bcd);
    }

    #[test]
    fn nans_and_flush_to_zero() {
        let mut fp = Fp::new(0);
        // A signalling NaN is quieted, keeping its payload, and raises IOC.
        assert_eq!(fp.add::<Double>(0x7ff4_0000_0000_0001, ONE), 0x7ffc_0000_0000_0001);
        assert_eq!(fp.flags, flags::IOC);
        let mut fp = Fp::new(fpcr::DN);
        assert_eq!(fp.add::<Single>(0x7fc0_0001, 0x3f80_0000), 0x7fc0_0000);
        // FZ: a denormal input reads as zero (IDC); a tiny result flushes (UFC, no IXC).
        let mut fp = Fp::new(fpcr::FZ);
        assert_eq!(fp.add::<Double>(1, 0), 0);
        assert_eq!(fp.flags, flags::IDC);
        let mut fp = Fp::new(fpcr::FZ);
        assert_eq!(fp.mul::<Double>(0x0010_0000_0000_0000, 0x3fe0_0000_0000_0000), 0);
        assert_eq!(fp.flags, flags::UFC);
        // Without FZ the same product is an exact denormal: no underflow.
        let mut fp = Fp::new(0);
        assert_eq!(fp.mul::<Double>(0x0010_0000_0000_0000, 0x3fe0_0000_0000_0000), 0x0008_0000_0000_0000);
        assert_eq!(fp.flags, 0);
    }

    #[test]
    fn conversions_saturate_and_round() {
        let mut fp = Fp::new(0);
        assert_eq!(fp.to_fixed::<Double>(0x4202_a05f_2000_0000, 0, false, 32, Rounding::Zero), 0x7fff_ffff);
        assert_eq!(fp.flags, flags::IOC);
        let mut fp = Fp::new(0);
        assert_eq!(fp.to_fixed::<Double>(0xc004_0000_0000_0000, 0, false, 64, Rounding::TieAway), (-3i64) as u64);
        assert_eq!(fp.flags, flags::IXC);
        // Round to odd: 1 + 2^-30 is not a single; the last bit records the inexactness.
        let mut fp = Fp::new(0);
        assert_eq!(fp.convert::<Double, Single>(0x3ff0_0000_0400_0000, Rounding::Odd), 0x3f80_0001);
        // 65536.0 overflows IEEE half to infinity, but is the alternative format's 0x7c00;
        // 131072.0 overflows that too: its largest value, with IOC instead of OFC.
        let mut fp = Fp::new(0);
        assert_eq!(fp.convert::<Single, Half>(0x4780_0000, Rounding::TieEven), 0x7c00);
        assert_eq!(fp.flags, flags::OFC | flags::IXC);
        let mut fp = Fp::new(fpcr::AHP);
        assert_eq!(fp.convert::<Single, Half>(0x4780_0000, Rounding::TieEven), 0x7c00);
        assert_eq!(fp.flags, 0);
        assert_eq!(fp.convert::<Single, Half>(0x4800_0000, Rounding::TieEven), 0x7fff);
        assert_eq!(fp.flags, flags::IOC);
    }

    #[test]
    fn estimates_follow_the_architected_tables() {
        assert_eq!(unsigned_recip_estimate(0x8000_0000), 0xff80_0000);
        assert_eq!(unsigned_recip_estimate(0x7fff_ffff), u32::MAX);
        let mut fp = Fp::new(0);
        assert_eq!(fp.recip_estimate::<Single>(0x4000_0000), 0x3eff_8000);
        assert_eq!(fp.recip_estimate::<Single>(0), 0x7f80_0000);
        assert_eq!(fp.flags, flags::DZC);
    }
}
