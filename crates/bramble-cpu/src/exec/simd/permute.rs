//! Advanced SIMD permute (ZIP1/2, UZP1/2, TRN1/2; C4.1.95.4), extract (EXT; .5) and table
//! lookup (TBL, TBX with one to four table registers; .3).

use crate::cpu::{Cpu, ExecResult};
use crate::exec::vreg::{elem, set_elem};

impl Cpu {
    pub(super) fn simd_permute(&mut self, q: bool, size: u8, rm: u8, opcode: u8, rn: u8, rd: u8) -> ExecResult {
        let e = 8u32 << size;
        let lanes = (if q { 128 } else { 64 } / e) as usize;
        let (n, m) = (self.vr(rn), self.vr(rm));
        let part = (opcode >> 2) as usize; // 0: the "1" forms, 1: the "2" forms
        let mut r = 0u128;
        let half = lanes / 2;
        for i in 0..lanes {
            let v = match opcode & 3 {
                // UZP: even (or odd) lanes of the concatenation Vm:Vn.
                1 => {
                    let j = 2 * i + part;
                    if j < lanes {
                        elem(n, j, e)
                    } else {
                        elem(m, j - lanes, e)
                    }
                }
                // TRN: lane pairs from Vn and Vm alternately.
                2 => {
                    let base = i & !1;
                    if i & 1 == 0 {
                        elem(n, base + part, e)
                    } else {
                        elem(m, base + part, e)
                    }
                }
                // ZIP: interleave the low (or high) halves.
                _ => {
                    let j = part * half + i / 2;
                    if i & 1 == 0 {
                        elem(n, j, e)
                    } else {
                        elem(m, j, e)
                    }
                }
            };
            set_elem(&mut r, i, e, v);
        }
        self.set_vq(rd, r, q);
        Ok(())
    }

    /// EXT: bytes imm4.. of the concatenation Vm:Vn.
    pub(super) fn simd_ext(&mut self, q: bool, rm: u8, imm4: u8, rn: u8, rd: u8) -> ExecResult {
        let (n, m) = (self.vr(rn), self.vr(rm));
        let r = if q {
            if imm4 == 0 {
                n
            } else {
                (n >> (8 * imm4 as u32)) | (m << (128 - 8 * imm4 as u32))
            }
        } else {
            let cat = (n as u64 as u128) | ((m as u64 as u128) << 64);
            (cat >> (8 * imm4 as u32)) as u64 as u128
        };
        self.set_vq(rd, r, q);
        Ok(())
    }

    /// TBL (out-of-range index gives 0) and TBX (leaves the lane of Vd).
    pub(super) fn simd_tbl(&mut self, q: bool, rm: u8, len: u8, tbx: bool, rn: u8, rd: u8) -> ExecResult {
        let regs = len as usize + 1;
        let mut table = [0u8; 64];
        for r in 0..regs {
            let v = self.vr(rn.wrapping_add(r as u8) & 31);
            table[16 * r..16 * r + 16].copy_from_slice(&v.to_le_bytes());
        }
        let idx = self.vr(rm).to_le_bytes();
        let mut out = self.vr(rd).to_le_bytes();
        let lanes = if q { 16 } else { 8 };
        for i in 0..lanes {
            let j = idx[i] as usize;
            if j < 16 * regs {
                out[i] = table[j];
            } else if !tbx {
                out[i] = 0;
            }
        }
        self.set_vq(rd, u128::from_le_bytes(out), q);
        Ok(())
    }
}
