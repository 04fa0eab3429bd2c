//! The floating-point forms of the Advanced SIMD groups (C7.2): three same (arithmetic,
//! FMLA/FMLS, compares, estimates' steps, pairwise), two-register misc (FABS, FNEG, FSQRT,
//! FRINT*, conversions, compares with zero, estimates), across lanes, scalar pairwise,
//! fixed-point conversions by immediate and by element. Lanes are single or double
//! precision (FP16 arithmetic is FEAT_FP16, not implemented); the conversions FCVTN,
//! FCVTL and FCVTXN also involve half precision.

use bramble_softfloat::{
    abs, neg, unsigned_recip_estimate, unsigned_rsqrt_estimate, Double, Format, Fp, Half, Rounding, Single,
};

use super::three_same::mask;
use crate::cpu::{Cpu, ExecResult};
use crate::exec::fp::dp::frint_mode;
use crate::exec::vreg::{elem, ones, q_mask, set_elem};

/// Lane-wise `f` over the lanes of F in `n`, `m` and `d` (`lanes` of them).
#[inline(always)]
fn map3<F: Format>(lanes: usize, n: u128, m: u128, d: u128, mut f: impl FnMut(u64, u64, u64) -> u64) -> u128 {
    let e = F::BITS;
    let mut r = 0u128;
    for i in 0..lanes {
        set_elem(&mut r, i, e, f(elem(n, i, e), elem(m, i, e), elem(d, i, e)));
    }
    r
}

/// The three-same FP operation on one lane (not the pairwise ones).
#[inline(always)]
fn fp_3same_lane<F: Format>(fp: &mut Fp, u: bool, a: bool, opcode: u8, x: u64, y: u64, d: u64) -> u64 {
    match (u, a, opcode) {
        (false, false, 0x18) => fp.max_num::<F>(x, y),
        (false, false, 0x19) => fp.mul_add::<F>(d, x, y),
        (false, false, 0x1a) => fp.add::<F>(x, y),
        (false, false, 0x1b) => fp.mulx::<F>(x, y),
        (false, false, 0x1c) => mask(fp.compare_eq::<F>(x, y)),
        (false, false, 0x1e) => fp.max::<F>(x, y),
        (false, false, _) => fp.recip_step::<F>(x, y),
        (false, true, 0x18) => fp.min_num::<F>(x, y),
        (false, true, 0x19) => fp.mul_add::<F>(d, neg::<F>(x), y),
        (false, true, 0x1a) => fp.sub::<F>(x, y),
        (false, true, 0x1e) => fp.min::<F>(x, y),
        (false, true, _) => fp.rsqrt_step::<F>(x, y),
        (true, false, 0x1b) => fp.mul::<F>(x, y),
        (true, false, 0x1c) => mask(fp.compare_ge::<F>(x, y)),
        (true, false, 0x1d) => mask(fp.compare_ge::<F>(abs::<F>(x), abs::<F>(y))),
        (true, false, _) => fp.div::<F>(x, y),
        (true, true, 0x1a) => abs::<F>(fp.sub::<F>(x, y)),
        (true, true, 0x1c) => mask(fp.compare_gt::<F>(x, y)),
        (true, true, _) => mask(fp.compare_gt::<F>(abs::<F>(x), abs::<F>(y))),
    }
}

/// The pairwise reductions: FMAXNMP/FMINNMP (0x18), FADDP (0x1a), FMAXP/FMINP (0x1e); for
/// the across-lanes and scalar-pairwise groups too (their opcodes mapped onto these).
#[inline(always)]
fn fp_pair<F: Format>(fp: &mut Fp, a: bool, opcode: u8, x: u64, y: u64) -> u64 {
    match (opcode, a) {
        (0x18, false) => fp.max_num::<F>(x, y),
        (0x18, true) => fp.min_num::<F>(x, y),
        (0x1a, _) => fp.add::<F>(x, y),
        (_, false) => fp.max::<F>(x, y),
        (_, true) => fp.min::<F>(x, y),
    }
}

impl Cpu {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn simd_fp_3same(
        &mut self,
        scalar: bool,
        q: bool,
        u: bool,
        size: u8,
        rm: u8,
        opcode: u8,
        rn: u8,
        rd: u8,
    ) -> ExecResult {
        let (n, m, d) = (self.vr(rn), self.vr(rm), self.vr(rd));
        let a = size & 2 != 0;
        let double = size & 1 != 0;
        let e = if double { 64 } else { 32 };
        let lanes = if scalar { 1 } else { (if q { 128 } else { 64 } / e) as usize };
        let mut fp = self.fp_ctx();
        let pairwise = u && matches!(opcode, 0x18 | 0x1a | 0x1e) && !(a && opcode == 0x1a);
        let r = if pairwise {
            let src = |i: usize| if i < lanes { elem(n, i, e) } else { elem(m, i - lanes, e) };
            let mut r = 0u128;
            for i in 0..lanes {
                let (x, y) = (src(2 * i), src(2 * i + 1));
                let v = if double {
                    fp_pair::<Double>(&mut fp, a, opcode, x, y)
                } else {
                    fp_pair::<Single>(&mut fp, a, opcode, x, y)
                };
                set_elem(&mut r, i, e, v);
            }
            r
        } else if double {
            map3::<Double>(lanes, n, m, d, |x, y, z| fp_3same_lane::<Double>(&mut fp, u, a, opcode, x, y, z))
        } else {
            map3::<Single>(lanes, n, m, d, |x, y, z| fp_3same_lane::<Single>(&mut fp, u, a, opcode, x, y, z))
        };
        self.fp_flags(fp);
        self.set_vr(rd, r & if scalar { ones(e) as u128 } else { q_mask(q) });
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn simd_fp_2misc(
        &mut self,
        scalar: bool,
        q: bool,
        u: bool,
        size: u8,
        opcode: u8,
        rn: u8,
        rd: u8,
    ) -> ExecResult {
        let n = self.vr(rn);
        let a = size & 2 != 0;
        let double = size & 1 != 0;
        let mut fp = self.fp_ctx();
        let rmode = fp.rounding();
        match opcode {
            0x16 => {
                // FCVTN (to half or single) / FCVTXN (double to single, round to odd): the
                // narrow results fill the low half (Q = 0) or the high half (Q = 1).
                let lanes = if scalar { 1 } else { 2 << (!double as u32) };
                let (e, ne) = if double { (64, 32) } else { (32, 16) };
                let mut r = 0u64;
                for i in 0..lanes {
                    let x = elem(n, i, e);
                    let v = match (u, double) {
                        (true, _) => fp.convert::<Double, Single>(x, Rounding::Odd),
                        (false, true) => fp.convert::<Double, Single>(x, rmode),
                        (false, false) => fp.convert::<Single, Half>(x, rmode),
                    };
                    r |= (v & ones(ne)) << (i as u32 * ne);
                }
                self.fp_flags(fp);
                // A scalar result is the low lane with everything above it cleared, as for Q = 0.
                self.set_narrow(rd, r, q && !scalar);
                return Ok(());
            }
            0x17 => {
                // FCVTL: widen the low (Q = 0) or high (Q = 1) half.
                let h = if q { n >> 64 } else { n } as u64 as u128;
                let (e, we) = if double { (32, 64) } else { (16, 32) };
                let mut r = 0u128;
                for i in 0..(64 / e) as usize {
                    let x = elem(h, i, e);
                    let v = if double {
                        fp.convert::<Single, Double>(x, rmode)
                    } else {
                        fp.convert::<Half, Single>(x, rmode)
                    };
                    set_elem(&mut r, i, we, v);
                }
                self.fp_flags(fp);
                self.set_vr(rd, r);
                return Ok(());
            }
            0x1c if a => {
                // URECPE / URSQRTE on 32-bit lanes.
                let lanes = if q { 4 } else { 2 };
                let mut r = 0u128;
                for i in 0..lanes {
                    let x = elem(n, i, 32) as u32;
                    let v = if u { unsigned_rsqrt_estimate(x) } else { unsigned_recip_estimate(x) };
                    set_elem(&mut r, i, 32, v as u64);
                }
                self.set_vq(rd, r, q);
                return Ok(());
            }
            _ => {}
        }
        let e = if double { 64 } else { 32 };
        let lanes = if scalar { 1 } else { (if q { 128 } else { 64 } / e) as usize };
        let r = if double {
            map3::<Double>(lanes, n, 0, 0, |x, _, _| fp_2misc_lane::<Double>(&mut fp, u, a, opcode, x))
        } else {
            map3::<Single>(lanes, n, 0, 0, |x, _, _| fp_2misc_lane::<Single>(&mut fp, u, a, opcode, x))
        };
        self.fp_flags(fp);
        self.set_vr(rd, r & if scalar { ones(e) as u128 } else { q_mask(q) });
        Ok(())
    }

    /// FMAXNMV, FMINNMV, FMAXV, FMINV: four single-precision lanes, reduced as
    /// op(op(e0, e1), op(e2, e3)).
    pub(super) fn simd_fp_across(&mut self, size: u8, opcode: u8, rn: u8, rd: u8) -> ExecResult {
        let n = self.vr(rn);
        let a = size & 2 != 0;
        let op = if opcode == 0x0c { 0x18 } else { 0x1e };
        let mut fp = self.fp_ctx();
        let lo = fp_pair::<Single>(&mut fp, a, op, elem(n, 0, 32), elem(n, 1, 32));
        let hi = fp_pair::<Single>(&mut fp, a, op, elem(n, 2, 32), elem(n, 3, 32));
        let r = fp_pair::<Single>(&mut fp, a, op, lo, hi);
        self.fp_flags(fp);
        self.set_vs(rd, r, 32);
        Ok(())
    }

    /// FMAXNMP, FMINNMP, FADDP, FMAXP, FMINP (scalar): the two lanes of Vn.
    pub(super) fn simd_fp_spair(&mut self, size: u8, opcode: u8, rn: u8, rd: u8) -> ExecResult {
        let n = self.vr(rn);
        let a = size & 2 != 0;
        let op = match opcode {
            0x0c => 0x18,
            0x0d => 0x1a,
            _ => 0x1e,
        };
        let mut fp = self.fp_ctx();
        let (r, e) = if size & 1 != 0 {
            (fp_pair::<Double>(&mut fp, a, op, elem(n, 0, 64), elem(n, 1, 64)), 64)
        } else {
            (fp_pair::<Single>(&mut fp, a, op, elem(n, 0, 32), elem(n, 1, 32)), 32)
        };
        self.fp_flags(fp);
        self.set_vs(rd, r, e);
        Ok(())
    }

    /// SCVTF/UCVTF (opcode 11100) and FCVTZS/FCVTZU (11111) with `fbits` fraction bits.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn simd_fp_fixed(
        &mut self,
        scalar: bool,
        q: bool,
        u: bool,
        size: u8,
        fbits: u32,
        opcode: u8,
        rn: u8,
        rd: u8,
    ) -> ExecResult {
        let n = self.vr(rn);
        let e = 8u32 << size;
        let lanes = if scalar { 1 } else { (if q { 128 } else { 64 } / e) as usize };
        let mut fp = self.fp_ctx();
        let rmode = fp.rounding();
        let to_float = opcode == 0x1c;
        let mut r = 0u128;
        for i in 0..lanes {
            let x = elem(n, i, e);
            let v = match (to_float, e) {
                (true, 32) => fp.from_fixed::<Single>(x, fbits, u, 32, rmode),
                (true, _) => fp.from_fixed::<Double>(x, fbits, u, 64, rmode),
                (false, 32) => fp.to_fixed::<Single>(x, fbits, u, 32, Rounding::Zero),
                (false, _) => fp.to_fixed::<Double>(x, fbits, u, 64, Rounding::Zero),
            };
            set_elem(&mut r, i, e, v);
        }
        self.fp_flags(fp);
        self.set_vr(rd, r & if scalar { ones(e) as u128 } else { q_mask(q) });
        Ok(())
    }

    /// FMLA, FMLS, FMUL, FMULX by element (vector and scalar).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn simd_fp_elem(
        &mut self,
        scalar: bool,
        q: bool,
        u: bool,
        size: u8,
        index: usize,
        rm: u8,
        opcode: u8,
        rn: u8,
        rd: u8,
    ) -> ExecResult {
        let double = size & 1 != 0;
        let e = if double { 64 } else { 32 };
        let lanes = if scalar { 1 } else { (if q { 128 } else { 64 } / e) as usize };
        let y = elem(self.vr(rm), index, e);
        let (n, d) = (self.vr(rn), self.vr(rd));
        let mut fp = self.fp_ctx();
        let r = if double {
            map3::<Double>(lanes, n, 0, d, |x, _, z| fp_elem_lane::<Double>(&mut fp, u, opcode, x, y, z))
        } else {
            map3::<Single>(lanes, n, 0, d, |x, _, z| fp_elem_lane::<Single>(&mut fp, u, opcode, x, y, z))
        };
        self.fp_flags(fp);
        self.set_vr(rd, r & if scalar { ones(e) as u128 } else { q_mask(q) });
        Ok(())
    }
}

#[inline(always)]
fn fp_elem_lane<F: Format>(fp: &mut Fp, u: bool, opcode: u8, x: u64, y: u64, d: u64) -> u64 {
    match (u, opcode) {
        (_, 0x1) => fp.mul_add::<F>(d, x, y),
        (_, 0x5) => fp.mul_add::<F>(d, neg::<F>(x), y),
        (false, _) => fp.mul::<F>(x, y),
        (true, _) => fp.mulx::<F>(x, y),
    }
}

/// The lane-wise two-register misc FP operations.
#[inline(always)]
fn fp_2misc_lane<F: Format>(fp: &mut Fp, u: bool, a: bool, opcode: u8, x: u64) -> u64 {
    let e = F::BITS;
    let to_int = |fp: &mut Fp, r: Rounding| fp.to_fixed::<F>(x, 0, u, e, r);
    match (u, a, opcode) {
        (false, true, 0x0c) => mask(fp.compare_gt::<F>(x, 0)),
        (false, true, 0x0d) => mask(fp.compare_eq::<F>(x, 0)),
        (false, true, 0x0e) => mask(fp.compare_gt::<F>(0, x)),
        (false, true, 0x0f) => abs::<F>(x),
        (true, true, 0x0c) => mask(fp.compare_ge::<F>(x, 0)),
        (true, true, 0x0d) => mask(fp.compare_ge::<F>(0, x)),
        (true, true, 0x0f) => neg::<F>(x),
        (true, true, 0x1f) => fp.sqrt::<F>(x),
        (false, true, 0x1f) => fp.recpx::<F>(x),
        (_, _, 0x18) | (_, _, 0x19) => {
            // FRINTN/P/M/Z (U = 0), FRINTA/X/I (U = 1), as the scalar dp1 opcodes 8..15.
            let dp1 = match (u, a, opcode) {
                (false, false, 0x18) => 8,
                (false, true, 0x18) => 9,
                (false, false, _) => 10,
                (false, true, _) => 11,
                (true, false, 0x18) => 12,
                (true, false, _) => 14,
                (true, true, _) => 15,
            };
            let (r, exact) = frint_mode(dp1, fp.rounding());
            fp.round_int::<F>(x, r, exact)
        }
        (_, false, 0x1a) => to_int(fp, Rounding::TieEven),
        (_, true, 0x1a) => to_int(fp, Rounding::PosInf),
        (_, false, 0x1b) => to_int(fp, Rounding::NegInf),
        (_, true, 0x1b) => to_int(fp, Rounding::Zero),
        (_, _, 0x1c) => to_int(fp, Rounding::TieAway),
        (_, false, _) => {
            let r = fp.rounding();
            fp.from_fixed::<F>(x, 0, u, e, r)
        }
        (false, true, _) => fp.recip_estimate::<F>(x),
        (true, true, _) => fp.rsqrt_estimate::<F>(x),
    }
}
