//! Data processing -- register (Arm ARM C4.1.89): logical and add/subtract with shifted or
//! extended registers, with carry, conditional compare and select, and the 1-, 2- and
//! 3-source groups (bit manipulation, shifts, divide, CRC32, multiply).

use bramble_decode::DpReg;

use super::dp_imm::add_sub;
use crate::alu::{add_with_carry, condition_holds, extend_reg, logic_flags, shift_reg, trunc, C};
use crate::cpu::{Cpu, ExecResult};
use crate::exception::Exception;

impl Cpu {
    #[inline(always)]
    pub(crate) fn exec_dp_reg(&mut self, i: &DpReg, word: u32) -> ExecResult {
        match *i {
            DpReg::LogicShift { sf, opc, shift, n, rm, imm6, rn, rd } => {
                let mut m = shift_reg(sf, self.xz(rm), shift, imm6 as u32);
                if n {
                    m = !m;
                }
                let x = self.xz(rn);
                let r = trunc(
                    sf,
                    match opc {
                        0 | 3 => x & m,
                        1 => x | m,
                        _ => x ^ m,
                    },
                );
                if opc == 3 {
                    self.nzcv = logic_flags(sf, r);
                }
                self.set_xz(rd, r);
            }
            DpReg::AddSubShift { sf, sub, s, shift, rm, imm6, rn, rd } => {
                let m = shift_reg(sf, self.xz(rm), shift, imm6 as u32);
                let (r, flags) = add_sub(sf, self.xz(rn), m, sub);
                if s {
                    self.nzcv = flags;
                }
                self.set_xz(rd, r);
            }
            DpReg::AddSubExt { sf, sub, rm, option, imm3, rn, rd } => {
                let m = extend_reg(self.xz(rm), option, imm3);
                let (r, _) = add_sub(sf, self.xs(rn), m, sub);
                self.set_xs(rd, r);
            }
            DpReg::AddSubExtS { sf, sub, rm, option, imm3, rn, rd } => {
                let m = extend_reg(self.xz(rm), option, imm3);
                let (r, flags) = add_sub(sf, self.xs(rn), m, sub);
                self.nzcv = flags;
                self.set_xz(rd, r);
            }
            DpReg::AddSubCarry { sf, sub, s, rm, rn, rd } => {
                let m = if sub { !self.xz(rm) } else { self.xz(rm) };
                let (r, flags) = add_with_carry(sf, self.xz(rn), m, self.nzcv & C != 0);
                if s {
                    self.nzcv = flags;
                }
                self.set_xz(rd, r);
            }
            DpReg::CondCmpReg { sf, cmp, rm, cond, rn, nzcv } => {
                let m = self.xz(rm);
                self.cond_compare(sf, cmp, self.xz(rn), m, cond, nzcv);
            }
            DpReg::CondCmpImm { sf, cmp, imm5, cond, rn, nzcv } => {
                self.cond_compare(sf, cmp, self.xz(rn), imm5 as u64, cond, nzcv);
            }
            DpReg::CondSel { sf, op, rm, cond, o2, rn, rd } => {
                let r = if condition_holds(cond, self.nzcv) {
                    self.xz(rn)
                } else {
                    let m = self.xz(rm);
                    match (op, o2) {
                        (false, false) => m,
                        (false, true) => m.wrapping_add(1),
                        (true, false) => !m,
                        (true, true) => m.wrapping_neg(),
                    }
                };
                self.set_xz(rd, trunc(sf, r));
            }
            DpReg::Dp2 { sf, rm, opcode, rn, rd } => {
                let (n, m) = (self.xz(rn), self.xz(rm));
                let r = match opcode {
                    2 => udiv(sf, n, m),
                    3 => sdiv(sf, n, m),
                    _ => {
                        let amount = (m % if sf { 64 } else { 32 }) as u32;
                        shift_reg(sf, n, opcode - 8, amount)
                    }
                };
                self.set_xz(rd, trunc(sf, r));
            }
            DpReg::Crc32 { rm, c, sz, rn, rd } => {
                if !self.features.crc32 {
                    return Err(self.unallocated_ext(word, "CRC32 (FEAT_CRC32)"));
                }
                let r = crc32(self.xz(rn) as u32, self.xz(rm), 1 << sz, c);
                self.set_xz(rd, r as u64);
            }
            DpReg::Dp1 { sf, opcode, rn, rd } => {
                let n = self.xz(rn);
                let r = match (opcode, sf) {
                    (0, true) => n.reverse_bits(),
                    (0, false) => (n as u32).reverse_bits() as u64,
                    (1, _) => ((n >> 8) & 0x00ff_00ff_00ff_00ff) | ((n & 0x00ff_00ff_00ff_00ff) << 8),
                    (2, true) => {
                        let swapped = n.swap_bytes();
                        swapped.rotate_left(32) // REV32: bytes reversed within each word
                    }
                    (2, false) | (3, _) => {
                        if sf {
                            n.swap_bytes()
                        } else {
                            (n as u32).swap_bytes() as u64
                        }
                    }
                    (4, true) => n.leading_zeros() as u64,
                    (4, false) => (n as u32).leading_zeros() as u64,
                    (_, true) => ((n ^ (n << 1)) | 1).leading_zeros() as u64,
                    (_, false) => {
                        let w = n as u32;
                        ((w ^ (w << 1)) | 1).leading_zeros() as u64
                    }
                };
                self.set_xz(rd, trunc(sf, r));
            }
            DpReg::Dp3 { sf, op31, rm, o0, ra, rn, rd } => {
                let (n, m, a) = (self.xz(rn), self.xz(rm), self.xz(ra));
                let r = match op31 {
                    0 => {
                        let p = n.wrapping_mul(m);
                        trunc(sf, if o0 { a.wrapping_sub(p) } else { a.wrapping_add(p) })
                    }
                    1 => {
                        let p = (n as i32 as i64).wrapping_mul(m as i32 as i64) as u64;
                        if o0 {
                            a.wrapping_sub(p)
                        } else {
                            a.wrapping_add(p)
                        }
                    }
                    5 => {
                        let p = (n as u32 as u64).wrapping_mul(m as u32 as u64);
                        if o0 {
                            a.wrapping_sub(p)
                        } else {
                            a.wrapping_add(p)
                        }
                    }
                    2 => ((n as i64 as i128 * m as i64 as i128) >> 64) as u64,
                    _ => ((n as u128 * m as u128) >> 64) as u64,
                };
                self.set_xz(rd, r);
            }
        }
        Ok(())
    }

    fn cond_compare(&mut self, sf: bool, cmp: bool, n: u64, m: u64, cond: u8, nzcv: u8) {
        self.nzcv = if condition_holds(cond, self.nzcv) { add_sub(sf, n, m, cmp).1 } else { (nzcv as u32) << 28 };
    }

    /// UNDEFINED for an instruction whose extension the CPU model leaves out.
    pub(crate) fn unallocated_ext(&mut self, word: u32, what: &'static str) -> crate::cpu::Trap {
        self.log_unimp(word, what, &" not in this CPU model");
        Exception::Undefined.into()
    }
}

fn udiv(sf: bool, n: u64, m: u64) -> u64 {
    if sf {
        n.checked_div(m).unwrap_or(0)
    } else {
        (n as u32).checked_div(m as u32).unwrap_or(0) as u64
    }
}

fn sdiv(sf: bool, n: u64, m: u64) -> u64 {
    // Division by zero gives zero; MIN / -1 wraps to MIN (C6.2.272).
    if sf {
        if m == 0 {
            0
        } else {
            (n as i64).wrapping_div(m as i64) as u64
        }
    } else if m as u32 == 0 {
        0
    } else {
        (n as i32).wrapping_div(m as i32) as u32 as u64
    }
}

/// CRC32/CRC32C of `bytes` bytes of `val` into `acc` (C6.2.70): the reflected CRC,
/// without the pre- and post-inversion software adds.
fn crc32(acc: u32, val: u64, bytes: u32, castagnoli: bool) -> u32 {
    let poly: u32 = if castagnoli { 0x82f6_3b78 } else { 0xedb8_8320 };
    let mut crc = acc;
    for i in 0..bytes {
        crc ^= ((val >> (8 * i)) & 0xff) as u32;
        for _ in 0..8 {
            crc = (crc >> 1) ^ (poly & (crc & 1).wrapping_neg());
        }
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::crc32;
    use crate::alu::{C, N, Z};
    use crate::exec::testutil::run;

    #[test]
    fn crc_of_check_string() {
        let mut a = !0u32;
        let mut b = !0u32;
        for &byte in b"123456789" {
            a = crc32(a, byte as u64, 1, false);
            b = crc32(b, byte as u64, 1, true);
        }
        assert_eq!(!a, 0xcbf4_3926);
        assert_eq!(!b, 0xe306_9283);
    }

    #[test]
    fn shifted_extended_and_carry() {
        let (cpu, _) = run(
            &[
                0x8b020c20, // add x0, x1, x2, lsl #3
                0xcb22c023, // sub x3, x1, w2, sxtw
                0xab010024, // adds x4, x1, x1
                0x9a1f03e5, // adc x5, xzr, xzr
                0x8a2200e6, // bic x6, x7, x2
            ],
            &[(1, 0x8000_0000_0000_0000), (2, 0xffff_ffff), (7, 0xff_ffff_ffff)],
        );
        assert_eq!(cpu.xreg(0), 0x8000_0007_ffff_fff8);
        assert_eq!(cpu.xreg(3), 0x8000_0000_0000_0001);
        assert_eq!(cpu.xreg(4), 0);
        assert_eq!(cpu.xreg(5), 1);
        assert_eq!(cpu.xreg(6), 0xff_0000_0000);
        assert_eq!(cpu.nzcv(), Z | C | (1 << 28));
    }

    #[test]
    fn divide_multiply_and_select() {
        let (cpu, _) = run(
            &[
                0x9ac20c20, // sdiv x0, x1, x2
                0x1ac30843, // udiv w3, w2, w3
                0x9bc27c24, // umulh x4, x1, x2
                0x9b420425, // smulh x5, x1, x2  (ra ignored: encoded 00001)
                0xeb02003f, // cmp x1, x2
                0x9a8216c6, // csinc x6, x22, x2, ne
                0xdac01027, // clz x7, x1
                0x5ac01448, // cls w8, w2
            ],
            &[(1, 0x8000_0000_0000_0000), (2, u64::MAX), (3, 0), (22, 77)],
        );
        assert_eq!(cpu.xreg(0), 0x8000_0000_0000_0000);
        assert_eq!(cpu.xreg(3), 0);
        assert_eq!(cpu.xreg(4), 0x7fff_ffff_ffff_ffff);
        assert_eq!(cpu.xreg(5), 0);
        assert_eq!(cpu.nzcv() & (N | Z), N);
        assert_eq!(cpu.xreg(6), 77);
        assert_eq!(cpu.xreg(7), 0);
        assert_eq!(cpu.xreg(8), 31);
    }
}
