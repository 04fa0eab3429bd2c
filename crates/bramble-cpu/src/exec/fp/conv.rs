//! Conversions between floating point and general registers (C4.1.95.30-.31): FCVT[NPMZA]
//! [SU] and FCVTZ[SU] (fixed point), [SU]CVTF (integer and fixed point), and FMOV between
//! general registers and S, D or the upper half of a Q register.

use bramble_decode::Xz;
use bramble_softfloat::Rounding;

use super::{ftype_bits, with_format};
use crate::cpu::{Cpu, ExecResult};
use crate::exec::vreg::ones;

/// The rounding of FCVT[NPMZ] by rmode, and of FCVTA (opcode 10x).
fn to_int_rounding(rmode: u8, opcode: u8) -> Rounding {
    if opcode >= 4 {
        return Rounding::TieAway;
    }
    match rmode {
        0 => Rounding::TieEven,
        1 => Rounding::PosInf,
        2 => Rounding::NegInf,
        _ => Rounding::Zero,
    }
}

impl Cpu {
    pub(super) fn fp_int(&mut self, sf: bool, ftype: u8, rmode: u8, opcode: u8, rn: u8, rd: u8) -> ExecResult {
        let int_bits = if sf { 64 } else { 32 };
        let rdx = Xz::new(rd as u32);
        match opcode {
            6 => {
                // FMOV to a general register: S -> W, D -> X, V.D[1] -> X.
                let v = self.vr(rn);
                let r = if ftype == 2 { (v >> 64) as u64 } else { v as u64 & ones(int_bits) };
                self.set_xz(rdx, r);
            }
            7 => {
                let x = self.x[rn as usize];
                if ftype == 2 {
                    let v = (self.vr(rd) as u64 as u128) | (x as u128) << 64;
                    self.set_vr(rd, v);
                } else {
                    self.set_vs(rd, x, int_bits);
                }
            }
            2 | 3 => {
                let x = self.x[rn as usize] & ones(int_bits);
                let mut fp = self.fp_ctx();
                let rounding = fp.rounding();
                let r = with_format!(ftype, F => fp.from_fixed::<F>(x, 0, opcode == 3, int_bits, rounding));
                self.fp_flags(fp);
                self.set_vs(rd, r, ftype_bits(ftype));
            }
            _ => {
                let bits = ftype_bits(ftype);
                let a = self.fpr(rn, bits);
                let mut fp = self.fp_ctx();
                let rounding = to_int_rounding(rmode, opcode);
                let r = with_format!(ftype, F => fp.to_fixed::<F>(a, 0, opcode & 1 == 1, int_bits, rounding));
                self.fp_flags(fp);
                self.set_xz(rdx, r);
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn fp_fixed(
        &mut self,
        sf: bool,
        ftype: u8,
        rmode: u8,
        opcode: u8,
        scale: u8,
        rn: u8,
        rd: u8,
    ) -> ExecResult {
        let int_bits = if sf { 64 } else { 32 };
        let fbits = 64 - scale as u32;
        let mut fp = self.fp_ctx();
        if rmode == 0 {
            let x = self.x[rn as usize] & ones(int_bits);
            let rounding = fp.rounding();
            let r = with_format!(ftype, F => fp.from_fixed::<F>(x, fbits, opcode == 3, int_bits, rounding));
            self.fp_flags(fp);
            self.set_vs(rd, r, ftype_bits(ftype));
        } else {
            let a = self.fpr(rn, ftype_bits(ftype));
            let r = with_format!(ftype, F => fp.to_fixed::<F>(a, fbits, opcode == 1, int_bits, Rounding::Zero));
            self.fp_flags(fp);
            self.set_xz(Xz::new(rd as u32), r);
        }
        Ok(())
    }
}
