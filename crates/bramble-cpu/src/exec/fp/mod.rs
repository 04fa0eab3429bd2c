//! Scalar floating point (Arm ARM C4.1.95, C7.2): data processing with one, two and three
//! sources, compares, conditional compare and select, immediates (`dp.rs`), and the
//! conversions to and from general registers and fixed point (`conv.rs`).
//!
//! Arithmetic is `bramble_softfloat`, which implements the pseudocode's FPCR modes, FPSR
//! flags and NaN rules bit for bit. Each instruction builds an [`Fp`] context from FPCR
//! and ORs the flags it raised into FPSR when it completes.

mod conv;
pub(crate) mod dp;

use bramble_decode::Fp as FpInsn;
use bramble_softfloat::Fp;

use crate::cpu::{Cpu, ExecResult};

/// Runs `$body` with `$F` bound to the softfloat format of an FP type field: 0 single,
/// 1 double, 3 half.
macro_rules! with_format {
    ($ftype:expr, $F:ident => $body:expr) => {
        match $ftype {
            0 => {
                type $F = bramble_softfloat::Single;
                $body
            }
            1 => {
                type $F = bramble_softfloat::Double;
                $body
            }
            _ => {
                type $F = bramble_softfloat::Half;
                $body
            }
        }
    };
}
pub(crate) use with_format;

/// Bits of an FP type field's format.
#[inline(always)]
pub(crate) fn ftype_bits(ftype: u8) -> u32 {
    match ftype {
        0 => 32,
        1 => 64,
        _ => 16,
    }
}

/// The sign bit of a `bits`-wide float.
#[inline(always)]
pub(crate) fn sign_bit(bits: u32) -> u64 {
    1 << (bits - 1)
}

impl Cpu {
    /// The FP context for one instruction: FPCR's modes, no flags yet.
    #[inline(always)]
    pub(crate) fn fp_ctx(&self) -> Fp {
        Fp::new(self.sys.fpcr as u32)
    }

    /// Accumulates the flags an instruction raised into FPSR.
    #[inline(always)]
    pub(crate) fn fp_flags(&mut self, fp: Fp) {
        self.sys.fpsr |= fp.flags as u64;
    }

    pub(crate) fn exec_fp(&mut self, i: &FpInsn) -> ExecResult {
        self.check_fp_enabled()?;
        match *i {
            FpInsn::FpDp1 { ftype, opcode, rn, rd } => self.fp_dp1(ftype, opcode, rn, rd),
            FpInsn::FpDp2 { ftype, rm, opcode, rn, rd } => self.fp_dp2(ftype, rm, opcode, rn, rd),
            FpInsn::FpDp3 { ftype, o1, rm, o0, ra, rn, rd } => self.fp_dp3(ftype, o1, rm, o0, ra, rn, rd),
            FpInsn::FpCmp { ftype, rm, rn, signal, zero } => self.fp_cmp(ftype, rm, rn, signal, zero),
            FpInsn::FpCcmp { ftype, rm, cond, rn, signal, nzcv } => self.fp_ccmp(ftype, rm, cond, rn, signal, nzcv),
            FpInsn::FpCsel { ftype, rm, cond, rn, rd } => self.fp_csel(ftype, rm, cond, rn, rd),
            FpInsn::FpImm { ftype, imm8, rd } => self.fp_imm(ftype, imm8, rd),
            FpInsn::FpInt { sf, ftype, rmode, opcode, rn, rd } => self.fp_int(sf, ftype, rmode, opcode, rn, rd),
            FpInsn::FpFixed { sf, ftype, rmode, opcode, scale, rn, rd } => {
                self.fp_fixed(sf, ftype, rmode, opcode, scale, rn, rd)
            }
        }
    }
}
