//! Advanced SIMD two-register miscellaneous, vector and scalar (C4.1.95.21/.14): reversal,
//! pairwise add-long, counts, saturating absolute/negate and accumulate, compares with
//! zero, narrowing moves (XTN, SQXTN, UQXTN, SQXTUN) and SHLL. The FP forms and the
//! integer estimates (URECPE, URSQRTE) go to `fp_vec.rs`.

use super::three_same::mask;
use super::{int, sat};
use crate::cpu::{Cpu, ExecResult};
use crate::exec::vreg::{elem, map1_sz, map2_sz, ones, q_mask, set_elem, sx};

/// Whether a (U, opcode, size) of the misc groups is a floating-point operation.
fn is_fp(size: u8, opcode: u8) -> bool {
    match opcode {
        0x0c..=0x0f => size >= 2,
        0x16..=0x1f => true,
        _ => false,
    }
}

impl Cpu {
    pub(super) fn simd_2misc(&mut self, q: bool, u: bool, size: u8, opcode: u8, rn: u8, rd: u8) -> ExecResult {
        if is_fp(size, opcode) {
            return self.simd_fp_2misc(false, q, u, size, opcode, rn, rd);
        }
        let n = self.vr(rn) & q_mask(q);
        let e = 8u32 << size;
        match (u, opcode) {
            (_, 0x12) | (_, 0x14) => {
                let r = self.narrow(u, opcode, size, self.vr(rn));
                self.set_narrow(rd, r, q);
                return Ok(());
            }
            (true, 0x13) => {
                // SHLL: widen the selected half, shifting left by the element size.
                let h = if q { n >> 64 } else { n } as u64 as u128;
                let mut r = 0u128;
                for i in 0..(64 / e) as usize {
                    set_elem(&mut r, i, 2 * e, elem(h, i, e) << e);
                }
                self.set_vr(rd, r);
                return Ok(());
            }
            _ => {}
        }
        let r = self.int_2misc(u, size, opcode, n, self.vr(rd) & q_mask(q));
        self.set_vq(rd, r, q);
        Ok(())
    }

    pub(super) fn simd_s2misc(&mut self, u: bool, size: u8, opcode: u8, rn: u8, rd: u8) -> ExecResult {
        if is_fp(size, opcode) {
            return self.simd_fp_2misc(true, true, u, size, opcode, rn, rd);
        }
        let e = 8u32 << size;
        if matches!(opcode, 0x12 | 0x14) {
            // SQXTN, UQXTN, SQXTUN: from the 2e-bit lane 0.
            let r = self.narrow(u, opcode, size, elem(self.vr(rn), 0, 2 * e) as u128);
            self.set_vs(rd, r, e);
            return Ok(());
        }
        let m = ones(e) as u128;
        let r = self.int_2misc(u, size, opcode, self.vr(rn) & m, self.vr(rd) & m);
        self.set_vr(rd, r & m);
        Ok(())
    }

    /// The lane-wise integer operations (scalar forms use lane 0 with other lanes zero,
    /// which never saturates).
    fn int_2misc(&mut self, u: bool, size: u8, opcode: u8, n: u128, d: u128) -> u128 {
        let mut qc = false;
        let r = match (u, opcode) {
            (false, 0x00) => rev(n, 8 << size, 64),
            (false, 0x01) => rev(n, 8, 16),
            (true, 0x00) => rev(n, 8 << size, 32),
            (_, 0x02) => add_long_pairs(u, size, n, 0),
            (_, 0x06) => add_long_pairs(u, size, n, d),
            (false, 0x03) => map2_sz(size, d, n, |x, y, e| sat(sx(x, e) as i128 + y as i128, e, false, &mut qc)),
            (true, 0x03) => map2_sz(size, d, n, |x, y, e| sat(x as i128 + sx(y, e) as i128, e, true, &mut qc)),
            (false, 0x04) => {
                map1_sz(size, n, |x, e| (sx(x, e) ^ (sx(x, e) >> 63)).leading_zeros() as u64 - (64 - e as u64) - 1)
            }
            (true, 0x04) => map1_sz(size, n, |x, e| x.leading_zeros() as u64 - (64 - e as u64)),
            (false, 0x05) => map1_sz(0, n, |x, _| x.count_ones() as u64),
            (true, 0x05) if size == 0 => !n,
            (true, 0x05) => map1_sz(0, n, |x, _| (x as u8).reverse_bits() as u64),
            (false, 0x07) => map1_sz(size, n, |x, e| sat((sx(x, e) as i128).abs(), e, false, &mut qc)),
            (true, 0x07) => map1_sz(size, n, |x, e| sat(-(sx(x, e) as i128), e, false, &mut qc)),
            (false, 0x08) => map1_sz(size, n, |x, e| mask(sx(x, e) > 0)),
            (true, 0x08) => map1_sz(size, n, |x, e| mask(sx(x, e) >= 0)),
            (false, 0x09) => map1_sz(size, n, |x, _| mask(x == 0)),
            (true, 0x09) => map1_sz(size, n, |x, e| mask(sx(x, e) <= 0)),
            (false, 0x0a) => map1_sz(size, n, |x, e| mask(sx(x, e) < 0)),
            (false, 0x0b) => map1_sz(size, n, |x, e| sx(x, e).unsigned_abs()),
            (true, _) => map1_sz(size, n, |x, _| x.wrapping_neg()),
            _ => 0,
        };
        if qc {
            self.set_qc();
        }
        r
    }

    /// XTN (U = 0, opcode 10010), SQXTUN (U = 1, 10010), SQXTN (U = 0, 10100) and UQXTN
    /// (U = 1, 10100): 2e-bit lanes of `n` to e bits, 64 bits of result.
    fn narrow(&mut self, u: bool, opcode: u8, size: u8, n: u128) -> u64 {
        let e = 8u32 << size;
        let mut qc = false;
        let mut r = 0u64;
        for i in 0..(64 / e) as usize {
            let x = elem(n, i, 2 * e);
            let v = match (u, opcode) {
                (false, 0x12) => x,
                (true, 0x12) => sat(sx(x, 2 * e) as i128, e, true, &mut qc),
                _ => sat(int(x, 2 * e, u), e, u, &mut qc),
            };
            r |= (v & ones(e)) << (i as u32 * e);
        }
        if qc {
            self.set_qc();
        }
        r
    }
}

/// REV16/REV32/REV64: reverses the order of `e`-bit elements within each `container`.
fn rev(n: u128, e: u32, container: u32) -> u128 {
    let per = (container / e) as usize;
    let mut r = 0u128;
    for i in 0..(128 / e) as usize {
        let j = i - i % per + (per - 1 - i % per);
        set_elem(&mut r, j, e, elem(n, i, e));
    }
    r
}

/// SADDLP/UADDLP (acc = 0) and SADALP/UADALP: adjacent pairs summed into lanes twice as
/// wide, plus the accumulator.
fn add_long_pairs(u: bool, size: u8, n: u128, acc: u128) -> u128 {
    let e = 8u32 << size;
    let mut r = 0u128;
    for i in 0..(64 / e) as usize {
        let s = int(elem(n, 2 * i, e), e, u) + int(elem(n, 2 * i + 1, e), e, u);
        set_elem(&mut r, i, 2 * e, (s as u64).wrapping_add(elem(acc, i, 2 * e)));
    }
    r
}
