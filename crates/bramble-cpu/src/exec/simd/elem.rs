//! Advanced SIMD (scalar) x indexed element (C4.1.95.29/.18): multiplies whose second
//! operand is one lane of Vm, replicated. Integer forms reuse the three-same and
//! three-different lane code; the FP forms (FMLA, FMLS, FMUL, FMULX) go to `fp_vec.rs`.

use crate::cpu::{Cpu, ExecResult};
use crate::exec::vreg::{elem, ones, q_mask, replicate};

impl Cpu {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn simd_elem(
        &mut self,
        scalar: bool,
        q: bool,
        u: bool,
        size: u8,
        index: u8,
        rm: u8,
        opcode: u8,
        rn: u8,
        rd: u8,
    ) -> ExecResult {
        // The lane and Vm (H:L:M, H:L or H; M extends Rm unless the lanes are H) come
        // decoded from the spec.
        let index = index as usize;
        let is_fp = matches!(opcode, 0x1 | 0x5 | 0x9);
        if is_fp {
            return self.simd_fp_elem(scalar, q, u, size, index, rm, opcode, rn, rd);
        }
        let e = 8u32 << size;
        let x = elem(self.vr(rm), index, e);
        let b = replicate(x, e);
        let (n, d) = (self.vr(rn), self.vr(rd));
        if scalar {
            let r = match opcode {
                0xc | 0xd => {
                    let m1 = ones(e) as u128;
                    self.lanes_3same(opcode == 0xd, size, 0x16, n & m1, b & m1, 0) & m1
                }
                _ => self.s3diff_value(size, elem_to_diff(opcode), elem(n, 0, e), x, d) as u128 & ones(2 * e) as u128,
            };
            self.set_vr(rd, r);
            return Ok(());
        }
        // Same-width forms: zero the upper half of a 64-bit operation so it cannot
        // saturate (FPSR.QC). The long forms read halves and accumulate in all 128 bits.
        let qm = q_mask(q);
        let (nq, bq, dq) = (n & qm, b & qm, d & qm);
        let r = match opcode {
            0x8 => self.lanes_3same(false, size, 0x13, nq, bq, dq),
            0x0 => self.lanes_3same(false, size, 0x12, nq, bq, dq),
            0x4 => self.lanes_3same(true, size, 0x12, nq, bq, dq),
            0xc | 0xd => self.lanes_3same(opcode == 0xd, size, 0x16, nq, bq, dq),
            _ => {
                let r = self.long_3diff(q, u, size, elem_to_diff(opcode), n, b, d);
                self.set_vr(rd, r);
                return Ok(());
            }
        };
        self.set_vq(rd, r, q);
        Ok(())
    }
}

/// The three-different opcode of a long by-element operation.
fn elem_to_diff(opcode: u8) -> u8 {
    match opcode {
        0x2 => 0x8, // xMLAL
        0x3 => 0x9, // SQDMLAL
        0x6 => 0xa, // xMLSL
        0x7 => 0xb, // SQDMLSL
        0xa => 0xc, // xMULL
        _ => 0xd,   // SQDMULL
    }
}
