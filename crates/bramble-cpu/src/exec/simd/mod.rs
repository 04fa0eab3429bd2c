//! Advanced SIMD (Arm ARM C4.1.95, C7.2): one file per encoding group, and the integer
//! element helpers they share (saturation, rounding shifts, doubling multiplies), named
//! after the pseudocode functions (`SatQ`, `SignedSatQ`, ...).

mod across;
mod copy;
mod crypto;
mod elem;
mod fp_vec;
mod modimm;
mod permute;
mod shift;
mod three_diff;
mod three_same;
mod two_misc;

use bramble_decode::Simd;

pub(crate) use modimm::vfp_expand_imm;

use super::vreg::{ones, sx};
use crate::cpu::{Cpu, ExecResult};

impl Cpu {
    pub(crate) fn exec_simd(&mut self, i: &Simd) -> ExecResult {
        self.check_fp_enabled()?;
        match *i {
            Simd::Simd3Same { q, u, size, rm, opcode, rn, rd } => self.simd_3same(q, u, size, rm, opcode, rn, rd),
            Simd::SimdS3Same { u, size, rm, opcode, rn, rd } => self.simd_s3same(u, size, rm, opcode, rn, rd),
            Simd::Simd3Diff { q, u, size, rm, opcode, rn, rd } => self.simd_3diff(q, u, size, rm, opcode, rn, rd),
            Simd::SimdS3Diff { size, rm, opcode, rn, rd } => self.simd_s3diff(size, rm, opcode, rn, rd),
            Simd::Simd2Misc { q, u, size, opcode, rn, rd } => self.simd_2misc(q, u, size, opcode, rn, rd),
            Simd::SimdS2Misc { u, size, opcode, rn, rd } => self.simd_s2misc(u, size, opcode, rn, rd),
            Simd::SimdAcross { q, u, size, opcode, rn, rd } => self.simd_across(q, u, size, opcode, rn, rd),
            Simd::SimdSPair { u, size, opcode, rn, rd } => self.simd_spair(u, size, opcode, rn, rd),
            Simd::SimdCopy { q, op, imm5, imm4, rn, rd } => self.simd_copy(q, op, imm5, imm4, rn, rd),
            Simd::SimdSCopy { imm5, rn, rd } => self.simd_scopy(imm5, rn, rd),
            Simd::SimdModImm { q, op, cmode, rd, imm8 } => self.simd_modimm(q, op, cmode, rd, imm8),
            Simd::SimdShiftImm { q, u, opcode, rn, rd, size, rshift, lshift } => {
                self.simd_shift_imm(false, q, u, (size, rshift, lshift), opcode, rn, rd)
            }
            Simd::SimdSShiftImm { u, opcode, rn, rd, size, rshift, lshift } => {
                self.simd_shift_imm(true, true, u, (size, rshift, lshift), opcode, rn, rd)
            }
            Simd::SimdElem { q, u, size, opcode, rn, rd, index, rm } => {
                self.simd_elem(false, q, u, size, index, rm, opcode, rn, rd)
            }
            Simd::SimdSElem { u, size, opcode, rn, rd, index, rm } => {
                self.simd_elem(true, true, u, size, index, rm, opcode, rn, rd)
            }
            Simd::SimdPermute { q, size, rm, opcode, rn, rd } => self.simd_permute(q, size, rm, opcode, rn, rd),
            Simd::SimdExt { q, rm, imm4, rn, rd } => self.simd_ext(q, rm, imm4, rn, rd),
            Simd::SimdTbl { q, rm, len, tbx, rn, rd } => self.simd_tbl(q, rm, len, tbx, rn, rd),
            Simd::CryptoAes { opcode, rn, rd } => self.crypto_aes(opcode, rn, rd),
            Simd::CryptoSha3 { rm, opcode, rn, rd } => self.crypto_sha3(rm, opcode, rn, rd),
            Simd::CryptoSha2 { opcode, rn, rd } => self.crypto_sha2(opcode, rn, rd),
        }
    }
}

/// The element value as a signed or unsigned integer.
#[inline(always)]
pub(crate) fn int(x: u64, e: u32, unsigned: bool) -> i128 {
    if unsigned {
        x as i128
    } else {
        sx(x, e) as i128
    }
}

/// `SatQ`: `v` saturated to an `e`-bit signed or unsigned range; sets `*qc` when it
/// saturates.
#[inline(always)]
pub(crate) fn sat(v: i128, e: u32, unsigned: bool, qc: &mut bool) -> u64 {
    let (lo, hi) = if unsigned { (0i128, ones(e) as i128) } else { (-(1i128 << (e - 1)), (1i128 << (e - 1)) - 1) };
    if v > hi {
        *qc = true;
        hi as u64
    } else if v < lo {
        *qc = true;
        lo as u64 & ones(e)
    } else {
        v as u64 & ones(e)
    }
}

/// The shift-by-register family (SSHL, USHL, SRSHL, URSHL, SQSHL, UQSHL, SQRSHL, UQRSHL):
/// the shift is the signed low byte of `b`, negative meaning right.
#[inline(always)]
pub(crate) fn shl_reg(a: u64, b: u64, e: u32, unsigned: bool, round: bool, saturate: bool, qc: &mut bool) -> u64 {
    let v = int(a, e, unsigned);
    let shift = b as u8 as i8 as i32;
    if shift >= 0 {
        if shift as u32 >= e {
            // Everything shifts out of an e-bit result.
            return if saturate && v != 0 {
                sat(if v < 0 { i128::MIN } else { i128::MAX }, e, unsigned, qc)
            } else {
                0
            };
        }
        let r = v << shift;
        return if saturate { sat(r, e, unsigned, qc) } else { r as u64 & ones(e) };
    }
    // Right shifts past the 64-bit range all give the same result.
    let n = (-shift).min(66) as u32;
    let r = if round { (v + (1i128 << (n - 1))) >> n } else { v >> n };
    if saturate {
        sat(r, e, unsigned, qc)
    } else {
        r as u64 & ones(e)
    }
}

/// `(2 * a * b [+ round]) >> e` saturated: SQDMULH and SQRDMULH.
#[inline(always)]
pub(crate) fn sqdmulh(a: u64, b: u64, e: u32, round: bool, qc: &mut bool) -> u64 {
    let p = 2 * sx(a, e) as i128 * sx(b, e) as i128 + if round { 1i128 << (e - 1) } else { 0 };
    sat(p >> e, e, false, qc)
}

/// Polynomial (carry-less) multiply of two `e`-bit values, 2e bits of result.
#[inline(always)]
pub(crate) fn pmul(a: u64, b: u64, e: u32) -> u128 {
    let mut r = 0u128;
    for i in 0..e {
        if (b >> i) & 1 != 0 {
            r ^= (a as u128) << i;
        }
    }
    r
}

#[cfg(test)]
mod tests;
