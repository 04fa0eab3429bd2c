//! Advanced SIMD across lanes (C4.1.95.19) and scalar pairwise (C4.1.95.12): reductions
//! of a vector to one element. FP reductions follow the pseudocode's `Reduce`, which
//! combines halves recursively (the order matters for NaN and rounding results).

use super::int;
use crate::cpu::{Cpu, ExecResult};
use crate::exec::vreg::{elem, ones};

impl Cpu {
    pub(super) fn simd_across(&mut self, q: bool, u: bool, size: u8, opcode: u8, rn: u8, rd: u8) -> ExecResult {
        if opcode == 0x0c || opcode == 0x0f {
            return self.simd_fp_across(size, opcode, rn, rd);
        }
        let e = 8u32 << size;
        let n = self.vr(rn);
        let lanes = (if q { 128 } else { 64 } / e) as usize;
        let vals = (0..lanes).map(|i| int(elem(n, i, e), e, u));
        let (v, bits) = match opcode {
            0x03 => (vals.sum::<i128>(), 2 * e),
            0x0a => (vals.max().unwrap_or(0), e),
            0x1a => (vals.min().unwrap_or(0), e),
            _ => (vals.sum::<i128>(), e),
        };
        self.set_vs(rd, v as u64 & ones(bits), bits);
        Ok(())
    }

    /// ADDP (scalar, D) and the FP pairwise reductions of two lanes.
    pub(super) fn simd_spair(&mut self, u: bool, size: u8, opcode: u8, rn: u8, rd: u8) -> ExecResult {
        if u {
            return self.simd_fp_spair(size, opcode, rn, rd);
        }
        let n = self.vr(rn);
        self.set_vs(rd, (n as u64).wrapping_add((n >> 64) as u64), 64);
        Ok(())
    }
}
