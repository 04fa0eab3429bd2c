//! Advanced SIMD three same, vector and scalar (C4.1.95.23/.16): integer arithmetic,
//! compares, shifts by register, logic, multiplies, pairwise operations; the FP forms
//! (opcode 11xxx) go to `fp_vec.rs`.

use super::{int, pmul, sat, shl_reg, sqdmulh};
use crate::cpu::{Cpu, ExecResult};
use crate::exec::vreg::{elem, map2_sz, ones, q_mask, set_elem, sx};

impl Cpu {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn simd_3same(&mut self, q: bool, u: bool, size: u8, rm: u8, opcode: u8, rn: u8, rd: u8) -> ExecResult {
        if opcode >= 0x18 {
            return self.simd_fp_3same(false, q, u, size, rm, opcode, rn, rd);
        }
        // The upper half of a 64-bit operation must not saturate (FPSR.QC): zero it.
        let m = q_mask(q);
        let (a, b, d) = (self.vr(rn) & m, self.vr(rm) & m, self.vr(rd) & m);
        let r = match opcode {
            0x03 => logic(u, size, a, b, d),
            0x14 | 0x15 | 0x17 => pairwise(q, u, size, opcode, a, b),
            _ => self.lanes_3same(u, size, opcode, a, b, d),
        };
        self.set_vq(rd, r, q);
        Ok(())
    }

    /// Scalar forms: lane 0 only. The other lanes of the operands are zero, which never
    /// saturates, so the vector code computes the scalar result.
    pub(super) fn simd_s3same(&mut self, u: bool, size: u8, rm: u8, opcode: u8, rn: u8, rd: u8) -> ExecResult {
        if opcode >= 0x18 {
            return self.simd_fp_3same(true, true, u, size, rm, opcode, rn, rd);
        }
        let e = 8u32 << size;
        let m = ones(e) as u128;
        let r = self.lanes_3same(u, size, opcode, self.vr(rn) & m, self.vr(rm) & m, 0);
        self.set_vr(rd, r & m);
        Ok(())
    }

    /// The lane-wise integer operations.
    pub(super) fn lanes_3same(&mut self, u: bool, size: u8, opcode: u8, a: u128, b: u128, d: u128) -> u128 {
        let mut qc = false;
        let r = match (u, opcode) {
            (_, 0x00) => map2_sz(size, a, b, |x, y, e| ((int(x, e, u) + int(y, e, u)) >> 1) as u64),
            (_, 0x01) => map2_sz(size, a, b, |x, y, e| sat(int(x, e, u) + int(y, e, u), e, u, &mut qc)),
            (_, 0x02) => map2_sz(size, a, b, |x, y, e| ((int(x, e, u) + int(y, e, u) + 1) >> 1) as u64),
            (_, 0x04) => map2_sz(size, a, b, |x, y, e| ((int(x, e, u) - int(y, e, u)) >> 1) as u64),
            (_, 0x05) => map2_sz(size, a, b, |x, y, e| sat(int(x, e, u) - int(y, e, u), e, u, &mut qc)),
            (_, 0x06) => map2_sz(size, a, b, |x, y, e| mask(int(x, e, u) > int(y, e, u))),
            (_, 0x07) => map2_sz(size, a, b, |x, y, e| mask(int(x, e, u) >= int(y, e, u))),
            (_, 0x08) => map2_sz(size, a, b, |x, y, e| shl_reg(x, y, e, u, false, false, &mut qc)),
            (_, 0x09) => map2_sz(size, a, b, |x, y, e| shl_reg(x, y, e, u, false, true, &mut qc)),
            (_, 0x0a) => map2_sz(size, a, b, |x, y, e| shl_reg(x, y, e, u, true, false, &mut qc)),
            (_, 0x0b) => map2_sz(size, a, b, |x, y, e| shl_reg(x, y, e, u, true, true, &mut qc)),
            (_, 0x0c) => map2_sz(size, a, b, |x, y, e| if int(x, e, u) >= int(y, e, u) { x } else { y }),
            (_, 0x0d) => map2_sz(size, a, b, |x, y, e| if int(x, e, u) <= int(y, e, u) { x } else { y }),
            (_, 0x0e) => map2_sz(size, a, b, |x, y, e| (int(x, e, u) - int(y, e, u)).unsigned_abs() as u64),
            (_, 0x0f) => {
                let abd = map2_sz(size, a, b, |x, y, e| (int(x, e, u) - int(y, e, u)).unsigned_abs() as u64);
                map2_sz(size, d, abd, |x, y, _| x.wrapping_add(y))
            }
            (false, 0x10) => map2_sz(size, a, b, |x, y, _| x.wrapping_add(y)),
            (true, 0x10) => map2_sz(size, a, b, |x, y, _| x.wrapping_sub(y)),
            (false, 0x11) => map2_sz(size, a, b, |x, y, _| mask(x & y != 0)),
            (true, 0x11) => map2_sz(size, a, b, |x, y, _| mask(x == y)),
            (_, 0x12) => {
                let p = map2_sz(size, a, b, |x, y, _| x.wrapping_mul(y));
                map2_sz(size, d, p, |x, y, _| if u { x.wrapping_sub(y) } else { x.wrapping_add(y) })
            }
            (false, 0x13) => map2_sz(size, a, b, |x, y, _| x.wrapping_mul(y)),
            (true, 0x13) => map2_sz(0, a, b, |x, y, e| pmul(x, y, e) as u64),
            // SQDMULH / SQRDMULH
            (_, _) => map2_sz(size, a, b, |x, y, e| sqdmulh(x, y, e, u, &mut qc)),
        };
        if qc {
            self.set_qc();
        }
        r
    }
}

/// All ones for true: the result of an integer compare.
#[inline(always)]
pub(crate) fn mask(c: bool) -> u64 {
    if c {
        u64::MAX
    } else {
        0
    }
}

/// AND BIC ORR ORN (U = 0) and EOR BSL BIT BIF (U = 1), selected by `size`.
fn logic(u: bool, size: u8, a: u128, b: u128, d: u128) -> u128 {
    match (u, size) {
        (false, 0) => a & b,
        (false, 1) => a & !b,
        (false, 2) => a | b,
        (false, _) => a | !b,
        (true, 0) => a ^ b,
        (true, 1) => b ^ ((b ^ a) & d),
        (true, 2) => d ^ ((d ^ a) & b),
        (true, _) => d ^ ((d ^ a) & !b),
    }
}

/// SMAXP/UMAXP, SMINP/UMINP, ADDP: each result lane combines an adjacent pair of the
/// concatenation Vm:Vn.
fn pairwise(q: bool, u: bool, size: u8, opcode: u8, a: u128, b: u128) -> u128 {
    let e = 8u32 << size;
    let half = if q { 128 / e } else { 64 / e } as usize;
    let src = |i: usize| if i < half { elem(a, i, e) } else { elem(b, i - half, e) };
    let mut r = 0u128;
    for i in 0..half {
        let (x, y) = (src(2 * i), src(2 * i + 1));
        let v = match opcode {
            0x17 => x.wrapping_add(y),
            _ => {
                let (sx_, sy) = if u { (x as i128, y as i128) } else { (sx(x, e) as i128, sx(y, e) as i128) };
                let max = opcode == 0x14;
                if (sx_ >= sy) == max {
                    x
                } else {
                    y
                }
            }
        };
        set_elem(&mut r, i, e, v);
    }
    r & q_mask(q)
}
