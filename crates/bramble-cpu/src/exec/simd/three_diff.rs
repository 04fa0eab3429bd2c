//! Advanced SIMD three different, vector and scalar (C4.1.95.22/.15): the widening
//! (xADDL, xSUBL, xABDL, xABAL, xMLAL, xMLSL, xMULL, SQDMULL, SQDMLAL, SQDMLSL, PMULL),
//! wide (xADDW, xSUBW) and narrowing (ADDHN, RADDHN, SUBHN, RSUBHN) forms. The "2" forms
//! (Q = 1) take the upper halves of the narrow operands or write the upper half of Vd.

use super::{int, pmul, sat};
use crate::cpu::{Cpu, ExecResult};
use crate::exception::Exception;
use crate::exec::vreg::{elem, ones, set_elem, sx};

impl Cpu {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn simd_3diff(&mut self, q: bool, u: bool, size: u8, rm: u8, opcode: u8, rn: u8, rd: u8) -> ExecResult {
        let (n, m, d) = (self.vr(rn), self.vr(rm), self.vr(rd));
        let e = 8u32 << size;
        let half = |v: u128| if q { (v >> 64) as u64 } else { v as u64 };
        if opcode == 0xe && size == 3 {
            if !self.features.crypto {
                return Err(Exception::Undefined.into());
            }
            self.set_vr(rd, pmul(half(n), half(m), 64));
            return Ok(());
        }
        if matches!(opcode, 0x4 | 0x6) {
            // ADDHN, RADDHN, SUBHN, RSUBHN: 2e-bit lanes, the high half of each result.
            let mut r = 0u64;
            for i in 0..(64 / e) as usize {
                let (x, y) = (elem(n, i, 2 * e) as u128, elem(m, i, 2 * e) as u128);
                let mut s = if opcode == 0x4 { x + y } else { x.wrapping_sub(y) };
                if u {
                    s = s.wrapping_add(1 << (e - 1));
                }
                r |= ((s >> e) as u64 & ones(e)) << (i as u32 * e);
            }
            self.set_narrow(rd, r, q);
            return Ok(());
        }
        let r = self.long_3diff(q, u, size, opcode, n, m, d);
        self.set_vr(rd, r);
        Ok(())
    }

    /// The widening and wide forms on register values (shared with the by-element group,
    /// which passes the selected element replicated as `m`).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn long_3diff(&mut self, q: bool, u: bool, size: u8, opcode: u8, n: u128, m: u128, d: u128) -> u128 {
        let e = 8u32 << size;
        let half = |v: u128| if q { (v >> 64) as u64 } else { v as u64 };
        let wide = matches!(opcode, 0x1 | 0x3);
        let (hn, hm) = (half(n), half(m));
        let mut qc = false;
        let mut r = 0u128;
        for i in 0..(64 / e) as usize {
            let x = if wide { int(elem(n, i, 2 * e), 2 * e, u) } else { int(elem(hn as u128, i, e), e, u) };
            let y = int(elem(hm as u128, i, e), e, u);
            let acc = int(elem(d, i, 2 * e), 2 * e, u);
            let v = match opcode {
                0x0 | 0x1 => (x + y) as u64,
                0x2 | 0x3 => (x - y) as u64,
                0x5 => (acc + (x - y).abs()) as u64,
                0x7 => (x - y).unsigned_abs() as u64,
                0x8 => (acc + x * y) as u64,
                0xa => (acc - x * y) as u64,
                0xc => (x * y) as u64,
                0x9 | 0xb | 0xd => {
                    let p = sat(2 * x * y, 2 * e, false, &mut qc);
                    let p = sx(p, 2 * e) as i128;
                    match opcode {
                        0x9 => sat(acc + p, 2 * e, false, &mut qc),
                        0xb => sat(acc - p, 2 * e, false, &mut qc),
                        _ => p as u64,
                    }
                }
                // PMULL (8-bit lanes)
                _ => pmul(x as u64 & 0xff, y as u64 & 0xff, 8) as u64,
            };
            set_elem(&mut r, i, 2 * e, v);
        }
        if qc {
            self.set_qc();
        }
        r
    }

    /// SQDMLAL, SQDMLSL, SQDMULL (scalar): lane 0 of e bits to a 2e-bit result.
    pub(super) fn simd_s3diff(&mut self, size: u8, rm: u8, opcode: u8, rn: u8, rd: u8) -> ExecResult {
        let e = 8u32 << size;
        let v = self.s3diff_value(size, opcode, elem(self.vr(rn), 0, e), elem(self.vr(rm), 0, e), self.vr(rd));
        self.set_vs(rd, v, 2 * e);
        Ok(())
    }

    /// The scalar saturating doubling multiply-(accumulate) long of `x` and `y` (e bits).
    pub(super) fn s3diff_value(&mut self, size: u8, opcode: u8, x: u64, y: u64, d: u128) -> u64 {
        let e = 8u32 << size;
        let x = sx(x, e) as i128;
        let y = sx(y, e) as i128;
        let acc = sx(elem(d, 0, 2 * e), 2 * e) as i128;
        let mut qc = false;
        let p = sx(sat(2 * x * y, 2 * e, false, &mut qc), 2 * e) as i128;
        let v = match opcode {
            0x9 => sat(acc + p, 2 * e, false, &mut qc),
            0xb => sat(acc - p, 2 * e, false, &mut qc),
            _ => p as u64 & ones(2 * e),
        };
        if qc {
            self.set_qc();
        }
        v
    }
}
