//! Advanced SIMD shift by immediate, vector and scalar (C4.1.95.26/.17): shifts right
//! (with rounding and accumulate), left, insert (SRI/SLI), saturating left shifts,
//! narrowing shifts and SSHLL/USHLL; the fixed-point conversions go to `fp_vec.rs`.
//! The element size and the shift (immh:immb) are decoded once, in the spec.

use super::{int, sat};
use crate::cpu::{Cpu, ExecResult};
use crate::exec::vreg::{elem, map2_sz, ones, q_mask, set_elem};

impl Cpu {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn simd_shift_imm(
        &mut self,
        scalar: bool,
        q: bool,
        u: bool,
        (size, rshift, lshift): (u8, u8, u8),
        opcode: u8,
        rn: u8,
        rd: u8,
    ) -> ExecResult {
        let e = 8u32 << size;
        let (rshift, lshift) = (rshift as u32, lshift as u32);
        if opcode == 0x1c || opcode == 0x1f {
            return self.simd_fp_fixed(scalar, q, u, size, rshift, opcode, rn, rd);
        }
        let n = self.vr(rn);
        let mut qc = false;
        if matches!(opcode, 0x10..=0x13) {
            // Narrowing: 2e-bit source lanes to e bits. rshift is against the narrow size:
            // here e is the narrow size already.
            let round = opcode & 1 == 1;
            let lanes = if scalar { 1 } else { (64 / e) as usize };
            let mut r = 0u64;
            for i in 0..lanes {
                // SHRN/RSHRN (U = 0, 1000x) and UQ[R]SHRN take the source as unsigned; SQ[R]SHRN
                // and SQ[R]SHRUN as signed.
                let src_unsigned = (!u && opcode < 0x12) || (u && opcode >= 0x12);
                let x = int(elem(n, i, 2 * e), 2 * e, src_unsigned);
                let v = if round { (x + (1i128 << (rshift - 1))) >> rshift } else { x >> rshift };
                let v = match (u, opcode) {
                    (false, 0x10) | (false, 0x11) => v as u64 & ones(e),
                    (true, 0x10) | (true, 0x11) => sat(v, e, true, &mut qc),
                    _ => sat(v, e, u, &mut qc),
                };
                r |= v << (i as u32 * e);
            }
            if qc {
                self.set_qc();
            }
            // A scalar result is the low lane with everything above it cleared, as for Q = 0.
            self.set_narrow(rd, r, q && !scalar);
            return Ok(());
        }
        if opcode == 0x14 {
            // SSHLL/USHLL (alias SXTL/UXTL with a zero shift).
            let h = if q { n >> 64 } else { n } as u64 as u128;
            let mut r = 0u128;
            for i in 0..(64 / e) as usize {
                set_elem(&mut r, i, 2 * e, (int(elem(h, i, e), e, u) << lshift) as u64);
            }
            self.set_vr(rd, r);
            return Ok(());
        }
        let width = if scalar { ones(e) as u128 } else { q_mask(q) };
        let (n, d) = (n & width, self.vr(rd) & width);
        let sr = |x: u64, e: u32, round: bool| -> u64 {
            let v = int(x, e, u);
            (if round { (v + (1i128 << (rshift - 1))) >> rshift } else { v >> rshift }) as u64
        };
        let r = match (u, opcode) {
            (_, 0x00) => map2_sz(size, n, 0, |x, _, e| sr(x, e, false)),
            (_, 0x04) => map2_sz(size, n, 0, |x, _, e| sr(x, e, true)),
            (_, 0x02) => map2_sz(size, n, d, |x, y, e| y.wrapping_add(sr(x, e, false))),
            (_, 0x06) => map2_sz(size, n, d, |x, y, e| y.wrapping_add(sr(x, e, true))),
            (true, 0x08) => map2_sz(size, n, d, |x, y, e| {
                let m = if rshift >= e { 0 } else { ones(e) >> rshift };
                (y & !m) | if rshift >= e { 0 } else { x >> rshift }
            }),
            (false, 0x0a) => map2_sz(size, n, 0, |x, _, _| x << lshift),
            (true, 0x0a) => map2_sz(size, n, d, |x, y, e| {
                let m = ones(e) << lshift;
                (y & !m) | (x << lshift)
            }),
            (true, 0x0c) => map2_sz(size, n, 0, |x, _, e| sat(int(x, e, false) << lshift, e, true, &mut qc)),
            _ => map2_sz(size, n, 0, |x, _, e| sat(int(x, e, u) << lshift, e, u, &mut qc)),
        };
        if qc {
            self.set_qc();
        }
        self.set_vr(rd, r & width);
        Ok(())
    }
}
