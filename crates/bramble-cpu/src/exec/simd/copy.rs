//! Advanced SIMD copy, vector and scalar (C4.1.95.6/.2): DUP (element, general), INS
//! (element, general), SMOV, UMOV. imm5's lowest set bit gives the element size; the bits
//! above it give the lane index.

use bramble_decode::Xz;

use crate::cpu::{Cpu, ExecResult};
use crate::exec::vreg::{elem, replicate, set_elem, sx};

impl Cpu {
    pub(super) fn simd_copy(&mut self, q: bool, op: bool, imm5: u8, imm4: u8, rn: u8, rd: u8) -> ExecResult {
        let size = imm5.trailing_zeros();
        let e = 8u32 << size;
        let index = (imm5 >> (size + 1)) as usize;
        if op {
            // INS (element): Vd[index] = Vn[imm4 >> size].
            let x = elem(self.vr(rn), (imm4 >> size) as usize, e);
            let mut d = self.vr(rd);
            set_elem(&mut d, index, e, x);
            self.set_vr(rd, d);
            return Ok(());
        }
        match imm4 {
            0b0000 => {
                let x = elem(self.vr(rn), index, e);
                self.set_vq(rd, replicate(x, e), q);
            }
            0b0001 => {
                let x = self.x[rn as usize];
                self.set_vq(rd, replicate(x, e), q);
            }
            0b0011 => {
                let x = self.x[rn as usize];
                let mut d = self.vr(rd);
                set_elem(&mut d, index, e, x);
                self.set_vr(rd, d);
            }
            0b0101 => {
                let v = sx(elem(self.vr(rn), index, e), e) as u64;
                self.set_xz(Xz::new(rd as u32), if q { v } else { v as u32 as u64 });
            }
            _ => {
                let v = elem(self.vr(rn), index, e);
                self.set_xz(Xz::new(rd as u32), v);
            }
        }
        Ok(())
    }

    /// DUP (scalar, element), alias MOV: one lane of Vn to a scalar.
    pub(super) fn simd_scopy(&mut self, imm5: u8, rn: u8, rd: u8) -> ExecResult {
        let size = imm5.trailing_zeros();
        let e = 8u32 << size;
        let x = elem(self.vr(rn), (imm5 >> (size + 1)) as usize, e);
        self.set_vs(rd, x, e);
        Ok(())
    }
}
