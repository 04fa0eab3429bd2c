//! Advanced SIMD modified immediate (C4.1.95.25): MOVI, MVNI, ORR, BIC (vector, immediate)
//! and FMOV (vector, immediate), with the immediate expanded by `AdvSIMDExpandImm`.

use crate::cpu::{Cpu, ExecResult};
use crate::exec::vreg::replicate;

/// `AdvSIMDExpandImm(op, cmode, imm8)` (J1.3): the 64-bit pattern repeated in both halves.
pub(crate) fn adv_simd_expand_imm(op: bool, cmode: u8, imm8: u8) -> u64 {
    let i = imm8 as u64;
    let rep32 = |x: u64| x | (x << 32);
    let rep16 = |x: u64| x * 0x0001_0001_0001_0001;
    match cmode >> 1 {
        0 => rep32(i),
        1 => rep32(i << 8),
        2 => rep32(i << 16),
        3 => rep32(i << 24),
        4 => rep16(i),
        5 => rep16(i << 8),
        6 if cmode & 1 == 0 => rep32((i << 8) | 0xff),
        6 => rep32((i << 16) | 0xffff),
        _ => match (cmode & 1, op) {
            (0, false) => i * 0x0101_0101_0101_0101,
            (0, true) => (0..8).fold(0, |acc, b| acc | if (i >> b) & 1 != 0 { 0xff << (8 * b) } else { 0 }),
            // FMOV single: imm8 as an 8-bit float, expanded per VFPExpandImm.
            (_, false) => rep32(vfp_expand_imm(imm8, 32)),
            (_, true) => vfp_expand_imm(imm8, 64),
        },
    }
}

/// `VFPExpandImm` (J1.3): the 8-bit float a:b:cdefgh as a 16-, 32- or 64-bit float.
pub(crate) fn vfp_expand_imm(imm8: u8, bits: u32) -> u64 {
    let (e, f) = match bits {
        16 => (5, 10),
        32 => (8, 23),
        _ => (11, 52),
    };
    let i = imm8 as u64;
    let sign = i >> 7;
    let b = (i >> 6) & 1;
    // exp = NOT(b) : Replicate(b, e-3) : imm8<5:4>
    let exp = ((b ^ 1) << (e - 1)) | (if b == 1 { ((1u64 << (e - 3)) - 1) << 2 } else { 0 }) | ((i >> 4) & 3);
    let frac = (i & 0xf) << (f - 4);
    (sign << (bits - 1)) | (exp << f) | frac
}

impl Cpu {
    pub(super) fn simd_modimm(&mut self, q: bool, op: bool, cmode: u8, rd: u8, imm8: u8) -> ExecResult {
        let imm = adv_simd_expand_imm(op, cmode, imm8);
        let v = replicate(imm, 64);
        let logical = cmode < 12 && cmode & 1 == 1;
        let r = match (logical, op) {
            (true, false) => self.vr(rd) | v,
            (true, true) => self.vr(rd) & !v,
            // MVNI: the inverted pattern (cmode 0xx0, 10x0, 110x).
            (false, true) if cmode < 14 => !v,
            _ => v,
        };
        self.set_vq(rd, r, q);
        Ok(())
    }
}
