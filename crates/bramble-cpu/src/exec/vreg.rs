//! SIMD&FP register views (B/H/S/D/Q) and the lane helpers every Advanced SIMD group uses.
//!
//! A vector is a `u128` with lane 0 in the low bits (the architecture's little-endian
//! element order). Lane loops are generic over the element width so each width compiles to
//! its own straight-line code; results of 64-bit (Q = 0) operations clear the top half, as
//! every write of a SIMD&FP register narrower than 128 bits does (Arm ARM C1.2.5).

use crate::cpu::Cpu;

/// FPSR.QC: a saturating operation saturated.
pub(crate) const FPSR_QC: u64 = 1 << 27;

/// All-ones in the low `bits` bits (1..=64).
#[inline(always)]
pub(crate) const fn ones(bits: u32) -> u64 {
    u64::MAX >> (64 - bits)
}

/// Element `i` of `esize` bits, zero-extended.
#[inline(always)]
pub(crate) fn elem(v: u128, i: usize, esize: u32) -> u64 {
    (v >> (i as u32 * esize)) as u64 & ones(esize)
}

/// Replaces element `i` of `esize` bits.
#[inline(always)]
pub(crate) fn set_elem(v: &mut u128, i: usize, esize: u32, x: u64) {
    let shift = i as u32 * esize;
    let m = (ones(esize) as u128) << shift;
    *v = (*v & !m) | (((x & ones(esize)) as u128) << shift);
}

/// Sign-extends the low `bits` bits of `x`.
#[inline(always)]
pub(crate) fn sx(x: u64, bits: u32) -> i64 {
    ((x << (64 - bits)) as i64) >> (64 - bits)
}

/// The low 64 bits for Q = 0, everything for Q = 1.
#[inline(always)]
pub(crate) fn q_mask(q: bool) -> u128 {
    if q {
        u128::MAX
    } else {
        u64::MAX as u128
    }
}

/// Copies `x` to every lane of `esize` bits.
#[inline(always)]
pub(crate) fn replicate(x: u64, esize: u32) -> u128 {
    let mut v = 0;
    for i in 0..(128 / esize) as usize {
        set_elem(&mut v, i, esize, x);
    }
    v
}

/// Applies `f` lane by lane to `a` and `b` (E-bit lanes, raw unsigned values).
#[inline(always)]
pub(crate) fn map2<const E: u32>(a: u128, b: u128, mut f: impl FnMut(u64, u64) -> u64) -> u128 {
    let mut r = 0u128;
    for i in 0..(128 / E) as usize {
        r |= ((f(elem(a, i, E), elem(b, i, E)) & ones(E)) as u128) << (i as u32 * E);
    }
    r
}

/// [`map2`] for an element size of 8 << `size` bits.
#[inline(always)]
pub(crate) fn map2_sz(size: u8, a: u128, b: u128, f: impl FnMut(u64, u64, u32) -> u64) -> u128 {
    let mut f = f;
    match size {
        0 => map2::<8>(a, b, |x, y| f(x, y, 8)),
        1 => map2::<16>(a, b, |x, y| f(x, y, 16)),
        2 => map2::<32>(a, b, |x, y| f(x, y, 32)),
        _ => map2::<64>(a, b, |x, y| f(x, y, 64)),
    }
}

/// Applies `f` lane by lane to one operand.
#[inline(always)]
pub(crate) fn map1_sz(size: u8, a: u128, mut f: impl FnMut(u64, u32) -> u64) -> u128 {
    map2_sz(size, a, 0, move |x, _, e| f(x, e))
}

impl Cpu {
    /// V`n` as 128 bits.
    #[inline(always)]
    pub(crate) fn vr(&self, n: u8) -> u128 {
        self.v[(n & 31) as usize]
    }

    /// Writes all 128 bits of V`n`.
    #[inline(always)]
    pub(crate) fn set_vr(&mut self, n: u8, v: u128) {
        self.v[(n & 31) as usize] = v;
    }

    /// Writes a vector result: 64 bits (upper half cleared) for Q = 0, else 128.
    #[inline(always)]
    pub(crate) fn set_vq(&mut self, n: u8, v: u128, q: bool) {
        self.set_vr(n, v & q_mask(q));
    }

    /// Writes a scalar of `bits` bits to V`n`, clearing the rest of the register.
    #[inline(always)]
    pub(crate) fn set_vs(&mut self, n: u8, v: u64, bits: u32) {
        self.set_vr(n, (v & ones(bits)) as u128);
    }

    /// Writes the 64-bit result of a narrowing operation: the low half of Vd with the top
    /// cleared (Q = 0), or the high half keeping the low one (the "2" forms, Q = 1).
    #[inline(always)]
    pub(crate) fn set_narrow(&mut self, rd: u8, r: u64, q: bool) {
        let v = if q { (self.vr(rd) as u64 as u128) | (r as u128) << 64 } else { r as u128 };
        self.set_vr(rd, v);
    }

    /// Marks FPSR.QC (cumulative saturation).
    #[inline(always)]
    pub(crate) fn set_qc(&mut self) {
        self.sys.fpsr |= FPSR_QC;
    }
}
