//! Floating-point data processing (C4.1.95.28-.37): FMOV (register, immediate), FABS,
//! FNEG, FSQRT, FCVT between precisions, FRINT*, the two- and three-source arithmetic,
//! FCMP/FCMPE, FCCMP/FCCMPE and FCSEL.
//!
//! FABS and FNEG only touch the sign bit, NaNs included, and raise nothing (Armv8.0
//! without FEAT_AFP).

use bramble_softfloat::{Format, Rounding};

use super::{ftype_bits, sign_bit, with_format};
use crate::alu::condition_holds;
use crate::cpu::{Cpu, ExecResult};
use crate::exec::simd::vfp_expand_imm;
use crate::exec::vreg::ones;

/// The FRINT rounding of dp1 opcodes 8..15 (X and I use FPCR's mode, `current`):
/// (rounding, exact).
pub(crate) fn frint_mode(opcode: u8, current: Rounding) -> (Rounding, bool) {
    match opcode & 7 {
        0 => (Rounding::TieEven, false),
        1 => (Rounding::PosInf, false),
        2 => (Rounding::NegInf, false),
        3 => (Rounding::Zero, false),
        4 => (Rounding::TieAway, false),
        6 => (current, true),
        _ => (current, false),
    }
}

impl Cpu {
    /// Scalar operand `n` of a `bits`-wide format.
    #[inline(always)]
    pub(super) fn fpr(&self, n: u8, bits: u32) -> u64 {
        self.vr(n) as u64 & ones(bits)
    }

    pub(super) fn fp_dp1(&mut self, ftype: u8, opcode: u8, rn: u8, rd: u8) -> ExecResult {
        let bits = ftype_bits(ftype);
        let a = self.fpr(rn, bits);
        let mut fp = self.fp_ctx();
        let (r, rbits) = match opcode {
            0 => (a, bits),
            1 => (a & !sign_bit(bits), bits),
            2 => (a ^ sign_bit(bits), bits),
            3 => (with_format!(ftype, F => fp.sqrt::<F>(a)), bits),
            4..=7 => {
                let to = match opcode {
                    4 => 0,
                    5 => 1,
                    _ => 3,
                };
                let rounding = fp.rounding();
                let r = with_format!(ftype, From => with_format!(to, To => fp.convert::<From, To>(a, rounding)));
                (r, ftype_bits(to))
            }
            _ => {
                let (rounding, exact) = frint_mode(opcode, fp.rounding());
                (with_format!(ftype, F => fp.round_int::<F>(a, rounding, exact)), bits)
            }
        };
        self.fp_flags(fp);
        self.set_vs(rd, r, rbits);
        Ok(())
    }

    pub(super) fn fp_dp2(&mut self, ftype: u8, rm: u8, opcode: u8, rn: u8, rd: u8) -> ExecResult {
        let bits = ftype_bits(ftype);
        let (a, b) = (self.fpr(rn, bits), self.fpr(rm, bits));
        let mut fp = self.fp_ctx();
        let r = with_format!(ftype, F => fp_binop::<F>(&mut fp, opcode, a, b));
        self.fp_flags(fp);
        self.set_vs(rd, r, bits);
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn fp_dp3(&mut self, ftype: u8, o1: bool, rm: u8, o0: bool, ra: u8, rn: u8, rd: u8) -> ExecResult {
        let bits = ftype_bits(ftype);
        let s = sign_bit(bits);
        let mut a = self.fpr(ra, bits);
        let mut n = self.fpr(rn, bits);
        let m = self.fpr(rm, bits);
        // FMSUB negates the product's first operand, FNMADD both it and the addend, FNMSUB
        // the addend (the negations are FPNeg: a NaN operand changes sign too).
        if o1 {
            a ^= s;
        }
        if o0 != o1 {
            n ^= s;
        }
        let mut fp = self.fp_ctx();
        let r = with_format!(ftype, F => fp.mul_add::<F>(a, n, m));
        self.fp_flags(fp);
        self.set_vs(rd, r, bits);
        Ok(())
    }

    pub(super) fn fp_cmp(&mut self, ftype: u8, rm: u8, rn: u8, signal: bool, zero: bool) -> ExecResult {
        let bits = ftype_bits(ftype);
        let a = self.fpr(rn, bits);
        let b = if zero { 0 } else { self.fpr(rm, bits) };
        let mut fp = self.fp_ctx();
        let nzcv = with_format!(ftype, F => fp.compare::<F>(a, b, signal));
        self.fp_flags(fp);
        self.nzcv = nzcv << 28;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn fp_ccmp(&mut self, ftype: u8, rm: u8, cond: u8, rn: u8, signal: bool, nzcv: u8) -> ExecResult {
        if !condition_holds(cond, self.nzcv) {
            self.nzcv = (nzcv as u32) << 28;
            return Ok(());
        }
        self.fp_cmp(ftype, rm, rn, signal, false)
    }

    pub(super) fn fp_csel(&mut self, ftype: u8, rm: u8, cond: u8, rn: u8, rd: u8) -> ExecResult {
        let bits = ftype_bits(ftype);
        let r = if condition_holds(cond, self.nzcv) { self.fpr(rn, bits) } else { self.fpr(rm, bits) };
        self.set_vs(rd, r, bits);
        Ok(())
    }

    pub(super) fn fp_imm(&mut self, ftype: u8, imm8: u8, rd: u8) -> ExecResult {
        let bits = ftype_bits(ftype);
        self.set_vs(rd, vfp_expand_imm(imm8, bits), bits);
        Ok(())
    }
}

/// The two-source arithmetic shared by scalar FP (dp2 opcodes) and reused by name in the
/// vector code: 0 FMUL, 1 FDIV, 2 FADD, 3 FSUB, 4 FMAX, 5 FMIN, 6 FMAXNM, 7 FMINNM,
/// 8 FNMUL.
#[inline(always)]
pub(crate) fn fp_binop<F: Format>(fp: &mut bramble_softfloat::Fp, opcode: u8, a: u64, b: u64) -> u64 {
    match opcode {
        0 => fp.mul::<F>(a, b),
        1 => fp.div::<F>(a, b),
        2 => fp.add::<F>(a, b),
        3 => fp.sub::<F>(a, b),
        4 => fp.max::<F>(a, b),
        5 => fp.min::<F>(a, b),
        6 => fp.max_num::<F>(a, b),
        7 => fp.min_num::<F>(a, b),
        _ => bramble_softfloat::neg::<F>(fp.mul::<F>(a, b)),
    }
}
